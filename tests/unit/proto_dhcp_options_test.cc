#include <gtest/gtest.h>

#include <set>

#include "base/proto/dhcp_options.h"

namespace phonelab::proto::dhcp {
namespace {

TEST(DhcpOptionTable, CoversTheVendorsTable) {
  for (int code : {1, 2, 3, 6, 15, 41, 42, 43, 51, 60, 66, 125, 150, 159, 160}) {
    EXPECT_NE(findOption(static_cast<uint8_t>(code)), nullptr) << code;
  }
  std::set<int> codes;
  for (const auto& d : optionTable()) EXPECT_TRUE(codes.insert(d.code).second) << "dup " << +d.code;
}

TEST(DhcpOptionTable, LookupByNameOrCode) {
  EXPECT_EQ(findOption("66")->name, "tftp-server-name");
  EXPECT_EQ(findOption("tftp-server-address")->code, 150);
  EXPECT_EQ(findOption("no-such-option"), nullptr);
  EXPECT_EQ(findOption("300"), nullptr);
  // The document's "41 = lease time" is tested through 51.
  EXPECT_EQ(findOption(51)->requirement, "DHCP-OPT-41");
}

std::string roundTrip(uint8_t code, const std::string& text) {
  std::string err;
  auto bytes = encodeOptionValue(*findOption(code), text, err);
  if (!bytes) return "error: " + err;
  return formatOptionValue(findOption(code), *bytes);
}

TEST(DhcpOptionValues, WritesAddressesNumbersNamesAndBytesBackAsRead) {
  EXPECT_EQ(roundTrip(6, "198.18.0.2, 198.18.0.7"), "198.18.0.2,198.18.0.7");
  EXPECT_EQ(roundTrip(2, "-18000"), "-18000");
  EXPECT_EQ(roundTrip(51, "3600"), "3600");
  EXPECT_EQ(roundTrip(66, "tftp.lab.example"), "tftp.lab.example");
  EXPECT_EQ(roundTrip(43, "01:04:c6:12:00:06"), "01:04:c6:12:00:06");
  EXPECT_EQ(roundTrip(55, "1,3,6"), "1,3,6");
  EXPECT_EQ(roundTrip(159, "198.18.0.4"), "198.18.0.4");
}

TEST(DhcpOptionValues, EncodesOption43And125SubOptionsAndRejectsMalformedOnes) {
  // 43: TR-069 ACS URL as sub-option 1.
  EXPECT_EQ(roundTrip(43, "1=http://a;2=b"), "01:08:68:74:74:70:3a:2f:2f:61:02:01:62");
  // 125: enterprise 3561 (Broadband Forum), data length 10, sub-option 11 = "http://a".
  EXPECT_EQ(roundTrip(125, "3561:11=http://a"), "00:00:0d:e9:0a:0b:08:68:74:74:70:3a:2f:2f:61");
  EXPECT_NE(roundTrip(125, "11=http://a").find("enterprise number first"), std::string::npos);
  EXPECT_NE(roundTrip(43, "x=1").find("is not <code>=<text>"), std::string::npos);
}

TEST(DhcpOptionValues, BadValuesSayWhy) {
  EXPECT_EQ(roundTrip(3, "198.18.0.300"),
            "error: option 3 (routers): '198.18.0.300' is not an IPv4 address");
  EXPECT_EQ(roundTrip(159, "198.18.0.4, 198.18.0.5"),
            "error: option 159 (provisioning-server-ip) needs one IPv4 address, got "
            "'198.18.0.4, 198.18.0.5'");
  EXPECT_NE(roundTrip(51, "-1").find("needs a number"), std::string::npos);
  EXPECT_NE(roundTrip(43, "0g").find("hex bytes"), std::string::npos);
}

TEST(DhcpOptionValues, MalformedDataIsShownNotTrusted) {
  const uint8_t five[] = {198, 18, 0, 2, 9};
  EXPECT_EQ(formatOptionValue(findOption(6), five), "malformed: c6:12:00:02:09");
  const uint8_t ctrl[] = {'a', 0x01};
  EXPECT_EQ(formatOptionValue(findOption(66), ctrl), "a\\x01");
  EXPECT_EQ(formatOptionValue(nullptr, ctrl), "61:01");
}

}  // namespace
}  // namespace phonelab::proto::dhcp
