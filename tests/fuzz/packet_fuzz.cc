// libFuzzer target: the capture's frame decoder (Ethernet, ARP, IPv4, ICMP, UDP, TCP, DHCP, DNS,
// SIP): every frame on the lab wire, including malformed ones from the phone, goes through it.

#include <cstddef>
#include <cstdint>
#include <span>

#include "base/proto/packet.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto e = phonelab::proto::decodeFrame(std::span<const uint8_t>(data, size), "02:00:c6:12:00:0a");
  if (e) (void)e->describe();
  return 0;
}
