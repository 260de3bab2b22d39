// The audio loopback analyser (fakes/audio) without a network: the stimulus made by SoX, a DUT's
// return simulated with known impairments, and the measures checked against the impairments and
// against SoX's own `stats` on the WAV files the analyser writes.

#include "fakes/audio/analyser.h"

#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <random>
#include <regex>
#include <set>

#include <sys/stat.h>
#include <unistd.h>

#include "base/lab/process.h"
#include "fakes/audio/rtp_session.h"
#include "harness/dut/lab_file.h"
#include "harness/runner/runner.h"
#include "harness/scenario/loader.h"

namespace phonelab::fakes::audio {
namespace {

namespace fs = std::filesystem;

std::string tempDir(const std::string& name) {
  auto d = fs::temp_directory_path() / ("phonelab-audio-" + std::to_string(getpid()) + "-" + name);
  fs::remove_all(d);
  fs::create_directories(d);
  return d.string();
}

/// The stimulus, made once by SoX for all tests.
const Stimulus& stimulus() {
  static const Stimulus s = [] {
    auto dir = tempDir("stimulus");
    auto st = makeStimulus(dir);
    fs::remove_all(dir);
    return st;
  }();
  return s;
}

TEST(AudioStimulus, SoxRunsAsTheToolAccountNotAsRoot) {
  const auto tool = lab::toolUser();
  if (::geteuid() != 0 || !tool) GTEST_SKIP() << "needs root and the account nobody";
  auto dir = tempDir("stimulus-owner");
  makeStimulus(dir);
  struct stat st {};
  ASSERT_EQ(::stat((dir + "/stimulus.wav").c_str(), &st), 0);
  // SoX wrote the file, so its owner is the account SoX ran as.
  EXPECT_EQ(static_cast<int>(st.st_uid), tool->uid);
  fs::remove_all(dir);
}

struct Impairment {
  double delay = 0.020;   // one way, seconds (the whole round trip here)
  double jitter = 0;      // uniform 0..jitter extra per packet, seconds
  std::set<size_t> lose;  // packet indexes not returned
  double gain_db = 0;
  int return_pt = -1;  // -1: the codec sent
  bool silence = false;
};

struct Call {
  std::vector<RtpPacket> sent, received;
};

/// Our packets as the sender makes them, and what a looping DUT returns with `imp`.
Call simulate(int pt, const Impairment& imp) {
  const auto& stim = stimulus();
  const auto wire = encodeG711(stim.samples, pt);
  std::mt19937 rng(42);
  std::uniform_real_distribution<double> jit(0, imp.jitter);
  Call c;
  const size_t n = stim.samples.size() / kPacketSamples;
  for (size_t i = 0; i < n; ++i) {
    RtpPacket p;
    p.at = 0.02 * static_cast<double>(i);
    p.seq = static_cast<uint16_t>(65500 + i);                        // wraps during the call
    p.ts = static_cast<uint32_t>(4294960000u + i * kPacketSamples);  // so does this
    p.ssrc = 7;
    p.payload_type = pt;
    p.payload.assign(wire.begin() + static_cast<long>(i * kPacketSamples),
                     wire.begin() + static_cast<long>((i + 1) * kPacketSamples));
    c.sent.push_back(p);
    if (imp.lose.count(i)) continue;
    RtpPacket r = p;
    r.ssrc = 9;
    r.seq = static_cast<uint16_t>(1000 + i);
    r.ts = static_cast<uint32_t>(123456 + i * kPacketSamples);
    r.at = p.at + imp.delay + (imp.jitter > 0 ? jit(rng) : 0);
    auto pcm = decodeG711(p.payload, pt);
    const double g = std::pow(10.0, imp.gain_db / 20);
    for (auto& v : pcm) v = imp.silence ? 0 : static_cast<int16_t>(std::lround(v * g));
    r.payload_type = imp.return_pt < 0 ? pt : imp.return_pt;
    r.payload = encodeG711(pcm, r.payload_type);
    c.received.push_back(r);
  }
  std::stable_sort(c.received.begin(), c.received.end(),
                   [](const RtpPacket& a, const RtpPacket& b) { return a.at < b.at; });
  return c;
}

/// SoX's "RMS lev dB" of samples [from, from+len) of a WAV file.
double soxRmsDb(const std::string& wav, size_t from, size_t len) {
  lab::ProcessSpec spec;
  spec.name = "sox";
  spec.argv = {"sox",  wav, "-n", "trim", std::to_string(from) + "s", std::to_string(len) + "s",
               "stats"};
  auto r = lab::runToCompletion(spec, Deadline::in(Seconds(20)));
  EXPECT_TRUE(r.ok()) << r.output;
  std::smatch m;
  static const std::regex re(R"(RMS lev dB\s+(-?[0-9.]+))");
  EXPECT_TRUE(std::regex_search(r.output, m, re)) << r.output;
  return m.empty() ? 0 : std::stod(m[1]);
}

TEST(AudioCodec, G711RoundTripKeepsTheLevelAndRtpRoundTrips) {
  const auto& stim = stimulus();
  const int16_t* tone = stim.samples.data() + stim.tone_at;
  const double ref = rmsDbfs(tone, stim.tone_len);
  EXPECT_NEAR(dbfsToDbm0(ref), -10, 0.05);  // SoX made the tone at -10 dBm0
  for (int pt : {0, 8}) {
    std::vector<int16_t> pcm(tone, tone + stim.tone_len);
    auto back = decodeG711(encodeG711(pcm, pt), pt);
    EXPECT_NEAR(rmsDbfs(back.data(), back.size()), ref, 0.1) << codecName(pt);
  }
  RtpPacket p;
  p.seq = 65535;
  p.ts = 0xdeadbeef;
  p.ssrc = 0x01020304;
  p.payload_type = 8;
  p.marker = true;
  p.payload = {1, 2, 3};
  auto b = buildRtp(p);
  auto q = parseRtp(b.data(), b.size(), 1.5);
  ASSERT_TRUE(q);
  EXPECT_EQ(q->seq, 65535);
  EXPECT_EQ(q->ts, 0xdeadbeefu);
  EXPECT_EQ(q->ssrc, 0x01020304u);
  EXPECT_EQ(q->payload_type, 8);
  EXPECT_TRUE(q->marker);
  EXPECT_EQ(q->payload, (std::vector<uint8_t>{1, 2, 3}));
  EXPECT_EQ(q->at, 1.5);
  // One CSRC, an extension of one word and two bytes of padding.
  std::vector<uint8_t> x = {0xb1, 0, 0,    1,    0, 0, 0, 0, 0, 0, 0,    0,    9, 9,
                            9,    9, 0xbe, 0xde, 0, 1, 7, 7, 7, 7, 0x55, 0x66, 0, 2};
  auto y = parseRtp(x.data(), x.size(), 0);
  ASSERT_TRUE(y);
  EXPECT_EQ(y->payload, (std::vector<uint8_t>{0x55, 0x66}));
  std::vector<uint8_t> v1 = {0x40, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0};
  EXPECT_FALSE(parseRtp(v1.data(), v1.size(), 0));  // version 1
  EXPECT_FALSE(parseRtp(x.data(), 11, 0));
}

TEST(AudioAnalyser, CleanLoopMeasuresAgreeWithSoxStats) {
  const auto dir = tempDir("clean");
  for (int pt : {0, 8}) {
    auto c = simulate(pt, {});
    auto m = analyse(stimulus(), c.sent, c.received, codecName(pt));
    EXPECT_EQ(m.codec, codecName(pt));
    EXPECT_EQ(m.sdp_codec, codecName(pt));
    EXPECT_EQ(m.packets_lost, 0);
    EXPECT_EQ(m.loss_pct, 0);
    EXPECT_NEAR(m.jitter_ms, 0, 0.01);
    ASSERT_TRUE(m.latency_ms);
    EXPECT_NEAR(*m.latency_ms, 20, 0.2);
    EXPECT_NEAR(m.level_dbm0, -10, 0.2);
    EXPECT_NEAR(m.peak_hz, 1004, 0.5);
    EXPECT_GT(m.snr_db, 33);  // G.711 at -10 dBm0: about 38 dB
    EXPECT_LT(m.thdn_db, -33);
    EXPECT_FALSE(m.one_way) << m.one_way_why;
    // SoX on the analyser's own WAV file: the same level.
    const std::string wav = dir + "/received-" + codecName(pt) + ".wav";
    writeWav(wav, m.received);
    EXPECT_NEAR(m.level_dbfs, soxRmsDb(wav, m.tone_at, m.tone_len), 0.1);
    EXPECT_EQ(readWav(wav), m.received);
  }
  fs::remove_all(dir);
}

TEST(AudioAnalyser, LevelOfAnAttenuatedReturnAgreesWithSox) {
  const auto dir = tempDir("level");
  for (double gain : {-12.0, -3.0}) {
    auto c = simulate(0, {.gain_db = gain});
    auto m = analyse(stimulus(), c.sent, c.received, "PCMU");
    EXPECT_NEAR(m.level_dbm0, -10 + gain, 0.3) << gain;
    const std::string wav = dir + "/received.wav";
    writeWav(wav, m.received);
    EXPECT_NEAR(m.level_dbfs, soxRmsDb(wav, m.tone_at, m.tone_len), 0.1) << gain;
  }
  fs::remove_all(dir);
}

TEST(AudioAnalyser, InjectedDelayAndLossAreMeasured) {
  for (int pt : {0, 8}) {
    for (double delay : {0.0505, 0.1234, 0.270}) {
      Impairment imp;
      imp.delay = delay;
      imp.jitter = 0.003;
      std::mt19937 rng(static_cast<unsigned>(delay * 1e4));
      const size_t n = stimulus().samples.size() / kPacketSamples;
      // Exactly 5 % of the packets, at random, never the first or the last.
      while (imp.lose.size() < n / 20) imp.lose.insert(1 + rng() % (n - 2));
      auto c = simulate(pt, imp);
      auto m = analyse(stimulus(), c.sent, c.received, codecName(pt));
      ASSERT_TRUE(m.latency_ms) << delay;
      EXPECT_NEAR(*m.latency_ms, delay * 1000, 2) << delay;
      const double injected = 100.0 * static_cast<double>(imp.lose.size()) / static_cast<double>(n);
      EXPECT_NEAR(m.loss_pct, injected, 0.5) << delay;
      EXPECT_EQ(m.packets_lost, static_cast<int>(imp.lose.size()));
      EXPECT_GT(m.jitter_ms, 0.3);  // 0..3 ms uniform transit variation
      EXPECT_LT(m.jitter_ms, 2);
      EXPECT_FALSE(m.one_way);
    }
  }
}

TEST(AudioAnalyser, OneWayAudioAndTheWrongCodec) {
  auto none = analyse(stimulus(), simulate(0, {}).sent, {}, "PCMU");
  EXPECT_TRUE(none.one_way);
  EXPECT_EQ(none.one_way_why, "no RTP came back");
  EXPECT_EQ(none.codec, "");
  EXPECT_EQ(none.loss_pct, 100);
  EXPECT_FALSE(none.latency_ms);

  auto c = simulate(0, {.silence = true});
  auto silent = analyse(stimulus(), c.sent, c.received, "PCMU");
  EXPECT_TRUE(silent.one_way);
  EXPECT_NE(silent.one_way_why.find("silence"), std::string::npos) << silent.one_way_why;
  EXPECT_EQ(silent.packets_lost, 0);

  auto w = simulate(0, {.return_pt = 8});
  auto wrong = analyse(stimulus(), w.sent, w.received, "PCMU");
  EXPECT_EQ(wrong.codec, "PCMA");
  EXPECT_EQ(wrong.sdp_codec, "PCMU");
  EXPECT_EQ(wrong.payload_type, 8);
  EXPECT_NEAR(wrong.level_dbm0, -10, 0.3);  // decoded by what it is
}

}  // namespace
}  // namespace phonelab::fakes::audio

namespace phonelab::runner {
namespace {

TEST(AudioCallValidation, NeedsTheTestUaAndAnAudioLoopback) {
  const std::string src = PHONELAB_SOURCE_DIR;
  const std::string file = src + "/fixtures/audio/audio-call-without-needs.yaml";
  std::vector<Diagnostic> diags;
  auto scenarios = scenario::loadScenarioFile(file, diags);
  ASSERT_TRUE(diags.empty()) << diags.front().str();
  ASSERT_EQ(scenarios.size(), 2u);
  auto lab = dut::loadLabFile(src + "/lab/emulated.yaml");
  EXPECT_EQ(lab.audio_loopback, "emulator");
  EXPECT_TRUE(lab.has("audio_loopback"));
  auto found = checkAgainstLab(scenarios, lab);
  std::vector<std::string> got;
  for (const auto& d : found) got.push_back(d.str());
  ASSERT_EQ(got.size(), 2u) << ::testing::PrintToString(got);
  EXPECT_NE(got[0].find(file + ":9:5: step 'act-1' uses audio_call: the scenario must declare"),
            std::string::npos)
      << got[0];
  EXPECT_NE(got[1].find(file + ":16:5: step 'act-1' uses audio_call, which needs fakes.sip_ua"),
            std::string::npos)
      << got[1];
  lab.audio_loopback = "none";
  EXPECT_FALSE(lab.has("audio_loopback"));
  EXPECT_TRUE(lab.has("web_ui"));  // the profile's capabilities still count
}

}  // namespace
}  // namespace phonelab::runner
