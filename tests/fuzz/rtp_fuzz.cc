// libFuzzer target: RTP from the phone, as the audio call reads it (parseRtp, RFC 3550 headers
// with CSRCs, extension and padding) and measures it (analyse: loss from sequence numbers,
// jitter and placement from timestamps, G.711 decoding, the FFTs). The input is a series of
// datagrams, each [length: 2 bytes][arrival jitter: 1 byte][bytes], against a short stimulus.

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "fakes/audio/analyser.h"

namespace audio = phonelab::fakes::audio;

namespace {

/// 0.5 s: silence, a sweep (the latency chirp), silence, a 1004 Hz tone; 25 packets of PCMU.
const audio::Stimulus& stimulus() {
  static const audio::Stimulus s = [] {
    audio::Stimulus st;
    st.samples.assign(25 * audio::kPacketSamples, 0);
    st.chirp_at = 400;
    st.chirp_len = 800;
    st.tone_at = 1600;
    st.tone_len = 1600;
    for (size_t i = 0; i < st.chirp_len; ++i) {
      const double t = static_cast<double>(i) / audio::kRate;
      st.samples[st.chirp_at + i] =
          static_cast<int16_t>(8000 * std::sin(2 * 3.141592653589793 * (300 + 15000 * t) * t));
    }
    for (size_t i = 0; i < st.tone_len; ++i) {
      const double t = static_cast<double>(i) / audio::kRate;
      st.samples[st.tone_at + i] =
          static_cast<int16_t>(8000 * std::sin(2 * 3.141592653589793 * st.tone_hz * t));
    }
    return st;
  }();
  return s;
}

std::vector<audio::RtpPacket> sentPackets() {
  const auto& st = stimulus();
  const auto payload = audio::encodeG711(st.samples, 0);
  std::vector<audio::RtpPacket> sent;
  for (size_t i = 0; i * audio::kPacketSamples < st.samples.size(); ++i) {
    audio::RtpPacket p;
    p.at = 0.02 * static_cast<double>(i);
    p.seq = static_cast<uint16_t>(1000 + i);
    p.ts = static_cast<uint32_t>(160 * i);
    p.ssrc = 0x1234;
    p.marker = i == 0;
    p.payload.assign(payload.begin() + static_cast<long>(i * audio::kPacketSamples),
                     payload.begin() + static_cast<long>((i + 1) * audio::kPacketSamples));
    sent.push_back(std::move(p));
  }
  return sent;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const std::vector<audio::RtpPacket> sent = sentPackets();
  std::vector<audio::RtpPacket> received;
  size_t at = 0;
  double t = 0;
  while (at + 3 <= size) {
    // The receive buffer is 2048 bytes: a longer datagram arrives cut there.
    const size_t len =
        std::min<size_t>(((size_t{data[at]} << 8) | data[at + 1]) % 2049, size - at - 3);
    t += 0.02 + (static_cast<int>(data[at + 2]) - 128) / 1000.0;
    if (t < 0) t = 0;
    at += 3;
    if (auto p = audio::parseRtp(data + at, len, t)) {
      if (p->payload.size() > len) __builtin_trap();
      // What we build we read back.
      auto again = audio::parseRtp(audio::buildRtp(*p).data(), 12 + p->payload.size(), t);
      if (!again || again->payload != p->payload || again->seq != p->seq) __builtin_trap();
      received.push_back(std::move(*p));
    }
    at += len;
  }
  const auto m = audio::analyse(stimulus(), sent, received, "PCMU");
  if (m.received.size() != m.sent.size() + 2 * audio::kRate) __builtin_trap();
  if (m.packets_lost < 0 || m.loss_pct < 0 || m.loss_pct > 100 || std::isnan(m.jitter_ms))
    __builtin_trap();
  return 0;
}
