#include "harness/scenario/loader.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <stdexcept>

#include "fakes/sip/pki.h"
#include "harness/core/deadline.h"
#include "harness/core/event_catalog.h"
#include "harness/core/match.h"
#include "harness/core/status_fields.h"
#include "harness/core/text.h"
#include "harness/proto/dhcp_options.h"
#include "harness/scenario/vars.h"
#include "harness/scenario/yaml_file.h"

namespace phonelab::scenario {
namespace {

namespace fs = std::filesystem;
using Names = std::vector<std::string>;

const Names kScenarioKeys = {"id",      "title", "requirements", "tags",
                             "timeout", "fakes", "dut",          "steps"};
const Names kStepKinds = {"wait", "act", "expect", "expect_none"};
const Names kActions = {"configure", "reboot",     "power_cycle", "fetch_config", "fetch_status",
                        "ping",      "sip_call",   "sip_send",    "sip_fuzz",     "silence",
                        "unsilence", "audio_call", "pause_dhcp",  "resume_dhcp"};
const Names kOperators = {"eq", "ne", "regex",  "lt",     "le",
                          "gt", "ge", "exists", "absent", "contains"};

std::string join(const Names& names) {
  std::string out;
  for (const auto& n : names) out += (out.empty() ? "" : ", ") + n;
  return out;
}

/// " (did you mean 'x'?)" for the nearest candidate within edit distance 2, else "".
std::string suggest(const std::string& word, const Names& candidates) {
  return didYouMean(word, candidates);
}

bool contains(const Names& names, const std::string& n) {
  return std::find(names.begin(), names.end(), n) != names.end();
}

/// Ids and step names: plain character checks with a length cap (no regex engine on them).
constexpr size_t kMaxIdLength = 64;

bool isLowerAlnum(char c) {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}
bool isUpperAlnum(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}
bool isAlnum(char c) {
  return isLowerAlnum(c) || (c >= 'A' && c <= 'Z');
}

/// [a-z0-9][a-z0-9-]*, at most kMaxIdLength characters.
bool validScenarioId(const std::string& id) {
  if (id.empty() || id.size() > kMaxIdLength || !isLowerAlnum(id[0])) return false;
  return std::all_of(id.begin(), id.end(), [](char c) { return isLowerAlnum(c) || c == '-'; });
}

/// [A-Z0-9][A-Z0-9-]*, at most kMaxIdLength characters.
bool validRequirementId(const std::string& id) {
  if (id.empty() || id.size() > kMaxIdLength || !isUpperAlnum(id[0])) return false;
  return std::all_of(id.begin(), id.end(), [](char c) { return isUpperAlnum(c) || c == '-'; });
}

/// Step names become parts of evidence file names: [A-Za-z0-9][A-Za-z0-9_.-]*, no "..", at most
/// kMaxIdLength characters.
bool validStepName(const std::string& name) {
  if (name.empty() || name.size() > kMaxIdLength || !isAlnum(name[0])) return false;
  if (name.find("..") != std::string::npos) return false;
  return std::all_of(name.begin(), name.end(),
                     [](char c) { return isAlnum(c) || c == '-' || c == '_' || c == '.'; });
}

/// A value echoed in a diagnostic: at most 60 characters.
std::string echo(const std::string& s) {
  return shorten(s, 60);
}

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
  Checker(std::string file, std::vector<Diagnostic>& diags)
      : file_(std::move(file)), diags_(diags) {}

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

  void checkVariables(const YAML::Node& v) {
    bool malformed = false;
    for (const auto& name : variablesIn(v.Scalar(), &malformed)) {
      if (!contains(knownVariables(), name)) {
        error(v, "unknown variable '${" + name + "}'" + suggest(name, knownVariables()) +
                     "; variables: " + join(knownVariables()));
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
  /// `since` references of the scenario being read: (step index, name, value node).
  struct SinceRef {
    size_t step;
    std::string name;
    YAML::Node node;
  };
  std::vector<SinceRef> since_refs_;
  size_t step_index_ = 0;
};

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
  return s;
}

/// `name:`, `name: {}` and `name: true` all mean "this fake with defaults"; `false` means off.
/// Returns the fake's keys when it is a map.
std::optional<Fields> Checker::fakeSwitch(const Entry& e, bool& enabled, const Names& keys) {
  enabled = false;
  if (e.v.IsNull()) {
    enabled = true;
  } else if (e.v.IsScalar()) {
    enabled = boolean(e).value_or(false);
  } else if (expect(e, YAML::NodeType::Map, "a map or true/false")) {
    enabled = true;
    return fields(e.v, keys, e.key);
  }
  return std::nullopt;
}

void Checker::dhcpOptions(const Entry& e, std::vector<DhcpOptionSpec>& out) {
  if (!expect(e, YAML::NodeType::Sequence, "a list of {option, value, always_send}")) return;
  for (const auto& item : e.v) {
    Entry it{e.key + " item", item, item};
    if (!expect(it, YAML::NodeType::Map, "a map {option, value, always_send}")) continue;
    Fields f = fields(item, {"option", "value", "always_send"}, "DHCP option");
    require(item, f, {"option", "value"}, "DHCP option");
    DhcpOptionSpec o;
    o.mark = mark(item);
    if (const Entry* x = f.get("option"); x && text(*x)) {
      o.option = x->v.Scalar();
      const auto* def = proto::dhcp::findOption(o.option);
      if (!def) {
        std::vector<std::string> names;
        for (const auto& d : proto::dhcp::optionTable()) names.emplace_back(d.name);
        error(x->v, "unknown DHCP option '" + o.option + "'" + suggest(o.option, names) +
                        " (use a code or a name of the option table)");
      } else if (const Entry* v = f.get("value"); v && text(*v)) {
        o.value = v->v.Scalar();
        // Values with ${variables} are checked once expanded, at run time.
        std::string err;
        if (variablesIn(o.value).empty() && !proto::dhcp::encodeOptionValue(*def, o.value, err)) {
          error(v->v, err);
        }
      }
    }
    if (const Entry* x = f.get("always_send")) o.always_send = boolean(*x).value_or(false);
    out.push_back(o);
  }
}

void Checker::servedFiles(const Entry& e, std::vector<ServedFile>& out) {
  if (!expect(e, YAML::NodeType::Map, "a map of name -> {content | file}")) return;
  for (auto it = e.v.begin(); it != e.v.end(); ++it) {
    Entry item{it->first.Scalar(), it->first, it->second};
    ServedFile sf;
    sf.name = item.key;
    sf.mark = mark(item.k);
    checkVariables(item.k);  // names may use variables: "${dut.psn}.xml"
    if (!expect(item, YAML::NodeType::Map, "a map {content: ...} or {file: ...}")) continue;
    Fields f = fields(item.v, {"content", "file"}, "served file");
    const Entry* c = f.get("content");
    const Entry* p = f.get("file");
    if ((c != nullptr) == (p != nullptr)) {
      error(item.k, "served file '" + sf.name + "' needs exactly one of 'content' or 'file'");
    }
    if (c) sf.content = text(*c).value_or("");
    if (p) sf.path = text(*p).value_or("");
    out.push_back(sf);
  }
}

void Checker::serviceFake(const Entry& e, ServiceFake& out, const Names& extra,
                          const std::string& service) {
  Names keys = {"address", "port"};
  keys.insert(keys.end(), extra.begin(), extra.end());
  auto f = fakeSwitch(e, out.enabled, keys);
  if (out.enabled) out.address = "${svc." + (service.empty() ? e.key : service) + "}";
  if (!f) return;
  if (const Entry* x = f->get("address")) out.address = text(*x).value_or(out.address);
  if (const Entry* x = f->get("port")) {
    if (auto t = text(*x)) {
      try {
        out.port = std::stoi(*t);
      } catch (...) {
        out.port = -1;
      }
      if (out.port < 1 || out.port > 65535) error(x->v, "'port' must be a number from 1 to 65535");
    }
  }
  if (const Entry* x = f->get("records")) out.records = textMap(*x);
  if (const Entry* x = f->get("files")) servedFiles(*x, out.files);
}

void Checker::fakes(const Entry& e, Fakes& out) {
  if (!expect(e, YAML::NodeType::Map, "a map")) return;
  Fields f = fields(e.v,
                    {"dhcp", "dns", "ntp", "tftp", "http", "acs", "rogue_dhcp", "sip", "sip_ua",
                     "hostile_sip", "tls_proxy"},
                    "fakes");
  if (const Entry* d = f.get("dhcp")) {
    if (auto g = fakeSwitch(*d, out.dhcp.enabled,
                            {"pool_from", "pool_to", "lease", "prefix_len", "options"})) {
      if (const Entry* x = g->get("pool_from")) out.dhcp.pool_from = text(*x).value_or("");
      if (const Entry* x = g->get("pool_to")) out.dhcp.pool_to = text(*x).value_or("");
      if (const Entry* x = g->get("lease")) out.dhcp.lease = duration(*x).value_or(out.dhcp.lease);
      if (const Entry* x = g->get("prefix_len")) {
        // The lab side is .1 (the router) and the services .2 to .66: a /25 keeps them on-link.
        auto t = text(*x).value_or("");
        if (t != "24" && t != "25") {
          error(x->v, "'prefix_len' must be 24 or 25 (the lab's services are .1 to .66)");
        } else {
          out.dhcp.prefix_len = std::stoi(t);
        }
      }
      if (const Entry* x = g->get("options")) dhcpOptions(*x, out.dhcp.options);
    }
    if (out.dhcp.enabled) {
      if (out.dhcp.pool_from.empty()) out.dhcp.pool_from = "${net.pool_from}";
      if (out.dhcp.pool_to.empty()) out.dhcp.pool_to = "${net.pool_to}";
    }
  }
  if (const Entry* x = f.get("dns")) serviceFake(*x, out.dns, {"records"});
  if (const Entry* x = f.get("ntp")) serviceFake(*x, out.ntp, {});
  if (const Entry* x = f.get("tftp")) serviceFake(*x, out.tftp, {"files"});
  if (const Entry* x = f.get("http")) serviceFake(*x, out.http, {"files"});
  if (const Entry* x = f.get("acs")) serviceFake(*x, out.acs, {});
  if (const Entry* x = f.get("hostile_sip")) serviceFake(*x, out.hostile_sip, {}, "hostile");
  if (const Entry* x = f.get("sip")) {
    SipProxyFake& k = out.sip;
    if (auto g = fakeSwitch(*x, k.enabled,
                            {"address", "port", "domain", "users", "tls_port", "tls_name"})) {
      if (const Entry* y = g->get("address")) k.address = text(*y).value_or("");
      if (const Entry* y = g->get("tls_name")) k.tls_name = text(*y).value_or(k.tls_name);
      if (const Entry* y = g->get("tls_port"); y && text(*y)) {
        if (!YAML::convert<int>::decode(y->v, k.tls_port) || k.tls_port < 1 || k.tls_port > 65535) {
          error(y->v, "'tls_port' must be a number from 1 to 65535");
        }
      }
      if (const Entry* y = g->get("domain")) k.domain = text(*y).value_or("");
      if (const Entry* y = g->get("users")) k.users = textMap(*y);
      if (const Entry* y = g->get("port"); y && text(*y)) {
        if (!YAML::convert<int>::decode(y->v, k.port) || k.port < 1 || k.port > 65535) {
          error(y->v, "'port' must be a number from 1 to 65535");
        }
      }
    }
    if (k.enabled && k.address.empty()) k.address = "${svc.sip}";
  }
  if (const Entry* x = f.get("sip_ua")) {
    SipUaFake& u = out.sip_ua;
    if (auto g = fakeSwitch(*x, u.enabled, {"address", "port", "user", "password"})) {
      if (const Entry* y = g->get("address")) u.address = text(*y).value_or("");
      if (const Entry* y = g->get("user")) u.user = text(*y).value_or("");
      if (const Entry* y = g->get("password")) u.password = text(*y).value_or("");
      if (const Entry* y = g->get("port"); y && text(*y)) {
        if (!YAML::convert<int>::decode(y->v, u.port) || u.port < 1 || u.port > 65535) {
          error(y->v, "'port' must be a number from 1 to 65535");
        }
      }
      require(x->v, *g, {"user", "password"}, "sip_ua");
    }
    if (u.enabled && u.address.empty()) u.address = "${svc.sip}";
  }
  if (const Entry* x = f.get("tls_proxy")) {
    TlsProxyFake& t = out.tls_proxy;
    if (auto g = fakeSwitch(*x, t.enabled, {"address", "port", "name", "flaw"})) {
      if (const Entry* y = g->get("address")) t.address = text(*y).value_or("");
      if (const Entry* y = g->get("name")) t.name = text(*y).value_or(t.name);
      if (const Entry* y = g->get("flaw")) {
        t.flaw = text(*y).value_or(t.flaw);
        const Names& flaws = fakes::pki::flawNames();
        if (!contains(flaws, t.flaw)) {
          error(y->v, "unknown tls_proxy flaw '" + t.flaw + "'" + suggest(t.flaw, flaws) +
                          "; flaws: " + join(flaws));
        }
      }
      if (const Entry* y = g->get("port"); y && text(*y)) {
        if (!YAML::convert<int>::decode(y->v, t.port) || t.port < 1 || t.port > 65535) {
          error(y->v, "'port' must be a number from 1 to 65535");
        }
      }
    }
    if (t.enabled && t.address.empty()) t.address = "${svc.sip}";
  }
  if (const Entry* x = f.get("rogue_dhcp")) {
    RogueDhcpFake& r = out.rogue_dhcp;
    r.mark = mark(x->k);
    auto g = fakeSwitch(*x, r.enabled, {"address", "mode", "cases", "options"});
    if (r.enabled) r.address = "${svc.rogue}";
    if (g) {
      if (const Entry* y = g->get("address")) r.address = text(*y).value_or(r.address);
      if (const Entry* y = g->get("mode")) {
        static const Names modes = {"offer",  "malformed",         "nak",
                                    "silent", "ack-other-address", "nak-renewal"};
        r.mode = text(*y).value_or(r.mode);
        if (!contains(modes, r.mode)) {
          error(y->v, "unknown rogue_dhcp mode '" + r.mode + "'" + suggest(r.mode, modes) +
                          "; modes: " + join(modes));
        }
      }
      if (const Entry* y = g->get("cases")) {
        for (auto& [c, m] : textList(*y)) r.cases.push_back(c);
      }
      if (const Entry* y = g->get("options")) dhcpOptions(*y, r.options);
    }
  }
  // The test PKI exists only when a TLS server does.
  if (!out.tls_proxy.enabled && !(out.sip.enabled && out.sip.tls_port > 0)) {
    for (const auto* files : {&out.http.files, &out.tftp.files}) {
      for (const auto& file : *files) {
        if (file.content.find("${pki.") != std::string::npos)
          error(file.mark,
                "'${pki.trusted_ca}' needs a TLS server in the scenario (fakes.tls_proxy "
                "or fakes.sip.tls_port)");
      }
    }
  }
}

void Checker::dut(const Entry& e, DutSetup& out) {
  if (!expect(e, YAML::NodeType::Map, "a map")) return;
  Fields f = fields(e.v, {"settings", "needs"}, "dut");
  if (const Entry* x = f.get("settings")) out.settings = textMap(*x);
  if (const Entry* x = f.get("needs")) {
    for (auto& [n, m] : textList(*x)) out.needs.push_back(n);
  }
}

void Checker::steps(const Entry& e, std::vector<Step>& out) {
  if (!expect(e, YAML::NodeType::Sequence, "a list")) return;
  if (e.v.size() == 0) {
    error(e.v, "'steps' is empty: a scenario needs at least one step");
    return;
  }
  std::map<std::string, std::pair<size_t, Mark>> names;  // name -> (index, where)
  for (size_t i = 0; i < e.v.size(); ++i) {
    step_index_ = i;
    Mark name_mark;  // the explicit name's value, else the step
    auto st = step(e.v[i], i, name_mark);
    if (!st) continue;
    auto [it, fresh] = names.emplace(st->name, std::pair{i, st->mark});
    if (!fresh) {
      error(name_mark, "duplicate step name '" + st->name + "' (first at line " +
                           std::to_string(it->second.second.line) + ")");
    }
    out.push_back(std::move(*st));
  }
  for (const auto& ref : since_refs_) {
    if (ref.name == "scenario") continue;
    auto it = names.find(ref.name);
    if (it == names.end()) {
      error(ref.node, "'since: " + ref.name +
                          "' names no step; use 'scenario' or the name of an earlier step");
    } else if (it->second.first >= ref.step) {
      error(ref.node, "'since: " + ref.name + "' names a step that is not earlier (line " +
                          std::to_string(it->second.second.line) + ")");
    }
  }
}

std::optional<Step> Checker::step(const YAML::Node& item, size_t index, Mark& name_mark) {
  if (!item.IsMap()) {
    error(item, std::string("expected a step (a map with one of ") + join(kStepKinds) + "), got " +
                    typeName(item));
    return std::nullopt;
  }
  Step st;
  st.mark = mark(item);
  name_mark = st.mark;
  std::optional<Entry> kind, name;
  bool reported = false;
  for (auto it = item.begin(); it != item.end(); ++it) {
    std::string key = it->first.IsScalar() ? it->first.Scalar() : "";
    Entry e{key, it->first, it->second};
    if (key == "name") {
      if (name) error(e.k, "duplicate key 'name'");
      name.emplace(e);
    } else if (key == "when") {
      when(e, st.when);
    } else if (contains(kStepKinds, key)) {
      if (kind) {
        error(e.k, "step has two kinds, '" + kind->key + "' and '" + key +
                       "': a step does one thing (split it into two steps)");
        reported = true;
      } else {
        kind.emplace(e);
      }
    } else {
      error(e.k, "unknown step kind '" + key + "'" + suggest(key, kStepKinds) +
                     "; a step is one of " + join(kStepKinds) + ", with an optional name and when");
      reported = true;
    }
  }
  if (!kind) {
    if (!reported) error(item, "step has no kind: give it one of " + join(kStepKinds));
    return std::nullopt;
  }
  // A broken step is still returned so that its name counts for duplicates and `since`.
  if (kind->key == "act") {
    if (auto a = action(*kind)) st.body = ActStep{std::move(*a)};
  } else if (kind->key == "expect") {
    ExpectStep x;
    if (auto spec = eventSpec(*kind, &x)) x.spec = std::move(*spec);
    st.body = std::move(x);
  } else {
    auto spec = eventSpec(*kind, nullptr);
    if (spec && kind->key == "wait") st.body = WaitStep{std::move(*spec)};
    if (spec && kind->key == "expect_none") st.body = ExpectNoneStep{std::move(*spec)};
  }
  st.name = std::string(st.kindName()) + "-" + std::to_string(index + 1);
  if (name) {
    auto t = text(*name);
    if (t && (t->empty() || *t == "scenario")) {
      error(name->v, "step name '" + *t + "' is reserved or empty; choose another");
    } else if (t && !validStepName(*t)) {
      // Step names reach evidence file names (e.g. the audio of a call).
      error(name->v, "bad step name '" + echo(*t) +
                         "': use letters, digits, '-', '_' and '.' ([A-Za-z0-9][A-Za-z0-9_.-]*, "
                         "no '..'), at most " +
                         std::to_string(kMaxIdLength) + " characters");
    } else if (t) {
      st.name = *t;
      name_mark = mark(name->v);
    }
  }
  return st;
}

void Checker::when(const Entry& e, std::map<std::string, std::string>& out) {
  if (!expect(e, YAML::NodeType::Map,
              "a map of device-profile choices, e.g. "
              "{expect.unlisted_sip_request: drop}")) {
    return;
  }
  Names choices;
  for (const auto& v : knownVariables()) {
    if (v.rfind("expect.", 0) == 0) choices.push_back(v);
  }
  for (const auto& f : fields(e.v, choices, "'when'").entries) {
    if (auto t = text(f)) out[f.key] = *t;
  }
}

void Checker::checkEventSpec(const EventSpec& spec, const YAML::Node& event_node) {
  // Against the event catalogue: a misspelt kind or field would otherwise match nothing, and an
  // expect_none on it would pass whatever the phone did.
  const auto kinds = eventKindsMatching(spec.event);
  if (kinds.empty()) {
    Names all;
    for (const auto& k : eventCatalog()) all.push_back(k.kind);
    const bool glob = spec.event.find_first_of("*?") != std::string::npos;
    error(event_node, (glob ? "no event kind matches '" : "unknown event kind '") + spec.event +
                          "'" + suggest(spec.event, all) +
                          " (the event kinds are listed in docs/scenario-format.md)");
    return;
  }
  for (const auto& c : spec.where) {
    if (std::any_of(kinds.begin(), kinds.end(),
                    [&](const EventKindInfo* k) { return eventHasField(*k, c.field); })) {
      continue;
    }
    Names fields;
    for (const auto* k : kinds) {
      for (const auto& f : k->fields) {
        if (!contains(fields, f)) fields.push_back(f);
      }
    }
    error(c.mark, "'" + spec.event + "' events have no field '" + c.field + "'" +
                      suggest(c.field, fields) + "; fields: " + join(fields));
  }
}

std::optional<EventSpec> Checker::eventSpec(const Entry& e, ExpectStep* expect_step) {
  if (!expect(e, YAML::NodeType::Map, "a map with 'event'")) return std::nullopt;
  Names keys = {"event", "where", "within", "since"};
  if (expect_step) keys.insert(keys.end(), {"probe", "every"});
  Fields f = fields(e.v, keys, e.key);
  require(e.v, f, {"event"}, "'" + e.key + "'");
  EventSpec spec;
  spec.mark = mark(e.v);
  if (const Entry* x = f.get("event")) {
    spec.event = text(*x).value_or("");
    if (x->v.IsScalar() && spec.event.empty()) error(x->v, "'event' is empty");
  }
  if (const Entry* x = f.get("where"); x && expect(*x, YAML::NodeType::Map, "a map")) {
    for (auto it = x->v.begin(); it != x->v.end(); ++it) {
      if (!it->first.IsScalar()) {
        error(it->first, "expected a field name, got " + std::string(typeName(it->first)));
        continue;
      }
      Entry cond{it->first.Scalar(), it->first, it->second};
      auto first = std::find_if(spec.where.begin(), spec.where.end(),
                                [&](const Condition& c) { return c.field == cond.key; });
      if (first != spec.where.end()) {
        error(cond.k, "duplicate key '" + cond.key + "' (first at line " +
                          std::to_string(first->mark.line) + ")");
      } else if (auto c = condition(cond)) {
        spec.where.push_back(std::move(*c));
      }
    }
  }
  if (!spec.event.empty()) checkEventSpec(spec, f.get("event")->v);
  // status.xml is read through the device profile's abstract status fields, never by a raw
  // element name that only one firmware (or the emulator) has.
  if (spec.event == "dut.status") {
    for (const auto& c : spec.where) {
      if (isStatusField(c.field)) continue;
      error(c.mark, "'" + c.field + "' is not a status field" +
                        suggest(c.field, statusFieldNames()) +
                        " (dut.status is matched on the device profile's abstract status "
                        "fields: " +
                        join(statusFieldNames()) + ")");
    }
  }
  if (const Entry* x = f.get("within")) {
    int boots = 0;
    if (auto d = bootDuration(*x, boots)) {
      spec.within = *d;
      spec.within_boots = boots;
    }
  }
  if (const Entry* x = f.get("since")) {
    if (auto t = text(*x)) {
      spec.since = *t;
      since_refs_.push_back({step_index_, *t, x->v});
    }
  }
  if (expect_step) {
    if (const Entry* x = f.get("probe")) expect_step->probe = action(*x);
    if (const Entry* x = f.get("every")) {
      expect_step->every = duration(*x).value_or(expect_step->every);
      if (!f.get("probe")) error(x->k, "'every' without 'probe' has no effect");
    }
  }
  return spec;
}

std::optional<Condition> Checker::condition(const Entry& e) {
  Condition c;
  c.field = e.key;
  c.mark = mark(e.k);
  if (e.v.IsMap()) {
    if (e.v.size() != 1) {
      error(e.v, "condition on '" + e.key + "': expected one {operator: operand}, e.g. {lt: 30}");
      return std::nullopt;
    }
    auto it = e.v.begin();
    c.op = it->first.IsScalar() ? it->first.Scalar() : "";
    if (!contains(kOperators, c.op)) {
      error(it->first, "unknown operator '" + c.op + "'" + suggest(c.op, kOperators) +
                           "; operators: " + join(kOperators));
      return std::nullopt;
    }
  } else if (!e.v.IsScalar()) {
    if (e.v.IsNull()) {
      error(e.k, "condition on '" + e.key + "' has no value");
    } else {
      error(e.v, "condition on '" + e.key + "': expected a value or {operator: operand}, got " +
                     typeName(e.v));
    }
    return std::nullopt;
  }
  const YAML::Node operand = e.v.IsMap() ? YAML::Node(e.v.begin()->second) : e.v;
  auto t = text(Entry{c.op, operand, operand});
  if (!t) return std::nullopt;
  c.operand = *t;
  // Validate exactly as the runner will build it. Variables are expanded per lane, so a regex is
  // checked with them replaced by plain text.
  std::string probe_operand = c.operand;
  if (c.op == "regex") {
    std::map<std::string, std::string> plain;
    for (const auto& n : knownVariables()) plain[n] = "x";
    probe_operand = expand(c.operand, plain);
  }
  try {
    auto built = FieldCondition::make(c.op, probe_operand);
    if (variablesIn(c.operand).empty()) {
      c.compiled = std::make_shared<const FieldCondition>(std::move(built));
    }
  } catch (const std::invalid_argument& ex) {
    error(operand, "condition on '" + e.key + "': " + ex.what());
    return std::nullopt;
  }
  return c;
}

std::optional<Action> Checker::action(const Entry& e) {
  if (!e.v.IsScalar() && !e.v.IsMap()) {
    expect(e, YAML::NodeType::Map, "an action");
    return std::nullopt;
  }
  if (e.v.IsMap() && e.v.size() != 1) {
    error(e.v, "'" + e.key + "': expected one action, e.g. {ping: {to: ...}} or a bare 'reboot'");
    return std::nullopt;
  }
  // Nodes are only ever copy-constructed here: YAML::Node::operator= writes through to the
  // document instead of rebinding the handle.
  const YAML::Node key_node = e.v.IsMap() ? YAML::Node(e.v.begin()->first) : e.v;
  const YAML::Node args = e.v.IsMap() ? YAML::Node(e.v.begin()->second) : YAML::Node();
  const std::string name = key_node.IsScalar() ? key_node.Scalar() : "";
  if (!contains(kActions, name)) {
    error(key_node, "unknown action '" + name + "'" + suggest(name, kActions) +
                        "; actions: " + join(kActions));
    return std::nullopt;
  }
  Entry a{name, key_node, args};
  bool no_args = args.IsNull() || (args.IsMap() && args.size() == 0);
  if (name == "reboot" || name == "power_cycle" || name == "pause_dhcp" || name == "resume_dhcp") {
    if (!no_args) error(args, "'" + name + "' takes no arguments");
    if (name == "reboot") return RebootAction{};
    if (name == "pause_dhcp") return PauseDhcpAction{};
    if (name == "resume_dhcp") return ResumeDhcpAction{};
    return PowerCycleAction{};
  }
  if (name == "ping" || name == "configure" || name == "silence" || name == "unsilence") {
    if (args.IsNull()) {
      error(key_node, "action '" + name + "' needs arguments: " +
                          (name == "configure" ? "{settings: {...}}" : "{to: ...}"));
      return std::nullopt;
    }
  }
  if (!args.IsNull() && !expect(a, YAML::NodeType::Map, "a map of arguments")) return std::nullopt;
  if (name == "configure") {
    ConfigureAction c;
    Fields f = fields(args, {"settings", "via"}, "configure");
    require(args, f, {"settings"}, "'configure'");
    if (const Entry* x = f.get("settings")) {
      c.settings = textMap(*x);
      if (x->v.IsMap() && x->v.size() == 0) error(x->v, "'settings' is empty");
    }
    if (const Entry* x = f.get("via"); x && text(*x)) {
      c.via = x->v.Scalar();
      if (c.via != "web" && c.via != "profile") {
        error(x->v, "'via' is '" + c.via + "': expected web or profile");
      }
    }
    return c;
  }
  if (name == "fetch_config" || name == "fetch_status") {
    double within = 30;
    if (!args.IsNull()) {
      Fields f = fields(args, {"within"}, name);
      if (const Entry* x = f.get("within")) within = duration(*x).value_or(within);
    }
    if (name == "fetch_config") return FetchConfigAction{within};
    return FetchStatusAction{within};
  }
  if (name == "sip_call") {
    SipCallAction c;
    if (args.IsNull()) {
      error(key_node, "action 'sip_call' needs arguments: {to: sip:...}");
      return std::nullopt;
    }
    Fields f = fields(args,
                      {"to", "via", "auth_user", "auth_password", "auth_wrong", "auth_algorithm",
                       "auth_nonce", "replay", "answer", "within"},
                      "sip_call");
    require(args, f, {"to"}, "'sip_call'");
    if (const Entry* x = f.get("to")) c.to = text(*x).value_or("");
    if (const Entry* x = f.get("via"); x && text(*x)) {
      c.via = x->v.Scalar();
      if (c.via != "proxy" && c.via != "phone") {
        error(x->v, "'via' is '" + c.via + "': expected proxy or phone");
      }
    }
    if (const Entry* x = f.get("auth_user")) c.auth_user = text(*x).value_or("");
    if (const Entry* x = f.get("auth_password")) c.auth_password = text(*x).value_or("");
    if (const Entry* x = f.get("replay")) c.replay = boolean(*x).value_or(false);
    if (const Entry* x = f.get("answer")) c.answer = boolean(*x).value_or(false);
    if (const Entry* x = f.get("within")) c.within = duration(*x).value_or(c.within);
    if (c.replay && !c.auth_user.empty()) {
      error(f.get("replay")->k,
            "'replay' sends the earlier Authorization again: it takes no "
            "auth_user/auth_password");
    }
    static const Names kWrong = {"realm", "uri", "method", "nonce", "nc-replay", "response"};
    static const Names kAlgorithms = {"MD5", "SHA-256"};
    const Entry* auth_opts[] = {f.get("auth_wrong"), f.get("auth_algorithm"), f.get("auth_nonce")};
    if (const Entry* x = f.get("auth_wrong"); x && text(*x)) {
      c.auth_wrong = x->v.Scalar();
      if (std::find(kWrong.begin(), kWrong.end(), c.auth_wrong) == kWrong.end()) {
        error(x->v, "'auth_wrong' is '" + c.auth_wrong +
                        "': expected realm, uri, method, nonce, nc-replay or response");
      }
    }
    if (const Entry* x = f.get("auth_algorithm"); x && text(*x)) {
      c.auth_algorithm = x->v.Scalar();
      if (std::find(kAlgorithms.begin(), kAlgorithms.end(), c.auth_algorithm) ==
          kAlgorithms.end()) {
        error(x->v, "'auth_algorithm' is '" + c.auth_algorithm + "': expected MD5 or SHA-256");
      }
    }
    if (const Entry* x = f.get("auth_nonce"); x && text(*x)) {
      const std::string v = x->v.Scalar();
      if (v == "reuse") {
        c.auth_reuse_nonce = true;
      } else if (v != "challenge") {
        error(x->v, "'auth_nonce' is '" + v + "': expected challenge or reuse");
      }
    }
    for (const Entry* x : auth_opts) {
      if (x && (c.auth_user.empty() || c.replay)) {
        error(x->k, "'" + x->k.Scalar() +
                        "' says how to answer a challenge: it needs auth_user and "
                        "auth_password, and no replay");
        break;
      }
    }
    return c;
  }
  if (name == "audio_call") {
    AudioCallAction c;
    if (args.IsNull()) {
      error(key_node, "action 'audio_call' needs arguments: {to: sip:..., codec: PCMU}");
      return std::nullopt;
    }
    Fields f = fields(args, {"to", "codec", "via", "within"}, "audio_call");
    require(args, f, {"to", "codec"}, "'audio_call'");
    if (const Entry* x = f.get("to")) c.to = text(*x).value_or("");
    if (const Entry* x = f.get("codec"); x && text(*x)) {
      c.codec = x->v.Scalar();
      if (c.codec != "PCMU" && c.codec != "PCMA") {
        error(x->v, "'codec' is '" + c.codec + "': expected PCMU or PCMA");
      }
    }
    if (const Entry* x = f.get("via"); x && text(*x)) {
      c.via = x->v.Scalar();
      if (c.via != "proxy" && c.via != "phone") {
        error(x->v, "'via' is '" + c.via + "': expected proxy or phone");
      }
    }
    if (const Entry* x = f.get("within")) c.within = duration(*x).value_or(c.within);
    return c;
  }
  if (name == "sip_send") {
    SipSendAction a2;
    if (args.IsNull()) {
      error(key_node, "action 'sip_send' needs arguments: {method: INVITE}");
      return std::nullopt;
    }
    Fields f =
        fields(args, {"method", "event", "spoof_from_domain", "in_dialog", "headers", "within"},
               "sip_send");
    require(args, f, {"method"}, "'sip_send'");
    if (const Entry* x = f.get("method"); x && text(*x)) {
      static const Names methods = {"INVITE",    "OPTIONS", "NOTIFY", "BYE",
                                    "SUBSCRIBE", "REFER",   "MESSAGE"};
      a2.method = x->v.Scalar();
      if (!contains(methods, a2.method)) {
        error(x->v, "unknown method '" + a2.method + "'" + suggest(a2.method, methods) +
                        "; methods: " + join(methods));
      }
    }
    if (const Entry* x = f.get("event")) a2.event = text(*x).value_or("");
    if (const Entry* x = f.get("spoof_from_domain")) a2.spoof_from_domain = text(*x).value_or("");
    if (const Entry* x = f.get("in_dialog")) a2.in_dialog = boolean(*x).value_or(false);
    if (const Entry* x = f.get("headers")) {
      for (auto& [h, m] : textList(*x)) a2.headers.push_back(h);
    }
    if (const Entry* x = f.get("within")) a2.within = duration(*x).value_or(a2.within);
    return a2;
  }
  if (name == "sip_fuzz") {
    SipFuzzAction z;
    if (args.IsNull()) return z;
    Fields f = fields(args, {"corpus", "probe_within", "limit"}, "sip_fuzz");
    if (const Entry* x = f.get("corpus"); x && text(*x)) {
      z.corpus = (fs::path(file_).parent_path() / x->v.Scalar()).lexically_normal().string();
      if (!fs::is_directory(z.corpus)) {
        error(x->v, "'corpus': no folder " + z.corpus + " (relative to the scenario file)");
      }
    }
    if (const Entry* x = f.get("probe_within")) {
      z.probe_within = duration(*x).value_or(z.probe_within);
    }
    if (const Entry* x = f.get("limit"); x && text(*x)) {
      int n = 0;
      if (!YAML::convert<int>::decode(x->v, n) || n < 0) {
        error(x->v,
              "'limit': expected a whole number (0 = every case), got '" + x->v.Scalar() + "'");
      } else {
        z.limit = n;
      }
    }
    return z;
  }
  if (name == "silence" || name == "unsilence") {
    Fields f = fields(args, {"to"}, name);
    require(args, f, {"to"}, "'" + name + "'");
    std::string to;
    if (const Entry* x = f.get("to")) to = text(*x).value_or("");
    if (name == "silence") return SilenceAction{to};
    return UnsilenceAction{to};
  }
  PingAction p;
  Fields f = fields(args, {"to", "from", "count"}, "ping");
  require(args, f, {"to"}, "'ping'");
  if (const Entry* x = f.get("to")) p.to = text(*x).value_or("");
  if (const Entry* x = f.get("from")) p.from = text(*x).value_or("");
  if (const Entry* x = f.get("count"); x && text(*x)) {
    int n = 0;
    if (!YAML::convert<int>::decode(x->v, n) || n < 1) {
      error(x->v, "'count': expected a whole number of at least 1, got '" + x->v.Scalar() + "'");
    } else {
      p.count = n;
    }
  }
  return p;
}

std::vector<Requirement> Checker::requirements(const YAML::Node& doc) {
  std::vector<Requirement> out;
  // Any file may be named with --catalog: one that is not a catalogue gets one diagnostic that
  // quotes none of its content.
  if (!doc.IsMap() || !doc["requirements"]) {
    error(doc, std::string("not a requirement catalogue: expected a map with a 'requirements' "
                           "list, got ") +
                   (doc.IsMap() ? "a map without it" : typeName(doc)));
    return out;
  }
  Fields top = fields(doc, {"requirements"}, "catalog");
  require(doc, top, {"requirements"}, "the requirement catalog");
  const Entry* list = top.get("requirements");
  if (!list || !expect(*list, YAML::NodeType::Sequence, "a list")) return out;
  std::map<std::string, int> seen;  // id -> line
  for (const auto& item : list->v) {
    if (!item.IsMap()) {
      error(item, std::string("expected a requirement (a map), got ") + typeName(item));
      continue;
    }
    Fields f = fields(item, {"id", "title", "kind", "spec", "notes", "planned", "wrong_ways"},
                      "requirement");
    require(item, f, {"id", "title", "kind", "spec"}, "requirement");
    Requirement r;
    r.mark = mark(item);
    if (const Entry* x = f.get("id"); x && text(*x)) {
      r.id = x->v.Scalar();
      if (!validRequirementId(r.id)) {
        error(x->v, "bad requirement id '" + echo(r.id) + "': use A-Z, 0-9 and '-', at most " +
                        std::to_string(kMaxIdLength) + " characters");
      }
      auto [it, fresh] = seen.emplace(r.id, mark(x->v).line);
      if (!fresh) {
        error(x->v, "duplicate requirement id '" + r.id + "' (first at line " +
                        std::to_string(it->second) + ")");
      }
    }
    if (const Entry* x = f.get("title")) r.title = text(*x).value_or("");
    if (const Entry* x = f.get("kind"); x && text(*x)) {
      r.kind = x->v.Scalar();
      if (r.kind != "documented" && r.kind != "hardening") {
        error(x->v, "'kind' is '" + r.kind + "': expected documented or hardening");
      }
    }
    if (const Entry* x = f.get("spec")) r.spec = text(*x).value_or("");
    if (const Entry* x = f.get("notes")) r.notes = text(*x).value_or("");
    if (const Entry* x = f.get("planned")) {
      r.planned = text(*x).value_or("");
      if (r.planned.empty()) {
        error(x->v, "'planned' is empty: name the issue that will test it (e.g. \"#5 TLS\")");
      }
    }
    if (const Entry* x = f.get("wrong_ways"); x && expect(*x, YAML::NodeType::Sequence, "a list")) {
      std::map<std::string, int> faults;  // fault -> line
      for (const auto& w : x->v) {
        if (!w.IsMap()) {
          error(w,
                std::string("expected a wrong way {fault: <emulator fault>, how: <text>}, got ") +
                    typeName(w));
          continue;
        }
        Fields wf = fields(w, {"fault", "how"}, "wrong way");
        require(w, wf, {"fault", "how"}, "wrong way");
        WrongWay ww;
        if (const Entry* y = wf.get("fault"); y && text(*y)) {
          ww.fault = y->v.Scalar();
          const bool ok = !ww.fault.empty() && ww.fault.size() <= 64 &&
                          std::all_of(ww.fault.begin(), ww.fault.end(), [](char c) {
                            return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
                          });
          if (!ok) error(y->v, "bad fault name '" + ww.fault + "': use a-z, 0-9 and '-'");
          auto [it, fresh] = faults.emplace(ww.fault, mark(y->v).line);
          if (!fresh) {
            error(y->v, "fault '" + ww.fault + "' is listed twice (first at line " +
                            std::to_string(it->second) + ")");
          }
        }
        if (const Entry* y = wf.get("how")) ww.how = text(*y).value_or("");
        r.wrong_ways.push_back(std::move(ww));
      }
    }
    out.push_back(std::move(r));
  }
  return out;
}

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

std::vector<Scenario> loadScenarioFile(const std::string& path, std::vector<Diagnostic>& diags) {
  auto docs = readYaml(path, diags);
  if (!docs) return {};
  return Checker(path, diags).file(*docs);
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
                                const std::vector<Requirement>& catalog) {
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
    for (auto& s : loadScenarioFile(f, diags)) out.push_back(std::move(s));
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

namespace phonelab::scenario {

bool isScenarioId(std::string_view id) {
  if (id.empty() || id.size() > 128 || id.front() == '-') return false;
  for (char c : id) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) return false;
  }
  return true;
}

}  // namespace phonelab::scenario
