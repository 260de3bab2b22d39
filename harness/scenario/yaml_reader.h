#pragma once
/// The one strict reader of the harness's YAML input: scenarios and the requirement catalog
/// (through the scenario Checker, which adds their grammar), lab files and device profiles.
/// It collects every problem as a diagnostic with file:line:col instead of stopping at the first:
/// unknown keys (with the nearest known one, "did you mean"), duplicate keys, missing keys, and
/// values of the wrong type.
///
/// It reads a map two ways, each with its own wording (the fixtures pin both):
/// - by entries: fields() keeps each known key with its key and value nodes; text(), duration(),
///   boolean(), textList() and textMap() read an entry ("unknown key 'x'; scenario keys: ...");
/// - by parent and key: onlyKeys() checks the keys, required(), optional(), oneOf(), duration(),
///   list() and scalarMap() read one child ("unknown key 'x' in 'dut' ... (allowed: ...)").

#include <yaml-cpp/yaml.h>

#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "base/core/error.h"
#include "base/core/text.h"

namespace phonelab::scenario {

/// "a map", "a list", "a string" or "nothing": a node's type in a diagnostic.
const char* typeName(const YAML::Node& n);

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

class YamlReader {
 public:
  /// The diagnostics are the reader's own (diagnostics(), throwIfErrors()).
  explicit YamlReader(std::string file) : file_(std::move(file)), diags_(&own_) {}
  /// The diagnostics go to `diags` (a loader reading several files into one list).
  YamlReader(std::string file, std::vector<Diagnostic>& diags)
      : file_(std::move(file)), diags_(&diags) {}
  YamlReader(const YamlReader&) = delete;
  YamlReader& operator=(const YamlReader&) = delete;
  virtual ~YamlReader() = default;

  /// Loads the file as one document; a syntax error or unreadable file becomes a diagnostic and
  /// returns a null node.
  YAML::Node load();
  /// load(), then throws ConfigError if the file is unreadable, empty, not YAML or not a map
  /// (`what`: "a lab file").
  YAML::Node loadMap(const std::string& what);

  Mark mark(const YAML::Node& n) const { return mark(n.Mark()); }
  Mark mark(const YAML::Mark& m) const {
    // yaml-cpp marks are 0-based (-1 when unknown); ours are 1-based (0 when unknown).
    return Mark{file_, m.line < 0 ? 0 : m.line + 1, m.column < 0 ? 0 : m.column + 1};
  }
  void error(const YAML::Node& at, std::string message) { error(mark(at), std::move(message)); }
  void error(Mark at, std::string message) {
    diags_->push_back({std::move(at), std::move(message)});
  }

  // By entries.
  /// The keys of a map, reporting duplicates and keys outside `allowed`.
  Fields fields(const YAML::Node& map, const std::vector<std::string>& allowed,
                const std::string& what);
  void require(const YAML::Node& map, const Fields& f, const std::vector<std::string>& keys,
               const std::string& what);
  /// Type checks report at the value; a missing value (`key:`) is reported at the key.
  bool expect(const Entry& e, YAML::NodeType::value type, const char* wanted);
  std::optional<std::string> text(const Entry& e);
  /// A duration longer than zero ("30s", "250ms", "2m", "1h" or a number of seconds).
  std::optional<double> duration(const Entry& e);
  std::optional<bool> boolean(const Entry& e);
  /// A list of strings, each with its mark.
  std::vector<std::pair<std::string, Mark>> textList(const Entry& e);
  /// A map of name -> string (settings).
  std::map<std::string, std::string> textMap(const Entry& e);

  // By parent and key.
  /// Reports keys of map `n` not in `allowed`.
  void onlyKeys(const YAML::Node& n, const std::set<std::string>& allowed, const std::string& what);
  /// Is `n` a map? Else a diagnostic.
  bool isMap(const YAML::Node& n, const std::string& what);
  /// Required scalar child; "" and a diagnostic if missing or not a scalar.
  std::string required(const YAML::Node& parent, const std::string& key, const std::string& what);
  /// Optional scalar child.
  std::string optional(const YAML::Node& parent, const std::string& key, const std::string& dflt);
  /// Optional scalar child that must be one of `choices`; a wrong value is reported with the
  /// choices and the nearest one ("did you mean").
  std::string oneOf(const YAML::Node& parent, const std::string& key,
                    const std::vector<std::string>& choices, const std::string& dflt);
  /// Optional duration child ("3s", "250ms", number).
  double duration(const YAML::Node& parent, const std::string& key, double dflt);
  /// Optional list of scalars.
  std::vector<std::string> list(const YAML::Node& parent, const std::string& key);
  /// Optional map of scalars.
  std::map<std::string, std::string> scalarMap(const YAML::Node& parent, const std::string& key);

  const std::vector<Diagnostic>& diagnostics() const { return *diags_; }
  /// Throws ConfigError if any diagnostic was recorded.
  void throwIfErrors() const;
  const std::string& file() const { return file_; }

 protected:
  /// Called with every string text() reads (a scenario checks its ${variables} here).
  virtual void onText(const YAML::Node& /*value*/) {}

  std::string file_;

 private:
  /// parent[key] when it is there and of `type`; else a null node, and a diagnostic ("'key' must
  /// be <wanted>") when it is there with another type.
  YAML::Node child(const YAML::Node& parent, const std::string& key, YAML::NodeType::value type,
                   const char* wanted);

  std::vector<Diagnostic> own_;
  std::vector<Diagnostic>* diags_;
};

}  // namespace phonelab::scenario
