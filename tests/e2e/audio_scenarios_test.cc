// The audio scenario (a call from the test UA, the stimulus as RTP, the emulator looping it back,
// the analyser) against the conformant emulator (passes, evidence written) and against each audio
// fault of the emulator (the check of the measure that fault breaks fails, and says so).

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <regex>

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
  // The level the analyser reported is SoX's on the same WAV file, at the same place.
  std::ifstream events(r.report_dir + "/audio-loopback/events.jsonl");
  int results = 0;
  for (std::string line; std::getline(events, line);) {
    auto e = nlohmann::json::parse(line, nullptr, false);
    if (!e.is_object() || e["kind"] != "audio.result") continue;
    ++results;
    const auto& f = e["fields"];
    lab::ProcessSpec sox;
    sox.name = "sox";
    sox.argv = {"sox",
                r.report_dir + "/audio-loopback/" + f["call"].get<std::string>() + "-received.wav",
                "-n",
                "trim",
                f["tone_from"].get<std::string>() + "s",
                f["tone_samples"].get<std::string>() + "s",
                "stats"};
    auto out = lab::runToCompletion(sox, Deadline::in(Seconds(20)));
    std::smatch m;
    ASSERT_TRUE(std::regex_search(out.output, m, std::regex(R"(RMS lev dB\s+(-?[0-9.]+))")))
        << out.output;
    EXPECT_NEAR(std::stod(f["level_dbfs"].get<std::string>()), std::stod(m[1]), 0.1) << line;
  }
  EXPECT_EQ(results, 2);
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
        FaultCase{"audio-delay-250ms", "audio-loopback", "pcmu-latency", "latency_ms was '3"},
        FaultCase{"audio-loss-5pct", "audio-loopback", "pcmu-loss", "loss_pct was '5"},
        FaultCase{"audio-level-minus-12db", "audio-loopback", "pcmu-level", "level_dbm0 was '-2"},
        FaultCase{"audio-wrong-codec", "audio-loopback", "pcmu-codec", "codec was 'PCMA'"}),
    [](const auto& info) { return testName(info.param); });

}  // namespace
}  // namespace phonelab::e2e
