#pragma once
/// How a DUT is powered: one driver per method of the lab file, behind PowerDriver (labgrid's
/// power drivers). A process in the DUT namespace (driver: emulator or program) is started and
/// stopped; a bench phone (driver: physical) is restarted its lab file's way (power: manual, web
/// or snmp) and left on at the end.

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/core/deadline.h"
#include "base/core/event.h"
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
  /// driver: emulator: the phone's device certificate and its key (PEM), as its factory would
  /// install them; empty = none (the emulator then has no certificate to present).
  std::string device_cert_pem, device_key_pem;
};

/// How a DUT is powered.
class PowerDriver {
 public:
  virtual ~PowerDriver() = default;
  /// A process: start it. A bench phone: restart it so it asks for an address on this segment.
  virtual void on() = 0;
  virtual void off() = 0;
  virtual bool isOn() = 0;
  /// Non-empty if the device died on its own ("emulator exited: killed by SIGSEGV").
  virtual std::string unexpectedExit() = 0;
  /// Evidence files it produced (name -> path).
  virtual std::map<std::string, std::string> evidence() const = 0;
};

/// What power: web asks of the phone itself (the Dut): where it is, and a GET on its admin
/// interface (the HTTP status, or nullopt and why).
struct PhoneAccess {
  std::function<std::string()> address;
  std::function<std::optional<int>(const std::string& target, Deadline deadline, std::string& why)>
      get;
};

/// driver: physical: the phone is on the wire and powered by the bench; there is no process of
/// ours. on() restarts it (each method its own way); off is a no-op (the phone stays on at the
/// end of a scenario).
class BenchPower : public PowerDriver {
 public:
  BenchPower(const LabFile& lab, DutEnv env) : lab_(lab), env_(std::move(env)) {}
  void off() override;
  bool isOn() override { return true; }
  std::string unexpectedExit() override { return ""; }
  std::map<std::string, std::string> evidence() const override { return {}; }

 protected:
  /// "manual", "web" or "snmp".
  std::string method() const;

  const LabFile& lab_;
  DutEnv env_;
};

/// driver: program: the lab file's argv with ${dut.mac}, ${dut.iface} and ${state_dir} replaced.
std::vector<std::string> substituteProgramArgv(const std::vector<std::string>& argv,
                                               const std::string& mac, const std::string& iface,
                                               const std::string& state_dir);

/// driver: emulator or program: the device is a process in the DUT namespace (power_process.cc).
std::unique_ptr<PowerDriver> makeProcessPower(const LabFile& lab, const DutEnv& env);
/// power: manual: prompt the operator, wait (boot timeout) for the DHCP DISCOVER (power_manual.cc).
std::unique_ptr<PowerDriver> makeManualPower(const LabFile& lab, const DutEnv& env);
/// power: web: /admin/reboot at the phone's last known address (power_web.cc).
std::unique_ptr<PowerDriver> makeWebPower(const LabFile& lab, const DutEnv& env, PhoneAccess phone);
/// power: snmp: the PoE port off, off_time, on, then the DHCP DISCOVER (power_snmp.cc).
std::unique_ptr<PowerDriver> makeSnmpPower(const LabFile& lab, const SnmpPower& snmp,
                                           const DutEnv& env);
/// The driver for the lab file's device and, for a bench phone, its power method.
std::unique_ptr<PowerDriver> makePowerDriver(const LabFile& lab, const DutEnv& env,
                                             PhoneAccess phone);

}  // namespace phonelab::dut
