// SDP (base/proto/sdp.h): the reader on what phones and peers send, on malformed and hostile
// descriptions, and the writer's exact bytes.

#include "base/proto/sdp.h"

#include <gtest/gtest.h>

#include <string>

namespace sdp = phonelab::proto::sdp;

namespace {

/// The first audio stream, as "ip:port proto payloads (session ip)"; "none" without one.
std::string audioOf(const std::string& text) {
  const auto a = sdp::firstAudio(text);
  if (!a) return "none";
  std::string out = a->ip + ":" + std::to_string(a->port) + " " + a->proto;
  for (int pt : a->payloads) out += " " + std::to_string(pt);
  return out + " (session " + a->session_ip + ")";
}

// The test UA's offer with its session-level c= on another address (RFC 4566 5.7).
const char* kOffer =
    "v=0\r\no=phonelab 3 1 IN IP4 198.18.0.20\r\ns=phonelab\r\nc=IN IP4 198.18.0.21\r\n"
    "t=0 0\r\nm=audio 40000 RTP/AVP 0 8 101\r\nc=IN IP4 198.18.0.20\r\n"
    "a=rtpmap:0 PCMU/8000\r\na=rtpmap:8 PCMA/8000\r\na=rtpmap:101 telephone-event/8000\r\n"
    "a=fmtp:101 0-15\r\na=ptime:20\r\na=sendrecv\r\n";

TEST(ProtoSdp, ReadsEveryLineOurCallsUse) {
  const auto s = sdp::parse(kOffer);
  EXPECT_EQ(s.origin_user + " " + s.origin_id + " " + s.origin_version + " " + s.origin_address,
            "phonelab 3 1 198.18.0.20");
  EXPECT_EQ(s.name, "phonelab");
  EXPECT_EQ(s.address, "198.18.0.21");
  ASSERT_EQ(s.media.size(), 1u);
  const auto& m = s.media[0];
  EXPECT_EQ(m.type, "audio");
  EXPECT_EQ(m.port, 40000);
  EXPECT_EQ(m.proto, "RTP/AVP");
  EXPECT_EQ(m.formats, (std::vector<std::string>{"0", "8", "101"}));
  EXPECT_EQ(m.payloads, (std::vector<int>{0, 8, 101}));
  EXPECT_EQ(m.address, "198.18.0.20");
  ASSERT_EQ(m.rtpmaps.size(), 3u);
  EXPECT_EQ(m.rtpmaps[2], (sdp::Rtpmap{101, "telephone-event", 8000, ""}));
  ASSERT_EQ(m.fmtps.size(), 1u);
  EXPECT_EQ(m.fmtps[0], (std::pair<int, std::string>{101, "0-15"}));
  EXPECT_EQ(m.ptime, 20);
  EXPECT_EQ(m.direction, sdp::Direction::SendRecv);
  EXPECT_FALSE(s.direction);
}

TEST(ProtoSdp, WritesWhatItReadsByteForByte) {
  EXPECT_EQ(sdp::build(sdp::parse(kOffer)), kOffer);
}

TEST(ProtoSdp, WritesAnAnswerAsThePhoneEmulatorDid) {
  sdp::Session s;
  s.origin_id = s.origin_version = "1001";
  s.origin_address = s.address = "198.18.252.2";
  s.name = "phone-emulator";
  s.media.push_back(sdp::audio(16384, {8, 0}));
  s.media.back().ptime = 20;
  s.media.back().direction = sdp::Direction::SendRecv;
  EXPECT_EQ(sdp::build(s),
            "v=0\r\no=- 1001 1001 IN IP4 198.18.252.2\r\ns=phone-emulator\r\n"
            "c=IN IP4 198.18.252.2\r\nt=0 0\r\nm=audio 16384 RTP/AVP 8 0\r\n"
            "a=rtpmap:8 PCMA/8000\r\na=rtpmap:0 PCMU/8000\r\na=ptime:20\r\na=sendrecv\r\n");
}

TEST(ProtoSdp, ReadsAndWritesSdesCryptoAndDirections) {
  sdp::Session s;
  s.origin_address = s.address = "198.18.0.100";
  auto m = sdp::audio(16384, {0});
  m.proto = "RTP/SAVP";
  m.direction = sdp::Direction::RecvOnly;
  m.crypto.push_back({1, "AES_CM_128_HMAC_SHA1_80", "inline:abcdefghij0123456789"});
  s.media.push_back(m);
  const std::string text = sdp::build(s);
  EXPECT_NE(text.find("m=audio 16384 RTP/SAVP 0\r\n"), std::string::npos) << text;
  EXPECT_NE(text.find("a=recvonly\r\na=crypto:1 AES_CM_128_HMAC_SHA1_80 "
                      "inline:abcdefghij0123456789\r\n"),
            std::string::npos)
      << text;
  const auto back = sdp::parse(text);
  ASSERT_EQ(back.media.size(), 1u);
  EXPECT_EQ(back.media[0].crypto, m.crypto);
  EXPECT_EQ(back.media[0].direction, sdp::Direction::RecvOnly);
  EXPECT_EQ(sdp::firstAudio(back)->proto, "RTP/SAVP");
  // Session-level direction, and a crypto line with session parameters kept verbatim.
  const auto other = sdp::parse(
      "v=0\na=inactive\nm=audio 5004 RTP/SAVP 8\na=crypto:2 AES_CM_128_HMAC_SHA1_32 "
      "inline:KEY|2^20|1:4 UNENCRYPTED_SRTP  \n");
  EXPECT_EQ(other.direction, sdp::Direction::Inactive);
  ASSERT_EQ(other.media.size(), 1u);
  ASSERT_EQ(other.media[0].crypto.size(), 1u);
  EXPECT_EQ(other.media[0].crypto[0].tag, 2);
  EXPECT_EQ(other.media[0].crypto[0].key_params, "inline:KEY|2^20|1:4 UNENCRYPTED_SRTP");
}

TEST(ProtoSdp, FirstAudioStreamTakesTheMediaLevelAddress) {
  EXPECT_EQ(audioOf("v=0\r\no=- 1 1 IN IP4 198.18.0.1\r\nc=IN IP4 198.18.0.100\r\nt=0 0\r\n"
                    "m=audio 16384 RTP/AVP 8 0\r\na=rtpmap:8 PCMA/8000\r\n"),
            "198.18.0.100:16384 RTP/AVP 8 0 (session 198.18.0.100)");
  // A video stream's c= is not the audio's; a second audio stream is not the first.
  EXPECT_EQ(
      audioOf("v=0\r\nc=IN IP4 198.18.0.10\r\nt=0 0\r\nm=video 5000 RTP/AVP 96\r\n"
              "c=IN IP4 10.0.0.1\r\nm=audio 40000 RTP/AVP 8 0 101\r\nm=audio 40002 RTP/AVP 0\r\n"
              "c=IN IP4 10.0.0.2\r\n"),
      "198.18.0.10:40000 RTP/AVP 8 0 101 (session 198.18.0.10)");
  EXPECT_EQ(
      audioOf("v=0\r\nc=IN IP4 1.2.3.4\r\nm=audio 4000 RTP/AVP 0\r\nc=IN IP4 5.6.7.8/127\r\n"),
      "5.6.7.8:4000 RTP/AVP 0 (session 1.2.3.4)");
  // LF line ends and no final line end.
  EXPECT_EQ(audioOf("v=0\nc=IN IP4 1.2.3.4\nm=audio 4000 RTP/AVP 0"),
            "1.2.3.4:4000 RTP/AVP 0 (session 1.2.3.4)");
}

TEST(ProtoSdp, NoAudioStreamWithoutAPortOrAnAddress) {
  EXPECT_FALSE(sdp::firstAudio(""));
  EXPECT_FALSE(sdp::firstAudio("v=0\r\n"));
  EXPECT_FALSE(sdp::firstAudio("v=0\r\nc=IN IP4 1.2.3.4\r\n"));
  EXPECT_FALSE(sdp::firstAudio("v=0\r\nm=audio 4000 RTP/AVP 0\r\n"));  // no address
  EXPECT_FALSE(sdp::firstAudio("v=0\r\nc=IN IP6 ::1\r\nm=audio 4000 RTP/AVP 0\r\n"));
  EXPECT_FALSE(sdp::firstAudio("v=0\r\nc=IN IP4 \r\nm=audio 4000 RTP/AVP 0\r\n"));
  for (const char* port : {"0", "70000", "65536", "x", "-1", "+4000", "4000abc", "4000/2", "",
                           "000004000", "99999999999999999999999"}) {
    const std::string text =
        std::string("v=0\r\nc=IN IP4 1.2.3.4\r\nm=audio ") + port + " RTP/AVP 0\r\n";
    EXPECT_FALSE(sdp::firstAudio(text)) << port;
  }
}

// What a hostile peer sends is skipped or left out, never read as something it does not say.
TEST(ProtoSdp, MalformedLinesAreLeftOutNotMisread) {
  const auto s = sdp::parse(
      "garbage\r\n=\r\nx\r\nm=\r\nm=audio\r\nc=IN IP4 9.9.9.9\r\n"
      "m=audio 4000 RTP/AVP abc 128 -1 8 1000 00 7x\r\n"
      "a=rtpmap:8\r\na=rtpmap:8 PCMA\r\na=rtpmap:8 PCMA/\r\na=rtpmap:200 X/8000\r\n"
      "a=rtpmap:0 /8000\r\na=rtpmap:x PCMU/8000\r\na=rtpmap:8 PCMA/8000/1/2\r\n"
      "a=fmtp:abc 0-15\r\na=fmtp:101\r\na=ptime:abc\r\na=crypto:x AES inline:k\r\n"
      "a=crypto:1 AES\r\na=sendrecvx\r\na=\r\na:\r\n");
  ASSERT_EQ(s.media.size(), 3u);
  EXPECT_EQ(s.media[0].type, "");  // "m=" and "m=audio" have no fields
  EXPECT_EQ(s.media[1].type, "");
  EXPECT_EQ(s.media[1].address, "9.9.9.9");  // belongs to that section, not the session
  EXPECT_EQ(s.address, "");
  const auto& m = s.media[2];
  EXPECT_EQ(m.port, 4000);
  EXPECT_EQ(m.payloads, (std::vector<int>{8, 0}));
  EXPECT_EQ(m.formats.size(), 7u);
  EXPECT_TRUE(m.rtpmaps.empty());
  EXPECT_TRUE(m.fmtps.empty());
  EXPECT_EQ(m.ptime, 0);
  EXPECT_TRUE(m.crypto.empty());
  EXPECT_FALSE(m.direction);
  EXPECT_FALSE(sdp::firstAudio(s));  // no address for the audio stream
}

TEST(ProtoSdp, HostileBytesNeitherCrashNorLeakAcrossLines) {
  using namespace std::string_literals;
  const auto s = sdp::parse(
      "v=0\r\nc=IN IP4 1.2.3.4\r\nm=audio 4000 RTP/AVP 0\r\n"
      "a=rtpmap:0 PC\0MU/8000\r\n"s);
  ASSERT_EQ(s.media.size(), 1u);
  ASSERT_EQ(s.media[0].rtpmaps.size(), 1u);
  EXPECT_EQ(s.media[0].rtpmaps[0].encoding, "PC\0MU"s);  // verbatim: not cut at the NUL
  std::string huge = "v=0\r\nc=IN IP4 1.2.3.4\r\nm=audio 4000 RTP/AVP";
  for (int i = 0; i < 20000; ++i) huge += " 0";
  huge += "\r\n" + std::string(100000, 'a') + "\r\n";
  const auto a = sdp::firstAudio(huge);
  ASSERT_TRUE(a);
  EXPECT_EQ(a->payloads.size(), 20000u);
  // CR alone does not end a line: "c=" in the middle of a line is not a c= line.
  EXPECT_FALSE(sdp::firstAudio("v=0\rc=IN IP4 1.2.3.4\r\nm=audio 4000 RTP/AVP 0\r\n"));
  // An address with anything after it (a second CR, a space, a word) is no address.
  for (const char* c : {"1.2.3.4\r", "1.2.3.4 ", "1.2.3.4 x", " 1.2.3.4", "1.2.3.4\t/127"}) {
    const auto s2 =
        sdp::parse(std::string("v=0\r\nc=IN IP4 5.6.7.8\r\nm=audio 4000 RTP/AVP 0\r\n") +
                   "c=IN IP4 " + c + "\r\n");
    ASSERT_EQ(s2.media.size(), 1u);
    EXPECT_EQ(s2.media[0].address, "") << c;
    EXPECT_EQ(sdp::firstAudio(s2)->ip, "5.6.7.8") << c;
  }
}

TEST(ProtoSdp, StaticRtpmapsOnlyForTheStaticTypesWeUse) {
  EXPECT_EQ(sdp::staticRtpmap(0), (sdp::Rtpmap{0, "PCMU", 8000, ""}));
  EXPECT_EQ(sdp::staticRtpmap(8), (sdp::Rtpmap{8, "PCMA", 8000, ""}));
  EXPECT_FALSE(sdp::staticRtpmap(18));
  const auto m = sdp::audio(40000, {8, 101, 18}, 101);
  EXPECT_EQ(m.formats, (std::vector<std::string>{"8", "101", "18"}));
  ASSERT_EQ(m.rtpmaps.size(), 2u);
  EXPECT_EQ(m.rtpmaps[1].encoding, "telephone-event");
  ASSERT_EQ(m.fmtps.size(), 1u);
}

}  // namespace
