#pragma once
/// The device under test, driven only through what a real phone offers: its admin web UI, its XML
/// pages, and the wire. Only powering differs between an emulator and a bench phone (PowerDriver).
/// Everything the driver learns becomes an event (dut.config, dut.status, dut.power, ...).

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "harness/core/deadline.h"
#include "harness/core/event.h"
#include "harness/dut/lab_file.h"

namespace phonelab::dut {

/// Where this scenario's DUT lives.
struct DutEnv {
  EventLog* log = nullptr;
  std::string dut_ns;                     // namespace of the DUT side (emulator)
  std::string iface;                      // DUT-side interface
  std::string work_dir;                   // scenario folder: emulator state and log go here
  std::string bin_dir;                    // where phone-emulator is looked up
  std::vector<std::string> extra_faults;  // --emulator-fault
  /// driver: physical: where the phone was last seen (an earlier scenario), "" if unknown. Used
  /// until this scenario's own DHCP ACK or ARP says otherwise (power: web reboots it there).
  std::string known_address;
  /// The harness's own network namespace (lab::NetnsHandle), where power: snmp runs snmpset: the
  /// PoE switch is on the management network. -1: the calling thread's namespace.
  int home_netns_fd = -1;
};

/// How a DUT is powered. Emulator: a process in the DUT namespace.
class PowerDriver {
 public:
  virtual ~PowerDriver() = default;
  virtual void on() = 0;
  virtual void off() = 0;
  virtual bool isOn() = 0;
  /// Non-empty if the device died on its own ("emulator exited: killed by SIGSEGV").
  virtual std::string unexpectedExit() = 0;
  /// Evidence files it produced (name -> path).
  virtual std::map<std::string, std::string> evidence() const = 0;
};

/// driver: program: the lab file's argv with ${dut.mac}, ${dut.iface} and ${state_dir} replaced.
std::vector<std::string> substituteProgramArgv(const std::vector<std::string>& argv,
                                               const std::string& mac, const std::string& iface,
                                               const std::string& state_dir);

/// driver: emulator or program: the device is a process in the DUT namespace.
std::unique_ptr<PowerDriver> makeEmulatorPower(const LabFile& lab, const DutEnv& env);
/// driver: physical: a phone on the wire, never a process of ours. It is always on as far as the
/// harness can tell; Dut::powerOn() restarts it the lab file's way (power: web, manual or snmp).
std::unique_ptr<PowerDriver> makePhysicalPower(const LabFile& lab, const DutEnv& env);

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
  PowerDriver& power() { return *power_; }

  /// Waits until the phone is addressed (its DHCP ACK seen, or its static address known) and its
  /// admin interface answers.
  DutResult waitReady(Deadline deadline);
  /// Applies abstract settings through the web UI (Submit All Changes), then waits until the
  /// phone has applied them (restarted if the profile says the setting restarts it).
  DutResult configure(const std::map<std::string, std::string>& settings, Deadline deadline);
  /// /admin/reboot, then waits until the phone is back (uptime restarted).
  DutResult reboot(Deadline deadline);
  /// GET cfg.xml; emits dut.config with every element as a field.
  DutResult fetchConfig(Deadline deadline);
  /// GET status.xml; emits dut.status (identity keys from the profile's status_fields plus every
  /// element).
  DutResult fetchStatus(Deadline deadline);

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
  void physicalPowerOn();
  /// power: snmp: the port off, off_time, the port on, then a wait (boot) for the DHCP DISCOVER.
  void snmpPowerCycle();
  /// snmpset the port OID to value; a dut.power event {state, power: snmp, host, oid, value}.
  /// Throws Error naming the switch, the OID and snmpset's output if it fails.
  void snmpSet(const std::string& state, const std::string& value);

  const LabFile& lab_;
  DutEnv env_;
  std::unique_ptr<PowerDriver> power_;
  bool static_mode_ = false;
  std::string static_ip_;
  std::map<std::string, std::string> identity_;
  /// driver: physical: setting name -> its firmware value before this scenario changed it.
  std::map<std::string, std::string> originals_;
};

}  // namespace phonelab::dut
