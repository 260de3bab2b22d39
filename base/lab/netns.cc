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

const char* kRunDir = "/run/phonelab";
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

/// Process start time (field 22 of /proc/<pid>/stat), or "" if there is no such process.
std::string startTimeOf(int pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  if (!std::getline(in, line)) return "";
  auto close = line.rfind(')');
  if (close == std::string::npos) return "";
  std::istringstream rest(line.substr(close + 1));
  std::string field;
  // After ") " comes field 3 (state); field 22 is the 20th from there.
  for (int i = 3; i <= 22; ++i) {
    if (!(rest >> field)) return "";
  }
  return field;
}

/// The token part of a namespace name of ours, or "" if the name is not ours.
std::string tokenOf(const std::string& ns) {
  static const std::regex re("^phl-([0-9]+x[0-9a-f]{4})-[0-9]+-(lab|dut)$");
  std::smatch m;
  if (!std::regex_match(ns, m, re)) return "";
  return m[1].str();
}

/// Is the run that owns this token still alive (owner file present, pid alive, same start time)?
bool ownerAlive(const std::string& token) {
  std::ifstream in(std::string(kRunDir) + "/" + token + "/owner");
  int pid = 0;
  std::string start;
  if (!(in >> pid >> start) || pid <= 0) return false;
  std::string actual = startTimeOf(pid);
  return !actual.empty() && actual == start;
}

std::vector<int> pidsIn(const std::string& ns) {
  std::vector<int> pids;
  std::istringstream in(ipOutput({"netns", "pids", ns}));
  int pid;
  while (in >> pid) pids.push_back(pid);
  return pids;
}

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

void deleteNs(const std::string& ns) {
  ipCommand({"netns", "del", ns});
}

struct TokenState {
  std::mutex mu;
  int pid = 0;
  std::string token;
};
TokenState& tokenState() {
  static TokenState* s = new TokenState;  // never destroyed: used from atexit
  return *s;
}

void removeOwnRunDir() {
  auto& s = tokenState();
  if (s.pid != ::getpid() || s.token.empty()) return;
  // Our namespaces should all be gone by now (Segments are RAII); if one leaked, a missing owner
  // file makes it stale for the next run's removeStaleNamespaces().
  std::error_code ec;
  fs::remove(fs::path(kRunDir) / s.token / "owner", ec);
  // With what is left in it (a socket or key folder of a fake that did not remove its own), so the
  // watchdog finds nothing to report after a clean exit.
  fs::remove_all(fs::path(kRunDir) / s.token, ec);
}

}  // namespace

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
                 std::strerror(errno));
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
  if (tokenOf(lab_ns_).empty())
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
        deleteNs(lab_ns_);
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
  if (tokenOf(lab_ns_).empty())
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
        deleteNs(*it);
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
      deleteNs(lab_ns_);
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
      deleteNs(ns);  // the veth goes with the namespace
    } catch (const std::exception& e) {
      std::fprintf(stderr, "phonelab: %s\n", e.what());
    }
  }
}

std::string socketPath(const std::string& dir, const std::string& name) {
  std::string path = dir + "/" + name;
  if (path.size() < 100) return path;
  char hash[20];
  std::snprintf(hash, sizeof hash, "%016zx", std::hash<std::string>{}(dir));
  // A folder of its own, so that it can be given to the daemon that makes the socket.
  const std::string folder = std::string(kRunDir) + "/" + runToken() + "/" + hash;
  if (::mkdir(folder.c_str(), 0700) != 0 && errno != EEXIST)
    throw Error(sysError("mkdir " + folder, errno));
  return folder + "/" + name;
}

std::string privateRunDir(const std::string& dir, const std::string& name) {
  char hash[20];
  std::snprintf(hash, sizeof hash, "%016zx", std::hash<std::string>{}(dir));
  const std::string path = std::string(kRunDir) + "/" + runToken() + "/" + hash + "-" + name;
  if (::mkdir(path.c_str(), 0700) != 0 && errno != EEXIST) {
    throw Error(sysError("cannot create " + path, errno));
  }
  struct stat st {};
  if (::lstat(path.c_str(), &st) != 0 || !S_ISDIR(st.st_mode) || st.st_uid != ::geteuid()) {
    throw Error("cannot use " + path + ": not a folder of ours");
  }
  ::chmod(path.c_str(), 0700);
  return path;
}

const std::string& runToken() {
  auto& s = tokenState();
  std::lock_guard lock(s.mu);
  const int pid = ::getpid();
  if (s.pid == pid) return s.token;  // a forked child gets a token of its own

  uint16_t rnd = 0;
  if (::getrandom(&rnd, sizeof rnd, 0) != sizeof rnd) rnd = static_cast<uint16_t>(::time(nullptr));
  char buf[64];
  std::snprintf(buf, sizeof buf, "%dx%04x", pid, rnd);
  std::string token = buf;

  fs::path dir = fs::path(kRunDir) / token;
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) throw Error("cannot create " + dir.string() + ": " + ec.message());
  std::string start = startTimeOf(pid);
  {
    std::ofstream out(dir / "owner.tmp", std::ios::trunc);
    out << pid << ' ' << start << '\n';
    if (!out) throw Error("cannot write " + (dir / "owner.tmp").string());
  }
  fs::rename(dir / "owner.tmp", dir / "owner", ec);
  if (ec) throw Error("cannot write " + (dir / "owner").string() + ": " + ec.message());

  const bool first = s.pid == 0;
  s.pid = pid;
  s.token = token;
  if (first) std::atexit(removeOwnRunDir);
  return s.token;
}

std::vector<std::string> listNamespaces() {
  std::vector<std::string> names;
  std::istringstream in(ipOutput({"netns", "list"}));
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream words(line);
    std::string name;
    if (words >> name) names.push_back(name);
  }
  return names;
}

std::vector<std::string> removeStaleNamespaces() {
  std::vector<std::string> removed;
  std::string errors;
  std::map<std::string, bool> alive;  // token -> owner alive
  std::set<std::string> tokens_with_ns;
  const std::string own = [] {
    auto& s = tokenState();
    std::lock_guard lock(s.mu);
    return s.pid == ::getpid() ? s.token : std::string();
  }();
  for (const auto& ns : listNamespaces()) {
    std::string token = tokenOf(ns);
    if (token.empty()) continue;
    tokens_with_ns.insert(token);
    if (token == own) continue;
    auto it = alive.find(token);
    if (it == alive.end()) it = alive.emplace(token, ownerAlive(token)).first;
    if (it->second) continue;
    // Only phonelab starts anything in phl- namespaces: what runs there is ours to kill.
    try {
      killAllIn(ns);
      deleteNs(ns);
      removed.push_back(ns);
    } catch (const Error& e) {
      // Another run may be cleaning up the same namespace right now.
      auto now = listNamespaces();
      if (std::find(now.begin(), now.end(), ns) != now.end())
        errors += std::string(e.what()) + "; ";
    }
  }
  if (!errors.empty()) throw Error("cannot remove stale namespaces: " + errors);
  // Run folders of dead owners whose namespaces are all gone.
  std::set<std::string> remaining;
  for (const auto& ns : listNamespaces()) {
    std::string token = tokenOf(ns);
    if (!token.empty()) remaining.insert(token);
  }
  std::error_code ec;
  static const std::regex token_re("^[0-9]+x[0-9a-f]{4}$");
  for (const auto& entry : fs::directory_iterator(kRunDir, ec)) {
    std::string token = entry.path().filename().string();
    if (!std::regex_match(token, token_re) || token == own || remaining.count(token)) continue;
    if (ownerAlive(token)) continue;
    std::error_code rm_ec;
    fs::remove_all(entry.path(), rm_ec);
  }
  return removed;
}

std::vector<std::string> ownNamespaces() {
  const std::string prefix = "phl-" + runToken() + "-";
  std::vector<std::string> out;
  for (const auto& ns : listNamespaces()) {
    if (ns.rfind(prefix, 0) == 0) out.push_back(ns);
  }
  return out;
}

std::string currentRunToken() {
  auto& s = tokenState();
  std::lock_guard lock(s.mu);
  return s.pid == ::getpid() ? s.token : std::string();
}

std::vector<int> processesOfRun(const std::string& token) {
  std::vector<int> pids;
  if (token.empty()) return pids;
  const std::string mark = std::string(kRunEnv) + "=" + token;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator("/proc", ec)) {
    const std::string name = entry.path().filename().string();
    if (name.empty() || name.find_first_not_of("0123456789") != std::string::npos) continue;
    const int pid = std::atoi(name.c_str());
    if (pid == ::getpid()) continue;
    std::ifstream in(entry.path() / "environ", std::ios::binary);
    std::string var;
    while (std::getline(in, var, '\0')) {
      if (var == mark) {
        pids.push_back(pid);
        break;
      }
    }
  }
  return pids;
}

namespace {

std::string commOf(int pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/comm");
  std::string comm;
  std::getline(in, comm);
  return comm;
}

/// SIGKILLs the processes marked as run `token` until none is left (bounded); returns them.
std::vector<std::string> killRunProcesses(const std::string& token) {
  std::vector<std::string> killed;
  std::set<int> seen;
  auto deadline = Deadline::in(Seconds(5));
  for (;;) {
    auto pids = processesOfRun(token);
    if (pids.empty() || deadline.expired()) break;
    std::vector<int> pidfds;
    for (int pid : pids) {
      long fd = ::syscall(SYS_pidfd_open, pid, 0);
      if (fd < 0) continue;  // gone already
      const std::string comm = commOf(pid);
      ::syscall(SYS_pidfd_send_signal, static_cast<int>(fd), SIGKILL, nullptr, 0);
      pidfds.push_back(static_cast<int>(fd));
      if (seen.insert(pid).second)
        killed.push_back("process " + std::to_string(pid) + " (" + comm + ")");
    }
    for (int fd : pidfds) {
      pollfd p{fd, POLLIN, 0};
      while (::poll(&p, 1, std::max(0, deadline.remainingMs())) < 0 && errno == EINTR) {
      }
      ::close(fd);
    }
    // A zombie keeps its environment readable until its parent reaps it: stop once only
    // processes that are already dead remain.
    bool live = false;
    for (int pid : processesOfRun(token)) {
      std::ifstream st("/proc/" + std::to_string(pid) + "/stat");
      std::string line;
      std::getline(st, line);
      auto close = line.rfind(')');
      if (close != std::string::npos && close + 2 < line.size() && line[close + 2] != 'Z')
        live = true;
    }
    if (!live) break;
  }
  return killed;
}

}  // namespace

std::vector<std::string> cleanupRun(const std::string& token, std::string& errors) {
  std::vector<std::string> removed;
  if (token.empty()) return removed;
  try {
    removed = killRunProcesses(token);
    for (const auto& ns : listNamespaces()) {
      if (tokenOf(ns) != token) continue;
      try {
        killAllIn(ns);
        deleteNs(ns);
        removed.push_back("namespace " + ns);
      } catch (const Error& e) {
        auto now = listNamespaces();
        if (std::find(now.begin(), now.end(), ns) != now.end())
          errors += std::string(e.what()) + "; ";
      }
    }
  } catch (const std::exception& e) {
    errors += std::string(e.what()) + "; ";
  }
  const fs::path dir = fs::path(kRunDir) / token;
  std::error_code ec;
  if (fs::exists(dir, ec)) {
    fs::remove_all(dir, ec);
    if (ec)
      errors += "cannot remove " + dir.string() + ": " + ec.message() + "; ";
    else
      removed.push_back("run folder " + dir.string());
  }
  return removed;
}

std::vector<std::string> cleanupDeadRuns(std::string& errors) {
  static const std::regex token_re("^[0-9]+x[0-9a-f]{4}$");
  const std::string own = currentRunToken();
  std::set<std::string> tokens;
  try {
    for (const auto& ns : listNamespaces()) {
      std::string token = tokenOf(ns);
      if (!token.empty()) tokens.insert(token);
    }
  } catch (const std::exception& e) {
    errors += std::string(e.what()) + "; ";
  }
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(kRunDir, ec)) {
    std::string token = entry.path().filename().string();
    if (std::regex_match(token, token_re)) tokens.insert(token);
  }
  std::vector<std::string> removed;
  for (const auto& token : tokens) {
    if (token == own || ownerAlive(token)) continue;
    // Without an owner file, the pid in the token may still be a harness starting up (it writes
    // the owner file right after creating the folder): leave a live pid's run alone.
    if (!fs::exists(fs::path(kRunDir) / token / "owner", ec)) {
      const std::string pid = token.substr(0, token.find('x'));
      if (!startTimeOf(std::atoi(pid.c_str())).empty() &&
          commOf(std::atoi(pid.c_str())) == "phonelab")
        continue;
    }
    for (auto& r : cleanupRun(token, errors)) removed.push_back(std::move(r));
  }
  return removed;
}

}  // namespace phonelab::lab
