#include "emulator/provisioning.h"

#include <algorithm>
#include <cstdio>

namespace phonelab::emulator {

namespace dhcp = proto::dhcp;

std::string productSeries(std::string_view model) {
  size_t i = 0;
  while (i < model.size()) {
    size_t end = model.find('-', i);
    if (end == std::string_view::npos) end = model.size();
    auto part = model.substr(i, end - i);
    bool digits = !part.empty();
    for (char c : part) digits = digits && c >= '0' && c <= '9';
    if (digits) return std::string(part);
    i = end + 1;
  }
  return "";
}

std::string expandMacros(std::string_view text, const DeviceIdentity& id) {
  std::string ma;
  for (auto b : id.mac) {
    char h[3];
    std::snprintf(h, sizeof h, "%02x", b);
    ma += h;
  }
  const std::pair<std::string_view, std::string> macros[] = {
      {"PSN", productSeries(id.model)}, {"MA", ma}, {"SN", id.serial}};
  std::string out;
  for (size_t i = 0; i < text.size();) {
    if (text[i] != '$') {
      out += text[i++];
      continue;
    }
    bool done = false;
    for (const auto& [name, value] : macros) {
      std::string braced = "(" + std::string(name) + ")";
      if (text.substr(i + 1, braced.size()) == braced) {
        out += value;
        i += 1 + braced.size();
        done = true;
        break;
      }
      if (text.substr(i + 1, name.size()) == name) {
        out += value;
        i += 1 + name.size();
        done = true;
        break;
      }
    }
    if (!done) out += text[i++];
  }
  return out;
}

std::string profileName(std::string_view profile_rule, const DeviceIdentity& id) {
  std::string s = expandMacros(profile_rule, id);
  while (!s.empty() && s.front() == '/') s.erase(0, 1);
  return s;
}

std::vector<int> parseOptionOrder(std::string_view order, std::vector<std::string>* bad) {
  std::vector<int> out;
  size_t i = 0;
  while (i <= order.size()) {
    size_t end = order.find(',', i);
    if (end == std::string_view::npos) end = order.size();
    auto w = order.substr(i, end - i);
    while (!w.empty() && (w.front() == ' ' || w.front() == '\t')) w.remove_prefix(1);
    while (!w.empty() && (w.back() == ' ' || w.back() == '\t')) w.remove_suffix(1);
    if (!w.empty()) {
      bool digits = w.size() <= 3;
      int v = 0;
      for (char c : w) {
        digits = digits && c >= '0' && c <= '9';
        if (digits) v = v * 10 + (c - '0');
      }
      if (digits && v <= 255) {
        out.push_back(v);
      } else if (bad) {
        bad->emplace_back(w);
      }
    }
    i = end + 1;
  }
  return out;
}

std::optional<ProvisioningChoice> chooseProvisioning(std::string_view order, const DhcpInfo& info,
                                                     std::string_view profile,
                                                     const DeviceIdentity& id,
                                                     const ProvisioningFaults& faults) {
  const std::string file(profile);
  std::vector<int> codes = parseOptionOrder(order);
  // Fault provisioning-order-by-code: the options are walked in the order of their codes (as a
  // loop over the DHCPACK's decoded options would), not in DHCP_Option_To_Use's order.
  if (faults.order_by_code) std::sort(codes.begin(), codes.end());
  std::optional<ProvisioningChoice> last;  // fault provisioning-last-option-wins
  auto found = [&](ProvisioningChoice c) -> bool {
    if (!faults.last_wins) return true;
    last = std::move(c);
    return false;
  };
  for (int code : codes) {
    std::optional<ProvisioningChoice> c;
    switch (code) {
      case 66:
        // Fault option-66-address-only: 66 goes through an address parser (inet_aton), so a
        // host name in it is taken as invalid and skipped.
        if (!info.tftp_server_66.empty() && faults.address_only_66 &&
            !dhcp::parseIp4(info.tftp_server_66))
          break;
        if (!info.tftp_server_66.empty()) {
          if (info.tftp_server_66.find("://") != std::string::npos)
            c = ProvisioningChoice{66, expandMacros(info.tftp_server_66, id)};
          else
            c = ProvisioningChoice{66, "tftp://" + info.tftp_server_66 + "/" + file};
        }
        break;
      case 160:
        if (!info.prov_url_160.empty()) {
          std::string url = expandMacros(info.prov_url_160, id);
          // Fault option-160-scheme-ignored: a handler written for TFTP strips any scheme.
          if (auto sep = url.find("://"); faults.scheme_160_ignored && sep != std::string::npos)
            url = url.substr(sep + 3);
          if (url.find("://") == std::string::npos) url = "tftp://" + url;
          c = ProvisioningChoice{160, url};
        }
        break;
      case 159:
        if (info.prov_ip_159)
          c = ProvisioningChoice{159, "tftp://" + dhcp::ip4String(*info.prov_ip_159) + "/" + file};
        break;
      case 150:
        if (!info.tftp_150.empty())
          c = ProvisioningChoice{150,
                                 "tftp://" + dhcp::ip4String(info.tftp_150.front()) + "/" + file};
        break;
      default:
        break;  // 60, 43, 125 and anything else give no provisioning location
    }
    if (c && found(*c)) return c;
  }
  return last;
}

std::optional<ServiceUrl> parseServiceUrl(std::string_view url, std::string* error) {
  auto fail = [&](const std::string& why) -> std::optional<ServiceUrl> {
    if (error) *error = why;
    return std::nullopt;
  };
  ServiceUrl u;
  size_t sep = url.find("://");
  if (sep == std::string_view::npos) return fail("\"" + std::string(url) + "\" has no scheme");
  u.scheme = std::string(url.substr(0, sep));
  for (auto& c : u.scheme) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
  if (u.scheme == "tftp") {
    u.port = 69;
  } else if (u.scheme == "http") {
    u.port = 80;
  } else {
    return fail("scheme \"" + u.scheme + "\" is not supported (tftp, http)");
  }
  auto rest = url.substr(sep + 3);
  size_t slash = rest.find('/');
  auto hostport = rest.substr(0, slash);
  u.path = slash == std::string_view::npos ? "/" : std::string(rest.substr(slash));
  if (hostport.find('@') != std::string_view::npos) return fail("user info is not supported");
  size_t colon = hostport.rfind(':');
  if (colon != std::string_view::npos) {
    auto p = hostport.substr(colon + 1);
    unsigned v = 0;
    bool good = !p.empty() && p.size() <= 5;
    for (char c : p) {
      good = good && c >= '0' && c <= '9';
      if (good) v = v * 10 + static_cast<unsigned>(c - '0');
    }
    if (!good || v == 0 || v > 65535) return fail("bad port \"" + std::string(p) + "\"");
    u.port = static_cast<uint16_t>(v);
    hostport = hostport.substr(0, colon);
  }
  if (!isHostName(hostport)) return fail("bad host \"" + std::string(hostport) + "\"");
  u.host = std::string(hostport);
  for (char c : u.path) {
    if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7f)
      return fail("the path contains spaces or control characters");
  }
  if (u.scheme == "tftp" && u.path.size() < 2)
    return fail("no file name in \"" + std::string(url) + "\"");
  return u;
}

}  // namespace phonelab::emulator
