#include "reports/merge.h"

#include <algorithm>
#include <filesystem>
#include <map>
#include <tuple>

#include "base/core/error.h"
#include "base/core/safe_fs.h"
#include "reports/report.h"

namespace phonelab::reports {
namespace fs = std::filesystem;

RunResults mergeReports(const std::string& out_dir, const std::vector<std::string>& dirs,
                        std::vector<std::string>& skipped) {
  RunResults merged;
  std::map<std::string, std::string> seen;  // scenario id -> report it came from
  bool first = true;
  prepareReportFolder(out_dir);
  for (const auto& dir : dirs) {
    auto r = reports::readJson(dir + "/results.json");
    if (first) {
      merged.run = r.run;
      merged.catalog = r.catalog;
      merged.run.command = "phonelab merge";
      first = false;
    } else {
      merged.run.started_at = std::min(merged.run.started_at, r.run.started_at);
      merged.run.finished_at = std::max(merged.run.finished_at, r.run.finished_at);
      merged.run.complete = merged.run.complete && r.run.complete;
      if (merged.run.interrupted.empty()) merged.run.interrupted = r.run.interrupted;
      for (const auto& [k, v] : r.run.dut) merged.run.dut.try_emplace(k, v);
      for (const auto& f : r.run.emulator_faults) {
        if (std::find(merged.run.emulator_faults.begin(), merged.run.emulator_faults.end(), f) ==
            merged.run.emulator_faults.end()) {
          merged.run.emulator_faults.push_back(f);
        }
      }
      for (const auto& req : r.catalog) {
        bool known = false;
        for (const auto& m : merged.catalog) known = known || m.id == req.id;
        if (!known) merged.catalog.push_back(req);
      }
    }
    merged.run.command += " " + dir;
    for (auto& s : r.scenarios) {
      auto [it, fresh] = seen.emplace(s.id, dir);
      if (!fresh) {
        throw Error("scenario " + s.id + " is in both " + it->second + " and " + dir);
      }
      // s.id passed the loader's id rule (readJson): `to` stays under out_dir. No link is
      // followed, neither the scenario folder nor anything in it.
      const fs::path from = fs::path(dir) / s.id, to = fs::path(out_dir) / s.id;
      std::error_code ec;
      if (fs::symlink_status(from, ec).type() != fs::file_type::not_found &&
          !fs::equivalent(from.parent_path(), to.parent_path(), ec)) {
        fs::remove_all(to);
        copyTreeNoFollow(from.string(), to.string(), skipped);
      }
      merged.scenarios.push_back(std::move(s));
    }
  }
  // The suite's order: scenario files sort the same way on every machine.
  std::stable_sort(merged.scenarios.begin(), merged.scenarios.end(),
                   [](const ScenarioResult& a, const ScenarioResult& b) {
                     return std::tie(a.file, a.id) < std::tie(b.file, b.id);
                   });
  return merged;
}

}  // namespace phonelab::reports
