#pragma once
/// Decoding of captured Ethernet frames into harness events (ARP, IPv4, ICMP, UDP, TCP, DHCP).
/// Bounds-checked: a malformed frame from the phone yields a "capture.malformed" event, never a
/// crash.

#include <cstdint>
#include <optional>
#include <span>
#include <string>

#include "base/core/event.h"

namespace phonelab::proto {

/// Decodes one Ethernet frame. `dut_mac` (lower-case "aa:bb:..") sets the field from=dut|lab.
/// Returns the event without t/source (the caller stamps them), or nullopt for frames that are
/// not worth an event (e.g. IPv6 router solicitations are still events: kind "ipv6").
///
/// Kinds and fields:
///   arp.request / arp.reply      src_mac dst_mac sender_ip target_ip sender_mac
///   icmp.echo-request/-reply     src_mac dst_mac src_ip dst_ip id seq
///   icmp.<type>                  other ICMP types
///   dhcp.<type>                  src_mac dst_mac src_ip dst_ip xid chaddr ciaddr yiaddr
///                                requested_ip server_id lease t1 t2 (options 51/58/59)
///                                params (option 55 as "1,3,6") vendor_class (option 60)
///                                options ("53,55,60,...") flags, and opt_<code> for every
///                                option present, its value by the option table
///                                (proto::dhcp::formatOptionValue: opt_6 "198.18.0.2,198.18.0.7",
///                                opt_66 "tftp.lab.example", "malformed: <hex>" for bad data)
///   udp                          src_mac dst_mac src_ip dst_ip src_port dst_port payload (bytes)
///   tcp                          ... src_port dst_port flags ("S", "SA", "F", "R", "P") payload
///   bootp.request / bootp.reply  DHCP ports without option 53
///   ipv4 / ipv6 / ether          anything else
///   capture.malformed            reason (a DHCP message whose option 53 is not a type 1..8 is
///                                malformed, with the DHCP fields decoded so far)
/// Every event also has from ("dut" | "lab" | "other": "other" while dut_mac is unknown) and
/// length (of the frame). IPv4 events have src_ip dst_ip ttl proto, and bad_checksum=ip when the
/// header checksum is wrong; a tagged frame has vlan. t is -1 (EventLog::add stamps it).
std::optional<Event> decodeFrame(std::span<const uint8_t> frame, const std::string& dut_mac);

}  // namespace phonelab::proto
