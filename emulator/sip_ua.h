#pragma once
/// The phone's SIP user agent over UDP, or TLS to the proxy (line 1): registration with digest
/// auth, Restricted Access Domains, incoming calls (they ring; answered when someone picks up, or
/// by auto-answer when Auto_Answer_Page is Yes and the INVITE asks for it), Auth INVITE, NOTIFY
/// check-sync, and the DHCP renewal when a request of ours times out. Every wait has a deadline;
/// malformed SIP is logged and dropped, never answered. The decisions live in sip_logic.h.

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>

#include "base/proto/dhcp.h"
#include "emulator/config.h"
#include "emulator/faults.h"
#include "emulator/pages.h"
#include "emulator/sip_logic.h"

namespace boost::asio {
class io_context;
}

namespace phonelab::emulator {

struct SipUaConfig {
  proto::dhcp::Ip4 own_ip{};
  std::string product = "CP-8832-3PCC";
  // Timings (seconds); the defaults are the contract, tests may shorten them.
  double t1 = 0.5;                    // RFC 3261 T1: first retransmission
  double t2 = 4.0;                    // retransmission cap
  double transaction_timeout = 32.0;  // 64*T1
  /// A call nobody answers and the caller does not CANCEL stops ringing after this (480).
  double ring_timeout = 180.0;
  double retry_after = 30.0;  // a failed/timed-out registration is tried again after this
  double config_poll = 1.0;   // how often Restricted_Access_Domains / Proxy_1_... are re-read
  /// How a server certificate is refused: "alert" (a fatal TLS alert) or "close" (the TCP
  /// connection is closed without an alert).
  std::string tls_refusal = "alert";
  /// The phone's device certificate and key (PEM files, "" = none), presented when a TLS server
  /// asks for a client certificate.
  std::string device_cert_file, device_key_file;
};

struct SipUaHooks {
  using Resolved = std::function<void(std::optional<proto::dhcp::Ip4>, const std::string& error)>;
  /// Name -> address through the phone's DNS client (option 6).
  std::function<void(const std::string& host, Resolved done)> resolve;
  /// DHCP renewal now (unset with a static address: nothing to renew).
  std::function<void(std::function<void(DhcpRenewOutcome)> done)> renew_dhcp;
  std::function<void(const std::string& why)> reboot;
  /// The firmware crashed in the UA (fault crash-on-long-header): the UA has halted (it sends and
  /// handles nothing more) and the phone's watchdog restarts it.
  std::function<void(const std::string& why)> crash;
  /// NOTIFY check-sync: fetch the profile again; `reason` goes to Last_Resync_Reason.
  std::function<void(const std::string& reason)> resync;
  /// GET a URL the settings name (Custom_CA_Rule: the CA list for SIP over TLS); unset = none.
  std::function<void(const std::string& url, std::function<void(bool ok, const std::string&)>)>
      fetch;
  /// The phone's clock (Unix seconds) and whether NTP set it: certificates are checked against
  /// it. Unset = the host's clock.
  std::function<std::pair<double, bool>()> clock;
};

class SipUa {
 public:
  SipUa(boost::asio::io_context& io, const ConfigStore& config, const Faults& faults, SipUaConfig c,
        SipUaHooks hooks);
  ~SipUa();
  SipUa(const SipUa&) = delete;
  SipUa& operator=(const SipUa&) = delete;

  /// Binds UDP own_ip:SIP_Port_1_, resolves Restricted_Access_Domains, registers. Never throws:
  /// a bind failure is logged and the UA stays down.
  void start();
  /// Cancels every timer and closes the socket; no hook runs afterwards.
  void stop();
  /// The answer key: someone picks up the ringing call (200 OK with SDP, audio loopback).
  /// Nothing when no call rings.
  void pickUp();
  /// Copies the SIP fields of status.xml.
  void fillStatus(PhoneStatus& s) const;

  struct Impl;

 private:
  std::shared_ptr<Impl> impl_;
};

}  // namespace phonelab::emulator
