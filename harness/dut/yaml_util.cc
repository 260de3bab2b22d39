#include "harness/dut/yaml_util.h"

#include <algorithm>

#include "base/core/deadline.h"
#include "harness/scenario/yaml_file.h"

namespace phonelab::dut {

YAML::Node YamlReader::load() {
  // A regular file of bounded size, no anchors or aliases, syntax errors with file:line:col.
  auto docs = scenario::readYamlFile(file_, diags_);
  if (!docs) return YAML::Node();
  const YAML::Node* root = nullptr;
  for (const auto& doc : *docs) {
    if (doc.IsNull()) continue;
    if (root) {
      error(doc, "this file is one YAML document; this is another");
      return YAML::Node();
    }
    root = &doc;
  }
  return root ? *root : YAML::Node();
}

YAML::Node YamlReader::loadMap(const std::string& what) {
  YAML::Node root = load();
  throwIfErrors();  // unreadable, empty or not YAML: nothing more to say
  if (!isMap(root, what)) throwIfErrors();
  return root;
}

Mark YamlReader::mark(const YAML::Node& n) const {
  auto m = n.Mark();
  if (m.is_null()) return Mark{file_, 0, 0};
  return Mark{file_, m.line + 1, m.column + 1};
}

void YamlReader::error(const YAML::Node& n, const std::string& message) {
  diags_.push_back({mark(n), message});
}

void YamlReader::onlyKeys(const YAML::Node& n, const std::set<std::string>& allowed,
                          const std::string& what) {
  if (!n.IsMap()) return;
  for (const auto& kv : n) {
    const std::string key = kv.first.Scalar();
    if (!allowed.count(key)) {
      std::string list;
      for (const auto& a : allowed) list += (list.empty() ? "" : ", ") + a;
      error(kv.first, "unknown key '" + key + "' in " + what +
                          didYouMean(key, {allowed.begin(), allowed.end()}) + " (allowed: " + list +
                          ")");
    }
  }
}

bool YamlReader::isMap(const YAML::Node& n, const std::string& what) {
  if (n && n.IsMap()) return true;
  error(n, what + " must be a mapping");
  return false;
}

std::string YamlReader::required(const YAML::Node& parent, const std::string& key,
                                 const std::string& what) {
  YAML::Node n = parent[key];
  if (!n) {
    error(parent, "missing required key '" + key + "' in " + what);
    return "";
  }
  if (!n.IsScalar()) {
    error(n, "'" + key + "' in " + what + " must be a string");
    return "";
  }
  return n.Scalar();
}

std::string YamlReader::optional(const YAML::Node& parent, const std::string& key,
                                 const std::string& dflt) {
  YAML::Node n = parent[key];
  if (!n || n.IsNull()) return dflt;
  if (!n.IsScalar()) {
    error(n, "'" + key + "' must be a string");
    return dflt;
  }
  return n.Scalar();
}

std::string YamlReader::oneOf(const YAML::Node& parent, const std::string& key,
                              const std::vector<std::string>& choices, const std::string& dflt) {
  std::string v = optional(parent, key, dflt);
  if (std::find(choices.begin(), choices.end(), v) != choices.end()) return v;
  std::string list;
  for (size_t i = 0; i < choices.size(); ++i) {
    list += (i == 0 ? "" : i + 1 == choices.size() ? " or " : ", ") + choices[i];
  }
  error(parent[key], "'" + key + "' is '" + v + "': expected " + list + didYouMean(v, choices));
  return dflt;
}

double YamlReader::duration(const YAML::Node& parent, const std::string& key, double dflt) {
  YAML::Node n = parent[key];
  if (!n || n.IsNull()) return dflt;
  double s = 0;
  if (!n.IsScalar() || !parseDuration(n.Scalar(), s)) {
    error(n, "'" + key + "' must be a duration such as 30s, 250ms or 2m");
    return dflt;
  }
  return s;
}

std::vector<std::string> YamlReader::list(const YAML::Node& parent, const std::string& key) {
  std::vector<std::string> out;
  YAML::Node n = parent[key];
  if (!n || n.IsNull()) return out;
  if (!n.IsSequence()) {
    error(n, "'" + key + "' must be a list");
    return out;
  }
  for (const auto& item : n) {
    if (!item.IsScalar()) {
      error(item, "items of '" + key + "' must be strings");
      continue;
    }
    out.push_back(item.Scalar());
  }
  return out;
}

std::map<std::string, std::string> YamlReader::scalarMap(const YAML::Node& parent,
                                                         const std::string& key) {
  std::map<std::string, std::string> out;
  YAML::Node n = parent[key];
  if (!n || n.IsNull()) return out;
  if (!n.IsMap()) {
    error(n, "'" + key + "' must be a mapping");
    return out;
  }
  for (const auto& kv : n) {
    if (!kv.second.IsScalar()) {
      error(kv.second, "value of '" + kv.first.Scalar() + "' must be a string");
      continue;
    }
    out[kv.first.Scalar()] = kv.second.Scalar();
  }
  return out;
}

void YamlReader::throwIfErrors() const {
  if (!diags_.empty()) throw ConfigError(diags_);
}

}  // namespace phonelab::dut
