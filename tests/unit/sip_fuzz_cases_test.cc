// The SIP robustness campaign's cases: PROTOS c07-sip scale, deterministic, one datagram each,
// every field and header of the INVITE covered; plus the RFC 4475 corpus read from its folder.

#include <gtest/gtest.h>

#include <set>

#include "base/proto/sip.h"
#include "fakes/sip/fuzz.h"

namespace phonelab::fakes {
namespace {

FuzzTarget target() {
  FuzzTarget t;
  t.phone_ip = "198.18.0.100";
  t.local_ip = "198.18.0.66";
  return t;
}

TEST(SipFuzzCases, AtLeast4500DistinctDeterministicDatagrams) {
  auto a = protosCases(target());
  auto b = protosCases(target());
  ASSERT_GE(a.size(), 4500u);
  ASSERT_EQ(a.size(), b.size());
  std::set<std::string> names;
  for (size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a[i].name, b[i].name);
    EXPECT_EQ(a[i].bytes, b[i].bytes) << a[i].name;
    EXPECT_LT(a[i].bytes.size(), 65000u) << a[i].name;
    EXPECT_TRUE(names.insert(a[i].name).second) << "duplicate case " << a[i].name;
  }
}

TEST(SipFuzzCases, CoverEveryMutationClassOfAField) {
  auto cases = protosCases(target());
  auto find = [&](const std::string& name) -> const FuzzCase* {
    for (const auto& c : cases) {
      if (c.name == name) return &c;
    }
    return nullptr;
  };
  const FuzzCase* c = find("via-host/overflow-A-4097");
  ASSERT_NE(c, nullptr);
  EXPECT_NE(c->bytes.find("Via: SIP/2.0/UDP " + std::string(4097, 'A') + ":5070"),
            std::string::npos);
  ASSERT_NE(find("cseq-num/int-4294967296"), nullptr);
  EXPECT_NE(find("cseq-num/int-4294967296")->bytes.find("CSeq: 4294967296 INVITE"),
            std::string::npos);
  ASSERT_NE(find("from-user/char-0x00"), nullptr);
  EXPECT_NE(find("from-user/char-0x00")->bytes.find(std::string("sip:fu\0zz@", 10)),
            std::string::npos);
  ASSERT_NE(find("header-Via/drop"), nullptr);
  EXPECT_EQ(find("header-Via/drop")->bytes.find("Via:"), std::string::npos);
  ASSERT_NE(find("header-CSeq/repeat-50"), nullptr);
  ASSERT_NE(find("content-length/int--1"), nullptr);
  EXPECT_NE(find("content-length/int--1")->bytes.find("Content-Length: -1\r\n"), std::string::npos);
  ASSERT_NE(find("sdp-m-port/format-2"), nullptr);
}

TEST(SipFuzzCases, TheUnmutatedTemplateIsAValidInvite) {
  // A case that changes nothing harmful (a longer display name) still parses as an INVITE with a
  // Content-Length that matches its SDP body: the mutations are the only damage.
  auto cases = protosCases(target());
  for (const auto& c : cases) {
    if (c.name != "from-display/overflow-A-128") continue;
    auto parsed = proto::sip::parse(c.bytes);
    ASSERT_TRUE(parsed.message) << parsed.error;
    EXPECT_EQ(parsed.message->method, "INVITE");
    EXPECT_EQ(proto::sip::checkMessage(*parsed.message), "");
    return;
  }
  FAIL() << "case from-display/overflow-A-128 missing";
}

TEST(SipFuzzCases, Rfc4475CorpusFromItsFolder) {
  auto corpus = corpusCases(std::string(PHONELAB_SOURCE_DIR) + "/fixtures/sip-torture");
  EXPECT_GE(corpus.size(), 40u);
  for (const auto& c : corpus) {
    EXPECT_EQ(c.name.rfind("rfc4475/", 0), 0u);
    EXPECT_FALSE(c.bytes.empty()) << c.name;
  }
  EXPECT_THROW(corpusCases("/nonexistent/folder"), std::exception);
}

// The in-dialog cases: deterministic, one datagram each, every method; the dialog's identifiers
// filled in when sent; the cases a dialog matcher is most likely to trip on are there.
TEST(SipFuzzDialogCases, DeterministicAndFilledWithTheDialog) {
  auto a = dialogCases(target());
  auto b = dialogCases(target());
  ASSERT_GE(a.size(), 3000u);
  ASSERT_EQ(a.size(), b.size());
  std::set<std::string> names, methods;
  for (size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a[i].bytes, b[i].bytes) << a[i].name;
    EXPECT_LT(a[i].bytes.size(), 65000u) << a[i].name;
    EXPECT_TRUE(names.insert(a[i].name).second) << "duplicate case " << a[i].name;
    methods.insert(a[i].name.substr(0, a[i].name.find('/')));
  }
  EXPECT_EQ(methods,
            (std::set<std::string>{"in-dialog-reinvite", "in-dialog-INFO", "in-dialog-UPDATE",
                                   "in-dialog-OPTIONS", "in-dialog-ACK", "in-dialog-BYE"}));
  // A BYE the phone accepts ends the call: the BYE cases come last.
  EXPECT_EQ(a.back().name.rfind("in-dialog-BYE/", 0), 0u);
  EXPECT_EQ(a.front().name.rfind("in-dialog-reinvite/", 0), 0u);

  const DialogIds d{"dlg-1@198.18.0.66", "ours", "theirs", 7};
  auto find = [&](const std::string& name) -> std::string {
    for (const auto& c : a) {
      if (c.name == name) return fillDialog(c.bytes, d);
    }
    ADD_FAILURE() << "case " << name << " missing";
    return "";
  };
  // An undamaged field: the request is well formed, inside the call, with the next CSeq.
  auto parsed = proto::sip::parse(find("in-dialog-INFO/from-tag/overflow-A-128"));
  ASSERT_TRUE(parsed.message) << parsed.error;
  const auto& m = *parsed.message;
  EXPECT_EQ(m.method, "INFO");
  EXPECT_EQ(m.callId(), d.call_id);
  EXPECT_EQ(m.toTag(), "theirs");
  EXPECT_EQ(m.cseq(), (std::pair<unsigned long, std::string>{7, "INFO"}));
  EXPECT_EQ(proto::sip::checkMessage(m), "");
  EXPECT_EQ(m.body, "Signal=5\r\nDuration=160\r\n");
  // What the dialog matcher meets.
  const std::string no_tag = find("in-dialog-BYE/to-tag/missing");
  EXPECT_NE(no_tag.find("\r\nTo: <sip:100@198.18.0.100>\r\n"), std::string::npos) << no_tag;
  EXPECT_NE(no_tag.find("Call-ID: dlg-1@198.18.0.66\r\n"), std::string::npos);
  EXPECT_NE(find("in-dialog-BYE/to-tag/empty").find(">;tag=\r\n"), std::string::npos);
  EXPECT_NE(find("in-dialog-UPDATE/cseq-num/int--1").find("CSeq: -1 UPDATE\r\n"),
            std::string::npos);
  EXPECT_NE(find("in-dialog-reinvite/cseq/number-only").find("CSeq: 7\r\n"), std::string::npos);
  EXPECT_NE(find("in-dialog-INFO/cseq-num/char-0x25").find("CSeq: 7% INFO\r\n"), std::string::npos);
  EXPECT_EQ(find("in-dialog-ACK/header-CSeq/drop").find("CSeq"), std::string::npos);
  EXPECT_NE(find("in-dialog-reinvite/to-tag/char-0x3b").find(";tag=theirs;\r\n"),
            std::string::npos);
  // No marker is left in any case.
  for (const auto& c : a) {
    EXPECT_EQ(fillDialog(c.bytes, d).find("@@"), std::string::npos) << c.name;
  }
}

}  // namespace
}  // namespace phonelab::fakes
