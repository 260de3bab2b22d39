#pragma once
/// Internal to harness/scenario: the strict checker of scenario files and the requirement
/// catalog (on the shared strict reader, harness/scenario/yaml_reader.h), shared by loader.cc
/// (files and suites), loader_fakes.cc (the `fakes:` and `dut:` sections), loader_steps.cc (steps,
/// events, conditions), loader_actions.cc (actions) and catalog.cc (the requirement catalog). Not
/// for use outside this folder.

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "base/core/error.h"
#include "base/core/text.h"
#include "harness/scenario/loader.h"
#include "harness/scenario/model.h"
#include "harness/scenario/vars.h"
#include "harness/scenario/yaml_reader.h"

namespace phonelab::scenario::detail {

using Names = std::vector<std::string>;

inline const Names kScenarioKeys = {"id",      "title", "requirements", "tags",
                                    "timeout", "fakes", "dut",          "steps"};
inline const Names kStepKinds = {"wait", "act", "expect", "expect_none"};
inline const Names kActions = actionNames();
inline const Names kOperators = {"eq", "ne", "regex",  "lt",     "le",
                                 "gt", "ge", "exists", "absent", "contains"};

inline std::string join(const Names& names) {
  std::string out;
  for (const auto& n : names) out += (out.empty() ? "" : ", ") + n;
  return out;
}

/// " (did you mean 'x'?)" for the nearest candidate within edit distance 2, else "".
inline std::string suggest(const std::string& word, const Names& candidates) {
  return didYouMean(word, candidates);
}

inline bool contains(const Names& names, const std::string& n) {
  return std::find(names.begin(), names.end(), n) != names.end();
}

/// Ids and step names: plain character checks with a length cap (no regex engine on them).
constexpr size_t kMaxIdLength = 64;

inline bool isLowerAlnum(char c) {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}
inline bool isUpperAlnum(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}
inline bool isAlnum(char c) {
  return isLowerAlnum(c) || (c >= 'A' && c <= 'Z');
}

/// [a-z0-9][a-z0-9-]*, at most kMaxIdLength characters.
inline bool validScenarioId(const std::string& id) {
  if (id.empty() || id.size() > kMaxIdLength || !isLowerAlnum(id[0])) return false;
  return std::all_of(id.begin(), id.end(), [](char c) { return isLowerAlnum(c) || c == '-'; });
}

/// [A-Z0-9][A-Z0-9-]*, at most kMaxIdLength characters.
inline bool validRequirementId(const std::string& id) {
  if (id.empty() || id.size() > kMaxIdLength || !isUpperAlnum(id[0])) return false;
  return std::all_of(id.begin(), id.end(), [](char c) { return isUpperAlnum(c) || c == '-'; });
}

/// Step names become parts of evidence file names: [A-Za-z0-9][A-Za-z0-9_.-]*, no "..", at most
/// kMaxIdLength characters.
inline bool validStepName(const std::string& name) {
  if (name.empty() || name.size() > kMaxIdLength || !isAlnum(name[0])) return false;
  if (name.find("..") != std::string::npos) return false;
  return std::all_of(name.begin(), name.end(),
                     [](char c) { return isAlnum(c) || c == '-' || c == '_' || c == '.'; });
}

/// A value echoed in a diagnostic: at most 60 characters.
inline std::string echo(const std::string& s) {
  return shorten(s, 60);
}

/// Validates one scenario file or the requirement catalog (the shared strict reader plus their
/// grammar), collecting every problem into `diags` instead of stopping at the first.
class Checker : public YamlReader {
 public:
  Checker(std::string file, std::vector<Diagnostic>& diags, Expectations expectations = {})
      : YamlReader(std::move(file), diags), expectations_(std::move(expectations)) {}

  /// expect.NAME of the device profile (loader.h, Expectations): with no profile known, any.
  bool knownExpectation(const std::string& name) const {
    if (name.rfind(kExpectPrefix, 0) != 0) return false;
    const std::string rest = name.substr(std::string(kExpectPrefix).size());
    return expectations_ ? contains(*expectations_, rest) : !rest.empty();
  }
  /// The device profile's expect.NAME (none when no profile is known).
  Names expectationNames() const {
    Names out;
    for (const auto& n : expectations_.value_or(Names{})) out.push_back(kExpectPrefix + n);
    return out;
  }
  bool knownVariable(const std::string& name) const {
    return contains(knownVariables(), name) || knownExpectation(name);
  }

  void checkVariables(const YAML::Node& v) {
    bool malformed = false;
    for (const auto& name : variablesIn(v.Scalar(), &malformed)) {
      if (knownVariable(name)) continue;
      if (name.rfind(kExpectPrefix, 0) == 0) {
        error(v, "unknown variable '${" + name + "}'" + suggest(name, expectationNames()) +
                     ": not an expectation of the device profile; its expectations: " +
                     join(expectationNames()));
      } else {
        Names all = knownVariables();
        for (auto& n : expectationNames()) all.push_back(std::move(n));
        error(v, "unknown variable '${" + name + "}'" + suggest(name, all) +
                     "; variables: " + join(all));
      }
    }
    if (malformed) error(v, "unclosed '${' in '" + v.Scalar() + "'");
  }

  /// A duration that may add the lab's boot timeout: terms joined by '+', each a duration or
  /// ${dut.boot_timeout} ("${dut.boot_timeout} + 5s"). Returns the fixed seconds and sets `boots`
  /// to the number of boot timeouts added.
  std::optional<double> bootDuration(const Entry& e, int& boots) {
    auto t = text(e);
    if (!t) return std::nullopt;
    const std::string var = std::string("${") + kBootTimeoutVariable + "}";
    double fixed = 0;
    int n = 0;
    for (size_t pos = 0;;) {
      const size_t plus = t->find('+', pos);
      std::string term = t->substr(pos, plus == std::string::npos ? plus : plus - pos);
      while (!term.empty() && std::isspace(static_cast<unsigned char>(term.front())))
        term.erase(0, 1);
      while (!term.empty() && std::isspace(static_cast<unsigned char>(term.back())))
        term.pop_back();
      double s = 0;
      if (term == var) {
        ++n;
      } else if (!term.empty() && term.find("${") == std::string::npos && parseDuration(term, s)) {
        fixed += s;
      } else {
        error(e.v, "bad duration '" + *t + "' for '" + e.key +
                       "' (expected e.g. 30s, 250ms, 2m, 1h, a number of seconds, or a sum with "
                       "the lab's boot timeout such as '" +
                       var + " + 5s'; " +
                       (term.empty() ? std::string("a '+' with nothing beside it")
                                     : "'" + term + "' is neither") +
                       ")");
        return std::nullopt;
      }
      if (plus == std::string::npos) break;
      pos = plus + 1;
    }
    if (fixed <= 0 && n == 0) {
      error(e.v, "'" + e.key + "' must be longer than zero");
      return std::nullopt;
    }
    boots = n;
    return fixed;
  }

  std::vector<Scenario> file(const std::vector<YAML::Node>& docs);
  std::vector<Requirement> requirements(const YAML::Node& doc);

 private:
  Scenario scenario(const YAML::Node& doc);
  void fakes(const Entry& e, Fakes& out);
  std::optional<Fields> fakeSwitch(const Entry& e, bool& enabled, const Names& keys);
  void dhcpOptions(const Entry& e, std::vector<DhcpOptionSpec>& out);
  void servedFiles(const Entry& e, std::vector<ServedFile>& out);
  /// A fake on one address, by default the service address ${svc.<service>} (service "" = the
  /// fake's key).
  void serviceFake(const Entry& e, ServiceFake& out, const Names& extra,
                   const std::string& service = "");
  void dut(const Entry& e, DutSetup& out);
  void steps(const Entry& e, std::vector<Step>& out);
  std::optional<Step> step(const YAML::Node& item, size_t index, Mark& name_mark);
  void when(const Entry& e, std::map<std::string, std::string>& out);
  std::optional<EventSpec> eventSpec(const Entry& e, ExpectStep* expect);
  void checkEventSpec(const EventSpec& spec, const YAML::Node& event_node);
  std::optional<Condition> condition(const Entry& e);
  std::optional<Action> action(const Entry& e);

  Expectations expectations_;
  /// Every string a scenario holds may use only the known ${variables}.
  void onText(const YAML::Node& v) override { checkVariables(v); }

  /// `since` references of the scenario being read: (step index, name, value node).
  struct SinceRef {
    size_t step;
    std::string name;
    YAML::Node node;
  };
  std::vector<SinceRef> since_refs_;
  size_t step_index_ = 0;
};

}  // namespace phonelab::scenario::detail
