#pragma once
/// The web UI's pages and the logic of "Submit All Changes", without any networking.

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "emulator/config.h"

namespace phonelab::emulator {

/// What the Info page and status.xml show. status.xml shows the elements the device profiles
/// map (lab/devices/*.yaml admin.status_fields) under those names, and the emulator's own extras
/// (boot count, lease timers, call counters...) only under names starting "Emulator_", which no
/// scenario may read: a real phone has no such fields.
struct PhoneStatus {
  std::string model;
  std::string mac;
  std::string serial;
  std::string firmware;
  std::string connection_type;       // as configured
  std::string ip, netmask, gateway;  // "" when unaddressed
  long uptime_seconds = 0;
  int boot_count = 0;
  // From DHCP and the network services ("" / 0 when unknown).
  std::string dns;                  // Current_DNS: comma list
  std::string domain;               // Domain_Name (option 15)
  std::string ntp_server;           // NTP_Server (the first of option 42)
  long time_offset = 0;             // Time_Offset: seconds (option 2)
  std::string local_time;           // Local_Time: UTC + offset, ISO 8601 with the offset
  bool ntp_synced = false;          // NTP_Synced
  std::string provisioning_source;  // "option 66 tftp://198.18.0.4/8832.xml"
  std::string last_resync_status;   // "Success: ...", "Failed: ...", "Resyncing"
  std::string acs_url;              // ACS_URL: from option 43 / 125 (comma list when both)
  long lease_seconds = 0, t1_seconds = 0;
  std::string dhcp_server;  // DHCP_Server (option 54)
  // SIP (sip_ua_*.cc).
  std::string registration_state = "Not Registered";  // Registered / Failed: <why> / Not Registered
  std::string registered_proxy;                       // ip:port of the registrar that said 200
  long registration_expires = 0;                      // granted expiry (s)
  std::string call_state = "Idle";                    // line 1: Idle / Ringing / Connected
  long calls_received = 0, calls_answered = 0;
  std::string last_call_from;      // URI of the From of the last answered INVITE
  std::string last_sip_request;    // "INVITE from 198.18.0.66"
  std::string last_resync_reason;  // "NOTIFY check-sync from 198.18.0.66", "boot", "/admin/resync"
};

/// Shown instead of a stored password in the web forms; submitting it back leaves the password as
/// it was.
inline constexpr std::string_view kPasswordMask = "********";

/// A voice page: its path ("/admin/voice/system") and page key in the parameter table.
struct VoicePage {
  std::string_view path;
  std::string_view key;
  std::string_view title;
};
const std::vector<VoicePage>& voicePages();
const VoicePage* findVoicePage(std::string_view path);

std::string renderInfoPage(const PhoneStatus& s);
std::string renderAdvancedIndex();
std::string renderVoicePage(const VoicePage& page, const ConfigStore& config);
std::string renderSubmitted(const std::vector<std::string>& changed, bool rebooting);
std::string renderLoginPage(const std::string& message);
std::string renderMessagePage(const std::string& title, const std::string& message);
std::string renderStatusXml(const PhoneStatus& s);

/// The outcome of applying a submitted form to a page.
struct FormResult {
  std::string error;                 // non-empty: rejected, nothing changed (names the field)
  std::vector<std::string> changed;  // names whose value changed
  std::vector<std::string> ignored;  // fields not on this page (logged)
  bool restart = false;              // a changed parameter needs a reboot
};

/// Validates every field of the page present in `fields` and, only if all are valid, stores them
/// in `config`. Fields not on the page are ignored.
FormResult applyForm(const VoicePage& page,
                     const std::vector<std::pair<std::string, std::string>>& fields,
                     ConfigStore& config);

}  // namespace phonelab::emulator
