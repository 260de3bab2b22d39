// compare.html and compare.txt: several runs side by side (see reports/compare.h for the rules).

#include "reports/compare.h"

#include <algorithm>
#include <filesystem>
#include <map>
#include <set>

#include "base/core/error.h"
#include "base/core/safe_fs.h"
#include "base/core/text.h"
#include "reports/report.h"
#include "reports/style.h"
#include "reports/xml.h"

namespace phonelab::reports {
namespace {
namespace fs = std::filesystem;

bool isFailing(const std::string& s) {
  return s == "fail" || s == "error" || s == "inconclusive";
}

bool ran(const std::string& s) {
  return !s.empty() && s != kNotTested;
}

/// The catalog's id rule ([A-Z0-9][A-Z0-9-]*, at most 128): the id becomes a link's fragment.
bool isRequirementId(std::string_view id) {
  if (id.empty() || id.size() > 128 || id.front() == '-') return false;
  return std::all_of(id.begin(), id.end(), [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-';
  });
}

std::string resultsFile(const std::string& dir) {
  return (fs::path(dir) / "results.json").string();
}

std::string orDash(const std::map<std::string, std::string>& m, const char* key) {
  auto it = m.find(key);
  return it == m.end() || it->second.empty() ? std::string("-") : it->second;
}

std::string joined(const std::vector<std::string>& v, size_t max = 30) {
  std::string out;
  for (size_t i = 0; i < v.size() && i < max; ++i) out += (i ? ", " : "") + v[i];
  if (v.size() > max) out += " and " + std::to_string(v.size() - max) + " more";
  return out;
}

std::string runName(const Comparison& c, size_t i) {
  return "run " + std::to_string(i + 1) + " (" + c.runs[i].dir + ")";
}

}  // namespace

std::string_view toString(Change c) {
  switch (c) {
    case Change::Same:
      return "";
    case Change::Regressed:
      return "regressed";
    case Change::Fixed:
      return "fixed";
    case Change::New:
      return "new";
    case Change::NoLongerRun:
      return "no longer run";
    case Change::Changed:
      return "changed";
  }
  return "";
}

Change classifyChange(const std::string& before, const std::string& after) {
  const bool a = ran(before), b = ran(after);
  if (!a && !b) return Change::Same;
  if (!a) return Change::New;
  if (!b) return Change::NoLongerRun;
  if (before == after) return Change::Same;
  if (before == "pass" && isFailing(after)) return Change::Regressed;
  if (isFailing(before) && after == "pass") return Change::Fixed;
  return Change::Changed;
}

std::string CompareRun::model() const {
  return orDash(results.run.dut, "model");
}
std::string CompareRun::firmware() const {
  return orDash(results.run.dut, "firmware");
}
std::string CompareRun::date() const {
  return results.run.started_at.empty() ? std::string("-") : results.run.started_at;
}

bool Comparison::regressed() const {
  for (const auto* rows : {&requirements, &scenarios}) {
    for (const auto& r : *rows) {
      if (r.change == Change::Regressed) return true;
    }
  }
  return false;
}

Comparison compareRuns(std::vector<CompareRun> runs) {
  if (runs.size() < 2) throw Error("compare needs at least two report folders");
  // Ids become parts of links (folder names, fragments): the loader's rules, checked again here
  // for runs that were not read through readJson.
  for (const auto& run : runs) {
    std::vector<Diagnostic> bad;
    const Mark where{resultsFile(run.dir), 0, 0};
    for (size_t i = 0; i < run.results.scenarios.size(); ++i) {
      const auto& id = run.results.scenarios[i].id;
      if (!isScenarioId(id)) {
        bad.push_back({where, "scenarios[" + std::to_string(i) + "].id: bad scenario id \"" +
                                  id.substr(0, 80) + "\" ([a-z0-9][a-z0-9-]*, at most 128)"});
      }
    }
    for (size_t i = 0; i < run.results.catalog.size(); ++i) {
      const auto& id = run.results.catalog[i].id;
      if (!isRequirementId(id)) {
        bad.push_back({where, "requirements[" + std::to_string(i) + "].id: bad requirement id \"" +
                                  id.substr(0, 80) + "\" ([A-Z0-9][A-Z0-9-]*, at most 128)"});
      }
    }
    if (!bad.empty()) throw ConfigError(bad);
  }

  Comparison c;
  c.runs = std::move(runs);
  const size_t n = c.runs.size();

  // Scenarios: in the order of the first run that has them.
  std::vector<std::string> scenario_ids;
  std::map<std::string, CompareRow> scenario_rows;
  for (size_t i = 0; i < n; ++i) {
    for (const auto& s : c.runs[i].results.scenarios) {
      auto [it, fresh] = scenario_rows.try_emplace(s.id);
      if (fresh) {
        scenario_ids.push_back(s.id);
        it->second.id = s.id;
        it->second.status.assign(n, "");
      }
      if (!s.title.empty()) it->second.title = s.title;
      it->second.status[i] = std::string(toString(s.verdict));
    }
  }
  std::set<std::string> shared;
  for (const auto& id : scenario_ids) {
    const auto& st = scenario_rows[id].status;
    if (std::all_of(st.begin(), st.end(), [](const std::string& s) { return !s.empty(); })) {
      shared.insert(id);
    }
  }
  c.shared_scenarios = shared.size();

  // Requirements: in catalog order, the first run's catalog first; verdicts over shared scenarios.
  std::vector<std::string> req_ids;
  std::map<std::string, CompareRow> req_rows;
  for (size_t i = 0; i < n; ++i) {
    RunResults only_shared;
    only_shared.catalog = c.runs[i].results.catalog;
    for (const auto& s : c.runs[i].results.scenarios) {
      if (shared.count(s.id)) only_shared.scenarios.push_back(s);
    }
    for (const auto& rr : only_shared.requirementResults()) {
      auto [it, fresh] = req_rows.try_emplace(rr.requirement.id);
      if (fresh) {
        req_ids.push_back(rr.requirement.id);
        it->second.id = rr.requirement.id;
        it->second.status.assign(n, "");
      }
      if (!rr.requirement.title.empty()) it->second.title = rr.requirement.title;
      it->second.status[i] = rr.status();
    }
  }

  for (const auto& id : req_ids) c.requirements.push_back(std::move(req_rows[id]));
  for (const auto& id : scenario_ids) c.scenarios.push_back(std::move(scenario_rows[id]));
  for (auto* rows : {&c.requirements, &c.scenarios}) {
    for (auto& r : *rows) r.change = classifyChange(r.status.front(), r.status.back());
  }

  // What is not shared.
  for (size_t i = 0; i < n; ++i) {
    std::vector<std::string> lacks_reqs, lacks_scenarios;
    for (const auto& r : c.requirements) {
      if (r.status[i].empty()) lacks_reqs.push_back(r.id);
    }
    for (const auto& r : c.scenarios) {
      if (r.status[i].empty()) lacks_scenarios.push_back(r.id);
    }
    if (!lacks_reqs.empty()) {
      c.not_shared.push_back("The catalog of " + runName(c, i) + " lacks " +
                             std::to_string(lacks_reqs.size()) +
                             " requirement(s) another run has: " + joined(lacks_reqs));
    }
    if (!lacks_scenarios.empty()) {
      c.not_shared.push_back(runName(c, i) + " did not run " +
                             std::to_string(lacks_scenarios.size()) +
                             " scenario(s) another run ran: " + joined(lacks_scenarios));
    }
    const auto& info = c.runs[i].results.run;
    if (!info.complete) {
      c.not_shared.push_back(
          runName(c, i) + " is incomplete" +
          (info.interrupted.empty() ? std::string() : " (interrupted: " + info.interrupted + ")") +
          ": the scenarios it did not finish count as not run");
    }
  }
  if (shared.size() != scenario_ids.size()) {
    c.not_shared.push_back("Requirement verdicts here are combined from the " +
                           std::to_string(shared.size()) +
                           " scenario(s) every run ran; a scenario not run by every run counts "
                           "only in its own row");
  }
  return c;
}

Comparison loadComparison(const std::vector<std::string>& dirs) {
  if (dirs.size() < 2) throw Error("compare needs at least two report folders");
  std::vector<CompareRun> runs;
  for (const auto& dir : dirs) {
    const std::string file = resultsFile(dir);
    std::error_code ec;
    if (fs::symlink_status(file, ec).type() == fs::file_type::symlink) {
      throw ConfigError(Mark{file, 0, 0}, "is a symbolic link; compare reads only real files");
    }
    runs.push_back(CompareRun{dir, readJson(file)});
  }
  return compareRuns(std::move(runs));
}

// ---- compare.txt ----

namespace {

/// One table cell of plain text: newlines and tabs as spaces, then terminal-safe.
std::string flat(std::string s) {
  for (auto& ch : s) {
    if (ch == '\n' || ch == '\r' || ch == '\t') ch = ' ';
  }
  return terminalSafe(s);
}

std::string statusText(const std::string& s) {
  if (s.empty()) return "-";
  if (s == kNotTested) return "not tested";
  return s;
}

std::string pad(const std::string& s, size_t w) {
  return s.size() >= w ? s : s + std::string(w - s.size(), ' ');
}

/// The rows, less those no run tested (counted in `untested`).
std::string table(const std::vector<CompareRow>& rows, const char* what, size_t runs,
                  size_t& untested) {
  std::vector<std::vector<std::string>> cells;
  untested = 0;
  std::vector<std::string> head = {what};
  for (size_t i = 0; i < runs; ++i) head.push_back("run " + std::to_string(i + 1));
  head.push_back("first -> last");
  cells.push_back(head);
  for (const auto& r : rows) {
    if (std::none_of(r.status.begin(), r.status.end(), ran)) {
      ++untested;
      continue;
    }
    std::vector<std::string> line = {flat(r.id)};
    for (const auto& s : r.status) line.push_back(statusText(s));
    line.push_back(std::string(toString(r.change)));
    cells.push_back(line);
  }
  std::vector<size_t> width(head.size(), 0);
  for (const auto& line : cells) {
    for (size_t k = 0; k < line.size(); ++k) width[k] = std::max(width[k], line[k].size());
  }
  std::string out;
  for (const auto& line : cells) {
    std::string text = "  ";
    for (size_t k = 0; k < line.size(); ++k) {
      text += k + 1 == line.size() ? line[k] : pad(line[k], width[k] + 2);
    }
    while (!text.empty() && text.back() == ' ') text.pop_back();
    out += text + "\n";
  }
  return out;
}

std::map<Change, int> tally(const Comparison& c) {
  std::map<Change, int> t;
  for (const auto* rows : {&c.requirements, &c.scenarios}) {
    for (const auto& r : *rows) t[r.change]++;
  }
  return t;
}

constexpr Change kMarked[] = {Change::Regressed, Change::Fixed, Change::New, Change::NoLongerRun,
                              Change::Changed};

}  // namespace

std::string compareText(const Comparison& c) {
  const size_t n = c.runs.size();
  auto t = tally(c);
  std::string out =
      "phonelab compare: " + std::to_string(n) + " runs, run 1 -> run " + std::to_string(n) + ":";
  for (Change k : kMarked) out += " " + std::to_string(t[k]) + " " + std::string(toString(k)) + ",";
  out.back() = '\n';
  out += "\nRuns:\n";
  for (size_t i = 0; i < n; ++i) {
    const auto& r = c.runs[i];
    out += "  run " + std::to_string(i + 1) + ": " + flat(r.model()) + ", firmware " +
           flat(r.firmware()) + ", " + flat(r.date()) + ", " + flat(r.dir);
    if (!r.results.run.emulator_faults.empty()) {
      out += " (emulator faults: " + flat(joined(r.results.run.emulator_faults)) + ")";
    }
    out += "\n";
  }
  out += "\nNot shared:\n";
  if (c.not_shared.empty()) {
    out += "  nothing: every run has the same catalog and ran the same " +
           std::to_string(c.shared_scenarios) + " scenario(s)\n";
  }
  for (const auto& s : c.not_shared) out += "  " + flat(s) + "\n";
  for (Change k : kMarked) {
    std::string lines;
    for (const auto* rows : {&c.requirements, &c.scenarios}) {
      const char* what = rows == &c.requirements ? "requirement" : "scenario";
      for (const auto& r : *rows) {
        if (r.change != k) continue;
        auto said = [](const std::string& st) { return st.empty() ? "not run" : statusText(st); };
        lines += "  " + std::string(what) + " " + flat(r.id) + ": " + said(r.status.front()) +
                 " -> " + said(r.status.back()) + "\n";
      }
    }
    if (!lines.empty()) out += "\n" + std::string(toString(k)) + ":\n" + lines;
  }
  size_t untested = 0;
  out += "\nRequirements:\n" + table(c.requirements, "requirement", n, untested);
  if (untested > 0) {
    out += "  (and " + std::to_string(untested) +
           " requirement(s) of the catalogs that no run tested with the scenarios compared)\n";
  }
  out += "\nScenarios:\n" + table(c.scenarios, "scenario", n, untested);
  out += "\nregressed: pass in run 1, fail, error or inconclusive in run " + std::to_string(n) +
         "; fixed: the reverse; new: not run (or not tested) in run 1; no longer run: not run in "
         "run " +
         std::to_string(n) + "; changed: any other difference.\n";
  return out;
}

// ---- compare.html ----

namespace {

constexpr const char* kStyle = R"(
td.id { white-space: nowrap; font-family: monospace; }
.title, .explain { color: #555; font-size: 0.9em; }
td.id .title { font-family: system-ui, sans-serif; white-space: normal; }
a .verdict { text-decoration: underline; }
.absent { color: #888; }
.change { display: inline-block; margin-left: 0.3em; font-size: 0.85em; font-weight: bold; }
.c-regressed { color: #c62828; } .c-fixed { color: #2e7d32; } .c-new { color: #1565c0; }
.c-no-longer-run { color: #6a1b4d; } .c-changed { color: #ef8f00; }
tr.row-regressed { background: #fdecea; }
tr.row-fixed { background: #edf7ed; }
small a { color: #555; }
)";

std::string e(std::string_view s) {
  return htmlEscape(s);
}

std::string changeClass(Change k) {
  if (k == Change::Same) return "same";
  std::string s(toString(k));
  std::replace(s.begin(), s.end(), ' ', '-');
  return s;
}

struct RunLinks {
  std::string rel;  // the run folder relative to the page's folder ("" if not linkable)
  bool has_index = false;
};

bool isRealFile(const fs::path& p) {
  std::error_code ec;
  return fs::symlink_status(p, ec).type() == fs::file_type::regular;
}

bool isRealFolder(const fs::path& p) {
  std::error_code ec;
  return fs::symlink_status(p, ec).type() == fs::file_type::directory;
}

/// The run folder relative to out_dir, from where both really are (so a page reached through
/// a linked folder still finds the runs).
RunLinks runLinks(const std::string& dir, const std::string& out_dir) {
  RunLinks l;
  std::error_code ec;
  fs::path run = fs::weakly_canonical(fs::absolute(dir, ec), ec);
  if (ec) return l;
  fs::path out = fs::weakly_canonical(fs::absolute(out_dir, ec), ec);
  if (ec) return l;
  l.rel = run.lexically_relative(out).generic_string();
  if (l.rel.empty()) return l;
  l.has_index = isRealFile(run / "index.html");
  return l;
}

std::string badge(const std::string& status) {
  if (status.empty()) return "<span class=\"absent\">not run</span>";
  if (status == kNotTested) return "<span class=\"verdict v-not-tested\">not tested</span>";
  return "<span class=\"verdict v-" + e(status) + "\">" + e(status) + "</span>";
}

std::string mark(Change k) {
  if (k == Change::Same) return "";
  return "<span class=\"change c-" + changeClass(k) + "\">" + e(toString(k)) + "</span>";
}

std::string rowsTable(const Comparison& c, const std::vector<CompareRow>& rows, bool requirement,
                      const std::vector<RunLinks>& links) {
  const size_t n = c.runs.size();
  std::string out = "<table class=\"compare\">\n<tr><th>" +
                    std::string(requirement ? "Requirement" : "Scenario") + "</th>";
  for (size_t i = 0; i < n; ++i) out += "<th>Run " + std::to_string(i + 1) + "</th>";
  out += "<th>Run 1 &#8594; run " + std::to_string(n) + "</th></tr>\n";
  for (const auto& r : rows) {
    out += "<tr class=\"row-" + changeClass(r.change) + "\"><td class=\"id\">" + e(r.id) +
           (r.title.empty() ? "" : "<div class=\"title\">" + e(r.title) + "</div>") + "</td>";
    for (size_t i = 0; i < n; ++i) {
      const std::string& s = r.status[i];
      std::string cell = badge(s);
      const auto& l = links[i];
      if (!s.empty() && l.has_index) {
        const std::string anchor = requirement ? "req-" + r.id : r.id;
        cell = "<a href=\"" + e(hrefPath(l.rel + "/index.html")) + "#" + e(hrefPath(anchor)) +
               "\">" + cell + "</a>";
      }
      if (!requirement && !s.empty() && !l.rel.empty() &&
          isRealFolder(fs::path(c.runs[i].dir) / r.id)) {
        cell += " <small><a href=\"" + e(hrefPath(l.rel + "/" + r.id + "/")) +
                "\">evidence</a></small>";
      }
      if (i > 0) cell += mark(classifyChange(r.status[i - 1], s));
      out += "<td>" + cell + "</td>";
    }
    out += "<td>" + mark(r.change) + "</td></tr>\n";
  }
  out += "</table>\n";
  return out;
}

}  // namespace

std::string compareHtml(const Comparison& c, const std::string& out_dir) {
  const size_t n = c.runs.size();
  std::vector<RunLinks> links;
  for (const auto& r : c.runs) links.push_back(runLinks(r.dir, out_dir));
  auto t = tally(c);
  std::string out =
      "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
      "<title>phonelab compare: " +
      std::to_string(n) + " runs</title>\n<style>" + kPageStyle + kStyle +
      "</style>\n</head>\n<body>\n<header id=\"summary\">\n<h1>phonelab compare</h1>\n";
  out += "<p class=\"counts\">Run 1 &#8594; run " + std::to_string(n) + ":";
  for (Change k : kMarked) {
    out += " <span class=\"change c-" + changeClass(k) + "\">" + std::to_string(t[k]) + " " +
           e(toString(k)) + "</span>";
  }
  out += "</p>\n";
  if (c.regressed()) {
    out += "<p class=\"warning\">Run " + std::to_string(n) +
           " regressed against run 1 (compare exits 1).</p>\n";
  }
  out +=
      "<table class=\"runs\">\n<tr><th>Run</th><th>Device model</th><th>Firmware</th><th>Date</th>"
      "<th>Lab</th><th>Report</th></tr>\n";
  for (size_t i = 0; i < n; ++i) {
    const auto& r = c.runs[i];
    std::string report = e(r.dir);
    if (links[i].has_index) {
      report = "<a href=\"" + e(hrefPath(links[i].rel + "/index.html")) + "\">" + report + "</a>";
    }
    std::string extra;
    if (!r.results.run.emulator_faults.empty()) {
      extra += "<div class=\"title\">emulator faults: " + e(joined(r.results.run.emulator_faults)) +
               "</div>";
    }
    if (!r.results.run.complete) extra += "<div class=\"title\">incomplete</div>";
    out += "<tr><td>" + std::to_string(i + 1) + "</td><td>" + e(r.model()) + "</td><td>" +
           e(r.firmware()) + "</td><td>" + e(r.date()) + "</td><td>" + e(r.results.run.lab) +
           "</td><td>" + report + extra + "</td></tr>\n";
  }
  out += "</table>\n</header>\n";
  out += "<section id=\"not-shared\">\n<h2>Not shared</h2>\n";
  if (c.not_shared.empty()) {
    out += "<p>Nothing: every run has the same catalog and ran the same " +
           std::to_string(c.shared_scenarios) + " scenario(s).</p>\n";
  } else {
    out += "<ul>\n";
    for (const auto& s : c.not_shared) out += "<li>" + e(s) + "</li>\n";
    out += "</ul>\n";
  }
  out += "</section>\n";
  out += "<section id=\"requirements\">\n<h2>Requirements</h2>\n" +
         rowsTable(c, c.requirements, true, links) + "</section>\n";
  out += "<section id=\"scenarios\">\n<h2>Scenarios</h2>\n" +
         rowsTable(c, c.scenarios, false, links) + "</section>\n";
  out += "<p class=\"explain\">regressed: pass in run 1, fail, error or inconclusive in run " +
         std::to_string(n) +
         "; fixed: the reverse; new: not run (or not tested) in run 1; no longer run: not run in "
         "run " +
         std::to_string(n) +
         "; changed: any other difference. A mark inside a run's cell compares it with the run "
         "before.</p>\n</body>\n</html>\n";
  return out;
}

void writeComparison(const Comparison& c, const std::string& out_dir) {
  prepareReportFolder(out_dir);
  writeFileAtomic((fs::path(out_dir) / "compare.txt").string(), compareText(c));
  writeFileAtomic((fs::path(out_dir) / "compare.html").string(), compareHtml(c, out_dir));
}

}  // namespace phonelab::reports
