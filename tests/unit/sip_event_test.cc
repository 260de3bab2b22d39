#include "base/proto/sip_event.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

using namespace phonelab;
using phonelab::proto::looksLikeSip;
using phonelab::proto::sipEvent;

namespace {

std::vector<uint8_t> bytes(const std::string& s) {
  return std::vector<uint8_t>(s.begin(), s.end());
}

std::string f(const Event& e, const std::string& name) {
  const std::string* v = e.field(name);
  return v ? *v : "<absent>";
}

const std::string kRegister =
    "REGISTER sip:sip.lab.example SIP/2.0\r\n"
    "Via: SIP/2.0/UDP 198.18.0.100:5060;branch=z9hG4bK776asdhds;rport\r\n"
    "Max-Forwards: 70\r\n"
    "From: \"Conf Room\" <sip:1001@sip.lab.example>;tag=a73kszlfl\r\n"
    "To: <sip:1001@sip.lab.example>\r\n"
    "Call-ID: 1j9FpLxk3uxtm8tn@198.18.0.100\r\n"
    "CSeq: 1 REGISTER\r\n"
    "Contact: <sip:1001@198.18.0.100:5060>\r\n"
    "Expires: 3600\r\n"
    "User-Agent: Cisco-CP-8832-3PCC/12.0.1\r\n"
    "Content-Length: 0\r\n\r\n";

const std::string k401 =
    "SIP/2.0 401 Unauthorized\r\n"
    "Via: SIP/2.0/UDP 198.18.0.100:5060;branch=z9hG4bK776asdhds;rport=5060\r\n"
    "From: \"Conf Room\" <sip:1001@sip.lab.example>;tag=a73kszlfl\r\n"
    "To: <sip:1001@sip.lab.example>;tag=1410948204\r\n"
    "Call-ID: 1j9FpLxk3uxtm8tn@198.18.0.100\r\n"
    "CSeq: 1 REGISTER\r\n"
    "WWW-Authenticate: Digest realm=\"sip.lab.example\", nonce=\"abc\"\r\n"
    "Server: kamailio\r\n"
    "Content-Length: 0\r\n\r\n";

}  // namespace

TEST(SipEvent, ReadsEveryFieldOfARealRegister) {
  auto b = bytes(kRegister);
  auto e = sipEvent(b, "198.18.0.100", 5060, "198.18.0.10", 5060);
  ASSERT_TRUE(e);
  EXPECT_EQ(e->kind, "sip.request");
  EXPECT_EQ(e->t, -1);
  EXPECT_EQ(f(*e, "method"), "REGISTER");
  EXPECT_EQ(f(*e, "uri"), "sip:sip.lab.example");
  EXPECT_EQ(f(*e, "call_id"), "1j9FpLxk3uxtm8tn@198.18.0.100");
  EXPECT_EQ(f(*e, "cseq"), "1");
  EXPECT_EQ(f(*e, "cseq_method"), "REGISTER");
  EXPECT_EQ(f(*e, "from_tag"), "a73kszlfl");
  EXPECT_EQ(f(*e, "to_tag"), "");
  EXPECT_EQ(f(*e, "from_user"), "1001");
  EXPECT_EQ(f(*e, "from_host"), "sip.lab.example");
  EXPECT_EQ(f(*e, "to_user"), "1001");
  EXPECT_EQ(f(*e, "branch"), "z9hG4bK776asdhds");
  EXPECT_EQ(f(*e, "via"), "SIP/2.0/UDP 198.18.0.100:5060;branch=z9hG4bK776asdhds;rport");
  EXPECT_EQ(f(*e, "user_agent"), "Cisco-CP-8832-3PCC/12.0.1");
  EXPECT_EQ(f(*e, "contact"), "<sip:1001@198.18.0.100:5060>");
  EXPECT_EQ(f(*e, "expires"), "3600");
  EXPECT_EQ(f(*e, "authorization"), "no");
  EXPECT_EQ(f(*e, "proxy_authorization"), "no");
  EXPECT_EQ(f(*e, "event"), "");
  EXPECT_EQ(f(*e, "src_ip"), "198.18.0.100");
  EXPECT_EQ(f(*e, "src_port"), "5060");
  EXPECT_EQ(f(*e, "dst_ip"), "198.18.0.10");
  EXPECT_EQ(f(*e, "dst_port"), "5060");
  EXPECT_EQ(f(*e, "missing"), "<absent>");
  EXPECT_EQ(e->summary, "REGISTER sip:sip.lab.example from 198.18.0.100:5060 to 198.18.0.10:5060");
  EXPECT_TRUE(looksLikeSip(b));
}

TEST(SipEvent, RegisterWithCredentialsAndCompactHeaders) {
  std::string msg =
      "NOTIFY sip:1001@198.18.0.100:5060 SIP/2.0\r\n"
      "v: SIP/2.0/UDP 198.18.0.66:5060;branch=z9hG4bKx1\r\n"
      "f: <sip:evil@sip.lab.example>;tag=t1\r\n"
      "t: <sip:1001@198.18.0.100>\r\n"
      "i: n1@198.18.0.66\r\n"
      "CSeq: 7 NOTIFY\r\n"
      "o: check-sync;reboot=true\r\n"
      "Authorization: Digest username=\"1001\", realm=\"x\", nonce=\"n\", uri=\"sip:x\", "
      "response=\"0123\"\r\n"
      "l: 0\r\n\r\n";
  auto b = bytes(msg);
  auto e = sipEvent(b, "198.18.0.66", 5060, "198.18.0.100", 5060);
  ASSERT_TRUE(e);
  EXPECT_EQ(e->kind, "sip.request");
  EXPECT_EQ(f(*e, "method"), "NOTIFY");
  EXPECT_EQ(f(*e, "event"), "check-sync;reboot=true");
  EXPECT_EQ(f(*e, "call_id"), "n1@198.18.0.66");
  EXPECT_EQ(f(*e, "authorization"), "yes");
  EXPECT_EQ(f(*e, "from_host"), "sip.lab.example");
  EXPECT_EQ(f(*e, "from_user"), "evil");
  EXPECT_EQ(f(*e, "to_host"), "198.18.0.100");
  EXPECT_EQ(f(*e, "branch"), "z9hG4bKx1");
  EXPECT_EQ(f(*e, "via"), "SIP/2.0/UDP 198.18.0.66:5060;branch=z9hG4bKx1");  // compact v:
}

TEST(SipEvent, ReadsStatusReasonAndChallengeOfA401) {
  auto b = bytes(k401);
  auto e = sipEvent(b, "198.18.0.10", 5060, "198.18.0.100", 5060);
  ASSERT_TRUE(e);
  EXPECT_EQ(e->kind, "sip.response");
  EXPECT_EQ(f(*e, "status"), "401");
  EXPECT_EQ(f(*e, "reason"), "Unauthorized");
  EXPECT_EQ(f(*e, "cseq_method"), "REGISTER");
  EXPECT_EQ(f(*e, "cseq"), "1");
  EXPECT_EQ(f(*e, "call_id"), "1j9FpLxk3uxtm8tn@198.18.0.100");
  EXPECT_EQ(f(*e, "www_authenticate"), "yes");
  EXPECT_EQ(f(*e, "proxy_authenticate"), "no");
  EXPECT_EQ(f(*e, "to_tag"), "1410948204");
  EXPECT_EQ(f(*e, "server"), "kamailio");
  EXPECT_EQ(e->summary, "401 Unauthorized (REGISTER) from 198.18.0.10:5060 to 198.18.0.100:5060");
  EXPECT_TRUE(looksLikeSip(b));
}

TEST(SipEvent, MissingMandatoryHeadersAreNamed) {
  auto b = bytes("OPTIONS sip:x@198.18.0.100 SIP/2.0\r\nCSeq: 1 OPTIONS\r\n\r\n");
  auto e = sipEvent(b, "198.18.0.66", 5060, "198.18.0.100", 5060);
  ASSERT_TRUE(e);
  EXPECT_EQ(e->kind, "sip.request");
  EXPECT_EQ(f(*e, "missing"), "Via,From,To,Call-ID");
  EXPECT_EQ(f(*e, "call_id"), "");
}

TEST(SipEvent, KeepaliveAndEmptyAreNotEvents) {
  auto crlf = bytes("\r\n\r\n");
  EXPECT_FALSE(sipEvent(crlf, "a", 1, "b", 2));
  EXPECT_FALSE(sipEvent({}, "a", 1, "b", 2));
  EXPECT_FALSE(looksLikeSip(crlf));
}

TEST(SipEvent, TurnsUnparsableTextIntoAMalformedEventNamingTheEndpoints) {
  for (const std::string& bad :
       {std::string("INVITE\r\n\r\n"), std::string("garbage \x01\x02 with no structure"),
        std::string("SIP/2.0 abc Bad Status\r\nVia: x\r\n\r\n"),
        std::string("OPTIONS sip:x SIP/2.0\r\nthis line has no colon\r\n\r\n")}) {
    auto b = bytes(bad);
    auto e = sipEvent(b, "198.18.0.66", 5060, "198.18.0.100", 5060);
    ASSERT_TRUE(e) << bad;
    EXPECT_EQ(e->kind, "sip.malformed") << bad;
    EXPECT_FALSE(f(*e, "reason").empty());
    EXPECT_EQ(f(*e, "src_ip"), "198.18.0.66");
    EXPECT_NE(e->summary.find("malformed SIP from 198.18.0.66:5060 to 198.18.0.100:5060"),
              std::string::npos)
        << e->summary;
    EXPECT_EQ(f(*e, "start").find('\x01'), std::string::npos);
  }
  EXPECT_FALSE(looksLikeSip(bytes("garbage \x01\x02")));
  EXPECT_FALSE(looksLikeSip(bytes("GET / HTTP/1.1\r\n\r\n")));
}
