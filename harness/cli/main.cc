// phonelab: run conformance and security scenarios against a phone and write compliance reports.

#include <pthread.h>
#include <signal.h>
#include <unistd.h>
#include <CLI/CLI.hpp>

#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <set>
#include <sstream>
#include <thread>

#include "harness/core/error.h"
#include "harness/dut/lab_file.h"
#include "harness/lab/process.h"
#include "harness/runner/runner.h"
#include "harness/scenario/loader.h"
#include "reports/report.h"

namespace fs = std::filesystem;
using namespace phonelab;

namespace {

constexpr int kExitUsage = 2;

std::string binDir() {
  std::error_code ec;
  auto exe = fs::read_symlink("/proc/self/exe", ec);
  return ec ? std::string() : exe.parent_path().string();
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
        c.paths.empty() ? std::vector<std::string>{"scenarios"} : c.paths, out.catalog);
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

/// Fault names the emulator knows (phone-emulator --list-faults).
std::set<std::string> emulatorFaults(const dut::LabFile& lab) {
  std::string program = lab.emulator.program;
  if (program.find('/') == std::string::npos && fs::exists(fs::path(binDir()) / program)) {
    program = (fs::path(binDir()) / program).string();
  }
  lab::ProcessSpec spec;
  spec.name = "phone-emulator";
  spec.argv = {program, "--list-faults"};
  auto r = lab::runToCompletion(spec, Deadline::in(Seconds(10)));
  std::set<std::string> names;
  std::istringstream in(r.output);
  for (std::string line; std::getline(in, line);) {
    auto tab = line.find('\t');
    if (tab != std::string::npos) names.insert(line.substr(0, tab));
  }
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

int cmdRun(const Common& c, const std::string& report_dir, const std::vector<std::string>& faults,
           const std::string& command_line, bool pdf) {
  Loaded l;
  try {
    l = loadAll(c);
  } catch (const ConfigError& e) {
    printDiagnostics(e);
    return kExitUsage;
  }
  if (geteuid() != 0) {
    std::cerr << "phonelab: run needs root (it creates network namespaces)\n";
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
  const char* ci = std::getenv("CI");
  opts.live = isatty(STDOUT_FILENO) && !(ci && std::string(ci) == "true");
  runner::Runner runner(std::move(opts), std::move(l.lab), std::move(l.catalog),
                        std::move(l.scenarios));

  // Ctrl-C and SIGTERM: tear the current scenario down and write the report of what finished.
  // The signals are blocked in every thread (and unblocked again in children before exec).
  sigset_t set;
  sigemptyset(&set);
  for (int s : {SIGINT, SIGTERM, SIGHUP, SIGUSR1}) sigaddset(&set, s);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  std::thread sig_thread([&] {
    for (;;) {
      int sig = 0;
      if (sigwait(&set, &sig) != 0 || sig == SIGUSR1) return;
      const char* name = sig == SIGINT ? "SIGINT" : sig == SIGTERM ? "SIGTERM" : "SIGHUP";
      std::cerr << "\nphonelab: " << name << ": stopping after teardown of the current scenario\n";
      runner.interrupt(name);
    }
  });
  int code = runner.run();
  pthread_kill(sig_thread.native_handle(), SIGUSR1);
  sig_thread.join();

  auto counts = runner.results().counts();
  std::cout << "phonelab: " << runner.results().scenarios.size() << " scenarios:";
  for (auto v : {Verdict::Pass, Verdict::Fail, Verdict::Inconclusive, Verdict::Error,
                 Verdict::NotApplicable}) {
    std::cout << " " << counts[v] << " " << toString(v);
  }
  std::cout << "; report in " << report_dir << "/index.html\n";
  return pdf ? printPdf(report_dir, code) : code;
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

int cmdList(const Common& c, bool requirements) {
  try {
    if (requirements) {
      auto catalog = scenario::loadRequirements(c.requirements);
      std::vector<scenario::Scenario> scenarios;
      try {
        scenarios = scenario::loadSuite(
            c.paths.empty() ? std::vector<std::string>{"scenarios"} : c.paths, catalog);
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
          c.paths.empty() ? std::vector<std::string>{"scenarios"} : c.paths, catalog);
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

int cmdReport(const std::string& dir, bool pdf) {
  try {
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

}  // namespace

int main(int argc, char** argv) {
  signal(SIGPIPE, SIG_IGN);
  std::string command_line;
  for (int i = 0; i < argc; ++i) command_line += (i ? " " : "") + std::string(argv[i]);

  CLI::App app{"phonelab: conformance and security tests for IP conference phones"};
  app.set_version_flag("--version", std::string("phonelab ") + PHONELAB_VERSION);
  app.require_subcommand(1);

  Common common;
  auto add_common = [&](CLI::App* sub) {
    sub->add_option("--lab", common.lab, "lab file")->capture_default_str();
    sub->add_option("--catalog", common.requirements, "requirement catalog")->capture_default_str();
    sub->add_option("paths", common.paths, "scenario files or folders (default: scenarios)");
  };

  std::string report_dir = "out/report";
  std::vector<std::string> faults;
  auto* run = app.add_subcommand("run", "run scenarios against the DUT and write a report");
  add_common(run);
  run->add_option("--report", report_dir, "report folder")->capture_default_str();
  run->add_option("--emulator-fault", faults, "start the emulator with this fault (repeatable)")
      ->allow_extra_args(false);
  bool pdf = false;
  run->add_flag("--pdf", pdf, "also print the report to report.pdf (headless Chromium)");

  auto* validate = app.add_subcommand(
      "validate", "check scenarios, catalog and lab file; exit 2 on any problem");
  add_common(validate);

  bool list_requirements = false;
  auto* list = app.add_subcommand("list", "list scenarios, or the requirement catalog");
  add_common(list);
  list->add_flag("--requirements", list_requirements,
                 "list requirements and the scenarios testing them");

  std::string rerender_dir;
  auto* report =
      app.add_subcommand("report", "re-render index.html and junit.xml from results.json");
  report->add_option("dir", rerender_dir, "report folder")->required();
  report->add_flag("--pdf", pdf, "also print the report to report.pdf (headless Chromium)");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int code = app.exit(e);
    return code == 0 ? 0 : kExitUsage;
  }
  try {
    if (*run) return cmdRun(common, report_dir, faults, command_line, pdf);
    if (*validate) return cmdValidate(common);
    if (*list) return cmdList(common, list_requirements);
    if (*report) return cmdReport(rerender_dir, pdf);
  } catch (const std::exception& e) {
    std::cerr << "phonelab: " << e.what() << "\n";
    return 3;
  }
  return kExitUsage;
}
