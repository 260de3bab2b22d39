#include "harness/runner/runner.h"

#include <unistd.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <condition_variable>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <optional>
#include <set>
#include <thread>

#include "fakes/dhcp/kea.h"
#include "fakes/http/http.h"
#include "fakes/sip/fuzz.h"
#include "fakes/sip/hostile.h"
#include "fakes/sip/ua.h"
#include "harness/core/console.h"
#include "harness/core/event.h"
#include "harness/core/match.h"
#include "harness/core/safe_fs.h"
#include "harness/core/secrets.h"
#include "harness/core/status_fields.h"
#include "harness/dut/dut.h"
#include "harness/lab/capture.h"
#include "harness/lab/netns.h"
#include "harness/lab/preflight.h"
#include "harness/lab/silence.h"
#include "harness/runner/answer.h"
#include "harness/runner/audio_call.h"
#include "harness/runner/decrypted_capture.h"
#include "harness/runner/lab_fakes.h"
#include "harness/runner/ping.h"
#include "harness/runner/tls_checks.h"
#include "harness/scenario/vars.h"
#include "reports/report.h"
#include "reports/report_folder.h"

namespace phonelab::runner {
namespace fs = std::filesystem;
using scenario::Scenario;
using scenario::Step;

namespace {

/// Capture latency: how long after a window closes we still accept its packets arriving.
constexpr double kCaptureGrace = 0.25;

/// 20 -> "20", 0.5 -> "0.5": a number of seconds as a variable's value.
std::string formatNumber(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", v);
  return buf;
}

std::string fmtT(double t) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "+%.2f s", t);
  return buf;
}

/// Settings named anywhere in a scenario (setup and configure actions), with where they are.
void forEachSetting(const Scenario& sc,
                    const std::function<void(const std::string&, const Mark&)>& fn) {
  for (const auto& [k, v] : sc.dut.settings) fn(k, sc.mark);
  for (const auto& step : sc.steps) {
    auto visit = [&](const scenario::Action& a) {
      if (auto* c = std::get_if<scenario::ConfigureAction>(&a)) {
        for (const auto& [k, v] : c->settings) fn(k, step.mark);
      }
    };
    if (auto* act = std::get_if<scenario::ActStep>(&step.body)) visit(act->action);
    if (auto* ex = std::get_if<scenario::ExpectStep>(&step.body)) {
      if (ex->probe) visit(*ex->probe);
    }
  }
}

/// Does the scenario put line 1 on SIP over TLS (setup or a configure step)?
bool setsSipOverTls(const Scenario& sc) {
  auto tls = [](const std::map<std::string, std::string>& settings) {
    auto it = settings.find("line1.sip_transport");
    return it != settings.end() && (it->second == "tls" || it->second == "TLS");
  };
  if (tls(sc.dut.settings)) return true;
  for (const auto& step : sc.steps) {
    if (auto* act = std::get_if<scenario::ActStep>(&step.body)) {
      if (auto* c = std::get_if<scenario::ConfigureAction>(&act->action); c && tls(c->settings))
        return true;
    }
  }
  return false;
}

/// Everything one scenario needs while it runs.
class ScenarioRun {
 public:
  /// phone_ip: where a bench phone was last seen (read and updated; one lane only). reset_done:
  /// the lab file's reset: factory is done (read and set; one lane only).
  ScenarioRun(const Scenario& sc, const dut::LabFile& lab, const RunOptions& opts, EventLog& log,
              ScenarioResult& res, const std::string& dir, std::string* phone_ip = nullptr,
              bool* reset_done = nullptr)
      : sc_(sc),
        lab_(lab),
        opts_(opts),
        log_(log),
        res_(res),
        dir_(dir),
        phone_ip_(phone_ip),
        reset_done_(reset_done) {}

  void execute(int lane, std::map<std::string, std::string>& identity);
  std::string currentStep() const { return current_step_; }

 private:
  void runSteps(dut::Dut& dut);
  std::string expand(const std::string& s) const;
  std::function<std::string(const std::string&)> expander() const {
    return [this](const std::string& s) { return expand(s); };
  }
  EventMatcher matcher(const scenario::EventSpec& spec) const;
  double anchor(const scenario::EventSpec& spec, double step_start) const;
  Deadline deadlineIn(double seconds) const {
    return Deadline::in(Seconds(seconds)).min(scenario_deadline_);
  }
  /// A step's `within` in seconds, with the lab's boot timeout added as often as it says.
  double withinOf(const scenario::EventSpec& spec) const {
    return spec.within + spec.within_boots * lab_.boot_timeout;
  }
  dut::DutResult doAction(const scenario::Action& a, dut::Dut& dut, uint16_t& ping_seq);
  dut::DutResult configureByProfile(const std::map<std::string, std::string>& settings,
                                    dut::Dut& dut);
  std::string sweepForPhone(const lab::SegmentAddressing& addr);
  dut::DutResult sipFuzz(const scenario::SipFuzzAction& act, dut::Dut& dut);
  std::string nearMisses(const EventMatcher& m, double since) const;
  std::string closestMiss(const EventMatcher& m, double since) const;
  std::string profileChoices(const scenario::Step& step, const scenario::EventSpec& spec) const;
  /// The port the phone's line 1 listens on: the scenario's setting, else the profile's factory
  /// value, else 5060.
  int phoneSipPort() const;
  /// Empty when the step's `when` holds; else why not ("expect.x is 'drop', the step is for
  /// '403'").
  std::string unmetWhen(const scenario::Step& step) const;
  void check(const std::string& name, Verdict v, const std::string& message,
             const std::string& expected = "", const std::string& observed = "") {
    res_.checks.push_back(
        CheckResult{name, v, message, log_.now(), current_step_, {}, expected, observed});
  }

  const Scenario& sc_;
  const dut::LabFile& lab_;
  const RunOptions& opts_;
  EventLog& log_;
  ScenarioResult& res_;
  std::string dir_;
  std::string* phone_ip_ = nullptr;
  bool* reset_done_ = nullptr;
  std::map<std::string, std::string> vars_;
  std::map<std::string, double> step_starts_;
  std::string current_step_ = "setup";
  Deadline scenario_deadline_ = Deadline::in(Seconds(0));
  dut::Dut* dut_ = nullptr;
  LabFakes* fakes_ = nullptr;
  lab::PeerSilencer* silencer_ = nullptr;
};

dut::DutResult ScenarioRun::sipFuzz(const scenario::SipFuzzAction& act, dut::Dut& dut) {
  fakes::FuzzTarget t;
  t.phone_ip = dut.address();
  t.phone_port = phoneSipPort();
  t.local_ip = vars_.at("svc.hostile");
  auto cases = fakes::protosCases(t);
  if (!act.corpus.empty()) {
    auto corpus = fakes::corpusCases(act.corpus);
    cases.insert(cases.end(), corpus.begin(), corpus.end());
  }
  if (act.limit > 0 && cases.size() > static_cast<size_t>(act.limit)) cases.resize(act.limit);
  log_.emit("harness", "harness.sip-fuzz-start", {{"cases", std::to_string(cases.size())}},
            "SIP robustness campaign: " + std::to_string(cases.size()) + " cases to " + t.phone_ip +
                ":" + std::to_string(t.phone_port) + " from " + t.local_ip + ":" +
                std::to_string(t.local_port) + ", each followed by an OPTIONS probe");
  // Evidence: every case, its size and what the phone answered (sip-fuzz.log in the scenario's
  // folder); the bytes of each case are in the capture.
  std::ofstream trail = openOutput(dir_ + "/sip-fuzz.log", 0600, std::ios::out);
  res_.evidence["sip-fuzz"] = sc_.id + "/sip-fuzz.log";
  fakes::SipFuzzer fuzzer(t);
  auto out = fuzzer.run(
      cases, act.probe_within, [this] { return log_.cancelled(); },
      [&](size_t i, const fakes::FuzzCase& c, const std::string& answer) {
        trail << i + 1 << "\t" << c.name << "\t" << c.bytes.size() << "\t"
              << (answer.empty() ? "-" : answer) << "\n";
      });
  trail.flush();
  log_.emit("harness", "harness.sip-fuzz",
            {{"cases", std::to_string(cases.size())},
             {"sent", std::to_string(out.sent)},
             {"answered", std::to_string(out.answered)},
             {"alive", out.alive ? "yes" : "no"},
             {"killer", out.killer}},
            "SIP robustness campaign: " + std::to_string(out.sent) + " of " +
                std::to_string(cases.size()) + " cases sent, " + std::to_string(out.answered) +
                " answered; the phone " +
                (out.alive ? "answered every probe" : "stopped answering"));
  if (!out.error.empty()) return dut::DutResult::fail(out.error);
  if (!out.alive) {
    return dut::DutResult::fail("the phone stopped answering after case " +
                                std::to_string(out.sent) + " of " + std::to_string(cases.size()) +
                                " '" + out.killer + "': no response to an OPTIONS probe within " +
                                formatSeconds(act.probe_within) + " (crashed or hung)");
  }
  return {};
}

std::string ScenarioRun::expand(const std::string& s) const {
  auto vars = vars_;
  vars["dut.ip"] = dut_ ? dut_->address() : "";
  return scenario::expand(s, vars);
}

EventMatcher ScenarioRun::matcher(const scenario::EventSpec& spec) const {
  EventMatcher m(spec.event);
  for (const auto& c : spec.where) {
    m.where(c.field, c.compiled ? *c.compiled : FieldCondition::make(c.op, expand(c.operand)));
  }
  return m;
}

double ScenarioRun::anchor(const scenario::EventSpec& spec, double step_start) const {
  if (spec.since.empty()) return step_start;
  if (spec.since == "scenario") return 0;
  auto it = step_starts_.find(spec.since);
  return it == step_starts_.end() ? step_start : it->second;
}

std::string ScenarioRun::nearMisses(const EventMatcher& m, double since) const {
  std::vector<Event> near;
  for (const auto& e : log_.matching(EventMatcher("*"), since)) {
    if (m.kindMatches(e.kind) && !m.matches(e)) near.push_back(e);
  }
  if (near.empty()) return "";
  std::string out = "; not matching: ";
  for (size_t i = 0; i < near.size() && i < 3; ++i) {
    if (i) out += "; ";
    out += near[i].kind + " at " + fmtT(near[i].t) + ": " + m.explainMismatch(near[i]);
  }
  if (near.size() > 3) out += " and " + std::to_string(near.size() - 3) + " more";
  return out;
}

/// The event of the matcher's kind that came closest (fewest failed conditions, earliest first),
/// as "sip.response at 2.310 s: status was '100' (wanted status = 401)"; "" if none.
std::string ScenarioRun::closestMiss(const EventMatcher& m, double since) const {
  std::optional<Event> best;
  size_t best_n = 0;
  for (const auto& e : log_.matching(EventMatcher("*"), since)) {
    if (!m.kindMatches(e.kind) || m.matches(e)) continue;
    size_t n = m.failedConditions(e);
    if (!best || n < best_n) {
      best = e;
      best_n = n;
    }
  }
  if (!best) return "";
  return best->kind + " at " + fmtT(best->t) + ": " + m.explainMismatch(*best);
}

int ScenarioRun::phoneSipPort() const {
  std::string v;
  if (auto it = sc_.dut.settings.find("line1.sip_port"); it != sc_.dut.settings.end()) {
    v = it->second;
  } else if (const auto* def = lab_.profile.setting("line1.sip_port"); def && def->factory) {
    v = *def->factory;
  }
  if (!v.empty() && v.size() <= 5 &&
      std::all_of(v.begin(), v.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    const int port = std::stoi(v);
    if (port > 0 && port < 65536) return port;
  }
  return 5060;
}

/// The device profile's choices a step depends on, through ${expect.NAME} in its conditions or its
/// `when`: "device profile lab/devices/x.yaml: expect.auth_invite_challenge = 401 (the vendor's
/// document does not say)".
std::string ScenarioRun::profileChoices(const scenario::Step& step,
                                        const scenario::EventSpec& spec) const {
  std::set<std::string> names;
  for (const auto& [var, value] : step.when) names.insert(var.substr(var.find('.') + 1));
  for (const auto& c : spec.where) {
    static const std::string open = "${expect.";
    for (size_t p = c.operand.find(open); p != std::string::npos; p = c.operand.find(open, p + 1)) {
      size_t end = c.operand.find('}', p);
      if (end == std::string::npos) break;
      names.insert(c.operand.substr(p + open.size(), end - p - open.size()));
    }
  }
  std::string out;
  for (const auto& name : names) {
    auto it = lab_.profile.expect.find(name);
    if (it == lab_.profile.expect.end()) continue;
    out += (out.empty() ? "" : "; ") + std::string("expect.") + name + " = " + it->second.value +
           (it->second.documented ? "" : " (the vendor's document does not say)");
  }
  if (!out.empty()) out = "device profile " + lab_.profile.file + ": " + out;
  return out;
}

std::string ScenarioRun::unmetWhen(const scenario::Step& step) const {
  std::string out;
  for (const auto& [var, wanted] : step.when) {
    auto it = vars_.find(var);
    std::string actual = it == vars_.end() ? "" : it->second;
    if (actual == wanted) continue;
    out +=
        (out.empty() ? "" : "; ") + var + " is '" + actual + "', the step is for '" + wanted + "'";
  }
  if (!out.empty()) out += " (device profile " + lab_.profile.file + ")";
  return out;
}

// The first scenario of a bench run does not know where the phone is. A phone that kept a lease
// on this subnet (an earlier run) sends no DHCP until it renews, so power: web would have nothing
// to reboot: ask every address of the segment (an echo request each; the kernel ARPs for every
// one) and take the address the phone's MAC answers for (arp.reply in the capture).
std::string ScenarioRun::sweepForPhone(const lab::SegmentAddressing& addr) {
  const double t0 = log_.now();
  for (int host = 1; host < 255; ++host) {
    const std::string ip = addr.prefix + "." + std::to_string(host);
    if (ip != addr.lab_ip) sendEchoRequest("", ip, 0x7073, static_cast<uint16_t>(host));
  }
  auto reply =
      log_.waitFor(EventMatcher("arp.reply").whereEq("sender_mac", lab_.mac), t0, deadlineIn(3));
  const std::string* ip = reply ? reply->field("sender_ip") : nullptr;
  log_.emit("harness", "harness.sweep",
            {{"subnet", addr.prefix + ".0/24"}, {"found", ip ? *ip : ""}},
            ip ? "ARP sweep of " + addr.prefix + ".0/24: the phone " + lab_.mac + " is at " + *ip
               : "ARP sweep of " + addr.prefix + ".0/24: the phone " + lab_.mac +
                     " answered for no address (it has none here yet)");
  return ip ? *ip : "";
}

// configure via: profile: the flat profile is served for this step only, over HTTP from the
// segment's lab address on a port of its own (not a fake the scenario names), and kept as
// evidence beside the scenario's report.
dut::DutResult ScenarioRun::configureByProfile(const std::map<std::string, std::string>& settings,
                                               dut::Dut& dut) {
  std::string why;
  auto xml = dut.flatProfile(settings, why);
  if (!xml) return dut::DutResult::fail(why);
  const std::string name = "profile-" + current_step_ + ".xml";
  {
    // The profile holds the settings' values, passwords too: 0600, left out of a shared copy.
    std::ofstream out = openOutput((fs::path(dir_) / name).string(), 0600);
    out << *xml;
  }
  res_.evidence["profile:" + current_step_] = sc_.id + "/" + name;
  fakes::HttpOptions o;
  o.address = expand("${lab.ip}");
  o.port = 0;
  const std::string path = "/phonelab/" + name;
  o.files[path] = fakes::HttpFile{*xml, "application/xml"};
  fakes::HttpFake server(o, log_);
  const std::string url = "http://" + o.address + ":" + std::to_string(server.port()) + path;
  return dut.configureByProfile(settings, url, deadlineIn(lab_.boot_timeout + 10));
}

dut::DutResult ScenarioRun::doAction(const scenario::Action& a, dut::Dut& dut, uint16_t& seq) {
  using namespace scenario;
  return std::visit(
      [&](const auto& act) -> dut::DutResult {
        using T = std::decay_t<decltype(act)>;
        if constexpr (std::is_same_v<T, ConfigureAction>) {
          std::map<std::string, std::string> settings;
          for (const auto& [k, v] : act.settings) settings[k] = expand(v);
          // Applying may restart the phone: allow it a boot.
          if (act.via == "profile") return configureByProfile(settings, dut);
          return dut.configure(settings, deadlineIn(lab_.boot_timeout + 10));
        } else if constexpr (std::is_same_v<T, RebootAction>) {
          return dut.reboot(deadlineIn(lab_.boot_timeout + 10));
        } else if constexpr (std::is_same_v<T, PowerCycleAction>) {
          double t = log_.now();
          dut.powerOff();
          dut.powerOn();
          log_.emit("harness", "harness.power-cycle", {{"t", std::to_string(t)}}, "power cycled");
          return dut.fetchStatus(deadlineIn(lab_.boot_timeout));
        } else if constexpr (std::is_same_v<T, FetchConfigAction>) {
          return dut.fetchConfig(deadlineIn(act.within));
        } else if constexpr (std::is_same_v<T, FetchStatusAction>) {
          return dut.fetchStatus(deadlineIn(act.within));
        } else if constexpr (std::is_same_v<T, SipCallAction>) {
          fakes::TestUa* ua = fakes_ ? fakes_->ua() : nullptr;
          if (!ua) throw ConfigError(sc_.mark, "sip_call needs fakes.sip_ua in the scenario");
          std::string via = act.via == "phone"
                                ? dut.address() + ":" + std::to_string(phoneSipPort())
                                : fakes_->proxy();
          const std::string to = expand(act.to);
          fakes::CallOptions o;
          o.auth_user = expand(act.auth_user);
          o.auth_password = expand(act.auth_password);
          o.auth_wrong = act.auth_wrong;
          o.auth_algorithm = act.auth_algorithm;
          o.auth_reuse_nonce = act.auth_reuse_nonce;
          o.ring_window = kRingWindow;  // ringing is enough, unless the call must be answered
          double within = act.within;
          std::string answer;
          if (act.answer) {
            std::string why;
            answer = answerCall(lab_.profile, dut, expander(), o, within, why);
            if (answer.empty()) return dut::DutResult::fail(why);
          }
          fakes::CallOutcome out = act.replay ? ua->replayCall(to, via, deadlineIn(within), o)
                                              : ua->call(to, via, deadlineIn(within), o);
          emitCall(log_, act.replay ? "replayed call" : "call", to, via, out, answer);
          if (out.answered()) {
            std::string ignore;
            ua->hangup(deadlineIn(5), ignore);
          }
          // Nothing was sent: the phone never challenged an earlier call, so there is no answer
          // to replay.
          if (out.status == 0 && (out.why.rfind("nothing to replay", 0) == 0 ||
                                  out.why.rfind("no nonce to reuse", 0) == 0)) {
            return dut::DutResult::fail(out.why);
          }
          return {};
        } else if constexpr (std::is_same_v<T, AudioCallAction>) {
          fakes::TestUa* ua = fakes_ ? fakes_->ua() : nullptr;
          if (!ua) throw ConfigError(sc_.mark, "audio_call needs fakes.sip_ua in the scenario");
          // Media needs a call the phone answered: always the profile's answer method.
          fakes::CallOptions o;
          double within = act.within;
          std::string why;
          const std::string answer = answerCall(lab_.profile, dut, expander(), o, within, why);
          if (answer.empty()) return dut::DutResult::fail(why);
          AudioCallRequest req{expand(act.to),
                               act.via == "phone"
                                   ? dut.address() + ":" + std::to_string(phoneSipPort())
                                   : fakes_->proxy(),
                               act.codec,
                               current_step_,
                               deadlineIn(within),
                               scenario_deadline_,
                               dir_,
                               sc_.id,
                               std::move(o),
                               answer};
          return runAudioCall(req, *ua, log_, res_.evidence);
        } else if constexpr (std::is_same_v<T, SipSendAction>) {
          fakes::HostileSip* hostile = fakes_ ? fakes_->hostile() : nullptr;
          if (!hostile)
            throw ConfigError(sc_.mark, "sip_send needs fakes.hostile_sip in the scenario");
          std::vector<std::string> headers;
          for (const auto& h : act.headers) headers.push_back(expand(h));
          auto answers = hostile->send(act.method, dut.address(), phoneSipPort(),
                                       deadlineIn(act.within), expand(act.spoof_from_domain),
                                       expand(act.event), headers, act.in_dialog);
          log_.emit("harness", "harness.sip-send",
                    {{"method", act.method}, {"answers", std::to_string(answers.size())}},
                    "hostile " + act.method + " to " + dut.address() + ": " +
                        (answers.empty() ? "no response in " + formatSeconds(act.within)
                                         : std::to_string(answers.size()) + " response(s), first " +
                                               answers.front().startLine()));
          return {};
        } else if constexpr (std::is_same_v<T, SipFuzzAction>) {
          return sipFuzz(act, dut);
        } else if constexpr (std::is_same_v<T, SilenceAction>) {
          silencer_->silence(expand(act.to));
          return {};
        } else if constexpr (std::is_same_v<T, UnsilenceAction>) {
          silencer_->unsilence(expand(act.to));
          return {};
        } else if constexpr (std::is_same_v<T, PauseDhcpAction> ||
                             std::is_same_v<T, ResumeDhcpAction>) {
          constexpr bool pause = std::is_same_v<T, PauseDhcpAction>;
          fakes::KeaServer* kea = fakes_ ? fakes_->kea() : nullptr;
          if (!kea) {
            throw ConfigError(sc_.mark, std::string(pause ? "pause_dhcp" : "resume_dhcp") +
                                            " needs fakes.dhcp in the scenario");
          }
          kea->setAnswering(!pause);
          log_.emit("harness", pause ? "harness.dhcp-pause" : "harness.dhcp-resume", {},
                    pause ? "Kea stops answering DHCP (dhcp-disable)"
                          : "Kea answers DHCP again (dhcp-enable)");
          return {};
        } else {
          static_assert(std::is_same_v<T, PingAction>);
          std::string to = expand(act.to), from = expand(act.from);
          for (int i = 0; i < std::max(1, act.count); ++i) {
            ++seq;
            std::string err = sendEchoRequest(from, to, 0x7068, seq);
            if (!err.empty()) return dut::DutResult::fail(err);
            log_.emit("harness", "harness.ping",
                      {{"src_ip", from}, {"dst_ip", to}, {"seq", std::to_string(seq)}},
                      "ICMP echo request " + (from.empty() ? std::string("lab") : from) + " -> " +
                          to + " seq " + std::to_string(seq));
          }
          return {};
        }
      },
      a);
}

void ScenarioRun::runSteps(dut::Dut& dut) {
  uint16_t ping_seq = 0;
  bool stop = false;
  for (const Step& step : sc_.steps) {
    StepRecord rec;
    rec.name = step.name;
    rec.kind = step.kindName();
    rec.started = log_.now();
    if (stop || log_.cancelled()) {
      rec.outcome = "skipped";
      res_.steps.push_back(rec);
      continue;
    }
    step_starts_[step.name] =
        rec.started;  // also for a step not run: later `since` count from here
    if (std::string unmet = unmetWhen(step); !unmet.empty()) {
      rec.outcome = "not run: " + unmet;
      res_.steps.push_back(rec);
      continue;
    }
    current_step_ = step.name;
    const double start = rec.started;
    std::visit(
        [&](const auto& body) {
          using T = std::decay_t<decltype(body)>;
          [[maybe_unused]] const double within = [&] {
            if constexpr (std::is_same_v<T, scenario::ActStep>) {
              return 0.0;
            } else {
              return withinOf(body.spec);
            }
          }();
          if constexpr (std::is_same_v<T, scenario::WaitStep>) {
            EventMatcher m = matcher(body.spec);
            auto ev = log_.waitFor(m, anchor(body.spec, start), deadlineIn(within));
            if (ev) {
              rec.outcome = "ok: " + ev->describe();
            } else {
              rec.outcome = "timed out";
              std::string observed = closestMiss(m, anchor(body.spec, start));
              check(step.name, Verdict::Inconclusive,
                    "precondition not met: waited " + formatSeconds(within) + " for " +
                        m.describe() + "; saw none" + nearMisses(m, anchor(body.spec, start)),
                    m.describe() + " within " + formatSeconds(within),
                    observed.empty() ? "no " + m.kind() + " within " + formatSeconds(within)
                                     : observed);
              stop = true;
            }
          } else if constexpr (std::is_same_v<T, scenario::ActStep>) {
            auto r = doAction(body.action, dut, ping_seq);
            if (r.ok) {
              rec.outcome = "ok";
            } else {
              rec.outcome = "failed";
              check(step.name, log_.cancelled() ? Verdict::Error : Verdict::Fail,
                    std::string(scenario::actionName(body.action)) + ": " + r.why);
              stop = true;
            }
          } else if constexpr (std::is_same_v<T, scenario::ExpectStep>) {
            EventMatcher m = matcher(body.spec);
            double since = anchor(body.spec, start);
            Deadline deadline = deadlineIn(within);
            std::optional<Event> ev;
            std::string probe_error;
            for (;;) {
              if (body.probe) {
                auto r = doAction(*body.probe, dut, ping_seq);
                if (!r.ok) probe_error = r.why;
              }
              Deadline slice =
                  body.probe ? deadline.min(Deadline::in(Seconds(body.every))) : deadline;
              ev = log_.waitFor(m, since, slice);
              if (ev || deadline.expired() || log_.cancelled()) break;
            }
            std::string choices = profileChoices(step, body.spec);
            std::string expected = m.describe() + " within " + formatSeconds(within) +
                                   (choices.empty() ? "" : " [" + choices + "]");
            if (ev) {
              rec.outcome = "ok";
              check(step.name, Verdict::Pass, "saw " + ev->describe(), expected, ev->describe());
            } else if (log_.cancelled()) {
              rec.outcome = "interrupted";
            } else {
              rec.outcome = "not seen";
              std::string msg = "expected " + m.describe() + " within " + formatSeconds(within) +
                                "; saw none" + nearMisses(m, since);
              if (!probe_error.empty()) msg += "; probe failed: " + probe_error;
              std::string observed = closestMiss(m, since);
              if (observed.empty()) {
                observed = "no " + m.kind() + " within " + formatSeconds(within);
              }
              check(step.name, Verdict::Fail, msg, expected, observed);
            }
          } else {
            static_assert(std::is_same_v<T, scenario::ExpectNoneStep>);
            EventMatcher m = matcher(body.spec);
            double since = anchor(body.spec, start);
            double until = start + within;
            bool completed = log_.waitUntil(Deadline::at(
                log_.epoch() +
                std::chrono::duration_cast<Clock::duration>(Seconds(until + kCaptureGrace))));
            auto seen = log_.matching(m, since, until);
            std::string choices = profileChoices(step, body.spec);
            std::string expected = "no " + m.describe() + " within " + formatSeconds(within) +
                                   (choices.empty() ? "" : " [" + choices + "]");
            if (!seen.empty()) {
              rec.outcome = "seen";
              std::string msg = "expected no " + m.describe() + " within " + formatSeconds(within) +
                                "; got " + seen.front().describe();
              if (seen.size() > 1) msg += " and " + std::to_string(seen.size() - 1) + " more";
              std::string observed = seen.front().describe();
              if (seen.size() > 1) {
                observed += " and " + std::to_string(seen.size() - 1) + " more";
              }
              check(step.name, Verdict::Fail, msg, expected, observed);
            } else if (!completed) {
              rec.outcome = "interrupted";
            } else {
              rec.outcome = "ok";
              check(step.name, Verdict::Pass, "no " + m.describe() + " in " + formatSeconds(within),
                    expected, "none");
            }
          }
        },
        step.body);
    rec.duration = log_.now() - rec.started;
    res_.steps.push_back(rec);
  }
}

void ScenarioRun::execute(int lane, std::map<std::string, std::string>& identity) {
  scenario_deadline_ = Deadline::in(Seconds(scenarioTimeout(sc_, lab_)));
  // A bench (segment: interface): the lab file's NIC moved into a lab namespace, the phone on the
  // wire, no DUT namespace. Otherwise a veth between two namespaces of this lane.
  const bool bench = lab_.segment == "interface";
  std::unique_ptr<lab::Segment> seg_owner =
      bench ? std::make_unique<lab::Segment>(lab::runToken(),
                                             lab::BenchNic{lab_.interface, lab_.vlan, lab_.subnet})
            : std::make_unique<lab::Segment>(lab::runToken(), lane);
  const lab::Segment& seg = *seg_owner;
  const auto& addr = seg.addr();
  vars_ = {{"dut.boot_timeout", formatNumber(lab_.boot_timeout)},
           {"lab.ip", addr.lab_ip},
           {"lab.remote_ip", addr.remote_ip},
           {"lab.mac", seg.labMac()},
           {"lab.host_ip", addr.host_ip},
           {"lab.host_mac", seg.hostMac()},
           {"net.prefix", addr.prefix},
           {"net.netmask", addr.netmask},
           {"net.static_ip", addr.static_ip},
           {"net.pool_from", addr.pool_from},
           {"net.pool_to", addr.pool_to},
           {"dut.mac", lab_.mac},
           {"dut.psn", lab_.profile.psn}};
  for (const auto& [name, ip] : addr.services) vars_["svc." + name] = ip;
  for (const auto& [name, outcome] : lab_.profile.expect) vars_["expect." + name] = outcome.value;
  if (bench) {
    log_.emit("harness", "harness.segment",
              {{"lab_ns", seg.labNs()}, {"iface", seg.labIf()}, {"lab_ip", addr.lab_ip}},
              "bench segment: " + seg.labIf() + " in " + seg.labNs() + ", lab side " + addr.lab_ip +
                  ", the phone " + lab_.mac + " on the wire");
  } else {
    log_.emit("harness", "harness.segment",
              {{"lab_ns", seg.labNs()}, {"dut_ns", seg.dutNs()}, {"lab_ip", addr.lab_ip}},
              "segment " + seg.labNs() + " <-> " + seg.dutNs() + ", lab side " + addr.lab_ip);
  }

  // The phone speaks IPv4 (the vendor's document is IPv4 only): IPv6 chatter would only clutter
  // the evidence.
  for (const auto& ns : {seg.dutNs(), seg.labNs()}) {
    if (ns.empty()) continue;
    lab::NetnsScope scope(ns);
    std::ofstream("/proc/sys/net/ipv6/conf/all/disable_ipv6") << "1\n";
    std::ofstream("/proc/sys/net/ipv6/conf/default/disable_ipv6") << "1\n";
  }
  // The cable is plugged in: the DUT side has carrier before the DHCP server opens its socket.
  if (!bench) lab::ipCommand({"-n", seg.dutNs(), "link", "set", seg.dutIf(), "up"});

  // The harness's own namespace, kept open for what must run there later (power: snmp's snmpset:
  // the PoE switch is on the management network).
  lab::NetnsHandle home_ns;
  // From here on this thread lives in the lab namespace: sockets and children are created there.
  lab::NetnsScope in_lab(seg.labNs());
  if (bench) {
    // Nothing of ours answers on a real wire before the preflight has found it quiet: no other
    // DHCP server, no host but the phone.
    lab::PreflightOptions po;
    po.iface = seg.labIf();
    po.phone_mac = lab_.mac;
    po.listen = 3;
    auto pf = lab::runPreflight(po, deadlineIn(po.listen + 5));
    log_.emit("harness", "harness.preflight",
              {{"iface", seg.labIf()},
               {"findings", std::to_string(pf.findings.size())},
               {"discovers", std::to_string(pf.discovers_sent)}},
              "preflight on " + seg.labIf() + ": " + pf.describe(seg.labIf()));
    if (!pf.ok()) {
      check("setup: preflight", Verdict::Error,
            "preflight refused the segment: " + pf.describe(seg.labIf()) +
                "; nothing of the lab was started on it");
      return;
    }
  }
  lab::Capture capture(seg.labNs(), seg.labIf(), dir_ + "/capture.pcap", log_, lab_.mac,
                       opts_.max_pcap_bytes);
  res_.evidence["capture"] = sc_.id + "/capture.pcap";
  // Made before the fakes and the DUT, so gone after them: a silenced peer is heard again only
  // once nothing is left to hear it.
  lab::PeerSilencer silencer(seg.labNs(), seg.labIf(), lab_.mac, dir_, log_);
  silencer_ = &silencer;

  LabFakes fakes(
      sc_, seg, [this](const std::string& s) { return expand(s); }, log_, dir_, res_.evidence);
  fakes_ = &fakes;

  dut::DutEnv env;
  env.log = &log_;
  env.dut_ns = seg.dutNs();
  env.iface = bench ? seg.labIf() : seg.dutIf();
  env.known_address = phone_ip_ ? *phone_ip_ : "";
  if (bench && lab_.power == "web" && env.known_address.empty()) {
    env.known_address = sweepForPhone(addr);
  }
  env.work_dir = dir_;
  env.bin_dir = opts_.bin_dir;
  env.extra_faults = opts_.emulator_faults;
  env.home_netns_fd = home_ns.fd();
  dut::Dut dut(lab_, env);
  dut_ = &dut;
  for (const auto& [name, path] : dut.power().evidence()) {
    res_.evidence[name] = fs::relative(path, fs::path(dir_).parent_path()).string();
  }
  dut.powerOn();

  auto ready = dut.waitReady(deadlineIn(lab_.boot_timeout));
  if (!ready.ok) {
    check("setup: phone ready", log_.cancelled() ? Verdict::Error : Verdict::Inconclusive,
          "precondition not met: the phone did not come up: " + ready.why);
  } else {
    // The model as the phone itself says it (status.xml, through the profile's status fields).
    if (auto it = dut.identity().find("model"); it != dut.identity().end()) {
      vars_["dut.model"] = it->second;
    }
    // The identity read from the phone itself (status.xml), once per run.
    if (!identity.count("model")) {
      for (const auto& [k, v] : dut.identity()) identity[k] = v;
    }
    bool reset_failed = false;
    if (bench && lab_.reset == "factory" && reset_done_ && !*reset_done_) {
      // A known start: once per run, before anything is configured.
      auto r = dut.resetToFactory(deadlineIn(lab_.boot_timeout + 10));
      if (r.ok) {
        *reset_done_ = true;
      } else {
        reset_failed = true;
        check("setup: factory reset", log_.cancelled() ? Verdict::Error : Verdict::Inconclusive,
              "precondition not met: could not set the phone back to its factory values: " + r.why);
      }
    }
    // A scenario with an answered call has the profile's auto-answer setting on.
    std::string answer_setting;
    const auto settings = setupSettings(sc_, lab_.profile, expander(), answer_setting);
    if (!answer_setting.empty()) {
      const auto& a = lab_.profile.answer;
      log_.emit("harness", "harness.answer",
                {{"method", a.method}, {"setting", a.setting}, {"header", expand(a.header)}},
                "the scenario has answered calls: setting " + a.setting +
                    " = yes during setup; their INVITEs carry " + expand(a.header));
    }
    if (!reset_failed && !settings.empty()) {
      auto r = dut.configure(settings, deadlineIn(lab_.boot_timeout + 10));
      if (!r.ok) {
        check("setup: configure", log_.cancelled() ? Verdict::Error : Verdict::Inconclusive,
              "precondition not met: could not configure the phone: " + r.why);
      }
    }
    if (res_.checks.empty()) {
      runSteps(dut);
      if (setsSipOverTls(sc_) && !log_.cancelled()) {
        // Run-wide: the capture's last frames are in before the log is read.
        log_.waitUntil(Deadline::in(Seconds(kCaptureGrace)));
        for (auto& c : sipOverTlsChecks(log_, TlsRunInfo{lab_.mac, vars_["svc.sip"]})) {
          res_.checks.push_back(std::move(c));
        }
      }
    }
  }
  current_step_ = "teardown";
  if (bench) {
    // The phone outlives the scenario: put back what the scenario configured, and remember where
    // the phone is for the next one (power: web reboots it there).
    auto r = dut.restoreSettings(Deadline::in(Seconds(lab_.boot_timeout + 10)));
    if (!r.ok) {
      check("teardown: restore settings", Verdict::Error,
            "could not put back the settings the scenario changed on the phone (later scenarios "
            "may see them): " +
                r.why);
    }
    if (phone_ip_ && !dut.address().empty()) *phone_ip_ = dut.address();
  }
  // A device process that ended by itself is evidence, never a verdict: a real phone's crash is
  // judged on the wire (it stops answering, it starts over with a DHCP DISCOVER).
  if (std::string exit = dut.power().unexpectedExit(); !exit.empty()) {
    log_.emit("dut", "dut.exit", {{"status", exit}}, exit);
  }
  dut_ = nullptr;
  fakes_ = nullptr;
  silencer_ = nullptr;
  if (!silencer.silenced().empty()) {
    log_.emit("harness", "harness.unsilence", {{"dropped", std::to_string(silencer.dropped())}},
              "end of scenario: the silence rules are removed");
  }
  // Destructors, in reverse order: DUT off, Kea stopped, capture closed, back to our namespace,
  // segment removed.
}

}  // namespace

double scenarioTimeout(const Scenario& sc, const dut::LabFile& lab) {
  return sc.timeout + (sc.timeout_boots + 1) * lab.boot_timeout;
}

std::vector<Diagnostic> checkAgainstLab(const std::vector<Scenario>& scenarios,
                                        const dut::LabFile& lab) {
  std::vector<Diagnostic> diags;
  for (const auto& sc : scenarios) {
    // Actions that need a fake the scenario does not stand up would only fail at run time.
    for (const auto& step : sc.steps) {
      std::vector<const scenario::Action*> actions;
      if (auto* act = std::get_if<scenario::ActStep>(&step.body)) actions.push_back(&act->action);
      if (auto* ex = std::get_if<scenario::ExpectStep>(&step.body); ex && ex->probe) {
        actions.push_back(&*ex->probe);
      }
      for (const auto* a : actions) {
        if (std::holds_alternative<scenario::SipCallAction>(*a) && !sc.fakes.sip_ua.enabled) {
          diags.push_back({step.mark, "step '" + step.name +
                                          "' uses sip_call, which needs "
                                          "fakes.sip_ua (the test UA) in the scenario"});
        }
        if (std::holds_alternative<scenario::AudioCallAction>(*a) && !sc.fakes.sip_ua.enabled) {
          diags.push_back({step.mark, "step '" + step.name +
                                          "' uses audio_call, which needs "
                                          "fakes.sip_ua (the test UA) in the scenario"});
        }
        if (std::holds_alternative<scenario::AudioCallAction>(*a) &&
            std::find(sc.dut.needs.begin(), sc.dut.needs.end(), "audio_loopback") ==
                sc.dut.needs.end()) {
          diags.push_back({step.mark, "step '" + step.name +
                                          "' uses audio_call: the scenario must declare "
                                          "'dut: {needs: [audio_loopback]}' (a lab without one "
                                          "cannot return audio)"});
        }
        if ((std::holds_alternative<scenario::PauseDhcpAction>(*a) ||
             std::holds_alternative<scenario::ResumeDhcpAction>(*a)) &&
            !sc.fakes.dhcp.enabled) {
          diags.push_back({step.mark, "step '" + step.name + "' uses " + scenario::actionName(*a) +
                                          ", which needs fakes.dhcp (Kea) in the scenario"});
        }
        if (std::holds_alternative<scenario::SipSendAction>(*a) && !sc.fakes.hostile_sip.enabled) {
          diags.push_back({step.mark, "step '" + step.name +
                                          "' uses sip_send, which needs "
                                          "fakes.hostile_sip in the scenario"});
        }
      }
    }
    // An answered call needs the profile to say how the phone gets it answered.
    if (const Step* step = firstAnsweredCall(sc); step && lab.profile.answer.method.empty()) {
      diags.push_back({step->mark, "step '" + step->name +
                                       "' needs the call answered (audio_call, or sip_call with "
                                       "answer: true), but the device profile " +
                                       lab.profile.file +
                                       " has no 'answer' section saying how the phone gets "
                                       "a call answered"});
    }
    // A replay needs an earlier call that answers a challenge.
    bool answered = false;
    for (const auto& step : sc.steps) {
      auto* act = std::get_if<scenario::ActStep>(&step.body);
      auto* call = act ? std::get_if<scenario::SipCallAction>(&act->action) : nullptr;
      if (!call) continue;
      if (call->replay && !answered) {
        diags.push_back({step.mark, "step '" + step.name +
                                        "' replays the answer to a challenge, but no earlier "
                                        "sip_call answers one (auth_user)"});
      }
      if ((call->auth_reuse_nonce || call->auth_wrong == "nc-replay") && !answered) {
        diags.push_back({step.mark, "step '" + step.name +
                                        "' reuses the nonce of an earlier challenge, but no "
                                        "earlier sip_call answers one (auth_user)"});
      }
      if (!call->auth_user.empty()) answered = true;
    }
    std::set<std::string> reported;
    forEachSetting(sc, [&](const std::string& name, const Mark& where) {
      if (!lab.profile.setting(name) && reported.insert(name).second) {
        diags.push_back({where, "scenario '" + sc.id + "' uses setting '" + name +
                                    "', which the device profile " + lab.profile.file +
                                    " does not define"});
      }
    });
  }
  return diags;
}

std::vector<std::string> hostileFakes(const Scenario& sc) {
  std::vector<std::string> out;
  if (sc.fakes.rogue_dhcp.enabled) out.push_back("rogue_dhcp (a second DHCP server)");
  if (sc.fakes.hostile_sip.enabled) out.push_back("hostile_sip (spoofed SIP requests)");
  if (sc.fakes.tls_proxy.enabled && sc.fakes.tls_proxy.flaw != "none") {
    out.push_back("tls_proxy with flaw " + sc.fakes.tls_proxy.flaw + " (a TLS man in the middle)");
  }
  return out;
}

std::string notApplicableReason(const Scenario& sc, const dut::LabFile& lab) {
  std::string missing;
  for (const auto& need : sc.dut.needs) {
    if (!lab.has(need)) missing += (missing.empty() ? "" : ", ") + need;
  }
  if (!missing.empty()) {
    return "the device profile " + lab.profile.file + " (or the lab file " + lab.file + ") lacks " +
           missing;
  }
  std::string unmapped;
  for (const auto& field : scenario::statusFieldsUsed(sc)) {
    if (isStatusField(field) && !lab.profile.statusField(field)) {
      unmapped += (unmapped.empty() ? "" : ", ") + field;
    }
  }
  if (!unmapped.empty()) {
    return "the device profile " + lab.profile.file + " maps no status.xml element for " +
           unmapped + " (admin.status_fields), which the scenario reads";
  }
  if (!lab.isolated) {
    std::string hostile;
    for (const auto& f : hostileFakes(sc)) hostile += (hostile.empty() ? "" : ", ") + f;
    if (!hostile.empty()) {
      return "the scenario runs hostile fakes (" + hostile + "), which run only on an isolated " +
             "segment, and the lab file " + lab.file + " says isolated: false";
    }
  }
  return "";
}

Runner::Runner(RunOptions opts, dut::LabFile lab, std::vector<Requirement> catalog,
               std::vector<Scenario> scenarios)
    : opts_(std::move(opts)), lab_(std::move(lab)), scenarios_(std::move(scenarios)) {
  // Daemons resolve relative paths against their own folders (Kamailio against its config's):
  // every path handed to them derives from an absolute report folder.
  opts_.report_dir = fs::absolute(opts_.report_dir).lexically_normal().string();
  results_.catalog = std::move(catalog);
  results_.run.harness_version = PHONELAB_VERSION;
  results_.run.lab = lab_.name;
  results_.run.lab_file = lab_.file;
  results_.run.command = opts_.command_line;
  char host[256] = {};
  gethostname(host, sizeof host - 1);
  results_.run.host = host;
  results_.run.dut["driver"] = lab_.driver;
  results_.run.dut["profile"] = lab_.profile.file;
  results_.run.dut["audio_loopback"] = lab_.audio_loopback;
  results_.run.emulator_faults = lab_.emulator.faults;
  for (const auto& f : opts_.emulator_faults) results_.run.emulator_faults.push_back(f);
}

Runner::~Runner() = default;

void Runner::interrupt(const std::string& why) {
  std::lock_guard lock(mu_);
  if (!interrupted_.exchange(true)) interrupt_reason_ = why;
  for (auto* log : current_logs_) log->cancel();
}

void Runner::writeReports() {
  try {
    reports::writeAll(results_, opts_.report_dir);
  } catch (const std::exception& e) {
    std::cerr << "phonelab: cannot write the report in " << opts_.report_dir << ": " << e.what()
              << "\n";
  }
}

void Runner::progress(const ScenarioResult* finished) {
  if (opts_.quiet) return;
  auto counts = results_.counts();
  std::string tally;
  for (auto v : {Verdict::Pass, Verdict::Fail, Verdict::Inconclusive, Verdict::Error,
                 Verdict::NotApplicable}) {
    if (counts[v]) tally += " " + std::string(toString(v)) + " " + std::to_string(counts[v]);
  }
  const size_t total = scenarios_.size();
  const size_t done = results_.scenarios.size();
  if (opts_.live) terminalRaw(std::cout, "\r\033[K");
  if (finished) {
    std::cout << "[" << done << "/" << total << "] " << finished->id << ": "
              << toString(finished->verdict) << " (" << formatSeconds(finished->duration) << ")\n";
    for (const auto& c : finished->checks) {
      if (c.verdict != Verdict::Pass) {
        std::cout << "    " << toString(c.verdict) << ": " << c.name << ": " << c.message << "\n";
      }
    }
  }
  if (opts_.live && !running_.empty()) {
    std::string names;
    for (const auto& id : running_) names += (names.empty() ? "" : ", ") + id;
    std::cout << "[" << done << "/" << total << "] running " << names << " ..." << tally;
  }
  std::cout.flush();
}

ScenarioResult Runner::runScenario(const Scenario& sc, int lane) {
  ScenarioResult res;
  res.id = sc.id;
  res.title = sc.title;
  res.file = sc.file;
  res.requirements = sc.requirements;
  res.tags = sc.tags;
  res.started_at = isoTimeUtcNow();
  const std::string dir = opts_.report_dir + "/" + sc.id;
  fs::remove_all(dir);  // a link at dir is removed, not followed
  fs::create_directories(dir);
  fs::permissions(dir, static_cast<fs::perms>(kReportFolderMode));

  // Declared before the log, so they outlive every call of its sink. Secret values (passwords in
  // cfg.xml, settings) are masked in the file; the events scenarios match keep them.
  std::ofstream events = openOutput(dir + "/events.jsonl", 0600, std::ios::out);
  std::mutex events_mu;
  EventLog log;
  log.setLimit(opts_.max_events);
  res.evidence["events"] = sc.id + "/events.jsonl";
  // The sink is called on whichever thread emits (the capture's, the fakes', this one), under no
  // lock of the log's: one line at a time, or two events' lines interleave in the file.
  log.setSink([&events, &events_mu](const Event& event) {
    const Event e = maskSecrets(event);
    nlohmann::json j = {{"t", e.t},
                        {"source", e.source},
                        {"kind", e.kind},
                        {"fields", e.fields},
                        {"summary", e.summary}};
    const std::string line = j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    std::lock_guard lock(events_mu);
    events << line << "\n";
    events.flush();
  });
  {
    std::lock_guard lock(mu_);
    current_logs_.insert(&log);
    if (interrupted_) log.cancel();
  }

  // Watchdog: the scenario's own timeout cancels every wait; teardown still runs.
  std::mutex wd_mu;
  std::condition_variable wd_cv;
  bool wd_done = false;
  std::atomic<bool> timed_out{false};
  const double timeout = scenarioTimeout(sc, lab_);
  std::thread watchdog([&] {
    std::unique_lock lock(wd_mu);
    if (!wd_cv.wait_for(lock, Seconds(timeout), [&] { return wd_done; })) {
      timed_out = true;
      log.cancel();
    }
  });

  ScenarioRun run(sc, lab_, opts_, log, res, dir, &bench_phone_ip_, &bench_reset_done_);
  if (std::string why = notApplicableReason(sc, lab_); !why.empty()) {
    // The device lacks a capability the scenario needs, or the segment is not one where hostile
    // fakes may run: nothing to run, nothing to judge.
    res.checks.push_back(CheckResult{"applicability", Verdict::NotApplicable, why, 0, "setup", {}});
  } else {
    try {
      std::map<std::string, std::string> identity;
      {
        std::lock_guard lock(mu_);
        identity = results_.run.dut;
      }
      run.execute(lane, identity);
      std::lock_guard lock(mu_);
      for (const auto& [k, v] : identity) results_.run.dut.try_emplace(k, v);
    } catch (const std::exception& e) {
      res.error = e.what();
      res.checks.push_back(
          CheckResult{"harness",
                      Verdict::Error,
                      "the harness failed during " + run.currentStep() + ": " + e.what(),
                      log.now(),
                      run.currentStep(),
                      {}});
    }
  }
  {
    std::lock_guard lock(wd_mu);
    wd_done = true;
  }
  wd_cv.notify_all();
  watchdog.join();
  {
    std::lock_guard lock(mu_);
    current_logs_.erase(&log);
  }
  if (timed_out) {
    res.error = "scenario timed out after " + formatSeconds(timeout) +
                (timeout != sc.timeout
                     ? " (its timeout " + formatSeconds(sc.timeout) + " plus " +
                           std::to_string(sc.timeout_boots + 1) + " x the lab's boot timeout)"
                     : "");
    res.checks.push_back(CheckResult{"timeout",
                                     Verdict::Error,
                                     res.error + " during " + run.currentStep(),
                                     log.now(),
                                     run.currentStep(),
                                     {}});
  } else if (interrupted_) {
    std::lock_guard lock(mu_);
    res.error = "interrupted by " + interrupt_reason_;
    res.checks.push_back(CheckResult{"interrupted",
                                     Verdict::Error,
                                     res.error + " during " + run.currentStep(),
                                     log.now(),
                                     run.currentStep(),
                                     {}});
  }
  if (auto full = log.overflows(); !full.empty()) {
    // The evidence is incomplete (a flooding phone): no pass and no fail can be trusted.
    std::string what;
    for (const auto& f : full) what += (what.empty() ? "" : ", ") + f;
    res.checks.push_back(CheckResult{"resources",
                                     Verdict::Inconclusive,
                                     "the scenario hit a resource limit (" + what +
                                         "): its evidence is incomplete (harness.overflow)",
                                     log.now(),
                                     run.currentStep(),
                                     {}});
  }
  // The capture that opens decrypted: after the scenario, when the capture is closed and the TLS
  // proxy has written its last key. Evidence only: without it the verdict is the same.
  if (auto k = res.evidence.find("keylog"); k != res.evidence.end() && !interrupted_) {
    std::string why;
    if (writeDecryptedCapture(dir + "/capture.pcap", opts_.report_dir + "/" + k->second,
                              dir + "/" + reports::kDecryptedCaptureName, Deadline::in(Seconds(60)),
                              why)) {
      res.evidence["capture-decrypted"] = sc.id + "/" + reports::kDecryptedCaptureName;
    } else {
      log.emit("harness", "harness.warning", {{"what", "capture-decrypted"}},
               std::string("no ") + reports::kDecryptedCaptureName + ": " + why);
    }
  }
  res.verdict = combineChecks(res.checks);
  if (!log.overflows().empty() && (res.verdict == Verdict::Pass || res.verdict == Verdict::Fail))
    res.verdict = Verdict::Inconclusive;
  res.duration = log.now();
  for (auto it = res.evidence.begin(); it != res.evidence.end();) {
    // Only link evidence that exists.
    if (!fs::exists(opts_.report_dir + "/" + it->second)) {
      it = res.evidence.erase(it);
    } else {
      ++it;
    }
  }
  return res;
}

void Runner::lane(int lane_no) {
  for (;;) {
    const Scenario* sc = nullptr;
    {
      std::lock_guard lock(mu_);
      if (interrupted_ || next_ >= scenarios_.size()) return;
      sc = &scenarios_[next_++];
      running_.insert(sc->id);
      progress(nullptr);
    }
    ScenarioResult res = runScenario(*sc, lane_no);
    std::lock_guard lock(mu_);
    running_.erase(sc->id);
    results_.scenarios.push_back(std::move(res));
    progress(&results_.scenarios.back());
    // The report keeps the suite's order whichever lane finished first.
    std::map<std::string, size_t> order;
    for (size_t i = 0; i < scenarios_.size(); ++i) order.emplace(scenarios_[i].id, i);
    std::stable_sort(results_.scenarios.begin(), results_.scenarios.end(),
                     [&](const ScenarioResult& a, const ScenarioResult& b) {
                       return order[a.id] < order[b.id];
                     });
    writeReports();
  }
}

int Runner::run() {
  prepareReportFolder(opts_.report_dir);
  if (!opts_.quiet) {
    for (const auto& ns : lab::removeStaleNamespaces()) {
      std::cerr << "phonelab: removed stale namespace " << ns << " of an earlier run\n";
    }
  }
  {
    std::lock_guard lock(mu_);
    results_.run.started_at = isoTimeUtcNow();
    writeReports();
  }
  // Lane k uses 198.18.k.0/24 in namespaces of its own: lanes share nothing but this process.
  const int jobs =
      std::clamp(opts_.jobs, 1, static_cast<int>(std::max<size_t>(1, scenarios_.size())));
  if (jobs == 1) {
    lane(opts_.lane_base);
  } else {
    std::vector<std::thread> lanes;
    for (int k = 0; k < jobs; ++k) {
      lanes.emplace_back([this, k] { lane(opts_.lane_base + k); });
    }
    for (auto& t : lanes) t.join();
  }
  std::lock_guard lock(mu_);
  results_.run.finished_at = isoTimeUtcNow();
  results_.run.complete = !interrupted_;
  if (interrupted_) results_.run.interrupted = interrupt_reason_;
  writeReports();
  std::vector<Verdict> vs;
  for (const auto& s : results_.scenarios) vs.push_back(s.verdict);
  if (interrupted_ && vs.empty()) return 3;
  int code = exitCodeFor(vs);
  if (interrupted_ && code == 0) code = 3;
  return code;
}

}  // namespace phonelab::runner
