#include "harness/dut/lab_file.h"

#include <algorithm>
#include <filesystem>

#include "base/core/deadline.h"
#include "base/core/text.h"
#include "harness/scenario/yaml_reader.h"

namespace phonelab::dut {

using scenario::YamlReader;

namespace {

// The lab file's syntax rules are plain character checks with length caps (no regex engine).
bool isDigit(char c) {
  return c >= '0' && c <= '9';
}
bool isAlnum(char c) {
  return isDigit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}
bool allDigits(const std::string& s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), isDigit);
}

/// 1-15 letters, digits, '-', '_', '.'; not starting with '.' (IFNAMSIZ is 16 with the NUL).
bool validInterface(const std::string& s) {
  if (s.empty() || s.size() > 15 || s[0] == '.') return false;
  return std::all_of(s.begin(), s.end(),
                     [](char c) { return isAlnum(c) || c == '-' || c == '_' || c == '.'; });
}

/// a.b.c.0/24 with each octet 0-255.
bool validSubnet24(const std::string& s) {
  if (s.size() > 18 || s.size() < 10 || s.compare(s.size() - 5, 5, ".0/24") != 0) return false;
  const std::string head = s.substr(0, s.size() - 5);
  size_t start = 0;
  for (int i = 0; i < 3; ++i) {
    size_t dot = i < 2 ? head.find('.', start) : head.size();
    if (dot == std::string::npos) return false;
    const std::string octet = head.substr(start, dot - start);
    if (octet.empty() || octet.size() > 3 || !allDigits(octet) || std::stoi(octet) > 255) {
      return false;
    }
    start = dot + 1;
  }
  return start == head.size() + 1;
}

/// A host name or IPv4 address (letters, digits, '.', '-'; starting and ending with a letter or
/// digit; at most 253 characters), optionally ":port" with port 1-65535.
bool validHostPort(const std::string& s) {
  const size_t colon = s.find(':');
  const std::string host = s.substr(0, colon);
  if (host.empty() || host.size() > 253 || !isAlnum(host.front()) || !isAlnum(host.back())) {
    return false;
  }
  if (!std::all_of(host.begin(), host.end(),
                   [](char c) { return isAlnum(c) || c == '.' || c == '-'; })) {
    return false;
  }
  if (colon == std::string::npos) return true;
  const std::string port = s.substr(colon + 1);
  if (port.empty() || port.size() > 5 || !allDigits(port)) return false;
  const int p = std::stoi(port);
  return p >= 1 && p <= 65535;
}

/// A numeric OID: optional leading '.', then at least two numbers joined by '.'; at most 128
/// sub-identifiers (SNMP's limit) of at most 10 digits.
bool validOid(const std::string& s) {
  if (s.empty() || s.size() > size_t{128} * 11) return false;
  size_t i = s[0] == '.' ? 1 : 0;
  size_t parts = 0;
  for (;;) {
    size_t start = i;
    while (i < s.size() && isDigit(s[i])) ++i;
    if (i == start || i - start > 10) return false;
    ++parts;
    if (i == s.size()) break;
    if (s[i] != '.') return false;
    ++i;
  }
  return parts >= 2 && parts <= 128;
}

/// -?[0-9]{1,10}
bool validInteger(const std::string& s) {
  const std::string digits = !s.empty() && s[0] == '-' ? s.substr(1) : s;
  return digits.size() <= 10 && allDigits(digits);
}

/// Lower-case MAC address: xx:xx:xx:xx:xx:xx with hex digits 0-9a-f.
bool validMac(const std::string& s) {
  if (s.size() != 17) return false;
  for (size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (i % 3 == 2) {
      if (c != ':') return false;
    } else if (!isDigit(c) && !(c >= 'a' && c <= 'f')) {
      return false;
    }
  }
  return true;
}

/// The names inside ${...} in `s` (an unclosed "${" ends the search).
std::vector<std::string> substitutionsIn(const std::string& s) {
  std::vector<std::string> out;
  for (size_t i = s.find("${"); i != std::string::npos; i = s.find("${", i)) {
    const size_t close = s.find('}', i + 2);
    if (close == std::string::npos) break;
    out.push_back(s.substr(i + 2, close - i - 2));
    i = close + 1;
  }
  return out;
}

}  // namespace

bool LabFile::has(const std::string& capability) const {
  if (capability == "audio_loopback") return audio_loopback != "none";
  return profile.has(capability);
}

bool LabFile::linkBounce() const {
  const auto* phys = physical();
  const auto* nic = bench();
  if (!phys || !nic || !phys->link_bounce || nic->vlan != 0) return false;
  auto it = profile.expect.find("link_restored");
  return it != profile.expect.end() && it->second.value == "rediscover";
}

std::string powerName(const PowerMethod& power) {
  if (std::holds_alternative<WebPower>(power)) return "web";
  if (std::holds_alternative<SnmpPower>(power)) return "snmp";
  return "manual";
}

std::string LabFile::driverName() const {
  if (program()) return "program";
  if (physical()) return "physical";
  return "emulator";
}

std::string LabFile::segmentName() const {
  return bench() ? "interface" : "namespaces";
}

LabFile loadLabFile(const std::string& path) {
  YamlReader r(path);
  YAML::Node root = r.loadMap("a lab file");
  LabFile lab;
  lab.file = path;
  // The words of the file, read into the typed segment and device at the end.
  std::string segment = "namespaces";
  InterfaceSegment bench;
  std::string driver = "emulator";
  std::string power = "manual";
  std::string model;
  std::string reset = "none";
  bool link_bounce = true;
  SnmpPower snmp;
  std::vector<std::string> program;
  EmulatorConfig emu;
  r.onlyKeys(root, {"lab", "dut"}, "the lab file");

  YAML::Node l = root["lab"];
  if (!l) {
    r.error(root, "missing required key 'lab'");
  } else if (r.isMap(l, "'lab'")) {
    r.onlyKeys(l, {"name", "description", "segment", "interface", "vlan", "subnet", "isolated"},
               "'lab'");
    lab.name = r.required(l, "name", "'lab'");
    lab.description = r.optional(l, "description", "");
    segment = r.oneOf(l, "segment", {"namespaces", "interface"}, segment);
    if (segment == "interface") {
      bench.interface = r.required(l, "interface", "'lab' (segment: interface names the NIC)");
      if (!bench.interface.empty() && !validInterface(bench.interface)) {
        r.error(l["interface"], "'interface' '" + shorten(bench.interface, 60) +
                                    "' is not a network interface name (1-15 letters, digits, "
                                    "'-', '_', '.')");
      }
      if (YAML::Node v = l["vlan"]; v && !v.IsNull()) {
        std::string vs = v.IsScalar() ? v.Scalar() : "";
        if (vs.size() <= 4 && allDigits(vs)) bench.vlan = std::stoi(vs);
        if (bench.vlan < 1 || bench.vlan > 4094) {
          r.error(v, "'vlan' must be a VLAN id from 1 to 4094");
          bench.vlan = 0;
        }
      }
      bench.subnet = r.required(l, "subnet", "'lab' (segment: interface needs the lab subnet)");
      if (!bench.subnet.empty() && !validSubnet24(bench.subnet)) {
        r.error(l["subnet"], "'subnet' '" + shorten(bench.subnet, 60) +
                                 "' must be an IPv4 /24 network such as 198.18.7.0/24 (the "
                                 "harness numbers its services .1-.66 and the pool .100-.199)");
      }
      // On a real network the harness must be told, not assume, that hostile fakes are safe.
      if (!l["isolated"]) {
        r.error(l,
                "missing required key 'isolated' in 'lab' (segment: interface must say "
                "whether the segment is isolated: true only if nothing but the phone is on it)");
      }
    } else {
      for (const char* key : {"interface", "vlan", "subnet"}) {
        if (l[key]) {
          r.error(l[key], "'" + std::string(key) + "' is only for segment: interface (segment is " +
                              segment + ")");
        }
      }
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
               {"driver", "profile", "mac", "model", "admin", "boot_timeout", "audio_loopback",
                "emulator", "program", "power", "snmp", "reset", "link_bounce"},
               "'dut'");
    driver = r.required(d, "driver", "'dut'");
    const std::vector<std::string> drivers = {"emulator", "program", "physical"};
    if (!driver.empty() && std::find(drivers.begin(), drivers.end(), driver) == drivers.end()) {
      r.error(d["driver"], "driver '" + driver +
                               "' is not supported (supported: emulator, program, physical)" +
                               didYouMean(driver, drivers));
    }
    // A physical phone is on a NIC; a process is started in a namespace the harness creates.
    if (driver == "physical" && segment != "interface") {
      r.error(d["driver"],
              "driver 'physical' needs segment: interface in 'lab' (the NIC the "
              "phone is cabled to); segment is " +
                  segment);
    }
    if ((driver == "emulator" || driver == "program") && segment == "interface") {
      r.error(d["driver"], "driver '" + driver +
                               "' runs the device in a namespace of the harness and needs "
                               "segment: namespaces; a device on a NIC is driver: physical");
    }
    if (driver == "physical") {
      if (!d["power"]) {
        r.error(d,
                "missing required key 'power' in 'dut' (driver: physical: manual, web or "
                "snmp)");
      }
      power = r.oneOf(d, "power", {"manual", "web", "snmp"}, "manual");
      model = r.optional(d, "model", "");
      reset = r.oneOf(d, "reset", {"none", "factory"}, "none");
      link_bounce = r.oneOf(d, "link_bounce", {"true", "false"}, "true") == "true";
    } else {
      for (const char* key : {"power", "snmp", "model", "reset", "link_bounce"}) {
        if (d[key]) {
          r.error(d[key], "'" + std::string(key) + "' is only for driver: physical (driver is " +
                              driver + ")");
        }
      }
    }
    if (YAML::Node sn = d["snmp"]; sn && driver == "physical") {
      if (power != "snmp") {
        r.error(sn, "'snmp' is only used with power: snmp (power is " + power + ")");
      } else if (r.isMap(sn, "'dut.snmp'")) {
        r.onlyKeys(
            sn, {"host", "community", "port_oid", "on_value", "off_value", "timeout", "off_time"},
            "'dut.snmp'");
        snmp.host = r.required(sn, "host", "'dut.snmp'");
        // An IPv4 address or a host name, with an optional UDP port.
        if (!snmp.host.empty() && !validHostPort(snmp.host)) {
          r.error(sn["host"], "'host' '" + shorten(snmp.host, 60) +
                                  "' must be the switch's address or name, optionally with a UDP "
                                  "port (198.51.100.20 or 198.51.100.20:1161)");
        }
        snmp.community = r.required(sn, "community", "'dut.snmp'");
        snmp.port_oid = r.required(sn, "port_oid", "'dut.snmp'");
        if (!snmp.port_oid.empty() && !validOid(snmp.port_oid)) {
          r.error(sn["port_oid"],
                  "'port_oid' '" + shorten(snmp.port_oid, 60) +
                      "' must be a numeric OID such as 1.3.6.1.2.1.105.1.1.1.3.1.7 (at most 128 "
                      "numbers)");
        }
        snmp.on_value = r.optional(sn, "on_value", snmp.on_value);
        snmp.off_value = r.optional(sn, "off_value", snmp.off_value);
        for (const char* key : {"on_value", "off_value"}) {
          const std::string& v = std::string(key) == "on_value" ? snmp.on_value : snmp.off_value;
          if (!validInteger(v)) {
            r.error(sn[key], "'" + std::string(key) + "' '" + shorten(v, 60) +
                                 "' must be an integer (snmpset sets it as INTEGER)");
          }
        }
        snmp.timeout = r.duration(sn, "timeout", snmp.timeout);
        if (sn["timeout"] && snmp.timeout <= 0) {
          r.error(sn["timeout"], "'timeout' must be more than 0s");
        }
        snmp.off_time = r.duration(sn, "off_time", snmp.off_time);
        if (snmp.off_time > 600) {
          r.error(sn["off_time"],
                  "'off_time' must be at most 10m (how long the PoE port stays "
                  "off before it is switched on again)");
        }
      }
    } else if (driver == "physical" && power == "snmp") {
      r.error(d,
              "missing required key 'snmp' in 'dut' (power: snmp needs the switch's host, "
              "community and port_oid)");
    }
    if (driver == "program") {
      if (!d["program"]) {
        r.error(d,
                "missing required key 'program' in 'dut' (driver: program: the argv that "
                "starts the device)");
      }
      program = r.list(d, "program");
      if (d["program"] && d["program"].IsSequence() && program.empty()) {
        r.error(d["program"], "'program' must name at least the program to start");
      }
      const std::vector<std::string> vars = {"dut.mac", "dut.iface", "state_dir"};
      for (size_t i = 0; i < program.size(); ++i) {
        const std::string& arg = program[i];
        for (const std::string& v : substitutionsIn(arg)) {
          if (std::find(vars.begin(), vars.end(), v) == vars.end()) {
            r.error(d["program"][i], "unknown substitution '${" + shorten(v, 60) +
                                         "}' in 'program' (known: ${dut.mac}, ${dut.iface}, "
                                         "${state_dir})" +
                                         didYouMean(v, vars));
          }
        }
      }
    } else if (d["program"]) {
      r.error(d["program"], "'program' is only for driver: program (driver is " + driver + ")");
    }
    if (d["emulator"] && driver != "emulator") {
      r.error(d["emulator"], "'emulator' is only for driver: emulator (driver is " + driver + ")");
    }
    profile_path = r.required(d, "profile", "'dut'");
    profile_node = d["profile"];
    lab.mac = r.required(d, "mac", "'dut'");
    if (!lab.mac.empty() && !validMac(lab.mac)) {
      r.error(d["mac"], "'mac' must be a lower-case MAC address like 02:00:c6:12:00:0a");
    }
    lab.boot_timeout = r.duration(d, "boot_timeout", lab.boot_timeout);
    lab.audio_loopback =
        r.oneOf(d, "audio_loopback", {"emulator", "coupler", "cable", "none"}, lab.audio_loopback);
    if (lab.audio_loopback == "emulator" && driver == "physical") {
      r.error(d["audio_loopback"],
              "'audio_loopback: emulator' is for the emulator; a bench phone "
              "loops audio with a coupler, a cable, or none");
    }
    if (YAML::Node a = d["admin"]; a && r.isMap(a, "'dut.admin'")) {
      r.onlyKeys(a, {"user", "password"}, "'dut.admin'");
      lab.admin_user = r.optional(a, "user", lab.admin_user);
      lab.admin_password = r.optional(a, "password", "");
    }
    if (YAML::Node e = d["emulator"]; e && r.isMap(e, "'dut.emulator'")) {
      r.onlyKeys(
          e, {"program", "model", "serial", "boot_delay", "faults", "tls_refusal", "clock_offset"},
          "'dut.emulator'");
      emu.program = r.optional(e, "program", emu.program);
      emu.model = r.optional(e, "model", emu.model);
      emu.serial = r.optional(e, "serial", emu.serial);
      emu.boot_delay = r.duration(e, "boot_delay", emu.boot_delay);
      emu.faults = r.list(e, "faults");
      emu.tls_refusal = r.oneOf(e, "tls_refusal", {"alert", "close"}, emu.tls_refusal);
      if (YAML::Node c = e["clock_offset"]; c && !c.IsNull()) {
        // A duration (s, ms, m, h) with an optional minus sign, e.g. -9600h: 400 days behind.
        std::string v = c.IsScalar() ? c.Scalar() : "";
        const bool behind = !v.empty() && v[0] == '-';
        double s = 0;
        if (!parseDuration(behind ? v.substr(1) : v, s)) {
          r.error(c,
                  "'clock_offset' must be a duration such as 90s, -2h or 48h (negative: behind)");
        } else {
          emu.clock_offset = behind ? -s : s;
        }
      }
    }
  }
  r.throwIfErrors();
  if (segment == "interface") lab.segment = bench;
  if (driver == "program") {
    lab.device = ProgramDevice{program};
  } else if (driver == "physical") {
    PhysicalDevice phys{model, reset == "factory", ManualPower{}, link_bounce};
    if (power == "web") phys.power = WebPower{};
    if (power == "snmp") phys.power = snmp;
    lab.device = phys;
  } else {
    lab.device = emu;
  }

  namespace fs = std::filesystem;
  fs::path pp = fs::path(path).parent_path() / profile_path;
  if (!fs::exists(pp)) {
    throw ConfigError(r.mark(profile_node), "device profile '" + pp.string() + "' not found");
  }
  lab.profile = loadDeviceProfile(pp.lexically_normal().string());
  if (!model.empty() && std::find(lab.profile.models.begin(), lab.profile.models.end(), model) ==
                            lab.profile.models.end()) {
    std::string list;
    for (const auto& m : lab.profile.models) list += (list.empty() ? "" : ", ") + m;
    throw ConfigError(r.mark(d["model"]), "model '" + model + "' is not one of the models of " +
                                              lab.profile.file + " (" + list + ")" +
                                              didYouMean(model, lab.profile.models));
  }
  return lab;
}

}  // namespace phonelab::dut
