#include "harness/dut/profile.h"

#include <algorithm>
#include <cctype>
#include <string_view>

#include "base/core/status_fields.h"
#include "harness/scenario/vars.h"
#include "harness/scenario/yaml_reader.h"

namespace phonelab::dut {

using scenario::YamlReader;

const SettingDef* DeviceProfile::setting(const std::string& name) const {
  auto it = settings.find(name);
  return it == settings.end() ? nullptr : &it->second;
}

int DeviceProfile::sipPort(const std::map<std::string, std::string>& settings) const {
  constexpr int kSipDefaultPort = 5060;
  std::string v;
  if (auto it = settings.find("line1.sip_port"); it != settings.end()) {
    v = it->second;
  } else if (const SettingDef* def = setting("line1.sip_port"); def && def->factory) {
    v = *def->factory;
  }
  if (!v.empty() && v.size() <= 5 &&
      std::all_of(v.begin(), v.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    const int port = std::stoi(v);
    if (port > 0 && port < 65536) return port;
  }
  return kSipDefaultPort;
}

std::string DeviceProfile::firmwareValue(const SettingDef& s, const std::string& v) const {
  auto it = s.values.find(v);
  return it == s.values.end() ? v : it->second;
}

bool DeviceProfile::has(const std::string& capability) const {
  return std::find(capabilities.begin(), capabilities.end(), capability) != capabilities.end();
}

const StatusFieldDef* DeviceProfile::statusField(const std::string& name) const {
  auto it = admin.status_fields.find(name);
  return it == admin.status_fields.end() ? nullptr : &it->second;
}

namespace {

/// `confirmed: true|false` (default true) of a setting or status field.
bool confirmedFlag(YamlReader& r, const YAML::Node& def) {
  std::string confirmed = r.optional(def, "confirmed", "true");
  if (confirmed != "true" && confirmed != "false") {
    r.error(def["confirmed"], "'confirmed' must be true or false");
  }
  return confirmed == "true";
}

/// admin.status_fields: abstract name -> element, or -> {element, confirmed, note}.
void readStatusFields(YamlReader& r, const YAML::Node& admin, DeviceProfile& p) {
  YAML::Node fields = admin["status_fields"];
  if (!fields || !r.isMap(fields, "'status_fields'")) return;
  for (const auto& kv : fields) {
    StatusFieldDef f;
    f.name = kv.first.Scalar();
    f.mark = r.mark(kv.first);
    if (!isStatusField(f.name)) {
      std::string all;
      for (const auto& n : statusFieldNames()) all += (all.empty() ? "" : ", ") + n;
      r.error(kv.first, "unknown status field '" + f.name + "'" +
                            didYouMean(f.name, statusFieldNames()) + "; status fields: " + all);
      continue;
    }
    const std::string what = "status field '" + f.name + "'";
    if (kv.second.IsScalar()) {
      f.element = kv.second.Scalar();
    } else if (r.isMap(kv.second, what)) {
      r.onlyKeys(kv.second, {"element", "confirmed", "note"}, what);
      f.element = r.required(kv.second, "element", what);
      f.confirmed = confirmedFlag(r, kv.second);
      f.note = r.optional(kv.second, "note", "");
    } else {
      continue;
    }
    if (f.element.empty()) r.error(kv.second, what + ": the element name is empty");
    p.admin.status_fields[f.name] = f;
  }
}

/// "Name: value" with a token name (RFC 3261 25.1) and a value on one line.
bool isHeaderLine(const std::string& h) {
  const size_t colon = h.find(':');
  if (colon == 0 || colon == std::string::npos) return false;
  for (size_t i = 0; i < colon; ++i) {
    const char c = h[i];
    const bool token = std::isalnum(static_cast<unsigned char>(c)) ||
                       std::string_view("-.!%*_+`'~").find(c) != std::string_view::npos;
    if (!token) return false;
  }
  if (h.find_first_of("\r\n") != std::string::npos) return false;
  return h.find_first_not_of(" \t", colon + 1) != std::string::npos;
}

void loadAnswer(YamlReader& r, const YAML::Node& node, DeviceProfile& p) {
  if (!r.isMap(node, "'answer'")) return;
  AnswerMethod& a = p.answer;
  a.mark = r.mark(node);
  r.onlyKeys(node, {"method", "setting", "header", "timeout", "confirmed", "note"}, "'answer'");
  if (!node["method"]) {
    r.error(node, "'answer' needs a 'method': auto_answer or operator");
  } else {
    a.method = r.oneOf(node, "method", {"auto_answer", "operator"}, "");
  }
  a.setting = r.optional(node, "setting", "");
  a.header = r.optional(node, "header", "");
  a.timeout = r.duration(node, "timeout", a.timeout);
  const std::string confirmed = r.optional(node, "confirmed", "true");
  if (confirmed != "true" && confirmed != "false") {
    r.error(node["confirmed"], "'confirmed' must be true or false");
  }
  a.confirmed = confirmed == "true";
  a.note = r.optional(node, "note", "");
  if (a.method == "auto_answer") {
    if (!node["setting"]) {
      r.error(node, "answer method auto_answer needs 'setting': the setting that allows it");
    }
    if (!node["header"]) {
      r.error(node, "answer method auto_answer needs 'header': what the INVITE carries to ask");
    }
    if (node["timeout"]) {
      r.error(node["timeout"], "'timeout' is for answer method operator (the person's time)");
    }
  }
  if (a.method == "operator" && node["setting"]) {
    r.error(node["setting"], "answer method operator takes no 'setting' (a person picks up)");
  }
  if (node["setting"] && !a.setting.empty()) {
    const SettingDef* s = p.setting(a.setting);
    if (!s) {
      std::vector<std::string> names;
      for (const auto& [name, def] : p.settings) names.push_back(name);
      r.error(node["setting"], "answer setting '" + a.setting +
                                   "' is not a setting of this profile" +
                                   didYouMean(a.setting, names));
    } else if (!s->values.empty() && !s->values.count("yes")) {
      r.error(node["setting"],
              "answer setting '" + a.setting +
                  "' has no value 'yes' (it is set to 'yes' for an answered call)");
    }
  }
  if (node["header"] && !isHeaderLine(a.header)) {
    r.error(node["header"], "answer header '" + a.header + "' is not 'Name: value' on one line");
  } else if (node["header"]) {
    bool malformed = false;
    // The built-in variables and this profile's own expectations (${expect.NAME}).
    auto known = scenario::knownVariables();
    for (const auto& [name, outcome] : p.expect) known.push_back(scenario::kExpectPrefix + name);
    for (const auto& v : scenario::variablesIn(a.header, &malformed)) {
      if (std::find(known.begin(), known.end(), v) == known.end()) {
        r.error(node["header"],
                "answer header: unknown variable ${" + v + "}" + didYouMean(v, known));
      }
    }
    if (malformed) r.error(node["header"], "answer header: '${' without a closing '}'");
  }
}

}  // namespace

DeviceProfile loadDeviceProfile(const std::string& path) {
  YamlReader r(path);
  YAML::Node root = r.loadMap("a device profile");
  DeviceProfile p;
  p.file = path;
  r.onlyKeys(root, {"device", "admin", "settings", "expect", "answer"}, "the device profile");

  YAML::Node dev = root["device"];
  if (!dev) {
    r.error(root, "missing required key 'device'");
  } else if (r.isMap(dev, "'device'")) {
    r.onlyKeys(dev, {"name", "vendor", "models", "psn", "capabilities"}, "'device'");
    p.name = r.required(dev, "name", "'device'");
    p.vendor = r.optional(dev, "vendor", "");
    p.models = r.list(dev, "models");
    p.psn = r.required(dev, "psn", "'device'");
    p.capabilities = r.list(dev, "capabilities");
  }

  YAML::Node admin = root["admin"];
  if (admin && r.isMap(admin, "'admin'")) {
    r.onlyKeys(admin, {"pages", "config_xml", "status_xml", "reboot", "resync", "status_fields"},
               "'admin'");
    p.admin.pages = r.scalarMap(admin, "pages");
    p.admin.config_xml = r.optional(admin, "config_xml", p.admin.config_xml);
    p.admin.status_xml = r.optional(admin, "status_xml", p.admin.status_xml);
    p.admin.reboot = r.optional(admin, "reboot", p.admin.reboot);
    p.admin.resync = r.optional(admin, "resync", p.admin.resync);
    readStatusFields(r, admin, p);
  }

  YAML::Node settings = root["settings"];
  if (!settings) {
    r.error(root, "missing required key 'settings'");
  } else if (r.isMap(settings, "'settings'")) {
    for (const auto& kv : settings) {
      SettingDef s;
      s.name = kv.first.Scalar();
      s.mark = r.mark(kv.first);
      const YAML::Node& def = kv.second;
      if (!r.isMap(def, "setting '" + s.name + "'")) continue;
      r.onlyKeys(def,
                 {"element", "page", "field", "values", "restarts", "confirmed", "note", "factory"},
                 "setting '" + s.name + "'");
      s.element = r.required(def, "element", "setting '" + s.name + "'");
      s.page = r.required(def, "page", "setting '" + s.name + "'");
      s.field = r.optional(def, "field", s.element);
      s.values = r.scalarMap(def, "values");
      s.restarts = r.optional(def, "restarts", "false") == "true";
      s.confirmed = confirmedFlag(r, def);
      s.note = r.optional(def, "note", "");
      if (def["factory"]) {
        s.factory = r.optional(def, "factory", "");
        // A setting with a list of values has a factory value from that list (either spelling).
        if (!s.values.empty()) {
          bool known = s.values.count(*s.factory) > 0;
          for (const auto& [abstract, firmware] : s.values) known = known || firmware == *s.factory;
          if (!known) {
            std::string names;
            for (const auto& [abstract, firmware] : s.values) names += " " + abstract;
            r.error(def["factory"], "factory value '" + *s.factory + "' of setting '" + s.name +
                                        "' is none of its values:" + names);
          }
        }
      }
      if (!s.page.empty() && !p.admin.pages.count(s.page)) {
        r.error(def["page"], "page '" + s.page + "' of setting '" + s.name +
                                 "' is not listed under admin.pages");
      }
      p.settings[s.name] = s;
    }
  }

  YAML::Node expect = root["expect"];
  if (expect && r.isMap(expect, "'expect'")) {
    for (const auto& kv : expect) {
      ExpectedOutcome o;
      o.name = kv.first.Scalar();
      if (!r.isMap(kv.second, "expected outcome '" + o.name + "'")) continue;
      r.onlyKeys(kv.second, {"value", "documented", "note"}, "expected outcome '" + o.name + "'");
      o.value = r.required(kv.second, "value", "expected outcome '" + o.name + "'");
      o.documented = r.optional(kv.second, "documented", "false") == "true";
      o.note = r.optional(kv.second, "note", "");
      p.expect[o.name] = o;
    }
  }
  if (YAML::Node answer = root["answer"]) loadAnswer(r, answer, p);
  r.throwIfErrors();
  return p;
}

}  // namespace phonelab::dut
