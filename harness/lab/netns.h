#pragma once
/// Network namespaces and the lab segment. Each lane gets two namespaces joined by a veth pair:
///   phl-<run>-<lane>-lab  interface "lab0"  198.18.<lane>.1/24 (+ 198.19.<lane>.1/32 off-subnet)
///   phl-<run>-<lane>-dut  interface "eth0"  (the DUT configures it itself)
/// <run> is a token for this harness process; /run/phonelab/<run>/owner records its pid and start
/// time so a later run can tell a stale namespace of ours (owner dead) and remove it.

#include <map>
#include <memory>
#include <string>
#include <vector>

namespace phonelab::lab {

/// Runs `ip` (iproute2) with args; throws Error with its stderr on failure.
void ipCommand(const std::vector<std::string>& args);
/// Same, returning its stdout (e.g. `ip -j link show`, `ip netns pids NAME`).
std::string ipOutput(const std::vector<std::string>& args);
/// Names from `ip netns list`.
std::vector<std::string> listNamespaces();

/// Enters a namespace on this thread for the guard's lifetime (setns), restoring on destruction.
/// Sockets created and processes forked meanwhile live in that namespace.
class NetnsScope {
 public:
  explicit NetnsScope(const std::string& netns);
  ~NetnsScope();
  NetnsScope(const NetnsScope&) = delete;
  NetnsScope& operator=(const NetnsScope&) = delete;

 private:
  int saved_fd_ = -1;
};

/// Addresses of one lane's segment.
struct SegmentAddressing {
  int lane = 0;
  std::string prefix;     // "198.18.<lane>"
  std::string lab_ip;     // prefix.1
  std::string remote_ip;  // "198.19.<lane>.1", off-subnet, on the lab side
  std::string netmask = "255.255.255.0";
  int prefix_len = 24;
  std::string static_ip;  // prefix.20
  std::string pool_from;  // prefix.100
  std::string pool_to;    // prefix.199
  /// Service addresses on the lab side, one per fake, so a check can tell which server the phone
  /// asked: "dns" .2, "ntp" .3, "tftp" .4, "http" .5, "acs" .6, "alt" .7 (a second server of any
  /// kind), "rogue" .8 (the rogue DHCP server), "sip" .10, "hostile" .66.
  std::map<std::string, std::string> services;
  static SegmentAddressing forLane(int lane);
};

/// One lane's segment: created in the constructor, removed in the destructor (RAII).
class Segment {
 public:
  /// Creates both namespaces and the veth pair, brings links up, assigns the lab-side addresses.
  /// run_token should be runToken(): a token without an owner file is stale to other runs.
  /// The destructor SIGKILLs whatever still runs in the two namespaces, then deletes them.
  Segment(const std::string& run_token, int lane);
  ~Segment();
  Segment(const Segment&) = delete;
  Segment& operator=(const Segment&) = delete;

  const std::string& labNs() const { return lab_ns_; }
  const std::string& dutNs() const { return dut_ns_; }
  std::string labIf() const { return "lab0"; }
  std::string dutIf() const { return "eth0"; }
  const SegmentAddressing& addr() const { return addr_; }
  /// MAC of lab0 ("aa:bb:..").
  const std::string& labMac() const { return lab_mac_; }

 private:
  std::string lab_ns_, dut_ns_, lab_mac_;
  SegmentAddressing addr_;
};

/// A path for a unix socket named `name` that belongs in `dir`: `dir/name` when it fits the
/// kernel's limit on socket paths (108 bytes), else a short path in this run's own folder
/// (/run/phonelab/<token>/, removed with the run), the same for the same dir every time.
std::string socketPath(const std::string& dir, const std::string& name);

/// This process's run token ("<pid>x<hex>"), creating /run/phonelab/<token>/owner once (a forked
/// child gets its own token). The owner file is removed at exit.
const std::string& runToken();
/// Removes namespaces (and what runs in them) left by phonelab runs whose owner is dead: names
/// matching ^phl-[0-9]+x[0-9a-f]{4}-[0-9]+-(lab|dut)$ whose /run/phonelab/<token>/owner is missing
/// or names a dead process (or one with another start time). Also removes run folders of dead
/// owners that have no namespace left. Returns the namespace names removed.
std::vector<std::string> removeStaleNamespaces();
/// Names of namespaces that belong to this process.
std::vector<std::string> ownNamespaces();

}  // namespace phonelab::lab
