#pragma once
/// Messages of the phone's small network clients, built and parsed without networking: DNS
/// (RFC 1035, A queries), SNTP v4 (RFC 4330, client mode), TFTP (RFC 1350, octet RRQ) and the
/// CWMP Inform (TR-069). Parsers never read out of bounds and say why they refused.

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/proto/dhcp.h"

namespace phonelab::emulator {

using Bytes = std::vector<uint8_t>;

// ---- DNS ----

/// A query for `name`'s A record with recursion desired. nullopt when `name` is not a valid
/// host name (a label over 63 bytes, an empty label, a name over 253).
std::optional<Bytes> buildDnsQuery(uint16_t id, std::string_view name);

struct DnsAnswer {
  uint8_t rcode = 0;                        // 0 = NOERROR, 3 = NXDOMAIN
  std::vector<proto::dhcp::Ip4> addresses;  // A records of the answer section
};
/// Parses a response to query `id`. nullopt and `error` for anything malformed, a different id,
/// or a message that is not a response.
std::optional<DnsAnswer> parseDnsResponse(std::span<const uint8_t> msg, uint16_t id,
                                          std::string* error);

/// The names to ask for `host`, in order: a name without a dot gets the search domain appended
/// (when there is one); a name with a dot is asked as it is. `always` (fault
/// domain-appended-to-every-name): the domain is appended to every name not ending in a dot, with
/// no try of the name as it is.
std::vector<std::string> dnsCandidates(std::string_view host, std::string_view domain,
                                       bool without_dot = false, bool always = false);

// ---- SNTP ----

/// Seconds between 1900-01-01 (NTP era 0) and 1970-01-01.
inline constexpr uint64_t kNtpUnixOffset = 2208988800ULL;

/// A 48-byte SNTP v4 client request (LI 0, VN 4, mode 3) whose transmit timestamp is
/// `unix_seconds` (the server echoes it as the originate timestamp).
Bytes buildNtpRequest(double unix_seconds);
/// The 64-bit NTP timestamp of a Unix time (what buildNtpRequest puts in the transmit field).
uint64_t ntpTimestamp(double unix_seconds);

struct NtpReply {
  int stratum = 0;
  double transmit_unix = 0;  // the server's transmit time as Unix seconds
};
/// Checks a server reply (mode 4, version 3 or 4, stratum 1-15, originate = our transmit, a
/// non-zero transmit time). nullopt and `error` otherwise (stratum 0 is a kiss-o'-death).
std::optional<NtpReply> parseNtpReply(std::span<const uint8_t> msg, uint64_t our_transmit,
                                      std::string* error);

// ---- TFTP ----

/// RRQ in octet mode. nullopt for an empty name or one with a NUL.
std::optional<Bytes> buildTftpRrq(std::string_view file);
Bytes buildTftpAck(uint16_t block);

struct TftpPacket {
  enum class Kind { Data, Error, Other } kind = Kind::Other;
  uint16_t block = 0;  // Data
  Bytes data;          // Data: at most 512 bytes
  uint16_t error_code = 0;
  std::string error_message;
};
/// Parses DATA or ERROR. nullopt and `error` when malformed (short, DATA over 512 bytes, ERROR
/// without its NUL, unknown opcode).
std::optional<TftpPacket> parseTftpPacket(std::span<const uint8_t> msg, std::string* error);

// ---- CWMP ----

struct InformParams {
  std::string manufacturer = "Cisco";
  std::string oui;            // "0200C6": the MAC's first three bytes, upper-case hex
  std::string product_class;  // the model
  std::string serial;
  std::string current_time;  // ISO 8601
  std::string software_version;
  std::string ip;
};
/// A SOAP envelope with one cwmp:Inform, event "1 BOOT".
std::string buildCwmpInform(const InformParams& p);
/// "0200C6" for 02:00:c6:12:00:0a.
std::string ouiOf(const proto::dhcp::Mac& mac);

/// "2026-11-26T15:19:15Z" for a Unix time.
std::string isoTime(double unix_seconds);

}  // namespace phonelab::emulator
