#pragma once
/// The phone's network services after DHCP: DNS resolver, SNTP client, TFTP/HTTP profile fetch
/// (provisioning discovery) and the TR-069 Inform. All sockets are bound to the phone's own
/// address; every wait has a deadline; a malformed answer is logged and ignored, never fatal.

#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "emulator/dhcp_info.h"
#include "emulator/provisioning.h"

namespace boost::asio {
class io_context;
}

namespace phonelab::emulator {

struct ServicesConfig {
  DeviceIdentity id;
  std::string firmware;
  Ip4 own_ip{};
  DhcpInfo info;                         // from the DHCPACK (faults already applied)
  std::string option_order;              // DHCP_Option_To_Use
  std::string profile_rule;              // Profile_Rule
  bool join_domain_without_dot = false;  // fault domain-joined-without-dot
  bool append_domain_always = false;     // fault domain-appended-to-every-name
  ProvisioningFaults prov_faults;
  // Timings (seconds); the defaults are the contract, tests may shorten them.
  double dns_timeout = 2.0;   // per query; 2 tries per server
  double ntp_retry = 10.0;    // SNTP: wait this long for an answer, then ask again
  double tftp_timeout = 3.0;  // per block; 3 retries
  double http_timeout = 10.0;
};

struct ServicesCallbacks {
  /// SNTP answered: the server's time (Unix seconds) at the moment of the call.
  std::function<void(double server_unix)> ntp_synced;
  /// Provisioning discovery chose `source` (ProvisioningChoice::describe()) and is fetching.
  std::function<void(const std::string& source)> provisioning_started;
  /// The fetch finished: `ok` with the profile text in `body`, or not with the reason in `body`.
  std::function<void(const std::string& source, bool ok, const std::string& body)> profile_fetched;
  /// No DHCP option gave a provisioning location.
  std::function<void(const std::string& why)> no_provisioning;
};

class NetServices {
 public:
  NetServices(boost::asio::io_context& io, ServicesConfig config, ServicesCallbacks callbacks);
  ~NetServices();
  NetServices(const NetServices&) = delete;
  NetServices& operator=(const NetServices&) = delete;

  /// Starts SNTP, provisioning discovery and the TR-069 Informs (each once).
  void start();
  /// No callback runs afterwards; pending waits end at their deadlines.
  void stop();
  /// Resolves `host` (a dotted address is used as is) through the option-6 servers, as for the
  /// provisioning names; `done` gets the address, or nullopt and why.
  void resolve(const std::string& host,
               std::function<void(std::optional<Ip4>, const std::string& error)> done);
  /// The same, with every address of the answer (a name with several A records), in its order.
  void resolveAll(const std::string& host,
                  std::function<void(std::vector<Ip4>, const std::string& error)> done);
  /// GET `url` (http:// or tftp://, a host name resolved as above); `done` gets the body, or
  /// not ok and why. Used for files the phone is told to fetch (Custom_CA_Rule).
  void fetch(const std::string& url,
             std::function<void(bool ok, const std::string& body_or_error)> done);
  /// Runs provisioning discovery and the profile fetch again (a SIP NOTIFY check-sync); the
  /// results arrive through the same callbacks as at boot.
  void resync();

  struct Impl;

 private:
  std::shared_ptr<Impl> impl_;
};

}  // namespace phonelab::emulator
