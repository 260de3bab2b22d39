#include "emulator/frames.h"

#include <algorithm>

namespace phonelab::emulator {

namespace {
void put16(std::vector<uint8_t>& v, size_t at, uint16_t x) {
  v[at] = static_cast<uint8_t>(x >> 8);
  v[at + 1] = static_cast<uint8_t>(x);
}
uint16_t get16(const uint8_t* p) {
  return static_cast<uint16_t>((p[0] << 8) | p[1]);
}
}  // namespace

uint16_t inetChecksum(std::span<const uint8_t> data, uint32_t initial) {
  uint32_t sum = initial;
  size_t i = 0;
  for (; i + 1 < data.size(); i += 2) sum += static_cast<uint32_t>((data[i] << 8) | data[i + 1]);
  if (i < data.size()) sum += static_cast<uint32_t>(data[i] << 8);
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  return static_cast<uint16_t>(~sum & 0xffff);
}

std::vector<uint8_t> buildUdpFrame(const UdpFrame& f) {
  const size_t udp_len = 8 + f.payload.size();
  const size_t ip_len = 20 + udp_len;
  std::vector<uint8_t> v(14 + ip_len, 0);
  std::copy(f.dst_mac.begin(), f.dst_mac.end(), v.begin());
  std::copy(f.src_mac.begin(), f.src_mac.end(), v.begin() + 6);
  put16(v, 12, 0x0800);
  const size_t ip = 14;
  v[ip] = 0x45;
  v[ip + 1] = 0x10;  // DSCP/TOS: low delay, as DHCP clients commonly send
  put16(v, ip + 2, static_cast<uint16_t>(ip_len));
  v[ip + 8] = 64;  // TTL
  v[ip + 9] = 17;  // UDP
  std::copy(f.src_ip.begin(), f.src_ip.end(), v.begin() + ip + 12);
  std::copy(f.dst_ip.begin(), f.dst_ip.end(), v.begin() + ip + 16);
  put16(v, ip + 10, inetChecksum(std::span<const uint8_t>(v.data() + ip, 20)));
  const size_t udp = ip + 20;
  put16(v, udp, f.src_port);
  put16(v, udp + 2, f.dst_port);
  put16(v, udp + 4, static_cast<uint16_t>(udp_len));
  std::copy(f.payload.begin(), f.payload.end(), v.begin() + udp + 8);
  // UDP checksum over the pseudo header + UDP header + payload.
  uint32_t pseudo = 0;
  pseudo += get16(&f.src_ip[0]) + get16(&f.src_ip[2]);
  pseudo += get16(&f.dst_ip[0]) + get16(&f.dst_ip[2]);
  pseudo += 17 + static_cast<uint32_t>(udp_len);
  uint16_t c = inetChecksum(std::span<const uint8_t>(v.data() + udp, udp_len), pseudo);
  put16(v, udp + 6, c == 0 ? 0xffff : c);
  return v;
}

std::optional<UdpFrame> parseUdpFrame(std::span<const uint8_t> frame, bool udp_checksum_pending) {
  if (frame.size() < 14 + 20 + 8) return std::nullopt;
  const uint8_t* p = frame.data();
  if (get16(p + 12) != 0x0800) return std::nullopt;
  const uint8_t* ip = p + 14;
  const size_t avail = frame.size() - 14;
  if ((ip[0] >> 4) != 4) return std::nullopt;
  const size_t ihl = static_cast<size_t>(ip[0] & 0x0f) * 4;
  if (ihl < 20 || ihl > avail) return std::nullopt;
  const size_t total = get16(ip + 2);
  if (total < ihl + 8 || total > avail) return std::nullopt;
  if (ip[9] != 17) return std::nullopt;
  if ((get16(ip + 6) & 0x3fff) != 0) return std::nullopt;  // fragment
  if (inetChecksum(std::span<const uint8_t>(ip, ihl)) != 0) return std::nullopt;
  const uint8_t* udp = ip + ihl;
  const size_t udp_len = get16(udp + 4);
  if (udp_len < 8 || udp_len > total - ihl) return std::nullopt;
  // UDP checksum (0 = none sent) over the pseudo header, the UDP header and the payload.
  if (get16(udp + 6) != 0 && !udp_checksum_pending) {
    uint32_t pseudo = get16(ip + 12) + get16(ip + 14) + get16(ip + 16) + get16(ip + 18);
    pseudo += 17 + static_cast<uint32_t>(udp_len);
    if (inetChecksum(std::span<const uint8_t>(udp, udp_len), pseudo) != 0) return std::nullopt;
  }
  UdpFrame f;
  std::copy(p, p + 6, f.dst_mac.begin());
  std::copy(p + 6, p + 12, f.src_mac.begin());
  std::copy(ip + 12, ip + 16, f.src_ip.begin());
  std::copy(ip + 16, ip + 20, f.dst_ip.begin());
  f.src_port = get16(udp);
  f.dst_port = get16(udp + 2);
  f.payload.assign(udp + 8, udp + udp_len);
  return f;
}

std::vector<uint8_t> buildGratuitousArp(const Mac& mac, const Ip4& ip) {
  std::vector<uint8_t> v(42, 0);
  std::fill(v.begin(), v.begin() + 6, 0xff);
  std::copy(mac.begin(), mac.end(), v.begin() + 6);
  put16(v, 12, 0x0806);
  put16(v, 14, 1);       // htype Ethernet
  put16(v, 16, 0x0800);  // ptype IPv4
  v[18] = 6;
  v[19] = 4;
  put16(v, 20, 1);  // request
  std::copy(mac.begin(), mac.end(), v.begin() + 22);
  std::copy(ip.begin(), ip.end(), v.begin() + 28);
  // target MAC stays zero
  std::copy(ip.begin(), ip.end(), v.begin() + 38);
  return v;
}

}  // namespace phonelab::emulator
