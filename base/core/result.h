#pragma once
/// The results of a run: what the runner produces and every report writer reads.
/// results.json is this structure, one to one (see reports/json_report.h).

#include <map>
#include <string>
#include <vector>

#include "base/core/error.h"
#include "base/core/verdict.h"

namespace phonelab {

/// One step as it ran.
struct StepRecord {
  std::string name;
  std::string kind;     // wait | act | expect | expect_none
  double started = 0;   // seconds since scenario start
  double duration = 0;  // seconds
  std::string outcome;  // "ok", "skipped", or a short failure text
};

struct ScenarioResult {
  std::string id;
  std::string title;
  std::string file;  // as given on the command line
  std::vector<std::string> requirements;
  std::vector<std::string> tags;
  Verdict verdict = Verdict::Error;
  std::string started_at;  // ISO 8601 UTC
  double duration = 0;     // seconds
  std::vector<StepRecord> steps;
  std::vector<CheckResult> checks;
  /// Evidence files, relative to the report folder: "capture" -> "net-conn-static/capture.pcap",
  /// "events" -> ".../events.jsonl", "log:kea" -> ".../kea.log", ...
  std::map<std::string, std::string> evidence;
  /// The harness error or interruption that ended it early, if any.
  std::string error;
  /// The boot of the phone it ran on: number (1 = the run's first), fresh (yes: booted for it;
  /// no: kept running from an earlier scenario), why (a fresh boot) or since (the scenario that
  /// booted it). Empty when nothing ran (not applicable).
  std::map<std::string, std::string> boot;
};

/// A way a firmware engineer could get a requirement subtly wrong, modelled by an emulator fault
/// that the self-test proves the suite catches.
struct WrongWay {
  std::string fault;  // the emulator fault's name
  std::string how;    // what the stack gets wrong, in a firmware engineer's words
};

/// One row of scenarios/requirements.yaml.
struct Requirement {
  std::string id;
  std::string title;
  std::string kind;  // "documented" (the vendor's text states it) | "hardening" (implied)
  std::string spec;  // the spec text it comes from, in our own words
  std::string notes;
  /// Not tested yet, on purpose: the issue that will add its scenario ("#5 TLS"). The coverage
  /// gate (scenario::checkCoverage) accepts a requirement without a scenario only with this marker.
  std::string planned;
  /// The realistic ways to get it wrong, each an emulator fault (`wrong_ways:`).
  std::vector<WrongWay> wrong_ways;
  Mark mark;  // where the catalog defines it (for diagnostics; not in results.json)
};

/// Requirement verdict, derived from the scenarios that name it.
struct RequirementResult {
  Requirement requirement;
  /// Combined from the scenarios' verdicts; meaningful only when tested.
  Verdict verdict = Verdict::NotApplicable;
  std::vector<std::string> scenarios;  // ids
  /// False when no scenario of the run names it: "not tested" (planned or not in this run), which
  /// is not "not-applicable" (that is for a scenario whose device lacks a capability).
  bool tested() const { return !scenarios.empty(); }
  /// The verdict's name, or "not-tested".
  std::string status() const;
};

inline constexpr std::string_view kNotTested = "not-tested";

struct RunInfo {
  std::string started_at;
  std::string finished_at;
  std::string harness_version;
  std::string lab;       // lab name
  std::string lab_file;  // path
  std::string command;   // the command line
  std::string host;
  /// DUT identity as read from the phone: model, mac, firmware, serial, driver.
  std::map<std::string, std::string> dut;
  std::vector<std::string> emulator_faults;
  bool complete = false;    // false while running or after an interruption
  std::string interrupted;  // e.g. "SIGINT"
};

struct RunResults {
  RunInfo run;
  std::vector<ScenarioResult> scenarios;
  std::vector<Requirement> catalog;  // the whole requirement catalog
  /// Derived: per requirement of the catalog, its verdict and scenarios.
  std::vector<RequirementResult> requirementResults() const;
  /// Counts per verdict over scenarios.
  std::map<Verdict, int> counts() const;
};

/// "2026-11-26T15:03:15Z"
std::string isoTimeUtcNow();

}  // namespace phonelab
