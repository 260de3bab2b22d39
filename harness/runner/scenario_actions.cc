// One scenario's actions (the `act` steps and the probes of `expect` steps).

#include "harness/runner/scenario_run.h"

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

#include "base/core/console.h"
#include "base/core/event.h"
#include "base/core/match.h"
#include "base/core/safe_fs.h"
#include "base/core/secrets.h"
#include "base/core/status_fields.h"
#include "base/lab/address_claim.h"
#include "base/lab/capture.h"
#include "base/lab/netns.h"
#include "base/lab/preflight.h"
#include "base/lab/silence.h"
#include "fakes/dhcp/kea.h"
#include "fakes/http/http.h"
#include "fakes/sip/fuzz.h"
#include "fakes/sip/hostile.h"
#include "fakes/sip/ua.h"
#include "harness/dut/dut.h"
#include "harness/runner/answer.h"
#include "harness/runner/audio_call.h"
#include "harness/runner/decrypted_capture.h"
#include "harness/runner/lab_fakes.h"
#include "harness/runner/ping.h"
#include "harness/runner/tls_checks.h"
#include "harness/scenario/vars.h"
#include "reports/report.h"
#include "reports/report_folder.h"

namespace phonelab::runner::detail {
namespace fs = std::filesystem;

dut::DutResult ScenarioRun::sipFuzz(const scenario::SipFuzzAction& act, dut::Dut& dut) {
  fakes::FuzzTarget t;
  t.phone_ip = dut.address();
  t.phone_port = phoneSipPort();
  t.local_ip = vars_.at("svc.hostile");
  std::vector<fakes::FuzzCase> cases;
  fakes::DialogOptions dialog;
  std::string answer_method;
  if (act.in_dialog) {
    // The calls are answered as every answered call of a scenario is (the device profile's way).
    fakes::CallOptions o;
    double within = act.setup_within;
    std::string why;
    answer_method = answerCall(lab_.profile, dut, expander(), o, within, why);
    if (answer_method.empty()) return dut::DutResult::fail(why);
    dialog.invite_headers = o.headers;
    if (o.on_ringing) dialog.on_ringing = [ring = o.on_ringing] { ring(180); };
    dialog.setup_within = within;
    cases = fakes::dialogCases(t);
  } else {
    cases = fakes::protosCases(t);
  }
  if (!act.corpus.empty()) {
    auto corpus = fakes::corpusCases(act.corpus);
    cases.insert(cases.end(), corpus.begin(), corpus.end());
  }
  if (act.limit > 0 && cases.size() > static_cast<size_t>(act.limit)) cases.resize(act.limit);
  const std::string in_dialog = act.in_dialog ? "yes" : "no";
  log_.emit("harness", "harness.sip-fuzz-start",
            {{"cases", std::to_string(cases.size())}, {"in_dialog", in_dialog}},
            "SIP robustness campaign: " + std::to_string(cases.size()) + " cases to " + t.phone_ip +
                ":" + std::to_string(t.phone_port) + " from " + t.local_ip + ":" +
                std::to_string(t.local_port) +
                (act.in_dialog ? " inside a call the phone answers (" + answer_method + ")" : "") +
                ", each followed by an OPTIONS probe");
  // Evidence: every case, its size and what the phone answered (sip-fuzz.log in the scenario's
  // folder, sip-fuzz-dialog.log for the in-dialog cases); the bytes of each case are in the
  // capture.
  const std::string log_name = act.in_dialog ? "sip-fuzz-dialog" : "sip-fuzz";
  std::ofstream trail = openOutput(dir_ + "/" + log_name + ".log", 0600, std::ios::out);
  res_.evidence[log_name] = sc_.id + "/" + log_name + ".log";
  fakes::SipFuzzer fuzzer(t);
  auto on_case = [&](size_t i, const fakes::FuzzCase& c, const std::string& answer) {
    trail << i + 1 << "\t" << c.name << "\t" << c.bytes.size() << "\t"
          << (answer.empty() ? "-" : answer) << "\n";
  };
  auto cancelled = [this] { return log_.cancelled(); };
  auto out = act.in_dialog ? fuzzer.runInDialog(cases, dialog, act.probe_within, cancelled, on_case)
                           : fuzzer.run(cases, act.probe_within, cancelled, on_case);
  trail.flush();
  std::map<std::string, std::string> fields = {{"cases", std::to_string(cases.size())},
                                               {"sent", std::to_string(out.sent)},
                                               {"answered", std::to_string(out.answered)},
                                               {"alive", out.alive ? "yes" : "no"},
                                               {"killer", out.killer},
                                               {"in_dialog", in_dialog}};
  if (act.in_dialog) fields["calls"] = std::to_string(out.calls);
  log_.emit("harness", "harness.sip-fuzz", fields,
            "SIP robustness campaign" + std::string(act.in_dialog ? " (in a call)" : "") + ": " +
                std::to_string(out.sent) + " of " + std::to_string(cases.size()) + " cases sent, " +
                std::to_string(out.answered) + " answered" +
                (act.in_dialog ? ", " + std::to_string(out.calls) + " call(s) set up" : "") +
                "; the phone " + (out.alive ? "answered every probe" : "stopped answering"));
  if (!out.error.empty()) return dut::DutResult::fail(out.error);
  if (!out.alive) {
    return dut::DutResult::fail("the phone stopped answering after case " +
                                std::to_string(out.sent) + " of " + std::to_string(cases.size()) +
                                " '" + out.killer + "': no response to an OPTIONS probe within " +
                                formatSeconds(act.probe_within) + " (crashed or hung)");
  }
  return {};
}

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
          o.auth_user = expand(act.auth_user);
          o.auth_password = expand(act.auth_password);
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
          std::string to_ip = dut.address();
          int to_port = phoneSipPort();
          if (act.via == "proxy") {
            const std::string proxy = fakes_->proxy();
            const size_t colon = proxy.rfind(':');
            if (proxy.empty() || colon == std::string::npos)
              throw ConfigError(sc_.mark, "sip_send via: proxy needs fakes.sip in the scenario");
            to_ip = proxy.substr(0, colon);
            to_port = std::stoi(proxy.substr(colon + 1));
          }
          hostile->setTargetUser(act.via == "proxy" ? expand(act.user) : "");
          auto answers = hostile->send(act.method, to_ip, to_port, deadlineIn(act.within),
                                       expand(act.spoof_from_domain), expand(act.event), headers,
                                       act.in_dialog);
          log_.emit("harness", "harness.sip-send",
                    {{"method", act.method}, {"answers", std::to_string(answers.size())}},
                    "hostile " + act.method + " to " + to_ip +
                        (act.via == "proxy" ? " (the proxy, for the phone)" : "") + ": " +
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
        } else if constexpr (std::is_same_v<T, ClaimAddressAction>) {
          claimer_->claim(expand(act.ip));
          return {};
        } else if constexpr (std::is_same_v<T, ReleaseAddressAction>) {
          claimer_->release(expand(act.ip));
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

}  // namespace phonelab::runner::detail
