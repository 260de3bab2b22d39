#include "emulator/netproto.h"

#include <cmath>
#include <cstdio>
#include <ctime>

#include "emulator/config.h"
#include "emulator/dhcp_info.h"

namespace phonelab::emulator {

namespace {

void put16(Bytes& b, uint16_t v) {
  b.push_back(static_cast<uint8_t>(v >> 8));
  b.push_back(static_cast<uint8_t>(v));
}

uint16_t get16(std::span<const uint8_t> m, size_t at) {
  return static_cast<uint16_t>(m[at] << 8 | m[at + 1]);
}

uint64_t get64(std::span<const uint8_t> m, size_t at) {
  uint64_t v = 0;
  for (size_t i = 0; i < 8; ++i) v = v << 8 | m[at + i];
  return v;
}

/// Skips an encoded name at `at` (labels or a compression pointer). Returns the offset after it,
/// or nullopt when it runs past the end or uses a reserved label type.
std::optional<size_t> skipName(std::span<const uint8_t> m, size_t at) {
  for (int labels = 0; labels < 128; ++labels) {
    if (at >= m.size()) return std::nullopt;
    uint8_t len = m[at];
    if (len == 0) return at + 1;
    if ((len & 0xc0) == 0xc0) {
      if (at + 2 > m.size()) return std::nullopt;
      return at + 2;  // a pointer ends the name
    }
    if ((len & 0xc0) != 0) return std::nullopt;
    at += 1 + len;
  }
  return std::nullopt;
}

}  // namespace

std::optional<Bytes> buildDnsQuery(uint16_t id, std::string_view name) {
  if (!name.empty() && name.back() == '.') name.remove_suffix(1);
  if (!isHostName(name)) return std::nullopt;
  Bytes b;
  put16(b, id);
  put16(b, 0x0100);  // standard query, recursion desired
  put16(b, 1);       // QDCOUNT
  put16(b, 0);
  put16(b, 0);
  put16(b, 0);
  size_t start = 0;
  for (;;) {
    size_t dot = name.find('.', start);
    auto label = name.substr(start, dot == std::string_view::npos ? name.npos : dot - start);
    b.push_back(static_cast<uint8_t>(label.size()));
    b.insert(b.end(), label.begin(), label.end());
    if (dot == std::string_view::npos) break;
    start = dot + 1;
  }
  b.push_back(0);
  put16(b, 1);  // QTYPE A
  put16(b, 1);  // QCLASS IN
  return b;
}

std::optional<DnsAnswer> parseDnsResponse(std::span<const uint8_t> m, uint16_t id,
                                          std::string* error) {
  auto fail = [&](const std::string& why) -> std::optional<DnsAnswer> {
    if (error) *error = why;
    return std::nullopt;
  };
  if (m.size() < 12) return fail("shorter than a DNS header (" + std::to_string(m.size()) + ")");
  if (get16(m, 0) != id) return fail("id " + std::to_string(get16(m, 0)) + " is not ours");
  uint16_t flags = get16(m, 2);
  if (!(flags & 0x8000)) return fail("not a response (QR 0)");
  if (flags & 0x0200) return fail("truncated (TC 1)");
  DnsAnswer a;
  a.rcode = static_cast<uint8_t>(flags & 0x0f);
  uint16_t qd = get16(m, 4), an = get16(m, 6);
  size_t at = 12;
  for (uint16_t i = 0; i < qd; ++i) {
    auto next = skipName(m, at);
    if (!next || *next + 4 > m.size()) return fail("question " + std::to_string(i) + " truncated");
    at = *next + 4;
  }
  for (uint16_t i = 0; i < an; ++i) {
    auto next = skipName(m, at);
    if (!next || *next + 10 > m.size()) return fail("answer " + std::to_string(i) + " truncated");
    at = *next;
    uint16_t type = get16(m, at), cls = get16(m, at + 2), rdlen = get16(m, at + 8);
    at += 10;
    if (at + rdlen > m.size())
      return fail("answer " + std::to_string(i) + " data length " + std::to_string(rdlen) +
                  " runs past the end");
    if (type == 1 && cls == 1) {
      if (rdlen != 4) return fail("A record with data length " + std::to_string(rdlen));
      a.addresses.push_back({m[at], m[at + 1], m[at + 2], m[at + 3]});
    }
    at += rdlen;
  }
  return a;
}

std::vector<std::string> dnsCandidates(std::string_view host, std::string_view domain,
                                       bool without_dot, bool always) {
  std::string h(host);
  if (!h.empty() && h.back() == '.') return {h.substr(0, h.size() - 1)};
  if ((always || h.find('.') == std::string::npos) && !domain.empty()) {
    std::string d(domain);
    if (d.back() == '.') d.pop_back();
    // without_dot: fault domain-joined-without-dot, the two are concatenated as they are.
    return {h + (without_dot ? "" : ".") + d};
  }
  return {h};
}

uint64_t ntpTimestamp(double unix_seconds) {
  double whole = std::floor(unix_seconds);
  auto secs = static_cast<uint64_t>(whole) + kNtpUnixOffset;
  auto frac = static_cast<uint64_t>((unix_seconds - whole) * 4294967296.0);
  return (secs & 0xffffffffULL) << 32 | (frac & 0xffffffffULL);
}

Bytes buildNtpRequest(double unix_seconds) {
  Bytes b(48, 0);
  b[0] = 0x23;  // LI 0, VN 4, mode 3 (client)
  uint64_t ts = ntpTimestamp(unix_seconds);
  for (int i = 0; i < 8; ++i)
    b[40 + static_cast<size_t>(i)] = static_cast<uint8_t>(ts >> (56 - 8 * i));
  return b;
}

std::optional<NtpReply> parseNtpReply(std::span<const uint8_t> m, uint64_t our_transmit,
                                      std::string* error) {
  auto fail = [&](const std::string& why) -> std::optional<NtpReply> {
    if (error) *error = why;
    return std::nullopt;
  };
  if (m.size() < 48) return fail("shorter than 48 bytes (" + std::to_string(m.size()) + ")");
  int mode = m[0] & 7, vn = (m[0] >> 3) & 7;
  if (mode != 4) return fail("mode " + std::to_string(mode) + " is not 4 (server)");
  if (vn != 3 && vn != 4) return fail("version " + std::to_string(vn));
  NtpReply r;
  r.stratum = m[1];
  if (r.stratum == 0) {
    std::string code(reinterpret_cast<const char*>(m.data() + 12), 4);
    for (auto& c : code)
      if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) >= 0x7f) c = '?';
    return fail("kiss-o'-death \"" + code + "\" (stratum 0)");
  }
  if (r.stratum > 15) return fail("stratum " + std::to_string(r.stratum) + " (unsynchronised)");
  if (get64(m, 24) != our_transmit) return fail("originate timestamp is not our transmit time");
  uint64_t tx = get64(m, 40);
  if (tx == 0) return fail("transmit timestamp 0");
  // Era 0 only; NTP seconds before 1970 mean era 1 (after 2036).
  double secs = static_cast<double>(tx >> 32);
  if (secs < static_cast<double>(kNtpUnixOffset)) secs += 4294967296.0;
  r.transmit_unix = secs - static_cast<double>(kNtpUnixOffset) +
                    static_cast<double>(tx & 0xffffffffULL) / 4294967296.0;
  return r;
}

std::optional<Bytes> buildTftpRrq(std::string_view file) {
  if (file.empty() || file.find('\0') != std::string_view::npos || file.size() > 400)
    return std::nullopt;
  Bytes b;
  put16(b, 1);
  b.insert(b.end(), file.begin(), file.end());
  b.push_back(0);
  for (char c : std::string_view("octet")) b.push_back(static_cast<uint8_t>(c));
  b.push_back(0);
  return b;
}

Bytes buildTftpAck(uint16_t block) {
  Bytes b;
  put16(b, 4);
  put16(b, block);
  return b;
}

std::optional<TftpPacket> parseTftpPacket(std::span<const uint8_t> m, std::string* error) {
  auto fail = [&](const std::string& why) -> std::optional<TftpPacket> {
    if (error) *error = why;
    return std::nullopt;
  };
  if (m.size() < 4) return fail("shorter than 4 bytes (" + std::to_string(m.size()) + ")");
  TftpPacket p;
  uint16_t op = get16(m, 0);
  if (op == 3) {
    if (m.size() > 4 + 512) return fail("DATA with " + std::to_string(m.size() - 4) + " bytes");
    p.kind = TftpPacket::Kind::Data;
    p.block = get16(m, 2);
    p.data.assign(m.begin() + 4, m.end());
    return p;
  }
  if (op == 5) {
    p.kind = TftpPacket::Kind::Error;
    p.error_code = get16(m, 2);
    size_t i = 4;
    while (i < m.size() && m[i] != 0) ++i;
    if (i == m.size()) return fail("ERROR message without its terminating NUL");
    for (size_t k = 4; k < i; ++k) {
      char c = static_cast<char>(m[k]);
      p.error_message += (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) ? '?' : c;
    }
    return p;
  }
  return fail("opcode " + std::to_string(op) + " is not DATA or ERROR");
}

std::string ouiOf(const proto::dhcp::Mac& mac) {
  char b[7];
  std::snprintf(b, sizeof b, "%02X%02X%02X", mac[0], mac[1], mac[2]);
  return b;
}

std::string isoTime(double unix_seconds) {
  auto t = static_cast<std::time_t>(std::floor(unix_seconds));
  std::tm tm{};
  gmtime_r(&t, &tm);
  char b[32];
  std::strftime(b, sizeof b, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return b;
}

std::string buildCwmpInform(const InformParams& p) {
  auto param = [](const char* name, const std::string& v) {
    return std::string("<ParameterValueStruct><Name>") + name +
           "</Name><Value xsi:type=\"xsd:string\">" + xmlEscape(v) +
           "</Value></ParameterValueStruct>\n";
  };
  std::string params = param("Device.DeviceInfo.SoftwareVersion", p.software_version) +
                       param("Device.ManagementServer.ConnectionRequestURL", "") +
                       param("Device.LAN.IPAddress", p.ip);
  return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
         "<soap-env:Envelope xmlns:soap-env=\"http://schemas.xmlsoap.org/soap/envelope/\" "
         "xmlns:soap-enc=\"http://schemas.xmlsoap.org/soap/encoding/\" "
         "xmlns:xsd=\"http://www.w3.org/2001/XMLSchema\" "
         "xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" "
         "xmlns:cwmp=\"urn:dslforum-org:cwmp-1-0\">\n"
         "<soap-env:Header><cwmp:ID soap-env:mustUnderstand=\"1\">1</cwmp:ID></soap-env:Header>\n"
         "<soap-env:Body>\n<cwmp:Inform>\n<DeviceId><Manufacturer>" +
         xmlEscape(p.manufacturer) + "</Manufacturer><OUI>" + xmlEscape(p.oui) +
         "</OUI><ProductClass>" + xmlEscape(p.product_class) + "</ProductClass><SerialNumber>" +
         xmlEscape(p.serial) +
         "</SerialNumber></DeviceId>\n"
         "<Event soap-enc:arrayType=\"cwmp:EventStruct[1]\"><EventStruct><EventCode>1 "
         "BOOT</EventCode><CommandKey></CommandKey></EventStruct></Event>\n"
         "<MaxEnvelopes>1</MaxEnvelopes><CurrentTime>" +
         xmlEscape(p.current_time) +
         "</CurrentTime><RetryCount>0</RetryCount>\n"
         "<ParameterList soap-enc:arrayType=\"cwmp:ParameterValueStruct[3]\">\n" +
         params + "</ParameterList>\n</cwmp:Inform>\n</soap-env:Body>\n</soap-env:Envelope>\n";
}

}  // namespace phonelab::emulator
