#pragma once
/// DHCPv4 messages (RFC 2131/2132): decode leniently-but-safely, encode exactly.
/// Shared by the capture decoder, the emulator's DHCP client and (later) the rogue server.

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace phonelab::proto::dhcp {

enum class MessageType : uint8_t {
  Discover = 1,
  Offer = 2,
  Request = 3,
  Decline = 4,
  Ack = 5,
  Nak = 6,
  Release = 7,
  Inform = 8
};

/// "discover", "offer", ... (lower case, used in event kinds "dhcp.<name>").
std::string_view messageTypeName(MessageType t);

using Ip4 = std::array<uint8_t, 4>;
using Mac = std::array<uint8_t, 6>;

struct Option {
  uint8_t code = 0;
  std::vector<uint8_t> data;
};

struct Message {
  uint8_t op = 1;  // 1 BOOTREQUEST, 2 BOOTREPLY
  uint8_t htype = 1, hlen = 6, hops = 0;
  uint32_t xid = 0;
  uint16_t secs = 0, flags = 0;
  Ip4 ciaddr{}, yiaddr{}, siaddr{}, giaddr{};
  Mac chaddr{};
  std::string sname, file;
  /// Options in wire order, without pad (0) and end (255).
  std::vector<Option> options;

  std::optional<MessageType> type() const;
  /// First option with this code, or nullptr.
  const Option* option(uint8_t code) const;
  /// Replace or add.
  void setOption(uint8_t code, std::vector<uint8_t> data);
};

struct DecodeResult {
  std::optional<Message> message;
  std::string error;  // why it was rejected, e.g. "option 51 length 9 runs past the end (byte 312)"
};

/// Decodes a BOOTP/DHCP UDP payload. Never reads out of bounds; a malformed packet yields an
/// error naming what was wrong and where.
DecodeResult decode(std::span<const uint8_t> payload);

/// Encodes with magic cookie, options, end; padded to the BOOTP minimum of 300 bytes.
std::vector<uint8_t> encode(const Message& m);

// Helpers for option values.
std::vector<uint8_t> ip4Bytes(const Ip4& ip);
std::string ip4String(const Ip4& ip);
std::optional<Ip4> parseIp4(std::string_view s);
std::string macString(const Mac& mac);
std::optional<Mac> parseMac(std::string_view s);
/// Big-endian u32 from an option of exactly 4 bytes.
std::optional<uint32_t> u32Of(const Option* o);

}  // namespace phonelab::proto::dhcp
