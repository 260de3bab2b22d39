#include <gtest/gtest.h>

#include "harness/proto/sip_stream.h"

namespace proto = phonelab::proto;

namespace {

const std::string kReg =
    "REGISTER sip:x SIP/2.0\r\nVia: SIP/2.0/TLS 1.2.3.4:5;branch=z9hG4bK1\r\nContent-Length: "
    "0\r\n\r\n";
const std::string kInvite = "INVITE sip:x SIP/2.0\r\nl: 5\r\nCall-ID: a\r\n\r\nv=0\r\n";

TEST(SipStream, SplitsMessagesAndKeepsTheRest) {
  std::string buf = "\r\n\r\n" + kReg + kInvite + kReg.substr(0, 10);
  std::string err;
  auto m = proto::takeSipMessages(buf, err);
  EXPECT_EQ(err, "");
  ASSERT_EQ(m.size(), 2u);
  EXPECT_EQ(m[0], kReg);
  EXPECT_EQ(m[1], kInvite);  // compact "l:" counts the body
  EXPECT_EQ(buf, kReg.substr(0, 10));
  buf += kReg.substr(10);
  m = proto::takeSipMessages(buf, err);
  ASSERT_EQ(m.size(), 1u);
  EXPECT_EQ(buf, "");
}

TEST(SipStream, WaitsForTheBody) {
  std::string buf = kInvite.substr(0, kInvite.size() - 2);
  std::string err;
  EXPECT_TRUE(proto::takeSipMessages(buf, err).empty());
  EXPECT_EQ(err, "");
}

TEST(SipStream, GarbageIsAnError) {
  std::string err;
  std::string bad = "INVITE sip:x SIP/2.0\r\nContent-Length: lots\r\n\r\n";
  EXPECT_TRUE(proto::takeSipMessages(bad, err).empty());
  EXPECT_NE(err.find("not a number"), std::string::npos) << err;
  err.clear();
  std::string endless(70 * 1024, 'A');
  EXPECT_TRUE(proto::takeSipMessages(endless, err).empty());
  EXPECT_NE(err.find("64 KiB"), std::string::npos) << err;
}

}  // namespace
