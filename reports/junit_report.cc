// junit.xml: the JUnit XML that Jenkins (junit and xunit plugins) and GitLab read; valid against
// fixtures/junit/jenkins-junit.xsd (the xunit plugin's junit-10 schema).
//
// <testsuites name="phonelab" tests failures errors time>  (the schema has no "skipped" here)
//   <testsuite name=AREA tests failures errors skipped time timestamp hostname>  per area: the
//     scenario's first tag, else "scenarios"; in order of first appearance
//     <properties> run facts (lab, harness version, DUT identity, ...), then the evidence files of
//       the suite's scenarios: name "evidence:<scenario id>:<key>", value the path
//       (results.json's evidence plus files of known kinds in the scenario's folder)
//     <testcase name="ID: TITLE" classname="phonelab.AREA" time>
//       fail                -> <failure message=FIRST type="fail">every failing check, a line each,
//                              with "expected:" and "observed:" lines where the check has them
//       error, inconclusive -> <error message=FIRST type="error"|"inconclusive">...
//       not-applicable      -> <skipped message=FIRST/>
//       <system-out> "requirement: ID" lines, then "[[ATTACHMENT|path]]" per evidence file (the
//         Jenkins attachments plugin convention; paths relative to the folder of junit.xml).
// failures counts fail; errors counts error and inconclusive; skipped counts not-applicable.

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "reports/report.h"
#include "reports/report_folder.h"
#include "reports/xml.h"

namespace phonelab::reports {
namespace {

std::string seconds(double d) {
  if (!std::isfinite(d) || d < 0) d = 0;
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.3f", d);
  return buf;
}

std::string attr(std::string_view name, std::string_view value) {
  std::string out(" ");
  out.append(name).append("=\"").append(xmlEscape(value)).append("\"");
  return out;
}

std::string areaOf(const ScenarioResult& s) {
  return s.tags.empty() || s.tags.front().empty() ? std::string("scenarios") : s.tags.front();
}

std::string checkLine(const CheckResult& c) {
  std::string line;
  if (!c.step.empty()) line += "[" + c.step + "] ";
  line += c.name;
  if (!c.message.empty()) line += (c.name.empty() ? "" : ": ") + c.message;
  if (!c.expected.empty() || !c.observed.empty()) {
    line += "\n    expected: " + (c.expected.empty() ? std::string("-") : c.expected) +
            "\n    observed: " + (c.observed.empty() ? std::string("-") : c.observed);
  }
  return line;
}

std::string firstMessage(const std::vector<const CheckResult*>& cs) {
  if (cs.empty()) return "";
  return cs.front()->message.empty() ? cs.front()->name : cs.front()->message;
}

struct Counts {
  int tests = 0, failures = 0, errors = 0, skipped = 0;
  double time = 0;
  void add(const ScenarioResult& s) {
    ++tests;
    if (s.verdict == Verdict::Fail) ++failures;
    if (s.verdict == Verdict::Error || s.verdict == Verdict::Inconclusive) ++errors;
    if (s.verdict == Verdict::NotApplicable) ++skipped;
    if (std::isfinite(s.duration) && s.duration > 0) time += s.duration;
  }
};

/// The <failure>/<error>/<skipped> element for a scenario's verdict ("" for pass).
std::string outcomeElement(const ScenarioResult& s) {
  if (s.verdict == Verdict::Pass) return "";
  std::vector<const CheckResult*> matching;
  for (const auto& c : s.checks) {
    if (c.verdict == s.verdict) matching.push_back(&c);
  }
  std::string body;
  if (!s.error.empty()) body += "harness: " + s.error + "\n";
  for (const auto* c : matching) body += checkLine(*c) + "\n";
  std::string message = firstMessage(matching);
  switch (s.verdict) {
    case Verdict::Fail:
      return "      <failure" + attr("message", message) + attr("type", "fail") + ">" +
             xmlEscape(body) + "</failure>\n";
    case Verdict::Error:
    case Verdict::Inconclusive: {
      if (!s.error.empty()) message = s.error;
      if (message.empty()) message = s.checks.empty() ? "no checks ran" : "see the checks";
      return "      <error" + attr("message", message) + attr("type", toString(s.verdict)) + ">" +
             xmlEscape(body) + "</error>\n";
    }
    case Verdict::NotApplicable:
      return "      <skipped" + attr("message", message) + "/>\n";
    case Verdict::Pass:
      break;
  }
  return "";
}

std::string testcase(const ScenarioResult& s, const std::string& area,
                     const std::vector<EvidenceFile>& evidence) {
  std::string name = s.title.empty() ? s.id : s.id + ": " + s.title;
  std::string out = "    <testcase" + attr("name", name) + attr("classname", "phonelab." + area) +
                    attr("time", seconds(s.duration)) + ">\n";
  out += outcomeElement(s);
  std::string sysout;
  for (const auto& r : s.requirements) sysout += "requirement: " + r + "\n";
  for (const auto& f : evidence) sysout += "[[ATTACHMENT|" + f.path + "]]\n";
  if (!sysout.empty()) out += "      <system-out>" + xmlEscape(sysout) + "</system-out>\n";
  out += "    </testcase>\n";
  return out;
}

/// Run facts, then the evidence of the suite's scenarios as "evidence:<scenario>:<key>" (the
/// schema allows properties only on testsuites, not on testcases).
std::string properties(const RunResults& r,
                       const std::vector<std::pair<std::string, EvidenceFile>>& evidence) {
  std::vector<std::pair<std::string, std::string>> props = {
      {"harness_version", r.run.harness_version},
      {"lab", r.run.lab},
      {"lab_file", r.run.lab_file},
      {"command", r.run.command},
      {"started_at", r.run.started_at},
      {"finished_at", r.run.finished_at},
      {"complete", r.run.complete ? "true" : "false"},
  };
  if (!r.run.interrupted.empty()) props.emplace_back("interrupted", r.run.interrupted);
  for (const auto& [k, v] : r.run.dut) props.emplace_back("dut." + k, v);
  for (const auto& f : r.run.emulator_faults) props.emplace_back("emulator_fault", f);
  for (const auto& [id, f] : evidence) {
    std::string name = f.key;
    if (name.empty()) {
      name = f.path.rfind(id + "/", 0) == 0 ? f.path.substr(id.size() + 1) : f.path;
    }
    props.emplace_back("evidence:" + id + ":" + name, f.path);
  }
  std::string out = "    <properties>\n";
  for (const auto& [k, v] : props) {
    out += "      <property" + attr("name", k) + attr("value", v) + "/>\n";
  }
  out += "    </properties>\n";
  return out;
}

}  // namespace

std::string toJUnitText(const RunResults& r, const std::string& report_dir) {
  // Areas in order of first appearance.
  std::vector<std::string> areas;
  for (const auto& s : r.scenarios) {
    std::string a = areaOf(s);
    if (std::find(areas.begin(), areas.end(), a) == areas.end()) areas.push_back(a);
  }
  Counts total;
  std::string suites;
  for (const auto& area : areas) {
    Counts c;
    std::string cases;
    std::string timestamp;
    std::vector<std::pair<std::string, EvidenceFile>> suite_evidence;
    for (const auto& s : r.scenarios) {
      if (areaOf(s) != area) continue;
      c.add(s);
      total.add(s);
      if (timestamp.empty() || (!s.started_at.empty() && s.started_at < timestamp)) {
        timestamp = s.started_at;
      }
      auto evidence = listEvidence(s, report_dir);
      for (const auto& f : evidence) suite_evidence.emplace_back(s.id, f);
      cases += testcase(s, area, evidence);
    }
    const std::string props = properties(r, suite_evidence);
    if (timestamp.empty()) timestamp = r.run.started_at;
    suites += "  <testsuite" + attr("name", area) + attr("tests", std::to_string(c.tests)) +
              attr("failures", std::to_string(c.failures)) +
              attr("errors", std::to_string(c.errors)) +
              attr("skipped", std::to_string(c.skipped)) + attr("time", seconds(c.time)) +
              attr("timestamp", timestamp) + attr("hostname", r.run.host) + ">\n" + props + cases +
              "  </testsuite>\n";
  }
  return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites" + attr("name", "phonelab") +
         attr("tests", std::to_string(total.tests)) +
         attr("failures", std::to_string(total.failures)) +
         attr("errors", std::to_string(total.errors)) + attr("time", seconds(total.time)) + ">\n" +
         suites + "</testsuites>\n";
}

void writeJUnit(const RunResults& r, const std::string& path) {
  writeFileAtomic(path, toJUnitText(r, std::filesystem::path(path).parent_path().string()));
}

}  // namespace phonelab::reports
