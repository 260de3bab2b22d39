#pragma once
/// A DHCP server of our own for what Kea will not do: hostile but well-formed offers, malformed
/// answers (every case in each of three positions: as an OFFER, as an ACK to a REQUEST for another
/// server's offer, as an ACK and a NAK to a renewal; see answerMalformed in rogue.cc), NAKs,
/// silence, and an ACK of a renewal with another address. It reads and writes raw frames on the
/// lab interface (AF_PACKET) and answers at once, so it usually beats Kea to the phone; usually,
/// not always (a loaded machine can let Kea win), so no scenario relies on the order.
///
/// Events (source "rogue"):
///   rogue.seen  {type, xid, chaddr, ciaddr, requested_ip, server_id, restarted}  a DISCOVER/
///               REQUEST/...; restarted: "yes" on a DISCOVER (or INIT-REBOOT REQUEST) that starts
///               a new transaction while one the rogue answered with cases or offers (malformed
///               mode) had not ended by a NAK of the rogue's or a renewal: the client dropped it
///   rogue.sent  {case, type, xid, bytes, dst_mac, dst_ip, yiaddr, stage, last}  every frame it
///               sends; case is the malformed case's name, or the mode ("offer", "nak",
///               "ack-other-address", "nak-renewal"; "nak-own-offer": malformed mode withdrawing
///               an offer the client took); stage (malformed mode): offer, ack or renew, the
///               position the case was sent in; last (malformed mode): "yes" for the last case of
///               the list in that position (at renew: its NAK), so every case has been sent once
///               there
///   fake.start {name: rogue-dhcp, mode, iface, address, realtime: yes|no} / fake.stop {name, mode}
///               (source "harness"); realtime: its thread got SCHED_FIFO to win the race with Kea

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "base/core/event.h"
#include "fakes/dhcp/kea.h"

namespace phonelab::fakes {

struct RogueOptions {
  std::string netns;    // lab namespace ("" = the calling thread's)
  std::string iface;    // "lab0"
  std::string address;  // its server identifier and source IP, ${svc.rogue}
  /// offer | malformed | nak | silent | ack-other-address | nak-renewal (NAKs only requests with
  /// ciaddr: renewals and rebinds)
  std::string mode = "malformed";
  std::vector<std::string> cases;  // malformed cases by name; empty = every case
  /// Options of offer mode (and of the well-formed parts of the others), any code: table rows by
  /// their type, other codes as hex. Defaults unless listed: 1 255.255.255.0, 51 3600.
  std::vector<KeaOption> options;
  std::string offer_ip;  // the address it offers / ACKs, e.g. prefix.150
  std::string lab_mac;   // source MAC; "" = the interface's
};

class RogueDhcpServer {
 public:
  /// Validates the options (throws Error naming the problem: unknown mode or case, bad address,
  /// a value the option's type rejects), opens the socket in `netns` and starts answering on a
  /// thread ("phl-rogue", as nobody without capabilities: base/lab/privileges.h).
  RogueDhcpServer(const RogueOptions& o, EventLog& log);
  /// Stops the thread and closes the socket.
  ~RogueDhcpServer();
  RogueDhcpServer(const RogueDhcpServer&) = delete;
  RogueDhcpServer& operator=(const RogueDhcpServer&) = delete;

  /// The malformed cases in the order they are sent: {name, description}.
  static const std::vector<std::pair<std::string, std::string>>& malformedCases();
  static const std::vector<std::string>& modes();

  /// Builds the Ethernet frame of a malformed case answering `request` (a decoded DISCOVER), as
  /// the server sends it. Exposed for tests. Throws Error for an unknown case.
  static std::vector<uint8_t> malformedFrame(const RogueOptions& o, const std::string& name,
                                             const std::vector<uint8_t>& request_payload);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace phonelab::fakes
