// `phonelab run` and `phonelab selftest`: the commands that stand up a lab and run scenarios.

#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <iostream>
#include <optional>
#include <set>

#include "base/lab/netns.h"
#include "harness/cli/cli.h"

namespace phonelab::cli {

namespace {

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

std::set<std::string> emulatorFaults(const dut::LabFile& lab) {
  std::set<std::string> names;
  for (const auto& f : emulatorFaultList(lab)) names.insert(f.name);
  return names;
}

}  // namespace

int cmdRun(const Common& c, const RunArgs& a, const std::string& command_line) {
  const auto& report_dir = a.report_dir;
  const auto& faults = a.faults;
  auto loaded = loadOrPrint([&] { return loadAll(c); });
  if (!loaded) return kExitUsage;
  Loaded& l = *loaded;
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
  opts.fresh_boot_each = a.fresh_boot_each;
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

int cmdSelftest(const Common& c, const SelftestArgs& a, const std::string& command_line) {
  auto loaded = loadOrPrint([&] { return loadAll(c); });
  if (!loaded) return kExitUsage;
  Loaded& l = *loaded;
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

}  // namespace phonelab::cli
