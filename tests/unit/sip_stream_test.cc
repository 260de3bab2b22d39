#include <gtest/gtest.h>

#include "base/proto/sip_stream.h"

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

// Found by fuzzing (tests/fuzz/sip_stream_fuzz.cc): a phone that sends its message a byte at a
// time made every arrival search the header block again from its start (a 60 KB header block
// and its body, byte by byte, took 8.7 s in the fuzz build). The scan carried between calls
// says how far the front message was looked at; each byte is then looked at once.
TEST(SipStream, ABytewiseMessageIsScannedOnce) {
  const std::string header =
      "INVITE sip:x SIP/2.0\r\nX: " + std::string(60000, 'a') + "\r\nl: 150000\r\n\r\n";
  const std::string msg = header + std::string(150000, 'b');
  std::string buf, err;
  proto::SipStreamScan scan;
  std::vector<std::string> got;
  for (size_t i = 0; i < msg.size(); ++i) {
    buf += msg[i];
    for (auto& m : proto::takeSipMessages(buf, scan, err)) got.push_back(std::move(m));
    ASSERT_EQ(err, "");
    if (i + 1 < header.size()) {
      // Still looking for the end of the header block: everything so far was searched.
      ASSERT_EQ(scan.searched, i + 1);
      ASSERT_EQ(scan.size, 0u);
    } else if (i + 1 < msg.size()) {
      // The header block is read once: from then on only the body's length counts.
      ASSERT_EQ(scan.size, msg.size());
    }
  }
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0], msg);
  EXPECT_EQ(buf, "");
  EXPECT_EQ(scan.size, 0u);
  EXPECT_EQ(scan.searched, 0u);
}

// The end of the header block split over two arrivals is still found.
TEST(SipStream, TheEndOfTheHeaderBlockMayStraddleTwoArrivals) {
  for (size_t cut = 1; cut < kReg.size(); ++cut) {
    std::string buf = kReg.substr(0, cut), err;
    proto::SipStreamScan scan;
    EXPECT_TRUE(proto::takeSipMessages(buf, scan, err).empty());
    buf += kReg.substr(cut) + kInvite;
    auto m = proto::takeSipMessages(buf, scan, err);
    ASSERT_EQ(m.size(), 2u) << cut;
    EXPECT_EQ(m[0], kReg);
    EXPECT_EQ(m[1], kInvite);
    EXPECT_EQ(buf, "");
  }
}

// Found by fuzzing: 52,000 five-byte messages in one read were erased from the front of the
// buffer one by one (quadratic: 8.2 s in the fuzz build). All of them come out, in order.
TEST(SipStream, ManySmallMessagesInOneRead) {
  std::string buf, err;
  for (int i = 0; i < 52000; ++i) buf += "A\r\n\r\n";
  buf += "B\r\n";
  auto m = proto::takeSipMessages(buf, err);
  EXPECT_EQ(err, "");
  ASSERT_EQ(m.size(), 52000u);
  EXPECT_EQ(m.front(), "A\r\n\r\n");
  EXPECT_EQ(m.back(), "A\r\n\r\n");
  EXPECT_EQ(buf, "B\r\n");
}

// An error leaves the offending message at the front (the TLS proxy records its start).
TEST(SipStream, AnErrorLeavesTheOffendingMessageInFront) {
  std::string buf = kReg + "\r\nINVITE sip:x SIP/2.0\r\nl: 99999999\r\n\r\n", err;
  proto::SipStreamScan scan;
  auto m = proto::takeSipMessages(buf, scan, err);
  ASSERT_EQ(m.size(), 1u);
  EXPECT_NE(err.find("not a number"), std::string::npos) << err;
  EXPECT_EQ(buf.rfind("INVITE", 0), 0u) << buf;
}

}  // namespace
