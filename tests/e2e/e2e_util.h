#pragma once
// Helpers for end-to-end tests: run the phonelab binary as a user would and read its report.

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
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

#define PHONELAB_REQUIRE_ROOT() \
  if (geteuid() != 0) GTEST_SKIP() << "needs root (network namespaces)"

}  // namespace phonelab::e2e
