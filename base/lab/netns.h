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
/// The IPv4 addresses the host has on `iface` ("192.0.2.5/24, ..."; "" if none). Throws Error if
/// there is no such interface. A bench NIC must have none.
std::string hostIpv4Addresses(const std::string& iface);
/// Names from `ip netns list`.
std::vector<std::string> listNamespaces();
/// The run token in the name of a namespace of ours (phl-<token>-<lane>-lab|dut), or "" if the
/// name is not ours.
std::string namespaceToken(const std::string& ns);
/// SIGKILLs every process in the namespace and waits (bounded) until they are gone.
void killAllIn(const std::string& ns);
/// `ip netns del ns` (throws Error when it fails).
void deleteNamespace(const std::string& ns);

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

/// An open handle on the network namespace of the thread that made it, closed on destruction. A
/// process can be started there later (ProcessSpec::netns_fd) by a thread that has entered another
/// namespace since: power: snmp runs snmpset in the harness's own namespace (the management
/// network) while the runner's thread lives in the lab namespace.
class NetnsHandle {
 public:
  NetnsHandle();
  ~NetnsHandle();
  NetnsHandle(const NetnsHandle&) = delete;
  NetnsHandle& operator=(const NetnsHandle&) = delete;
  int fd() const { return fd_; }

 private:
  int fd_ = -1;
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
  /// A second lab host on the segment with a MAC of its own (a macvlan on the lab interface):
  /// prefix.200, outside the pool. It stands for a router other than the lab side, or a host the
  /// phone must reach directly or through its router, depending on the mask it was offered.
  std::string host_ip;
  /// Service addresses on the lab side, one per fake, so a check can tell which server the phone
  /// asked: "dns" .2, "ntp" .3, "tftp" .4, "http" .5, "acs" .6, "alt" .7 (a second server of any
  /// kind), "rogue" .8 (the rogue DHCP server), "sip" .10, "hostile" .66.
  std::map<std::string, std::string> services;
  static SegmentAddressing forLane(int lane);
  /// The same plan on a lab file's `subnet:` ("a.b.c.0/24", segment: interface): prefix "a.b.c",
  /// lane c, the off-subnet address 198.19.c.1. Throws Error if it is not such a /24.
  static SegmentAddressing forSubnet(const std::string& subnet);
};

/// A NIC of this host cabled to a phone (segment: interface).
struct BenchNic {
  std::string iface;   // the NIC, in the namespace the harness runs in ("enp3s0")
  int vlan = 0;        // 802.1Q id: a sub-interface on iface is made and moved instead (0: none)
  std::string subnet;  // the lab subnet, a /24
};

/// One lane's segment: created in the constructor, removed in the destructor (RAII).
class Segment {
 public:
  /// Creates both namespaces and the veth pair, brings links up, assigns the lab-side addresses.
  /// run_token should be runToken(): a token without an owner file is stale to other runs.
  /// The destructor SIGKILLs whatever still runs in the two namespaces, then deletes them.
  Segment(const std::string& run_token, int lane);
  /// A bench segment: the NIC (or a VLAN sub-interface made on it) is moved into a lab namespace
  /// phl-<token>-<c>-lab of its own and the subnet's lab addresses are put on it; there is no DUT
  /// namespace (the phone is on the wire). Refuses a NIC that has IPv4 addresses on the host. The
  /// destructor moves the NIC back into the namespace of the thread that made the segment (a VLAN
  /// sub-interface is deleted) before deleting the lab namespace.
  Segment(const std::string& run_token, const BenchNic& nic);
  ~Segment();
  Segment(const Segment&) = delete;
  Segment& operator=(const Segment&) = delete;

  const std::string& labNs() const { return lab_ns_; }
  /// Empty on a bench segment.
  const std::string& dutNs() const { return dut_ns_; }
  /// "lab0", or the bench NIC's name (a VLAN sub-interface: "phlv<id>").
  const std::string& labIf() const { return lab_if_; }
  bool bench() const { return dut_ns_.empty(); }
  std::string dutIf() const { return "eth0"; }
  const SegmentAddressing& addr() const { return addr_; }
  /// MAC of lab0 ("aa:bb:..").
  const std::string& labMac() const { return lab_mac_; }
  /// MAC of the second lab host (SegmentAddressing::host_ip), different from labMac().
  const std::string& hostMac() const { return host_mac_; }
  /// The second lab host's interface in the lab namespace (a macvlan on labIf()).
  std::string hostIf() const { return "labh"; }

 private:
  void addLabAddresses();
  void addLabHost();
  std::string lab_ns_, dut_ns_, lab_mac_, host_mac_, lab_if_ = "lab0";
  bool vlan_ = false;
  std::string home_;  // bench: the thread whose namespace the NIC came from (it goes back there)
  SegmentAddressing addr_;
};

/// A path for a unix socket named `name` that belongs in `dir`: `dir/name` when it fits the
/// kernel's limit on socket paths (108 bytes), else a short path in this run's own folder
/// (/run/phonelab/<token>/<hash>/, a folder of its own, removed with the run), the same for the
/// same dir every time.
std::string socketPath(const std::string& dir, const std::string& name);

/// A folder of this run's own for files that must not be in the report (private keys): in
/// /run/phonelab/<token>/, mode 0700, named after `dir` and `name` (the same for the same
/// arguments), created if missing. The caller removes it when done.
std::string privateRunDir(const std::string& dir, const std::string& name);

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

/// This process's run token if runToken() made one, else "" (never creates one).
std::string currentRunToken();
/// The environment variable every process the harness starts carries (PHONELAB_RUN=<token>):
/// its descendants inherit it, so a run's processes can be found after the harness died, also
/// those that left its namespaces or process groups.
inline constexpr const char* kRunEnv = "PHONELAB_RUN";
/// Pids of processes (other than this one) whose environment says they belong to run `token`.
std::vector<int> processesOfRun(const std::string& token);
/// Takes down what run `token` left: SIGKILLs its processes (by the environment mark and by
/// namespace), deletes its phl-<token>-* namespaces and removes /run/phonelab/<token>. Returns
/// one line per thing removed ("process 123 (kamailio)", "namespace phl-...", "run folder ...").
/// Never throws; what could not be removed is reported in `errors` (appended).
std::vector<std::string> cleanupRun(const std::string& token, std::string& errors);
/// cleanupRun() for every run whose owner is dead (the runs of live harnesses and this process's
/// own run are left alone): what `phonelab cleanup` does.
std::vector<std::string> cleanupDeadRuns(std::string& errors);

}  // namespace phonelab::lab
