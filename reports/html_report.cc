// index.html: one self-contained page (inline CSS, no scripts, no external resources).
// Header (harness, lab, DUT, dates, counts), the requirement matrix (documented first, then
// hardening, then anything else), a scenario summary, then one section per scenario whose anchor
// id is the scenario id. Verdicts render as <span class="verdict v-VERDICT">.

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <set>
#include <string>

#include "reports/report.h"
#include "reports/xml.h"

namespace phonelab::reports {
namespace {

constexpr Verdict kAllVerdicts[] = {Verdict::Pass, Verdict::Fail, Verdict::Error,
                                    Verdict::Inconclusive, Verdict::NotApplicable};

constexpr const char* kStyle = R"(
body { font-family: system-ui, sans-serif; margin: 1.5em; color: #222; }
h1 { margin-bottom: 0.2em; }
table { border-collapse: collapse; margin: 0.5em 0 1em; }
th, td { border: 1px solid #ccc; padding: 0.25em 0.5em; text-align: left; vertical-align: top; }
th { background: #f2f2f2; }
dl.run { display: grid; grid-template-columns: max-content auto; gap: 0.1em 1em; }
dl.run dt { font-weight: bold; }
dl.run dd { margin: 0; }
.verdict { display: inline-block; padding: 0.1em 0.5em; border-radius: 0.8em; color: #fff;
           font-weight: bold; font-size: 0.9em; white-space: nowrap; }
.v-pass { background: #2e7d32; }
.v-fail { background: #c62828; }
.v-error { background: #6a1b4d; }
.v-inconclusive { background: #ef8f00; }
.v-not-applicable { background: #8a8a8a; }
.counts .verdict { margin-right: 0.4em; }
section.scenario { border-top: 2px solid #ddd; margin-top: 1.5em; }
.message { white-space: pre-wrap; font-family: monospace; }
.harness-error { color: #6a1b4d; font-weight: bold; white-space: pre-wrap; }
.warning { background: #fff3cd; padding: 0.5em; border: 1px solid #ef8f00; }
)";

std::string e(std::string_view s) {
  return htmlEscape(s);
}

std::string badge(Verdict v) {
  std::string name(toString(v));
  return "<span class=\"verdict v-" + name + "\">" + name + "</span>";
}

std::string seconds(double d) {
  if (!std::isfinite(d)) return "-";
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.3f s", d);
  return buf;
}

std::string scenarioLink(const std::string& id) {
  return "<a href=\"#" + e(hrefPath(id)) + "\">" + e(id) + "</a>";
}

std::string reqAnchor(const std::string& id) {
  return "req-" + id;
}

int kindRank(const std::string& kind) {
  if (kind == "documented") return 0;
  if (kind == "hardening") return 1;
  return 2;
}

std::string header(const RunResults& r) {
  auto dut = [&](const char* key) {
    auto it = r.run.dut.find(key);
    return it == r.run.dut.end() ? std::string("-") : e(it->second);
  };
  std::string out = "<header>\n<h1>phonelab report</h1>\n<dl class=\"run\">\n";
  auto row = [&](const char* k, const std::string& v_html) {
    out += "<dt>" + std::string(k) + "</dt><dd>" + v_html + "</dd>\n";
  };
  row("Harness", "phonelab " + e(r.run.harness_version));
  row("Lab", e(r.run.lab) + (r.run.lab_file.empty() ? "" : " (" + e(r.run.lab_file) + ")"));
  row("DUT", "model " + dut("model") + ", MAC " + dut("mac") + ", firmware " + dut("firmware"));
  row("Started", e(r.run.started_at));
  row("Finished", e(r.run.finished_at));
  if (!r.run.host.empty()) row("Host", e(r.run.host));
  if (!r.run.command.empty()) row("Command", "<code>" + e(r.run.command) + "</code>");
  if (!r.run.emulator_faults.empty()) {
    std::string f;
    for (const auto& x : r.run.emulator_faults) f += (f.empty() ? "" : ", ") + e(x);
    row("Emulator faults", f);
  }
  out += "</dl>\n";
  if (!r.run.complete) {
    out += "<p class=\"warning\">This run is incomplete" +
           (r.run.interrupted.empty() ? std::string()
                                      : " (interrupted: " + e(r.run.interrupted) + ")") +
           ": the report covers only the scenarios that finished.</p>\n";
  }
  auto counts = r.counts();
  out += "<p class=\"counts\">" + std::to_string(r.scenarios.size()) + " scenarios: ";
  for (Verdict v : kAllVerdicts) {
    int n = counts.count(v) ? counts.at(v) : 0;
    std::string name(toString(v));
    out += "<span class=\"verdict v-" + name + "\">" + name + " " + std::to_string(n) + "</span>";
  }
  out += "</p>\n</header>\n";
  return out;
}

std::string matrix(const RunResults& r) {
  auto rows = r.requirementResults();
  std::stable_sort(rows.begin(), rows.end(), [](const auto& a, const auto& b) {
    return kindRank(a.requirement.kind) < kindRank(b.requirement.kind);
  });
  std::string out =
      "<section id=\"requirements\">\n<h2>Requirements</h2>\n<table class=\"matrix\">\n"
      "<tr><th>Requirement</th><th>Kind</th><th>Title</th><th>Verdict</th><th>Scenarios</th>"
      "</tr>\n";
  for (const auto& rr : rows) {
    const auto& q = rr.requirement;
    std::string links;
    for (const auto& id : rr.scenarios) links += (links.empty() ? "" : ", ") + scenarioLink(id);
    out += "<tr id=\"" + e(reqAnchor(q.id)) + "\" class=\"req-" + e(q.kind) + "\"><td>" + e(q.id) +
           "</td><td>" + e(q.kind) + "</td><td>" + e(q.title) + "</td><td>" + badge(rr.verdict) +
           "</td><td>" + (links.empty() ? "none ran" : links) + "</td></tr>\n";
  }
  out += "</table>\n</section>\n";
  return out;
}

std::string summary(const RunResults& r) {
  std::string out =
      "<section id=\"scenarios\">\n<h2>Scenarios</h2>\n<table class=\"summary\">\n"
      "<tr><th>Scenario</th><th>Title</th><th>Verdict</th><th>Duration</th></tr>\n";
  for (const auto& s : r.scenarios) {
    out += "<tr><td>" + scenarioLink(s.id) + "</td><td>" + e(s.title) + "</td><td>" +
           badge(s.verdict) + "</td><td>" + seconds(s.duration) + "</td></tr>\n";
  }
  out += "</table>\n</section>\n";
  return out;
}

std::string scenarioSection(const ScenarioResult& s, const std::set<std::string>& known_reqs) {
  std::string out = "<section class=\"scenario\" id=\"" + e(s.id) + "\">\n<h3>" + e(s.id) +
                    (s.title.empty() ? "" : ": " + e(s.title)) + " " + badge(s.verdict) +
                    "</h3>\n<dl class=\"run\">\n";
  std::string reqs;
  for (const auto& q : s.requirements) {
    std::string item = known_reqs.count(q)
                           ? "<a href=\"#" + e(hrefPath(reqAnchor(q))) + "\">" + e(q) + "</a>"
                           : e(q);
    reqs += (reqs.empty() ? "" : ", ") + item;
  }
  std::string tags;
  for (const auto& t : s.tags) tags += (tags.empty() ? "" : ", ") + e(t);
  out += "<dt>File</dt><dd>" + e(s.file) + "</dd>\n";
  out += "<dt>Requirements</dt><dd>" + (reqs.empty() ? "-" : reqs) + "</dd>\n";
  out += "<dt>Tags</dt><dd>" + (tags.empty() ? "-" : tags) + "</dd>\n";
  out += "<dt>Started</dt><dd>" + e(s.started_at) + "</dd>\n";
  out += "<dt>Duration</dt><dd>" + seconds(s.duration) + "</dd>\n</dl>\n";
  if (!s.error.empty()) {
    out += "<p class=\"harness-error\">Harness: " + e(s.error) + "</p>\n";
  }
  if (!s.steps.empty()) {
    out +=
        "<h4>Steps</h4>\n<table class=\"steps\">\n<tr><th>Step</th><th>Kind</th><th>Started"
        "</th><th>Duration</th><th>Outcome</th></tr>\n";
    for (const auto& st : s.steps) {
      out += "<tr><td>" + e(st.name) + "</td><td>" + e(st.kind) + "</td><td>" +
             seconds(st.started) + "</td><td>" + seconds(st.duration) + "</td><td>" +
             e(st.outcome) + "</td></tr>\n";
    }
    out += "</table>\n";
  }
  out += "<h4>Checks</h4>\n";
  if (s.checks.empty()) {
    out += "<p>No checks ran.</p>\n";
  } else {
    out +=
        "<table class=\"checks\">\n<tr><th>Verdict</th><th>Check</th><th>Step</th><th>At</th>"
        "<th>Message</th></tr>\n";
    for (const auto& c : s.checks) {
      std::string details;
      for (const auto& [k, v] : c.details) details += "\n" + k + ": " + v;
      out += "<tr class=\"check v-row-" + std::string(toString(c.verdict)) + "\"><td>" +
             badge(c.verdict) + "</td><td>" + e(c.name) + "</td><td>" + e(c.step) + "</td><td>" +
             seconds(c.t) + "</td><td class=\"message\">" + e(c.message + details) + "</td></tr>\n";
    }
    out += "</table>\n";
  }
  if (!s.evidence.empty()) {
    out += "<h4>Evidence</h4>\n<ul class=\"evidence\">\n";
    for (const auto& [k, path] : s.evidence) {
      out += "<li>" + e(k) + ": <a href=\"" + e(hrefPath(path)) + "\">" + e(path) + "</a></li>\n";
    }
    out += "</ul>\n";
  }
  out += "</section>\n";
  return out;
}

}  // namespace

std::string toHtmlText(const RunResults& r) {
  std::set<std::string> known_reqs;
  for (const auto& q : r.catalog) known_reqs.insert(q.id);
  std::string out =
      "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
      "<title>phonelab report: " +
      e(r.run.lab) + " " + e(r.run.started_at) + "</title>\n<style>" + kStyle +
      "</style>\n</head>\n<body>\n";
  out += header(r);
  out += matrix(r);
  out += summary(r);
  for (const auto& s : r.scenarios) out += scenarioSection(s, known_reqs);
  out += "</body>\n</html>\n";
  return out;
}

void writeHtml(const RunResults& r, const std::string& path) {
  writeFileAtomic(path, toHtmlText(r));
}

}  // namespace phonelab::reports
