#include "emulator/faults.h"

namespace phonelab::emulator {

const std::vector<FaultDef>& faultTable() {
  static const std::vector<FaultDef> table = {
      {"static-ip-ignored",
       "Connection_Type \"Static IP\" is stored and shown in cfg.xml, but the network still runs "
       "DHCP"},
      {"web-submit-ignored", "web form POST answers \"Changes submitted\" but stores nothing"},
      {"config-lost-on-reboot",
       "changes are applied in memory but never written to config.xml, so a reboot loses them"},
  };
  return table;
}

bool Faults::enable(std::string_view name) {
  for (const auto& f : faultTable()) {
    if (f.name == name) {
      active_.insert(std::string(name));
      return true;
    }
  }
  return false;
}

std::string listFaults() {
  std::string out;
  for (const auto& f : faultTable()) {
    out.append(f.name);
    out += '\t';
    out.append(f.description);
    out += '\n';
  }
  return out;
}

}  // namespace phonelab::emulator
