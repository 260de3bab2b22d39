#include "fakes/audio/analyser.h"

#include <fftw3.h>
#include <sndfile.h>
#include <algorithm>
#include <cmath>
#include <complex>
#include <filesystem>
#include <map>
#include <memory>
#include <set>

#include "base/core/deadline.h"
#include "base/core/error.h"
#include "base/lab/process.h"
// spandsp last: its telephony.h redefines lrint() and friends for what follows it.
#include <spandsp/telephony.h>
// telephony.h first: g711.h uses its types.
#include <spandsp/bit_operations.h>
#include <spandsp/g711.h>

namespace phonelab::fakes::audio {

namespace {

constexpr double kPi = 3.14159265358979323846;

/// fftw's buffers, freed on every path.
struct FftwFree {
  void operator()(void* p) const { fftw_free(p); }
};
template <typename T>
using FftwBuf = std::unique_ptr<T[], FftwFree>;
template <typename T>
FftwBuf<T> fftwAlloc(size_t n) {
  return FftwBuf<T>(static_cast<T*>(fftw_malloc(sizeof(T) * std::max<size_t>(n, 1))));
}
struct Plan {
  fftw_plan p;
  ~Plan() { fftw_destroy_plan(p); }
};

/// Real forward FFT of `in` (n samples) -> n/2+1 complex bins.
std::vector<std::complex<double>> rfft(const std::vector<double>& in, size_t n) {
  auto buf = fftwAlloc<double>(n);
  auto out = fftwAlloc<fftw_complex>(n / 2 + 1);
  std::fill(buf.get(), buf.get() + n, 0.0);
  std::copy(in.begin(), in.begin() + std::min(in.size(), n), buf.get());
  Plan plan{fftw_plan_dft_r2c_1d(static_cast<int>(n), buf.get(), out.get(), FFTW_ESTIMATE)};
  fftw_execute(plan.p);
  std::vector<std::complex<double>> r(n / 2 + 1);
  for (size_t k = 0; k < r.size(); ++k) r[k] = {out[k][0], out[k][1]};
  return r;
}

/// Inverse of rfft (unnormalised, like fftw).
std::vector<double> irfft(const std::vector<std::complex<double>>& in, size_t n) {
  auto buf = fftwAlloc<fftw_complex>(n / 2 + 1);
  auto out = fftwAlloc<double>(n);
  for (size_t k = 0; k < n / 2 + 1; ++k) {
    buf[k][0] = in[k].real();
    buf[k][1] = in[k].imag();
  }
  Plan plan{fftw_plan_dft_c2r_1d(static_cast<int>(n), buf.get(), out.get(), FFTW_ESTIMATE)};
  fftw_execute(plan.p);
  return std::vector<double>(out.get(), out.get() + n);
}

size_t nextPow2(size_t n) {
  size_t p = 1;
  while (p < n) p <<= 1;
  return p;
}

std::string run(const std::vector<std::string>& argv, const std::optional<lab::SystemUser>& as) {
  lab::ProcessSpec spec;
  spec.name = "sox";
  spec.argv = argv;
  if (as) lab::runAs(spec, *as);
  auto r = lab::runToCompletion(spec, Deadline::in(Seconds(20)));
  if (!r.ok()) {
    std::string cmd;
    for (const auto& a : argv) cmd += (cmd.empty() ? "" : " ") + a;
    throw Error("sox failed: " + cmd + ": " + r.output);
  }
  return r.output;
}

/// Signed difference a - b of two RTP counters of `bits` bits.
int64_t wrapDiff(uint32_t a, uint32_t b, int bits) {
  if (bits == 16) return static_cast<int16_t>(static_cast<uint16_t>(a - b));
  return static_cast<int32_t>(a - b);
}

struct ToneFigures {
  double peak_hz = 0, snr_db = 0, thdn_db = 0;
};

/// Strongest component, SNR (fundamental against everything but its harmonics) and THD+N
/// (everything but the fundamental, against the fundamental) of a tone, Hann-windowed FFT.
ToneFigures toneFigures(const int16_t* pcm, size_t n) {
  ToneFigures f;
  if (n < 256) return f;
  std::vector<double> x(n);
  for (size_t i = 0; i < n; ++i) {
    x[i] = pcm[i] * (0.5 - 0.5 * std::cos(2 * kPi * static_cast<double>(i) / (n - 1)));
  }
  auto spec = rfft(x, n);
  std::vector<double> p(spec.size());
  for (size_t k = 0; k < p.size(); ++k) p[k] = std::norm(spec[k]);
  const double bin_hz = static_cast<double>(kRate) / n;
  const size_t lo = static_cast<size_t>(std::ceil(50 / bin_hz));  // below 50 Hz: DC, ignored
  if (lo + 2 >= p.size()) return f;
  size_t peak = lo;
  for (size_t k = lo; k + 1 < p.size(); ++k) {
    if (p[k] > p[peak]) peak = k;
  }
  double delta = 0;
  if (peak > lo && peak + 1 < p.size() && p[peak] > 0) {
    const double a = std::log(p[peak - 1] + 1e-30), b = std::log(p[peak]),
                 c = std::log(p[peak + 1] + 1e-30);
    const double den = a - 2 * b + c;
    if (den != 0) delta = 0.5 * (a - c) / den;
  }
  f.peak_hz = (static_cast<double>(peak) + delta) * bin_hz;
  const size_t half = 8;  // Hann main lobe and near leakage
  auto band = [&](size_t centre) {
    return std::pair<size_t, size_t>{centre > lo + half ? centre - half : lo,
                                     std::min(p.size() - 1, centre + half)};
  };
  double total = 0, fund = 0, harmonics = 0;
  for (size_t k = lo; k < p.size(); ++k) total += p[k];
  auto [flo, fhi] = band(peak);
  for (size_t k = flo; k <= fhi; ++k) fund += p[k];
  for (int h = 2; h <= 5; ++h) {
    const double hz = f.peak_hz * h;
    if (hz >= kRate / 2.0 - half * bin_hz) break;
    auto [hlo, hhi] = band(static_cast<size_t>(std::lround(hz / bin_hz)));
    for (size_t k = hlo; k <= hhi; ++k) harmonics += p[k];
  }
  const double rest = std::max(total - fund, 1e-30);
  const double noise = std::max(rest - harmonics, 1e-30);
  f.snr_db = 10 * std::log10(std::max(fund, 1e-30) / noise);
  f.thdn_db = 10 * std::log10(rest / std::max(fund, 1e-30));
  return f;
}

}  // namespace

std::string codecName(int pt) {
  return pt == 0 ? "PCMU" : pt == 8 ? "PCMA" : "";
}

int payloadTypeOf(const std::string& codec) {
  std::string c = codec;
  for (auto& ch : c) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
  return c == "PCMU" ? 0 : c == "PCMA" ? 8 : -1;
}

std::vector<uint8_t> encodeG711(const std::vector<int16_t>& pcm, int pt) {
  std::vector<uint8_t> out(pcm.size());
  for (size_t i = 0; i < pcm.size(); ++i) {
    out[i] = pt == 8 ? linear_to_alaw(pcm[i]) : linear_to_ulaw(pcm[i]);
  }
  return out;
}

std::vector<int16_t> decodeG711(const std::vector<uint8_t>& data, int pt) {
  std::vector<int16_t> out(data.size());
  for (size_t i = 0; i < data.size(); ++i) {
    out[i] = pt == 8 ? alaw_to_linear(data[i]) : ulaw_to_linear(data[i]);
  }
  return out;
}

double rmsDbfs(const int16_t* pcm, size_t n) {
  if (n == 0) return -200;
  double sum = 0;
  for (size_t i = 0; i < n; ++i) {
    const double v = pcm[i] / 32768.0;
    sum += v * v;
  }
  const double rms = std::sqrt(sum / static_cast<double>(n));
  return rms > 0 ? 20 * std::log10(rms) : -200;
}

double dbfsToDbm0(double dbfs) {
  return dbfs + DBM0_MAX_POWER;
}

void writeWav(const std::string& path, const std::vector<int16_t>& pcm) {
  SF_INFO info{};
  info.samplerate = kRate;
  info.channels = 1;
  info.format = SF_FORMAT_WAV | SF_FORMAT_PCM_16;
  SNDFILE* f = sf_open(path.c_str(), SFM_WRITE, &info);
  if (!f) throw Error("cannot write " + path + ": " + sf_strerror(nullptr));
  const sf_count_t n = static_cast<sf_count_t>(pcm.size());
  const sf_count_t w = sf_write_short(f, pcm.data(), n);
  sf_close(f);
  if (w != n) throw Error("cannot write " + path + ": short write");
}

std::vector<int16_t> readWav(const std::string& path) {
  SF_INFO info{};
  SNDFILE* f = sf_open(path.c_str(), SFM_READ, &info);
  if (!f) throw Error("cannot read " + path + ": " + sf_strerror(nullptr));
  if (info.samplerate != kRate || info.channels != 1) {
    sf_close(f);
    throw Error(path + ": wanted 8000 Hz mono, got " + std::to_string(info.samplerate) + " Hz, " +
                std::to_string(info.channels) + " channel(s)");
  }
  std::vector<int16_t> pcm(static_cast<size_t>(info.frames));
  const sf_count_t r = sf_read_short(f, pcm.data(), info.frames);
  sf_close(f);
  pcm.resize(static_cast<size_t>(std::max<sf_count_t>(r, 0)));
  return pcm;
}

Stimulus makeStimulus(const std::string& work_dir, double tone_dbm0) {
  namespace fs = std::filesystem;
  fs::create_directories(work_dir);
  const std::string fmt[] = {"-r", "8000", "-c", "1", "-b", "16", "-e", "signed-integer"};
  // SoX's sine is full scale: a full-scale sine is DBM0_MAX_SINE_POWER dBm0.
  char tone_gain[32];
  std::snprintf(tone_gain, sizeof tone_gain, "%.2f", tone_dbm0 - DBM0_MAX_SINE_POWER);
  struct Part {
    std::string name;
    double seconds;
    std::vector<std::string> effect;
  };
  const std::vector<Part> parts = {
      {"lead", 0.2, {"trim", "0", "0.2"}},
      {"chirp", 0.25, {"synth", "0.25", "sine", "300-3400", "gain", "-10"}},
      {"gap", 0.15, {"trim", "0", "0.15"}},
      {"tone", 0.8, {"synth", "0.8", "sine", "1004", "gain", tone_gain}},
      {"gap2", 0.1, {"trim", "0", "0.1"}},
      // Three channels mixed down, the peak normalised to -16 dBFS.
      {"multitone",
       0.35,
       {"synth", "0.35", "sine", "404", "sine", "1004", "sine", "2804", "remix", "-", "gain", "-n",
        "-16"}},
      {"sweep", 0.35, {"synth", "0.35", "sine", "200:3600", "gain", "-13"}},
      {"tail", 0.2, {"trim", "0", "0.2"}},
  };
  // SoX runs as the tool account, in work_dir given to it (as root when it cannot reach it).
  std::string why;
  const auto user = lab::daemonUser(lab::kToolAccount, work_dir, why);
  if (user) lab::giveTo(work_dir, *user, 0700);
  std::vector<std::string> concat = {"sox"};
  Stimulus s;
  s.tone_dbm0 = tone_dbm0;
  size_t at = 0;
  for (const auto& p : parts) {
    const std::string file = work_dir + "/stimulus-" + p.name + ".wav";
    std::vector<std::string> argv = {"sox"};
    if (p.name == "multitone") argv.insert(argv.end(), {"-r", "8000", "-c", "3"});
    argv.push_back("-n");
    argv.insert(argv.end(), std::begin(fmt), std::end(fmt));
    argv.push_back(file);
    argv.insert(argv.end(), p.effect.begin(), p.effect.end());
    run(argv, user);
    concat.push_back(file);
    const size_t len = static_cast<size_t>(std::lround(p.seconds * kRate));
    if (p.name == "chirp") s.chirp_at = at, s.chirp_len = len;
    if (p.name == "tone") s.tone_at = at, s.tone_len = len;
    at += len;
  }
  const std::string out = work_dir + "/stimulus.wav";
  concat.push_back(out);
  run(concat, user);
  for (const auto& p : parts) fs::remove(work_dir + "/stimulus-" + p.name + ".wav");
  s.samples = readWav(out);
  if (s.samples.size() < at) {
    throw Error("sox made a stimulus of " + std::to_string(s.samples.size()) + " samples, wanted " +
                std::to_string(at));
  }
  // Whole packets.
  s.samples.resize((s.samples.size() + kPacketSamples - 1) / kPacketSamples * kPacketSamples, 0);
  return s;
}

std::vector<uint8_t> buildRtp(const RtpPacket& p) {
  std::vector<uint8_t> b(12 + p.payload.size());
  b[0] = 0x80;
  b[1] = static_cast<uint8_t>((p.marker ? 0x80 : 0) | (p.payload_type & 0x7f));
  b[2] = static_cast<uint8_t>(p.seq >> 8);
  b[3] = static_cast<uint8_t>(p.seq);
  for (int i = 0; i < 4; ++i) {
    b[4 + i] = static_cast<uint8_t>(p.ts >> (24 - 8 * i));
    b[8 + i] = static_cast<uint8_t>(p.ssrc >> (24 - 8 * i));
  }
  std::copy(p.payload.begin(), p.payload.end(), b.begin() + 12);
  return b;
}

std::optional<RtpPacket> parseRtp(const uint8_t* d, size_t len, double at) {
  if (len < 12 || (d[0] >> 6) != 2) return std::nullopt;
  size_t off = 12 + 4u * (d[0] & 0x0f);
  if (d[0] & 0x10) {  // header extension
    if (len < off + 4) return std::nullopt;
    off += 4 + 4u * ((d[off + 2] << 8) | d[off + 3]);
  }
  size_t end = len;
  if (d[0] & 0x20) {  // padding
    if (d[len - 1] == 0 || d[len - 1] > len) return std::nullopt;
    end -= d[len - 1];
  }
  if (off > end) return std::nullopt;
  RtpPacket p;
  p.at = at;
  p.marker = d[1] & 0x80;
  p.payload_type = d[1] & 0x7f;
  p.seq = static_cast<uint16_t>((d[2] << 8) | d[3]);
  p.ts = (uint32_t{d[4]} << 24) | (uint32_t{d[5]} << 16) | (uint32_t{d[6]} << 8) | d[7];
  p.ssrc = (uint32_t{d[8]} << 24) | (uint32_t{d[9]} << 16) | (uint32_t{d[10]} << 8) | d[11];
  p.payload.assign(d + off, d + end);
  return p;
}

Measures analyse(const Stimulus& stim, const std::vector<RtpPacket>& sent,
                 const std::vector<RtpPacket>& received, const std::string& sdp_codec) {
  Measures m;
  m.sdp_codec = sdp_codec;
  m.packets_sent = static_cast<int>(sent.size());
  const double t0 = sent.empty() ? 0 : sent.front().at;
  for (const auto& p : sent) {
    auto pcm = decodeG711(p.payload, p.payload_type);
    m.sent.insert(m.sent.end(), pcm.begin(), pcm.end());
  }

  // The returned stream: the first SSRC that came back with a G.711 payload type.
  std::vector<const RtpPacket*> rx;
  for (const auto& p : received) {
    if (codecName(p.payload_type).empty()) continue;
    if (!rx.empty() && p.ssrc != rx.front()->ssrc) continue;
    rx.push_back(&p);
  }
  m.packets_received = static_cast<int>(rx.size());

  // Room for the stimulus plus up to 2 s of round trip.
  m.received.assign(m.sent.size() + size_t{2} * kRate, 0);
  double lag_guess = 0;
  if (!rx.empty()) {
    m.payload_type = rx.front()->payload_type;
    m.codec = codecName(m.payload_type);
    // Loss (RFC 3550 A.3): extended sequence numbers against the packets received.
    std::set<int64_t> seqs;
    int64_t ext = 0, lo = 0, hi = 0;
    uint16_t prev = rx.front()->seq;
    for (size_t i = 0; i < rx.size(); ++i) {
      if (i) ext += wrapDiff(rx[i]->seq, prev, 16), prev = rx[i]->seq;
      seqs.insert(ext);
      lo = std::min(lo, ext);
      hi = std::max(hi, ext);
    }
    const int64_t expected = hi - lo + 1;
    m.packets_lost =
        static_cast<int>(std::max<int64_t>(0, expected - static_cast<int64_t>(seqs.size())));
    m.loss_pct = 100.0 * m.packets_lost / static_cast<double>(expected);
    // Interarrival jitter (RFC 3550 6.4.1), in timestamp units, then ms.
    double j = 0;
    for (size_t i = 1; i < rx.size(); ++i) {
      const double d = (rx[i]->at - rx[i - 1]->at) * kRate -
                       static_cast<double>(wrapDiff(rx[i]->ts, rx[i - 1]->ts, 32));
      j += (std::abs(d) - j) / 16;
    }
    m.jitter_ms = j * 1000.0 / kRate;
    // On the sender's clock: each packet at its RTP time, shifted by the smallest transit seen.
    const uint32_t ts0 = rx.front()->ts;
    double base = 1e18;
    for (const auto* p : rx) {
      base = std::min(base, (p->at - t0) * kRate - static_cast<double>(wrapDiff(p->ts, ts0, 32)));
    }
    lag_guess = base;
    for (const auto* p : rx) {
      const int64_t pos = static_cast<int64_t>(std::llround(base)) + wrapDiff(p->ts, ts0, 32);
      auto pcm = decodeG711(p->payload, p->payload_type);
      for (size_t i = 0; i < pcm.size(); ++i) {
        const int64_t at = pos + static_cast<int64_t>(i);
        if (at >= 0 && at < static_cast<int64_t>(m.received.size())) m.received[at] = pcm[i];
      }
    }
  }

  // Round trip: where the chirp is in what came back (FFT cross-correlation).
  int64_t lag = 0;
  bool found = false;
  if (!rx.empty() && stim.chirp_len > 0 && stim.chirp_at + stim.chirp_len <= m.sent.size()) {
    const size_t n = nextPow2(m.received.size() + stim.chirp_len);
    std::vector<double> a(m.received.begin(), m.received.end());
    std::vector<double> c(m.sent.begin() + static_cast<long>(stim.chirp_at),
                          m.sent.begin() + static_cast<long>(stim.chirp_at + stim.chirp_len));
    auto fa = rfft(a, n), fc = rfft(c, n);
    for (size_t k = 0; k < fa.size(); ++k) fa[k] *= std::conj(fc[k]);
    auto r = irfft(fa, n);
    double cnorm = 0;
    for (double v : c) cnorm += v * v;
    // Prefix sums of the received energy, for the normalised correlation.
    std::vector<double> e(m.received.size() + 1, 0);
    for (size_t i = 0; i < m.received.size(); ++i) {
      e[i + 1] = e[i] + static_cast<double>(m.received[i]) * m.received[i];
    }
    size_t best = 0;
    double best_r = 0;
    const size_t from = stim.chirp_at, to = m.received.size() - stim.chirp_len;
    for (size_t k = from; k < to; ++k) {
      if (r[k] > best_r) best_r = r[k], best = k;
    }
    const double win = e[best + stim.chirp_len] - e[best];
    const double rho = (cnorm > 0 && win > 0) ? best_r / n / std::sqrt(cnorm * win) : 0;
    if (rho > 0.5) {
      found = true;
      double delta = 0;
      if (best > from && best + 1 < to) {
        const double y0 = r[best - 1], y1 = r[best], y2 = r[best + 1];
        const double den = y0 - 2 * y1 + y2;
        if (den != 0) delta = 0.5 * (y0 - y2) / den;
      }
      lag = static_cast<int64_t>(best - stim.chirp_at);
      m.latency_ms = (static_cast<double>(lag) + delta) * 1000.0 / kRate;
    }
  }
  if (!found) lag = std::max<int64_t>(0, std::llround(lag_guess));

  // The test tone, 20 ms in from each edge.
  const int64_t tone_from = static_cast<int64_t>(stim.tone_at) + lag + kPacketSamples;
  const int64_t tone_to = static_cast<int64_t>(stim.tone_at + stim.tone_len) + lag - kPacketSamples;
  if (tone_from >= 0 && tone_to > tone_from && tone_to <= static_cast<int64_t>(m.received.size())) {
    m.tone_at = static_cast<size_t>(tone_from);
    m.tone_len = static_cast<size_t>(tone_to - tone_from);
    m.level_dbfs = rmsDbfs(m.received.data() + m.tone_at, m.tone_len);
    m.level_dbm0 = dbfsToDbm0(m.level_dbfs);
    auto f = toneFigures(m.received.data() + m.tone_at, m.tone_len);
    m.peak_hz = f.peak_hz;
    m.snr_db = f.snr_db;
    m.thdn_db = f.thdn_db;
  }

  char buf[96];
  if (rx.empty()) {
    m.one_way = true;
    m.one_way_why = "no RTP came back";
    m.loss_pct = 100;
    m.packets_lost = m.packets_sent;
  } else if (m.level_dbm0 < kSilenceDbm0) {
    m.one_way = true;
    std::snprintf(buf, sizeof buf, "the test tone came back as silence (%.1f dBm0)", m.level_dbm0);
    m.one_way_why = buf;
  }
  return m;
}

}  // namespace phonelab::fakes::audio
