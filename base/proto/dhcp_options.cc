#include "base/proto/dhcp_options.h"

#include <cctype>
#include <charconv>
#include <cstdio>

#include "base/proto/dhcp.h"

namespace phonelab::proto::dhcp {

const std::vector<OptionDef>& optionTable() {
  using T = OptionType;
  using K = KeaCarriage;
  // clang-format off
  static const std::vector<OptionDef> table = {
    // code name                            type         Kea             kea_type        array  space                          requirement     description
    {1,   "subnet-mask",                    T::Ipv4,     K::Subnet,      "",             false, "",                            "DHCP-OPT-1",   "subnet mask"},
    {2,   "time-offset",                    T::I32,      K::Native,      "",             false, "",                            "DHCP-OPT-2",   "time offset from UTC, seconds"},
    {3,   "routers",                        T::Ipv4List, K::Native,      "",             false, "",                            "DHCP-OPT-3",   "default routers"},
    {4,   "time-servers",                   T::Ipv4List, K::Native,      "",             false, "",                            "",             "time servers (RFC 868 Time protocol, not NTP)"},
    {6,   "domain-name-servers",            T::Ipv4List, K::Native,      "",             false, "",                            "DHCP-OPT-6",   "DNS servers"},
    {12,  "host-name",                      T::String,   K::Native,      "",             false, "",                            "",             "client host name"},
    {15,  "domain-name",                    T::String,   K::Native,      "",             false, "",                            "DHCP-OPT-15",  "domain name (DNS search domain)"},
    {41,  "nis-servers",                    T::Ipv4List, K::Native,      "",             false, "",                            "",             "NIS servers (RFC 2132); the vendor's table calls 41 the lease time, which is 51"},
    {42,  "ntp-servers",                    T::Ipv4List, K::Native,      "",             false, "",                            "DHCP-OPT-42",  "NTP servers"},
    {43,  "vendor-encapsulated-options",    T::Binary,   K::RawHex,      "binary",       false, "vendor-encapsulated-options", "DHCP-OPT-43",  "vendor-specific information (TR-069 ACS discovery)"},
    {50,  "dhcp-requested-address",         T::Ipv4,     K::Client,      "",             false, "",                            "",             "requested address"},
    {51,  "dhcp-lease-time",                T::U32,      K::Subnet,      "",             false, "",                            "DHCP-OPT-41",  "address lease time, seconds"},
    {53,  "dhcp-message-type",              T::U8List,   K::Client,      "",             false, "",                            "",             "DHCP message type"},
    {54,  "dhcp-server-identifier",         T::Ipv4,     K::Client,      "",             false, "",                            "",             "server identifier"},
    {55,  "dhcp-parameter-request-list",    T::U8List,   K::Client,      "",             false, "",                            "",             "parameter request list"},
    {57,  "dhcp-max-message-size",          T::U16,      K::Client,      "",             false, "",                            "",             "maximum DHCP message size"},
    {58,  "dhcp-renewal-time",              T::U32,      K::Subnet,      "",             false, "",                            "",             "renewal time T1, seconds"},
    {59,  "dhcp-rebinding-time",            T::U32,      K::Subnet,      "",             false, "",                            "",             "rebinding time T2, seconds"},
    {60,  "vendor-class-identifier",        T::String,   K::Client,      "",             false, "",                            "DHCP-OPT-60",  "vendor class identifier"},
    {61,  "dhcp-client-identifier",         T::Binary,   K::Client,      "",             false, "",                            "",             "client identifier"},
    {66,  "tftp-server-name",               T::String,   K::Native,      "",             false, "",                            "DHCP-OPT-66",  "TFTP server name"},
    {125, "vivso-suboptions",               T::Binary,   K::RawHex,      "",             false, "",                            "DHCP-OPT-125", "vendor-identifying vendor-specific information (TR-069 ACS discovery)"},
    {150, "tftp-server-address",            T::Ipv4List, K::OptionDef,   "ipv4-address", true,  "",                            "DHCP-OPT-150", "TFTP server addresses (RFC 5859)"},
    {159, "provisioning-server-ip",         T::Ipv4,     K::RawHex,      "",             false, "",                            "DHCP-OPT-159", "provisioning server IP (Kea: natively v4-portparams, so raw 4 bytes)"},
    {160, "provisioning-url",               T::String,   K::OptionDef,   "string",       false, "",                            "DHCP-OPT-160", "provisioning URL"},
  };
  // clang-format on
  return table;
}

const OptionDef* findOption(uint8_t code) {
  for (const auto& d : optionTable()) {
    if (d.code == code) return &d;
  }
  return nullptr;
}

const OptionDef* findOption(std::string_view name_or_code) {
  unsigned code = 0;
  auto [end, ec] =
      std::from_chars(name_or_code.data(), name_or_code.data() + name_or_code.size(), code);
  if (ec == std::errc() && end == name_or_code.data() + name_or_code.size()) {
    return code <= 255 ? findOption(static_cast<uint8_t>(code)) : nullptr;
  }
  for (const auto& d : optionTable()) {
    if (d.name == name_or_code) return &d;
  }
  return nullptr;
}

namespace {

std::vector<std::string> splitList(std::string_view text) {
  std::vector<std::string> out;
  std::string cur;
  for (char c : text) {
    if (c == ',' || c == ' ' || c == ';') {
      if (!cur.empty()) out.push_back(cur);
      cur.clear();
    } else {
      cur += c;
    }
  }
  if (!cur.empty()) out.push_back(cur);
  return out;
}

template <typename Int>
bool parseInt(std::string_view s, Int& v) {
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  return ec == std::errc() && end == s.data() + s.size();
}

void appendBe(std::vector<uint8_t>& out, uint64_t v, int bytes) {
  for (int i = bytes - 1; i >= 0; --i) out.push_back(static_cast<uint8_t>(v >> (8 * i)));
}

std::string hex(std::span<const uint8_t> data) {
  std::string out;
  char buf[4];
  for (size_t i = 0; i < data.size(); ++i) {
    std::snprintf(buf, sizeof buf, "%02x", data[i]);
    if (i) out += ':';
    out += buf;
  }
  return out;
}

uint64_t readBe(std::span<const uint8_t> d) {
  uint64_t v = 0;
  for (uint8_t b : d) v = v << 8 | b;
  return v;
}

/// "1=http://acs;2=x" -> TLVs; for 125 (vendor-identifying) "3561:11=http://acs" -> enterprise
/// number, data length, TLVs (RFC 3925).
std::optional<std::vector<uint8_t>> encodeSubOptions(const OptionDef& def, std::string_view text,
                                                     std::string& error) {
  const std::string name =
      "option " + std::to_string(def.code) + " (" + std::string(def.name) + ")";
  std::vector<uint8_t> out;
  std::optional<uint32_t> enterprise;
  if (def.code == 125) {
    auto colon = text.find(':');
    uint32_t e = 0;
    if (colon == std::string_view::npos || !parseInt(text.substr(0, colon), e)) {
      error = name + " sub-options need an enterprise number first, e.g. 3561:11=http://acs";
      return std::nullopt;
    }
    enterprise = e;
    text = text.substr(colon + 1);
  }
  std::vector<uint8_t> tlvs;
  while (!text.empty()) {
    auto semi = text.find(';');
    std::string_view item = text.substr(0, semi);
    text = semi == std::string_view::npos ? std::string_view() : text.substr(semi + 1);
    auto eq = item.find('=');
    unsigned code = 0;
    if (eq == std::string_view::npos || !parseInt(item.substr(0, eq), code) || code > 254) {
      error = name + ": sub-option '" + std::string(item) + "' is not <code>=<text>";
      return std::nullopt;
    }
    std::string_view value = item.substr(eq + 1);
    if (value.size() > 255) {
      error = name + ": sub-option " + std::to_string(code) + " is longer than 255 bytes";
      return std::nullopt;
    }
    tlvs.push_back(static_cast<uint8_t>(code));
    tlvs.push_back(static_cast<uint8_t>(value.size()));
    tlvs.insert(tlvs.end(), value.begin(), value.end());
  }
  if (enterprise) {
    if (tlvs.size() > 255) {
      error = name + ": sub-options are longer than 255 bytes";
      return std::nullopt;
    }
    appendBe(out, *enterprise, 4);
    out.push_back(static_cast<uint8_t>(tlvs.size()));
  }
  out.insert(out.end(), tlvs.begin(), tlvs.end());
  return out;
}

}  // namespace

std::optional<std::vector<uint8_t>> encodeOptionValue(const OptionDef& def, std::string_view text,
                                                      std::string& error) {
  std::vector<uint8_t> out;
  const std::string name =
      "option " + std::to_string(def.code) + " (" + std::string(def.name) + ")";
  switch (def.type) {
    case OptionType::Ipv4:
    case OptionType::Ipv4List: {
      auto items = splitList(text);
      if (items.empty() || (def.type == OptionType::Ipv4 && items.size() != 1)) {
        error = name + " needs " +
                (def.type == OptionType::Ipv4 ? std::string("one IPv4 address")
                                              : std::string("one or more IPv4 addresses")) +
                ", got '" + std::string(text) + "'";
        return std::nullopt;
      }
      for (const auto& item : items) {
        auto ip = parseIp4(item);
        if (!ip) {
          error = name + ": '" + item + "' is not an IPv4 address";
          return std::nullopt;
        }
        out.insert(out.end(), ip->begin(), ip->end());
      }
      return out;
    }
    case OptionType::U16:
    case OptionType::U32: {
      uint64_t v = 0;
      const uint64_t max = def.type == OptionType::U16 ? 0xffff : 0xffffffffULL;
      if (!parseInt(text, v) || v > max) {
        error = name + " needs a number from 0 to " + std::to_string(max) + ", got '" +
                std::string(text) + "'";
        return std::nullopt;
      }
      appendBe(out, v, def.type == OptionType::U16 ? 2 : 4);
      return out;
    }
    case OptionType::I32: {
      int64_t v = 0;
      if (!parseInt(text, v) || v < INT32_MIN || v > INT32_MAX) {
        error = name + " needs a signed 32-bit number, got '" + std::string(text) + "'";
        return std::nullopt;
      }
      appendBe(out, static_cast<uint32_t>(static_cast<int32_t>(v)), 4);
      return out;
    }
    case OptionType::String:
      if (text.empty() || text.size() > 255) {
        error = name + " needs 1 to 255 characters";
        return std::nullopt;
      }
      return std::vector<uint8_t>(text.begin(), text.end());
    case OptionType::U8List:
      for (const auto& item : splitList(text)) {
        unsigned v = 0;
        if (!parseInt(std::string_view(item), v) || v > 255) {
          error = name + ": '" + item + "' is not a number from 0 to 255";
          return std::nullopt;
        }
        out.push_back(static_cast<uint8_t>(v));
      }
      return out;
    case OptionType::Binary: {
      if (text.find('=') != std::string_view::npos) return encodeSubOptions(def, text, error);
      std::string digits;
      for (char c : text) {
        if (c == ':' || c == ' ' || c == '-') continue;
        if (!std::isxdigit(static_cast<unsigned char>(c))) {
          error = name + " needs hex bytes like 01:04:c6:12:00:06, got '" + std::string(text) + "'";
          return std::nullopt;
        }
        digits += c;
      }
      if (digits.empty() || digits.size() % 2) {
        error = name + " needs whole hex bytes, got '" + std::string(text) + "'";
        return std::nullopt;
      }
      for (size_t i = 0; i < digits.size(); i += 2) {
        out.push_back(static_cast<uint8_t>(std::stoi(digits.substr(i, 2), nullptr, 16)));
      }
      return out;
    }
  }
  error = name + ": unsupported type";
  return std::nullopt;
}

std::string formatOptionValue(const OptionDef* def, std::span<const uint8_t> d) {
  if (!def) return hex(d);
  auto malformed = [&] { return "malformed: " + hex(d); };
  switch (def->type) {
    case OptionType::Ipv4:
    case OptionType::Ipv4List: {
      if (d.empty() || d.size() % 4 || (def->type == OptionType::Ipv4 && d.size() != 4)) {
        return malformed();
      }
      std::string out;
      for (size_t i = 0; i < d.size(); i += 4) {
        if (i) out += ',';
        out += ip4String(Ip4{d[i], d[i + 1], d[i + 2], d[i + 3]});
      }
      return out;
    }
    case OptionType::U16:
      return d.size() == 2 ? std::to_string(readBe(d)) : malformed();
    case OptionType::U32:
      return d.size() == 4 ? std::to_string(readBe(d)) : malformed();
    case OptionType::I32:
      return d.size() == 4 ? std::to_string(static_cast<int32_t>(static_cast<uint32_t>(readBe(d))))
                           : malformed();
    case OptionType::String: {
      std::string out;
      for (uint8_t c : d) {
        if (c >= 0x20 && c < 0x7f) {
          out += static_cast<char>(c);
        } else {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\x%02x", c);
          out += buf;
        }
      }
      return out;
    }
    case OptionType::U8List: {
      std::string out;
      for (size_t i = 0; i < d.size(); ++i) out += (i ? "," : "") + std::to_string(d[i]);
      return out;
    }
    case OptionType::Binary:
      return hex(d);
  }
  return hex(d);
}

}  // namespace phonelab::proto::dhcp
