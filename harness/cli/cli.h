#pragma once
/// Internal to harness/cli (the `phonelab` program): what its commands share, and the commands
/// main.cc dispatches to. One file per group of commands: run_commands.cc (run, selftest),
/// report_commands.cc (report, merge, compare), check_commands.cc (validate, list, preflight,
/// cleanup); support.cc holds the helpers below.

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "base/core/error.h"
#include "base/core/result.h"
#include "harness/dut/lab_file.h"
#include "harness/runner/runner.h"
#include "harness/runner/selftest.h"
#include "harness/scenario/model.h"

namespace phonelab::cli {

/// Bad input (a file, an option, a folder): exit 2.
constexpr int kExitUsage = 2;

/// The folder of this binary ("" if unknown).
std::string binDir();

/// A default path the user did not give: as it is when it exists relative to the working
/// directory (a source checkout), else the installed copy when there is one, else as it is (and
/// loading it says it cannot be read).
std::string defaultPath(const std::string& relative);

void printDiagnostics(const ConfigError& e);

/// `load()`'s result; a ConfigError it throws is printed (each problem file:line:col) and gives
/// nullopt (the command then exits 2). Any other exception passes.
template <class Load>
auto loadOrPrint(Load&& load) -> std::optional<decltype(load())> {
  try {
    return load();
  } catch (const ConfigError& e) {
    printDiagnostics(e);
    return std::nullopt;
  }
}

/// `body()`'s exit code; bad input it throws exits 2: a ConfigError with its problems
/// (file:line:col), any other error (a folder it may not use) with its message, both the
/// caller's to fix. For the commands that read and write reports (report, merge, compare).
int exitUsageOnError(const std::function<int()>& body);

/// The options every command that loads the suite takes.
struct Common {
  std::string lab = "lab/emulated.yaml";
  std::string requirements = "scenarios/requirements.yaml";
  std::vector<std::string> paths;
};

/// The scenario paths given, else the default folder.
std::vector<std::string> scenarioPaths(const Common& c);

struct Loaded {
  dut::LabFile lab;
  std::vector<Requirement> catalog;
  std::vector<scenario::Scenario> scenarios;
};

/// Loads and validates everything before anything touches the network. Throws ConfigError with
/// every problem found.
Loaded loadAll(const Common& c);

/// The emulator's faults (phone-emulator --list-faults).
std::vector<runner::FaultInfo> emulatorFaultList(const dut::LabFile& lab);

/// --pdf: report.pdf next to index.html. A failure is a harness error (exit 3 unless the run
/// already failed); the HTML, JUnit and JSON reports are written either way.
int printPdf(const std::string& dir, int code);

/// Runs `body` with SIGINT/SIGTERM/SIGHUP turned into calls of `on_signal` (from a thread of its
/// own; the signals stay blocked in every other thread and are unblocked in children before exec).
int withSignals(const std::function<void(const char*)>& on_signal,
                const std::function<int()>& body);

// run_commands.cc

struct RunArgs {
  std::string report_dir = "out/report";
  std::vector<std::string> faults;
  int jobs = 1;
  std::string shard;  // "K/N" or empty
  bool pdf = false;   // also print report.pdf
  bool fresh_boot_each = false;
  size_t max_events = runner::RunOptions{}.max_events;
  uint64_t max_pcap_bytes = runner::RunOptions{}.max_pcap_bytes;
};

int cmdRun(const Common& c, const RunArgs& a, const std::string& command_line);

struct SelftestArgs {
  std::string report_dir = "out/selftest";
  int jobs = 8;
  std::vector<std::string> only;  // --fault: just these
  bool exhaustive = false;        // --exhaustive: every scenario, also once proven, and the area
};

int cmdSelftest(const Common& c, const SelftestArgs& a, const std::string& command_line);

// report_commands.cc

/// Several reports (shards, benches) into one: scenarios side by side, their folders copied.
int cmdMerge(const std::string& out_dir, const std::vector<std::string>& dirs);

/// Re-renders a report from its results.json, or (`share`) writes a copy safe to publish.
int cmdReport(const std::string& dir, bool pdf, const std::string& share);

/// `phonelab compare`: runs side by side (reports/compare.h). Exit 1 when the last run regressed
/// against the first, 2 on bad input.
int cmdCompare(const std::string& out_dir, const std::vector<std::string>& dirs);

// check_commands.cc

/// `phonelab preflight`: the bench segment check on the lab file's interface, as it is now (in
/// this namespace). Exit 0 if only the phone (or nothing) is there, 1 with what was seen.
int cmdPreflight(const Common& c, const std::string& listen);

int cmdValidate(const Common& c);

int cmdList(const Common& c, bool requirements, bool events);

/// `phonelab cleanup`: what runs whose harness died left behind (their marked processes, phl-*
/// namespaces and /run/phonelab/<token>) is removed and listed. Exit 0, or 3 if something stayed.
int cmdCleanup();

}  // namespace phonelab::cli
