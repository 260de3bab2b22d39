// The announcement a lab host sends to claim an address (claim_address): our own frame decoder
// reads it as the gratuitous ARP request the capture must show, from the host's MAC.

#include <gtest/gtest.h>

#include <cstdint>
#include <span>

#include "base/lab/address_claim.h"
#include "base/proto/packet.h"

namespace phonelab::lab {
namespace {

TEST(AddressClaim, TheAnnouncementIsAGratuitousArpFromTheHost) {
  const std::string f = AddressClaimer::announcement("198.18.3.100", "02:aa:bb:cc:dd:ee");
  ASSERT_EQ(f.size(), 42u);
  auto e = proto::decodeFrame(
      std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(f.data()), f.size()),
      "02:00:c6:12:00:0a");
  ASSERT_TRUE(e.has_value());
  EXPECT_EQ(e->kind, "arp.request");
  EXPECT_EQ(e->fields.at("dst_mac"), "ff:ff:ff:ff:ff:ff");
  EXPECT_EQ(e->fields.at("src_mac"), "02:aa:bb:cc:dd:ee");
  EXPECT_EQ(e->fields.at("sender_mac"), "02:aa:bb:cc:dd:ee");
  EXPECT_EQ(e->fields.at("sender_ip"), "198.18.3.100");
  EXPECT_EQ(e->fields.at("target_ip"), "198.18.3.100");
  EXPECT_EQ(e->fields.at("target_mac"), "00:00:00:00:00:00");
  EXPECT_EQ(e->fields.at("gratuitous"), "yes");
  EXPECT_EQ(e->fields.at("from"), "lab");
}

TEST(AddressClaim, NoFrameForWhatIsNotAnAddress) {
  EXPECT_EQ(AddressClaimer::announcement("198.18.3", "02:aa:bb:cc:dd:ee"), "");
  EXPECT_EQ(AddressClaimer::announcement("198.18.3.100", "02:aa:bb"), "");
}

}  // namespace
}  // namespace phonelab::lab
