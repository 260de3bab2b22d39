#pragma once
/// Makes lab-side peers go silent for the DUT (the spec's "an expected SIP response is not
/// received"): nftables rules in the lab namespace drop what the DUT sends to a silenced address.
///
/// One table of our own, `ip phonelab_silence`, made at the first silence(): a set of silenced
/// addresses and a rule in the input and forward hooks dropping (and counting) IPv4 packets that
/// arrive on the segment interface from the DUT's MAC with a destination in the set. silence()
/// and unsilence() add and delete set elements. The table is deleted when this object goes away
/// (also on error, timeout or Ctrl-C: it lives in the runner's scope), and with the namespace in
/// any case. Every change runs the real `nft` inside the namespace and is an event
/// (`harness.silence` / `harness.unsilence`: to, dropped = packets dropped so far).

#include <set>
#include <string>

#include "base/core/event.h"

namespace phonelab::lab {

class PeerSilencer {
 public:
  /// `dir`: where the ruleset file is written (evidence: silence.nft).
  PeerSilencer(std::string netns, std::string iface, std::string dut_mac, std::string dir,
               EventLog& log);
  /// Deletes the table if it was made. Never throws.
  ~PeerSilencer();
  PeerSilencer(const PeerSilencer&) = delete;
  PeerSilencer& operator=(const PeerSilencer&) = delete;

  /// Drops the DUT's packets to `ip` (dotted IPv4) from now on. Throws Error naming the problem
  /// (not an address, nft failed with its message).
  void silence(const std::string& ip);
  /// Lets them through again. Throws Error if `ip` is not silenced or nft fails.
  void unsilence(const std::string& ip);
  const std::set<std::string>& silenced() const { return silenced_; }
  /// Packets dropped so far (the rules' counters), or -1 if unknown.
  long dropped();

  /// The ruleset the first silence() loads (exposed for tests).
  static std::string ruleset(const std::string& iface, const std::string& dut_mac);

 private:
  std::string nft(const std::vector<std::string>& args, const std::string& what);

  std::string netns_, iface_, mac_, dir_;
  EventLog& log_;
  bool table_ = false;
  std::set<std::string> silenced_;
};

}  // namespace phonelab::lab
