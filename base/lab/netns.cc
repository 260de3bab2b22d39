#include "base/lab/netns.h"

#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>
#include <sstream>

#include "base/core/error.h"
#include "base/lab/spawn.h"

namespace phonelab::lab {
namespace {

namespace fs = std::filesystem;

const Seconds kIpTimeout(10);

std::string ipProgram() {
  static const std::string prog = ::access("/usr/sbin/ip", X_OK) == 0 ? "/usr/sbin/ip" : "ip";
  return prog;
}

std::string joinArgs(const std::vector<std::string>& args) {
  std::string out;
  for (const auto& a : args) out += (out.empty() ? "" : " ") + a;
  return out;
}

std::string trim(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ' || s.back() == '\r')) s.pop_back();
  return s;
}

}  // namespace

/// The token part of a namespace name of ours, or "" if the name is not ours.
std::string namespaceToken(const std::string& ns) {
  static const std::regex re("^phl-([0-9]+x[0-9a-f]{4})-[0-9]+-(lab|dut)$");
  std::smatch m;
  if (!std::regex_match(ns, m, re)) return "";
  return m[1].str();
}

namespace {

std::vector<int> pidsIn(const std::string& ns) {
  std::vector<int> pids;
  std::istringstream in(ipOutput({"netns", "pids", ns}));
  int pid;
  while (in >> pid) pids.push_back(pid);
  return pids;
}

}  // namespace

/// SIGKILLs every process in the namespace and waits (bounded) until they are gone.
void killAllIn(const std::string& ns) {
  std::vector<int> pidfds;
  for (int pid : pidsIn(ns)) {
    if (pid == ::getpid()) continue;
    long fd = ::syscall(SYS_pidfd_open, pid, 0);
    if (fd < 0) continue;  // already gone
    ::syscall(SYS_pidfd_send_signal, static_cast<int>(fd), SIGKILL, nullptr, 0);
    pidfds.push_back(static_cast<int>(fd));
  }
  auto deadline = Deadline::in(Seconds(2));
  for (int fd : pidfds) {
    // A pidfd becomes readable when the process exits (even if nobody reaps it yet).
    pollfd p{fd, POLLIN, 0};
    while (::poll(&p, 1, std::max(0, deadline.remainingMs())) < 0 && errno == EINTR) {
    }
    ::close(fd);
  }
}

void deleteNamespace(const std::string& ns) {
  ipCommand({"netns", "del", ns});
}

std::string ipOutput(const std::vector<std::string>& args) {
  ProcessSpec spec;
  spec.name = "ip";
  spec.argv.push_back(ipProgram());
  spec.argv.insert(spec.argv.end(), args.begin(), args.end());
  auto r = detail::runCaptured(spec, Deadline::in(kIpTimeout), /*merge=*/false);
  RunResult rr{r.status, ""};
  if (!rr.ok()) {
    throw Error("ip " + joinArgs(args) + " failed (" + Process::describeStatus(r.status) +
                "): " + trim(r.err));
  }
  return r.out;
}

void ipCommand(const std::vector<std::string>& args) {
  ipOutput(args);
}

NetnsScope::NetnsScope(const std::string& netns) {
  saved_fd_ = ::open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
  if (saved_fd_ < 0) throw Error(sysError("open /proc/thread-self/ns/net", errno));
  std::string path = "/run/netns/" + netns;
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    int err = errno;
    ::close(saved_fd_);
    throw Error(sysError("open " + path, err));
  }
  if (::setns(fd, CLONE_NEWNET) != 0) {
    int err = errno;
    ::close(fd);
    ::close(saved_fd_);
    throw Error(sysError("setns " + netns, err));
  }
  ::close(fd);
}

NetnsScope::~NetnsScope() {
  if (saved_fd_ < 0) return;
  if (::setns(saved_fd_, CLONE_NEWNET) != 0) {
    // A thread left in a lab namespace would open the next socket in the wrong place.
    std::fprintf(stderr, "phonelab: cannot restore the network namespace: %s\n",
                 errnoText(errno).c_str());
    std::abort();
  }
  ::close(saved_fd_);
}

NetnsHandle::NetnsHandle() {
  fd_ = ::open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
  if (fd_ < 0) throw Error(sysError("open /proc/thread-self/ns/net", errno));
}

NetnsHandle::~NetnsHandle() {
  if (fd_ >= 0) ::close(fd_);
}

namespace {
SegmentAddressing addressing(int lane, const std::string& prefix) {
  SegmentAddressing a;
  a.lane = lane;
  a.prefix = prefix;
  a.lab_ip = a.prefix + ".1";
  a.remote_ip = "198.19." + std::to_string(lane) + ".1";
  a.static_ip = a.prefix + ".20";
  a.pool_from = a.prefix + ".100";
  a.pool_to = a.prefix + ".199";
  a.host_ip = a.prefix + ".200";
  for (const auto& [name, host] :
       std::initializer_list<std::pair<const char*, int>>{{"dns", 2},
                                                          {"ntp", 3},
                                                          {"tftp", 4},
                                                          {"http", 5},
                                                          {"acs", 6},
                                                          {"alt", 7},
                                                          {"rogue", 8},
                                                          {"sip", 10},
                                                          {"hostile", 66}}) {
    a.services[name] = a.prefix + "." + std::to_string(host);
  }
  return a;
}
}  // namespace

SegmentAddressing SegmentAddressing::forLane(int lane) {
  if (lane < 0 || lane > 255) throw Error("lane " + std::to_string(lane) + " is not in 0..255");
  return addressing(lane, "198.18." + std::to_string(lane));
}

SegmentAddressing SegmentAddressing::forSubnet(const std::string& subnet) {
  static const std::regex re("^([0-9]{1,3})\\.([0-9]{1,3})\\.([0-9]{1,3})\\.0/24$");
  std::smatch m;
  if (!std::regex_match(subnet, m, re)) {
    throw Error("subnet '" + subnet + "' is not an IPv4 /24 such as 198.18.7.0/24");
  }
  for (int i = 1; i <= 3; ++i) {
    if (std::stoi(m[i].str()) > 255) throw Error("subnet '" + subnet + "' is not an IPv4 /24");
  }
  return addressing(std::stoi(m[3].str()), m[1].str() + "." + m[2].str() + "." + m[3].str());
}

void Segment::addLabAddresses() {
  const std::string len = std::to_string(addr_.prefix_len);
  ipCommand({"-n", lab_ns_, "addr", "add", addr_.lab_ip + "/" + len, "dev", lab_if_});
  ipCommand({"-n", lab_ns_, "addr", "add", addr_.remote_ip + "/32", "dev", lab_if_});
  for (const auto& [name, ip] : addr_.services) {
    ipCommand({"-n", lab_ns_, "addr", "add", ip + "/" + len, "dev", lab_if_});
  }
  ipCommand({"-n", lab_ns_, "link", "set", lab_if_, "up"});
  ipCommand({"-n", lab_ns_, "link", "set", "lo", "up"});
  auto j = nlohmann::json::parse(ipOutput({"-n", lab_ns_, "-j", "link", "show", lab_if_}));
  lab_mac_ = j.at(0).at("address").get<std::string>();
  addLabHost();
}

void Segment::addLabHost() {
  // The second lab host: a macvlan on the lab interface, so frames to its MAC reach it and the
  // capture on the lab interface sees both directions. Each interface answers ARP only for its
  // own addresses (arp_ignore 1): otherwise the lab interface would answer for the host's address
  // with the lab's MAC. Traffic from the host's address leaves through the host (a rule and a
  // table of its own), so the phone sees it coming from the host's MAC.
  const std::string host_if = "labh";
  ipCommand({"-n", lab_ns_, "link", "add", "link", lab_if_, "name", host_if, "type", "macvlan",
             "mode", "bridge"});
  ipCommand({"netns", "exec", lab_ns_, "sysctl", "-q", "-w",
             "net.ipv4.conf." + lab_if_ + ".arp_ignore=1",
             "net.ipv4.conf." + host_if + ".arp_ignore=1"});
  ipCommand({"-n", lab_ns_, "addr", "add", addr_.host_ip + "/32", "dev", host_if});
  ipCommand({"-n", lab_ns_, "link", "set", host_if, "up"});
  ipCommand({"-n", lab_ns_, "route", "add", addr_.prefix + ".0/" + std::to_string(addr_.prefix_len),
             "dev", host_if, "table", "200"});
  ipCommand({"-n", lab_ns_, "rule", "add", "from", addr_.host_ip, "table", "200"});
  auto j = nlohmann::json::parse(ipOutput({"-n", lab_ns_, "-j", "link", "show", host_if}));
  host_mac_ = j.at(0).at("address").get<std::string>();
}

std::string hostIpv4Addresses(const std::string& iface) {
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(ipOutput({"-j", "addr", "show", "dev", iface}));
  } catch (const std::exception& e) {
    throw Error("the bench NIC " + iface + " (lab file 'interface') is not a network " +
                "interface of this host: " + e.what());
  }
  std::string v4;
  for (const auto& a : j.at(0).value("addr_info", nlohmann::json::array())) {
    if (a.value("family", "") == "inet") {
      v4 += (v4.empty() ? "" : ", ") + a.value("local", "?") + "/" +
            std::to_string(a.value("prefixlen", 0));
    }
  }
  return v4;
}

Segment::Segment(const std::string& run_token, const BenchNic& nic)
    : addr_(SegmentAddressing::forSubnet(nic.subnet)) {
  lab_ns_ = "phl-" + run_token + "-" + std::to_string(addr_.lane) + "-lab";
  if (namespaceToken(lab_ns_).empty())
    throw Error("run token \"" + run_token + "\" does not make a phonelab namespace name");
  // The NIC is the host's: it must be here, and hold no IPv4 address (the host would lose it,
  // and a NIC the host uses is not a bench NIC).
  const std::string v4 = hostIpv4Addresses(nic.iface);
  if (!v4.empty()) {
    throw Error("the bench NIC " + nic.iface + " has IPv4 addresses on the host (" + v4 +
                "): a bench NIC must have no address and no DHCP client (docs/lab-setup.md); "
                "nothing was moved");
  }
  // `ip link set .. netns <id>` takes the namespace of a process (or thread): this thread's, where
  // the NIC is now.
  home_ = std::to_string(::syscall(SYS_gettid));
  const std::string own_ns = home_;
  bool created = false, moved = false;
  try {
    ipCommand({"netns", "add", lab_ns_});
    created = true;
    if (nic.vlan > 0) {
      // A tagged sub-interface on the host's NIC; only it moves, the NIC itself stays (up).
      lab_if_ = "phlv" + std::to_string(nic.vlan);
      ipCommand({"link", "set", nic.iface, "up"});
      try {
        ipCommand({"link", "add", "link", nic.iface, "name", lab_if_, "netns", lab_ns_, "type",
                   "vlan", "id", std::to_string(nic.vlan)});
      } catch (const Error& e) {
        throw Error(std::string(e.what()) +
                    " (a VLAN needs the kernel's 802.1Q support, module 8021q)");
      }
      vlan_ = true;
    } else {
      lab_if_ = nic.iface;
      ipCommand({"link", "set", nic.iface, "netns", lab_ns_});
      moved = true;
    }
    addLabAddresses();
  } catch (const std::exception& e) {
    if (moved) {
      try {
        ipCommand({"-n", lab_ns_, "link", "set", lab_if_, "down"});
        ipCommand({"-n", lab_ns_, "link", "set", lab_if_, "netns", own_ns});
      } catch (...) {
      }
    }
    if (created) {
      try {
        deleteNamespace(lab_ns_);
      } catch (...) {
      }
    }
    throw Error("cannot set up the bench segment on " + nic.iface + ": " + e.what());
  }
}

Segment::Segment(const std::string& run_token, int lane) : addr_(SegmentAddressing::forLane(lane)) {
  const std::string base = "phl-" + run_token + "-" + std::to_string(lane);
  lab_ns_ = base + "-lab";
  dut_ns_ = base + "-dut";
  if (namespaceToken(lab_ns_).empty())
    throw Error("run token \"" + run_token + "\" does not make a phonelab namespace name");

  std::vector<std::string> created;
  try {
    ipCommand({"netns", "add", lab_ns_});
    created.push_back(lab_ns_);
    ipCommand({"netns", "add", dut_ns_});
    created.push_back(dut_ns_);
    ipCommand({"-n", lab_ns_, "link", "add", "lab0", "type", "veth", "peer", "name", "eth0",
               "netns", dut_ns_});
    addLabAddresses();
    ipCommand({"-n", dut_ns_, "link", "set", "lo", "up"});
  } catch (const std::exception& e) {
    for (auto it = created.rbegin(); it != created.rend(); ++it) {
      try {
        killAllIn(*it);
        deleteNamespace(*it);
      } catch (...) {
      }
    }
    throw Error("cannot set up the lab segment " + base + ": " + e.what());
  }
}

Segment::~Segment() {
  if (bench()) {
    try {
      killAllIn(lab_ns_);
    } catch (const std::exception& e) {
      std::fprintf(stderr, "phonelab: %s\n", e.what());
    }
    // A physical NIC would come back when its namespace goes, a veth end would be destroyed with
    // it: move it back explicitly, without the lab's addresses. A VLAN sub-interface is ours.
    try {
      // The second lab host sits on the NIC: it goes first.
      if (!host_mac_.empty()) ipCommand({"-n", lab_ns_, "link", "del", "labh"});
      ipCommand({"-n", lab_ns_, "addr", "flush", "dev", lab_if_});
      ipCommand({"-n", lab_ns_, "link", "set", lab_if_, "down"});
      if (vlan_) {
        ipCommand({"-n", lab_ns_, "link", "del", lab_if_});
      } else {
        ipCommand({"-n", lab_ns_, "link", "set", lab_if_, "netns", home_});
      }
    } catch (const std::exception& e) {
      std::fprintf(stderr, "phonelab: cannot give the bench NIC %s back: %s\n", lab_if_.c_str(),
                   e.what());
    }
    try {
      deleteNamespace(lab_ns_);
    } catch (const std::exception& e) {
      std::fprintf(stderr, "phonelab: %s\n", e.what());
    }
    return;
  }
  for (const auto& ns : {dut_ns_, lab_ns_}) {
    try {
      killAllIn(ns);
    } catch (const std::exception& e) {
      std::fprintf(stderr, "phonelab: %s\n", e.what());
    }
    try {
      deleteNamespace(ns);  // the veth goes with the namespace
    } catch (const std::exception& e) {
      std::fprintf(stderr, "phonelab: %s\n", e.what());
    }
  }
}

}  // namespace phonelab::lab
