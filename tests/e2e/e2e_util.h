#pragma once
// Helpers for end-to-end tests: run the phonelab binary as a user would and read its report.

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <ostream>
#include <sstream>
#include <string>
#include <vector>

#include "base/lab/netns.h"
#include "base/lab/process.h"

namespace phonelab::e2e {

inline const std::string kSrc = PHONELAB_SOURCE_DIR;
inline const std::string kBin = PHONELAB_BIN_DIR;

struct RunOutcome {
  int exit_code = -1;
  std::string output;
  nlohmann::json results;  // results.json, if written
  std::string report_dir;
};

/// A fresh report folder under the build tree.
inline std::string freshDir(const std::string& name) {
  std::string dir = kBin + "/../e2e-out/" + name;
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return std::filesystem::weakly_canonical(dir).string();
}

/// `phonelab <args>` with the repo's lab and catalog, run to completion (deadline 10 min unless
/// given: a hang guard, not a speed claim).
inline RunOutcome phonelab(std::vector<std::string> args, const std::string& report_dir = "",
                           Seconds deadline = Seconds(600)) {
  lab::ProcessSpec spec;
  spec.name = "phonelab";
  spec.argv = {kBin + "/phonelab"};
  spec.argv.insert(spec.argv.end(), args.begin(), args.end());
  spec.cwd = kSrc;
  spec.env["CI"] = "true";
  auto r = lab::runToCompletion(spec, Deadline::in(deadline));
  RunOutcome out;
  out.exit_code = WIFEXITED(r.status) ? WEXITSTATUS(r.status) : 128 + WTERMSIG(r.status);
  out.output = r.output;
  out.report_dir = report_dir;
  if (!report_dir.empty()) {
    std::ifstream in(report_dir + "/results.json");
    if (in) out.results = nlohmann::json::parse(in, nullptr, false);
  }
  return out;
}

inline RunOutcome runSuite(const std::string& name, const std::vector<std::string>& faults,
                           const std::vector<std::string>& paths) {
  std::string dir = freshDir(name);
  std::vector<std::string> args = {"run", "--report", dir};
  for (const auto& f : faults) {
    args.push_back("--emulator-fault");
    args.push_back(f);
  }
  args.insert(args.end(), paths.begin(), paths.end());
  return phonelab(args, dir);
}

inline const nlohmann::json* scenario(const RunOutcome& r, const std::string& id) {
  if (!r.results.is_object()) return nullptr;
  for (const auto& s : r.results["scenarios"]) {
    if (s["id"] == id) return &s;
  }
  return nullptr;
}

/// Whether the scenario has a check `name` with `verdict` whose expected outcome contains
/// `expected`.
inline bool hasCheck(const nlohmann::json& s, const std::string& name, const std::string& verdict,
                     const std::string& expected) {
  for (const auto& c : s["checks"]) {
    if (c["name"] == name && c["verdict"] == verdict &&
        c.value("expected", "").find(expected) != std::string::npos) {
      return true;
    }
  }
  return false;
}

/// Whether the scenario's step `name` has an outcome starting with `prefix`.
inline bool stepOutcomeStarts(const nlohmann::json& s, const std::string& name,
                              const std::string& prefix) {
  for (const auto& st : s["steps"]) {
    if (st["name"] == name) return st.value("outcome", "").rfind(prefix, 0) == 0;
  }
  return false;
}

inline std::string readFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), {}};
}

inline void writeFile(const std::string& path, const std::string& text) {
  std::ofstream(path) << text;
}

/// Namespaces left behind by phonelab runs that have ended (their name carries the owner's pid:
/// phl-<pid>x<hex>-...). Namespaces of runs still going (other tests, other developers) are not
/// leftovers.
inline std::vector<std::string> leftoverNamespaces() {
  lab::ProcessSpec spec;
  spec.name = "ip";
  spec.argv = {"ip", "netns", "list"};
  auto r = lab::runToCompletion(spec, Deadline::in(Seconds(10)));
  std::vector<std::string> out;
  std::istringstream in(r.output);
  for (std::string line; std::getline(in, line);) {
    std::string name = line.substr(0, line.find(' '));
    if (name.rfind("phl-", 0) != 0) continue;
    size_t x = name.find('x', 4);
    if (x == std::string::npos) continue;
    const std::string pid = name.substr(4, x - 4);
    if (pid.empty() || pid.find_first_not_of("0123456789") != std::string::npos) continue;
    if (!std::filesystem::exists("/proc/" + pid)) out.push_back(name);
  }
  return out;
}

/// `s` without its trailing newlines and spaces (a /proc file's line).
inline std::string trimmed(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

/// Namespaces named for run `token`.
inline std::vector<std::string> namespacesOf(const std::string& token) {
  std::vector<std::string> out;
  for (const auto& ns : lab::listNamespaces())
    if (ns.rfind("phl-" + token + "-", 0) == 0) out.push_back(ns);
  return out;
}

/// Is there a process `pid` that has not exited (a zombie has)?
inline bool isLive(int pid) {
  std::ifstream st("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  std::getline(st, line);
  auto close = line.rfind(')');
  return close != std::string::npos && close + 2 < line.size() && line[close + 2] != 'Z';
}

/// Live processes marked as run `token`.
inline std::vector<int> liveProcessesOf(const std::string& token) {
  std::vector<int> out;
  for (int pid : lab::processesOfRun(token))
    if (isLive(pid)) out.push_back(pid);
  return out;
}

/// One emulator fault and the check of its scenario that must catch it.
struct FaultCase {
  const char* fault;
  const char* file;     // scenario file, relative to the scenario folder of the suite
  const char* check;    // the step whose check must fail
  const char* message;  // part of its message
};
inline void PrintTo(const FaultCase& c, std::ostream* os) {
  *os << c.fault;
}
inline std::string testName(const FaultCase& c) {
  std::string n = c.fault;
  for (auto& ch : n) ch = ch == '-' ? '_' : ch;
  return n;
}

/// A file of the scenario's evidence (results.json `evidence`: "events", "log:phone-emulator"),
/// "" if it has none.
inline std::string evidenceText(const RunOutcome& r, const nlohmann::json& s,
                                const std::string& name) {
  if (!s.contains("evidence") || !s["evidence"].contains(name)) return "";
  return readFile(r.report_dir + "/" + s["evidence"][name].get<std::string>());
}

/// Runs `folder/<file>.yaml` against the emulator with the fault: the run fails (exit 1), the
/// scenario fails, and the failing check named by the case says what was wrong. No fault ends the
/// emulator's process (no dut.exit event): a crash is a watchdog restart, judged on the wire.
/// Returns the run for further checks.
inline RunOutcome expectFaultCaught(const std::string& folder, const FaultCase& c) {
  // A folder per fault and scenario: ctest runs cases of one fault against two scenarios at once.
  auto r = runSuite(folder + "-fault-" + c.fault + "-" + c.file, {c.fault},
                    {"scenarios/" + folder + "/" + c.file + ".yaml"});
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_TRUE(r.results.is_object()) << r.output;
  if (!r.results.is_object()) return r;
  EXPECT_EQ(r.results["scenarios"].size(), 1u);
  if (r.results["scenarios"].size() != 1u) return r;
  const auto& s = r.results["scenarios"][0];
  EXPECT_EQ(s["verdict"], "fail") << s.dump(2);
  bool named = false;
  for (const auto& check : s["checks"]) {
    if (check["verdict"] == "fail" && check["name"] == c.check &&
        check["message"].get<std::string>().find(c.message) != std::string::npos) {
      named = true;
    }
  }
  EXPECT_TRUE(named) << "wanted a failing check '" << c.check << "' mentioning '" << c.message
                     << "' in:\n"
                     << s["checks"].dump(2);
  const std::string events = evidenceText(r, s, "events");
  EXPECT_NE(events.find("\"dut.power\""), std::string::npos) << "no events.jsonl";
  EXPECT_EQ(events.find("\"dut.exit\""), std::string::npos)
      << "the emulator's process ended by itself under fault " << c.fault;
  EXPECT_EQ(leftoverNamespaces(), std::vector<std::string>{});
  return r;
}

/// A crash fault: the emulator's log shows the crash and the firmware halted, with its watchdog
/// restart pending, in a process that lived on: powered on once, and stopped by the harness at
/// the end (a clean exit on SIGTERM; expectFaultCaught checked there is no dut.exit). `rebooted`:
/// the scenario ran long enough to see the watchdog's restart and the next boot too.
inline void expectWatchdogRestart(const RunOutcome& r, bool rebooted) {
  ASSERT_TRUE(r.results.is_object());
  ASSERT_EQ(r.results["scenarios"].size(), 1u);
  const auto& s = r.results["scenarios"][0];
  const std::string log = evidenceText(r, s, "log:phone-emulator");
  EXPECT_NE(log.find("crash: "), std::string::npos) << log.substr(0, 4000);
  EXPECT_NE(log.find("the watchdog restarts the phone"), std::string::npos);
  EXPECT_NE(log.find("shutdown: SIGTERM"), std::string::npos) << "not alive until powered off";
  if (rebooted) {
    EXPECT_NE(log.find("reboot: watchdog: the firmware crashed"), std::string::npos);
    EXPECT_NE(log.find("boot 2:"), std::string::npos) << "no second boot after the crash";
  }
  std::istringstream events(evidenceText(r, s, "events"));
  int powered_on = 0, clean_off = 0;
  for (std::string line; std::getline(events, line);) {
    if (line.find("\"dut.power\"") == std::string::npos) continue;
    if (line.find("\"state\":\"on\"") != std::string::npos) ++powered_on;
    if (line.find("powered off (exited with status 0)") != std::string::npos) ++clean_off;
  }
  EXPECT_EQ(powered_on, 1);
  EXPECT_EQ(clean_off, 1);
}

#define PHONELAB_REQUIRE_ROOT() \
  if (geteuid() != 0) GTEST_SKIP() << "needs root (network namespaces)"

}  // namespace phonelab::e2e
