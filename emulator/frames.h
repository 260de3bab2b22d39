#pragma once
/// Ethernet/IPv4/UDP and ARP frames built and parsed by hand, for the AF_PACKET DHCP client.

#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "base/proto/dhcp.h"

namespace phonelab::emulator {

using proto::dhcp::Ip4;
using proto::dhcp::Mac;

inline constexpr Mac kBroadcastMac = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};

/// RFC 1071 Internet checksum.
uint16_t inetChecksum(std::span<const uint8_t> data, uint32_t initial = 0);

struct UdpFrame {
  Mac src_mac{}, dst_mac{};
  Ip4 src_ip{}, dst_ip{};
  uint16_t src_port = 0, dst_port = 0;
  std::vector<uint8_t> payload;
};

/// Ethernet II + IPv4 (TTL 64, DF clear, header checksum) + UDP (with checksum).
std::vector<uint8_t> buildUdpFrame(const UdpFrame& f);
/// Parses an Ethernet frame carrying IPv4/UDP. nullopt for anything else or anything malformed
/// (bad lengths, bad IP header checksum, a bad UDP checksum unless `udp_checksum_pending`,
/// fragments). `udp_checksum_pending`: the kernel says the checksum is not filled in yet (a frame
/// of this host whose checksum is left to the NIC: TP_STATUS_CSUMNOTREADY).
std::optional<UdpFrame> parseUdpFrame(std::span<const uint8_t> frame,
                                      bool udp_checksum_pending = false);

/// Gratuitous ARP: a broadcast ARP request with sender IP = target IP = ip.
std::vector<uint8_t> buildGratuitousArp(const Mac& mac, const Ip4& ip);

}  // namespace phonelab::emulator
