#include "harness/dut/lab_file.h"

#include <filesystem>
#include <regex>

#include "harness/dut/yaml_util.h"

namespace phonelab::dut {

bool LabFile::has(const std::string& capability) const {
  if (capability == "audio_loopback") return audio_loopback != "none";
  return profile.has(capability);
}

LabFile loadLabFile(const std::string& path) {
  YamlReader r(path);
  YAML::Node root = r.load();
  LabFile lab;
  lab.file = path;
  r.throwIfErrors();  // unreadable, empty or not YAML: nothing more to say
  if (!r.isMap(root, "a lab file")) r.throwIfErrors();
  r.onlyKeys(root, {"lab", "dut"}, "the lab file");

  YAML::Node l = root["lab"];
  if (!l) {
    r.error(root, "missing required key 'lab'");
  } else if (r.isMap(l, "'lab'")) {
    r.onlyKeys(l, {"name", "description", "segment", "isolated"}, "'lab'");
    lab.name = r.required(l, "name", "'lab'");
    lab.description = r.optional(l, "description", "");
    lab.segment = r.optional(l, "segment", lab.segment);
    if (lab.segment != "namespaces") {
      r.error(l["segment"],
              "segment '" + lab.segment + "' is not supported yet (supported: namespaces)");
    }
    std::string iso = r.optional(l, "isolated", "true");
    if (iso != "true" && iso != "false") r.error(l["isolated"], "'isolated' must be true or false");
    lab.isolated = iso == "true";
  }

  YAML::Node d = root["dut"];
  std::string profile_path;
  YAML::Node profile_node;
  if (!d) {
    r.error(root, "missing required key 'dut'");
  } else if (r.isMap(d, "'dut'")) {
    r.onlyKeys(d,
               {"driver", "profile", "mac", "admin", "boot_timeout", "audio_loopback", "emulator"},
               "'dut'");
    lab.driver = r.required(d, "driver", "'dut'");
    if (!lab.driver.empty() && lab.driver != "emulator") {
      r.error(d["driver"],
              "driver '" + lab.driver + "' is not supported yet (supported: emulator)");
    }
    profile_path = r.required(d, "profile", "'dut'");
    profile_node = d["profile"];
    lab.mac = r.required(d, "mac", "'dut'");
    static const std::regex mac_re("^[0-9a-f]{2}(:[0-9a-f]{2}){5}$");
    if (!lab.mac.empty() && !std::regex_match(lab.mac, mac_re)) {
      r.error(d["mac"], "'mac' must be a lower-case MAC address like 02:00:c6:12:00:0a");
    }
    lab.boot_timeout = r.duration(d, "boot_timeout", lab.boot_timeout);
    lab.audio_loopback = r.optional(d, "audio_loopback", lab.audio_loopback);
    if (lab.audio_loopback != "emulator" && lab.audio_loopback != "coupler" &&
        lab.audio_loopback != "cable" && lab.audio_loopback != "none") {
      r.error(d["audio_loopback"], "'audio_loopback' is '" + lab.audio_loopback +
                                       "': expected emulator, coupler, cable or none");
    }
    if (YAML::Node a = d["admin"]; a && r.isMap(a, "'dut.admin'")) {
      r.onlyKeys(a, {"user", "password"}, "'dut.admin'");
      lab.admin_user = r.optional(a, "user", lab.admin_user);
      lab.admin_password = r.optional(a, "password", "");
    }
    if (YAML::Node e = d["emulator"]; e && r.isMap(e, "'dut.emulator'")) {
      r.onlyKeys(e, {"program", "model", "serial", "boot_delay", "faults"}, "'dut.emulator'");
      lab.emulator.program = r.optional(e, "program", lab.emulator.program);
      lab.emulator.model = r.optional(e, "model", lab.emulator.model);
      lab.emulator.serial = r.optional(e, "serial", lab.emulator.serial);
      lab.emulator.boot_delay = r.duration(e, "boot_delay", lab.emulator.boot_delay);
      lab.emulator.faults = r.list(e, "faults");
    }
  }
  r.throwIfErrors();

  namespace fs = std::filesystem;
  fs::path pp = fs::path(path).parent_path() / profile_path;
  if (!fs::exists(pp)) {
    throw ConfigError(r.mark(profile_node), "device profile '" + pp.string() + "' not found");
  }
  lab.profile = loadDeviceProfile(pp.lexically_normal().string());
  return lab;
}

}  // namespace phonelab::dut
