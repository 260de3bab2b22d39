#pragma once
/// The runner: per scenario, segment up, capture, fakes, DUT powered and configured, steps, checks,
/// teardown in reverse order (always, also on timeout, Ctrl-C or a harness error), then the
/// reports are rewritten so an aborted run still has a report of everything that finished.

#include <atomic>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "base/core/error.h"
#include "base/core/result.h"
#include "harness/dut/lab_file.h"
#include "harness/runner/plan.h"
#include "harness/scenario/model.h"

namespace phonelab::dut {
class DutStrategy;
}

namespace phonelab {
class EventLog;
}

namespace phonelab::runner {

struct RunOptions {
  std::string report_dir = "out/report";
  std::vector<std::string> emulator_faults;  // added to the lab file's
  std::string bin_dir;                       // where phone-emulator lives
  std::string command_line;
  bool live = false;  // a terminal: one live status line; else one line per finished scenario
  int jobs = 1;       // lanes run side by side, each with its own namespaces, fakes and DUT
  int lane_base = 0;  // lanes lane_base .. lane_base+jobs-1 (runners sharing a process differ here)
  bool quiet = false;  // no progress lines (selftest prints its own table)
  /// Every scenario boots the phone; else a bench phone is kept running between the scenarios
  /// that need only a running phone in the same configuration (runner/plan.h).
  bool fresh_boot_each = false;
  /// Per scenario: events kept in its log and events.jsonl, bytes of its capture.pcap (0: no
  /// limit). Beyond them the evidence is incomplete: a harness.overflow event, verdict
  /// inconclusive.
  size_t max_events = 200000;
  uint64_t max_pcap_bytes = uint64_t{256} << 20;
};

/// Checks scenarios against the lab's device profile (setting names, capabilities).
std::vector<Diagnostic> checkAgainstLab(const std::vector<scenario::Scenario>& scenarios,
                                        const dut::LabFile& lab);

/// Fakes of a scenario that attack the phone or the network (rogue DHCP server, hostile SIP
/// server, TLS man in the middle): they run only on a segment the lab file marks isolated.
std::vector<std::string> hostileFakes(const scenario::Scenario& sc);

/// The whole scenario's time limit in seconds: its `timeout` (with the boot timeouts it adds,
/// `60s + ${dut.boot_timeout}`) plus one dut.boot_timeout for the power-on that precedes the steps.
double scenarioTimeout(const scenario::Scenario& sc, const dut::LabFile& lab);

/// Why `sc` cannot run in `lab` (not-applicable): capabilities the device lacks, or hostile fakes
/// on a segment that is not isolated. "" if it can run.
std::string notApplicableReason(const scenario::Scenario& sc, const dut::LabFile& lab);

class Runner {
 public:
  Runner(RunOptions opts, dut::LabFile lab, std::vector<Requirement> catalog,
         std::vector<scenario::Scenario> scenarios);
  ~Runner();

  /// Runs every scenario; returns the exit code (0 pass, 1 fail, 3 error/inconclusive).
  int run();
  /// Thread-safe: stop after tearing down the scenarios running now ("SIGINT", "SIGTERM").
  void interrupt(const std::string& why);
  const RunResults& results() const { return results_; }

 private:
  /// strategy: the lane's DUT strategy (a bench phone's state across its scenarios).
  /// group: the configuration the plan lets it share a boot in ("" = a boot of its own).
  ScenarioResult runScenario(const scenario::Scenario& sc, int lane, dut::DutStrategy& strategy,
                             const std::string& group);
  /// One lane: takes the next scenario until none is left or the run is interrupted.
  void lane(int lane_no);
  void writeReports();                            // mu_ held
  void progress(const ScenarioResult* finished);  // mu_ held
  std::string bootsAndEta() const;                // mu_ held: " | boots 3 done, 9 left | ..."

  RunOptions opts_;
  dut::LabFile lab_;
  std::vector<scenario::Scenario> scenarios_;
  RunPlan plan_;
  RunResults results_;
  std::mutex mu_;
  std::set<EventLog*> current_logs_;  // guarded by mu_: logs of the scenarios running now
  size_t next_ = 0;                   // guarded by mu_: index into plan_.order of the next one
  // guarded by mu_: for the progress line's estimate
  size_t boots_done_ = 0;          // fresh boots of the scenarios finished
  double boot_seconds_ = 0;        // the time those boots took (power on to ready)
  double overhead_ = 0;            // finished scenarios' time beyond their boot and their floor
  std::set<std::string> running_;  // guarded by mu_: ids of the scenarios running now
  std::atomic<bool> interrupted_{false};
  std::string interrupt_reason_;  // guarded by mu_
};

}  // namespace phonelab::runner
