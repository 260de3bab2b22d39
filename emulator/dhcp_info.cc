#include "emulator/dhcp_info.h"

#include <algorithm>

#include "emulator/netif.h"

namespace phonelab::emulator {

namespace {

template <class T>
Decoded<T> ok(T v) {
  Decoded<T> d;
  d.value = std::move(v);
  return d;
}

template <class T>
Decoded<T> bad(std::string why, bool length = false) {
  Decoded<T> d;
  d.error = std::move(why);
  d.bad_length = length;
  return d;
}

uint32_t be32(const uint8_t* p) {
  return static_cast<uint32_t>(p[0]) << 24 | static_cast<uint32_t>(p[1]) << 16 |
         static_cast<uint32_t>(p[2]) << 8 | p[3];
}

bool printable(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) {
    auto u = static_cast<unsigned char>(c);
    return u >= 0x20 && u < 0x7f;
  });
}

std::string_view stripNuls(std::span<const uint8_t> d) {
  std::string_view s(reinterpret_cast<const char*>(d.data()), d.size());
  while (!s.empty() && s.back() == '\0') s.remove_suffix(1);
  return s;
}

/// Sub-option TLVs (code, length, data); 0 is a pad, 255 ends. nullopt when a length runs past
/// the end of the data.
std::optional<std::vector<std::pair<uint8_t, std::span<const uint8_t>>>> parseTlvs(
    std::span<const uint8_t> d) {
  std::vector<std::pair<uint8_t, std::span<const uint8_t>>> out;
  size_t i = 0;
  while (i < d.size()) {
    uint8_t code = d[i];
    if (code == 0) {
      ++i;
      continue;
    }
    if (code == 255) break;
    if (i + 1 >= d.size()) return std::nullopt;
    size_t len = d[i + 1];
    if (i + 2 + len > d.size()) return std::nullopt;
    out.emplace_back(code, d.subspan(i + 2, len));
    i += 2 + len;
  }
  return out;
}

Decoded<std::string> urlText(std::span<const uint8_t> d, const std::string& what) {
  auto s = stripNuls(d);
  if (s.empty()) return bad<std::string>(what + " is empty");
  if (!printable(s)) return bad<std::string>(what + " contains non-printable bytes");
  return ok(std::string(s));
}

std::string lengthError(size_t n, const char* want) {
  return "length " + std::to_string(n) + " " + want;
}

}  // namespace

Decoded<Ip4> decodeIp4(std::span<const uint8_t> d) {
  if (d.size() != 4) return bad<Ip4>(lengthError(d.size(), "is not 4"), true);
  Ip4 a;
  std::copy(d.begin(), d.end(), a.begin());
  return ok(a);
}

Decoded<Ip4> decodeNetmask(std::span<const uint8_t> d) {
  auto a = decodeIp4(d);
  if (!a) return a;
  if (prefixLength(*a.value) <= 0)
    return bad<Ip4>(proto::dhcp::ip4String(*a.value) + " is not a usable netmask");
  return a;
}

Decoded<std::vector<Ip4>> decodeIp4List(std::span<const uint8_t> d) {
  if (d.empty() || d.size() % 4 != 0)
    return bad<std::vector<Ip4>>(
        lengthError(d.size(), d.empty() ? "(empty)" : "is not a multiple of 4"), true);
  std::vector<Ip4> out;
  for (size_t i = 0; i < d.size(); i += 4) {
    Ip4 a;
    std::copy(d.begin() + static_cast<long>(i), d.begin() + static_cast<long>(i) + 4, a.begin());
    out.push_back(a);
  }
  return ok(std::move(out));
}

Decoded<int32_t> decodeTimeOffset(std::span<const uint8_t> d) {
  if (d.size() != 4) return bad<int32_t>(lengthError(d.size(), "is not 4"), true);
  auto v = static_cast<int32_t>(be32(d.data()));
  if (v > 86400 || v < -86400)
    return bad<int32_t>(std::to_string(v) + " s is more than a day away from UTC");
  return ok(v);
}

Decoded<uint32_t> decodeU32(std::span<const uint8_t> d) {
  if (d.size() != 4) return bad<uint32_t>(lengthError(d.size(), "is not 4"), true);
  return ok(be32(d.data()));
}

Decoded<std::string> decodeText(std::span<const uint8_t> d) {
  if (d.empty()) return bad<std::string>(lengthError(0, "(empty)"), true);
  return urlText(d, "the text");
}

bool isHostName(std::string_view s) {
  if (s.empty() || s.size() > 253) return false;
  if (s.back() == '.') s.remove_suffix(1);
  size_t start = 0;
  for (;;) {
    size_t dot = s.find('.', start);
    std::string_view label = s.substr(start, dot == std::string_view::npos ? s.npos : dot - start);
    if (label.empty() || label.size() > 63) return false;
    for (char c : label) {
      bool good = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                  c == '-' || c == '_';
      if (!good) return false;
    }
    if (dot == std::string_view::npos) return true;
    start = dot + 1;
  }
}

Decoded<std::string> decodeHostName(std::span<const uint8_t> d) {
  if (d.empty()) return bad<std::string>(lengthError(0, "(empty)"), true);
  auto s = stripNuls(d);
  if (!isHostName(s)) {
    if (!printable(s)) return bad<std::string>("not a host name (non-printable bytes)");
    return bad<std::string>("\"" + std::string(s) + "\" is not a host name or address");
  }
  return ok(std::string(s));
}

Decoded<std::string> decodeAcs43(std::span<const uint8_t> d, bool first_suboption) {
  if (d.empty()) return bad<std::string>(lengthError(0, "(empty)"), true);
  if (auto tlvs = parseTlvs(d)) {
    // The fault: a parser that reads the first TLV's value without looking at its code.
    if (first_suboption && !tlvs->empty())
      return urlText(tlvs->front().second, "the first sub-option (taken as the ACS URL)");
    for (auto& [code, data] : *tlvs) {
      if (code == 1) return urlText(data, "sub-option 1 (ACS URL)");
    }
    // Valid TLVs without sub-option 1 might still be a bare URL that happens to parse; a URL
    // always has "://".
    auto s = stripNuls(d);
    if (s.find("://") == std::string_view::npos || !printable(s))
      return bad<std::string>("sub-options without sub-option 1 (ACS URL)");
  }
  auto s = urlText(d, "the option (not sub-options, taken as a URL)");
  if (s && s.value->find("://") == std::string::npos)
    return bad<std::string>("neither sub-options nor a URL: \"" + *s.value + "\"");
  return s;
}

Decoded<std::string> decodeAcs125(std::span<const uint8_t> d, bool any_enterprise) {
  if (d.size() < 5) return bad<std::string>(lengthError(d.size(), "is shorter than 5"), true);
  size_t i = 0;
  bool saw_bbf = false;
  while (i < d.size()) {
    if (i + 5 > d.size())
      return bad<std::string>("truncated enterprise block at byte " + std::to_string(i), true);
    uint32_t enterprise = be32(d.data() + i);
    size_t len = d[i + 4];
    if (i + 5 + len > d.size())
      return bad<std::string>("enterprise " + std::to_string(enterprise) + " data length " +
                                  std::to_string(len) + " runs past the end",
                              true);
    auto data = d.subspan(i + 5, len);
    // The fault: the enterprise number is read past, not compared.
    if (enterprise == 3561 || any_enterprise) {
      saw_bbf = true;
      auto tlvs = parseTlvs(data);
      if (!tlvs)
        return bad<std::string>("enterprise 3561: a sub-option length runs past the end", true);
      for (auto& [code, v] : *tlvs) {
        if (code == 11) return urlText(v, "enterprise 3561 sub-option 11 (ACS URL)");
      }
    }
    i += 5 + len;
  }
  return bad<std::string>(saw_bbf ? "enterprise 3561 without sub-option 11 (ACS URL)"
                                  : "no enterprise 3561 (Broadband Forum) block");
}

std::string describe(const DhcpInfo::Problem& p) {
  return "option " + std::to_string(p.code) + ": " + p.why;
}

DhcpInfo decodeDhcpInfo(const proto::dhcp::Message& m, const std::set<uint8_t>& ignore,
                        const DecodeFaults& faults) {
  DhcpInfo info;
  for (const auto& o : m.options) {
    // The first instance of a code counts (Message::option semantics).
    if (m.option(o.code) != &o) continue;
    auto record = [&](auto& decoded, auto& target) {
      if (decoded) {
        target = std::move(*decoded.value);
      } else {
        info.problems.push_back({o.code, decoded.error, decoded.bad_length});
      }
    };
    switch (o.code) {
      case 1:
      case 2:
      case 3:
      case 6:
      case 15:
      case 42:
      case 43:
      case 51:
      case 58:
      case 59:
      case 66:
      case 125:
      case 150:
      case 159:
      case 160:
        if (ignore.count(o.code)) {
          info.ignored.push_back(o.code);
          continue;
        }
        break;
      default:
        continue;
    }
    std::span<const uint8_t> d(o.data);
    switch (o.code) {
      case 1: {
        auto v = decodeNetmask(d);
        record(v, info.netmask);
        break;
      }
      case 2: {
        auto v = decodeTimeOffset(d);
        record(v, info.time_offset);
        break;
      }
      case 3: {
        auto v = decodeIp4List(d);
        if (v) {
          info.router = v.value->front();
          if (faults.router_last && v.value->size() > 1) {
            // The fault: a loop that stores each router in one variable, so the last one stays.
            info.router = v.value->back();
            info.fault_notes.push_back("router-last-address: taking " +
                                       proto::dhcp::ip4String(*info.router) +
                                       ", the last router of option 3");
          }
        } else {
          info.problems.push_back({o.code, v.error, v.bad_length});
        }
        break;
      }
      case 6: {
        auto v = decodeIp4List(d);
        record(v, info.dns);
        break;
      }
      case 15: {
        auto v = decodeHostName(d);
        record(v, info.domain);
        break;
      }
      case 42: {
        auto v = decodeIp4List(d);
        if (v && faults.ntp_last && v.value->size() > 1) {
          // The fault: the same loop as router-last-address, for the NTP servers.
          v.value = std::vector<Ip4>{v.value->back()};
          info.fault_notes.push_back("ntp-last-server: taking " +
                                     proto::dhcp::ip4String(v.value->front()) +
                                     ", the last NTP server of option 42");
        }
        record(v, info.ntp);
        break;
      }
      case 43: {
        auto v = decodeAcs43(d, faults.acs43_first_suboption);
        record(v, info.acs_url_43);
        break;
      }
      case 51: {
        auto v = decodeU32(d);
        record(v, info.lease);
        break;
      }
      case 58: {
        auto v = decodeU32(d);
        record(v, info.t1);
        break;
      }
      case 59: {
        auto v = decodeU32(d);
        record(v, info.t2);
        break;
      }
      case 66: {
        auto v = decodeHostName(d);
        // A URL in option 66 is common in the field; accept it as text.
        if (!v) {
          auto t = decodeText(d);
          if (t && t.value->find("://") != std::string::npos) v = t;
        }
        record(v, info.tftp_server_66);
        break;
      }
      case 125: {
        auto v = decodeAcs125(d, faults.acs125_any_enterprise);
        record(v, info.acs_url_125);
        break;
      }
      case 150: {
        auto v = decodeIp4List(d);
        if (v && faults.tftp150_last && v.value->size() > 1) {
          // The fault: a loop that stores each address in one variable, so the last one stays.
          v.value = std::vector<Ip4>{v.value->back()};
          info.fault_notes.push_back("option-150-last-address: taking " +
                                     proto::dhcp::ip4String(v.value->front()) +
                                     ", the last address of option 150");
        }
        record(v, info.tftp_150);
        break;
      }
      case 159: {
        auto v = decodeIp4(d);
        if (v && faults.ip159_byte_order) {
          // The fault: the 4 bytes copied into a host-order integer (little-endian) and used
          // without ntohl, so the address comes out reversed.
          std::reverse(v.value->begin(), v.value->end());
          info.fault_notes.push_back("option-159-byte-order: option 159 read as " +
                                     proto::dhcp::ip4String(*v.value));
        }
        record(v, info.prov_ip_159);
        break;
      }
      case 160: {
        auto v = decodeText(d);
        record(v, info.prov_url_160);
        break;
      }
      default:
        break;
    }
  }
  return info;
}

}  // namespace phonelab::emulator
