#pragma once
/// Strict reading of small YAML config files (lab files, device profiles) with file:line:col
/// diagnostics. Scenario files have their own loader (harness/scenario/loader.cc).

#include <yaml-cpp/yaml.h>

#include <map>
#include <set>
#include <string>
#include <vector>

#include "base/core/error.h"
#include "base/core/text.h"

namespace phonelab::dut {

using phonelab::didYouMean;  // base/core/text.h

class YamlReader {
 public:
  explicit YamlReader(std::string file) : file_(std::move(file)) {}
  /// Loads the file; a syntax error or unreadable file becomes a diagnostic and returns null node.
  YAML::Node load();
  /// load(), then throws ConfigError if the file is unreadable, empty, not YAML or not a map
  /// (`what`: "a lab file").
  YAML::Node loadMap(const std::string& what);

  Mark mark(const YAML::Node& n) const;
  void error(const YAML::Node& n, const std::string& message);
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

  const std::vector<Diagnostic>& diagnostics() const { return diags_; }
  /// Throws ConfigError if any diagnostic was recorded.
  void throwIfErrors() const;
  const std::string& file() const { return file_; }

 private:
  std::string file_;
  std::vector<Diagnostic> diags_;
};

}  // namespace phonelab::dut
