#pragma once
/// Internal to harness/runner: one scenario's run (ScenarioRun), in parts: its bring-up and
/// teardown (scenario_bringup.cc), its steps and their verdicts (scenario_steps.cc) and its
/// actions (scenario_actions.cc). runner.cc holds the lanes and the run as a whole.

#include <cstdint>
#include <cstdio>
#include <functional>
#include <map>
#include <string>

#include "base/core/deadline.h"
#include "base/core/event.h"
#include "base/core/match.h"
#include "base/lab/netns.h"
#include "harness/dut/dut.h"
#include "harness/dut/strategy.h"
#include "harness/runner/runner.h"

namespace phonelab::lab {
class PeerSilencer;
class AddressClaimer;
}  // namespace phonelab::lab

namespace phonelab::runner {
class LabFakes;
}

namespace phonelab::runner::detail {
using scenario::Scenario;
using scenario::Step;

/// Capture latency: how long after a window closes we still accept its packets arriving.
constexpr double kCaptureGrace = 0.25;

/// 20 -> "20", 0.5 -> "0.5": a number of seconds as a variable's value.
inline std::string formatNumber(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", v);
  return buf;
}

inline std::string fmtT(double t) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "+%.2f s", t);
  return buf;
}

/// Settings named anywhere in a scenario (setup and configure actions), with where they are.
inline void forEachSetting(const Scenario& sc,
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
inline bool setsSipOverTls(const Scenario& sc) {
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
  /// strategy: the lane's DUT strategy (it brings the DUT up and keeps a bench phone's state
  /// across the lane's scenarios).
  /// group: the configuration the run's plan lets it share a boot in ("" = a boot of its own).
  ScenarioRun(const Scenario& sc, const dut::LabFile& lab, const RunOptions& opts, EventLog& log,
              ScenarioResult& res, const std::string& dir, dut::DutStrategy& strategy,
              std::string group = "")
      : sc_(sc),
        lab_(lab),
        opts_(opts),
        log_(log),
        res_(res),
        dir_(dir),
        strategy_(strategy),
        group_(std::move(group)) {}

  void execute(int lane, std::map<std::string, std::string>& identity);
  std::string currentStep() const { return current_step_; }
  /// After execute: may the next scenario of its group keep the phone as this one left it
  /// ("" = yes; else why not), and its Kea's lease file.
  const std::string& keepRefusal() const { return keep_refusal_; }
  const std::string& keaLeases() const { return kea_leases_; }

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
  /// A planned run, after the scenario: may the next one keep the phone? It must answer its
  /// status.xml with no call up, and a SIP OPTIONS from the lab side. "" if so, else why not.
  std::string phoneLeftUsable(dut::Dut& dut, const lab::SegmentAddressing& addr);
  /// Why this scenario boots the phone (a fresh boot) rather than keep it running.
  std::string freshBootReason() const;
  /// A planned bench run may start the phone's network with a link bounce (lab file and profile).
  bool relinkable() const;
  /// The lab NIC down and up; "" when the phone then asked for an address (DISCOVER), else why
  /// not (the strategy stops bouncing for the rest of the run).
  std::string bounceLink(const std::string& ns, const std::string& iface);
  dut::DutResult sipFuzz(const scenario::SipFuzzAction& act, dut::Dut& dut);
  std::string nearMisses(const EventMatcher& m, double since) const;
  std::string closestMiss(const EventMatcher& m, double since) const;
  std::string profileChoices(const scenario::Step& step, const scenario::EventSpec& spec) const;
  /// The port the phone's line 1 listens on: the scenario's setting, else the device profile's.
  int phoneSipPort() const { return lab_.profile.sipPort(sc_.dut.settings); }
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
  dut::DutStrategy& strategy_;
  std::string group_;
  std::string keep_refusal_ = "it did not run";
  std::string kea_leases_;
  std::map<std::string, std::string> vars_;
  std::map<std::string, double> step_starts_;
  std::string current_step_ = "setup";
  Deadline scenario_deadline_ = Deadline::in(Seconds(0));
  dut::Dut* dut_ = nullptr;
  LabFakes* fakes_ = nullptr;
  lab::PeerSilencer* silencer_ = nullptr;
  lab::AddressClaimer* claimer_ = nullptr;
};

}  // namespace phonelab::runner::detail
