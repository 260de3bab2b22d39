// What the commands of the `phonelab` program share (harness/cli/cli.h).

#include <pthread.h>
#include <signal.h>

#include <filesystem>
#include <iostream>
#include <thread>

#include "base/lab/process.h"
#include "harness/cli/cli.h"
#include "harness/scenario/loader.h"
#include "reports/report.h"

namespace phonelab::cli {

namespace fs = std::filesystem;

std::string binDir() {
  std::error_code ec;
  auto exe = fs::read_symlink("/proc/self/exe", ec);
  return ec ? std::string() : exe.parent_path().string();
}

namespace {

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

}  // namespace

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

int exitUsageOnError(const std::function<int()>& body) {
  try {
    return body();
  } catch (const ConfigError& e) {
    printDiagnostics(e);
    return kExitUsage;
  } catch (const std::exception& e) {
    std::cerr << "phonelab: " << e.what() << "\n";
    return kExitUsage;
  }
}

std::vector<std::string> scenarioPaths(const Common& c) {
  return c.paths.empty() ? std::vector<std::string>{defaultPath("scenarios")} : c.paths;
}

Loaded loadAll(const Common& c) {
  Loaded out;
  std::vector<Diagnostic> diags;
  // ${expect.NAME} and `when:` keys: the lab's device profile's expectations (none known when
  // the lab file does not load; its problems are reported then).
  scenario::Expectations expectations;
  try {
    out.lab = dut::loadLabFile(c.lab);
    expectations.emplace();
    for (const auto& [name, outcome] : out.lab.profile.expect) expectations->push_back(name);
  } catch (const ConfigError& e) {
    diags.insert(diags.end(), e.diagnostics().begin(), e.diagnostics().end());
  }
  try {
    out.catalog = scenario::loadRequirements(c.requirements);
  } catch (const ConfigError& e) {
    diags.insert(diags.end(), e.diagnostics().begin(), e.diagnostics().end());
  }
  try {
    out.scenarios = scenario::loadSuite(scenarioPaths(c), out.catalog, expectations);
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

std::vector<runner::FaultInfo> emulatorFaultList(const dut::LabFile& lab) {
  std::string program = lab.emulator() ? lab.emulator()->program : dut::EmulatorConfig().program;
  if (program.find('/') == std::string::npos && fs::exists(fs::path(binDir()) / program)) {
    program = (fs::path(binDir()) / program).string();
  }
  lab::ProcessSpec spec;
  spec.name = "phone-emulator";
  spec.argv = {program, "--list-faults"};
  auto r = lab::runToCompletion(spec, Deadline::in(Seconds(30)));
  // A list cut short would make a fault it lacks look unknown: say what went wrong instead.
  if (!r.ok())
    throw Error(program + " --list-faults failed (" + lab::Process::describeStatus(r.status) +
                "): " + r.output);
  return runner::parseFaultList(r.output);
}

int printPdf(const std::string& dir, int code) {
  try {
    std::cout << "phonelab: printed " << reports::writePdf(dir) << "\n";
    return code;
  } catch (const std::exception& e) {
    std::cerr << "phonelab: " << e.what() << "\n";
    return code == 0 ? 3 : code;
  }
}

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

}  // namespace phonelab::cli
