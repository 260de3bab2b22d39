// The audio scenario (a call from the test UA, the stimulus as RTP, the emulator looping it back,
// the analyser) against the conformant emulator (passes, evidence written) and against each audio
// fault of the emulator (the check of the measure that fault breaks fails, and says so).

#include <gtest/gtest.h>

#include <filesystem>

#include "tests/e2e/e2e_util.h"

namespace phonelab::e2e {
namespace {

TEST(AudioScenarios, PassAgainstTheConformantEmulatorWithEvidence) {
  PHONELAB_REQUIRE_ROOT();
  auto r = runSuite("audio-conformant", {}, {"scenarios/audio"});
  EXPECT_EQ(r.exit_code, 0) << r.output;
  ASSERT_TRUE(r.results.is_object()) << r.output;
  const auto* s = scenario(r, "audio-loopback");
  ASSERT_NE(s, nullptr) << r.output;
  EXPECT_EQ((*s)["verdict"], "pass") << s->dump(2);
  // Both directions as WAV and a spectrogram per call, in the scenario's folder and listed.
  for (const char* call : {"pcmu-call", "pcma-call"}) {
    for (const char* kind : {"-sent", "-received", "-spectrogram"}) {
      const std::string key = std::string(call) + kind;
      ASSERT_TRUE((*s)["evidence"].contains(key)) << key << " in " << (*s)["evidence"].dump(2);
      const std::string path = r.report_dir + "/" + (*s)["evidence"][key].get<std::string>();
      EXPECT_TRUE(std::filesystem::exists(path)) << path;
      EXPECT_EQ(path.rfind(r.report_dir + "/audio-loopback/", 0), 0u) << path;
    }
  }
  EXPECT_EQ(leftoverNamespaces(), std::vector<std::string>{});
}

class AudioFault : public ::testing::TestWithParam<FaultCase> {};

TEST_P(AudioFault, IsCaughtByItsScenario) {
  PHONELAB_REQUIRE_ROOT();
  expectFaultCaught("audio", GetParam());
}

INSTANTIATE_TEST_SUITE_P(
    Audio, AudioFault,
    ::testing::Values(
        FaultCase{"audio-one-way", "audio-loopback", "pcmu-two-way", "one_way was 'yes'"},
        FaultCase{"audio-delay-250ms", "audio-loopback", "pcmu-latency", "latency_ms was '2"},
        FaultCase{"audio-loss-5pct", "audio-loopback", "pcmu-loss", "loss_pct was '5"},
        FaultCase{"audio-level-minus-12db", "audio-loopback", "pcmu-level", "level_dbm0 was '-2"},
        FaultCase{"audio-wrong-codec", "audio-loopback", "pcmu-codec", "codec was 'PCMA'"}),
    [](const auto& info) { return testName(info.param); });

}  // namespace
}  // namespace phonelab::e2e
