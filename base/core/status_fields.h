#pragma once
/// The abstract status fields: what a scenario may read from a phone's status page. A device
/// profile maps each to the firmware's status.xml element (admin.status_fields); a scenario names
/// only these (`dut.status` events carry them beside the raw elements, which are evidence only).
/// A field the profile of the lab's phone does not map makes a scenario that needs it
/// not-applicable. Where the wire shows the same fact (a REGISTER answered 200, an NTP exchange),
/// scenarios judge on the wire and read these only as evidence.

#include <string>
#include <vector>

namespace phonelab {

struct StatusFieldInfo {
  const char* name;     // abstract: "netmask"
  const char* meaning;  // one line for the docs and "did you mean" lists
};

/// Every abstract status field, in documentation order.
const std::vector<StatusFieldInfo>& statusFieldCatalog();
/// Just the names, for lookups and suggestions.
const std::vector<std::string>& statusFieldNames();
bool isStatusField(const std::string& name);

}  // namespace phonelab
