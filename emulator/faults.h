#pragma once
/// Named faults: deliberate deviations from documented behaviour, so the harness can prove that
/// its scenarios notice them. Adding a fault is one row in faultTable() (with the requirements it
/// breaks, which the catalogue's wrong_ways name too), its area in faultArea(), plus the code
/// that asks `faults.has("name")`.

#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace phonelab::emulator {

struct FaultDef {
  std::string_view name;
  std::string_view description;
  /// breaks: the requirement ids (scenarios/requirements.yaml) the fault is a wrong way of. The
  /// catalogue lists the same pairs under each requirement's `wrong_ways:` (a unit test holds
  /// the two equal); `phonelab selftest` runs the fault against the scenarios naming them.
  std::vector<std::string_view> breaks;
};

/// Every known fault, in listing order.
const std::vector<FaultDef>& faultTable();

class Faults {
 public:
  /// Enables a fault. Returns false (and changes nothing) if the name is unknown.
  bool enable(std::string_view name);
  bool has(std::string_view name) const { return active_.count(std::string(name)) != 0; }
  const std::set<std::string>& active() const { return active_; }

 private:
  std::set<std::string> active_;
};

/// The scenario area (folder of scenarios/) that must catch the fault; empty if not assigned.
std::string_view faultArea(std::string_view name);

/// `name<TAB>description<TAB>area<TAB>breaks` per line (area "*" when not assigned; the
/// requirements it breaks space-separated), for --list-faults.
std::string listFaults();

}  // namespace phonelab::emulator
