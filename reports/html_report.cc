// index.html: one self-contained page (inline CSS, inline SVG, no scripts, no external resources).
// Summary (DUT identity read from the phone, lab, harness, dates, counts), the compliance matrix
// (documented behaviour, then hardening, then anything else; spec text, scenarios, verdict or
// "not tested" with the planned issue), a scenario summary, then one section per scenario whose
// anchor id is the scenario id: steps, checks (expected / observed / message), a SIP ladder and a
// DHCP timeline drawn from the scenario's events.jsonl, and its evidence files. Verdicts render as
// <span class="verdict v-VERDICT">; a requirement no scenario tested as v-not-tested.
// Everything comes from results.json and files in the report folder, so re-rendering is identical.

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <map>
#include <set>
#include <string>

#include "reports/report.h"
#include "reports/report_folder.h"
#include "reports/style.h"
#include "reports/xml.h"

namespace phonelab::reports {
namespace {

constexpr Verdict kAllVerdicts[] = {Verdict::Pass, Verdict::Fail, Verdict::Error,
                                    Verdict::Inconclusive, Verdict::NotApplicable};

constexpr const char* kStyle = R"(
dl.run { display: grid; grid-template-columns: max-content auto; gap: 0.1em 1em; }
dl.run dt { font-weight: bold; }
dl.run dd { margin: 0; }
.counts .verdict { margin-right: 0.4em; }
table.matrix { width: 100%; }
table.matrix td.req-id { white-space: nowrap; font-family: monospace; }
.req-title { font-weight: bold; }
.spec { margin-top: 0.2em; }
.notes, .planned, .explain { color: #555; font-size: 0.9em; }
tr.status-fail { background: #fdecea; }
tr.status-not-tested { color: #666; }
section.scenario { border-top: 2px solid #ddd; margin-top: 1.5em; }
.message, .expected, .observed { white-space: pre-wrap; font-family: monospace; font-size: 0.9em; }
tr.v-row-fail td.observed { color: #c62828; font-weight: bold; }
.harness-error { color: #6a1b4d; font-weight: bold; white-space: pre-wrap; }
.diagram { overflow-x: auto; }
svg text { font-family: system-ui, sans-serif; font-size: 12px; fill: #222; }
svg.ladder text.host { font-weight: bold; text-anchor: middle; }
svg.ladder text.agent { fill: #666; font-size: 11px; text-anchor: middle; }
svg.ladder text.label { text-anchor: middle; }
svg.ladder text.t { fill: #666; font-family: monospace; font-size: 11px; }
svg.ladder .lifeline { stroke: #bbb; stroke-width: 1; stroke-dasharray: 4 3; }
svg.ladder .lane-phone .lifeline { stroke: #555; stroke-dasharray: none; }
svg.ladder .arrow { stroke-width: 1.5; }
.sip-request .arrow { stroke: #1565c0; } .sip-request .head { fill: #1565c0; }
.sip-provisional .arrow { stroke: #757575; } .sip-provisional .head { fill: #757575; }
.sip-success .arrow { stroke: #2e7d32; } .sip-success .head { fill: #2e7d32; }
.sip-error .arrow { stroke: #c62828; } .sip-error .head { fill: #c62828; }
.sip-malformed .arrow { stroke: #6a1b4d; stroke-dasharray: 3 2; } .sip-malformed .head { fill: #6a1b4d; }
svg.dhcp-timeline text.lane-name { text-anchor: end; font-family: monospace; }
svg.dhcp-timeline text.tick { text-anchor: middle; fill: #666; font-size: 11px; }
svg.dhcp-timeline .lane-line { stroke: #e0e0e0; }
svg.dhcp-timeline .axis { stroke: #888; }
.dhcp-msg { fill: #1565c0; }
.dhcp-offer, .dhcp-ack { fill: #2e7d32; }
.dhcp-nak, .dhcp-decline { fill: #c62828; }
.dhcp-release, .dhcp-inform { fill: #6a1b4d; }
@media print {
  body { margin: 0; max-width: none; }
  section.scenario { break-before: page; }
  tr, svg, .diagram { break-inside: avoid; }
  a { color: inherit; }
}
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

std::string dutField(const RunResults& r, const char* key) {
  auto it = r.run.dut.find(key);
  return it == r.run.dut.end() || it->second.empty() ? std::string("-") : e(it->second);
}

std::string header(const RunResults& r) {
  std::string out =
      "<header id=\"summary\">\n<h1>phonelab compliance report</h1>\n<dl class=\"run\">\n";
  auto row = [&](const char* k, const std::string& v_html) {
    out += "<dt>" + std::string(k) + "</dt><dd>" + v_html + "</dd>\n";
  };
  row("Device model", dutField(r, "model"));
  row("MAC", dutField(r, "mac"));
  row("Firmware", dutField(r, "firmware") + " <small>(read from the phone)</small>");
  if (r.run.dut.count("serial")) row("Serial", dutField(r, "serial"));
  row("Lab", e(r.run.lab) + (r.run.lab_file.empty() ? "" : " (" + e(r.run.lab_file) + ")"));
  row("Harness", "phonelab " + e(r.run.harness_version));
  row("Date", e(r.run.started_at) + " &#8211; " + e(r.run.finished_at));
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
  out += "</p>\n";
  std::map<std::string, int> req_counts;
  auto rows = r.requirementResults();
  for (const auto& rr : rows) req_counts[rr.status()]++;
  out += "<p class=\"counts req-counts\">" + std::to_string(rows.size()) + " requirements: ";
  for (Verdict v : kAllVerdicts) {
    std::string name(toString(v));
    if (!req_counts.count(name)) continue;
    out += "<span class=\"verdict v-" + name + "\">" + name + " " +
           std::to_string(req_counts[name]) + "</span>";
  }
  if (req_counts.count(std::string(kNotTested))) {
    out += "<span class=\"verdict v-not-tested\">not tested " +
           std::to_string(req_counts[std::string(kNotTested)]) + "</span>";
  }
  out += "</p>\n</header>\n";
  return out;
}

std::string statusBadge(const RequirementResult& rr) {
  if (rr.tested()) return badge(rr.verdict);
  return "<span class=\"verdict v-not-tested\">not tested</span>";
}

/// The ways to get the requirement wrong that the suite is proven to catch: each an emulator
/// fault that `phonelab selftest` runs and that a scenario of the requirement fails on.
std::string wrongWays(const Requirement& q) {
  if (q.wrong_ways.empty()) return "";
  std::string items;
  for (const auto& w : q.wrong_ways) {
    items += "<li><code>" + e(w.fault) + "</code>: " + e(w.how) + "</li>";
  }
  return "<details class=\"wrong-ways\"><summary>Catches " + std::to_string(q.wrong_ways.size()) +
         " wrong way" + (q.wrong_ways.size() == 1 ? "" : "s") +
         " (emulator faults the self-test proves)</summary><ul>" + items + "</ul></details>";
}

std::string matrixTable(const std::vector<RequirementResult>& rows, const std::string& kind,
                        const std::string& heading, const std::string& explanation) {
  std::string body;
  for (const auto& rr : rows) {
    const auto& q = rr.requirement;
    bool mine = kind.empty() ? kindRank(q.kind) == 2 : q.kind == kind;
    if (!mine) continue;
    std::string links;
    for (const auto& id : rr.scenarios) links += (links.empty() ? "" : ", ") + scenarioLink(id);
    std::string status = statusBadge(rr);
    if (!rr.tested()) {
      status += q.planned.empty() ? "<div class=\"planned\">no scenario in this run</div>"
                                  : "<div class=\"planned\">planned: " + e(q.planned) + "</div>";
    }
    body += "<tr id=\"" + e(reqAnchor(q.id)) + "\" class=\"req req-" + e(q.kind) + " status-" +
            e(rr.status()) + "\"><td class=\"req-id\">" + e(q.id) +
            "</td><td><div class=\"req-title\">" + e(q.title) + "</div>" +
            (q.spec.empty() ? "" : "<div class=\"spec\">" + e(q.spec) + "</div>") +
            (q.notes.empty() ? "" : "<div class=\"notes\">Note: " + e(q.notes) + "</div>") +
            wrongWays(q) + "</td><td>" + (links.empty() ? "-" : links) +
            "</td><td class=\"req-status\">" + status + "</td></tr>\n";
  }
  if (body.empty()) return "";
  return "<h3>" + heading + "</h3>\n" +
         (explanation.empty() ? "" : "<p class=\"explain\">" + explanation + "</p>\n") +
         "<table class=\"matrix matrix-" + (kind.empty() ? std::string("other") : kind) +
         "\">\n<tr><th>Requirement</th><th>Requirement and spec text</th><th>Scenarios</th>"
         "<th>Verdict</th></tr>\n" +
         body + "</table>\n";
}

std::string matrix(const RunResults& r) {
  auto rows = r.requirementResults();
  return "<section id=\"requirements\">\n<h2>Compliance matrix</h2>\n" +
         matrixTable(rows, "documented", "Documented behaviour",
                     "What the vendor's security chapter states.") +
         matrixTable(rows, "hardening", "Hardening", "Implied by the document, not stated in it.") +
         matrixTable(rows, "", "Other", "") + "</section>\n";
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

std::string num(double d) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f", d);
  return buf;
}

std::string shortened(std::string s, size_t n) {
  if (s.size() > n) s = s.substr(0, n - 1) + "\u2026";
  return s;
}

std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

/// The SIP ladder: one lifeline per address (the phone first), one arrow per captured message.
std::string sipLadder(const std::vector<WireEvent>& all, const RunResults& r) {
  constexpr size_t kMax = 150;
  std::vector<const WireEvent*> msgs;
  for (const auto& w : all) {
    if (w.kind.rfind("sip.", 0) == 0) msgs.push_back(&w);
  }
  if (msgs.empty()) return "";
  const std::string dut_mac = lower(r.run.dut.count("mac") ? r.run.dut.at("mac") : "");
  std::string phone;
  for (const auto* w : msgs) {
    if (!dut_mac.empty() && lower(w->field("src_mac")) == dut_mac) phone = w->field("src_ip");
    if (phone.empty() && !dut_mac.empty() && lower(w->field("dst_mac")) == dut_mac) {
      phone = w->field("dst_ip");
    }
    if (!phone.empty()) break;
  }
  std::vector<std::string> hosts;
  std::map<std::string, std::string> subtitle;
  if (!phone.empty()) hosts.push_back(phone);
  for (const auto* w : msgs) {
    for (const auto& ip : {w->field("src_ip"), w->field("dst_ip")}) {
      if (std::find(hosts.begin(), hosts.end(), ip) == hosts.end()) hosts.push_back(ip);
    }
    std::string agent = w->kind == "sip.response" ? w->field("server") : w->field("user_agent");
    if (!agent.empty() && !subtitle.count(w->field("src_ip"))) subtitle[w->field("src_ip")] = agent;
  }
  const size_t shown = std::min(msgs.size(), kMax);
  constexpr double kTimeW = 78, kColW = 200, kTop = 56, kRowH = 26;
  const double width = kTimeW + kColW * static_cast<double>(hosts.size());
  const double height = kTop + kRowH * static_cast<double>(shown) + 12;
  auto col = [&](const std::string& ip) {
    auto i = std::find(hosts.begin(), hosts.end(), ip) - hosts.begin();
    return kTimeW + kColW * (static_cast<double>(i) + 0.5);
  };
  std::string out = "<svg class=\"ladder\" xmlns=\"http://www.w3.org/2000/svg\" width=\"" +
                    num(width) + "\" height=\"" + num(height) + "\" viewBox=\"0 0 " + num(width) +
                    " " + num(height) + "\" role=\"img\" aria-label=\"SIP ladder diagram\">\n";
  for (const auto& ip : hosts) {
    double x = col(ip);
    bool is_phone = ip == phone;
    out += "<g class=\"lane" + std::string(is_phone ? " lane-phone" : "") + "\"><text x=\"" +
           num(x) + "\" y=\"18\" class=\"host\">" + e(is_phone ? "phone " + ip : ip) + "</text>";
    if (subtitle.count(ip)) {
      out += "<text x=\"" + num(x) + "\" y=\"34\" class=\"agent\">" +
             e(shortened(subtitle[ip], 32)) + "</text>";
    }
    out += "<line x1=\"" + num(x) + "\" y1=\"42\" x2=\"" + num(x) + "\" y2=\"" + num(height - 4) +
           "\" class=\"lifeline\"/></g>\n";
  }
  for (size_t i = 0; i < shown; ++i) {
    const WireEvent& w = *msgs[i];
    double y = kTop + kRowH * static_cast<double>(i) + 16;
    double x1 = col(w.field("src_ip")), x2 = col(w.field("dst_ip"));
    std::string cls, label;
    if (w.kind == "sip.request") {
      cls = "sip-request";
      label = w.field("method");
    } else if (w.kind == "sip.response") {
      const std::string st = w.field("status");
      cls = st.size() == 3 && st[0] == '1'   ? "sip-provisional"
            : st.size() == 3 && st[0] == '2' ? "sip-success"
                                             : "sip-error";
      label = st + " " + w.field("reason");
      if (!w.field("cseq_method").empty()) label += " (" + w.field("cseq_method") + ")";
    } else {
      cls = "sip-malformed";
      label = "malformed: " + w.field("reason");
    }
    double dir = x2 >= x1 ? 1 : -1;
    double tip = x2 - dir * 2;
    out += "<g class=\"msg " + cls + "\"><title>" + e(num(w.t) + " s: " + w.summary) +
           "</title><text x=\"4\" y=\"" + num(y + 4) + "\" class=\"t\">" + seconds(w.t) +
           "</text><text x=\"" + num((x1 + x2) / 2) + "\" y=\"" + num(y - 5) +
           "\" class=\"label\">" + e(shortened(label, 44)) + "</text><line x1=\"" + num(x1) +
           "\" y1=\"" + num(y) + "\" x2=\"" + num(tip) + "\" y2=\"" + num(y) +
           "\" class=\"arrow\"/><polygon points=\"" + num(tip) + "," + num(y) + " " +
           num(tip - dir * 9) + "," + num(y - 4) + " " + num(tip - dir * 9) + "," + num(y + 4) +
           "\" class=\"head\"/></g>\n";
  }
  out += "</svg>\n";
  std::string note;
  if (msgs.size() > shown) {
    note = "<p class=\"explain\">The first " + std::to_string(shown) + " of " +
           std::to_string(msgs.size()) + " SIP messages; the capture has them all.</p>\n";
  }
  return "<h4>SIP ladder</h4>\n<div class=\"diagram\">\n" + out + "</div>\n" + note;
}

/// The DHCP timeline: one row per message type, a mark per captured message at its time.
std::string dhcpTimeline(const std::vector<WireEvent>& all, double duration) {
  static const char* kOrder[] = {"discover", "offer",   "request", "ack",           "nak",
                                 "decline",  "release", "inform",  "bootp.request", "bootp.reply"};
  std::vector<const WireEvent*> msgs;
  double tmax = std::isfinite(duration) && duration > 0 ? duration : 0;
  for (const auto& w : all) {
    if (w.kind.rfind("dhcp.", 0) == 0 || w.kind.rfind("bootp.", 0) == 0) {
      msgs.push_back(&w);
      tmax = std::max(tmax, w.t);
    }
  }
  if (msgs.empty()) return "";
  if (tmax <= 0) tmax = 1;
  auto lane_of = [](const WireEvent& w) {
    return w.kind.rfind("dhcp.", 0) == 0 ? w.kind.substr(5) : w.kind;
  };
  std::vector<std::string> lanes;
  for (const char* k : kOrder) {
    for (const auto* w : msgs) {
      if (lane_of(*w) == k) {
        lanes.push_back(k);
        break;
      }
    }
  }
  for (const auto* w : msgs) {
    if (std::find(lanes.begin(), lanes.end(), lane_of(*w)) == lanes.end()) {
      lanes.push_back(lane_of(*w));
    }
  }
  constexpr double kLabelW = 120, kPlotW = 640, kRowH = 24, kTop = 8;
  const double height = kTop + kRowH * static_cast<double>(lanes.size()) + 28;
  const double width = kLabelW + kPlotW + 30;
  auto x = [&](double t) { return kLabelW + kPlotW * std::clamp(t / tmax, 0.0, 1.0); };
  std::string out = "<svg class=\"dhcp-timeline\" xmlns=\"http://www.w3.org/2000/svg\" width=\"" +
                    num(width) + "\" height=\"" + num(height) + "\" viewBox=\"0 0 " + num(width) +
                    " " + num(height) + "\" role=\"img\" aria-label=\"DHCP timeline\">\n";
  for (size_t i = 0; i < lanes.size(); ++i) {
    double y = kTop + kRowH * static_cast<double>(i);
    std::string name = lanes[i];
    std::string upper;
    for (char c : name) upper += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    out += "<text x=\"" + num(kLabelW - 8) + "\" y=\"" + num(y + 15) + "\" class=\"lane-name\">" +
           e(upper) + "</text><line x1=\"" + num(kLabelW) + "\" y1=\"" + num(y + 11) + "\" x2=\"" +
           num(kLabelW + kPlotW) + "\" y2=\"" + num(y + 11) + "\" class=\"lane-line\"/>\n";
  }
  const double axis_y = kTop + kRowH * static_cast<double>(lanes.size()) + 4;
  out += "<line x1=\"" + num(kLabelW) + "\" y1=\"" + num(axis_y) + "\" x2=\"" +
         num(kLabelW + kPlotW) + "\" y2=\"" + num(axis_y) + "\" class=\"axis\"/>\n";
  for (int i = 0; i <= 4; ++i) {
    double t = tmax * i / 4;
    out += "<text x=\"" + num(x(t)) + "\" y=\"" + num(axis_y + 16) + "\" class=\"tick\">" + num(t) +
           " s</text>\n";
  }
  for (const auto* w : msgs) {
    auto lane = std::find(lanes.begin(), lanes.end(), lane_of(*w)) - lanes.begin();
    double y = kTop + kRowH * static_cast<double>(lane);
    out += "<rect class=\"dhcp-msg dhcp-" + e(lane_of(*w)) + "\" x=\"" + num(x(w->t) - 2) +
           "\" y=\"" + num(y + 3) + "\" width=\"4\" height=\"16\"><title>" +
           e(seconds(w->t) + ": " + w->summary) + "</title></rect>\n";
  }
  out += "</svg>\n";
  std::string table = "<table class=\"wire\">\n<tr><th>At</th><th>DHCP message</th></tr>\n";
  constexpr size_t kRows = 40;
  for (size_t i = 0; i < msgs.size() && i < kRows; ++i) {
    table += "<tr><td>" + seconds(msgs[i]->t) + "</td><td>" + e(msgs[i]->summary) + "</td></tr>\n";
  }
  if (msgs.size() > kRows) {
    table += "<tr><td></td><td>and " + std::to_string(msgs.size() - kRows) +
             " more (see the capture)</td></tr>\n";
  }
  table += "</table>\n";
  return "<h4>DHCP timeline</h4>\n<div class=\"diagram\">\n" + out + "</div>\n" + table;
}

std::string scenarioSection(const ScenarioResult& s, const std::set<std::string>& known_reqs,
                            const RunResults& r, const std::string& report_dir) {
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
  out += "<dt>Duration</dt><dd>" + seconds(s.duration) + "</dd>\n";
  if (auto n = s.boot.find("number"); n != s.boot.end()) {
    // Which boot of the phone it ran on: a fresh one and why, or kept running since a scenario.
    const auto fresh = s.boot.find("fresh");
    const auto why = s.boot.find(fresh != s.boot.end() && fresh->second == "no" ? "since" : "why");
    const bool kept = fresh != s.boot.end() && fresh->second == "no";
    const auto link = s.boot.find("link");
    const bool bounced = kept && link != s.boot.end() && link->second == "bounced";
    out += "<dt>Boot</dt><dd>" + e(n->second) +
           (kept ? ": kept running since " : ": a fresh boot: ") +
           (why != s.boot.end() ? e(why->second) : std::string("-")) +
           (bounced ? "; its network started afresh after a link bounce" : "") + "</dd>\n";
  }
  out += "</dl>\n";
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
        "<th>Expected</th><th>Observed</th><th>Message</th></tr>\n";
    for (const auto& c : s.checks) {
      std::string details;
      for (const auto& [k, v] : c.details) details += "\n" + k + ": " + v;
      out += "<tr class=\"check v-row-" + std::string(toString(c.verdict)) + "\"><td>" +
             badge(c.verdict) + "</td><td>" + e(c.name) + "</td><td>" + e(c.step) + "</td><td>" +
             seconds(c.t) + "</td><td class=\"expected\">" + e(c.expected) +
             "</td><td class=\"observed\">" + e(c.observed) + "</td><td class=\"message\">" +
             e(c.message + details) + "</td></tr>\n";
    }
    out += "</table>\n";
  }
  int skipped = 0;
  auto wire = readWireEvents(s, report_dir, skipped);
  out += sipLadder(wire, r);
  out += dhcpTimeline(wire, s.duration);
  if (skipped > 0) {
    out += "<p class=\"warning\">" + std::to_string(skipped) +
           " line(s) of the event log could not be read.</p>\n";
  }
  auto evidence = listEvidence(s, report_dir);
  if (!evidence.empty()) {
    out += "<h4>Evidence</h4>\n<ul class=\"evidence\">\n";
    for (const auto& f : evidence) {
      out += "<li>" + e(f.key.empty() ? f.kind : f.key) + ": <a href=\"" + e(hrefPath(f.path)) +
             "\">" + e(f.path) + "</a>" +
             (f.key.empty() || f.kind == f.key ? "" : " <small>(" + e(f.kind) + ")</small>") +
             "</li>\n";
    }
    out += "</ul>\n";
  }
  out += "</section>\n";
  return out;
}

}  // namespace

std::string toHtmlText(const RunResults& r, const std::string& report_dir) {
  std::set<std::string> known_reqs;
  for (const auto& q : r.catalog) known_reqs.insert(q.id);
  std::string out =
      "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
      "<title>phonelab report: " +
      e(r.run.lab) + " " + e(r.run.started_at) + "</title>\n<style>" + kPageStyle + kStyle +
      "</style>\n</head>\n<body>\n";
  out += header(r);
  out += matrix(r);
  out += summary(r);
  for (const auto& s : r.scenarios) out += scenarioSection(s, known_reqs, r, report_dir);
  out += "</body>\n</html>\n";
  return out;
}

void writeHtml(const RunResults& r, const std::string& path) {
  writeFileAtomic(path, toHtmlText(r, std::filesystem::path(path).parent_path().string()));
}

}  // namespace phonelab::reports
