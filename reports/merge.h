#pragma once
/// `phonelab merge`: several reports (shards, benches) into one.

#include <string>
#include <vector>

#include "base/core/result.h"

namespace phonelab::reports {

/// Reads each folder's results.json (reports/json_report.h: ids and evidence paths checked) and
/// merges them: the first run's identity and catalog, times widened, faults and requirements
/// joined, scenarios side by side in the suite's order. Each scenario's folder is copied into
/// `out_dir` (prepared as a report folder) without following any link; what was not copied is
/// named in `skipped`. Throws phonelab::Error (a scenario in two reports, a folder it may not
/// use) or ConfigError (a results.json that does not read).
RunResults mergeReports(const std::string& out_dir, const std::vector<std::string>& dirs,
                        std::vector<std::string>& skipped);

}  // namespace phonelab::reports
