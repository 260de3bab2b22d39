#pragma once
/// `phonelab compare DIR...`: several runs side by side (firmware releases, phone models, benches).
/// Each run is a report folder with results.json (read with readJson, so ids and evidence paths
/// are checked as `phonelab report` checks them). The first run is the baseline, the last the
/// candidate; the runs between them are shown in order.
///
/// One row per requirement and one per scenario, one column per run. A row's status in a run is a
/// verdict ("pass", "fail", ...), "not-tested" (a requirement of the run's catalog that none of
/// the compared scenarios names) or absent ("": a requirement not in that run's catalog, a
/// scenario that run did not run). What changed from one status to the next:
///
///   regressed      pass -> fail, error or inconclusive
///   fixed          fail, error or inconclusive -> pass
///   new            absent or not-tested -> any verdict
///   no longer run  any verdict -> absent or not-tested
///   changed        any other difference between two verdicts (fail -> error,
///                  pass -> not-applicable, ...)
///
/// The row's change is that of its first run against its last; the runs between only annotate
/// the page. `regressed()` (compare's exit status 1) is true when some requirement or scenario
/// regressed first -> last; a scenario that is no longer run is not a regression (the page says
/// it is missing).
///
/// Runs with different catalogs or scenario sets are compared on what they share: a requirement's
/// verdict in each run is combined from the scenarios every run ran (so a scenario added to the
/// last run cannot change a requirement's row), and the page lists what is not shared.

#include <string>
#include <string_view>
#include <vector>

#include "base/core/result.h"

namespace phonelab::reports {

enum class Change { Same, Regressed, Fixed, New, NoLongerRun, Changed };

/// "", "regressed", "fixed", "new", "no longer run", "changed".
std::string_view toString(Change c);

/// The change from status `before` to `after` (statuses as in CompareRow::status).
Change classifyChange(const std::string& before, const std::string& after);

/// One compared run.
struct CompareRun {
  std::string dir;  // the report folder as given
  RunResults results;
  /// run.dut's model and firmware, run.started_at; "-" where results.json has nothing.
  std::string model() const;
  std::string firmware() const;
  std::string date() const;
};

struct CompareRow {
  std::string id;
  std::string title;  // from the last run that has the row
  /// Per run: a verdict name, "not-tested" (requirements only) or "" (absent).
  std::vector<std::string> status;
  Change change = Change::Same;  // first run -> last run
};

struct Comparison {
  std::vector<CompareRun> runs;
  std::vector<CompareRow> requirements;
  std::vector<CompareRow> scenarios;
  /// What the runs do not share, one sentence each ("" lines never).
  std::vector<std::string> not_shared;
  size_t shared_scenarios = 0;  // scenarios every run ran
  bool regressed() const;
};

/// Compares runs already read (at least two). Throws ConfigError naming <dir>/results.json for
/// a scenario or requirement id that must not become part of a link (ids with '/' or "..", or
/// anything but the loader's id rules).
Comparison compareRuns(std::vector<CompareRun> runs);

/// Reads <dir>/results.json of each folder (refusing a results.json that is a symbolic link) and
/// compares them. Throws ConfigError naming the file on bad input.
Comparison loadComparison(const std::vector<std::string>& dirs);

/// compare.txt: the runs, what is not shared, the changes, then every row. Terminal-safe text.
std::string compareText(const Comparison& c);

/// compare.html, for a page in out_dir: a self-contained page whose links lead into each run's
/// report (index.html#<scenario>, index.html#req-<id>) and scenario folder, relative to out_dir.
/// A scenario folder that is a symbolic link (or missing) is not linked.
std::string compareHtml(const Comparison& c, const std::string& out_dir);

/// Makes out_dir as a report folder is made (prepareReportFolder) and writes compare.html and
/// compare.txt into it atomically.
void writeComparison(const Comparison& c, const std::string& out_dir);

}  // namespace phonelab::reports
