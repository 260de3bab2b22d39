#pragma once
/// Report writers. Each reads only RunResults, so `phonelab report DIR` can re-render from
/// results.json without rerunning the lab. Files are written atomically (temp file + rename), so
/// an interrupted run leaves the previous complete version, never half a file.

#include <string>

#include "base/core/result.h"

namespace phonelab::reports {

/// <dir>/results.json; the schema is documented in reports/json_report.h.
void writeJson(const RunResults& r, const std::string& path);
/// Reads results.json back. Throws ConfigError (file:line:col where possible) on bad input.
RunResults readJson(const std::string& path);
/// JUnit XML as Jenkins and GitLab read it (valid against fixtures/junit/jenkins-junit.xsd): one
/// testsuite per area (the scenario's first tag, else "scenarios"), one testcase per scenario,
/// <failure>/<error>/<skipped> from the verdict with the checks' messages, run facts as
/// <properties>, requirement ids and evidence paths ([[ATTACHMENT|path]]) in <system-out>.
void writeJUnit(const RunResults& r, const std::string& path);
/// A self-contained HTML page (no network, no server, no script needed); reads the report folder
/// (the folder of path) for events and evidence files.
void writeHtml(const RunResults& r, const std::string& path);
/// results.json, junit.xml and index.html into dir (created if missing).
void writeAll(const RunResults& r, const std::string& dir);

/// The text writeJUnit and writeHtml write. report_dir is the folder the file goes to: the
/// scenarios' events.jsonl (SIP ladder, DHCP timeline) and evidence files are read from there;
/// "" renders from RunResults alone.
std::string toJUnitText(const RunResults& r, const std::string& report_dir = "");
std::string toHtmlText(const RunResults& r, const std::string& report_dir = "");

/// Prints index.html of dir to dir/report.pdf with headless Chromium (--no-sandbox as root, a
/// private profile in a temporary folder, killed by PID at the deadline). Throws phonelab::Error
/// saying what failed (no Chromium, timeout, no PDF written).
std::string writePdf(const std::string& dir, double timeout_seconds = 60);

}  // namespace phonelab::reports
