#pragma once
/// A lab host claims an address on the segment, as a device given the same IP address as the phone
/// would ("some other device on the network is assigned the same IP address", the vendor's words).
///
/// claim() broadcasts a gratuitous ARP (an ARP request whose sender and target address are the
/// claimed one, RFC 5227 2.3 "ARP Announcement") from the second lab host's interface and MAC, so
/// the phone and the capture see it; and from then on the lab side sends what it addresses to that
/// IP to the host's MAC: its neighbour entry for the address is the host's (permanent). The lab's
/// own interface cannot hear the host (a macvlan on it), so this entry is what a router or proxy
/// that believed the announcement would hold. release() deletes the entry: the lab side asks ARP
/// again and the real owner answers. The destructor releases whatever is still claimed. Events
/// `harness.claim` (ip, mac) and `harness.release` (ip).

#include <set>
#include <string>

#include "base/core/event.h"

namespace phonelab::lab {

class AddressClaimer {
 public:
  /// `netns`: the lab namespace; `lab_if`: the segment interface there; `host_if`/`host_mac`: the
  /// second lab host's interface and MAC.
  AddressClaimer(std::string netns, std::string lab_if, std::string host_if, std::string host_mac,
                 EventLog& log);
  /// Releases every claimed address. Never throws.
  ~AddressClaimer();
  AddressClaimer(const AddressClaimer&) = delete;
  AddressClaimer& operator=(const AddressClaimer&) = delete;

  /// Throws Error naming the problem (not an IPv4 address, the frame or `ip neigh` failed).
  void claim(const std::string& ip);
  /// Throws Error if `ip` is not claimed.
  void release(const std::string& ip);
  const std::set<std::string>& claimed() const { return claimed_; }

  /// The 42-byte gratuitous ARP frame (broadcast ARP request, sender = target = ip) from `mac`;
  /// exposed for tests. Empty if ip or mac does not parse.
  static std::string announcement(const std::string& ip, const std::string& mac);

 private:
  void sendAnnouncement(const std::string& ip);
  std::string netns_, lab_if_, host_if_, host_mac_;
  EventLog& log_;
  std::set<std::string> claimed_;
};

}  // namespace phonelab::lab
