// The whole suite against the emulator as each model the device profiles describe: a verdict must
// not depend on the model (the provisioning file is $PSN.xml: 7832.xml on a 7832). The 8832 is the
// default lab (lab/emulated.yaml), run by the self-test's conformant pass; this is the 7832.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "base/core/event_catalog.h"
#include "tests/e2e/e2e_util.h"

namespace phonelab::e2e {
namespace {

TEST(Models, The7832PassesTheWholeSuite) {
  PHONELAB_REQUIRE_ROOT();
  std::string dir = freshDir("model-7832");
  // Four lanes for all but the audio scenario, which runs alone afterwards (its RTP pacing is the
  // one thing here that suffers on a loaded machine, as in the self-test); one merged report.
  auto a = phonelab({"run", "--jobs", "4", "--lab", "lab/emulated-7832.yaml", "--report",
                     dir + "/a", "scenarios/dhcp", "scenarios/network", "scenarios/sip",
                     "scenarios/tls", "scenarios/robustness"},
                    dir + "/a");
  EXPECT_EQ(a.exit_code, 0) << a.output;
  auto b = phonelab(
      {"run", "--lab", "lab/emulated-7832.yaml", "--report", dir + "/b", "scenarios/audio"},
      dir + "/b");
  EXPECT_EQ(b.exit_code, 0) << b.output;
  dir += "/all";
  auto r = phonelab({"merge", "--report", dir, dir + "/../a", dir + "/../b"}, dir);
  EXPECT_EQ(r.exit_code, 0) << r.output;
  ASSERT_TRUE(r.results.is_object()) << r.output;
  EXPECT_EQ(r.results["run"]["dut"]["model"], "CP-7832-3PCC");
  ASSERT_GE(r.results["scenarios"].size(), 44u);
  for (const auto& s : r.results["scenarios"]) EXPECT_EQ(s["verdict"], "pass") << s.dump(2);
  // The provisioning scenarios served and saw the 7832's own file name.
  const auto* opt66 = scenario(r, "dhcp-opt-66-tftp-server-name");
  ASSERT_NE(opt66, nullptr);
  EXPECT_NE(readFile(dir + "/dhcp-opt-66-tftp-server-name/events.jsonl").find("7832.xml"),
            std::string::npos);
  // Every event the whole suite produced is in the event catalogue, with fields it lists: the
  // catalogue is what the loader holds scenarios to, so it must know all the code emits.
  size_t events = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    std::ifstream in(entry.path() / "events.jsonl");
    for (std::string line; std::getline(in, line);) {
      auto e = nlohmann::json::parse(line);
      ++events;
      const std::string kind = e["kind"];
      const auto* info = findEventKind(kind);
      ASSERT_NE(info, nullptr) << "not in the event catalogue: " << line;
      for (const auto& [field, value] : e["fields"].items()) {
        EXPECT_TRUE(eventHasField(*info, field))
            << kind << " has field '" << field << "', which the catalogue does not list";
      }
    }
  }
  EXPECT_GT(events, 1000u);
  EXPECT_EQ(leftoverNamespaces(), std::vector<std::string>{});
}

}  // namespace
}  // namespace phonelab::e2e
