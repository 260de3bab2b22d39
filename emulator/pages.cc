#include "emulator/pages.h"

#include <algorithm>

#include "emulator/form.h"

namespace phonelab::emulator {

namespace {

std::string head(const std::string& title) {
  return "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>" + htmlEscape(title) +
         "</title></head>\n<body>\n<h1>" + htmlEscape(title) + "</h1>\n";
}
const char* kTail = "</body></html>\n";

std::string row(const std::string& label, const std::string& value) {
  return "<tr><td>" + htmlEscape(label) + "</td><td>" + htmlEscape(value) + "</td></tr>\n";
}

}  // namespace

const std::vector<VoicePage>& voicePages() {
  static const std::vector<VoicePage> pages = {
      {"/admin/voice/system", "system", "System"},
      {"/admin/voice/ext1", "ext1", "Ext 1"},
      {"/admin/voice/user", "user", "User"},
  };
  return pages;
}

const VoicePage* findVoicePage(std::string_view path) {
  for (const auto& p : voicePages())
    if (p.path == path) return &p;
  return nullptr;
}

std::string renderInfoPage(const PhoneStatus& s) {
  std::string out = head("Info");
  out += "<h2>Product Information</h2>\n<table>\n";
  out += row("Product Name", s.model);
  out += row("Serial Number", s.serial);
  out += row("MAC Address", s.mac);
  out += row("Software Version", s.firmware);
  out += "</table>\n<h2>Network Status</h2>\n<table>\n";
  out += row("Connection Type", s.connection_type);
  out += row("Current IP", s.ip);
  out += row("Current Netmask", s.netmask);
  out += row("Current Gateway", s.gateway);
  out += row("Primary DNS", s.dns);
  out += row("Domain Name", s.domain);
  out += row("NTP Server", s.ntp_server);
  out += row("Local Time", s.local_time);
  out += row("Provisioning Source", s.provisioning_source);
  out += row("Last Resync Status", s.last_resync_status);
  out += row("Uptime", std::to_string(s.uptime_seconds) + " s");
  out += "</table>\n<p><a href=\"/admin/advanced\">Admin Login &gt; advanced</a></p>\n";
  out += kTail;
  return out;
}

std::string renderAdvancedIndex() {
  std::string out = head("Admin Login > advanced > Voice");
  out += "<ul>\n";
  for (const auto& p : voicePages()) {
    out += "<li><a href=\"" + std::string(p.path) + "\">" + std::string(p.title) + "</a></li>\n";
  }
  out += "<li><a href=\"/admin/cfg.xml\">cfg.xml</a></li>\n";
  out += "<li><a href=\"/admin/status.xml\">status.xml</a></li>\n";
  out += "<li><a href=\"/admin/reboot\">Reboot</a></li>\n</ul>\n";
  out += kTail;
  return out;
}

std::string renderVoicePage(const VoicePage& page, const ConfigStore& config) {
  std::string out = head("Voice > " + std::string(page.title));
  out += "<form method=\"post\" action=\"" + std::string(page.path) + "\">\n";
  std::string_view section;
  bool open = false;
  for (const auto& p : paramTable()) {
    if (p.page != page.key) continue;
    if (!open || p.section != section) {
      if (open) out += "</table>\n";
      section = p.section;
      out += "<h2>" + htmlEscape(section) + "</h2>\n<table>\n";
      open = true;
    }
    const std::string name(p.name);
    const std::string& value = config.get(p.name);
    out += "<tr><td><label for=\"" + name + "\">" + htmlEscape(p.label) + ":</label></td><td>";
    if (p.kind == ParamKind::Select) {
      out += "<select id=\"" + name + "\" name=\"" + name + "\">";
      for (auto a : p.allowed) {
        std::string av = htmlEscape(a);
        out += "<option value=\"" + av + "\"" + (a == value ? " selected" : "") + ">" + av +
               "</option>";
      }
      out += "</select>";
    } else {
      bool pw = p.kind == ParamKind::Password;
      std::string shown = pw ? (value.empty() ? "" : std::string(kPasswordMask)) : value;
      out += std::string("<input type=\"") + (pw ? "password" : "text") + "\" id=\"" + name +
             "\" name=\"" + name + "\" value=\"" + htmlEscape(shown) + "\">";
    }
    out += "</td></tr>\n";
  }
  if (open) out += "</table>\n";
  out += "<input type=\"submit\" name=\"submit\" value=\"Submit All Changes\">\n</form>\n";
  out += kTail;
  return out;
}

std::string renderSubmitted(const std::vector<std::string>& changed, bool rebooting) {
  std::string out = head("Changes submitted");
  out += "<p>Changes submitted.</p>\n";
  if (!changed.empty()) {
    out += "<p>Changed:";
    for (const auto& c : changed) out += " " + htmlEscape(c);
    out += "</p>\n";
  }
  if (rebooting) out += "<p>Rebooting...</p>\n";
  out += kTail;
  return out;
}

std::string renderLoginPage(const std::string& message) {
  std::string out = head("Admin Login");
  if (!message.empty()) out += "<p>" + htmlEscape(message) + "</p>\n";
  out +=
      "<form method=\"post\" action=\"/admin/login\">\n"
      "<input type=\"text\" name=\"user\" value=\"admin\">\n"
      "<input type=\"password\" name=\"password\" value=\"\">\n"
      "<input type=\"submit\" value=\"Log In\">\n</form>\n";
  out += kTail;
  return out;
}

std::string renderMessagePage(const std::string& title, const std::string& message) {
  return head(title) + "<p>" + htmlEscape(message) + "</p>\n" + kTail;
}

std::string renderStatusXml(const PhoneStatus& s) {
  std::string out = "<status>";
  auto el = [&](const char* n, const std::string& v) {
    out += std::string("<") + n + ">" + xmlEscape(v) + "</" + n + ">";
  };
  // The fields the device profiles map (admin.status_fields).
  el("Product_Name", s.model);
  el("Serial_Number", s.serial);
  el("MAC_Address", s.mac);
  el("Software_Version", s.firmware);
  el("Connection_Type", s.connection_type);
  el("Current_IP", s.ip);
  el("Current_Netmask", s.netmask);
  el("Current_Gateway", s.gateway);
  el("Uptime_Seconds", std::to_string(s.uptime_seconds));
  el("Current_DNS", s.dns);
  el("Domain_Name", s.domain);
  el("NTP_Server", s.ntp_server);
  el("NTP_Synced", s.ntp_synced ? "Yes" : "No");
  el("Time_Offset", std::to_string(s.time_offset));
  el("Registration_State", s.registration_state);
  el("Registered_Proxy", s.registered_proxy);
  el("Call_State_1_", s.call_state);
  // The emulator's own diagnostics: evidence for a person, never read by a scenario.
  el("Emulator_Boot_Count", std::to_string(s.boot_count));
  el("Emulator_DHCP_Server", s.dhcp_server);
  el("Emulator_Lease_Seconds", std::to_string(s.lease_seconds));
  el("Emulator_T1_Seconds", std::to_string(s.t1_seconds));
  el("Emulator_Local_Time", s.local_time);
  el("Emulator_Provisioning_Source", s.provisioning_source);
  el("Emulator_Last_Resync_Status", s.last_resync_status);
  el("Emulator_ACS_URL", s.acs_url);
  el("Emulator_Registration_Expires", std::to_string(s.registration_expires));
  el("Emulator_Calls_Received", std::to_string(s.calls_received));
  el("Emulator_Calls_Answered", std::to_string(s.calls_answered));
  el("Emulator_Last_Call_From", s.last_call_from);
  el("Emulator_Last_SIP_Request", s.last_sip_request);
  el("Emulator_Last_Resync_Reason", s.last_resync_reason);
  out += "</status>\n";
  return out;
}

FormResult applyForm(const VoicePage& page,
                     const std::vector<std::pair<std::string, std::string>>& fields,
                     ConfigStore& config) {
  FormResult r;
  std::vector<std::pair<const ParamDef*, std::string>> updates;
  for (const auto& [name, value] : fields) {
    if (name == "submit") continue;
    const ParamDef* p = findParam(name);
    if (!p || p->page != page.key) {
      r.ignored.push_back(name);
      continue;
    }
    if (p->kind == ParamKind::Password && value == kPasswordMask) continue;  // unchanged
    std::string why = validateParam(*p, value);
    if (!why.empty()) {
      r.error = why;
      return r;
    }
    updates.emplace_back(p, value);
  }
  for (const auto& [p, value] : updates) {
    if (config.get(p->name) == value) continue;
    config.set(p->name, value);
    std::string n(p->name);
    if (std::find(r.changed.begin(), r.changed.end(), n) == r.changed.end()) r.changed.push_back(n);
    if (p->restart) r.restart = true;
  }
  return r;
}

}  // namespace phonelab::emulator
