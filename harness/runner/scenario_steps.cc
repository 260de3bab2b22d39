// One scenario's steps: wait, expect and expect_none, their variables, deadlines and verdicts.

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

}  // namespace phonelab::runner::detail
