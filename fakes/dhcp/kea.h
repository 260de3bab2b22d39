#pragma once
/// The trusted DHCP server: a real Kea DHCPv4 (kea-dhcp4) started in the lab namespace with a
/// config written for the scenario, checked with `kea-dhcp4 -t` first, controlled over its unix
/// control socket, stopped by PID.

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "base/core/event.h"

namespace phonelab::fakes {

/// One option a DHCP server (Kea or the rogue) offers, by code from the option table
/// (proto/dhcp_options.h). The value is text as in the scenario ("198.18.0.2, 198.18.0.3",
/// "tftp.lab.example", "01:02:ab"), encoded by the table's type.
struct KeaOption {
  uint8_t code = 0;
  std::string value;
  bool always_send = false;  // send even when the client's parameter request list does not ask
};

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
  /// T1 and T2 (options 58, 59): half and 7/8 of the lease unless `options` lists them. false:
  /// neither is sent unless listed (Kea computes none: calculate-tee-times is off).
  bool send_timers = true;
  /// Options from the table, written per their Kea carriage (native name, option-def, raw hex, or
  /// the subnet's mask and lease timers for 1/51/58/59). An option listed here replaces the
  /// fields above (3 router, 6 dns_servers, 15 domain_name; 51 the lease). Kea sends an option
  /// only when the client's parameter request list asks (1, 3, 6, 15 and the timers always) unless
  /// always_send; 125 is always forced. Kea answers a client that sends its own host name (12)
  /// with that name lower-cased, not with a configured 12.
  std::vector<KeaOption> options;
  /// Send `router` as option 3 (unless `options` lists 3). false: no router at all.
  bool send_router = true;
  std::string work_dir;  // config, lease file, control socket, pid/lock dirs, kea.log
  /// The lease file Kea starts with (memfile CSV, as another KeaServer's leases.csv): a phone
  /// kept running from an earlier scenario renews a lease this server knows. "" = none.
  std::string leases;
  /// The address Kea serves from (iface/address). Kea opens one raw socket per address of the
  /// interface and answers a broadcast once per socket: lab0 carries every service address, so
  /// without this the phone gets a dozen copies of each OFFER/ACK. "" = KeaServer picks the
  /// interface's first address inside `subnet`.
  std::string server_address;
};

/// The Kea configuration (JSON text) for these options. Throws Error naming the option for a value
/// its type rejects, a client-only option (50, 53, 54, 55, 57, 60, 61), an option not in the
/// table, one listed twice, option 1 other than the subnet's mask, or 159 not exactly 4 bytes.
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
  /// Its memfile lease file (every lease it gave, appended as it changes).
  std::string leasesPath() const;
  /// Sends a command over the control socket, returns the JSON response text. Throws Error.
  std::string command(const std::string& json_command);
  /// Stops (false) or resumes (true) answering DHCP, through Kea's dhcp-disable / dhcp-enable
  /// commands; Kea keeps running. For a scenario in which only another server must answer (Kea
  /// reads the wire through raw sockets, so nftables cannot silence it). Throws Error with Kea's
  /// answer unless Kea says it did.
  void setAnswering(bool answering);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace phonelab::fakes
