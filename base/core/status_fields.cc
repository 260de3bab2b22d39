#include "base/core/status_fields.h"

#include <algorithm>

namespace phonelab {

const std::vector<StatusFieldInfo>& statusFieldCatalog() {
  static const std::vector<StatusFieldInfo> fields = {
      {"model", "the product name the phone reports, e.g. CP-8832-3PCC"},
      {"serial", "its serial number"},
      {"mac", "its MAC address"},
      {"firmware", "its software version"},
      {"ip", "its current IPv4 address"},
      {"netmask", "the subnet mask in use"},
      {"gateway", "the default router in use"},
      {"connection_type", "how it is addressed: DHCP or static"},
      {"uptime", "seconds since it booted"},
      {"dns", "the DNS servers in use (comma list)"},
      {"domain", "the domain name in use (DHCP option 15)"},
      {"ntp_server", "the NTP server in use"},
      {"ntp_synced", "whether its clock is set from NTP"},
      {"time_offset", "the time offset from UTC in use, seconds (DHCP option 2)"},
      {"registration_state", "line 1's registration state"},
      {"registered_proxy", "the proxy line 1 is registered with, address:port"},
      {"call_state", "line 1's call state (idle, ringing, connected)"},
  };
  return fields;
}

const std::vector<std::string>& statusFieldNames() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> out;
    for (const auto& f : statusFieldCatalog()) out.emplace_back(f.name);
    return out;
  }();
  return names;
}

bool isStatusField(const std::string& name) {
  const auto& names = statusFieldNames();
  return std::find(names.begin(), names.end(), name) != names.end();
}

}  // namespace phonelab
