#include "emulator/dhcp_info.h"

#include <gtest/gtest.h>

#include "emulator/dhcp_client.h"

using namespace phonelab::emulator;
namespace dhcp = phonelab::proto::dhcp;
using B = std::vector<uint8_t>;

namespace {
B str(std::string_view s) {
  return B(s.begin(), s.end());
}
}  // namespace

TEST(EmuDhcpInfo, DecodesAddressesAndFlagsLengthsNotAMultipleOfFour) {
  EXPECT_EQ(*decodeIp4(B{198, 18, 0, 4}).value, (Ip4{198, 18, 0, 4}));
  auto bad = decodeIp4(B{1, 2, 3});
  EXPECT_FALSE(bad);
  EXPECT_TRUE(bad.bad_length);
  EXPECT_EQ(bad.error, "length 3 is not 4");

  auto list = decodeIp4List(B{198, 18, 0, 2, 198, 18, 0, 7});
  ASSERT_TRUE(list);
  ASSERT_EQ(list.value->size(), 2u);
  EXPECT_EQ((*list.value)[1], (Ip4{198, 18, 0, 7}));
  EXPECT_TRUE(decodeIp4List(B{1, 2, 3, 4, 5}).bad_length);  // not a multiple of 4
  EXPECT_TRUE(decodeIp4List(B{}).bad_length);               // empty
}

TEST(EmuDhcpInfo, AcceptsOnlyContiguousNonZeroNetmasks) {
  EXPECT_TRUE(decodeNetmask(B{255, 255, 255, 0}));
  auto holes = decodeNetmask(B{255, 0, 255, 0});  // not contiguous
  EXPECT_FALSE(holes);
  EXPECT_FALSE(holes.bad_length);
  EXPECT_FALSE(decodeNetmask(B{0, 0, 0, 0}));
  EXPECT_TRUE(decodeNetmask(B{255, 255, 255}).bad_length);
}

TEST(EmuDhcpInfo, DecodesASignedOffsetAndRefusesOneYearsFromUtc) {
  EXPECT_EQ(*decodeTimeOffset(B{0, 0, 0x0e, 0x10}).value, 3600);
  EXPECT_EQ(*decodeTimeOffset(B{0xff, 0xff, 0xf1, 0xf0}).value, -3600);  // signed
  EXPECT_FALSE(decodeTimeOffset(B{0x7f, 0, 0, 0}));                      // years away from UTC
  EXPECT_TRUE(decodeTimeOffset(B{0, 0, 0x0e}).bad_length);
}

TEST(EmuDhcpInfo, DecodesNamesAndTextDroppingATrailingNulAndRefusingControlBytes) {
  EXPECT_EQ(*decodeHostName(str("lab.example")).value, "lab.example");
  EXPECT_EQ(*decodeHostName(str(std::string("tftp\0", 5))).value, "tftp");  // trailing NUL
  EXPECT_EQ(*decodeHostName(str("198.18.0.4")).value, "198.18.0.4");
  EXPECT_FALSE(decodeHostName(str("bad name")));
  EXPECT_FALSE(decodeHostName(str("a..b")));
  EXPECT_FALSE(decodeHostName(B{0x41, 0x01, 0x42}));
  EXPECT_TRUE(decodeHostName(B{}).bad_length);
  EXPECT_EQ(*decodeText(str("http://198.18.0.5/p/$MA.xml")).value, "http://198.18.0.5/p/$MA.xml");
  EXPECT_FALSE(decodeText(B{'h', 0x07, 'x'}));
  EXPECT_TRUE(decodeText(B{}).bad_length);
}

TEST(EmuDhcpInfo, FindsTheAcsUrlInSubOptionOneOrAsTheWholeOption) {
  // TR-106: sub-option 1 = ACS URL, other sub-options ignored.
  B tlv{2, 3, 'a', 'b', 'c', 1, 20};
  auto url = str("http://198.18.0.6/ac");
  tlv.insert(tlv.end(), url.begin(), url.end());
  EXPECT_EQ(*decodeAcs43(tlv).value, "http://198.18.0.6/ac");
  // The whole option as a URL (does not parse as TLVs).
  EXPECT_EQ(*decodeAcs43(str("http://198.18.0.6:7547/acs")).value, "http://198.18.0.6:7547/acs");
  // TLVs without sub-option 1.
  EXPECT_FALSE(decodeAcs43(B{2, 1, 'x'}));
  // Neither TLVs nor a URL.
  EXPECT_FALSE(decodeAcs43(B{1, 200, 0xff}));
  EXPECT_TRUE(decodeAcs43(B{}).bad_length);
}

TEST(EmuDhcpInfo, FindsTheAcsUrlUnderEnterprise3561AndFlagsOverruns) {
  auto url = str("http://acs.lab.example/cwmp");
  B d{0, 0, 0x0d, 0xe9};  // enterprise 3561
  d.push_back(static_cast<uint8_t>(2 + url.size()));
  d.push_back(11);
  d.push_back(static_cast<uint8_t>(url.size()));
  d.insert(d.end(), url.begin(), url.end());
  B other{0, 0, 0, 9, 3, 1, 1, 'x'};  // Cisco's enterprise first: skipped
  B both = other;
  both.insert(both.end(), d.begin(), d.end());
  EXPECT_EQ(*decodeAcs125(both).value, "http://acs.lab.example/cwmp");
  EXPECT_FALSE(decodeAcs125(other));  // no 3561
  B truncated = d;
  truncated.pop_back();  // data length runs past the end
  auto t = decodeAcs125(truncated);
  EXPECT_FALSE(t);
  EXPECT_TRUE(t.bad_length);
  EXPECT_TRUE(decodeAcs125(B{0, 0, 0x0d}).bad_length);
  // Sub-option length inside the 3561 block runs past its data.
  EXPECT_TRUE(decodeAcs125(B{0, 0, 0x0d, 0xe9, 2, 11, 9}).bad_length);
}

TEST(EmuDhcpInfo, EachDecoderFaultMisreadsItsOptionAndLeavesANote) {
  // option-43-first-suboption: sub-option 2 first is taken for the URL (and is not one).
  B tlv{2, 3, 'a', 'b', 'c', 1, 8};
  auto url = str("http://a");
  tlv.insert(tlv.end(), url.begin(), url.end());
  EXPECT_EQ(*decodeAcs43(tlv).value, "http://a");
  EXPECT_EQ(*decodeAcs43(tlv, true).value, "abc");  // not a URL: no Inform follows
  // option-125-any-enterprise: enterprise 9's sub-option 11 is taken.
  B d{0, 0, 0, 9, 3, 11, 1, 'x', 0, 0, 0x0d, 0xe9, 10, 11, 8};
  d.insert(d.end(), url.begin(), url.end());
  EXPECT_EQ(*decodeAcs125(d).value, "http://a");
  EXPECT_EQ(*decodeAcs125(d, true).value, "x");
  // option-150-last-address and option-159-byte-order.
  dhcp::Message m;
  m.setOption(53, {5});
  m.setOption(150, {198, 18, 0, 4, 198, 18, 0, 7});
  m.setOption(159, {198, 18, 0, 4});
  auto good = decodeDhcpInfo(m);
  EXPECT_EQ(good.tftp_150.front(), (Ip4{198, 18, 0, 4}));
  EXPECT_EQ(*good.prov_ip_159, (Ip4{198, 18, 0, 4}));
  EXPECT_TRUE(good.fault_notes.empty());
  DecodeFaults f;
  f.tftp150_last = true;
  f.ip159_byte_order = true;
  auto bad = decodeDhcpInfo(m, {}, f);
  EXPECT_EQ(bad.tftp_150, (std::vector<Ip4>{Ip4{198, 18, 0, 7}}));
  EXPECT_EQ(*bad.prov_ip_159, (Ip4{4, 0, 18, 198}));
  EXPECT_EQ(bad.fault_notes.size(), 2u);
}

TEST(EmuDhcpInfo, TheFirstRouterAndNtpServerOfAListWinUnlessAFaultTakesTheLast) {
  dhcp::Message m;
  m.setOption(53, {5});
  m.setOption(3, {198, 18, 0, 9, 198, 18, 0, 7});
  m.setOption(42, {198, 18, 0, 3, 198, 18, 0, 7});
  auto good = decodeDhcpInfo(m);
  EXPECT_EQ(*good.router, (Ip4{198, 18, 0, 9}));
  EXPECT_EQ(good.ntp, (std::vector<Ip4>{Ip4{198, 18, 0, 3}, Ip4{198, 18, 0, 7}}));
  DecodeFaults f;
  f.router_last = true;
  f.ntp_last = true;
  auto bad = decodeDhcpInfo(m, {}, f);
  EXPECT_EQ(*bad.router, (Ip4{198, 18, 0, 7}));
  EXPECT_EQ(bad.ntp, (std::vector<Ip4>{Ip4{198, 18, 0, 7}}));
  EXPECT_EQ(bad.fault_notes.size(), 2u);
}

TEST(EmuDhcpInfo, DecodesEveryOptionOfAnAckAndSkipsTheMalformedAndIgnoredOnes) {
  dhcp::Message m;
  m.setOption(53, {5});
  m.setOption(1, {255, 255, 255, 0});
  m.setOption(2, {0xff, 0xff, 0xf1, 0xf0});
  m.setOption(3, {198, 18, 0, 1});
  m.setOption(6, {198, 18, 0, 2});
  m.setOption(15, str("lab.example"));
  m.setOption(42, {198, 18, 0, 3, 1, 2, 3});  // malformed: ignored, logged
  m.setOption(66, str("tftp"));
  m.setOption(150, {198, 18, 0, 4});
  m.setOption(159, {198, 18, 0, 5});
  m.setOption(160, str("http://198.18.0.5/p/$MA.xml"));
  m.setOption(51, {0, 0, 0, 120});
  auto i = decodeDhcpInfo(m);
  EXPECT_EQ(*i.netmask, (Ip4{255, 255, 255, 0}));
  EXPECT_EQ(*i.time_offset, -3600);
  EXPECT_EQ(*i.router, (Ip4{198, 18, 0, 1}));
  EXPECT_EQ(i.dns.size(), 1u);
  EXPECT_EQ(i.domain, "lab.example");
  EXPECT_TRUE(i.ntp.empty());
  ASSERT_EQ(i.problems.size(), 1u);
  EXPECT_EQ(describe(i.problems[0]), "option 42: length 7 is not a multiple of 4");
  EXPECT_TRUE(i.problems[0].bad_length);
  EXPECT_EQ(i.tftp_server_66, "tftp");
  EXPECT_EQ(*i.prov_ip_159, (Ip4{198, 18, 0, 5}));
  EXPECT_EQ(*i.lease, 120u);

  auto ign = decodeDhcpInfo(m, {2, 6, 66});
  EXPECT_FALSE(ign.time_offset);
  EXPECT_TRUE(ign.dns.empty());
  EXPECT_TRUE(ign.tftp_server_66.empty());
  EXPECT_EQ(ign.ignored, (std::vector<uint8_t>{2, 6, 66}));
}

TEST(EmuDhcpInfo, ClientMessageVendorClass) {
  DhcpClientConfig c;
  c.mac = {2, 0, 0xc6, 0x12, 0, 0x0a};
  c.vendor_class = "Cisco Systems, Inc. IP Phone CP-8832-3PCC";
  auto m = makeClientMessage(c, dhcp::MessageType::Discover, 1, 0);
  ASSERT_NE(m.option(60), nullptr);
  c.vendor_class.clear();  // what the phone does under no-vendor-class
  EXPECT_EQ(makeClientMessage(c, dhcp::MessageType::Discover, 1, 0).option(60), nullptr);
}
