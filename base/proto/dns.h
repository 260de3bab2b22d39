#pragma once
/// DNS messages (RFC 1035): decode with bounds checks and compression-pointer loop protection,
/// encode queries and responses (with name compression). Shared by the DNS fake, the capture
/// decoder and the emulator's resolver.

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace phonelab::proto::dns {

/// Record types the harness names; any other is shown as its number.
enum Type : uint16_t {
  kA = 1,
  kNs = 2,
  kCname = 5,
  kSoa = 6,
  kPtr = 12,
  kMx = 15,
  kTxt = 16,
  kAaaa = 28,
  kSrv = 33,
  kNaptr = 35,
  kOpt = 41,
  kAny = 255,
};

enum Rcode : uint8_t {
  kNoError = 0,
  kFormErr = 1,
  kServFail = 2,
  kNxDomain = 3,
  kNotImp = 4,
  kRefused = 5,
};

constexpr uint16_t kClassIn = 1;

struct Header {
  uint16_t id = 0;
  bool qr = false;  // response
  uint8_t opcode = 0;
  bool aa = false, tc = false, rd = false, ra = false;
  uint8_t rcode = 0;
  // Counts as they were on the wire (decode) or are derived from the sections (encode).
  uint16_t qdcount = 0, ancount = 0, nscount = 0, arcount = 0;
};

struct Question {
  /// Dotted, no trailing dot, case as sent; "" is the root. Bytes outside [!-~] except '.' inside a
  /// label are written \DDD, and a '.' or '\' inside a label is escaped, as dig(1) shows them.
  std::string name;
  uint16_t type = kA;
  uint16_t klass = kClassIn;
};

struct Record {
  std::string name;
  uint16_t type = kA;
  uint16_t klass = kClassIn;
  uint32_t ttl = 0;
  /// Raw RDATA (names inside it are not decompressed).
  std::vector<uint8_t> data;
};

struct Message {
  Header header;
  std::vector<Question> questions;
  std::vector<Record> answers, authority, additional;
};

struct DecodeResult {
  std::optional<Message> message;
  /// The header whenever the first 12 bytes were there, even if the rest was malformed (so a
  /// server can answer FORMERR with the right id).
  std::optional<Header> header;
  /// Why decoding failed, naming the byte offset: "label length 40 at byte 12 runs past the end
  /// of the 29-byte message", "compression pointer loop at byte 17", "truncated header: 5 of 12
  /// bytes".
  std::string error;
};

/// Decodes one DNS message (a UDP payload, or a TCP message without its length prefix). Never
/// reads out of bounds; never loops on compression pointers.
DecodeResult decode(std::span<const uint8_t> wire);

/// Encodes with the section counts taken from the vectors. Names are compressed against earlier
/// names. Throws std::invalid_argument for a name that cannot be encoded (label > 63 bytes, name
/// > 255 bytes, empty label).
std::vector<uint8_t> encode(const Message& m);

/// A query for one name (RD set).
Message query(uint16_t id, const std::string& name, uint16_t type);
/// A response skeleton to q: same id, opcode, RD and questions; QR and AA set; rcode as given.
Message responseTo(const Message& q, uint8_t rcode);

/// An A record. Throws std::invalid_argument if ipv4 is not a dotted quad.
Record aRecord(const std::string& name, const std::string& ipv4, uint32_t ttl);
/// The dotted quad of an A record, or nullopt if it is not one (type or length).
std::optional<std::string> aAddress(const Record& r);

/// "A", "AAAA", ... or the number as text.
std::string typeName(uint16_t type);
/// "NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN", "NOTIMP", "REFUSED", or the number as text.
std::string rcodeName(uint8_t rcode);

/// Lower-cases ASCII letters and drops one trailing dot: the key names are compared by.
std::string canonicalName(const std::string& name);

}  // namespace phonelab::proto::dns
