// The suite must hold on any phone a device profile describes, not only on the emulator: no
// scenario names a model (the file a phone asks for is ${dut.psn}.xml), and every status field a
// scenario reads is mapped by every shipped device profile (a field one profile lacks would make
// the scenario not applicable to that phone; the loader already refuses raw status.xml elements).
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <regex>

#include "harness/dut/profile.h"
#include "harness/scenario/loader.h"

namespace phonelab::scenario {
namespace {

namespace fs = std::filesystem;
const std::string kSrc = PHONELAB_SOURCE_DIR;

TEST(SuitePortability, NoScenarioNamesAModel) {
  // Model numbers of the profiles (7832, 8832) and product names (CP-...).
  static const std::regex model(R"((^|[^0-9])(7832|8832)([^0-9]|$)|CP-[0-9]{4})");
  int files = 0;
  for (const auto& e : fs::recursive_directory_iterator(kSrc + "/scenarios")) {
    // The catalog cites the vendor's document, whose title names the models; scenarios may not.
    if (e.path().extension() != ".yaml" || e.path().filename() == "requirements.yaml") continue;
    ++files;
    std::ifstream in(e.path());
    int n = 0;
    for (std::string line; std::getline(in, line);) {
      ++n;
      EXPECT_FALSE(std::regex_search(line, model)) << e.path().string() << ":" << n << ": " << line;
    }
  }
  EXPECT_GE(files, 30);
}

TEST(SuitePortability, EveryStatusFieldAScenarioReadsIsMappedByEveryProfile) {
  auto catalog = loadRequirements(kSrc + "/scenarios/requirements.yaml");
  auto suite = loadSuite({kSrc + "/scenarios"}, catalog);
  int used = 0;
  for (const auto& entry : fs::directory_iterator(kSrc + "/lab/devices")) {
    auto profile = dut::loadDeviceProfile(entry.path().string());
    SCOPED_TRACE(entry.path().string());
    for (const auto& sc : suite) {
      for (const auto& field : statusFieldsUsed(sc)) {
        ++used;
        EXPECT_NE(profile.statusField(field), nullptr)
            << sc.id << " reads status field '" << field << "', which the profile does not map";
      }
    }
  }
  EXPECT_GT(used, 0) << "no scenario reads a status field: the test would prove nothing";
}

}  // namespace
}  // namespace phonelab::scenario
