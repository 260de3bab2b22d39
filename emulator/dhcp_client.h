#pragma once
/// The phone's DHCPv4 client (RFC 2131): DISCOVER/OFFER/REQUEST/ACK, renewal at T1 (unicast),
/// rebinding at T2 (broadcast), restart on NAK or expiry. All DHCP traffic goes through an
/// AF_PACKET socket with frames built by hand, so it works while the interface has no address. It
/// does not touch the interface itself: the callbacks do.

#include <cstdint>
#include <functional>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "base/proto/dhcp.h"
#include "emulator/dhcp_info.h"

namespace boost::asio {
class io_context;
}

namespace phonelab::emulator {

using proto::dhcp::Ip4;
using proto::dhcp::Mac;

struct DhcpLease {
  Ip4 address{};
  Ip4 netmask{};
  Ip4 router{};  // 0.0.0.0 when the server gave none
  Ip4 server{};  // server identifier (option 54)
  std::vector<Ip4> dns;
  uint32_t lease_seconds = 0;  // 0xffffffff = infinite
  uint32_t t1_seconds = 0, t2_seconds = 0;
  /// Every supported option of the ACK, decoded (ignored and malformed ones left empty).
  DhcpInfo info;
};

struct DhcpClientConfig {
  std::string iface;
  int ifindex = 0;
  Mac mac{};
  std::string vendor_class;  // option 60
  std::string hostname;      // option 12
  /// Retransmission: first retry after this many seconds, doubling up to 64 (RFC 2131: 4).
  double first_retry_seconds = 4.0;
  /// renewNow(): REQUEST retried every 2 s; no answer within this many seconds = Timeout.
  double renew_now_timeout = 8.0;

  // Faults (see faults.cc), set by the phone.
  std::set<uint8_t> ignore_options;   // ignore-option-N: treated as absent
  bool router_from_server = false;    // ignore-option-3: the server identifier is the router
  bool renew_late = false;            // renew-late: renew at T1 + 50% of T1
  bool renew_at_t2 = false;           // renew-at-t2: the T1 timer is armed with T2
  bool lease_in_ms = false;           // lease-in-ms: lease, T1, T2 taken as milliseconds
  bool no_rebind = false;             // no-rebind: unicast renewals only, up to expiry
  bool t2_three_quarters = false;     // rebind-at-three-quarters: default T2 = 3/4 of the lease
  bool keep_after_expiry = false;     // keep-address-after-expiry: `lost` not run at expiry
  bool ack_from_any_server = false;   // ack-from-any-server: RENEWING takes any server's ACK/NAK
  bool nak_from_any_server = false;   // nak-from-any-server: the server is checked on ACKs only
  bool renew_now_any_server = false;  // sip-timeout-renewal-any-server: renewNow() unchecked
  bool no_renew = false;              // no-renew: no RENEWING/REBINDING, DISCOVER at expiry
  bool crash_on_malformed = false;    // crash-on-malformed-option: a bad option length crashes
  bool crash_on_malformed_renewal = false;  // crash-on-malformed-renewal: the same, renewing only
  bool crash_on_overloaded_offer =
      false;  // crash-on-overloaded-offer: sname/file walker, selecting
  bool ack_from_unselected_server = false;  // ack-from-unselected-server: REQUESTING takes any ACK
  bool ntp_from_option_4 = false;           // ntp-from-option-4: NTP servers from option 4
  bool vendor_class_discover_only = false;  // vendor-class-discover-only: no 60 in REQUEST
  bool arp_conflict_drops_lease = false;    // arp-conflict-drops-lease: ARP conflict = DISCOVER
  DecodeFaults decode_faults;               // option-43/125/150/159 decoder faults
};

struct DhcpCallbacks {
  /// A new address is ours (first ACK after DISCOVER): configure it.
  std::function<void(const DhcpLease&)> bound;
  /// The same address was extended by a renewal or rebinding.
  std::function<void(const DhcpLease&)> renewed;
  /// The address must go (NAK, lease expired); the client restarts from DISCOVER by itself.
  std::function<void(const std::string& why)> lost;
  /// A renewal was answered with another address: the phone resets (the spec's "Otherwise, the
  /// phone resets to try to fix the issue").
  std::function<void(const std::string& why)> reset;
  /// The firmware crashed in the client (fault crash-on-malformed-option): the client has halted
  /// (it sends and handles nothing more) and the phone's watchdog restarts it.
  std::function<void(const std::string& why)> crash;
};

/// The result of DhcpClient::renewNow().
enum class DhcpRenewResult {
  SameAddress,  // ACK with our address: the lease is extended (the `renewed` callback also runs)
  Changed,      // ACK with another address
  Nak,          // DHCPNAK
  Timeout,      // no answer in time, or no lease to renew
};

class DhcpClient {
 public:
  DhcpClient(boost::asio::io_context& io, DhcpClientConfig config, DhcpCallbacks callbacks);
  ~DhcpClient();
  DhcpClient(const DhcpClient&) = delete;
  DhcpClient& operator=(const DhcpClient&) = delete;

  /// Opens the sockets and sends the first DISCOVER. Throws phonelab::Error.
  void start();
  /// Cancels every timer and closes the sockets. No callback runs afterwards.
  void stop();
  /// Renews now, as at T1 (unicast REQUEST with ciaddr to the server). The result goes to `done`
  /// only: a NAK or an ACK with another address does NOT run `lost`/`reset` and leaves the lease
  /// as it was (the caller decides whether to reset). Normal T1/T2 timers resume afterwards.
  void renewNow(std::function<void(DhcpRenewResult)> done);

  struct Impl;

 private:
  std::shared_ptr<Impl> impl_;
};

/// The DISCOVER / REQUEST messages as the client sends them (exposed for tests).
proto::dhcp::Message makeClientMessage(const DhcpClientConfig& c, proto::dhcp::MessageType type,
                                       uint32_t xid, uint16_t secs);

}  // namespace phonelab::emulator
