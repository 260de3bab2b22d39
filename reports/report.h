#pragma once
/// Report writers. Each reads only RunResults, so `phonelab report DIR` can re-render from
/// results.json without rerunning the lab. Files are written atomically (temp file + rename), so
/// an interrupted run leaves the previous complete version, never half a file.

#include <string>

#include "harness/core/result.h"

namespace phonelab::reports {

/// <dir>/results.json
void writeJson(const RunResults& r, const std::string& path);
/// Reads results.json back. Throws ConfigError (file:line:col where possible) on bad input.
RunResults readJson(const std::string& path);
/// JUnit XML as Jenkins and GitLab read it: one testsuite per area (first tag or file folder),
/// one testcase per scenario, <failure>/<error>/<skipped> from the verdict with the checks'
/// messages, evidence paths as <properties>.
void writeJUnit(const RunResults& r, const std::string& path);
/// A self-contained HTML page (no network, no server needed).
void writeHtml(const RunResults& r, const std::string& path);
/// results.json, junit.xml and index.html into dir.
void writeAll(const RunResults& r, const std::string& dir);

}  // namespace phonelab::reports
