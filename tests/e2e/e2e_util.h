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

#include "harness/lab/process.h"

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

/// `phonelab <args>` with the repo's lab and catalog, run to completion (deadline 10 min).
inline RunOutcome phonelab(std::vector<std::string> args, const std::string& report_dir = "") {
  lab::ProcessSpec spec;
  spec.name = "phonelab";
  spec.argv = {kBin + "/phonelab"};
  spec.argv.insert(spec.argv.end(), args.begin(), args.end());
  spec.cwd = kSrc;
  spec.env["CI"] = "true";
  auto r = lab::runToCompletion(spec, Deadline::in(Seconds(600)));
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

/// Runs `folder/<file>.yaml` against the emulator with the fault: the run fails (exit 1), the
/// scenario fails, and the failing check named by the case says what was wrong.
inline void expectFaultCaught(const std::string& folder, const FaultCase& c) {
  // A folder per fault and scenario: ctest runs cases of one fault against two scenarios at once.
  auto r = runSuite(folder + "-fault-" + c.fault + "-" + c.file, {c.fault},
                    {"scenarios/" + folder + "/" + c.file + ".yaml"});
  EXPECT_EQ(r.exit_code, 1) << r.output;
  ASSERT_TRUE(r.results.is_object()) << r.output;
  ASSERT_EQ(r.results["scenarios"].size(), 1u);
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
  EXPECT_EQ(leftoverNamespaces(), std::vector<std::string>{});
}

#define PHONELAB_REQUIRE_ROOT() \
  if (geteuid() != 0) GTEST_SKIP() << "needs root (network namespaces)"

}  // namespace phonelab::e2e
