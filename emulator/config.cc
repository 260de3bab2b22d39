#include "emulator/config.h"

#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "base/core/error.h"
#include "base/core/safe_fs.h"
#include "base/core/text.h"
#include "base/proto/dhcp.h"

namespace phonelab::emulator {

namespace {
constexpr std::string_view kSys = "system";
constexpr std::string_view kExt1 = "ext1";
constexpr std::string_view kUser = "user";
using K = ParamKind;
}  // namespace

const std::vector<ParamDef>& paramTable() {
  // name, page, section, label, kind, default, allowed, restart
  static const std::vector<ParamDef> table = {
      {"Restricted_Access_Domains",
       kSys,
       "System Configuration",
       "Restricted Access Domains",
       K::Text,
       "",
       {},
       false},
      {"Admin_Passwd", kSys, "System Configuration", "Admin Password", K::Password, "", {}, false},
      {"User_Password", kSys, "System Configuration", "User Password", K::Password, "", {}, false},
      {"Station_Name", kSys, "System Configuration", "Station Name", K::Text, "", {}, false},
      {"Connection_Type",
       kSys,
       "IPv4 Settings",
       "Connection Type",
       K::Select,
       "DHCP",
       {"DHCP", "Static IP"},
       true},
      {"DHCP_Timeout_On_Renewal",
       kSys,
       "IPv4 Settings",
       "DHCP Timeout on Renewal",
       K::Uint,
       "0",
       {},
       false},
      {"Static_IP", kSys, "Static IP Settings", "Static IP", K::Ip4, "", {}, true},
      {"NetMask", kSys, "Static IP Settings", "NetMask", K::Ip4, "", {}, true},
      {"Gateway", kSys, "Static IP Settings", "Gateway", K::Ip4, "", {}, true},
      {"Primary_DNS", kSys, "Static IP Settings", "Primary DNS", K::Ip4, "", {}, true},
      {"Secondary_DNS", kSys, "Static IP Settings", "Secondary DNS", K::Ip4, "", {}, false},
      {"Profile_Rule",
       kSys,
       "Configuration Profile",
       "Profile Rule",
       K::Text,
       "/$PSN.xml",
       {},
       false},
      {"Custom_CA_Rule", kSys, "Configuration Profile", "Custom CA Rule", K::Text, "", {}, false},
      {"DHCP_Option_To_Use",
       kSys,
       "Configuration Profile",
       "DHCP Option To Use",
       K::Text,
       "66,160,159,150,60,43,125",
       {},
       false},
      {"Resync_Periodic",
       kSys,
       "Configuration Profile",
       "Resync Periodic",
       K::Uint,
       "3600",
       {},
       false},
      {"Proxy_1_", kExt1, "Proxy and Registration", "Proxy", K::Text, "", {}, false},
      {"Register_Expires_1_",
       kExt1,
       "Proxy and Registration",
       "Register Expires",
       K::Uint,
       "3600",
       {},
       false},
      {"Auth_INVITE_1_",
       kExt1,
       "SIP Settings",
       "Auth INVITE",
       K::Select,
       "No",
       {"Yes", "No"},
       false},
      {"SIP_Transport_1_",
       kExt1,
       "SIP Settings",
       "SIP Transport",
       K::Select,
       "UDP",
       {"UDP", "TCP", "TLS", "AUTO"},
       false},
      {"SIP_Port_1_", kExt1, "SIP Settings", "SIP Port", K::Uint, "5060", {}, false},
      {"TLS_Name_Validate_1_",
       kExt1,
       "SIP Settings",
       "TLS Name Validate",
       K::Select,
       "Yes",
       {"Yes", "No"},
       false},
      {"User_ID_1_", kExt1, "Subscriber Information", "User ID", K::Text, "", {}, false},
      {"Password_1_", kExt1, "Subscriber Information", "Password", K::Password, "", {}, false},
      {"Display_Name_1_", kExt1, "Subscriber Information", "Display Name", K::Text, "", {}, false},
      // Voice > User > Supplementary Services: whether an INVITE that asks for auto-answer (a
      // page or intercom call) is answered without anyone picking up. The MPP admin guides name
      // it for the desk phones, default Yes.
      {"Auto_Answer_Page",
       kUser,
       "Supplementary Services",
       "Auto Answer Page",
       K::Select,
       "Yes",
       {"Yes", "No"},
       false},
  };
  return table;
}

const ParamDef* findParam(std::string_view name) {
  for (const auto& p : paramTable())
    if (p.name == name) return &p;
  return nullptr;
}

std::string validateParam(const ParamDef& p, const std::string& value) {
  if (value.size() > 1024) return std::string(p.name) + ": value longer than 1024 characters";
  for (char c : value) {
    if (static_cast<unsigned char>(c) < 0x20 && c != '\t')
      return std::string(p.name) + ": control characters are not allowed";
  }
  switch (p.kind) {
    case K::Text:
    case K::Password:
      return "";
    case K::Ip4:
      if (value.empty() || proto::dhcp::parseIp4(value)) return "";
      return std::string(p.name) + ": \"" + value + "\" is not an IPv4 address";
    case K::Uint: {
      bool ok = !value.empty() && value.size() <= 9;
      for (char c : value) ok = ok && c >= '0' && c <= '9';
      if (ok) return "";
      return std::string(p.name) + ": \"" + value + "\" is not a number";
    }
    case K::Select: {
      std::string opts;
      for (auto a : p.allowed) {
        if (a == value) return "";
        if (!opts.empty()) opts += ", ";
        opts.append(a);
      }
      return std::string(p.name) + ": \"" + value + "\" is not one of " + opts;
    }
  }
  return "";
}

std::string xmlEscape(std::string_view s) {
  return escapeMarkup(s, "&apos;");
}

namespace {

void appendUtf8(std::string& out, unsigned long cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xc0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3f));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xe0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
    out += static_cast<char>(0x80 | (cp & 0x3f));
  } else {
    out += static_cast<char>(0xf0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3f));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
    out += static_cast<char>(0x80 | (cp & 0x3f));
  }
}

/// Resolves entities; returns false on an unknown or unterminated one.
bool xmlUnescape(std::string_view s, std::string& out) {
  out.clear();
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '&') {
      out += s[i];
      continue;
    }
    size_t semi = s.find(';', i);
    if (semi == std::string_view::npos || semi - i > 10) return false;
    std::string_view ent = s.substr(i + 1, semi - i - 1);
    if (ent == "amp")
      out += '&';
    else if (ent == "lt")
      out += '<';
    else if (ent == "gt")
      out += '>';
    else if (ent == "quot")
      out += '"';
    else if (ent == "apos")
      out += '\'';
    else if (ent.size() >= 2 && ent[0] == '#') {
      unsigned long cp = 0;
      bool hex = ent[1] == 'x' || ent[1] == 'X';
      std::string_view digits = ent.substr(hex ? 2 : 1);
      if (digits.empty()) return false;
      for (char c : digits) {
        int d;
        if (c >= '0' && c <= '9')
          d = c - '0';
        else if (hex && c >= 'a' && c <= 'f')
          d = c - 'a' + 10;
        else if (hex && c >= 'A' && c <= 'F')
          d = c - 'A' + 10;
        else
          return false;
        cp = cp * (hex ? 16 : 10) + static_cast<unsigned long>(d);
        if (cp > 0x10ffff) return false;
      }
      appendUtf8(out, cp);
    } else {
      return false;
    }
    i = semi;
  }
  return true;
}

bool isNameChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
         c == '-' || c == '.' || c == ':';
}

}  // namespace

std::optional<std::vector<ProfileElement>> parseFlatProfile(std::string_view xml,
                                                            std::string* error) {
  auto fail = [&](size_t at, const std::string& why) -> std::optional<std::vector<ProfileElement>> {
    if (error) *error = why + " at byte " + std::to_string(at);
    return std::nullopt;
  };
  size_t i = 0;
  // Skip a BOM, declarations, comments and whitespace up to <flat-profile>.
  if (xml.substr(0, 3) == "\xEF\xBB\xBF") i = 3;
  auto skipMisc = [&](bool& ok) {
    ok = true;
    for (;;) {
      while (i < xml.size() && std::isspace(static_cast<unsigned char>(xml[i]))) ++i;
      if (xml.substr(i, 4) == "<!--") {
        size_t e = xml.find("-->", i + 4);
        if (e == std::string_view::npos) {
          ok = false;
          return;
        }
        i = e + 3;
      } else if (xml.substr(i, 2) == "<?") {
        size_t e = xml.find("?>", i + 2);
        if (e == std::string_view::npos) {
          ok = false;
          return;
        }
        i = e + 2;
      } else {
        return;
      }
    }
  };
  bool ok;
  skipMisc(ok);
  if (!ok) return fail(i, "unterminated comment or declaration");
  if (xml.substr(i, 13) != "<flat-profile") return fail(i, "expected <flat-profile>");
  size_t gt = xml.find('>', i);
  if (gt == std::string_view::npos) return fail(i, "unterminated <flat-profile> tag");
  std::vector<ProfileElement> out;
  if (xml[gt - 1] == '/') return out;  // <flat-profile/>
  i = gt + 1;
  for (;;) {
    skipMisc(ok);
    if (!ok) return fail(i, "unterminated comment or declaration");
    if (i >= xml.size()) return fail(i, "missing </flat-profile>");
    if (xml.substr(i, 15) == "</flat-profile>") break;
    if (xml[i] != '<') return fail(i, "expected an element");
    size_t start = i++;
    size_t name_begin = i;
    while (i < xml.size() && isNameChar(xml[i])) ++i;
    if (i == name_begin) return fail(start, "bad element name");
    std::string name(xml.substr(name_begin, i - name_begin));
    // Attributes: skipped, but quotes are honoured so '>' inside them does not end the tag.
    bool self_closing = false;
    for (;;) {
      if (i >= xml.size()) return fail(start, "unterminated tag <" + name + ">");
      char c = xml[i];
      if (c == '"' || c == '\'') {
        size_t e = xml.find(c, i + 1);
        if (e == std::string_view::npos) return fail(i, "unterminated attribute value");
        i = e + 1;
      } else if (c == '/' && i + 1 < xml.size() && xml[i + 1] == '>') {
        self_closing = true;
        i += 2;
        break;
      } else if (c == '>') {
        ++i;
        break;
      } else if (c == '<') {
        return fail(i, "unexpected '<' in tag <" + name + ">");
      } else {
        ++i;
      }
    }
    ProfileElement el{name, ""};
    if (!self_closing) {
      std::string close = "</" + name;
      size_t e = xml.find(close, i);
      if (e == std::string_view::npos) return fail(start, "element <" + name + "> is not closed");
      std::string_view raw = xml.substr(i, e - i);
      if (raw.find('<') != std::string_view::npos)
        return fail(i, "element <" + name + "> contains markup");
      if (!xmlUnescape(raw, el.value)) return fail(i, "bad entity in <" + name + ">");
      i = e + close.size();
      while (i < xml.size() && std::isspace(static_cast<unsigned char>(xml[i]))) ++i;
      if (i >= xml.size() || xml[i] != '>') return fail(i, "bad closing tag of <" + name + ">");
      ++i;
    }
    out.push_back(std::move(el));
  }
  return out;
}

ConfigStore::ConfigStore() {
  resetToDefaults();
}

void ConfigStore::resetToDefaults() {
  values_.clear();
  for (const auto& p : paramTable()) values_[std::string(p.name)] = std::string(p.def);
}

const std::string& ConfigStore::get(std::string_view name) const {
  static const std::string empty;
  auto it = values_.find(name);
  return it == values_.end() ? empty : it->second;
}

std::string ConfigStore::set(std::string_view name, const std::string& value) {
  const ParamDef* p = findParam(name);
  if (!p) return std::string(name) + ": unknown parameter";
  std::string why = validateParam(*p, value);
  if (!why.empty()) return why;
  values_[std::string(name)] = value;
  return "";
}

std::string ConfigStore::toFlatProfile() const {
  std::string out = "<flat-profile>\n";
  for (const auto& p : paramTable()) {
    out += "  <";
    out.append(p.name);
    out += " ua=\"na\">";
    out += xmlEscape(get(p.name));
    out += "</";
    out.append(p.name);
    out += ">\n";
  }
  out += "</flat-profile>\n";
  return out;
}

bool ConfigStore::load(const std::string& path, std::string* error,
                       std::vector<std::string>* skipped) {
  resetToDefaults();
  std::error_code ec;
  if (!std::filesystem::exists(path, ec) && !ec) return true;
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    if (error) *error = path + ": " + errnoText(errno);
    return false;
  }
  std::ostringstream ss;
  ss << in.rdbuf();
  std::string perr;
  auto elements = parseFlatProfile(ss.str(), &perr);
  if (!elements) {
    if (error) *error = path + ": " + perr;
    return false;
  }
  for (const auto& el : *elements) {
    std::string why = set(el.name, el.value);
    if (!why.empty() && skipped) skipped->push_back(why);
  }
  return true;
}

bool ConfigStore::save(const std::string& path, std::string* error) const {
  std::string tmp = path + ".tmp";
  {
    // The phone's flash holds its passwords: 0600, and a link at the temporary name is replaced,
    // never written through.
    std::ofstream out;
    try {
      out = openOutput(tmp, 0600);
    } catch (const std::exception& e) {
      if (error) *error = e.what();
      return false;
    }
    if (!out) {
      if (error) *error = tmp + ": " + errnoText(errno);
      return false;
    }
    out << toFlatProfile();
    out.flush();
    if (!out) {
      if (error) *error = tmp + ": write failed";
      return false;
    }
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    if (error) *error = path + ": " + errnoText(errno);
    return false;
  }
  return true;
}

ProfileApplyResult applyProfileElements(ConfigStore& config,
                                        const std::vector<ProfileElement>& elements) {
  ProfileApplyResult r;
  for (const auto& el : elements) {
    const ParamDef* p = findParam(el.name);
    if (!p) {
      r.notes.push_back("ignoring unknown element <" + el.name + ">");
      continue;
    }
    const std::string before = config.get(el.name);
    std::string why = config.set(el.name, el.value);
    if (!why.empty()) {
      r.notes.push_back("ignoring invalid value: " + why);
      continue;
    }
    ++r.applied;
    if (before != el.value) {
      r.changed.push_back(el.name);
      r.notes.push_back(el.name + " = \"" + el.value + "\"");
      if (p->restart) r.restart = true;
    }
  }
  return r;
}

}  // namespace phonelab::emulator
