// audio_bench: how many seconds of audio the loopback analyser processes per second of CPU.
// Builds the real stimulus with SoX once, simulates its return (a 20 ms loop with a little
// jitter, 1 % loss), then analyses it repeatedly and prints the figures. Not a test: nothing is
// asserted, ctest does not run it.
//
//   audio_bench [--calls N]     (default 50)

#include <time.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <random>

#include "fakes/audio/analyser.h"

namespace audio = phonelab::fakes::audio;

static double cpuSeconds() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

int main(int argc, char** argv) {
  int calls = 50;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--calls") == 0 && i + 1 < argc) {
      calls = std::atoi(argv[++i]);
    } else {
      std::fprintf(stderr, "usage: audio_bench [--calls N]\n");
      return 2;
    }
  }
  if (calls < 1) calls = 1;
  const auto dir =
      std::filesystem::temp_directory_path() / ("audio_bench." + std::to_string(getpid()));
  audio::Stimulus stim;
  try {
    stim = audio::makeStimulus(dir.string());
  } catch (const std::exception& e) {
    std::fprintf(stderr, "audio_bench: %s\n", e.what());
    std::filesystem::remove_all(dir);
    return 1;
  }
  std::filesystem::remove_all(dir);

  for (int pt : {0, 8}) {
    std::mt19937 rng(7);
    std::uniform_real_distribution<double> jitter(0, 0.002);
    std::vector<audio::RtpPacket> sent, received;
    const auto payload = audio::encodeG711(stim.samples, pt);
    const size_t n = stim.samples.size() / audio::kPacketSamples;
    for (size_t i = 0; i < n; ++i) {
      audio::RtpPacket p;
      p.at = 0.02 * static_cast<double>(i);
      p.seq = static_cast<uint16_t>(i);
      p.ts = static_cast<uint32_t>(i * audio::kPacketSamples);
      p.payload_type = pt;
      p.payload.assign(payload.begin() + static_cast<long>(i * audio::kPacketSamples),
                       payload.begin() + static_cast<long>((i + 1) * audio::kPacketSamples));
      sent.push_back(p);
      if (i % 100 == 50) continue;  // 1 % loss
      p.at += 0.020 + jitter(rng);
      p.ssrc = 1;
      received.push_back(p);
    }
    const double audio_s = static_cast<double>(stim.samples.size()) / audio::kRate;
    const double t0 = cpuSeconds();
    audio::Measures m;
    for (int c = 0; c < calls; ++c) m = audio::analyse(stim, sent, received, audio::codecName(pt));
    const double cpu = cpuSeconds() - t0;
    std::printf(
        "%s: %d calls of %.2f s audio analysed in %.3f s CPU: %.0f s of audio per CPU second"
        " (%.2f ms per call)\n",
        audio::codecName(pt).c_str(), calls, audio_s, cpu, calls * audio_s / cpu,
        1000 * cpu / calls);
    std::printf(
        "      last call: loss %.2f %%, jitter %.2f ms, round trip %.2f ms, tone %.2f dBm0 at "
        "%.1f Hz, SNR %.1f dB, THD+N %.1f dB\n",
        m.loss_pct, m.jitter_ms, m.latency_ms.value_or(-1), m.level_dbm0, m.peak_hz, m.snr_db,
        m.thdn_db);
  }
  return 0;
}
