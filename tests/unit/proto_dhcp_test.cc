#include "base/proto/dhcp.h"

#include <gtest/gtest.h>

namespace dhcp = phonelab::proto::dhcp;

namespace {

dhcp::Message sampleDiscover() {
  dhcp::Message m;
  m.op = 1;
  m.xid = 0x1a2b3c4d;
  m.secs = 3;
  m.flags = 0x8000;
  m.chaddr = *dhcp::parseMac("02:00:c6:12:00:0a");
  m.setOption(53, {1});
  m.setOption(61, {1, 2, 0, 0xc6, 0x12, 0, 0x0a});
  std::string vc = "Cisco Systems, Inc. IP Phone CP-8832-3PCC";
  m.setOption(60, std::vector<uint8_t>(vc.begin(), vc.end()));
  m.setOption(55, {1, 2, 3, 6, 15, 42, 43, 51, 58, 59, 66, 125, 150, 159, 160});
  return m;
}

}  // namespace

TEST(ProtoDhcp, EncodesAPaddedDiscoverThatDecodesBackFieldForField) {
  auto m = sampleDiscover();
  m.ciaddr = *dhcp::parseIp4("198.18.250.10");
  m.sname = "server";
  m.file = "boot.cfg";
  auto wire = dhcp::encode(m);
  ASSERT_GE(wire.size(), 300u);
  EXPECT_EQ(dhcp::encode(dhcp::Message{}).size(), 300u);  // padded to the BOOTP minimum
  EXPECT_EQ(wire[236], 99);
  EXPECT_EQ(wire[239], 99);
  auto r = dhcp::decode(wire);
  ASSERT_TRUE(r.message) << r.error;
  const auto& d = *r.message;
  EXPECT_EQ(d.xid, 0x1a2b3c4du);
  EXPECT_EQ(d.secs, 3);
  EXPECT_EQ(d.flags, 0x8000);
  EXPECT_EQ(dhcp::macString(d.chaddr), "02:00:c6:12:00:0a");
  EXPECT_EQ(dhcp::ip4String(d.ciaddr), "198.18.250.10");
  EXPECT_EQ(d.sname, "server");
  EXPECT_EQ(d.file, "boot.cfg");
  ASSERT_EQ(d.options.size(), m.options.size());
  for (size_t i = 0; i < m.options.size(); ++i) {
    EXPECT_EQ(d.options[i].code, m.options[i].code);
    EXPECT_EQ(d.options[i].data, m.options[i].data);
  }
  EXPECT_EQ(d.type(), dhcp::MessageType::Discover);
  EXPECT_EQ(dhcp::messageTypeName(*d.type()), "discover");
  EXPECT_EQ(dhcp::encode(d), wire);
}

TEST(ProtoDhcp, LongOptionIsNotPaddedBeyondNeed) {
  auto m = sampleDiscover();
  m.setOption(43, std::vector<uint8_t>(200, 0xab));
  auto wire = dhcp::encode(m);
  EXPECT_GT(wire.size(), 300u);
  EXPECT_EQ(wire.back(), 255);
  auto r = dhcp::decode(wire);
  ASSERT_TRUE(r.message) << r.error;
  EXPECT_EQ(r.message->option(43)->data.size(), 200u);
}

TEST(ProtoDhcp, RejectsAMessageCutShortOfItsHeaderAsTruncated) {
  auto wire = dhcp::encode(sampleDiscover());
  wire.resize(100);
  auto r = dhcp::decode(wire);
  EXPECT_FALSE(r.message);
  EXPECT_NE(r.error.find("truncated"), std::string::npos) << r.error;
  EXPECT_FALSE(dhcp::decode(std::span<const uint8_t>()).message);
}

TEST(ProtoDhcp, RejectsAWrongMagicCookie) {
  auto wire = dhcp::encode(sampleDiscover());
  wire[237] = 0;
  auto r = dhcp::decode(wire);
  EXPECT_FALSE(r.message);
  EXPECT_NE(r.error.find("magic cookie"), std::string::npos) << r.error;
}

TEST(ProtoDhcp, OptionLengthPastEnd) {
  dhcp::Message m;
  auto wire = dhcp::encode(m);
  wire.resize(240);
  // 240..: option 53 ok, then option 51 claiming 9 bytes with only 2 left.
  wire.insert(wire.end(), {53, 1, 2, 51, 9, 0, 0});
  auto r = dhcp::decode(wire);
  EXPECT_FALSE(r.message);
  EXPECT_NE(r.error.find("option 51 length 9 runs past the end at byte 243"), std::string::npos)
      << r.error;
}

TEST(ProtoDhcp, OptionWithoutLengthByte) {
  dhcp::Message m;
  auto wire = dhcp::encode(m);
  wire.resize(240);
  wire.push_back(51);
  auto r = dhcp::decode(wire);
  EXPECT_FALSE(r.message);
  EXPECT_NE(r.error.find("option 51"), std::string::npos) << r.error;
}

TEST(ProtoDhcp, RejectsOptionsWithoutAnEndOption) {
  dhcp::Message m;
  auto wire = dhcp::encode(m);
  wire.resize(240);
  wire.insert(wire.end(), {53, 1, 5, 0, 0});
  auto r = dhcp::decode(wire);
  EXPECT_FALSE(r.message);
  EXPECT_NE(r.error.find("no end option"), std::string::npos) << r.error;
}

TEST(ProtoDhcp, PadsAreSkipped) {
  dhcp::Message m;
  auto wire = dhcp::encode(m);
  wire.resize(240);
  wire.insert(wire.end(), {0, 0, 53, 1, 5, 0, 255});
  auto r = dhcp::decode(wire);
  ASSERT_TRUE(r.message) << r.error;
  EXPECT_EQ(r.message->type(), dhcp::MessageType::Ack);
}

TEST(ProtoDhcp, ParsesOnlyWellFormedAddressesAndFourByteNumbers) {
  EXPECT_FALSE(dhcp::parseIp4("1.2.3"));
  EXPECT_FALSE(dhcp::parseIp4("1.2.3.256"));
  EXPECT_FALSE(dhcp::parseIp4("1.2.3.4 "));
  EXPECT_FALSE(dhcp::parseIp4(""));
  EXPECT_EQ(dhcp::ip4String(*dhcp::parseIp4("198.18.250.1")), "198.18.250.1");
  EXPECT_FALSE(dhcp::parseMac("02:00:c6:12:00"));
  EXPECT_FALSE(dhcp::parseMac("02:00:c6:12:00:zz"));
  EXPECT_EQ(dhcp::macString(*dhcp::parseMac("02:00:C6:12:00:0A")), "02:00:c6:12:00:0a");
  dhcp::Option o{51, {0, 0, 0x0e, 0x10}};
  EXPECT_EQ(dhcp::u32Of(&o), 3600u);
  dhcp::Option bad{51, {1, 2}};
  EXPECT_FALSE(dhcp::u32Of(&bad));
  EXPECT_FALSE(dhcp::u32Of(nullptr));
}
