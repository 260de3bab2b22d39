#include <gtest/gtest.h>

#include <random>

#include "base/proto/dns.h"

namespace dns = phonelab::proto::dns;

namespace {

using Bytes = std::vector<uint8_t>;

/// A query as the phone sends it: id 0x1234, RD, "tftp.lab.example" A IN.
/// Wireshark: Flags 0x0100 Standard query; Questions 1; tftp.lab.example: type A, class IN
const Bytes kQuery = {0x12, 0x34, 0x01, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
                      4,    't',  'f',  't',  'p',  3,    'l',  'a',  'b',  7,    'e',  'x',
                      'a',  'm',  'p',  'l',  'e',  0,    0x00, 0x01, 0x00, 0x01};

dns::Message sampleResponse() {
  auto q = dns::query(0xbeef, "tftp.lab.example", dns::kA);
  auto r = dns::responseTo(q, dns::kNoError);
  r.answers.push_back(dns::aRecord("tftp.lab.example", "198.18.0.4", 60));
  r.answers.push_back(dns::aRecord("TFTP.lab.example", "198.18.0.7", 60));
  r.authority.push_back(dns::Record{"lab.example", dns::kNs, dns::kClassIn, 300, {0}});
  return r;
}

}  // namespace

TEST(FakeDnsCodec, DecodesAGoldenQuery) {
  auto r = dns::decode(kQuery);
  ASSERT_TRUE(r.message) << r.error;
  EXPECT_EQ(r.message->header.id, 0x1234);
  EXPECT_TRUE(r.message->header.rd);
  EXPECT_FALSE(r.message->header.qr);
  ASSERT_EQ(r.message->questions.size(), 1u);
  EXPECT_EQ(r.message->questions[0].name, "tftp.lab.example");
  EXPECT_EQ(r.message->questions[0].type, dns::kA);
  EXPECT_EQ(r.message->questions[0].klass, dns::kClassIn);
  // And the encoder builds the same bytes.
  EXPECT_EQ(dns::encode(dns::query(0x1234, "tftp.lab.example", dns::kA)), kQuery);
}

TEST(FakeDnsCodec, ResponseRoundTripWithCompression) {
  auto m = sampleResponse();
  auto wire = dns::encode(m);
  // The answer names point back at the question (0xc00c) instead of repeating it.
  EXPECT_EQ(wire[kQuery.size()], 0xc0);
  EXPECT_EQ(wire[kQuery.size() + 1], 0x0c);
  auto r = dns::decode(wire);
  ASSERT_TRUE(r.message) << r.error;
  const auto& d = *r.message;
  EXPECT_EQ(d.header.id, 0xbeef);
  EXPECT_TRUE(d.header.qr);
  EXPECT_TRUE(d.header.aa);
  EXPECT_TRUE(d.header.rd);
  EXPECT_EQ(d.header.rcode, dns::kNoError);
  ASSERT_EQ(d.answers.size(), 2u);
  EXPECT_EQ(d.answers[0].name, "tftp.lab.example");
  // Compression is case-insensitive, so the second answer reads back as the first spelling.
  EXPECT_EQ(dns::canonicalName(d.answers[1].name), "tftp.lab.example");
  EXPECT_EQ(d.answers[0].ttl, 60u);
  EXPECT_EQ(dns::aAddress(d.answers[0]), "198.18.0.4");
  EXPECT_EQ(dns::aAddress(d.answers[1]), "198.18.0.7");
  ASSERT_EQ(d.authority.size(), 1u);
  EXPECT_EQ(d.authority[0].name, "lab.example");
  EXPECT_EQ(d.authority[0].type, dns::kNs);
  EXPECT_EQ(dns::encode(d), wire);
}

TEST(FakeDnsCodec, OddBytesInLabelsRoundTripAsEscapes) {
  Bytes wire = {0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 3, 'a', '.', 0x07, 1, 'b', 0, 0, 1, 0, 1};
  auto r = dns::decode(wire);
  ASSERT_TRUE(r.message) << r.error;
  EXPECT_EQ(r.message->questions[0].name, "a\\.\\007.b");
  EXPECT_EQ(dns::encode(*r.message), wire);
}

TEST(FakeDnsCodec, NamesAndCodes) {
  EXPECT_EQ(dns::typeName(dns::kA), "A");
  EXPECT_EQ(dns::typeName(dns::kAaaa), "AAAA");
  EXPECT_EQ(dns::typeName(99), "99");
  EXPECT_EQ(dns::rcodeName(dns::kNxDomain), "NXDOMAIN");
  EXPECT_EQ(dns::rcodeName(dns::kFormErr), "FORMERR");
  EXPECT_EQ(dns::canonicalName("TFTP.Lab.Example."), "tftp.lab.example");
  EXPECT_THROW(dns::aRecord("x", "198.18.0", 60), std::invalid_argument);
  EXPECT_THROW(dns::encode(dns::query(1, std::string(64, 'a') + ".example", dns::kA)),
               std::invalid_argument);
  EXPECT_THROW(dns::encode(dns::query(1, "a..example", dns::kA)), std::invalid_argument);
}

// ---- Malformed corpus: each case names what is wrong and why it must be rejected. ----

TEST(FakeDnsCodec, ZeroLengthPacket) {
  auto r = dns::decode(Bytes{});
  EXPECT_FALSE(r.message);
  EXPECT_FALSE(r.header);  // nothing to answer FORMERR with
  EXPECT_EQ(r.error, "truncated header: 0 of 12 bytes");
}

TEST(FakeDnsCodec, RejectsAHeaderShorterThanTwelveBytes) {
  auto r = dns::decode(Bytes(kQuery.begin(), kQuery.begin() + 5));
  EXPECT_FALSE(r.message);
  EXPECT_FALSE(r.header);
  EXPECT_EQ(r.error, "truncated header: 5 of 12 bytes");
}

TEST(FakeDnsCodec, CompressionPointerLoop) {
  // RFC 1035 4.1.4 allows pointers anywhere earlier; a pointer to itself never ends.
  Bytes self = {0, 7, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0xc0, 12, 0, 1, 0, 1};
  auto r = dns::decode(self);
  EXPECT_FALSE(r.message);
  ASSERT_TRUE(r.header);  // the header was readable: a server answers FORMERR with id 7
  EXPECT_EQ(r.header->id, 7);
  EXPECT_EQ(r.error, "compression pointer loop at byte 12 (back to byte 12)");

  // Two pointers pointing at each other (label, then pointer to a pointer back to the label).
  Bytes pair = {0, 7, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 1, 'a', 0xc0, 16, 0xc0, 12, 0, 1, 0, 1};
  r = dns::decode(pair);
  EXPECT_FALSE(r.message);
  EXPECT_NE(r.error.find("compression pointer loop"), std::string::npos) << r.error;
}

TEST(FakeDnsCodec, LabelLengthPastTheEnd) {
  Bytes b(kQuery.begin(), kQuery.begin() + 29);  // ends inside "example"
  b[21] = 40;                                    // and claims a 40-byte label
  auto r = dns::decode(b);
  EXPECT_FALSE(r.message);
  ASSERT_TRUE(r.header);
  EXPECT_EQ(r.error, "label length 40 at byte 21 runs past the end of the 29-byte message");
}

TEST(FakeDnsCodec, PointerPastTheEnd) {
  Bytes b = {0, 7, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0xc0, 200, 0, 1, 0, 1};
  auto r = dns::decode(b);
  EXPECT_FALSE(r.message);
  EXPECT_EQ(r.error,
            "compression pointer at byte 12 points to byte 200, past the end of the 18-byte "
            "message");
}

TEST(FakeDnsCodec, ReservedLabelType) {
  Bytes b = {0, 7, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0x41, 'a', 0, 0, 1, 0, 1};  // 0x40: EDNS0 bitlabel
  auto r = dns::decode(b);
  EXPECT_FALSE(r.message);
  EXPECT_EQ(r.error, "reserved label type 0x40 at byte 12");
}

TEST(FakeDnsCodec, QuestionCountBeyondTheData) {
  Bytes b = kQuery;
  b[5] = 2;  // says two questions, carries one
  auto r = dns::decode(b);
  EXPECT_FALSE(r.message);
  EXPECT_EQ(r.error, "name at byte 34 runs past the end of the 34-byte message");
}

TEST(FakeDnsCodec, NameLongerThan255) {
  Bytes b = {0, 7, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0};
  for (int i = 0; i < 5; ++i) {
    b.push_back(63);
    b.insert(b.end(), 63, 'x');
  }
  b.insert(b.end(), {0, 0, 1, 0, 1});
  auto r = dns::decode(b);
  EXPECT_FALSE(r.message);
  EXPECT_EQ(r.error, "name at byte 12 is longer than 255 bytes");
}

TEST(FakeDnsCodec, RdataPastTheEnd) {
  auto wire = dns::encode(sampleResponse());
  wire.resize(wire.size() - 1);  // cut the last (authority) rdata short
  auto r = dns::decode(wire);
  EXPECT_FALSE(r.message);
  EXPECT_NE(r.error.find("authority record 1: rdata length 1"), std::string::npos) << r.error;
}

// ---- Fuzz-like: no input makes the decoder read out of bounds, loop or crash. ----

TEST(FakeDnsCodec, EveryTruncationAndRandomFlipsDecodeSafely) {
  std::vector<Bytes> seeds = {kQuery, dns::encode(sampleResponse())};
  std::mt19937 rng(20240601);  // deterministic
  size_t decoded = 0, rejected = 0;
  for (const auto& seed : seeds) {
    for (size_t n = 0; n <= seed.size(); ++n) {
      auto r = dns::decode(std::span<const uint8_t>(seed.data(), n));
      (r.message ? decoded : rejected)++;
      if (!r.message) {
        EXPECT_FALSE(r.error.empty());
      }
      if (n == seed.size()) {
        EXPECT_TRUE(r.message);
      }
    }
    for (int i = 0; i < 1000; ++i) {
      Bytes b = seed;
      const int flips = 1 + static_cast<int>(rng() % 4);
      for (int f = 0; f < flips; ++f)
        b[rng() % b.size()] ^= static_cast<uint8_t>(1u << (rng() % 8));
      auto r = dns::decode(b);
      (r.message ? decoded : rejected)++;
      if (r.message) {
        // Whatever decodes must re-encode (or be refused with a clear exception).
        try {
          (void)dns::encode(*r.message);
        } catch (const std::invalid_argument&) {
        }
      } else {
        EXPECT_FALSE(r.error.empty());
      }
    }
  }
  EXPECT_GT(decoded, 0u);
  EXPECT_GT(rejected, 0u);
}
