#include "emulator/frames.h"

#include <gtest/gtest.h>

#include "emulator/dhcp_client.h"
#include "emulator/netif.h"

using namespace phonelab::emulator;
namespace dhcp = phonelab::proto::dhcp;

TEST(EmuFrames, UdpRoundTrip) {
  UdpFrame f;
  f.src_mac = *dhcp::parseMac("02:00:c6:12:00:0a");
  f.dst_mac = kBroadcastMac;
  f.dst_ip = {255, 255, 255, 255};
  f.src_port = 68;
  f.dst_port = 67;
  f.payload = {1, 2, 3, 4, 5};
  auto wire = buildUdpFrame(f);
  ASSERT_EQ(wire.size(), 14u + 20 + 8 + 5);
  // The IP header checksums to zero; so does the UDP pseudo-header sum.
  EXPECT_EQ(inetChecksum(std::span<const uint8_t>(wire.data() + 14, 20)), 0);
  auto p = parseUdpFrame(wire);
  ASSERT_TRUE(p);
  EXPECT_EQ(p->src_mac, f.src_mac);
  EXPECT_EQ(p->dst_ip, f.dst_ip);
  EXPECT_EQ(p->src_port, 68);
  EXPECT_EQ(p->payload, f.payload);
}

TEST(EmuFrames, ParseRejectsMalformed) {
  UdpFrame f;
  f.payload = std::vector<uint8_t>(10, 7);
  auto wire = buildUdpFrame(f);
  for (size_t n = 0; n < wire.size() - 10; ++n) {
    EXPECT_FALSE(parseUdpFrame(std::span<const uint8_t>(wire.data(), n))) << n;
  }
  auto bad = wire;
  bad[14 + 10] ^= 0xff;  // IP checksum
  EXPECT_FALSE(parseUdpFrame(bad));
  bad = wire;
  bad[14] = 0x4f;  // IHL 60 > available
  EXPECT_FALSE(parseUdpFrame(bad));
  bad = wire;
  bad[14 + 20 + 4] = 0xff;  // UDP length too big
  EXPECT_FALSE(parseUdpFrame(bad));
}

// A bad UDP checksum (a rogue server's bad-udp-checksum case) is refused, as a real stack refuses
// it; not when the kernel says the checksum is still to be filled in (the sender's NIC offload),
// and not when the sender sent none (0).
TEST(EmuFrames, ParseChecksTheUdpChecksum) {
  UdpFrame f;
  f.src_ip = {198, 18, 0, 1};
  f.dst_ip = {198, 18, 0, 100};
  f.src_port = 67;
  f.dst_port = 68;
  f.payload = std::vector<uint8_t>(300, 0x5a);
  auto wire = buildUdpFrame(f);
  auto bad = wire;
  bad[14 + 20 + 6] ^= 0x5a;
  EXPECT_FALSE(parseUdpFrame(bad));
  EXPECT_TRUE(parseUdpFrame(bad, /*udp_checksum_pending=*/true));
  bad[14 + 20 + 6] = 0;
  bad[14 + 20 + 7] = 0;
  EXPECT_TRUE(parseUdpFrame(bad));
  bad = wire;
  bad[14 + 20 + 8 + 17] ^= 0x01;  // a payload byte changed on the way
  EXPECT_FALSE(parseUdpFrame(bad));
}

TEST(EmuFrames, BuildsAGratuitousArpRequestForItsOwnAddress) {
  Mac mac = *dhcp::parseMac("02:00:c6:12:00:0a");
  Ip4 ip = *dhcp::parseIp4("198.18.250.10");
  auto a = buildGratuitousArp(mac, ip);
  ASSERT_EQ(a.size(), 42u);
  EXPECT_EQ(a[12], 0x08);
  EXPECT_EQ(a[13], 0x06);
  EXPECT_EQ(a[21], 1);  // request
  EXPECT_TRUE(std::equal(ip.begin(), ip.end(), a.begin() + 28));
  EXPECT_TRUE(std::equal(ip.begin(), ip.end(), a.begin() + 38));
}

TEST(EmuFrames, SendsADiscoverWithTheFullRequestListVendorClassClientIdAndHostName) {
  DhcpClientConfig c;
  c.mac = *dhcp::parseMac("02:00:c6:12:00:0a");
  c.vendor_class = "Cisco Systems, Inc. IP Phone CP-8832-3PCC";
  c.hostname = "SEP0200C612000A";
  auto m = makeClientMessage(c, dhcp::MessageType::Discover, 42, 0);
  auto r = dhcp::decode(dhcp::encode(m));
  ASSERT_TRUE(r.message) << r.error;
  EXPECT_EQ(r.message->type(), dhcp::MessageType::Discover);
  auto* o55 = r.message->option(55);
  ASSERT_TRUE(o55);
  EXPECT_EQ(o55->data,
            (std::vector<uint8_t>{1, 2, 3, 6, 15, 42, 43, 51, 58, 59, 66, 125, 150, 159, 160}));
  auto* o60 = r.message->option(60);
  ASSERT_TRUE(o60);
  EXPECT_EQ(std::string(o60->data.begin(), o60->data.end()), c.vendor_class);
  auto* o61 = r.message->option(61);
  ASSERT_TRUE(o61);
  EXPECT_EQ(o61->data.size(), 7u);
  EXPECT_EQ(o61->data[0], 1);
  ASSERT_TRUE(r.message->option(12));
}

TEST(EmuFrames, CountsTheBitsOfAContiguousMaskAndRefusesAHoledOne) {
  EXPECT_EQ(prefixLength({255, 255, 255, 0}), 24);
  EXPECT_EQ(prefixLength({255, 255, 255, 255}), 32);
  EXPECT_EQ(prefixLength({0, 0, 0, 0}), 0);
  EXPECT_EQ(prefixLength({255, 0, 255, 0}), -1);
}
