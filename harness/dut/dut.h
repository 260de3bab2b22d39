#pragma once
/// The device under test, driven only through what a real phone offers: its admin web UI, its XML
/// pages, and the wire. Only powering differs between an emulator and a bench phone (PowerDriver,
/// harness/dut/power.h).
/// Everything the driver learns becomes an event (dut.config, dut.status, dut.power, ...).

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/core/deadline.h"
#include "base/core/event.h"
#include "harness/dut/lab_file.h"
#include "harness/dut/power.h"

namespace phonelab::dut {

/// driver: physical: for each of `settings` not in `originals` yet, its value in cfg.xml as read
/// before the first change, to be put back at the end of the scenario. A value the phone masks
/// ("*****") is not the setting's value: writing it back would make the asterisks the password.
/// Such a setting is named in `masked` and left as the scenario set it.
void noteOriginalValues(const DeviceProfile& profile,
                        const std::map<std::string, std::string>& settings,
                        const std::map<std::string, std::string>& cfg_xml,
                        std::map<std::string, std::string>& originals,
                        std::vector<std::string>& masked);

/// Result of an action on the DUT: ok, or why not (what the phone did or failed to do).
struct DutResult {
  bool ok = true;
  std::string why;
  static DutResult fail(std::string w) { return {false, std::move(w)}; }
};

class Dut {
 public:
  Dut(const LabFile& lab, DutEnv env);
  ~Dut();

  /// emulator/program: start the process. physical: restart the phone so it asks for an address
  /// on this segment: power: web, /admin/reboot at its last known address (nothing if none is
  /// known: the phone is expected to be asking already); power: manual, prompt the operator and
  /// wait (boot timeout) for its DHCP DISCOVER; power: snmp, switch its PoE port off, wait
  /// off_time, switch it on (snmpset) and wait (boot timeout) for its DHCP DISCOVER. Throws Error
  /// if snmpset fails.
  void powerOn();
  void powerOff();
  /// driver: physical: sets back, through the web UI, the values the settings this scenario
  /// configured had before (read from cfg.xml before the first change). Nothing to do otherwise.
  DutResult restoreSettings(Deadline deadline);
  /// What a failed restoreSettings could not put back (abstract name -> value), else empty.
  const std::map<std::string, std::string>& unrestored() const { return unrestored_; }
  /// Puts back what the scenario before could not (its unrestored()), through the web UI, before
  /// this scenario configures anything. Emits dut.restore.
  DutResult putBack(const std::map<std::string, std::string>& settings, Deadline deadline);
  /// Sets every setting with a factory value in the device profile back to it, through the web
  /// UI, where cfg.xml shows another value (the phone restarts if one of them needs it); verified
  /// like configure. Emits dut.reset {changed, settings}. Not put back at the end of a scenario.
  DutResult resetToFactory(Deadline deadline);
  PowerDriver& power() { return *power_; }

  /// Waits until the phone is addressed (its DHCP ACK seen, or its static address known) and its
  /// admin interface answers. booting false: a phone kept running from an earlier scenario (its
  /// address known from there): only its admin interface. since: the ACK must come at
  /// or after this time of the log (a network started afresh after the scenario began).
  DutResult waitReady(Deadline deadline, bool booting = true, double since = 0);
  /// Applies abstract settings through the web UI (Submit All Changes), waits until the phone has
  /// applied them (restarted if the profile says the setting restarts it), then reads cfg.xml
  /// back: fails, naming each element, when it does not show a submitted value (a value the
  /// firmware masks, all '*', is not compared). Emits dut.configure per page and dut.verify.
  DutResult configure(const std::map<std::string, std::string>& settings, Deadline deadline);
  /// The same through the phone's provisioning instead of its web forms: GET
  /// /admin/resync?<url>, where `url` (http://lab-side/...) serves flatProfile(settings); waits
  /// for the phone to fetch it (an http.request event for its path, status 200), for the restart
  /// a setting needs, and (up to 10 s, a phone may apply it after fetching) until cfg.xml shows
  /// every value. Emits dut.configure (with `url`) and dut.verify.
  DutResult configureByProfile(const std::map<std::string, std::string>& settings,
                               const std::string& url, Deadline deadline);
  /// The flat profile (<flat-profile><Element ua="na">value</Element>...) that sets these
  /// abstract settings, with the device profile's element names and values. nullopt and `why`
  /// for a setting the device profile lacks.
  std::optional<std::string> flatProfile(const std::map<std::string, std::string>& settings,
                                         std::string& why) const;
  /// /admin/reboot, then waits until the phone is back (uptime restarted).
  DutResult reboot(Deadline deadline);
  /// GET cfg.xml; emits dut.config with every element as a field.
  DutResult fetchConfig(Deadline deadline);
  /// GET status.xml; emits dut.status (identity keys from the profile's status_fields plus every
  /// element).
  DutResult fetchStatus(Deadline deadline);

  /// The device profile's answer method operator: the phone rings, so the person at the bench is
  /// asked on the terminal to pick it up within `timeout` seconds (as power: manual asks for a
  /// power cycle). Emits dut.answer {state: prompted, method: operator}. Whether the phone
  /// answered is what the caller sees next: its 200 OK.
  void promptAnswer(double timeout);

  /// The address the harness currently expects the phone at ("" if unknown).
  std::string address() const;
  const std::string& mac() const { return lab_.mac; }
  /// model, mac, firmware, serial as last read from status.xml.
  const std::map<std::string, std::string>& identity() const { return identity_; }

 private:
  struct Page {
    int status = 0;
    std::string body;
  };
  std::optional<Page> admin(const std::string& method, const std::string& target,
                            const std::string& body, Deadline deadline, std::string& why);
  std::optional<std::map<std::string, std::string>> readStatus(Deadline deadline, std::string& why);
  DutResult waitRestarted(Clock::time_point since, Deadline deadline);
  DutResult submit(const std::map<std::string, std::string>& settings, Deadline deadline);
  /// GET and parse cfg.xml; nullopt and `why` ("could not read /admin/cfg.xml <purpose>: ...").
  std::optional<std::map<std::string, std::string>> readConfig(Deadline deadline,
                                                               const std::string& purpose,
                                                               std::string& why);
  /// driver: physical: reads cfg.xml before the first change of each setting (originals_).
  DutResult noteOriginals(const std::map<std::string, std::string>& settings, Deadline deadline);
  /// Reads cfg.xml and compares it with `submitted` (element -> firmware value); until `settle`
  /// it looks again while a value differs. `after` names the change in messages.
  DutResult verifySubmitted(const std::map<std::string, std::string>& submitted, Deadline deadline,
                            Deadline settle, const std::string& after);
  /// Where the phone will be after a change: static or DHCP, and its static address.
  struct Addressing {
    bool is_static = false;
    std::string static_ip;
    void apply(const SettingDef& def, const std::string& firmware_value);
  };
  Addressing addressing() const { return {static_mode_, static_ip_}; }
  /// After a change: where the phone will be (`next`), and if the change restarts it, waits
  /// for it to be back (uptime restarted since `since`); `change` names it in the message.
  DutResult applied(const Addressing& next, bool restarts, Clock::time_point since,
                    Deadline deadline, const std::string& change);

  const LabFile& lab_;
  DutEnv env_;
  std::unique_ptr<PowerDriver> power_;
  bool static_mode_ = false;
  std::string static_ip_;
  std::map<std::string, std::string> identity_;
  /// driver: physical: setting name -> its firmware value before this scenario changed it.
  std::map<std::string, std::string> originals_;
  std::map<std::string, std::string> unrestored_;
  /// driver: physical: settings whose value the phone masked when it was noted (not put back).
  std::vector<std::string> masked_originals_;
};

}  // namespace phonelab::dut
