// The requirement catalogue's `wrong_ways:` and the emulator's faults name each other: every wrong
// way is a fault the emulator has, and every fault's `breaks:` (its row in emulator/faults.cc)
// names exactly the requirements whose wrong_ways list it.
#include <gtest/gtest.h>

#include <map>
#include <set>
#include <string>

#include "emulator/faults.h"
#include "harness/scenario/loader.h"

namespace {

using phonelab::emulator::faultTable;

std::vector<phonelab::Requirement> catalogue() {
  return phonelab::scenario::loadRequirements(std::string(PHONELAB_SOURCE_DIR) +
                                              "/scenarios/requirements.yaml");
}

TEST(WrongWays, EveryWrongWayIsAFaultTheEmulatorHas) {
  std::set<std::string> faults;
  for (const auto& f : faultTable()) faults.insert(std::string(f.name));
  for (const auto& r : catalogue()) {
    for (const auto& w : r.wrong_ways) {
      EXPECT_TRUE(faults.count(w.fault)) << r.id << ": wrong way '" << w.fault
                                         << "' is not an emulator fault (emulator/faults.cc)";
      EXPECT_FALSE(w.how.empty()) << r.id << ": " << w.fault;
    }
  }
}

TEST(WrongWays, EachFaultBreaksExactlyTheRequirementsThatListIt) {
  std::map<std::string, std::set<std::string>> listed;  // fault -> requirements listing it
  for (const auto& r : catalogue()) {
    for (const auto& w : r.wrong_ways) listed[w.fault].insert(r.id);
  }
  for (const auto& f : faultTable()) {
    std::set<std::string> named;
    for (auto id : f.breaks) named.insert(std::string(id));
    EXPECT_FALSE(named.empty()) << f.name << " breaks no requirement (its breaks: in faults.cc)";
    EXPECT_EQ(named, listed[std::string(f.name)])
        << f.name << ": its breaks: (emulator/faults.cc) and the catalogue's wrong_ways disagree";
  }
}

TEST(WrongWays, EveryRequirementHasTwoAtLeast) {
  for (const auto& r : catalogue()) {
    EXPECT_GE(r.wrong_ways.size(), 2u) << r.id << " lists fewer than two wrong_ways";
  }
}

TEST(WrongWays, TheFaultListCarriesWhatEachFaultBreaks) {
  const std::string list = phonelab::emulator::listFaults();
  EXPECT_NE(list.find("ignore-option-1\t"), std::string::npos);
  EXPECT_NE(list.find("\tDHCP-OPT-1\n"), std::string::npos) << list.substr(0, 400);
}

}  // namespace
