// `phonelab report`, `merge` and `compare`: the commands that read reports and write new ones.
// The work is reports/'s (merge.h, share.h, compare.h); these print what it did and choose the
// exit code.

#include <iostream>

#include "harness/cli/cli.h"
#include "reports/compare.h"
#include "reports/merge.h"
#include "reports/report.h"
#include "reports/share.h"

namespace phonelab::cli {

int cmdMerge(const std::string& out_dir, const std::vector<std::string>& dirs) {
  return exitUsageOnError([&] {
    std::vector<std::string> skipped;
    RunResults merged = reports::mergeReports(out_dir, dirs, skipped);
    for (const auto& k : skipped) std::cerr << "phonelab: merge: skipped " << k << "\n";
    reports::writeAll(merged, out_dir);
    std::cout << "phonelab: merged " << merged.scenarios.size() << " scenarios from " << dirs.size()
              << " reports into " << out_dir << "/index.html\n";
    std::vector<Verdict> vs;
    for (const auto& s : merged.scenarios) vs.push_back(s.verdict);
    return exitCodeFor(vs);
  });
}

int cmdReport(const std::string& dir, bool pdf, const std::string& share) {
  return exitUsageOnError([&] {
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
  });
}

int cmdCompare(const std::string& out_dir, const std::vector<std::string>& dirs) {
  if (dirs.size() < 2) {
    std::cerr << "phonelab: compare needs at least two report folders (got " << dirs.size()
              << ")\n";
    return kExitUsage;
  }
  // As merge and report: an output folder we may not use is the caller's to fix.
  return exitUsageOnError([&] {
    const reports::Comparison c = reports::loadComparison(dirs);
    reports::writeComparison(c, out_dir);
    std::cout << reports::compareText(c) << "phonelab: comparison in " << out_dir
              << "/compare.html and compare.txt\n";
    return c.regressed() ? 1 : 0;
  });
}

}  // namespace phonelab::cli
