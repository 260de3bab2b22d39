#pragma once
/// Device profiles (lab/devices/*.yaml): map abstract settings (connection_type,
/// line1.auth_invite, ...) to the firmware's flat-profile element names and web-form pages, and
/// state the expected outcome where firmware varies or the vendor's document is silent.
/// Firmware changes should need a profile change, not a code change.

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "base/core/error.h"

namespace phonelab::dut {

struct SettingDef {
  std::string name;     // abstract: "connection_type"
  std::string element;  // flat-profile element: "Connection_Type"
  std::string page;     // page id in AdminPages::pages: "system"
  std::string field;    // web form field name (defaults to element)
  /// abstract value -> firmware value ("static" -> "Static IP"); values not listed pass through.
  std::map<std::string, std::string> values;
  bool restarts = false;  // the phone restarts to apply a change of it
  /// The value (abstract, like a scenario's) a factory-reset phone has; lab file `reset: factory`
  /// sets it back before a bench run. None: the setting is left as found (e.g. the admin
  /// password, which the lab file holds).
  std::optional<std::string> factory;
  /// false: the element name (or its values) is our choice, not a published one, and must be
  /// confirmed on hardware (docs/lab-setup.md); reports and `phonelab validate` list these.
  bool confirmed = true;
  std::string note;
  Mark mark;
};

/// An outcome the vendor's document leaves open, as this profile expects it.
struct ExpectedOutcome {
  std::string name;   // "unlisted_sip_request"
  std::string value;  // "drop"
  bool documented = false;
  std::string note;
};

/// Where the phone's status page shows one abstract status field (base/core/status_fields.h).
struct StatusFieldDef {
  std::string name;     // abstract: "netmask"
  std::string element;  // status.xml element: "Current_Netmask"
  /// false: no public source names the element; confirm it on hardware (docs/lab-setup.md).
  bool confirmed = true;
  std::string note;
  Mark mark;
};

/// How a call to the phone gets answered when a scenario needs it answered (audio_call, sip_call
/// with answer: true). A phone rings until someone picks up; the profile says who does.
struct AnswerMethod {
  /// "auto_answer": the phone answers by itself an INVITE carrying `header` while `setting` is
  /// "yes" (MPP paging/intercom auto-answer). "operator": the person at the bench picks up when
  /// prompted. "" = the profile has no answer section (answered calls cannot run).
  std::string method;
  std::string setting;  // auto_answer: the abstract setting (of `settings`) set to "yes"
  /// "Name: value" added to the INVITE of an answered call (required for auto_answer, optional
  /// for operator); may use scenario variables (${svc.sip}).
  std::string header;
  double timeout = 30;  // operator: how long the person has to pick up, seconds
  /// false: the setting or the header is our choice, not a published one (docs/lab-setup.md).
  bool confirmed = true;
  std::string note;
  Mark mark;
};

struct AdminPages {
  std::map<std::string, std::string> pages;  // page id -> path ("system" -> "/admin/voice/system")
  std::string config_xml = "/admin/cfg.xml";
  std::string status_xml = "/admin/status.xml";
  std::string reboot = "/admin/reboot";
  std::string resync = "/admin/resync";
  /// abstract status field -> its status.xml element. Only the fields mapped here exist for
  /// scenarios: one that needs another is not applicable to this phone.
  std::map<std::string, StatusFieldDef> status_fields;
};

struct DeviceProfile {
  std::string file;
  std::string name;
  std::string vendor;
  std::vector<std::string> models;
  /// The product series number, $PSN in the firmware's Profile_Rule (/$PSN.xml): "8832".
  /// Scenarios name the file a phone asks for as ${dut.psn}.xml.
  std::string psn;
  std::vector<std::string> capabilities;
  AdminPages admin;
  std::map<std::string, SettingDef> settings;
  std::map<std::string, ExpectedOutcome> expect;
  AnswerMethod answer;

  /// nullptr if unknown.
  const SettingDef* setting(const std::string& name) const;
  /// The firmware value for an abstract value of a setting.
  std::string firmwareValue(const SettingDef& s, const std::string& abstract_value) const;
  bool has(const std::string& capability) const;
  /// The UDP/TCP port the phone's line 1 listens on for SIP: `settings`' line1.sip_port (a
  /// scenario's), else the profile's factory value of it, else SIP's default port (RFC 3261
  /// section 19.1.2) for a profile without the setting.
  int sipPort(const std::map<std::string, std::string>& settings) const;
  /// The status.xml element of an abstract status field; nullptr if this profile does not map it.
  const StatusFieldDef* statusField(const std::string& name) const;
};

/// Loads and validates a profile. Throws ConfigError (file:line:col) on any problem.
DeviceProfile loadDeviceProfile(const std::string& path);

}  // namespace phonelab::dut
