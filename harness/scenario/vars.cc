#include "harness/scenario/vars.h"

namespace phonelab::scenario {

const std::vector<std::string>& knownVariables() {
  static const std::vector<std::string> names = {
      "lab.ip",         "lab.mac",     "lab.remote_ip", "lab.host_ip",   "lab.host_mac",
      "net.prefix",     "net.netmask", "net.static_ip", "net.pool_from", "net.pool_to",
      "dut.mac",        "svc.dns",     "svc.ntp",       "svc.tftp",      "svc.http",
      "svc.acs",        "svc.alt",     "svc.rogue",     "svc.sip",       "svc.hostile",
      "pki.trusted_ca", "dut.ip",      "dut.model",     "dut.psn",       "dut.boot_timeout",
  };
  return names;
}

std::vector<std::string> variablesIn(const std::string& s, bool* malformed) {
  std::vector<std::string> out;
  if (malformed) *malformed = false;
  size_t pos = 0;
  while ((pos = s.find("${", pos)) != std::string::npos) {
    size_t close = s.find('}', pos + 2);
    if (close == std::string::npos) {
      if (malformed) *malformed = true;
      break;
    }
    out.push_back(s.substr(pos + 2, close - pos - 2));
    pos = close + 1;
  }
  return out;
}

std::string expand(const std::string& s, const std::map<std::string, std::string>& values) {
  std::string out;
  size_t pos = 0;
  while (true) {
    size_t open = s.find("${", pos);
    size_t close = open == std::string::npos ? open : s.find('}', open + 2);
    if (close == std::string::npos) break;
    out.append(s, pos, open - pos);
    auto it = values.find(s.substr(open + 2, close - open - 2));
    if (it != values.end()) {
      out += it->second;
    } else {
      out.append(s, open, close + 1 - open);
    }
    pos = close + 1;
  }
  out.append(s, pos, std::string::npos);
  return out;
}

}  // namespace phonelab::scenario
