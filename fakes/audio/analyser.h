#pragma once
/// The audio loopback analyser: what came back of a stimulus sent as G.711 RTP to a DUT that loops
/// audio back. Pure functions (no network): the stimulus, the packets we sent and those received
/// (with their arrival times) in; the measures out. fakes/audio/rtp_session.h moves the packets.
///
/// Measures (per call):
///   packets lost and loss %   RFC 3550 A.3: expected from the extended sequence range, minus
///                             the packets received
///   jitter                    RFC 3550 6.4.1 interarrival jitter, in ms
///   round-trip latency        the lag of the stimulus chirp in the received signal (FFT
///                             cross-correlation, fftw3), received audio placed on the sender's
///                             clock by arrival time
///   level                     RMS of the 1004 Hz test tone as received, dBFS and dBm0 (spandsp's
///                             G.711 reference: a full-scale sine is +3.14 dBm0)
///   strongest frequency, SNR, THD+N  of the test tone (Hann-windowed FFT, fftw3)
///   one-way audio             nothing came back, or the tone came back as silence
///   codec                     from the received payload type; the SDP's is kept beside it
/// G.711 coding is spandsp's.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace phonelab::fakes::audio {

constexpr int kRate = 8000;          // G.711 sample rate
constexpr int kPacketSamples = 160;  // 20 ms

/// "PCMU" (payload type 0) or "PCMA" (8); "" for anything else.
std::string codecName(int payload_type);
/// 0 for PCMU, 8 for PCMA, -1 otherwise (case-insensitive).
int payloadTypeOf(const std::string& codec);

std::vector<uint8_t> encodeG711(const std::vector<int16_t>& pcm, int payload_type);
std::vector<int16_t> decodeG711(const std::vector<uint8_t>& data, int payload_type);

/// The signal sent in a call and where its parts are (sample offsets at 8 kHz).
struct Stimulus {
  std::vector<int16_t> samples;
  size_t chirp_at = 0, chirp_len = 0;  // the latency chirp
  size_t tone_at = 0, tone_len = 0;    // the test tone
  double tone_hz = 1004;
  double tone_dbm0 = -10;
};

/// Builds the stimulus with SoX in `work_dir` (stimulus.wav stays there): lead-in silence, an
/// exponential chirp 300-3400 Hz (SoX "300-3400"), silence, the 1004 Hz test tone at `tone_dbm0`
/// (0.8 s), a multi-tone (404 + 1004 + 2804 Hz), a linear sweep 200-3600 Hz (SoX "200:3600"),
/// silence: 2.4 s, 120 packets. SoX runs as the tool account (lab::kToolAccount), and work_dir
/// is given to it, unless that account cannot reach work_dir. Throws Error if sox fails.
Stimulus makeStimulus(const std::string& work_dir, double tone_dbm0 = -10);

/// 16-bit mono 8 kHz WAV (libsndfile). Throws Error naming the file on failure.
void writeWav(const std::string& path, const std::vector<int16_t>& pcm);
std::vector<int16_t> readWav(const std::string& path);

struct RtpPacket {
  double at = 0;  // seconds: arrival (received) or sending (sent) time, on one clock
  uint16_t seq = 0;
  uint32_t ts = 0;
  uint32_t ssrc = 0;
  int payload_type = 0;
  bool marker = false;
  std::vector<uint8_t> payload;
};

/// RTP (RFC 3550) header + payload. parseRtp: nullopt unless version 2 and long enough.
std::vector<uint8_t> buildRtp(const RtpPacket& p);
std::optional<RtpPacket> parseRtp(const uint8_t* data, size_t len, double at);

struct Measures {
  std::string codec;      // from the received payload type ("" if nothing came back)
  std::string sdp_codec;  // from the SDP answer
  int payload_type = -1;
  int packets_sent = 0, packets_received = 0, packets_lost = 0;
  double loss_pct = 0;
  double jitter_ms = 0;
  std::optional<double> latency_ms;  // none when the chirp was not found
  double level_dbfs = -200, level_dbm0 = -200;
  double peak_hz = 0;
  double snr_db = 0;
  double thdn_db = 0;
  bool one_way = false;
  std::string one_way_why;  // "no RTP came back", "the test tone came back at -78.2 dBm0"
  /// The received audio on the sender's clock (silence where nothing arrived), same rate.
  std::vector<int16_t> received;
  /// The sent audio as it went on the wire (G.711 decoded).
  std::vector<int16_t> sent;
  /// Where the tone was measured in `received` (samples).
  size_t tone_at = 0, tone_len = 0;
};

/// Below this level (dBm0) the returned test tone counts as silence: one-way audio.
constexpr double kSilenceDbm0 = -50;

/// The measures of one call: `sent` are our packets (at = send time), `received` those that came
/// back (at = arrival time, same clock), in arrival order.
Measures analyse(const Stimulus& stim, const std::vector<RtpPacket>& sent,
                 const std::vector<RtpPacket>& received, const std::string& sdp_codec);

/// RMS level of samples in dBFS (a full-scale square wave = 0 dB, as SoX's `stats` "RMS lev dB").
double rmsDbfs(const int16_t* pcm, size_t n);
/// dBFS -> dBm0 for G.711 (spandsp: DBM0_MAX_POWER, a full-scale square wave is +6.16 dBm0).
double dbfsToDbm0(double dbfs);

}  // namespace phonelab::fakes::audio
