#pragma once
/// The trusted DHCP server: a real Kea DHCPv4 (kea-dhcp4) started in the lab namespace with a
/// config written for the scenario, checked with `kea-dhcp4 -t` first, controlled over its unix
/// control socket, stopped by PID.

#include <memory>
#include <string>
#include <vector>

#include "harness/core/event.h"

namespace phonelab::fakes {

struct KeaOptions {
  std::string netns;                     // lab namespace
  std::string iface;                     // "lab0"
  std::string subnet;                    // "198.18.0.0/24"
  std::string pool_from;                 // "198.18.0.100"
  std::string pool_to;                   // "198.18.0.199"
  std::string router;                    // option 3; "" = none
  std::vector<std::string> dns_servers;  // option 6
  std::string domain_name;               // option 15; "" = none
  double lease = 3600;                   // seconds: valid-lifetime (option 51), min = max
  std::string work_dir;  // config, lease file, control socket, pid/lock dirs, kea.log
};

/// The Kea configuration (JSON text) for these options.
std::string keaConfigJson(const KeaOptions& o);

class KeaServer {
 public:
  /// Writes <work_dir>/kea-dhcp4.json, runs `kea-dhcp4 -t` in the namespace (throws Error with
  /// Kea's output if rejected), starts Kea and waits (deadline) until its control socket answers.
  /// Emits "fake.start" {name: kea, pid} into log.
  KeaServer(const KeaOptions& o, EventLog& log);
  /// Stops Kea by PID (SIGTERM, then SIGKILL).
  ~KeaServer();
  KeaServer(const KeaServer&) = delete;
  KeaServer& operator=(const KeaServer&) = delete;

  int pid() const;
  std::string logPath() const;
  std::string configPath() const;
  /// Sends a command over the control socket, returns the JSON response text. Throws Error.
  std::string command(const std::string& json_command);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace phonelab::fakes
