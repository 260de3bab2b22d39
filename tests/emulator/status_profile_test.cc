// The emulator's status.xml against the device profiles: it shows the elements the profiles map
// (admin.status_fields) and nothing else but its own diagnostics under "Emulator_" names, which no
// scenario can read. A real phone has no such extras; a scenario that needed one would be leaning
// on the emulator.
#include <gtest/gtest.h>

#include <regex>
#include <set>
#include <string>

#include "emulator/pages.h"
#include "harness/dut/profile.h"

using namespace phonelab;

namespace {

std::set<std::string> elementsOf(const std::string& xml) {
  std::set<std::string> out;
  static const std::regex open("<([A-Za-z0-9_]+)>");
  for (auto it = std::sregex_iterator(xml.begin(), xml.end(), open); it != std::sregex_iterator();
       ++it) {
    if ((*it)[1] != "status") out.insert((*it)[1]);
  }
  return out;
}

std::set<std::string> mappedByProfiles() {
  std::set<std::string> out;
  for (const char* name : {"cisco-7832-mpp.yaml", "cisco-8832-mpp.yaml"}) {
    auto p = dut::loadDeviceProfile(std::string(PHONELAB_SOURCE_DIR) + "/lab/devices/" + name);
    for (const auto& [field, def] : p.admin.status_fields) out.insert(def.element);
  }
  return out;
}

TEST(EmuStatusXml, ShowsOnlyTheProfilesFieldsAndItsOwnUnderEmulatorNames) {
  const auto mapped = mappedByProfiles();
  const auto shown = elementsOf(emulator::renderStatusXml(emulator::PhoneStatus{}));
  for (const auto& e : shown) {
    EXPECT_TRUE(mapped.count(e) || e.rfind("Emulator_", 0) == 0)
        << "status.xml element " << e
        << " is neither mapped by a device profile nor named Emulator_*";
  }
  for (const auto& e : mapped) {
    EXPECT_TRUE(shown.count(e)) << "the profiles map " << e << ", which the emulator does not show";
  }
}

}  // namespace
