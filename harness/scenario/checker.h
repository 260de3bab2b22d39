#pragma once
/// Internal to harness/scenario: the strict checker of scenario files and the requirement
/// catalog, shared by loader.cc (files and suites), loader_fakes.cc (the `fakes:` and `dut:`
/// sections), loader_steps.cc (steps, events, conditions), loader_actions.cc (actions) and
/// catalog.cc (the requirement catalog). Not for use outside this folder.

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

inline const char* typeName(const YAML::Node& n) {
  switch (n.Type()) {
    case YAML::NodeType::Map:
      return "a map";
    case YAML::NodeType::Sequence:
      return "a list";
    case YAML::NodeType::Scalar:
      return "a string";
    default:
      return "nothing";
  }
}

/// One key of a mapping: its name, the key node (for unknown-key marks) and the value node.
struct Entry {
  std::string key;
  YAML::Node k, v;
};

struct Fields {
  std::vector<Entry> entries;
  const Entry* get(const std::string& key) const {
    for (const auto& e : entries)
      if (e.key == key) return &e;
    return nullptr;
  }
};

/// Validates one YAML file, collecting every problem into `diags` instead of stopping at the first.
class Checker {
 public:
  Checker(std::string file, std::vector<Diagnostic>& diags, Expectations expectations = {})
      : file_(std::move(file)), diags_(diags), expectations_(std::move(expectations)) {}

  Mark mark(const YAML::Node& n) const { return mark(n.Mark()); }
  Mark mark(const YAML::Mark& m) const {
    // yaml-cpp marks are 0-based (-1 when unknown); ours are 1-based (0 when unknown).
    return Mark{file_, m.line < 0 ? 0 : m.line + 1, m.column < 0 ? 0 : m.column + 1};
  }
  void error(const YAML::Node& at, std::string message) { error(mark(at), std::move(message)); }
  void error(Mark at, std::string message) {
    diags_.push_back({std::move(at), std::move(message)});
  }

  /// The keys of a map, reporting duplicates and keys outside `allowed`.
  Fields fields(const YAML::Node& map, const Names& allowed, const std::string& what) {
    Fields out;
    for (auto it = map.begin(); it != map.end(); ++it) {
      if (!it->first.IsScalar()) {
        error(it->first, "expected a string key, got " + std::string(typeName(it->first)));
        continue;
      }
      std::string key = it->first.Scalar();
      if (const Entry* first = out.get(key)) {
        error(it->first, "duplicate key '" + key + "' (first at line " +
                             std::to_string(mark(first->k).line) + ")");
      } else if (!contains(allowed, key)) {
        error(it->first, "unknown key '" + key + "'" + suggest(key, allowed) + "; " + what +
                             " keys: " + join(allowed));
      } else {
        out.entries.push_back({key, it->first, it->second});
      }
    }
    return out;
  }

  void require(const YAML::Node& map, const Fields& f, const Names& keys, const std::string& what) {
    for (const auto& k : keys)
      if (!f.get(k)) error(map, "missing required key '" + k + "' in " + what);
  }

  /// Type checks report at the value; a missing value (`key:`) is reported at the key.
  bool expect(const Entry& e, YAML::NodeType::value type, const char* wanted) {
    if (e.v.Type() == type) return true;
    if (e.v.IsNull()) {
      error(e.k, "'" + e.key + "' has no value (expected " + wanted + ")");
    } else {
      error(e.v, "'" + e.key + "': expected " + wanted + ", got " + typeName(e.v));
    }
    return false;
  }

  std::optional<std::string> text(const Entry& e) {
    if (!expect(e, YAML::NodeType::Scalar, "a string")) return std::nullopt;
    checkVariables(e.v);
    return e.v.Scalar();
  }

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

  std::optional<double> duration(const Entry& e) {
    auto t = text(e);
    if (!t) return std::nullopt;
    double s = 0;
    if (!parseDuration(*t, s)) {
      error(e.v, "bad duration '" + *t + "' for '" + e.key +
                     "' (expected e.g. 30s, 250ms, 2m, 1h or a number of seconds)");
      return std::nullopt;
    }
    if (s <= 0) {
      error(e.v, "'" + e.key + "' must be longer than zero");
      return std::nullopt;
    }
    return s;
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

  std::optional<bool> boolean(const Entry& e) {
    if (!expect(e, YAML::NodeType::Scalar, "true or false")) return std::nullopt;
    bool b = false;
    if (!YAML::convert<bool>::decode(e.v, b)) {
      error(e.v, "'" + e.key + "': expected true or false, got '" + e.v.Scalar() + "'");
      return std::nullopt;
    }
    return b;
  }

  /// A list of strings, each with its mark.
  std::vector<std::pair<std::string, Mark>> textList(const Entry& e) {
    std::vector<std::pair<std::string, Mark>> out;
    if (!expect(e, YAML::NodeType::Sequence, "a list")) return out;
    for (const auto& item : e.v) {
      if (auto t = text(Entry{e.key + " item", item, item})) out.emplace_back(*t, mark(item));
    }
    return out;
  }

  /// A map of name -> string (settings).
  std::map<std::string, std::string> textMap(const Entry& e) {
    std::map<std::string, std::string> out;
    if (!expect(e, YAML::NodeType::Map, "a map")) return out;
    Names any;
    for (auto it = e.v.begin(); it != e.v.end(); ++it) {
      if (!it->first.IsScalar()) {
        error(it->first, "expected a string key, got " + std::string(typeName(it->first)));
        continue;
      }
      Entry item{it->first.Scalar(), it->first, it->second};
      if (out.count(item.key)) {
        error(item.k, "duplicate key '" + item.key + "'");
      } else if (auto t = text(item)) {
        out[item.key] = *t;
      }
    }
    return out;
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

  std::string file_;
  std::vector<Diagnostic>& diags_;
  Expectations expectations_;
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
