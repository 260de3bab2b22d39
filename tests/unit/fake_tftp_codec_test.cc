#include <gtest/gtest.h>

#include <random>

#include "base/proto/tftp.h"

namespace tftp = phonelab::proto::tftp;

namespace {

using Bytes = std::vector<uint8_t>;
using namespace std::string_literals;

Bytes bytes(const std::string& s) {
  return Bytes(s.begin(), s.end());
}

/// RRQ as a Cisco phone sends it, with RFC 2348/2349 options.
/// Wireshark: Opcode: Read Request (1); Source File: SEP0200C612000A.cnf.xml; Type: octet;
/// Option: blksize = 1468; Option: tsize = 0
const Bytes kRrq = bytes(
    "\0\1SEP0200C612000A.cnf.xml\0octet\0blksize\0"
    "1468\0tsize\0"
    "0\0"s);

}  // namespace

TEST(FakeTftpCodec, DecodesAGoldenRrqWithOptions) {
  auto r = tftp::decode(kRrq);
  ASSERT_TRUE(r.packet) << r.error;
  const auto& q = std::get<tftp::Request>(*r.packet);
  EXPECT_EQ(q.op, tftp::Opcode::Rrq);
  EXPECT_EQ(q.filename, "SEP0200C612000A.cnf.xml");
  EXPECT_EQ(q.mode, "octet");
  ASSERT_EQ(q.options.size(), 2u);
  EXPECT_EQ(q.options[0], (std::pair<std::string, std::string>{"blksize", "1468"}));
  EXPECT_EQ(q.options[1], (std::pair<std::string, std::string>{"tsize", "0"}));
  EXPECT_EQ(tftp::encode(q), kRrq);
}

TEST(FakeTftpCodec, EncodesEveryPacketKindSoItDecodesToTheSameBytes) {
  std::vector<tftp::Packet> packets = {
      tftp::Request{tftp::Opcode::Wrq, "x.bin", "netascii", {}},
      tftp::Data{7, Bytes(512, 0xab)},
      tftp::Data{65535, {}},
      tftp::Ack{3},
      tftp::ErrorPacket{tftp::kFileNotFound, "File not found"},
  };
  for (const auto& p : packets) {
    auto wire = tftp::encode(p);
    auto r = tftp::decode(wire);
    ASSERT_TRUE(r.packet) << tftp::packetName(p) << ": " << r.error;
    EXPECT_EQ(tftp::packetName(*r.packet), tftp::packetName(p));
    EXPECT_EQ(tftp::encode(*r.packet), wire);
  }
  EXPECT_EQ(tftp::encode(tftp::Ack{0x0102}), (Bytes{0, 4, 1, 2}));
  EXPECT_EQ(tftp::encode(tftp::ErrorPacket{1, "File not found"}),
            bytes("\0\5\0\1File not found\0"s));
}

TEST(FakeTftpCodec, ModesAndNetascii) {
  EXPECT_EQ(tftp::normalizedMode("OCTET"), "octet");
  EXPECT_EQ(tftp::normalizedMode("NetAscii"), "netascii");
  EXPECT_EQ(tftp::normalizedMode("mail"), std::nullopt);
  EXPECT_EQ(tftp::toNetascii("a\nb\rc"), "a\r\nb\r\0c"s);
}

// ---- Malformed corpus ----

TEST(FakeTftpCodec, ZeroLengthAndOneByte) {
  EXPECT_EQ(tftp::decode(Bytes{}).error, "truncated: 0 bytes, no opcode");
  EXPECT_EQ(tftp::decode(Bytes{0}).error, "truncated: 1 byte, no opcode");
}

TEST(FakeTftpCodec, RejectsUnknownOpcodesAndAnOackSentToAServer) {
  EXPECT_EQ(tftp::decode(Bytes{0, 9, 0, 0}).error, "unknown opcode 9");
  // OACK is only ever sent by servers: a server treats it as unknown.
  EXPECT_EQ(tftp::decode(Bytes{0, 6, 0, 0}).error, "unknown opcode 6");
}

TEST(FakeTftpCodec, FilenameWithoutNul) {
  EXPECT_EQ(tftp::decode(bytes("\0\1abc"s)).error, "RRQ filename is not NUL-terminated");
}

TEST(FakeTftpCodec, RejectsARequestWithoutAModeOrWithAnEmptyOne) {
  EXPECT_EQ(tftp::decode(bytes("\0\1abc\0"s)).error, "RRQ mode is missing or not NUL-terminated");
  EXPECT_EQ(tftp::decode(bytes("\0\2abc\0\0"s)).error, "WRQ with an empty mode");
}

TEST(FakeTftpCodec, RejectsARequestWithAnEmptyFilename) {
  EXPECT_EQ(tftp::decode(bytes("\0\1\0octet\0"s)).error, "RRQ with an empty filename");
}

TEST(FakeTftpCodec, OptionWithoutValue) {
  auto r = tftp::decode(bytes("\0\1f\0octet\0blksize\0"s));
  EXPECT_FALSE(r.packet);
  EXPECT_EQ(r.error, "RRQ option at byte 18 is not NUL-terminated or has no value");
}

TEST(FakeTftpCodec, ShortDataAckError) {
  EXPECT_EQ(tftp::decode(Bytes{0, 3, 1}).error, "DATA of 3 bytes, no block number");
  EXPECT_EQ(tftp::decode(Bytes{0, 4}).error, "ACK of 2 bytes, no block number");
  EXPECT_EQ(tftp::decode(Bytes{0, 5, 0}).error, "ERROR of 3 bytes, no code");
  Bytes big = {0, 3, 0, 1};
  big.resize(4 + 600);
  EXPECT_EQ(tftp::decode(big).error, "DATA block of 600 bytes (more than 512)");
}

TEST(FakeTftpCodec, EveryTruncationAndRandomFlipsDecodeSafely) {
  std::vector<Bytes> seeds = {kRrq, tftp::encode(tftp::Data{1, Bytes(100, 'x')}),
                              tftp::encode(tftp::ErrorPacket{2, "Access violation"})};
  std::mt19937 rng(1350);
  for (const auto& seed : seeds) {
    for (size_t n = 0; n <= seed.size(); ++n) {
      auto r = tftp::decode(std::span<const uint8_t>(seed.data(), n));
      if (!r.packet) {
        EXPECT_FALSE(r.error.empty());
      }
    }
    for (int i = 0; i < 1000; ++i) {
      Bytes b = seed;
      b[rng() % b.size()] ^= static_cast<uint8_t>(1u << (rng() % 8));
      auto r = tftp::decode(b);
      if (r.packet) {
        (void)tftp::encode(*r.packet);
      } else {
        EXPECT_FALSE(r.error.empty());
      }
    }
  }
}
