#pragma once
/// Preflight of a bench segment (segment: interface): before anything of the harness answers on a
/// real wire, look for what must not be there. It sends DHCP DISCOVERs of its own from a throwaway
/// MAC (broadcast flag set, so any server's OFFER is broadcast back) and listens, promiscuously,
/// for a few seconds: any DHCP server that answers, and any ARP from a MAC other than the phone's
/// (an unknown host on the segment), is a finding. The run must not start if there is one.
/// It sends only on the interface it is given, from the namespace of the calling thread.

#include <string>
#include <vector>

#include "base/core/deadline.h"

namespace phonelab::lab {

struct PreflightOptions {
  std::string iface;      // the bench NIC (or its VLAN sub-interface), in this thread's namespace
  std::string phone_mac;  // lower case; ARP from it is expected
  double listen = 3;      // seconds of listening (DISCOVERs go out once a second meanwhile)
};

struct PreflightFinding {
  std::string kind;     // "dhcp-server" | "unknown-host"
  std::string mac;      // source MAC of what was seen
  std::string ip;       // its address (server identifier / source IP, ARP sender IP)
  std::string details;  // "answered our DISCOVER with an OFFER of 198.18.7.150"
  std::string describe() const;
};

struct PreflightResult {
  std::vector<PreflightFinding> findings;
  int discovers_sent = 0;
  std::string throwaway_mac;  // the MAC our DISCOVERs came from
  bool ok() const { return findings.empty(); }
  /// "2 problems on enp3s0: DHCP server 198.18.7.8 (02:..) answered ...; unknown host ..."
  std::string describe(const std::string& iface) const;
};

/// Runs the preflight (about `listen` seconds; the deadline bounds it too). Throws Error if the
/// interface is missing or the packet socket cannot be opened.
PreflightResult runPreflight(const PreflightOptions& o, Deadline deadline);

}  // namespace phonelab::lab
