#pragma once
/// TFTP packets (RFC 1350, with RFC 2347 option lists on requests): decode with bounds checks,
/// encode exactly. Shared by the TFTP fake and the emulator's provisioning client.

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <variant>
#include <vector>

namespace phonelab::proto::tftp {

enum class Opcode : uint16_t { Rrq = 1, Wrq = 2, Data = 3, Ack = 4, Error = 5, Oack = 6 };

/// RFC 1350 error codes.
enum ErrorCode : uint16_t {
  kNotDefined = 0,
  kFileNotFound = 1,
  kAccessViolation = 2,
  kDiskFull = 3,
  kIllegalOperation = 4,
  kUnknownTid = 5,
  kFileExists = 6,
  kNoSuchUser = 7,
};

constexpr size_t kBlockSize = 512;

/// RRQ or WRQ.
struct Request {
  Opcode op = Opcode::Rrq;
  std::string filename;
  std::string mode;  // as sent ("octet", "netascii", "NETASCII", ...)
  /// RFC 2347 options after the mode (blksize, tsize, timeout, ...), name as sent.
  std::vector<std::pair<std::string, std::string>> options;
};

struct Data {
  uint16_t block = 0;
  std::vector<uint8_t> data;
};

struct Ack {
  uint16_t block = 0;
};

struct ErrorPacket {
  uint16_t code = kNotDefined;
  std::string message;
};

using Packet = std::variant<Request, Data, Ack, ErrorPacket>;

struct DecodeResult {
  std::optional<Packet> packet;
  /// Why it was rejected: "truncated: 1 byte, no opcode", "unknown opcode 9", "RRQ filename is not
  /// NUL-terminated", "RRQ with an empty filename", "DATA block of 600 bytes (more than 512)".
  std::string error;
};

/// Decodes one UDP payload. Never reads out of bounds. OACK is reported as unknown (a server
/// never receives one).
DecodeResult decode(std::span<const uint8_t> wire);

/// Encodes one packet. A Data packet longer than 512 bytes is encoded as given (for tests of the
/// peer's limits).
std::vector<uint8_t> encode(const Packet& p);

/// "octet" or "netascii" for the modes RFC 1350 serves (case-insensitive), else nullopt.
std::optional<std::string> normalizedMode(const std::string& mode);

/// Content in netascii: LF -> CR LF, a bare CR -> CR NUL (RFC 764).
std::string toNetascii(const std::string& content);

/// "RRQ", "WRQ", "DATA", "ACK", "ERROR".
std::string packetName(const Packet& p);

}  // namespace phonelab::proto::tftp
