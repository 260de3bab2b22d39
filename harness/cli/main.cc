// phonelab: run conformance and security scenarios against a phone and write compliance reports.

#include <pthread.h>
#include <signal.h>
#include <unistd.h>
#include <CLI/CLI.hpp>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <iostream>
#include <map>
#include <optional>
#include <set>
#include <sstream>
#include <thread>
#include <tuple>

#include "base/core/console.h"
#include "base/core/error.h"
#include "base/core/event_catalog.h"
#include "base/core/safe_fs.h"
#include "base/lab/netns.h"
#include "base/lab/preflight.h"
#include "base/lab/process.h"
#include "base/lab/watchdog.h"
#include "harness/dut/lab_file.h"
#include "harness/runner/runner.h"
#include "harness/runner/selftest.h"
#include "harness/scenario/loader.h"
#include "reports/compare.h"
#include "reports/merge.h"
#include "reports/report.h"
#include "reports/share.h"

namespace fs = std::filesystem;
using namespace phonelab;

namespace {

constexpr int kExitUsage = 2;

std::string binDir() {
  std::error_code ec;
  auto exe = fs::read_symlink("/proc/self/exe", ec);
  return ec ? std::string() : exe.parent_path().string();
}

/// The installed data (scenarios, catalog, lab files, device profiles): PHONELAB_DATA_FROM_BIN
/// relative to this binary's folder (../share/phonelab in an install), so an installed copy, also
/// one unpacked under another root, finds its own data. Empty when there is none.
std::string dataDir() {
#ifdef PHONELAB_DATA_FROM_BIN
  const std::string bin = binDir();
  if (bin.empty()) return "";
  std::error_code ec;
  const fs::path dir = (fs::path(bin) / PHONELAB_DATA_FROM_BIN).lexically_normal();
  return fs::is_directory(dir, ec) ? dir.string() : "";
#else
  return "";
#endif
}

/// A default path the user did not give: as it is when it exists relative to the working
/// directory (a source checkout), else the installed copy when there is one, else as it is (and
/// loading it says it cannot be read).
std::string defaultPath(const std::string& relative) {
  std::error_code ec;
  if (fs::exists(relative, ec)) return relative;
  const std::string data = dataDir();
  if (data.empty()) return relative;
  const fs::path installed = fs::path(data) / relative;
  return fs::exists(installed, ec) ? installed.string() : relative;
}

void printDiagnostics(const ConfigError& e) {
  for (const auto& d : e.diagnostics()) std::cerr << d.str() << "\n";
}

struct Common {
  std::string lab = "lab/emulated.yaml";
  std::string requirements = "scenarios/requirements.yaml";
  std::vector<std::string> paths;
};

struct Loaded {
  dut::LabFile lab;
  std::vector<Requirement> catalog;
  std::vector<scenario::Scenario> scenarios;
};

/// Loads and validates everything before anything touches the network. Throws ConfigError with
/// every problem found.
Loaded loadAll(const Common& c) {
  Loaded out;
  std::vector<Diagnostic> diags;
  try {
    out.lab = dut::loadLabFile(c.lab);
  } catch (const ConfigError& e) {
    diags.insert(diags.end(), e.diagnostics().begin(), e.diagnostics().end());
  }
  try {
    out.catalog = scenario::loadRequirements(c.requirements);
  } catch (const ConfigError& e) {
    diags.insert(diags.end(), e.diagnostics().begin(), e.diagnostics().end());
  }
  try {
    out.scenarios = scenario::loadSuite(
        c.paths.empty() ? std::vector<std::string>{defaultPath("scenarios")} : c.paths,
        out.catalog);
  } catch (const ConfigError& e) {
    diags.insert(diags.end(), e.diagnostics().begin(), e.diagnostics().end());
  }
  if (diags.empty()) {
    auto lab_diags = runner::checkAgainstLab(out.scenarios, out.lab);
    diags.insert(diags.end(), lab_diags.begin(), lab_diags.end());
  }
  if (!diags.empty()) throw ConfigError(diags);
  return out;
}

/// The emulator's faults (phone-emulator --list-faults).
std::vector<runner::FaultInfo> emulatorFaultList(const dut::LabFile& lab) {
  std::string program = lab.emulator() ? lab.emulator()->program : dut::EmulatorConfig().program;
  if (program.find('/') == std::string::npos && fs::exists(fs::path(binDir()) / program)) {
    program = (fs::path(binDir()) / program).string();
  }
  lab::ProcessSpec spec;
  spec.name = "phone-emulator";
  spec.argv = {program, "--list-faults"};
  auto r = lab::runToCompletion(spec, Deadline::in(Seconds(10)));
  return runner::parseFaultList(r.output);
}

std::set<std::string> emulatorFaults(const dut::LabFile& lab) {
  std::set<std::string> names;
  for (const auto& f : emulatorFaultList(lab)) names.insert(f.name);
  return names;
}

/// --pdf: report.pdf next to index.html. A failure is a harness error (exit 3 unless the run
/// already failed); the HTML, JUnit and JSON reports are written either way.
int printPdf(const std::string& dir, int code) {
  try {
    std::cout << "phonelab: printed " << reports::writePdf(dir) << "\n";
    return code;
  } catch (const std::exception& e) {
    std::cerr << "phonelab: " << e.what() << "\n";
    return code == 0 ? 3 : code;
  }
}

/// Runs `body` with SIGINT/SIGTERM/SIGHUP turned into calls of `on_signal` (from a thread of its
/// own; the signals stay blocked in every other thread and are unblocked in children before exec).
int withSignals(const std::function<void(const char*)>& on_signal,
                const std::function<int()>& body) {
  sigset_t set;
  sigemptyset(&set);
  for (int s : {SIGINT, SIGTERM, SIGHUP, SIGUSR1}) sigaddset(&set, s);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  std::thread sig_thread([&] {
    for (;;) {
      int sig = 0;
      if (sigwait(&set, &sig) != 0 || sig == SIGUSR1) return;
      const char* name = sig == SIGINT ? "SIGINT" : sig == SIGTERM ? "SIGTERM" : "SIGHUP";
      std::cerr << "\nphonelab: " << name << ": stopping after teardown of what runs now\n";
      on_signal(name);
    }
  });
  int code = body();
  pthread_kill(sig_thread.native_handle(), SIGUSR1);
  sig_thread.join();
  return code;
}

/// "K/N" (1 <= K <= N): the slice of a suite one of N machines runs.
struct Shard {
  size_t k = 1, n = 1;
};

std::optional<Shard> parseShard(const std::string& text) {
  auto slash = text.find('/');
  if (slash == std::string::npos) return std::nullopt;
  // Plain decimal digits only: std::stoul would take "-1" (and " 1", "+1") and wrap it.
  auto number = [](const std::string& s) -> std::optional<size_t> {
    if (s.empty() || s.size() > 6) return std::nullopt;
    for (char c : s) {
      if (c < '0' || c > '9') return std::nullopt;
    }
    return std::stoul(s);
  };
  auto k = number(text.substr(0, slash)), n = number(text.substr(slash + 1));
  if (!k || !n || *n == 0 || *k == 0 || *k > *n) return std::nullopt;
  return Shard{*k, *n};
}

struct RunArgs {
  std::string report_dir = "out/report";
  std::vector<std::string> faults;
  int jobs = 1;
  std::string shard;  // "K/N" or empty
  bool pdf = false;   // also print report.pdf
  size_t max_events = runner::RunOptions{}.max_events;
  uint64_t max_pcap_bytes = runner::RunOptions{}.max_pcap_bytes;
};

int cmdRun(const Common& c, const RunArgs& a, const std::string& command_line) {
  const auto& report_dir = a.report_dir;
  const auto& faults = a.faults;
  Loaded l;
  try {
    l = loadAll(c);
  } catch (const ConfigError& e) {
    printDiagnostics(e);
    return kExitUsage;
  }
  if (a.jobs > 1 && l.lab.physical()) {
    std::cerr << "phonelab: --jobs " << a.jobs << " needs one DUT per lane; lab " << l.lab.file
              << " has one " << l.lab.driverName() << " device\n";
    return kExitUsage;
  }
  if (!a.shard.empty()) {
    auto shard = parseShard(a.shard);
    if (!shard) {
      std::cerr << "phonelab: --shard " << a.shard << ": expected K/N with 1 <= K <= N\n";
      return kExitUsage;
    }
    // Scenario i of the suite (in its stable, sorted order) belongs to shard i mod N + 1.
    std::vector<scenario::Scenario> mine;
    for (size_t i = 0; i < l.scenarios.size(); ++i) {
      if (i % shard->n == shard->k - 1) mine.push_back(std::move(l.scenarios[i]));
    }
    l.scenarios = std::move(mine);
  }
  if (geteuid() != 0) {
    std::cerr << "phonelab: run needs root (it creates network namespaces)\n";
    return kExitUsage;
  }
  if (!faults.empty() && !l.lab.emulator()) {
    std::cerr << "phonelab: --emulator-fault needs driver: emulator (lab " << l.lab.file
              << " has driver: " << l.lab.driverName()
              << "; a program's own options go in its argv)\n";
    return kExitUsage;
  }
  if (!faults.empty()) {
    auto known = emulatorFaults(l.lab);
    for (const auto& f : faults) {
      if (!known.count(f)) {
        std::cerr << "phonelab: unknown emulator fault '" << f
                  << "' (phone-emulator --list-faults lists them)\n";
        return kExitUsage;
      }
    }
  }

  runner::RunOptions opts;
  opts.report_dir = report_dir;
  opts.emulator_faults = faults;
  opts.bin_dir = binDir();
  opts.command_line = command_line;
  opts.jobs = a.jobs;
  opts.max_events = a.max_events;
  opts.max_pcap_bytes = a.max_pcap_bytes;
  const char* ci = std::getenv("CI");
  opts.live = isatty(STDOUT_FILENO) && !(ci && std::string(ci) == "true");
  runner::Runner runner(std::move(opts), std::move(l.lab), std::move(l.catalog),
                        std::move(l.scenarios));

  // Ctrl-C and SIGTERM: tear the current scenarios down and write the report of what finished.
  int code =
      withSignals([&](const char* name) { runner.interrupt(name); }, [&] { return runner.run(); });

  auto counts = runner.results().counts();
  std::cout << "phonelab: " << runner.results().scenarios.size() << " scenarios:";
  for (auto v : {Verdict::Pass, Verdict::Fail, Verdict::Inconclusive, Verdict::Error,
                 Verdict::NotApplicable}) {
    std::cout << " " << counts[v] << " " << toString(v);
  }
  std::cout << "; report in " << report_dir << "/index.html\n";
  return a.pdf ? printPdf(report_dir, code) : code;
}

struct SelftestArgs {
  std::string report_dir = "out/selftest";
  int jobs = 8;
  std::vector<std::string> only;  // --fault: just these
  bool exhaustive = false;        // --exhaustive: every scenario of the area, also once proven
};

int cmdSelftest(const Common& c, const SelftestArgs& a, const std::string& command_line) {
  Loaded l;
  try {
    l = loadAll(c);
  } catch (const ConfigError& e) {
    printDiagnostics(e);
    return kExitUsage;
  }
  if (geteuid() != 0) {
    std::cerr << "phonelab: selftest needs root (it creates network namespaces)\n";
    return kExitUsage;
  }
  if (!l.lab.emulator()) {
    std::cerr << "phonelab: selftest needs the emulator (lab " << l.lab.file << " has a "
              << l.lab.driverName() << " device)\n";
    return kExitUsage;
  }
  auto faults = emulatorFaultList(l.lab);
  if (faults.empty()) {
    std::cerr << "phonelab: the emulator lists no faults (phone-emulator --list-faults)\n";
    return kExitUsage;
  }
  const auto every_fault = faults;
  if (!a.only.empty()) {
    std::vector<runner::FaultInfo> chosen;
    for (const auto& name : a.only) {
      auto it = std::find_if(faults.begin(), faults.end(),
                             [&](const runner::FaultInfo& f) { return f.name == name; });
      if (it == faults.end()) {
        std::cerr << "phonelab: unknown emulator fault '" << name
                  << "' (phone-emulator --list-faults lists them)\n";
        return kExitUsage;
      }
      chosen.push_back(*it);
    }
    faults = std::move(chosen);
  }
  for (const auto& ns : lab::removeStaleNamespaces()) {
    std::cerr << "phonelab: removed stale namespace " << ns << " of an earlier run\n";
  }
  runner::SelftestOptions opts;
  opts.report_dir = a.report_dir;
  opts.bin_dir = binDir();
  opts.jobs = a.jobs;
  opts.command_line = command_line;
  opts.every_fault = a.only.empty();
  opts.exhaustive = a.exhaustive;
  opts.known_faults = every_fault;
  runner::Selftest selftest(opts, std::move(l.lab), std::move(l.catalog), std::move(l.scenarios),
                            std::move(faults));
  runner::SelftestResult result;
  int code = withSignals([&](const char* name) { selftest.interrupt(name); },
                         [&] {
                           result = selftest.run();
                           return result.ok() ? 0 : result.interrupted ? 3 : 1;
                         });
  std::cout << "\n"
            << runner::formatTable(result) << "selftest: table in " << a.report_dir
            << "/selftest.txt, each run's report in " << a.report_dir << "/<fault>/<scenario>/\n";
  return code;
}

/// `phonelab preflight`: the bench segment check on the lab file's interface, as it is now (in
/// this namespace). Exit 0 if only the phone (or nothing) is there, 1 with what was seen.
int cmdPreflight(const Common& c, const std::string& listen) {
  dut::LabFile lab;
  try {
    lab = dut::loadLabFile(c.lab);
  } catch (const ConfigError& e) {
    printDiagnostics(e);
    return kExitUsage;
  }
  double seconds = 0;
  if (!parseDuration(listen, seconds) || seconds <= 0 || seconds > 60) {
    std::cerr << "phonelab: --listen " << listen << ": expected a duration up to 60s, e.g. 3s\n";
    return kExitUsage;
  }
  if (!lab.bench()) {
    std::cerr << "phonelab: preflight checks a bench NIC; lab " << lab.file
              << " has segment: " << lab.segmentName() << "\n";
    return kExitUsage;
  }
  const dut::InterfaceSegment& nic = *lab.bench();
  // As `run` does: a NIC with an address of the host is the host's, not a bench NIC; no DHCP
  // goes out on it.
  try {
    const std::string v4 = lab::hostIpv4Addresses(nic.interface);
    if (!v4.empty()) {
      std::cerr << "phonelab: the bench NIC "
                << nic.interface << " has IPv4 addresses on the host (" << v4
                << "): a bench NIC must have no address and no DHCP client (docs/lab-setup.md); "
                   "nothing was sent\n";
      return kExitUsage;
    }
  } catch (const std::exception& e) {
    std::cerr << "phonelab: " << e.what() << "\n";
    return kExitUsage;
  }
  if (nic.vlan != 0) {
    std::cerr << "phonelab: preflight on a VLAN (vlan: " << nic.vlan
              << ") is not supported yet; run it on an untagged port\n";
    return kExitUsage;
  }
  if (geteuid() != 0) {
    std::cerr << "phonelab: preflight needs root (a packet socket on " << nic.interface << ")\n";
    return kExitUsage;
  }
  lab::PreflightOptions o;
  o.iface = nic.interface;
  o.phone_mac = lab.mac;
  o.listen = seconds;
  std::cout << "phonelab: preflight on " << o.iface << ": DHCP DISCOVERs from a throwaway MAC, "
            << "listening " << formatSeconds(seconds) << "...\n";
  auto r = lab::runPreflight(o, Deadline::in(Seconds(seconds + 5)));
  if (r.ok()) {
    std::cout << "phonelab: preflight passed: " << r.describe(o.iface) << " (" << r.discovers_sent
              << " DISCOVERs from " << r.throwaway_mac << " unanswered)\n";
    return 0;
  }
  std::cout << "phonelab: preflight refused the segment: " << r.describe(o.iface) << "\n";
  return 1;
}

int cmdValidate(const Common& c) {
  try {
    auto l = loadAll(c);
    std::cout << "phonelab: " << l.scenarios.size() << " scenarios, " << l.catalog.size()
              << " requirements and lab '" << l.lab.name << "' are valid\n";
    return 0;
  } catch (const ConfigError& e) {
    printDiagnostics(e);
    std::cerr << "phonelab: " << e.diagnostics().size() << " problem(s) found\n";
    return kExitUsage;
  }
}

int cmdList(const Common& c, bool requirements, bool events) {
  if (events) {
    std::cout << eventCatalogMarkdown();
    return 0;
  }
  try {
    if (requirements) {
      auto catalog = scenario::loadRequirements(c.requirements);
      std::vector<scenario::Scenario> scenarios;
      try {
        scenarios = scenario::loadSuite(
            c.paths.empty() ? std::vector<std::string>{defaultPath("scenarios")} : c.paths,
            catalog);
      } catch (const ConfigError&) {
        // Listing the catalog still works with a broken scenario; `validate` says what is wrong.
      }
      for (const auto& r : catalog) {
        std::string by;
        for (const auto& s : scenarios) {
          for (const auto& id : s.requirements) {
            if (id == r.id) by += (by.empty() ? "" : ",") + s.id;
          }
        }
        std::cout << r.id << "\t" << r.kind << "\t" << r.title << "\t"
                  << (by.empty() ? (r.planned.empty() ? std::string("(no scenario yet)")
                                                      : "(not tested: planned " + r.planned + ")")
                                 : by)
                  << "\n";
      }
    } else {
      auto catalog = scenario::loadRequirements(c.requirements);
      auto scenarios = scenario::loadSuite(
          c.paths.empty() ? std::vector<std::string>{defaultPath("scenarios")} : c.paths, catalog);
      for (const auto& s : scenarios) {
        std::string reqs;
        for (const auto& r : s.requirements) reqs += (reqs.empty() ? "" : ",") + r;
        std::cout << s.id << "\t" << reqs << "\t" << s.title << "\t" << s.file << "\n";
      }
    }
    return 0;
  } catch (const ConfigError& e) {
    printDiagnostics(e);
    return kExitUsage;
  }
}

/// Several reports (shards, benches) into one: scenarios side by side, their folders copied.
int cmdMerge(const std::string& out_dir, const std::vector<std::string>& dirs) {
  try {
    std::vector<std::string> skipped;
    RunResults merged = reports::mergeReports(out_dir, dirs, skipped);
    for (const auto& k : skipped) std::cerr << "phonelab: merge: skipped " << k << "\n";
    reports::writeAll(merged, out_dir);
    std::cout << "phonelab: merged " << merged.scenarios.size() << " scenarios from " << dirs.size()
              << " reports into " << out_dir << "/index.html\n";
    std::vector<Verdict> vs;
    for (const auto& s : merged.scenarios) vs.push_back(s.verdict);
    return exitCodeFor(vs);
  } catch (const ConfigError& e) {
    printDiagnostics(e);
    return kExitUsage;
  } catch (const std::exception& e) {
    std::cerr << "phonelab: " << e.what() << "\n";
    return kExitUsage;
  }
}

int cmdReport(const std::string& dir, bool pdf, const std::string& share) {
  try {
    if (!share.empty()) {
      std::vector<std::string> notes;
      reports::writeShareCopy(dir, share, notes);
      for (const auto& n : notes) std::cout << "phonelab: " << n << "\n";
      std::cout << "phonelab: a copy safe to share in " << share << "/index.html\n";
      return 0;
    }
    auto results = reports::readJson(dir + "/results.json");
    reports::writeAll(results, dir);
    std::cout << "phonelab: re-rendered " << dir << "/index.html and junit.xml\n";
    return pdf ? printPdf(dir, 0) : 0;
  } catch (const ConfigError& e) {
    printDiagnostics(e);
    return kExitUsage;
  } catch (const std::exception& e) {
    std::cerr << "phonelab: " << e.what() << "\n";
    return kExitUsage;
  }
}

/// `phonelab compare`: runs side by side (reports/compare.h). Exit 1 when the last run regressed
/// against the first, 2 on bad input.
int cmdCompare(const std::string& out_dir, const std::vector<std::string>& dirs) {
  if (dirs.size() < 2) {
    std::cerr << "phonelab: compare needs at least two report folders (got " << dirs.size()
              << ")\n";
    return kExitUsage;
  }
  reports::Comparison c;
  try {
    c = reports::loadComparison(dirs);
    reports::writeComparison(c, out_dir);
  } catch (const ConfigError& e) {
    printDiagnostics(e);
    return kExitUsage;
  } catch (const std::exception& e) {
    // As merge and report: an output folder we may not use is the caller's to fix.
    std::cerr << "phonelab: " << e.what() << "\n";
    return kExitUsage;
  }
  std::cout << reports::compareText(c) << "phonelab: comparison in " << out_dir
            << "/compare.html and compare.txt\n";
  return c.regressed() ? 1 : 0;
}

}  // namespace

/// `phonelab cleanup`: what runs whose harness died left behind (their marked processes, phl-*
/// namespaces and /run/phonelab/<token>) is removed and listed. Exit 0, or 3 if something stayed.
int cmdCleanup() {
  std::string errors;
  auto removed = lab::cleanupDeadRuns(errors);
  for (const auto& r : removed) std::cout << "removed " << r << "\n";
  if (removed.empty() && errors.empty()) std::cout << "nothing to clean up\n";
  if (!errors.empty()) {
    std::cerr << "phonelab: cleanup: " << errors << "\n";
    return 3;
  }
  return 0;
}

int main(int argc, char** argv) {
  signal(SIGPIPE, SIG_IGN);
  // Phone bytes (failure messages, what a hostile phone sent) must not drive the terminal.
  installTerminalFilter();
  std::string command_line;
  for (int i = 0; i < argc; ++i) command_line += (i ? " " : "") + std::string(argv[i]);

  CLI::App app{"phonelab: conformance and security tests for IP conference phones"};
  app.set_version_flag("--version", std::string("phonelab ") + PHONELAB_VERSION);
  app.require_subcommand(1);

  // A default (not given) lab file, catalog or scenario folder is taken from the working
  // directory when it is there, else from the installed data (<prefix>/share/phonelab); a path
  // given on the command line means what it says, relative to the working directory.
  Common common;
  std::vector<CLI::Option*> lab_options, catalog_options;
  auto add_common = [&](CLI::App* sub) {
    lab_options.push_back(
        sub->add_option("--lab", common.lab, "lab file (default: here, else the installed one)")
            ->capture_default_str());
    catalog_options.push_back(
        sub->add_option("--catalog", common.requirements,
                        "requirement catalog (default: here, else the installed one)")
            ->capture_default_str());
    sub->add_option("paths", common.paths,
                    "scenario files or folders (default: scenarios here, else the installed ones)");
  };

  RunArgs run_args;
  auto* run = app.add_subcommand("run", "run scenarios against the DUT and write a report");
  add_common(run);
  run->add_option("--report", run_args.report_dir, "report folder")->capture_default_str();
  run->add_option("--emulator-fault", run_args.faults,
                  "start the emulator with this fault (repeatable)")
      ->allow_extra_args(false);
  run->add_option("--jobs,-j", run_args.jobs,
                  "scenarios run side by side, each in a lane of its own (emulated DUT)")
      ->check(CLI::Range(1, 64))
      ->capture_default_str();
  run->add_option("--shard", run_args.shard,
                  "run only slice K of N of the suite (K/N), e.g. one CI job of N");

  SelftestArgs selftest_args;
  auto* selftest = app.add_subcommand(
      "selftest",
      "prove the suite catches every emulator fault (a table: fault, caught or missed)");
  add_common(selftest);
  selftest->add_option("--report", selftest_args.report_dir, "folder for the table and the runs")
      ->capture_default_str();
  selftest->add_option("--jobs,-j", selftest_args.jobs, "lanes in use at once")
      ->check(CLI::Range(1, 200))
      ->capture_default_str();
  selftest->add_option("--fault", selftest_args.only, "only this fault (repeatable)")
      ->allow_extra_args(false);
  selftest->add_flag("--exhaustive", selftest_args.exhaustive,
                     "run every scenario of a fault's area, also once a scenario of each "
                     "requirement it names has caught it");

  std::string merge_dir = "out/merged";
  std::vector<std::string> merge_inputs;
  auto* merge = app.add_subcommand("merge", "combine several reports into one");
  merge->add_option("--report", merge_dir, "report folder to write")->capture_default_str();
  merge->add_option("dirs", merge_inputs, "report folders (each with results.json)")->required();
  std::string compare_dir = "out/compare";
  std::vector<std::string> compare_inputs;
  auto* compare = app.add_subcommand(
      "compare",
      "runs side by side (firmware, models, benches): what regressed, was fixed, is new or no "
      "longer run, the first run against the last; exit 1 if the last regressed");
  compare->add_option("--out", compare_dir, "folder for compare.html and compare.txt")
      ->capture_default_str();
  compare->footer(
      "regressed: pass in the first run, fail, error or inconclusive in the last; fixed: the "
      "reverse; new / no longer run: not run in the first / the last. Runs with different "
      "catalogs or scenarios are compared on what they share. Exit 0: nothing regressed, 1: "
      "something regressed, 2: bad input.");
  compare->add_option("dirs", compare_inputs, "two or more report folders, the baseline first")
      ->required();
  run->add_option("--max-events", run_args.max_events,
                  "per scenario: events kept (more: inconclusive; 0: no limit)")
      ->capture_default_str();
  run->add_option("--max-pcap-bytes", run_args.max_pcap_bytes,
                  "per scenario: size of capture.pcap (more: inconclusive; 0: no limit)")
      ->capture_default_str();
  run->add_flag("--pdf", run_args.pdf, "also print the report to report.pdf (headless Chromium)");
  bool pdf = false;

  auto* validate = app.add_subcommand(
      "validate", "check scenarios, catalog and lab file; exit 2 on any problem");
  add_common(validate);

  std::string preflight_listen = "3s";
  auto* preflight = app.add_subcommand(
      "preflight",
      "check a bench NIC (segment: interface) for other DHCP servers and hosts; exit 1 if any");
  lab_options.push_back(preflight->add_option("--lab", common.lab, "lab file")->required());
  preflight->add_option("--listen", preflight_listen, "how long to listen")->capture_default_str();

  bool list_requirements = false;
  bool list_events = false;
  auto* list =
      app.add_subcommand("list", "list scenarios, the requirement catalog, or the event kinds");
  add_common(list);
  list->add_flag("--requirements", list_requirements,
                 "list requirements and the scenarios testing them");
  list->add_flag("--events", list_events,
                 "the event catalogue: every event kind, its source and fields (Markdown)");

  std::string rerender_dir;
  auto* report =
      app.add_subcommand("report", "re-render index.html and junit.xml from results.json");
  report->add_option("dir", rerender_dir, "report folder")->required();
  report->add_flag("--pdf", pdf, "also print the report to report.pdf (headless Chromium)");
  std::string share_dir;
  report->add_option("--share", share_dir,
                     "instead, write a copy safe to publish to this folder: secret files left "
                     "out, passwords and digest responses masked (also in the captures)");

  auto* cleanup = app.add_subcommand(
      "cleanup", "remove what dead runs left: their processes, phl-* namespaces, run folders");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int code = app.exit(e);
    return code == 0 ? 0 : kExitUsage;
  }
  auto given = [](const std::vector<CLI::Option*>& options) {
    return std::any_of(options.begin(), options.end(),
                       [](const CLI::Option* o) { return o->count() > 0; });
  };
  if (!given(lab_options)) common.lab = defaultPath(common.lab);
  if (!given(catalog_options)) common.requirements = defaultPath(common.requirements);
  // An empty report folder is a usage error, not a harness failure at the end of a run.
  const std::tuple<CLI::App*, const std::string*, const char*> report_dirs[] = {
      {run, &run_args.report_dir, "--report (or the report folder)"},
      {selftest, &selftest_args.report_dir, "--report (or the report folder)"},
      {merge, &merge_dir, "--report (or the report folder)"},
      {compare, &compare_dir, "--out"},
      {report, &rerender_dir, "--report (or the report folder)"}};
  for (const auto& [sub, dir, what] : report_dirs) {
    if (*sub && dir->empty()) {
      std::cerr << "phonelab: " << sub->get_name() << ": " << what << " is empty\n";
      return kExitUsage;
    }
  }
  // Still one thread: the watchdog that cleans up after this process if it dies is forked here.
  if (*run || *selftest || *preflight) lab::startWatchdog();
  try {
    if (*cleanup) return cmdCleanup();
    if (*run) return cmdRun(common, run_args, command_line);
    if (*merge) return cmdMerge(merge_dir, merge_inputs);
    if (*compare) return cmdCompare(compare_dir, compare_inputs);
    if (*selftest) return cmdSelftest(common, selftest_args, command_line);
    if (*validate) return cmdValidate(common);
    if (*preflight) return cmdPreflight(common, preflight_listen);
    if (*list) return cmdList(common, list_requirements, list_events);
    if (*report) return cmdReport(rerender_dir, pdf, share_dir);
  } catch (const std::exception& e) {
    std::cerr << "phonelab: " << e.what() << "\n";
    return 3;
  }
  return kExitUsage;
}
