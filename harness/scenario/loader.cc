#include "harness/scenario/loader.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <stdexcept>

#include "base/core/deadline.h"
#include "base/core/event_catalog.h"
#include "base/core/match.h"
#include "base/core/status_fields.h"
#include "base/core/text.h"
#include "base/proto/dhcp_options.h"
#include "harness/scenario/checker.h"
#include "harness/scenario/vars.h"
#include "harness/scenario/yaml_file.h"

namespace phonelab::scenario {

namespace fs = std::filesystem;
using namespace detail;

namespace detail {

std::vector<Scenario> Checker::file(const std::vector<YAML::Node>& docs) {
  std::vector<Scenario> out;
  for (const auto& doc : docs) {
    // A stray `---` makes an empty document; it is not a scenario and not worth an error.
    if (doc.IsNull()) continue;
    if (!doc.IsMap()) {
      error(doc, std::string("expected a scenario (a map), got ") + typeName(doc));
      continue;
    }
    out.push_back(scenario(doc));
  }
  return out;
}

Scenario Checker::scenario(const YAML::Node& doc) {
  Scenario s;
  s.file = file_;
  s.mark = mark(doc);
  since_refs_.clear();
  Fields f = fields(doc, kScenarioKeys, "scenario");
  require(doc, f, {"id", "title", "requirements", "steps"}, "scenario");
  if (const Entry* e = f.get("id"); e && text(*e)) {
    s.id = e->v.Scalar();
    s.id_mark = mark(e->v);
    if (!validScenarioId(s.id)) {
      error(e->v, "bad id '" + echo(s.id) +
                      "': use lowercase letters, digits and '-' ([a-z0-9][a-z0-9-]*), at most " +
                      std::to_string(kMaxIdLength) + " characters");
    }
  }
  if (const Entry* e = f.get("title")) s.title = text(*e).value_or("");
  if (const Entry* e = f.get("requirements")) {
    for (auto& [id, m] : textList(*e)) {
      s.requirements.push_back(id);
      s.requirement_marks.push_back(m);
    }
    if (e->v.IsSequence() && e->v.size() == 0) {
      error(e->v, "'requirements' is empty: name at least one requirement id");
    }
  }
  if (const Entry* e = f.get("tags")) {
    for (auto& [t, m] : textList(*e)) s.tags.push_back(t);
  }
  if (const Entry* e = f.get("timeout")) {
    int boots = 0;
    if (auto d = bootDuration(*e, boots)) {
      s.timeout = *d;
      s.timeout_boots = boots;
    }
  }
  if (const Entry* e = f.get("fakes")) fakes(*e, s.fakes);
  if (const Entry* e = f.get("dut")) dut(*e, s.dut);
  if (const Entry* e = f.get("steps")) steps(*e, s.steps);
  if (s.dut.start == "running") {
    // A running phone shows nothing of its boot: a step that watches it would judge the boot of
    // another scenario, or nothing.
    if (auto d = derivedStartNeed(s); d.boot) {
      error(s.dut.start_mark, "dut.start is 'running' but " + d.why + " (line " +
                                  std::to_string(d.mark.line) +
                                  "): only a boot shows that; use start: boot or leave it out");
    }
  }
  return s;
}

/// `name:`, `name: {}` and `name: true` all mean "this fake with defaults"; `false` means off.
/// Returns the fake's keys when it is a map.
}  // namespace detail

namespace {

/// Every YAML document of a file (harness/scenario/yaml_file.h: a regular file of bounded
/// size, no anchors or aliases); a problem becomes a diagnostic.
std::optional<std::vector<YAML::Node>> readYaml(const std::string& path,
                                                std::vector<Diagnostic>& diags) {
  return readYamlFile(path, diags);
}

}  // namespace

std::vector<Requirement> loadRequirements(const std::string& path, std::vector<Diagnostic>& diags) {
  auto docs = readYaml(path, diags);
  if (!docs) return {};
  Checker c(path, diags);
  std::vector<Requirement> out;
  for (const auto& doc : *docs) {
    if (doc.IsNull()) continue;
    if (!out.empty()) {
      c.error(doc, "the requirement catalog is one YAML document; this is another");
      break;
    }
    out = c.requirements(doc);
  }
  return out;
}

std::vector<Requirement> loadRequirements(const std::string& path) {
  std::vector<Diagnostic> diags;
  auto out = loadRequirements(path, diags);
  if (!diags.empty()) throw ConfigError(std::move(diags));
  return out;
}

std::vector<Scenario> loadScenarioFile(const std::string& path, std::vector<Diagnostic>& diags,
                                       const Expectations& expectations) {
  auto docs = readYaml(path, diags);
  if (!docs) return {};
  return Checker(path, diags, expectations).file(*docs);
}

std::vector<std::string> findScenarioFiles(const std::vector<std::string>& paths,
                                           std::vector<Diagnostic>& diags) {
  std::vector<std::string> out;
  for (const auto& p : paths) {
    std::error_code ec;
    if (fs::is_directory(p, ec)) {
      std::vector<std::string> found;
      for (fs::recursive_directory_iterator it(p, ec), end; !ec && it != end; it.increment(ec)) {
        const fs::path& f = it->path();
        if (it->is_regular_file() && f.extension() == ".yaml" &&
            f.filename() != "requirements.yaml") {
          found.push_back(f.string());
        }
      }
      if (ec) diags.push_back({Mark{p}, sysError("cannot list directory", ec.value())});
      std::sort(found.begin(), found.end());
      out.insert(out.end(), found.begin(), found.end());
    } else if (fs::exists(p, ec)) {
      out.push_back(p);  // named explicitly: taken whatever its extension
    } else {
      diags.push_back({Mark{p}, "no such file or directory"});
    }
  }
  // The same file named twice (a folder and a file in it) is loaded once.
  std::vector<std::string> unique;
  std::set<std::string> seen;
  for (auto& f : out) {
    std::error_code ec;
    if (seen.insert(fs::weakly_canonical(f, ec).string()).second) unique.push_back(f);
  }
  return unique;
}

std::vector<Scenario> loadSuite(const std::vector<std::string>& paths,
                                const std::vector<Requirement>& catalog,
                                const Expectations& expectations) {
  std::vector<Diagnostic> diags;
  std::vector<Scenario> out;
  auto files = findScenarioFiles(paths, diags);
  if (files.empty() && diags.empty()) {
    diags.push_back({Mark{paths.empty() ? "" : paths.front()}, "no scenario files (*.yaml) found"});
  }
  Names ids;
  for (const auto& r : catalog) ids.push_back(r.id);
  std::map<std::string, const Scenario*> first;
  for (const auto& f : files) {
    for (auto& s : loadScenarioFile(f, diags, expectations)) out.push_back(std::move(s));
  }
  for (const auto& s : out) {
    if (!s.id.empty()) {
      auto [it, fresh] = first.emplace(s.id, &s);
      if (!fresh) {
        diags.push_back({s.id_mark, "duplicate scenario id '" + s.id + "' (first in " +
                                        it->second->file + ":" +
                                        std::to_string(it->second->id_mark.line) + ")"});
      }
    }
    for (size_t i = 0; i < s.requirements.size(); ++i) {
      const auto& r = s.requirements[i];
      if (!contains(ids, r)) {
        diags.push_back({s.requirement_marks[i], "unknown requirement '" + r + "'" +
                                                     suggest(r, ids) +
                                                     ": not in the requirement catalog"});
      }
    }
  }
  if (!diags.empty()) throw ConfigError(std::move(diags));
  return out;
}

std::vector<Diagnostic> checkCoverage(const std::vector<Requirement>& catalog,
                                      const std::vector<Scenario>& scenarios) {
  std::vector<Diagnostic> diags;
  std::map<std::string, std::vector<std::string>> tested_by;
  Names ids;
  for (const auto& r : catalog) ids.push_back(r.id);
  for (const auto& s : scenarios) {
    for (size_t i = 0; i < s.requirements.size(); ++i) {
      const auto& r = s.requirements[i];
      tested_by[r].push_back(s.id);
      if (!contains(ids, r)) {
        Mark where = i < s.requirement_marks.size() ? s.requirement_marks[i] : s.id_mark;
        diags.push_back({where, "scenario '" + s.id + "' names unknown requirement '" + r + "'" +
                                    suggest(r, ids) + ": not in the requirement catalog"});
      }
    }
  }
  for (const auto& r : catalog) {
    auto it = tested_by.find(r.id);
    if (it == tested_by.end() && r.planned.empty()) {
      diags.push_back({r.mark, "requirement '" + r.id +
                                   "' has no scenario: add one that names it in 'requirements:', "
                                   "or mark it 'planned: \"#<issue> <topic>\"'"});
    } else if (it != tested_by.end() && !r.planned.empty()) {
      diags.push_back({r.mark, "requirement '" + r.id + "' is marked planned (" + r.planned +
                                   ") but scenario '" + it->second.front() +
                                   "' tests it: remove the 'planned' marker"});
    }
  }
  return diags;
}

}  // namespace phonelab::scenario
