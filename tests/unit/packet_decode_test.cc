#include <gtest/gtest.h>

#include <map>
#include <vector>

#include "base/core/error.h"
#include "base/proto/dhcp.h"
#include "base/proto/packet.h"
#include "fakes/dhcp/rogue.h"

namespace proto = phonelab::proto;
namespace dhcp = phonelab::proto::dhcp;
using Bytes = std::vector<uint8_t>;

namespace {

const char* kDut = "02:00:c6:12:00:0a";
const Bytes kDutMac = {0x02, 0x00, 0xc6, 0x12, 0x00, 0x0a};
const Bytes kLabMac = {0x02, 0x00, 0xc6, 0x12, 0x00, 0x01};
const Bytes kBroadcast = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};

void put16(Bytes& b, uint16_t v) {
  b.push_back(static_cast<uint8_t>(v >> 8));
  b.push_back(static_cast<uint8_t>(v));
}

Bytes eth(const Bytes& dst, const Bytes& src, uint16_t type, const Bytes& payload) {
  Bytes f = dst;
  f.insert(f.end(), src.begin(), src.end());
  put16(f, type);
  f.insert(f.end(), payload.begin(), payload.end());
  return f;
}

Bytes ipv4(const Bytes& src, const Bytes& dst, uint8_t proto, const Bytes& payload) {
  Bytes h = {0x45, 0};
  put16(h, static_cast<uint16_t>(20 + payload.size()));
  put16(h, 0x1234);  // id
  put16(h, 0x4000);  // DF
  h.push_back(64);
  h.push_back(proto);
  put16(h, 0);  // checksum, below
  h.insert(h.end(), src.begin(), src.end());
  h.insert(h.end(), dst.begin(), dst.end());
  uint32_t sum = 0;
  for (size_t i = 0; i < 20; i += 2) sum += static_cast<uint32_t>(h[i] << 8 | h[i + 1]);
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  h[10] = static_cast<uint8_t>(~sum >> 8);
  h[11] = static_cast<uint8_t>(~sum);
  h.insert(h.end(), payload.begin(), payload.end());
  return h;
}

Bytes udp(uint16_t sport, uint16_t dport, const Bytes& payload) {
  Bytes u;
  put16(u, sport);
  put16(u, dport);
  put16(u, static_cast<uint16_t>(8 + payload.size()));
  put16(u, 0);
  u.insert(u.end(), payload.begin(), payload.end());
  return u;
}

Bytes icmpEcho(uint8_t type, uint16_t id, uint16_t seq) {
  Bytes i = {type, 0, 0, 0};
  put16(i, id);
  put16(i, seq);
  for (int k = 0; k < 16; ++k) i.push_back(static_cast<uint8_t>(k));
  return i;
}

const Bytes kDutIp = {198, 18, 0, 20};
const Bytes kLabIp = {198, 18, 0, 1};
const Bytes kRemoteIp = {198, 19, 0, 1};

Bytes arpReply() {
  Bytes a;
  put16(a, 1);
  put16(a, 0x0800);
  a.push_back(6);
  a.push_back(4);
  put16(a, 2);
  a.insert(a.end(), kDutMac.begin(), kDutMac.end());
  a.insert(a.end(), kDutIp.begin(), kDutIp.end());
  a.insert(a.end(), kLabMac.begin(), kLabMac.end());
  a.insert(a.end(), kLabIp.begin(), kLabIp.end());
  return eth(kLabMac, kDutMac, 0x0806, a);
}

}  // namespace

TEST(PacketDecode, ReadsSenderAndTargetOfAnArpReply) {
  auto e = proto::decodeFrame(arpReply(), kDut);
  ASSERT_TRUE(e);
  EXPECT_EQ(e->kind, "arp.reply");
  EXPECT_EQ(*e->field("sender_ip"), "198.18.0.20");
  EXPECT_EQ(*e->field("sender_mac"), kDut);
  EXPECT_EQ(*e->field("target_ip"), "198.18.0.1");
  EXPECT_EQ(*e->field("from"), "dut");
  EXPECT_EQ(*e->field("length"), "42");
  EXPECT_EQ(e->summary, "ARP 198.18.0.20 is at 02:00:c6:12:00:0a");
}

TEST(PacketDecode, IcmpEchoReplyWithVlanAndPadding) {
  Bytes ip = ipv4(kDutIp, kRemoteIp, 1, icmpEcho(0, 7, 1));
  Bytes tagged = {0x00, 0x05};  // VLAN 5
  put16(tagged, 0x0800);
  tagged.insert(tagged.end(), ip.begin(), ip.end());
  Bytes f = eth(kLabMac, kDutMac, 0x8100, tagged);
  f.resize(f.size() + 10, 0);  // Ethernet padding after the IP datagram
  auto e = proto::decodeFrame(f, kDut);
  ASSERT_TRUE(e);
  EXPECT_EQ(e->kind, "icmp.echo-reply");
  EXPECT_EQ(*e->field("vlan"), "5");
  EXPECT_EQ(*e->field("id"), "7");
  EXPECT_EQ(*e->field("seq"), "1");
  EXPECT_EQ(e->field("bad_checksum"), nullptr);
  EXPECT_EQ(e->summary, "ICMP echo reply 198.18.0.20 -> 198.19.0.1 id 7 seq 1");
}

TEST(PacketDecode, UdpFromLab) {
  Bytes f = eth(kDutMac, kLabMac, 0x0800, ipv4(kLabIp, kDutIp, 17, udp(5060, 5061, {1, 2, 3})));
  auto e = proto::decodeFrame(f, kDut);
  ASSERT_TRUE(e);
  EXPECT_EQ(e->kind, "udp");
  EXPECT_EQ(*e->field("from"), "lab");
  EXPECT_EQ(*e->field("src_port"), "5060");
  EXPECT_EQ(*e->field("dst_port"), "5061");
  EXPECT_EQ(*e->field("payload"), "3");
  EXPECT_EQ(*e->field("src_ip"), "198.18.0.1");
}

TEST(PacketDecode, NamesTheFlagsAndPortsOfATcpSegment) {
  Bytes t(20, 0);
  t[0] = 0x13;
  t[1] = 0xc4;  // 5060
  t[3] = 80;
  t[12] = 0x50;
  t[13] = 0x12;  // SYN+ACK
  auto e = proto::decodeFrame(eth(kLabMac, kDutMac, 0x0800, ipv4(kDutIp, kLabIp, 6, t)), kDut);
  ASSERT_TRUE(e);
  EXPECT_EQ(e->kind, "tcp");
  EXPECT_EQ(*e->field("flags"), "SA");
  EXPECT_EQ(*e->field("src_port"), "5060");
}

TEST(PacketDecode, CleartextSipOverTcpIsSip) {
  Bytes t(20, 0);
  t[0] = 0xc3;
  t[1] = 0x50;  // 50000
  t[2] = 0x13;
  t[3] = 0xc4;  // 5060
  t[12] = 0x50;
  t[13] = 0x18;  // PSH+ACK
  const std::string msg =
      "OPTIONS sip:198.18.0.10 SIP/2.0\r\nVia: SIP/2.0/TCP 198.18.0.100:50000;branch=z9hG4bK1\r\n"
      "From: <sip:a@b>;tag=1\r\nTo: <sip:c@d>\r\nCall-ID: x\r\nCSeq: 1 OPTIONS\r\n"
      "Max-Forwards: 70\r\nContent-Length: 0\r\n\r\n";
  t.insert(t.end(), msg.begin(), msg.end());
  auto e = proto::decodeFrame(eth(kLabMac, kDutMac, 0x0800, ipv4(kDutIp, kLabIp, 6, t)), kDut);
  ASSERT_TRUE(e);
  EXPECT_EQ(e->kind, "sip.request");
  EXPECT_EQ(*e->field("method"), "OPTIONS");
  EXPECT_EQ(*e->field("transport"), "tcp");
  EXPECT_EQ(*e->field("src_mac"), kDut);
  // TLS records on the same ports are not SIP.
  Bytes tls(20, 0);
  tls[12] = 0x50;
  tls[13] = 0x18;
  for (uint8_t b : {0x16, 0x03, 0x01, 0x00, 0x05, 0x01, 0x00, 0x00, 0x01, 0x00}) tls.push_back(b);
  auto r = proto::decodeFrame(eth(kLabMac, kDutMac, 0x0800, ipv4(kDutIp, kLabIp, 6, tls)), kDut);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->kind, "tcp");
}

// Two TLS application-data records in one segment (an in-dialog ACK and BYE written back to back)
// count as two: the SIP-over-TLS check counts records it cannot decrypt, not segments.
TEST(PacketDecode, TlsRecordsInATcpSegmentAreCounted) {
  auto segment = [](std::initializer_list<std::pair<uint8_t, size_t>> records) {
    Bytes t(20, 0);
    t[12] = 0x50;
    t[13] = 0x18;
    for (auto [type, len] : records) {
      for (uint8_t b : {type, uint8_t{0x03}, uint8_t{0x03}, static_cast<uint8_t>(len >> 8),
                        static_cast<uint8_t>(len & 0xff)}) {
        t.push_back(b);
      }
      t.insert(t.end(), len, 0xab);
    }
    return proto::decodeFrame(eth(kLabMac, kDutMac, 0x0800, ipv4(kLabIp, kDutIp, 6, t)), kDut);
  };
  auto two = segment({{23, 400}, {23, 350}});
  ASSERT_TRUE(two);
  EXPECT_EQ(*two->field("tls_records"), "2");
  auto handshake = segment({{22, 90}, {20, 1}});
  ASSERT_TRUE(handshake);
  EXPECT_EQ(*handshake->field("tls_records"), "0");
  // A segment that does not start on a record header (the middle of a long record): no count.
  Bytes mid(20, 0);
  mid[12] = 0x50;
  mid.insert(mid.end(), 64, 0xab);
  auto m = proto::decodeFrame(eth(kLabMac, kDutMac, 0x0800, ipv4(kLabIp, kDutIp, 6, mid)), kDut);
  ASSERT_TRUE(m);
  EXPECT_EQ(m->field("tls_records"), nullptr);
}

TEST(PacketDecode, ReadsXidParametersAndVendorClassOfADiscover) {
  dhcp::Message m;
  m.xid = 0x3903f326;
  m.chaddr = *dhcp::parseMac(kDut);
  m.setOption(53, {1});
  m.setOption(55, {1, 3, 6, 15, 66, 150});
  std::string vc = "Cisco Systems, Inc. IP Phone CP-8832";
  m.setOption(60, Bytes(vc.begin(), vc.end()));
  Bytes f = eth(kBroadcast, kDutMac, 0x0800,
                ipv4({0, 0, 0, 0}, {255, 255, 255, 255}, 17, udp(68, 67, dhcp::encode(m))));
  auto e = proto::decodeFrame(f, kDut);
  ASSERT_TRUE(e);
  EXPECT_EQ(e->kind, "dhcp.discover");
  EXPECT_EQ(*e->field("xid"), "0x3903f326");
  EXPECT_EQ(*e->field("chaddr"), kDut);
  EXPECT_EQ(*e->field("params"), "1,3,6,15,66,150");
  EXPECT_EQ(*e->field("vendor_class"), vc);
  EXPECT_EQ(*e->field("options"), "53,55,60");
  EXPECT_EQ(e->summary,
            "DHCPDISCOVER xid 0x3903f326 from 02:00:c6:12:00:0a requests 1,3,6,15,66,150");
}

TEST(PacketDecode, DhcpOfferFields) {
  dhcp::Message m;
  m.op = 2;
  m.xid = 1;
  m.chaddr = *dhcp::parseMac(kDut);
  m.yiaddr = {198, 18, 0, 100};
  m.setOption(53, {2});
  m.setOption(54, {198, 18, 0, 1});
  m.setOption(51, {0, 0, 0x0e, 0x10});
  m.setOption(3, {198, 18, 0, 1});
  m.setOption(6, {198, 18, 0, 1, 198, 18, 0, 2});
  Bytes f = eth(kBroadcast, kLabMac, 0x0800,
                ipv4(kLabIp, {255, 255, 255, 255}, 17, udp(67, 68, dhcp::encode(m))));
  auto e = proto::decodeFrame(f, kDut);
  ASSERT_TRUE(e);
  EXPECT_EQ(e->kind, "dhcp.offer");
  EXPECT_EQ(*e->field("yiaddr"), "198.18.0.100");
  EXPECT_EQ(*e->field("server_id"), "198.18.0.1");
  EXPECT_EQ(*e->field("lease"), "3600");
  EXPECT_EQ(*e->field("routers"), "198.18.0.1");
  EXPECT_EQ(*e->field("dns_servers"), "198.18.0.1,198.18.0.2");
  EXPECT_EQ(*e->field("from"), "lab");
}

TEST(PacketDecode, MalformedDhcpIsReported) {
  Bytes payload = dhcp::encode(dhcp::Message{});
  payload.resize(100);  // cut inside the fixed BOOTP header
  Bytes f = eth(kBroadcast, kDutMac, 0x0800,
                ipv4({0, 0, 0, 0}, {255, 255, 255, 255}, 17, udp(68, 67, payload)));
  auto e = proto::decodeFrame(f, kDut);
  ASSERT_TRUE(e);
  EXPECT_EQ(e->kind, "capture.malformed");
  ASSERT_NE(e->field("reason"), nullptr);
  EXPECT_NE(e->field("reason")->find("DHCP"), std::string::npos);
}

TEST(PacketDecode, BadIpChecksumIsFlagged) {
  Bytes f = eth(kLabMac, kDutMac, 0x0800, ipv4(kDutIp, kLabIp, 17, udp(1, 2, {})));
  f[14 + 10] ^= 0xff;
  auto e = proto::decodeFrame(f, kDut);
  ASSERT_TRUE(e);
  EXPECT_EQ(e->kind, "udp");
  EXPECT_EQ(*e->field("bad_checksum"), "ip");
}

TEST(PacketDecode, ReportsEveryInconsistentHeaderLengthAsMalformed) {
  auto kindOf = [](const Bytes& f) { return proto::decodeFrame(f, kDut)->kind; };
  EXPECT_EQ(kindOf({}), "capture.malformed");
  EXPECT_EQ(kindOf(Bytes(13, 0)), "capture.malformed");
  Bytes ip = ipv4(kDutIp, kLabIp, 17, udp(1, 2, {1, 2, 3, 4}));
  Bytes bad_ihl = ip;
  bad_ihl[0] = 0x44;  // header length 16
  EXPECT_EQ(kindOf(eth(kLabMac, kDutMac, 0x0800, bad_ihl)), "capture.malformed");
  Bytes big_ihl = ip;
  big_ihl[0] = 0x4f;  // 60-byte header, longer than the 32-byte datagram
  EXPECT_EQ(kindOf(eth(kLabMac, kDutMac, 0x0800, big_ihl)), "capture.malformed");
  Bytes long_total = ip;
  long_total[2] = 0x05;  // total length 1280+
  EXPECT_EQ(kindOf(eth(kLabMac, kDutMac, 0x0800, long_total)), "capture.malformed");
  Bytes bad_udp = ip;
  bad_udp[20 + 4] = 0x40;  // UDP length past the datagram
  EXPECT_EQ(kindOf(eth(kLabMac, kDutMac, 0x0800, bad_udp)), "capture.malformed");
  EXPECT_EQ(kindOf(eth(kLabMac, kDutMac, 0x8100, {0x00})), "capture.malformed");
  Bytes arp = arpReply();
  arp.resize(14 + 20);
  EXPECT_EQ(kindOf(arp), "capture.malformed");
  auto m = proto::decodeFrame(arp, kDut);
  EXPECT_NE(m->summary.find("ARP"), std::string::npos);
}

TEST(PacketDecode, EveryTruncationIsSafe) {
  // Every prefix of every sample frame decodes to something, never reads past the end (run
  // under ASan to prove it), and the full frame is never malformed.
  dhcp::Message m;
  m.setOption(53, {3});
  m.setOption(50, {198, 18, 0, 100});
  std::vector<Bytes> samples = {
      arpReply(),
      eth(kLabMac, kDutMac, 0x0800, ipv4(kDutIp, kRemoteIp, 1, icmpEcho(8, 1, 2))),
      eth(kBroadcast, kDutMac, 0x0800,
          ipv4({0, 0, 0, 0}, {255, 255, 255, 255}, 17, udp(68, 67, dhcp::encode(m)))),
  };
  for (const auto& s : samples) {
    auto full = proto::decodeFrame(s, kDut);
    ASSERT_TRUE(full);
    EXPECT_NE(full->kind, "capture.malformed") << full->summary;
    for (size_t n = 0; n < s.size(); ++n) {
      Bytes cut(s.begin(), s.begin() + static_cast<long>(n));
      auto e = proto::decodeFrame(cut, kDut);
      ASSERT_TRUE(e);
      EXPECT_FALSE(e->kind.empty());
      EXPECT_NE(e->field("from"), nullptr);
    }
  }
}

TEST(PacketDecode, KeepsUnknownEthertypesAndIpv6AsGenericEvents) {
  auto e = proto::decodeFrame(eth(kBroadcast, kDutMac, 0x88cc, {1, 2, 3}), "");
  ASSERT_TRUE(e);
  EXPECT_EQ(e->kind, "ether");
  EXPECT_EQ(*e->field("from"), "other");
  auto v6 = proto::decodeFrame(eth(kBroadcast, kDutMac, 0x86dd, Bytes(48, 0)), kDut);
  EXPECT_EQ(v6->kind, "ipv6");
}

namespace {

Bytes offerFrame(const dhcp::Message& m) {
  return eth(kBroadcast, kLabMac, 0x0800,
             ipv4(kLabIp, {255, 255, 255, 255}, 17, udp(67, 68, dhcp::encode(m))));
}

dhcp::Message offer() {
  dhcp::Message m;
  m.op = 2;
  m.xid = 7;
  m.chaddr = *dhcp::parseMac(kDut);
  m.yiaddr = {198, 18, 0, 100};
  m.setOption(53, {2});
  return m;
}

}  // namespace

TEST(PacketDecode, DhcpOptionValuesAsFields) {
  dhcp::Message m = offer();
  m.setOption(1, {255, 255, 255, 0});
  m.setOption(2, {0xff, 0xff, 0xf1, 0xf0});  // -3600
  m.setOption(6, {198, 18, 0, 2, 198, 18, 0, 7});
  std::string tftp = "tftp.lab.example";
  m.setOption(66, Bytes(tftp.begin(), tftp.end()));
  m.setOption(51, {0, 0, 0x02, 0x58});
  m.setOption(58, {0, 0, 0, 200});
  m.setOption(59, {0, 0, 0x01, 0xf4});
  m.setOption(43, {0xde, 0xad});
  m.setOption(150, {198, 18, 0, 4});
  m.setOption(200, {1, 2});  // not in the table: hex
  auto e = proto::decodeFrame(offerFrame(m), kDut);
  ASSERT_TRUE(e);
  ASSERT_EQ(e->kind, "dhcp.offer");
  EXPECT_EQ(*e->field("opt_1"), "255.255.255.0");
  EXPECT_EQ(*e->field("opt_2"), "-3600");
  EXPECT_EQ(*e->field("opt_6"), "198.18.0.2,198.18.0.7");
  EXPECT_EQ(*e->field("opt_66"), "tftp.lab.example");
  EXPECT_EQ(*e->field("opt_43"), "de:ad");
  EXPECT_EQ(*e->field("opt_150"), "198.18.0.4");
  EXPECT_EQ(*e->field("opt_53"), "2");
  EXPECT_EQ(*e->field("opt_200"), "01:02");
  EXPECT_EQ(*e->field("lease"), "600");
  EXPECT_EQ(*e->field("t1"), "200");
  EXPECT_EQ(*e->field("t2"), "500");
  // The older names stay.
  EXPECT_EQ(*e->field("renewal_time"), "200");
  EXPECT_EQ(*e->field("dns_servers"), "198.18.0.2,198.18.0.7");
  EXPECT_EQ(e->field("opt_3"), nullptr);
}

TEST(PacketDecode, DhcpClientOptionValues) {
  dhcp::Message m;
  m.xid = 9;
  m.chaddr = *dhcp::parseMac(kDut);
  m.setOption(53, {1});
  std::string vc = "Cisco Systems, Inc. IP Phone CP-8832-3PCC";
  m.setOption(60, Bytes(vc.begin(), vc.end()));
  m.setOption(55, {1, 3, 6, 66, 150, 160});
  m.setOption(57, {0x05, 0xdc});
  m.setOption(61, {1, 2, 0, 0xc6, 0x12, 0, 0x0a});
  Bytes f = eth(kBroadcast, kDutMac, 0x0800,
                ipv4({0, 0, 0, 0}, {255, 255, 255, 255}, 17, udp(68, 67, dhcp::encode(m))));
  auto e = proto::decodeFrame(f, kDut);
  ASSERT_TRUE(e);
  EXPECT_EQ(*e->field("opt_60"), vc);
  EXPECT_EQ(*e->field("opt_55"), "1,3,6,66,150,160");
  EXPECT_EQ(*e->field("params"), "1,3,6,66,150,160");
  EXPECT_EQ(*e->field("opt_57"), "1500");
  EXPECT_EQ(*e->field("opt_61"), "01:02:00:c6:12:00:0a");
  EXPECT_EQ(e->field("lease"), nullptr);
  EXPECT_EQ(e->field("t1"), nullptr);
}

TEST(PacketDecode, DhcpMalformedOptionValuesAreNamed) {
  dhcp::Message m = offer();
  m.setOption(3, {198, 18, 0, 1, 9});  // not a multiple of 4
  m.setOption(1, {});
  m.setOption(51, {0xff, 0xff, 0xff, 0xff});
  std::string hostile = "a\x01\xff";
  m.setOption(66, Bytes(hostile.begin(), hostile.end()));
  m.sname = "\xc3\x28\x01garbage";  // invalid UTF-8 off the wire
  auto e = proto::decodeFrame(offerFrame(m), kDut);
  ASSERT_TRUE(e);
  EXPECT_EQ(e->kind, "dhcp.offer");
  EXPECT_EQ(*e->field("opt_3"), "malformed: c6:12:00:01:09");
  EXPECT_EQ(*e->field("opt_1"), "malformed: ");
  EXPECT_EQ(*e->field("lease"), "4294967295");
  EXPECT_EQ(*e->field("opt_66"), "a\\x01\\xff");
  EXPECT_EQ(*e->field("sname"), "\\xc3(\\x01garbage");
}

TEST(PacketDecode, DhcpBogusMessageTypeIsMalformed) {
  dhcp::Message m = offer();
  m.setOption(53, {0xff});
  auto e = proto::decodeFrame(offerFrame(m), kDut);
  ASSERT_TRUE(e);
  EXPECT_EQ(e->kind, "capture.malformed");
  EXPECT_EQ(*e->field("reason"),
            "DHCP: option 53 (message type) is 255, not a type from 1 to 8 (xid 0x00000007)");
  EXPECT_EQ(*e->field("xid"), "0x00000007");
  m.options.clear();  // no 53 at all: BOOTP
  e = proto::decodeFrame(offerFrame(m), kDut);
  EXPECT_EQ(e->kind, "bootp.reply");
}

// The rogue server's malformed cases, offline: each frame decodes to an event (never a crash),
// the header-breaking ones are refused with a reason, and the rest decode as what they claim.
TEST(PacketDecode, RogueMalformedCasesDecodeSafely) {
  phonelab::fakes::RogueOptions o;
  o.address = "198.18.0.8";
  o.offer_ip = "198.18.0.150";
  o.lab_mac = "02:00:c6:12:00:01";
  dhcp::Message discover;
  discover.xid = 0x42;
  discover.chaddr = *dhcp::parseMac(kDut);
  discover.setOption(53, {1});
  const Bytes req = dhcp::encode(discover);
  const std::map<std::string, std::string> refused = {
      {"option-length-past-end", "option 66 length 200 runs past the end"},
      {"truncated-header", "truncated: 200 bytes"},
      {"bad-magic-cookie", "bad magic cookie deadbeef"},
      {"no-end-option", "no end option (255)"},
      {"message-type-bogus", "option 53 (message type) is 255"},
  };
  for (const auto& [name, description] : phonelab::fakes::RogueDhcpServer::malformedCases()) {
    SCOPED_TRACE(name);
    Bytes f = phonelab::fakes::RogueDhcpServer::malformedFrame(o, name, req);
    auto e = proto::decodeFrame(f, kDut);
    ASSERT_TRUE(e);
    EXPECT_EQ(*e->field("from"), "lab");
    if (auto it = refused.find(name); it != refused.end()) {
      EXPECT_EQ(e->kind, "capture.malformed");
      EXPECT_NE(e->field("reason")->find(it->second), std::string::npos) << *e->field("reason");
    } else {
      EXPECT_TRUE(e->kind == "dhcp.offer" || e->kind == "bootp.reply") << e->kind;
      EXPECT_EQ(*e->field("xid"), "0x00000042");
    }
    for (size_t n = 0; n < f.size(); n += 7) {  // and every cut of it
      auto cut = proto::decodeFrame(std::span<const uint8_t>(f.data(), n), kDut);
      ASSERT_TRUE(cut);
    }
  }
  EXPECT_THROW(phonelab::fakes::RogueDhcpServer::malformedFrame(o, "nope", req), phonelab::Error);
}
