#include "harness/runner/runner.h"

#include <unistd.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
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
#include "harness/runner/scenario_run.h"
#include "harness/runner/tls_checks.h"
#include "harness/scenario/vars.h"
#include "reports/report.h"
#include "reports/report_folder.h"

namespace phonelab::runner {
namespace fs = std::filesystem;
using scenario::Scenario;
using scenario::Step;
using namespace detail;

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
  results_.run.dut["driver"] = lab_.driverName();
  results_.run.dut["profile"] = lab_.profile.file;
  results_.run.dut["audio_loopback"] = lab_.audio_loopback;
  if (const auto* emu = lab_.emulator()) results_.run.emulator_faults = emu->faults;
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
    std::cout << "[" << done << "/" << total << "] running " << names << " ..." << tally
              << bootsAndEta();
  } else if (finished && done < total && lab_.physical()) {
    // A bench run takes long: where it stands, once per scenario.
    std::cout << "   " << bootsAndEta().substr(1) << "\n";
  }
  std::cout.flush();
}

std::string Runner::bootsAndEta() const {
  // The boots planned that have not happened yet, and an estimate from the lab's boot time (the
  // boots of this run so far, else the emulator's boot_delay or the lab's boot timeout) and the
  // floors of the scenarios left (their windows of silence), plus the time finished scenarios
  // took beyond their boot and floor.
  size_t boots_left = 0;
  double floors = 0;
  for (size_t i = next_; i < plan_.order.size(); ++i) {
    const auto& p = plan_.order[i];
    // A link bounce's time is counted with the scenarios' own (overhead_).
    if (networkStart(plan_, i) == NetworkStart::boot) ++boots_left;
    floors += scenarioFloor(scenarios_[p.index], lab_.boot_timeout);
  }
  double boot_time = lab_.boot_timeout;
  if (boots_done_ > 0) {
    boot_time = boot_seconds_ / static_cast<double>(boots_done_);
  } else if (const auto* emu = lab_.emulator()) {
    boot_time = emu->boot_delay;
  }
  const size_t done = results_.scenarios.size();
  const size_t left = plan_.order.size() - std::min(plan_.order.size(), next_);
  const double per = done ? overhead_ / static_cast<double>(done) : 0;
  const double eta =
      static_cast<double>(boots_left) * boot_time + floors + per * static_cast<double>(left);
  return " | boots " + std::to_string(boots_done_) + " done, " + std::to_string(boots_left) +
         " left | about " + formatSeconds(eta) + " to go";
}

ScenarioResult Runner::runScenario(const Scenario& sc, int lane, dut::DutStrategy& strategy,
                                   const std::string& group) {
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

  ScenarioRun run(sc, lab_, opts_, log, res, dir, strategy, group);
  bool ran = false;
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
      ran = true;
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
  if (ran) {
    // A planned run keeps the phone for the next scenario of the group only after one that passed
    // (a failure may have left the phone in any state: the next gets a fresh boot).
    std::string refusal = run.keepRefusal();
    if (refusal.empty() && res.verdict != Verdict::Pass) {
      refusal = "the scenario before on this boot (" + sc.id + ") did not pass";
    }
    strategy.finished(group, refusal, run.keaLeases());
  }
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
  dut::DutStrategy strategy(lab_);
  for (;;) {
    const Scenario* sc = nullptr;
    std::string group;
    {
      std::lock_guard lock(mu_);
      if (interrupted_ || next_ >= plan_.order.size()) return;
      const auto& p = plan_.order[next_++];
      sc = &scenarios_[p.index];
      group = p.group;
      running_.insert(sc->id);
      progress(nullptr);
    }
    ScenarioResult res = runScenario(*sc, lane_no, strategy, group);
    std::lock_guard lock(mu_);
    running_.erase(sc->id);
    double boot_seconds = 0;
    if (auto b = res.boot.find("seconds"); b != res.boot.end()) {
      boot_seconds = std::atof(b->second.c_str());
      ++boots_done_;
      boot_seconds_ += boot_seconds;
    }
    overhead_ += std::max(0.0, res.duration - scenarioFloor(*sc, lab_.boot_timeout) - boot_seconds);
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
  plan_ = planRun(scenarios_, lab_, opts_.fresh_boot_each);
  if (!opts_.quiet && plan_.shared) {
    std::cout << "phonelab: planned run: " << scenarios_.size() << " scenarios on " << plan_.boots
              << (plan_.boots == 1 ? " boot" : " boots") << " of the phone"
              << (plan_.link_bounce ? " and " + std::to_string(plan_.bounces) +
                                          " link bounces (its network started afresh)"
                                    : "")
              << " (the scenarios that need only a running phone share a boot; "
              << "--fresh-boot-each boots it for each)\n";
  }
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
      std::clamp(opts_.jobs, 1, static_cast<int>(std::max<size_t>(1, plan_.order.size())));
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
