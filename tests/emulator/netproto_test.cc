#include "emulator/netproto.h"

#include <gtest/gtest.h>

using namespace phonelab::emulator;
using B = std::vector<uint8_t>;
using phonelab::proto::dhcp::Ip4;

TEST(EmuDns, BuildsAnAQueryAndRefusesInvalidNames) {
  auto q = buildDnsQuery(0x1234, "tftp.lab.example");
  ASSERT_TRUE(q);
  // Header: id, RD, one question; then 4tftp 3lab 7example 0, type A, class IN.
  B want{0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0, 4, 0, 0, 0, 0};
  want[13] = 't';
  want[14] = 'f';
  want[15] = 't';
  want[16] = 'p';
  want.resize(17);
  B tail{3, 'l', 'a', 'b', 7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 0, 0, 1, 0, 1};
  want.insert(want.end(), tail.begin(), tail.end());
  EXPECT_EQ(*q, want);
  EXPECT_FALSE(buildDnsQuery(1, "a..b"));
  EXPECT_FALSE(buildDnsQuery(1, std::string(64, 'a') + ".x"));
  EXPECT_FALSE(buildDnsQuery(1, ""));
}

TEST(EmuDns, AppendsTheSearchDomainOnlyToSingleLabelNames) {
  EXPECT_EQ(dnsCandidates("tftp", "lab.example"), (std::vector<std::string>{"tftp.lab.example"}));
  EXPECT_EQ(dnsCandidates("tftp", ""), (std::vector<std::string>{"tftp"}));  // ignore-option-15
  EXPECT_EQ(dnsCandidates("tftp.other", "lab.example"), (std::vector<std::string>{"tftp.other"}));
  EXPECT_EQ(dnsCandidates("tftp.", "lab.example"), (std::vector<std::string>{"tftp"}));
  // Fault domain-appended-to-every-name: qualified names get the domain too, and only that.
  EXPECT_EQ(dnsCandidates("tftp.other", "lab.example", false, true),
            (std::vector<std::string>{"tftp.other.lab.example"}));
  EXPECT_EQ(dnsCandidates("tftp.", "lab.example", false, true), (std::vector<std::string>{"tftp"}));
}

namespace {
/// A response to `query` with one A record (name as a compression pointer to the question).
B answer(B query, std::vector<uint8_t> rdata, uint8_t rcode = 0) {
  B r = std::move(query);
  r[2] = 0x81;
  r[3] = static_cast<uint8_t>(0x80 | rcode);
  r[7] = 1;  // ANCOUNT
  B rr{0xc0, 12, 0, 1, 0, 1, 0, 0, 0, 60, 0, static_cast<uint8_t>(rdata.size())};
  rr.insert(rr.end(), rdata.begin(), rdata.end());
  r.insert(r.end(), rr.begin(), rr.end());
  return r;
}
}  // namespace

TEST(EmuDns, AcceptsOnlyAMatchingWellFormedResponseAndSurvivesCompressionLoops) {
  auto q = *buildDnsQuery(7, "tftp.lab.example");
  std::string err;
  auto a = parseDnsResponse(answer(q, {198, 18, 0, 4}), 7, &err);
  ASSERT_TRUE(a) << err;
  EXPECT_EQ(a->rcode, 0);
  ASSERT_EQ(a->addresses.size(), 1u);
  EXPECT_EQ(a->addresses[0], (Ip4{198, 18, 0, 4}));

  EXPECT_FALSE(parseDnsResponse(answer(q, {198, 18, 0, 4}), 8, &err));  // another id
  EXPECT_FALSE(parseDnsResponse(q, 7, &err));                           // a query, not a response
  EXPECT_EQ(err, "not a response (QR 0)");
  EXPECT_FALSE(parseDnsResponse(answer(q, {198, 18, 0}), 7, &err));  // A with 3 bytes
  B cut = answer(q, {198, 18, 0, 4});
  cut.resize(cut.size() - 2);  // rdata runs past the end
  EXPECT_FALSE(parseDnsResponse(cut, 7, &err));
  EXPECT_FALSE(parseDnsResponse(B{0, 7, 0x81}, 7, &err));
  B nx = q;
  nx[2] = 0x81;
  nx[3] = 0x83;
  auto n = parseDnsResponse(nx, 7, &err);
  ASSERT_TRUE(n) << err;
  EXPECT_EQ(n->rcode, 3);
  EXPECT_TRUE(n->addresses.empty());
  // A compression loop must not hang: a name pointing at itself.
  B loop = q;
  loop[2] = 0x81;
  loop[5] = 0;
  loop[7] = 1;
  loop.resize(12);
  B rr{0xc0, 12};
  loop.insert(loop.end(), rr.begin(), rr.end());
  EXPECT_FALSE(parseDnsResponse(loop, 7, &err));
}

TEST(EmuNtp, RequestAndReply) {
  const double t = 1795000000.25;
  auto req = buildNtpRequest(t);
  ASSERT_EQ(req.size(), 48u);
  EXPECT_EQ(req[0], 0x23);  // LI 0, VN 4, mode 3
  uint64_t ts = ntpTimestamp(t);
  EXPECT_EQ(ts >> 32, 1795000000ULL + kNtpUnixOffset);
  EXPECT_EQ(ts & 0xffffffffULL, 0x40000000ULL);

  B reply(48, 0);
  reply[0] = 0x24;  // VN 4, mode 4
  reply[1] = 2;     // stratum
  for (int i = 0; i < 8; ++i) reply[24 + static_cast<size_t>(i)] = req[40 + static_cast<size_t>(i)];
  uint64_t server = ntpTimestamp(t + 10);
  for (int i = 0; i < 8; ++i)
    reply[40 + static_cast<size_t>(i)] = static_cast<uint8_t>(server >> (56 - 8 * i));
  std::string err;
  auto r = parseNtpReply(reply, ts, &err);
  ASSERT_TRUE(r) << err;
  EXPECT_EQ(r->stratum, 2);
  EXPECT_NEAR(r->transmit_unix, t + 10, 1e-6);

  EXPECT_FALSE(parseNtpReply(reply, ts + 1, &err));  // originate is not ours
  B kod = reply;
  kod[1] = 0;
  kod[12] = 'R', kod[13] = 'A', kod[14] = 'T', kod[15] = 'E';
  EXPECT_FALSE(parseNtpReply(kod, ts, &err));
  EXPECT_EQ(err, "kiss-o'-death \"RATE\" (stratum 0)");
  B client = reply;
  client[0] = 0x23;
  EXPECT_FALSE(parseNtpReply(client, ts, &err));
  EXPECT_FALSE(parseNtpReply(B(47, 0), ts, &err));
  EXPECT_EQ(isoTime(0), "1970-01-01T00:00:00Z");
}

TEST(EmuTftp, BuildsRrqAndAckAndRejectsMalformedPackets) {
  auto rrq = buildTftpRrq("8832.xml");
  ASSERT_TRUE(rrq);
  B want{0, 1, '8', '8', '3', '2', '.', 'x', 'm', 'l', 0, 'o', 'c', 't', 'e', 't', 0};
  EXPECT_EQ(*rrq, want);
  EXPECT_FALSE(buildTftpRrq(""));
  EXPECT_FALSE(buildTftpRrq(std::string("a\0b", 3)));
  EXPECT_EQ(buildTftpAck(258), (B{0, 4, 1, 2}));

  std::string err;
  auto d = parseTftpPacket(B{0, 3, 0, 1, 'h', 'i'}, &err);
  ASSERT_TRUE(d) << err;
  EXPECT_EQ(d->kind, TftpPacket::Kind::Data);
  EXPECT_EQ(d->block, 1);
  EXPECT_EQ(d->data, (B{'h', 'i'}));
  auto e = parseTftpPacket(B{0, 5, 0, 1, 'n', 'o', 0}, &err);
  ASSERT_TRUE(e) << err;
  EXPECT_EQ(e->kind, TftpPacket::Kind::Error);
  EXPECT_EQ(e->error_code, 1);
  EXPECT_EQ(e->error_message, "no");
  EXPECT_FALSE(parseTftpPacket(B{0, 5, 0, 1, 'n', 'o'}, &err));  // no NUL
  EXPECT_FALSE(parseTftpPacket(B{0, 3, 0}, &err));
  EXPECT_FALSE(parseTftpPacket(B(4 + 513, 0x03), &err));
  B big(4 + 513, 0);
  big[1] = 3;
  EXPECT_FALSE(parseTftpPacket(big, &err));
  EXPECT_FALSE(parseTftpPacket(B{0, 9, 0, 0}, &err));
}

TEST(EmuCwmp, InformsWithTheDeviceIdentityAndABootEvent) {
  InformParams p;
  p.oui = ouiOf({0x02, 0x00, 0xc6, 0x12, 0x00, 0x0a});
  p.product_class = "CP-8832-3PCC";
  p.serial = "FCH2300ABCD";
  p.current_time = "2026-01-01T00:00:00Z";
  EXPECT_EQ(p.oui, "0200C6");
  auto x = buildCwmpInform(p);
  for (auto* want :
       {"<cwmp:Inform>", "<Manufacturer>Cisco</Manufacturer>", "<OUI>0200C6</OUI>",
        "<ProductClass>CP-8832-3PCC</ProductClass>", "<SerialNumber>FCH2300ABCD</SerialNumber>",
        "<EventCode>1 BOOT</EventCode>", "urn:dslforum-org:cwmp-1-0"})
    EXPECT_NE(x.find(want), std::string::npos) << want;
}
