// SIP codec: lenient parsing, strict rejections, digest (RFC 2617), and the RFC 4475 torture
// corpus (fixtures/sip-torture/<case>.sip, one file per case named as in RFC 4475 section 3).

#include "base/proto/sip.h"

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <string>

namespace sip = phonelab::proto::sip;

namespace {

std::string fixture(const std::string& name) {
  std::ifstream in(std::string(PHONELAB_SOURCE_DIR) + "/fixtures/sip-torture/" + name + ".sip",
                   std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// ---- lenient parsing ----

TEST(SipParse, CrlfOrBareLfCompactNamesFoldingCase) {
  const std::string text =
      "INVITE sip:100@198.18.0.100 SIP/2.0\n"
      "v: SIP/2.0/UDP 198.18.0.66:5060;branch=z9hG4bKabc\r\n"
      "f : <sip:a@198.18.0.66>;tag=x1\n"
      "T:\t<sip:100@198.18.0.100>\n"
      "i: call-1\n"
      "cSeQ  :  7\n"
      "   INVITE\n"
      "X-Folded: one\n"
      "\ttwo\n"
      "l: 4\n"
      "\r\n"
      "body";
  auto r = sip::parse(text);
  ASSERT_TRUE(r.message) << r.error;
  const auto& m = *r.message;
  EXPECT_TRUE(m.request);
  EXPECT_EQ(m.method, "INVITE");
  EXPECT_EQ(m.uri, "sip:100@198.18.0.100");
  EXPECT_EQ(m.callId(), "call-1");
  EXPECT_EQ(m.cseq(), (std::pair<unsigned long, std::string>{7, "INVITE"}));
  EXPECT_EQ(m.fromTag(), "x1");
  EXPECT_EQ(m.toTag(), "");
  EXPECT_EQ(m.topViaBranch(), "z9hG4bKabc");
  ASSERT_NE(m.header("x-folded"), nullptr);
  EXPECT_EQ(*m.header("X-FOLDED"), "one two");
  EXPECT_EQ(*m.header("Content-Length"), "4");
  EXPECT_EQ(m.body, "body");
  EXPECT_EQ(m.summary(), "INVITE sip:100@198.18.0.100 (Call-ID call-1, CSeq 7 INVITE)");
}

TEST(SipParse, MissingFinalCrlfOverUdp) {
  auto r = sip::parse("OPTIONS sip:a@b SIP/2.0\r\nCall-ID: x\r\nCSeq: 1 OPTIONS");
  ASSERT_TRUE(r.message) << r.error;
  EXPECT_EQ(r.message->callId(), "x");
  EXPECT_EQ(r.message->body, "");
  // Over a stream the same bytes are simply not complete yet.
  auto s = sip::parse("OPTIONS sip:a@b SIP/2.0\r\nCall-ID: x\r\nCSeq: 1 OPTIONS", true);
  EXPECT_FALSE(s.message);
  EXPECT_EQ(s.error, "incomplete");
  EXPECT_EQ(s.consumed, 0u);
}

TEST(SipParse, LeadingCrlfIgnoredAndResponses) {
  auto r = sip::parse("\r\n\r\nSIP/2.0 486 Busy Here\r\nCSeq: 1 INVITE\r\n\r\n");
  ASSERT_TRUE(r.message) << r.error;
  EXPECT_FALSE(r.message->request);
  EXPECT_EQ(r.message->status, 486);
  EXPECT_EQ(r.message->reason, "Busy Here");
  EXPECT_EQ(r.message->startLine(), "486 Busy Here");
}

TEST(SipParse, RejectsEachMalformedMessageWithAnErrorNamingTheFault) {
  struct Case {
    std::string text, error;
  } cases[] = {
      {"", "no start line"},
      {"\r\n\r\n", "no start line"},
      {"SIP/2.0 99 Low\r\n\r\n", "bad status code"},
      {"SIP/2.0 700 High\r\n\r\n", "bad status code"},
      {"SIP/2.0 20x OK\r\n\r\n", "bad status code"},
      {"SIP/2.0\r\n\r\n", "status line without a status code"},
      {"INVITE sip:a@b SIP/2.0\r\nVia SIP/2.0/UDP x\r\n\r\n", "line 2: header without a colon"},
      {"INVITE sip:a@b SIP/2.0\r\n folded first\r\n\r\n", "continuation line without a header"},
      {"INVITE sip:a@b SIP/2.0\r\nl: 10\r\n\r\nshort", "larger than the 5 bytes"},
      {"INVITE sip:a@b SIP/2.0\r\nl: -1\r\n\r\n", "bad Content-Length"},
      {"INVITE sip:a@b SIP/2.0\r\nl: 1x\r\n\r\nab", "bad Content-Length"},
      {"INVITE sip:a@b SIP/2.0\r\nl: \r\n\r\n", "bad Content-Length"},
      {"INVITE sip:a@b SIP/2.0\r\nl: 99999999999999999999999\r\n\r\n", "bad Content-Length"},
      {std::string("INVITE sip:a@b\0 SIP/2.0\r\n\r\n", 27), "NUL byte in the start line"},
      {"INVITE sip:a@b\r\n\r\n", "malformed request line"},
      {"INVITE sip:a@b SIP/2.0 extra\r\n\r\n", "malformed request line"},
      {"INVITE sip:a@b HTTP/1.1\r\n\r\n", "bad SIP version"},
      {"INV(ITE sip:a@b SIP/2.0\r\n\r\n", "bad method"},
      {"INVITE a@b SIP/2.0\r\n\r\n", "without a scheme"},
      {"INVITE sip:a@b SIP/2.0\r\nBad Name: x\r\n\r\n", "bad header name"},
  };
  for (const auto& c : cases) {
    auto r = sip::parse(c.text);
    EXPECT_FALSE(r.message) << c.text;
    EXPECT_NE(r.error.find(c.error), std::string::npos)
        << "error \"" << r.error << "\" for " << c.text;
  }
}

TEST(SipParse, FramesAStreamByContentLengthAndWaitsOutIncompleteMessages) {
  const std::string one = "OPTIONS sip:a@b SIP/2.0\r\nCSeq: 1 OPTIONS\r\nl: 3\r\n\r\nabc";
  auto r = sip::parse(one + one, true);
  ASSERT_TRUE(r.message) << r.error;
  EXPECT_EQ(r.consumed, one.size());
  EXPECT_EQ(r.message->body, "abc");
  for (size_t n = 0; n < one.size(); ++n) {
    auto p = sip::parse(std::string_view(one).substr(0, n), true);
    EXPECT_FALSE(p.message) << n;
    EXPECT_EQ(p.error, "incomplete") << n;
    EXPECT_EQ(p.consumed, 0u);
  }
  auto nolen = sip::parse("OPTIONS sip:a@b SIP/2.0\r\nCSeq: 1 OPTIONS\r\n\r\n", true);
  EXPECT_NE(nolen.error.find("no Content-Length"), std::string::npos);
}

TEST(SipParse, NoQuadraticBlowupOnLargeInputs) {
  const auto start = std::chrono::steady_clock::now();
  std::string folded = "INVITE sip:a@b SIP/2.0\r\nX: a\r\n";
  while (folded.size() < (1u << 20)) folded += " b\r\n";
  auto r1 = sip::parse(folded);
  ASSERT_TRUE(r1.message) << r1.error;
  EXPECT_GT(r1.message->header("X")->size(), 400000u);
  std::string many = "INVITE sip:a@b SIP/2.0\r\n";
  while (many.size() < (1u << 20)) many += "Via: SIP/2.0/UDP h;branch=z9hG4bK1\r\n";
  auto r2 = sip::parse(many);
  ASSERT_TRUE(r2.message);
  EXPECT_GT(r2.message->headerValues("Via").size(), 20000u);
  std::string lf(1u << 20, '\n');
  EXPECT_FALSE(sip::parse(lf).message);
  std::string longline = "INVITE sip:a@b SIP/2.0\r\nX: " + std::string(1u << 20, 'a');
  EXPECT_TRUE(sip::parse(longline).message);
  std::string colons = "INVITE sip:a@b SIP/2.0\r\n" + std::string(1u << 20, ',');
  EXPECT_FALSE(sip::parse(colons).message);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(10));
}

// ---- building ----

TEST(SipBuild, SerializeExactlyAndMakeResponse) {
  auto r = sip::parse(
      "INVITE sip:100@198.18.0.100 SIP/2.0\r\n"
      "Via: SIP/2.0/UDP 198.18.0.66;branch=z9hG4bK1\r\n"
      "Via: SIP/2.0/UDP 198.18.0.1;branch=z9hG4bK0\r\n"
      "From: <sip:a@x>;tag=f\r\n"
      "To: <sip:100@198.18.0.100>\r\n"
      "Call-ID: c\r\n"
      "CSeq: 1 INVITE\r\n\r\n");
  ASSERT_TRUE(r.message);
  auto resp = sip::makeResponse(*r.message, 180, "Ringing", "t9");
  EXPECT_EQ(sip::serialize(resp),
            "SIP/2.0 180 Ringing\r\n"
            "Via: SIP/2.0/UDP 198.18.0.66;branch=z9hG4bK1\r\n"
            "Via: SIP/2.0/UDP 198.18.0.1;branch=z9hG4bK0\r\n"
            "From: <sip:a@x>;tag=f\r\n"
            "To: <sip:100@198.18.0.100>;tag=t9\r\n"
            "Call-ID: c\r\n"
            "CSeq: 1 INVITE\r\n"
            "Content-Length: 0\r\n\r\n");
  // Nothing is normalised: a malformed message is sent as built.
  sip::Message bad;
  bad.method = "INVITE";
  bad.uri = "<sip:x>";
  bad.add("l", "999");
  bad.body = "x";
  EXPECT_EQ(sip::serialize(bad), "INVITE <sip:x> SIP/2.0\r\nl: 999\r\n\r\nx");
  bad.set("L", "1");
  bad.remove("Nope");
  EXPECT_EQ(sip::serialize(bad, false), "INVITE <sip:x> SIP/2.0\r\nl: 1\r\n\r\nx");
  EXPECT_EQ(sip::randomToken(24).size(), 24u);
  EXPECT_NE(sip::randomToken(), sip::randomToken());
}

TEST(SipBuild, HeaderParamAndUri) {
  EXPECT_EQ(sip::headerParam("\"A;b\" <sip:a@b;lr>;tag=1", "tag"), "1");
  EXPECT_EQ(sip::headerParam("\"A;b\" <sip:a@b;lr>;tag=1", "lr"), std::nullopt);
  EXPECT_EQ(sip::headerParam("sip:a@b;tag = x ; expires", "EXPIRES"), "");
  EXPECT_EQ(sip::headerUri("\"A <x>\" <sip:a@b;lr>;tag=1"), "sip:a@b;lr");
  EXPECT_EQ(sip::headerUri("sip:a@b;tag=1"), "sip:a@b");
}

// ---- digest ----

TEST(SipDigest, Rfc2617ExampleWithQopAuth) {
  // RFC 2617 3.5.
  sip::DigestCredentials c;
  c.username = "Mufasa";
  c.realm = "testrealm@host.com";
  c.nonce = "dcd98b7102dd2f0e8b11d0f600bfb0c093";
  c.uri = "/dir/index.html";
  c.qop = "auth";
  c.nc = "00000001";
  c.cnonce = "0a4f113b";
  EXPECT_EQ(sip::digestResponse(c, "Circle Of Life", "GET"), "6629fae49393a05397450978507c4ef1");
  c.response = "6629FAE49393A05397450978507C4EF1";
  const sip::DigestExpected want{"GET", "/dir/index.html", "testrealm@host.com"};
  EXPECT_EQ(sip::digestMismatch(c, "Circle Of Life", want), "");
  EXPECT_FALSE(sip::verifyCredentials(c, "Circle of Life", want));
  auto post = want;
  post.method = "POST";
  EXPECT_EQ(sip::digestMismatch(c, "Circle Of Life", post), "wrong digest response");
}

TEST(SipDigest, ServerBindsItsOwnRealmAndTheRequestUri) {
  // An answer computed consistently for another realm or another URI is refused: the server
  // compares with its own realm and the Request-URI, not with what the client sent.
  sip::DigestChallenge ch{"phone.lab", "n1", "", "MD5", "auth"};
  const sip::DigestExpected want{"INVITE", "sip:100@198.18.0.9", "phone.lab"};
  auto good = sip::answerChallenge(ch, "100", "secret", "INVITE", "sip:100@198.18.0.9");
  EXPECT_EQ(sip::digestMismatch(good, "secret", want), "");
  auto other_realm = ch;
  other_realm.realm = "elsewhere.example";
  auto r = sip::answerChallenge(other_realm, "100", "secret", "INVITE", "sip:100@198.18.0.9");
  EXPECT_NE(sip::digestMismatch(r, "secret", want).find("realm"), std::string::npos);
  auto u = sip::answerChallenge(ch, "100", "secret", "INVITE", "sip:999@198.18.0.9");
  EXPECT_NE(sip::digestMismatch(u, "secret", want).find("uri"), std::string::npos);
  auto m = sip::answerChallenge(ch, "100", "secret", "BYE", "sip:100@198.18.0.9");
  EXPECT_EQ(sip::digestMismatch(m, "secret", want), "wrong digest response");
  auto no_nc = good;
  no_nc.nc = "1";
  EXPECT_NE(sip::digestMismatch(no_nc, "secret", want).find("nc"), std::string::npos);
  auto no_qop = good;
  no_qop.qop.clear();
  EXPECT_NE(sip::digestMismatch(no_qop, "secret", want), "");
}

TEST(SipDigest, Sha256Rfc7616Example) {
  // RFC 7616 3.9.1 (SHA-256, qop=auth).
  sip::DigestCredentials c;
  c.username = "Mufasa";
  c.realm = "http-auth@example.org";
  c.nonce = "7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v";
  c.uri = "/dir/index.html";
  c.qop = "auth";
  c.nc = "00000001";
  c.cnonce = "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ";
  c.algorithm = "SHA-256";
  EXPECT_EQ(sip::digestResponse(c, "Circle of Life", "GET"),
            "753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1");
  c.algorithm = "MD5";
  EXPECT_EQ(sip::digestResponse(c, "Circle of Life", "GET"), "8ca523f5e9506fed4657c9700eebdbec");
  c.algorithm = "SHA-512-256";
  EXPECT_EQ(sip::digestResponse(c, "Circle of Life", "GET"), "");
  c.algorithm = "SHA-256";
  c.response = "753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1";
  sip::DigestExpected want{"GET", "/dir/index.html", "http-auth@example.org"};
  EXPECT_NE(sip::digestMismatch(c, "Circle of Life", want).find("algorithm"), std::string::npos);
  want.algorithms = {"SHA-256", "MD5"};
  EXPECT_EQ(sip::digestMismatch(c, "Circle of Life", want), "");
}

TEST(SipDigest, PickChallengeTakesThePreferredSupportedAlgorithm) {
  const std::vector<std::string> v = {"Digest realm=\"r\", nonce=\"a\", algorithm=SHA-512-256",
                                      "Digest realm=\"r\", nonce=\"b\", algorithm=SHA-256",
                                      "Digest realm=\"r\", nonce=\"c\", algorithm=MD5"};
  EXPECT_EQ(sip::pickChallenge(v)->nonce, "b");
  EXPECT_EQ(sip::pickChallenge(v, "MD5")->nonce, "c");
  EXPECT_FALSE(sip::pickChallenge(v, "SHA-1"));
}

TEST(SipDigest, Rfc2069ExampleWithoutQop) {
  // RFC 2069 2.4 (qop absent: MD5(HA1:nonce:HA2)).
  sip::DigestCredentials c;
  c.username = "Mufasa";
  c.realm = "testrealm@host.com";
  c.nonce = "dcd98b7102dd2f0e8b11d0f600bfb0c093";
  c.uri = "/dir/index.html";
  EXPECT_EQ(sip::digestResponse(c, "CircleOfLife", "GET"), "1949323746fe6a43ef61f9606e7febea");
}

TEST(SipDigest, ChallengeRoundTripAndAnswer) {
  auto ch = sip::parseChallenge(
      "Digest realm=\"phone, 1\",nonce=\"n1\", algorithm=MD5,  qop=\"auth,auth-int\", "
      "opaque=\"o\", stale=TRUE");
  ASSERT_TRUE(ch);
  EXPECT_EQ(ch->realm, "phone, 1");
  EXPECT_EQ(ch->nonce, "n1");
  EXPECT_EQ(ch->qop, "auth,auth-int");
  EXPECT_EQ(ch->opaque, "o");
  EXPECT_TRUE(ch->stale);
  auto again = sip::parseChallenge(sip::formatChallenge(*ch));
  ASSERT_TRUE(again);
  EXPECT_EQ(again->realm, ch->realm);
  EXPECT_EQ(again->qop, ch->qop);
  EXPECT_FALSE(sip::parseChallenge("Basic realm=\"x\""));
  EXPECT_FALSE(sip::parseChallenge("Digest realm=\"x\""));  // no nonce

  auto cred = sip::answerChallenge(*ch, "100", "secret", "INVITE", "sip:100@198.18.0.100");
  EXPECT_EQ(cred.qop, "auth");
  EXPECT_EQ(cred.nc, "00000001");
  EXPECT_FALSE(cred.cnonce.empty());
  auto parsed = sip::parseCredentials(sip::formatCredentials(cred));
  ASSERT_TRUE(parsed);
  EXPECT_EQ(parsed->username, "100");
  EXPECT_EQ(parsed->uri, "sip:100@198.18.0.100");
  EXPECT_EQ(parsed->opaque, "o");
  const sip::DigestExpected want{"INVITE", "sip:100@198.18.0.100", "phone, 1"};
  EXPECT_TRUE(sip::verifyCredentials(*parsed, "secret", want));
  EXPECT_FALSE(sip::verifyCredentials(*parsed, "wrong", want));

  sip::DigestChallenge plain{"r", "n", "", "MD5", ""};
  auto c2 = sip::answerChallenge(plain, "u", "p", "REGISTER", "sip:r");
  EXPECT_TRUE(c2.qop.empty());
  sip::DigestExpected want2{"REGISTER", "sip:r", "r"};
  want2.qop_required = false;
  EXPECT_TRUE(sip::verifyCredentials(c2, "p", want2));
  EXPECT_FALSE(sip::parseCredentials("NoOneKnowsThisScheme opaque-data=here"));
}

// ---- RFC 4475 torture corpus ----

struct Torture {
  const char* name;
  // Parse outcome: "" = parses, otherwise a substring of ParseResult::error.
  const char* parse_error;
  // For messages that parse: "" = usable by a UA, otherwise a substring of checkMessage().
  const char* check_error;
  const char* rationale;  // RFC 4475, section 3
};

const Torture kTorture[] = {
    // 3.1.1 Valid messages: the parser must accept them.
    {"wsinv", "", "",
     "3.1.1.1: line folding everywhere, escaped quotes, empty Subject, LWS around colons, mixed "
     "compact/long names, leading zeros; all elements should treat it as well formed"},
    {"intmeth", "", "",
     "3.1.1.2: unusual but legal token characters in method, URI, branch, display names; a "
     "quoted NUL in To; must be accepted (the method is unknown: 501 at a UA)"},
    {"esc01", "", "", "3.1.1.3: valid %HEX escaping in URIs; a parser must accept it"},
    {"escnull", "", "", "3.1.1.4: escaped NULs in URIs are well formed; parsers must accept"},
    {"esc02", "", "",
     "3.1.1.5: % is not an escape outside URIs; RE%47IST%45R is an unknown method, C%6Fntact an "
     "unknown header; a parser should accept"},
    {"lwsdisp", "", "", "3.1.1.6: no LWS between display name and <; elements should accept"},
    {"longreq", "", "", "3.1.1.7: very long values and 34 Via values; well formed"},
    {"dblreq", "", "",
     "3.1.1.8: a REGISTER with extra octets after Content-Length 0 in one UDP datagram: the "
     "extra INVITE is noise and must be ignored"},
    {"semiuri", "", "", "3.1.1.9: ';' inside the user part of the Request-URI; well formed"},
    {"transports", "", "", "3.1.1.10: Via values with SCTP, TLS and an unknown transport"},
    {"mpart01", "", "",
     "3.1.1.11: multipart body with a binary part containing NULs; receivers must frame it by "
     "Content-Length (body bytes here are a stand-in of the same length)"},
    {"unreason", "", "", "3.1.1.12: UTF-8 and reserved characters in the reason phrase"},
    {"noreason", "", "", "3.1.1.13: empty reason phrase (SP present); a parser must accept"},
    // 3.1.2 Invalid messages.
    {"badinv01", "", "Via: empty parameter",
     "3.1.2.1: extra ';' and ',' in Via and Contact; syntactically invalid, 400"},
    {"clerr", "larger than the", "",
     "3.1.2.2: Content-Length larger than the message: over UDP respond 400 (over a stream: "
     "wait for more)"},
    {"ncl", "bad Content-Length", "",
     "3.1.2.3: negative Content-Length must be rejected and never used as a count"},
    {"scalar02", "", "malformed CSeq",
     "3.1.2.4: CSeq > 2**32-1 (also Max-Forwards > 255, huge Expires): 400 due to the CSeq"},
    {"scalarlg", "", "malformed CSeq",
     "3.1.2.5: response with CSeq > 2**32-1 and oversized values: simply discarded"},
    {"quotbal", "", "To: unterminated quoted string",
     "3.1.2.6: unterminated quote in the To display name: 400"},
    {"ltgtruri", "Request-URI enclosed in <>", "",
     "3.1.2.7: Request-URI enclosed in <>: reasonable always to reject with 400"},
    {"lwsruri", "malformed request line", "",
     "3.1.2.8: LWS inside the Request-URI: should respond 400"},
    {"lwsstart", "", "",
     "3.1.2.9: multiple SP between start line elements: acceptable to reject, a liberal element "
     "may ignore them (we do)"},
    {"trws", "", "",
     "3.1.2.10: SP after SIP-Version: acceptable to reject, a liberal element may ignore (we do)"},
    {"escruri", "", "",
     "3.1.2.11: escaped headers in the Request-URI: may reject or ignore them (we ignore)"},
    {"baddate", "", "Date: time zone is not GMT",
     "3.1.2.12: non-GMT time zone in Date: acceptable to reject as malformed"},
    {"regbadct", "", "must be enclosed in <>",
     "3.1.2.13: Contact URI with headers not in name-addr form: reasonable to reject 400"},
    {"badaspec", "", "spaces within the addr-spec",
     "3.1.2.14: spaces within addr-spec: parsers must not break; reasonable to reject 400"},
    {"baddn", "", "display name needs quotes",
     "3.1.2.15: non-token characters in an unquoted display name: reasonable to reject 400"},
    {"badvers", "", "unsupported version SIP/7.0",
     "3.1.2.16: SIP/7.0: the element should respond 505 Version Not Supported"},
    {"mismatch01", "", "does not match the request method",
     "3.1.2.17: start line OPTIONS vs CSeq INVITE: respond 400"},
    {"mismatch02", "", "does not match the request method",
     "3.1.2.18: unknown method with CSeq mismatch: 501 (or 400)"},
    {"bigcode", "bad status code", "",
     "3.1.2.19: response code 4294967301 (> 699): simply drop it"},
    // 3.1.3 Transaction layer.
    {"badbranch", "", "", "3.1.3.1: branch z9hG4bK without an identifier: a parser must not break"},
    // 3.2 Application layer semantics: parse, the application decides.
    {"insuf", "", "missing To", "3.2.1: To, From, Call-ID, Max-Forwards missing: 400"},
    {"unkscm", "", "", "3.2.2: unknown Request-URI scheme: parses; 416 at a UA"},
    {"novelsc", "", "", "3.2.3: known but atypical scheme (soap.beep): parses; 416"},
    {"unksm2", "", "", "3.2.4: unknown URI schemes in To/From/Contact: parses"},
    {"bext01", "", "", "3.2.5: Require/Proxy-Require of unknown extensions: parses; 420"},
    {"invut", "", "", "3.2.6: unknown Content-Type: parses; 415"},
    {"regaut01", "", "", "3.2.7: unknown Authorization scheme: parses; the scheme is ignored"},
    {"multi01", "", "more than one",
     "3.2.8: several values of single-value headers (CSeq, Call-ID, To, From): 400"},
    {"mcl01", "conflicting Content-Length", "",
     "3.2.9: multiple conflicting Content-Length values: a framing error, 400"},
    {"bcast", "", "", "3.2.10: response with a broadcast Via: parses (not forwarded)"},
    {"zeromf", "", "", "3.2.11: Max-Forwards 0: parses; a UA processes an OPTIONS normally"},
    {"cparam01", "", "", "3.2.12: Contact parameter in addr-spec form belongs to the header"},
    {"cparam02", "", "", "3.2.13: URI parameter inside <>"},
    {"regescrt", "", "", "3.2.14: escaped Route header inside a name-addr Contact: parses"},
    {"sdp01", "", "", "3.2.15: Accept without application/sdp: parses; 415 at a UA"},
    // 3.3 Backward compatibility.
    {"inv2543", "", "",
     "3.3.1: RFC 2543 syntax (no Max-Forwards, no branch, no Content-Length): accept"},
};

TEST(SipTorture, ParsesOrRejectsEveryRfc4475MessageAsTheRfcExpects) {
  size_t count = 0;
  for (const auto& t : kTorture) {
    SCOPED_TRACE(std::string(t.name) + ": " + t.rationale);
    const std::string data = fixture(t.name);
    ASSERT_FALSE(data.empty()) << "missing fixture " << t.name;
    ++count;
    auto r = sip::parse(data);
    if (*t.parse_error) {
      EXPECT_FALSE(r.message);
      EXPECT_NE(r.error.find(t.parse_error), std::string::npos) << r.error;
      continue;
    }
    ASSERT_TRUE(r.message) << r.error;
    const std::string check = sip::checkMessage(*r.message);
    if (*t.check_error) {
      EXPECT_NE(check.find(t.check_error), std::string::npos) << "checkMessage: " << check;
    } else {
      EXPECT_EQ(check, "");
    }
  }
  EXPECT_GE(count, 25u);
}

TEST(SipTorture, ReadsTheTrickyPartsOfSelectedRfc4475Messages) {
  auto wsinv = sip::parse(fixture("wsinv"));
  ASSERT_TRUE(wsinv.message);
  const auto& m = *wsinv.message;
  EXPECT_EQ(m.cseq(), (std::pair<unsigned long, std::string>{9, "INVITE"}));
  EXPECT_EQ(m.toTag(), "1918181833n");
  EXPECT_EQ(m.fromTag(), "98asjd8");
  EXPECT_EQ(m.headerValues("Via").size(), 3u);
  EXPECT_EQ(m.topViaBranch(), "390skdjuw");
  EXPECT_EQ(*m.header("NewFangledHeader"), "newfangled value continued newfangled value");
  EXPECT_EQ(*m.header("UnknownHeaderWithUnusualValue"), ";;,,;;,;");
  EXPECT_EQ(*m.header("Subject"), "");
  EXPECT_EQ(m.body.size(), 150u);
  auto contact = m.headerValues("Contact");
  ASSERT_EQ(contact.size(), 1u);
  EXPECT_EQ(sip::headerParam(contact[0], "q"), "0.33");

  auto longreq = sip::parse(fixture("longreq"));
  ASSERT_TRUE(longreq.message);
  EXPECT_EQ(longreq.message->headerValues("via").size(), 34u);

  auto dbl = sip::parse(fixture("dblreq"));
  ASSERT_TRUE(dbl.message);
  EXPECT_EQ(dbl.message->method, "REGISTER");
  EXPECT_EQ(dbl.message->body, "");
  EXPECT_LT(dbl.consumed, fixture("dblreq").size());

  auto esc02 = sip::parse(fixture("esc02"));
  ASSERT_TRUE(esc02.message);
  EXPECT_EQ(esc02.message->headerValues("Contact").size(), 2u);  // C%6Fntact is not Contact

  auto mpart = sip::parse(fixture("mpart01"));
  ASSERT_TRUE(mpart.message);
  EXPECT_EQ(mpart.message->body.size(), 553u);

  auto intmeth = sip::parse(fixture("intmeth"));
  ASSERT_TRUE(intmeth.message);
  EXPECT_NE(intmeth.message->header("To")->find('\0'), std::string::npos);

  auto clerr = sip::parse(fixture("clerr"), true);
  EXPECT_EQ(clerr.error, "incomplete");
  EXPECT_EQ(clerr.consumed, 0u);

  auto reg = sip::parse(fixture("regaut01"));
  ASSERT_TRUE(reg.message);
  EXPECT_FALSE(sip::parseCredentials(*reg.message->header("Authorization")));
}

// Every truncation and 2000 seeded random byte flips of each corpus file: no crash, no hang, and
// an accepted message always says how much it consumed within bounds.
TEST(SipTorture, MutationsNeverCrash) {
  std::mt19937 rng(4475);
  for (const auto& t : kTorture) {
    const std::string data = fixture(t.name);
    for (size_t n = 0; n <= data.size(); ++n) {
      for (bool stream : {false, true}) {
        auto r = sip::parse(std::string_view(data).substr(0, n), stream);
        EXPECT_LE(r.consumed, n);
        if (r.message) (void)sip::checkMessage(*r.message);
      }
    }
    for (int i = 0; i < 2000; ++i) {
      std::string m = data;
      int flips = 1 + static_cast<int>(rng() % 4);
      for (int f = 0; f < flips; ++f) {
        m[rng() % m.size()] = static_cast<char>(rng() & 0xff);
      }
      auto r = sip::parse(m, i % 2 == 1);
      EXPECT_LE(r.consumed, m.size());
      if (r.message) {
        (void)sip::checkMessage(*r.message);
        (void)r.message->cseq();
        (void)r.message->topViaBranch();
        (void)r.message->fromTag();
        (void)r.message->summary();
        for (auto name : {"WWW-Authenticate", "Authorization"}) {
          if (auto* v = r.message->header(name)) {
            (void)sip::parseChallenge(*v);
            (void)sip::parseCredentials(*v);
          }
        }
        auto again = sip::parse(sip::serialize(*r.message, false));
        (void)again;
      }
    }
  }
}

}  // namespace
