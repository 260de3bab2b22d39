#pragma once
/// Lab descriptions (lab/*.yaml): which segment, which DUT, how it is powered, its identity and
/// admin credentials, and its device profile. lab/emulated.yaml is the default lab.

#include <string>
#include <variant>
#include <vector>

#include "harness/dut/profile.h"

namespace phonelab::dut {

/// driver: emulator: phone-emulator in the DUT namespace, started with these options.
struct EmulatorConfig {
  std::string program = "phone-emulator";  // a bare name is looked up beside the phonelab binary
  std::string model = "CP-8832-3PCC";
  std::string serial = "FCH2300PHL1";
  double boot_delay = 0.3;  // seconds the emulated firmware takes to boot
  std::vector<std::string> faults;
  /// How it refuses a bad TLS server certificate: "alert" or "close" (no alert; both correct).
  std::string tls_refusal = "alert";
  /// Seconds its clock is off until NTP sets it (negative: behind).
  double clock_offset = 0;
};

/// driver: program: any program started in the DUT namespace as the device.
struct ProgramDevice {
  std::vector<std::string> argv;  // with ${dut.mac} ${dut.iface} ${state_dir}
};

/// power: manual: the harness asks the operator and waits for the phone's DHCP DISCOVER.
struct ManualPower {};
/// power: web: the phone's own /admin/reboot at its last known address.
struct WebPower {};

/// A PoE switch port that powers the phone (power: snmp): the port is switched off and on with
/// net-snmp's `snmpset` (SNMPv2c, an INTEGER value on the port's OID).
/// snmpset runs in the harness's own network namespace (the switch is on the management network,
/// not on the lab segment).
struct SnmpPower {
  std::string host;             // the switch's address or name, optionally ":port" (default 161)
  std::string community;        // SNMPv2c write community
  std::string port_oid;         // e.g. pethPsePortAdminEnable.1.7 = 1.3.6.1.2.1.105.1.1.1.3.1.7
  std::string on_value = "1";   // an INTEGER
  std::string off_value = "2";  // an INTEGER
  double timeout = 5;           // snmpset -t: one request's timeout (one retry: -r 1)
  double off_time = 3;          // how long the port stays off before it is switched on again
  /// snmpset's agent argument: "udp:host:port" for "host:port", else "udp:host" (port 161).
  std::string agent() const { return "udp:" + host; }
};

/// How a bench phone is power cycled.
using PowerMethod = std::variant<ManualPower, WebPower, SnmpPower>;
/// "manual", "web" or "snmp": the lab file's word for it.
std::string powerName(const PowerMethod& power);

/// driver: physical: a real phone on the bench interface.
struct PhysicalDevice {
  std::string model;  // the model the phone must report ("" = any of the profile's)
  /// reset: factory: before the first scenario of a run, every setting with a factory value in
  /// the device profile that differs on the phone is set back to it (a known start); reset: none
  /// (false): the phone is taken as found.
  bool factory_reset = false;
  PowerMethod power;
  /// link_bounce: in a planned run the harness may take its NIC down and up so that the phone
  /// starts its network afresh (a DHCP DISCOVER) without a boot, where the device profile says
  /// the phone does (expect.link_restored: rediscover). Needs the phone on the NIC's own link
  /// (cabled to it, or through a PoE injector), untagged: a switch in between keeps the phone's
  /// link up. The harness boots the phone when no DISCOVER follows.
  bool link_bounce = true;
};

/// The device under test: the lab file's `driver` and what belongs to it.
using Device = std::variant<EmulatorConfig, ProgramDevice, PhysicalDevice>;

/// segment: namespaces: veth between two namespaces the harness creates (CI, the emulator).
struct NamespacesSegment {};
/// segment: interface: a NIC of this host, cabled to the phone (a bench), moved into a namespace
/// of the harness for the run.
struct InterfaceSegment {
  std::string interface;  // the NIC ("enp3s0")
  int vlan = 0;           // 802.1Q VLAN id on that NIC (0: untagged)
  std::string subnet;     // the lab subnet, a /24 ("198.18.7.0/24")
};
using Segment = std::variant<NamespacesSegment, InterfaceSegment>;

struct LabFile {
  std::string file;
  std::string name;
  std::string description;
  Segment segment;
  bool isolated = true;  // hostile fakes only run on an isolated segment
  Device device;
  std::string mac;  // the DUT's MAC
  std::string admin_user = "admin";
  std::string admin_password;
  double boot_timeout = 40;  // power-on to addressed and answering its admin interface
  /// How the DUT returns the audio of a lab call: emulator (the emulator loops RTP back),
  /// coupler (an acoustic coupler between speaker and microphone), cable (a loopback cable on the
  /// handset/headset port), none (it cannot: audio scenarios are not applicable).
  std::string audio_loopback = "none";
  DeviceProfile profile;

  /// The bench NIC (segment: interface), else null.
  const InterfaceSegment* bench() const { return std::get_if<InterfaceSegment>(&segment); }
  const EmulatorConfig* emulator() const { return std::get_if<EmulatorConfig>(&device); }
  const ProgramDevice* program() const { return std::get_if<ProgramDevice>(&device); }
  const PhysicalDevice* physical() const { return std::get_if<PhysicalDevice>(&device); }
  /// The lab file's words: "emulator", "program" or "physical"; "namespaces" or "interface".
  std::string driverName() const;
  std::string segmentName() const;

  /// A planned run may make the phone start its network by taking the bench NIC down and up
  /// (link_bounce, untagged, the profile's expect.link_restored is rediscover).
  bool linkBounce() const;

  /// A capability of the DUT in this lab: the device profile's, plus `audio_loopback` when the
  /// lab loops audio back.
  bool has(const std::string& capability) const;
};

/// Loads and validates a lab file and the device profile it names (relative to the lab file).
/// Throws ConfigError with file:line:col on any problem.
LabFile loadLabFile(const std::string& path);

}  // namespace phonelab::dut
