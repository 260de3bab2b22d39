// Ctrl-C in the middle of a scenario: the scenario is torn down (no namespace or process left), the
// report of what ran is written and says the run was interrupted, and the exit code is 3.

#include <gtest/gtest.h>
#include <signal.h>

#include <filesystem>
#include <fstream>

#include "base/core/event.h"
#include "tests/e2e/e2e_util.h"

namespace phonelab::e2e {
namespace {

bool fileContains(const std::string& path, const std::string& needle) {
  return readFile(path).find(needle) != std::string::npos;
}

TEST(Interrupt, SigintTearsDownAndStillWritesTheReport) {
  PHONELAB_REQUIRE_ROOT();
  std::string dir = freshDir("interrupt");
  lab::ProcessSpec spec;
  spec.name = "phonelab";
  spec.argv = {kBin + "/phonelab", "run", "--report", dir, "scenarios/network"};
  spec.cwd = kSrc;
  spec.env["CI"] = "true";
  spec.log_path = dir + "/../interrupt.log";
  lab::Process run(spec);

  // Interrupt once the first scenario has powered the phone on (its event stream says so).
  const std::string events = dir + "/net-conn-static/events.jsonl";
  EventLog clock;
  Deadline deadline = Deadline::in(Seconds(60));
  while (!fileContains(events, "\"kind\":\"dut.power\"")) {
    ASSERT_FALSE(deadline.expired()) << "the run never powered the phone on";
    ASSERT_TRUE(run.running()) << "the run ended before it could be interrupted";
    clock.waitUntil(Deadline::in(Seconds(0.1)));  // poll interval, bounded by the deadline above
  }
  run.signal(SIGINT);
  auto status = run.wait(Deadline::in(Seconds(60)));
  ASSERT_TRUE(status.has_value()) << "phonelab did not stop within 60 s of SIGINT";
  ASSERT_TRUE(WIFEXITED(*status));
  EXPECT_EQ(WEXITSTATUS(*status), 3);

  std::ifstream in(dir + "/results.json");
  auto results = nlohmann::json::parse(in, nullptr, false);
  ASSERT_TRUE(results.is_object());
  EXPECT_FALSE(results["run"]["complete"].get<bool>());
  EXPECT_EQ(results["run"]["interrupted"], "SIGINT");
  ASSERT_EQ(results["scenarios"].size(), 1u) << "only the interrupted scenario ran";
  EXPECT_EQ(results["scenarios"][0]["verdict"], "error");
  EXPECT_NE(results["scenarios"][0]["error"].get<std::string>().find("interrupted by SIGINT"),
            std::string::npos);
  EXPECT_TRUE(std::filesystem::exists(dir + "/index.html"));
  EXPECT_TRUE(std::filesystem::exists(dir + "/junit.xml"));
  EXPECT_EQ(leftoverNamespaces(), std::vector<std::string>{});
}

}  // namespace
}  // namespace phonelab::e2e
