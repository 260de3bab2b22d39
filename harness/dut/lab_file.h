#pragma once
/// Lab descriptions (lab/*.yaml): which segment, which DUT, how it is powered, its identity and
/// admin credentials, and its device profile. lab/emulated.yaml is the default lab.

#include <string>
#include <vector>

#include "harness/dut/profile.h"

namespace phonelab::dut {

struct EmulatorConfig {
  std::string program = "phone-emulator";  // a bare name is looked up beside the phonelab binary
  std::string model = "CP-8832-3PCC";
  std::string serial = "FCH2300PHL1";
  double boot_delay = 0.3;  // seconds the emulated firmware takes to boot
  std::vector<std::string> faults;
};

struct LabFile {
  std::string file;
  std::string name;
  std::string description;
  std::string segment = "namespaces";  // namespaces: veth between two namespaces (CI)
  bool isolated = true;                // hostile fakes only run on an isolated segment
  // DUT
  std::string driver = "emulator";
  std::string mac;  // the DUT's MAC
  std::string admin_user = "admin";
  std::string admin_password;
  double boot_timeout = 40;  // power-on to addressed and answering its admin interface
  /// How the DUT returns the audio of a lab call: emulator (the emulator loops RTP back),
  /// coupler (an acoustic coupler between speaker and microphone), cable (a loopback cable on the
  /// handset/headset port), none (it cannot: audio scenarios are not applicable).
  std::string audio_loopback = "none";
  DeviceProfile profile;
  EmulatorConfig emulator;

  /// A capability of the DUT in this lab: the device profile's, plus `audio_loopback` when the
  /// lab loops audio back.
  bool has(const std::string& capability) const;
};

/// Loads and validates a lab file and the device profile it names (relative to the lab file).
/// Throws ConfigError with file:line:col on any problem.
LabFile loadLabFile(const std::string& path);

}  // namespace phonelab::dut
