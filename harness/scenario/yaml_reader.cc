#include "harness/scenario/yaml_reader.h"

#include <algorithm>

#include "base/core/deadline.h"
#include "harness/scenario/yaml_file.h"

namespace phonelab::scenario {

namespace {

std::string joinNames(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& n : names) out += (out.empty() ? "" : ", ") + n;
  return out;
}

}  // namespace

const char* typeName(const YAML::Node& n) {
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

Fields YamlReader::fields(const YAML::Node& map, const std::vector<std::string>& allowed,
                          const std::string& what) {
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
    } else if (std::find(allowed.begin(), allowed.end(), key) == allowed.end()) {
      error(it->first, "unknown key '" + key + "'" + didYouMean(key, allowed) + "; " + what +
                           " keys: " + joinNames(allowed));
    } else {
      out.entries.push_back({key, it->first, it->second});
    }
  }
  return out;
}

void YamlReader::require(const YAML::Node& map, const Fields& f,
                         const std::vector<std::string>& keys, const std::string& what) {
  for (const auto& k : keys)
    if (!f.get(k)) error(map, "missing required key '" + k + "' in " + what);
}

bool YamlReader::expect(const Entry& e, YAML::NodeType::value type, const char* wanted) {
  if (e.v.Type() == type) return true;
  if (e.v.IsNull()) {
    error(e.k, "'" + e.key + "' has no value (expected " + wanted + ")");
  } else {
    error(e.v, "'" + e.key + "': expected " + wanted + ", got " + typeName(e.v));
  }
  return false;
}

std::optional<std::string> YamlReader::text(const Entry& e) {
  if (!expect(e, YAML::NodeType::Scalar, "a string")) return std::nullopt;
  onText(e.v);
  return e.v.Scalar();
}

std::optional<double> YamlReader::duration(const Entry& e) {
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

std::optional<bool> YamlReader::boolean(const Entry& e) {
  if (!expect(e, YAML::NodeType::Scalar, "true or false")) return std::nullopt;
  bool b = false;
  if (!YAML::convert<bool>::decode(e.v, b)) {
    error(e.v, "'" + e.key + "': expected true or false, got '" + e.v.Scalar() + "'");
    return std::nullopt;
  }
  return b;
}

std::vector<std::pair<std::string, Mark>> YamlReader::textList(const Entry& e) {
  std::vector<std::pair<std::string, Mark>> out;
  if (!expect(e, YAML::NodeType::Sequence, "a list")) return out;
  for (const auto& item : e.v) {
    if (auto t = text(Entry{e.key + " item", item, item})) out.emplace_back(*t, mark(item));
  }
  return out;
}

std::map<std::string, std::string> YamlReader::textMap(const Entry& e) {
  std::map<std::string, std::string> out;
  if (!expect(e, YAML::NodeType::Map, "a map")) return out;
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

YAML::Node YamlReader::load() {
  // A regular file of bounded size, no anchors or aliases, syntax errors with file:line:col.
  auto docs = readYamlFile(file_, *diags_);
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

YAML::Node YamlReader::child(const YAML::Node& parent, const std::string& key,
                             YAML::NodeType::value type, const char* wanted) {
  YAML::Node n = parent[key];
  if (!n || n.IsNull()) return YAML::Node();
  if (n.Type() != type) {
    error(n, "'" + key + "' must be " + wanted);
    return YAML::Node();
  }
  return n;
}

std::vector<std::string> YamlReader::list(const YAML::Node& parent, const std::string& key) {
  std::vector<std::string> out;
  for (const auto& item : child(parent, key, YAML::NodeType::Sequence, "a list")) {
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
  for (const auto& kv : child(parent, key, YAML::NodeType::Map, "a mapping")) {
    if (!kv.second.IsScalar()) {
      error(kv.second, "value of '" + kv.first.Scalar() + "' must be a string");
      continue;
    }
    out[kv.first.Scalar()] = kv.second.Scalar();
  }
  return out;
}

void YamlReader::throwIfErrors() const {
  if (!diags_->empty()) throw ConfigError(*diags_);
}

}  // namespace phonelab::scenario
