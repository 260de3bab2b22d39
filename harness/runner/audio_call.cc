#include "harness/runner/audio_call.h"

#include <cstdio>
#include <filesystem>

#include "base/core/error.h"
#include "base/lab/process.h"
#include "base/lab/tool_folder.h"
#include "base/proto/sdp.h"
#include "fakes/audio/analyser.h"
#include "fakes/audio/rtp_session.h"
#include "fakes/sip/ua.h"
#include "harness/runner/answer.h"

namespace phonelab::runner {

namespace fs = std::filesystem;
namespace audio = fakes::audio;

namespace {

std::string num(double v, const char* fmt = "%.2f") {
  char buf[32];
  std::snprintf(buf, sizeof buf, fmt, v);
  return buf;
}

/// Restores the test UA's default offer whatever happens.
struct OfferScope {
  fakes::TestUa& ua;
  ~OfferScope() { ua.setOffer({}); }
};

}  // namespace

dut::DutResult runAudioCall(const AudioCallRequest& r, fakes::TestUa& ua, EventLog& log,
                            std::map<std::string, std::string>& evidence) {
  const int pt = audio::payloadTypeOf(r.codec);
  if (pt < 0) throw Error("audio_call: unknown codec '" + r.codec + "'");
  // The stimulus first: SoX takes a moment, the call should not wait for it.
  // Outside the report, where the tool account that runs SoX can reach it.
  audio::Stimulus stim;
  {
    lab::ToolFolder work(r.dir, r.label + "-stimulus");
    stim = audio::makeStimulus(work.path());
  }

  fakes::CallOutcome out;
  {
    OfferScope restore{ua};
    ua.setOffer({pt});
    out = ua.call(r.to, r.via, r.setup, r.call);
  }
  emitCall(log, "audio call (" + r.codec + ")", r.to, r.via, out, r.answer, {{"codec", r.codec}});
  if (!out.answered()) {
    // why: the final response's start line, or what happened instead.
    return dut::DutResult::fail("the phone did not answer the " + r.codec +
                                " call (answer: " + r.answer +
                                "): " + (out.why.empty() ? std::to_string(out.status) : out.why));
  }
  struct Hangup {
    fakes::TestUa& ua;
    Deadline end;
    ~Hangup() {
      std::string ignore;
      ua.hangup(Deadline::in(Seconds(3)).min(end), ignore);
    }
  };
  const auto media = proto::sdp::firstAudio(ua.remoteSdp());
  audio::RtpExchange ex;
  {
    Hangup bye{ua, r.end};
    if (!media) {
      return dut::DutResult::fail("the phone's SDP answer has no audio stream (c=/m=audio)");
    }
    audio::RtpSessionOptions o;
    o.local_ip = ua.options().address;
    o.local_port = ua.options().rtp_port;
    o.remote_ip = media->ip;
    o.remote_port = media->port;
    o.payload_type = pt;
    o.cancelled = [&log] { return log.cancelled(); };
    ex = audio::exchangeRtp(o, stim, r.end);
  }
  // The first payload type of the answer's m=audio line (-1: none).
  const int answer_pt = media->payloads.empty() ? -1 : media->payloads.front();
  const std::string sdp_codec = audio::codecName(answer_pt);
  auto m = audio::analyse(stim, ex.sent, ex.received,
                          sdp_codec.empty() ? std::to_string(answer_pt) : sdp_codec);

  // Evidence: both directions as WAV, one spectrogram with both (left: sent, right: received).
  const std::string sent = r.label + "-sent.wav", received = r.label + "-received.wav",
                    png = r.label + "-spectrogram.png";
  audio::writeWav(r.dir + "/" + sent, m.sent);
  audio::writeWav(r.dir + "/" + received, m.received);
  evidence[r.label + "-sent"] = r.scenario_id + "/" + sent;
  evidence[r.label + "-received"] = r.scenario_id + "/" + received;
  {
    // SoX reads the phone's audio: as the tool account, in a folder of its own outside the
    // report, with copies of the two WAVs; its picture is copied back without following links.
    lab::ToolFolder work(r.dir, r.label + "-spectrogram");
    work.copyIn(r.dir + "/" + sent, sent);
    work.copyIn(r.dir + "/" + received, received);
    lab::ProcessSpec spec;
    spec.name = "sox";
    spec.argv = {"sox", "-M",
                 sent,  received,
                 "-n",  "spectrogram",
                 "-t",  r.scenario_id + " " + r.label + " (" + r.codec + "): sent | received",
                 "-o",  png};
    std::string as_root;  // no tool account: SoX runs as the harness
    work.handTo(spec, as_root);
    auto res = lab::runToCompletion(spec, Deadline::in(Seconds(20)).min(r.end));
    if (res.ok()) work.copyOut(png, r.dir + "/" + png);
    if (res.ok()) {
      evidence[r.label + "-spectrogram"] = r.scenario_id + "/" + png;
    } else {
      log.emit("harness", "harness.warning", {{"what", "spectrogram"}},
               "sox spectrogram failed: " + res.output);
    }
  }

  std::map<std::string, std::string> f = {
      {"call", r.label},
      {"codec", m.codec},
      {"sdp_codec", m.sdp_codec},
      {"sdp_proto", media->proto},
      {"offered_codec", r.codec},
      {"payload_type", std::to_string(m.payload_type)},
      {"packets_sent", std::to_string(m.packets_sent)},
      {"packets_received", std::to_string(m.packets_received)},
      {"packets_lost", std::to_string(m.packets_lost)},
      {"loss_pct", num(m.loss_pct)},
      {"jitter_ms", num(m.jitter_ms)},
      {"level_dbfs", num(m.level_dbfs)},
      {"level_dbm0", num(m.level_dbm0)},
      {"peak_hz", num(m.peak_hz, "%.1f")},
      {"snr_db", num(m.snr_db, "%.1f")},
      {"thdn_db", num(m.thdn_db, "%.1f")},
      {"one_way", m.one_way ? "yes" : "no"},
      {"remote", media->ip + ":" + std::to_string(media->port)},
      // Where the tone was measured in <call>-received.wav (samples), for a cross-check by SoX.
      {"tone_from", std::to_string(m.tone_at)},
      {"tone_samples", std::to_string(m.tone_len)},
  };
  if (m.latency_ms) f["latency_ms"] = num(*m.latency_ms);
  if (m.one_way) f["one_way_why"] = m.one_way_why;
  if (ex.malformed) f["malformed"] = std::to_string(ex.malformed);
  if (ex.dropped) {
    log.overflow("rtp", std::to_string(ex.limit),
                 "the phone sent more RTP than the buffer keeps (" + std::to_string(ex.limit) +
                     " packets): " + std::to_string(ex.dropped) +
                     " dropped, the verdict is inconclusive");
  }
  std::string summary =
      r.codec + " call " + r.label + ": " + (m.codec.empty() ? "nothing" : m.codec) +
      " came back, " + std::to_string(m.packets_lost) + " of " +
      std::to_string(m.packets_lost + m.packets_received) + " packets lost (" + num(m.loss_pct) +
      " %), jitter " + num(m.jitter_ms) + " ms, round trip " +
      (m.latency_ms ? num(*m.latency_ms) + " ms" : std::string("not found")) + ", tone " +
      num(m.level_dbm0, "%.1f") + " dBm0 at " + num(m.peak_hz, "%.1f") + " Hz, SNR " +
      num(m.snr_db, "%.1f") + " dB, THD+N " + num(m.thdn_db, "%.1f") + " dB" +
      (m.one_way ? "; one-way: " + m.one_way_why : "");
  log.emit("audio", "audio.result", f, summary);
  return {};
}

}  // namespace phonelab::runner
