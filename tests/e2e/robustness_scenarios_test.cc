// SEC-SIP-ROBUST against the emulator: the whole campaign (over 3,000 cases inside a call, then
// over 4,500 out of any dialog, each with a liveness probe) passes against the conformant
// emulator, and a phone that a long header crashes fails it, with the check naming the case that
// killed it.

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "tests/e2e/e2e_util.h"

namespace phonelab::e2e {
namespace {

TEST(RobustnessScenarios, PassAgainstTheConformantEmulator) {
  PHONELAB_REQUIRE_ROOT();
  auto r = runSuite("robustness-conformant", {}, {"scenarios/robustness"});
  EXPECT_EQ(r.exit_code, 0) << r.output;
  const auto* s = scenario(r, "sec-sip-robust");
  ASSERT_NE(s, nullptr) << r.output;
  EXPECT_EQ((*s)["verdict"], "pass") << s->dump(2);
  // Every case is in the trail with the phone's answer; at least 4,500 of them.
  std::ifstream trail(r.report_dir + "/" + (*s)["evidence"]["sip-fuzz"].get<std::string>());
  size_t lines = 0;
  for (std::string line; std::getline(trail, line);) ++lines;
  EXPECT_GE(lines, 4500u);
  std::ifstream dialog_trail(r.report_dir + "/" +
                             (*s)["evidence"]["sip-fuzz-dialog"].get<std::string>());
  lines = 0;
  for (std::string line; std::getline(dialog_trail, line);) ++lines;
  EXPECT_GE(lines, 3000u);
  EXPECT_EQ(leftoverNamespaces(), std::vector<std::string>{});
}

class RobustnessFault : public ::testing::TestWithParam<FaultCase> {};

TEST_P(RobustnessFault, IsCaughtByItsScenario) {
  PHONELAB_REQUIRE_ROOT();
  auto r = expectFaultCaught("robustness", GetParam());
  // The probe went unanswered because the firmware crashed and its watchdog restarted it; the
  // emulator's process lived on.
  if (std::string(GetParam().fault).rfind("crash-", 0) == 0)
    expectWatchdogRestart(r, /*rebooted=*/false);
}

INSTANTIATE_TEST_SUITE_P(Robustness, RobustnessFault,
                         // The in-dialog campaign runs first: its sixth case (a re-INVITE
                         // with a 4,097-byte To tag) is the first with a header over 4 KiB.
                         ::testing::Values(FaultCase{"crash-on-long-header", "sec-sip-robust",
                                                     "dialog-campaign",
                                                     "stopped answering after case 6 of "}),
                         [](const auto& info) { return testName(info.param); });

}  // namespace
}  // namespace phonelab::e2e
