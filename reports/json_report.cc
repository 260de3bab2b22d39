#include "reports/json_report.h"

#include <cerrno>
#include <cmath>
#include <fstream>
#include <limits>
#include <nlohmann/json.hpp>
#include <sstream>

#include "base/core/error.h"
#include "base/core/safe_fs.h"
#include "reports/report.h"
#include "reports/xml.h"

namespace phonelab::reports {
namespace {

using ojson = nlohmann::ordered_json;
using json = nlohmann::json;

constexpr Verdict kAllVerdicts[] = {Verdict::Pass, Verdict::Fail, Verdict::Inconclusive,
                                    Verdict::Error, Verdict::NotApplicable};

ojson number(double d) {
  return std::isfinite(d) ? ojson(d) : ojson(nullptr);
}

ojson strings(const std::vector<std::string>& v) {
  ojson a = ojson::array();
  for (const auto& s : v) a.push_back(s);
  return a;
}

ojson stringMap(const std::map<std::string, std::string>& m) {
  ojson o = ojson::object();
  for (const auto& [k, v] : m) o[k] = v;
  return o;
}

ojson toJson(const ScenarioResult& s) {
  ojson steps = ojson::array();
  for (const auto& st : s.steps) {
    steps.push_back(ojson{{"name", st.name},
                          {"kind", st.kind},
                          {"started", number(st.started)},
                          {"duration", number(st.duration)},
                          {"outcome", st.outcome}});
  }
  ojson checks = ojson::array();
  for (const auto& c : s.checks) {
    checks.push_back(ojson{{"name", c.name},
                           {"verdict", std::string(toString(c.verdict))},
                           {"message", c.message},
                           {"t", number(c.t)},
                           {"step", c.step},
                           {"details", stringMap(c.details)},
                           {"expected", c.expected},
                           {"observed", c.observed}});
  }
  return ojson{{"id", s.id},
               {"title", s.title},
               {"file", s.file},
               {"requirements", strings(s.requirements)},
               {"tags", strings(s.tags)},
               {"verdict", std::string(toString(s.verdict))},
               {"started_at", s.started_at},
               {"duration", number(s.duration)},
               {"steps", std::move(steps)},
               {"checks", std::move(checks)},
               {"evidence", stringMap(s.evidence)},
               {"boot", stringMap(s.boot)},
               {"error", s.error}};
}

/// Reads fields by path, collecting every problem instead of stopping at the first.
class Reader {
 public:
  explicit Reader(std::string file) : file_(std::move(file)) {}

  const json* field(const json& obj, const std::string& path, const char* key, bool required) {
    auto it = obj.find(key);
    if (it == obj.end()) {
      if (required) problem(path + key, "missing field");
      return nullptr;
    }
    return &*it;
  }

  const json* typed(const json& obj, const std::string& path, const char* key, json::value_t want,
                    const char* want_name, bool required = true) {
    const json* v = field(obj, path, key, required);
    if (v == nullptr) return nullptr;
    bool ok = v->type() == want || (want == json::value_t::number_float && v->is_number()) ||
              (want == json::value_t::number_integer && v->is_number_integer());
    if (!ok) {
      problem(path + key, std::string("expected ") + want_name + ", got " + v->type_name());
      return nullptr;
    }
    return v;
  }

  void str(const json& obj, const std::string& path, const char* key, std::string& out,
           bool required = true) {
    if (auto* v = typed(obj, path, key, json::value_t::string, "a string", required)) {
      out = v->get<std::string>();
    }
  }

  void num(const json& obj, const std::string& path, const char* key, double& out) {
    auto it = obj.find(key);
    if (it != obj.end() && it->is_null()) {
      out = std::numeric_limits<double>::quiet_NaN();
      return;
    }
    if (auto* v = typed(obj, path, key, json::value_t::number_float, "a number")) {
      out = v->get<double>();
    }
  }

  void boolean(const json& obj, const std::string& path, const char* key, bool& out) {
    if (auto* v = typed(obj, path, key, json::value_t::boolean, "true or false")) {
      out = v->get<bool>();
    }
  }

  void verdict(const json& obj, const std::string& path, const char* key, Verdict& out,
               bool required = true) {
    auto* v = typed(obj, path, key, json::value_t::string, "a verdict string", required);
    if (v == nullptr) return;
    auto parsed = parseVerdict(v->get<std::string>());
    if (!parsed) {
      problem(path + key, "unknown verdict \"" + v->get<std::string>() +
                              "\" (expected pass, fail, inconclusive, error or not-applicable)");
      return;
    }
    out = *parsed;
  }

  void strings(const json& obj, const std::string& path, const char* key,
               std::vector<std::string>& out, bool required = true) {
    auto* v = typed(obj, path, key, json::value_t::array, "an array of strings", required);
    if (v == nullptr) return;
    for (size_t i = 0; i < v->size(); ++i) {
      const json& e = (*v)[i];
      if (!e.is_string()) {
        problem(path + key + "[" + std::to_string(i) + "]",
                std::string("expected a string, got ") + e.type_name());
        continue;
      }
      out.push_back(e.get<std::string>());
    }
  }

  void stringMap(const json& obj, const std::string& path, const char* key,
                 std::map<std::string, std::string>& out, bool required = true) {
    auto* v = typed(obj, path, key, json::value_t::object, "an object of strings", required);
    if (v == nullptr) return;
    for (const auto& [k, e] : v->items()) {
      if (!e.is_string()) {
        problem(path + key + "." + k, std::string("expected a string, got ") + e.type_name());
        continue;
      }
      out[k] = e.get<std::string>();
    }
  }

  /// Calls each(element, "path[i].") for every object of the array at obj[key].
  template <class F>
  void objects(const json& obj, const std::string& path, const char* key, F each,
               bool required = true) {
    auto* v = typed(obj, path, key, json::value_t::array, "an array", required);
    if (v == nullptr) return;
    for (size_t i = 0; i < v->size(); ++i) {
      std::string p = path + key + "[" + std::to_string(i) + "]";
      if (!(*v)[i].is_object()) {
        problem(p, std::string("expected an object, got ") + (*v)[i].type_name());
        continue;
      }
      each((*v)[i], p + ".");
    }
  }

  void problem(const std::string& path, const std::string& message) {
    diagnostics_.push_back(Diagnostic{Mark{file_, 0, 0}, path + ": " + message});
  }

  const std::vector<Diagnostic>& diagnostics() const { return diagnostics_; }

 private:
  std::string file_;
  std::vector<Diagnostic> diagnostics_;
};

/// nlohmann's parse_error::byte is the 1-based offset of the last byte read; turn it into a
/// 1-based line and column (in bytes).
Mark markAt(std::string_view text, size_t byte, const std::string& file) {
  size_t pos = byte == 0 ? 0 : std::min(byte - 1, text.size());
  Mark m{file, 1, 1};
  size_t line_start = 0;
  for (size_t i = 0; i < pos; ++i) {
    if (text[i] == '\n') {
      ++m.line;
      line_start = i + 1;
    }
  }
  m.col = static_cast<int>(pos - line_start) + 1;
  return m;
}

/// "[json.exception.parse_error.101] parse error at line 1, column 2: syntax error ..." ->
/// "syntax error ..." (the place is given by the Mark).
std::string parseErrorText(const std::string& what) {
  auto at = what.find("parse error");
  if (at != std::string::npos) {
    auto colon = what.find(": ", at);
    if (colon != std::string::npos) return "malformed JSON: " + what.substr(colon + 2);
  }
  return "malformed JSON: " + what;
}

}  // namespace

std::string toJsonText(const RunResults& r) {
  ojson run{{"started_at", r.run.started_at},
            {"finished_at", r.run.finished_at},
            {"harness_version", r.run.harness_version},
            {"lab", r.run.lab},
            {"lab_file", r.run.lab_file},
            {"command", r.run.command},
            {"host", r.run.host},
            {"dut", stringMap(r.run.dut)},
            {"emulator_faults", strings(r.run.emulator_faults)},
            {"complete", r.run.complete},
            {"interrupted", r.run.interrupted}};
  ojson scenarios = ojson::array();
  for (const auto& s : r.scenarios) scenarios.push_back(toJson(s));
  ojson requirements = ojson::array();
  for (const auto& rr : r.requirementResults()) {
    const auto& q = rr.requirement;
    ojson ways = ojson::array();
    for (const auto& w : q.wrong_ways) ways.push_back(ojson{{"fault", w.fault}, {"how", w.how}});
    requirements.push_back(ojson{{"id", q.id},
                                 {"title", q.title},
                                 {"kind", q.kind},
                                 {"spec", q.spec},
                                 {"notes", q.notes},
                                 {"planned", q.planned},
                                 {"wrong_ways", std::move(ways)},
                                 {"verdict", rr.status()},
                                 {"scenarios", strings(rr.scenarios)}});
  }
  ojson counts = ojson::object();
  auto c = r.counts();
  for (Verdict v : kAllVerdicts) counts[std::string(toString(v))] = c.count(v) ? c.at(v) : 0;
  ojson doc{{"schema", std::string(kResultsSchema)},
            {"run", std::move(run)},
            {"scenarios", std::move(scenarios)},
            {"requirements", std::move(requirements)},
            {"counts", std::move(counts)}};
  return doc.dump(2, ' ', false, ojson::error_handler_t::replace) + "\n";
}

RunResults fromJsonText(std::string_view text, const std::string& file) {
  json doc;
  try {
    doc = json::parse(text.begin(), text.end());
  } catch (const json::parse_error& e) {
    throw ConfigError(markAt(text, e.byte, file), parseErrorText(e.what()));
  }
  if (!doc.is_object()) {
    throw ConfigError(Mark{file, 1, 1},
                      std::string("expected a JSON object, got ") + doc.type_name());
  }
  Reader rd(file);
  std::string schema;
  rd.str(doc, "", "schema", schema);
  if (!schema.empty() && schema != kResultsSchema) {
    rd.problem("schema", "unsupported schema \"" + schema + "\" (this harness reads \"" +
                             std::string(kResultsSchema) + "\")");
  }
  RunResults r;
  if (auto* run = rd.typed(doc, "", "run", json::value_t::object, "an object")) {
    const std::string p = "run.";
    rd.str(*run, p, "started_at", r.run.started_at);
    rd.str(*run, p, "finished_at", r.run.finished_at);
    rd.str(*run, p, "harness_version", r.run.harness_version);
    rd.str(*run, p, "lab", r.run.lab);
    rd.str(*run, p, "lab_file", r.run.lab_file);
    rd.str(*run, p, "command", r.run.command);
    rd.str(*run, p, "host", r.run.host);
    rd.stringMap(*run, p, "dut", r.run.dut);
    rd.strings(*run, p, "emulator_faults", r.run.emulator_faults);
    rd.boolean(*run, p, "complete", r.run.complete);
    rd.str(*run, p, "interrupted", r.run.interrupted);
  }
  rd.objects(doc, "", "scenarios", [&](const json& o, const std::string& p) {
    ScenarioResult s;
    rd.str(o, p, "id", s.id);
    // The id names the scenario's folder in the report (merge copies it, report lists it): the
    // loader's id rule, so "../x" or "/etc" never becomes a path.
    if (!isScenarioId(s.id)) {
      rd.problem(p + "id", "bad scenario id \"" + s.id.substr(0, 80) +
                               "\": use lowercase letters, digits and '-' ([a-z0-9][a-z0-9-]*, "
                               "at most 128)");
    }
    rd.str(o, p, "title", s.title);
    rd.str(o, p, "file", s.file);
    rd.strings(o, p, "requirements", s.requirements);
    rd.strings(o, p, "tags", s.tags);
    rd.verdict(o, p, "verdict", s.verdict);
    rd.str(o, p, "started_at", s.started_at);
    rd.num(o, p, "duration", s.duration);
    rd.objects(o, p, "steps", [&](const json& so, const std::string& sp) {
      StepRecord st;
      rd.str(so, sp, "name", st.name);
      rd.str(so, sp, "kind", st.kind);
      rd.num(so, sp, "started", st.started);
      rd.num(so, sp, "duration", st.duration);
      rd.str(so, sp, "outcome", st.outcome);
      s.steps.push_back(std::move(st));
    });
    rd.objects(o, p, "checks", [&](const json& co, const std::string& cp) {
      CheckResult c;
      rd.str(co, cp, "name", c.name);
      rd.verdict(co, cp, "verdict", c.verdict);
      rd.str(co, cp, "message", c.message);
      rd.num(co, cp, "t", c.t);
      rd.str(co, cp, "step", c.step);
      rd.stringMap(co, cp, "details", c.details);
      // Added later in schema 1: optional, so older results.json files still read.
      rd.str(co, cp, "expected", c.expected, false);
      rd.str(co, cp, "observed", c.observed, false);
      s.checks.push_back(std::move(c));
    });
    rd.stringMap(o, p, "evidence", s.evidence);
    for (const auto& [key, path] : s.evidence) {
      if (!isSafeRelativePath(path)) {
        rd.problem(p + "evidence." + key,
                   "evidence path \"" + path.substr(0, 80) +
                       "\" leaves the report folder (absolute, '..', '.' or an empty part)");
      }
    }
    rd.str(o, p, "error", s.error);
    // Added later in schema 1: optional, so older results.json files still read.
    rd.stringMap(o, p, "boot", s.boot, false);
    r.scenarios.push_back(std::move(s));
  });
  rd.objects(doc, "", "requirements", [&](const json& o, const std::string& p) {
    Requirement q;
    rd.str(o, p, "id", q.id);
    rd.str(o, p, "title", q.title);
    rd.str(o, p, "kind", q.kind);
    rd.str(o, p, "spec", q.spec);
    rd.str(o, p, "notes", q.notes);
    rd.str(o, p, "planned", q.planned, false);  // added later in schema 1: optional
    rd.objects(
        o, p, "wrong_ways",
        [&](const json& wo, const std::string& wp) {
          WrongWay w;
          rd.str(wo, wp, "fault", w.fault);
          rd.str(wo, wp, "how", w.how);
          q.wrong_ways.push_back(std::move(w));
        },
        false);  // added later in schema 1: optional
    // Derived: checked for type only ("not-tested" is a requirement's state, not a verdict).
    Verdict ignored_verdict{};
    std::vector<std::string> ignored_ids;
    if (auto it = o.find("verdict"); it == o.end() || *it != kNotTested) {
      rd.verdict(o, p, "verdict", ignored_verdict, false);
    }
    rd.strings(o, p, "scenarios", ignored_ids, false);
    r.catalog.push_back(std::move(q));
  });
  if (auto* counts = rd.typed(doc, "", "counts", json::value_t::object, "an object", false)) {
    for (const auto& [k, v] : counts->items()) {
      if (!v.is_number_integer()) {
        rd.problem("counts." + k, std::string("expected an integer, got ") + v.type_name());
      }
    }
  }
  if (!rd.diagnostics().empty()) throw ConfigError(rd.diagnostics());
  return r;
}

void writeJson(const RunResults& r, const std::string& path) {
  writeFileAtomic(path, toJsonText(r));
}

RunResults readJson(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw ConfigError(Mark{path, 0, 0}, sysError("cannot read results file", errno));
  std::ostringstream buf;
  buf << in.rdbuf();
  if (in.bad()) throw ConfigError(Mark{path, 0, 0}, "cannot read results file");
  return fromJsonText(buf.str(), path);
}

}  // namespace phonelab::reports
