// Integration (root): the emulator against Kea and tiny DNS/NTP/TFTP servers of this test, in
// namespaces of its own (phl-<pid>x0-emud-a = lab side, phl-<pid>x0-emud-b = the phone; the pid
// keeps parallel test processes apart). Shows that the
// phone resolves the option-66 name through the option-6 server with the option-15 domain,
// fetches its profile over TFTP and applies it, and sends an SNTP request.

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <future>
#include <iostream>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace {

using namespace std::chrono_literals;
using Bytes = std::vector<uint8_t>;

const std::string kLabNsName = "phl-" + std::to_string(::getpid()) + "x0-emud-a";
const std::string kDutNsName = "phl-" + std::to_string(::getpid()) + "x0-emud-b";
const char* const kLabNs = kLabNsName.c_str();
const char* const kDutNs = kDutNsName.c_str();
constexpr const char* kPrefix = "198.18.251";

std::string ip(int host) {
  return std::string(kPrefix) + "." + std::to_string(host);
}

/// Runs a program to completion (no shell); returns its exit status.
int run(const std::vector<std::string>& argv, bool quiet = true) {
  pid_t pid = ::fork();
  if (pid == 0) {
    if (quiet) {
      int fd = ::open("/dev/null", O_WRONLY);
      ::dup2(fd, 1);
      ::dup2(fd, 2);
    }
    std::vector<char*> a;
    for (auto& s : argv) a.push_back(const_cast<char*>(s.c_str()));
    a.push_back(nullptr);
    ::execvp(a[0], a.data());
    ::_exit(127);
  }
  int st = 0;
  ::waitpid(pid, &st, 0);
  return WIFEXITED(st) ? WEXITSTATUS(st) : 128;
}

void mustRun(const std::vector<std::string>& argv) {
  std::string cmd;
  for (auto& s : argv) cmd += s + " ";
  if (run(argv, false) != 0) throw std::runtime_error("failed: " + cmd);
}

/// A folder under /tmp, removed at the end.
struct TempDir {
  std::string path;
  TempDir() {
    std::string t = "/tmp/phl-emud-XXXXXX";
    if (!::mkdtemp(t.data())) throw std::runtime_error("mkdtemp");
    path = t;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
};

/// The two namespaces and the veth pair; removed (with whatever still runs there) at the end.
struct Namespaces {
  Namespaces() {
    cleanup();
    mustRun({"ip", "netns", "add", kLabNs});
    mustRun({"ip", "netns", "add", kDutNs});
    mustRun({"ip", "-n", kLabNs, "link", "add", "lab0", "type", "veth", "peer", "name", "eth0",
             "netns", kDutNs});
    for (int h = 1; h <= 6; ++h)
      mustRun({"ip", "-n", kLabNs, "addr", "add", ip(h) + "/24", "dev", "lab0"});
    mustRun({"ip", "-n", kLabNs, "link", "set", "lo", "up"});
    mustRun({"ip", "-n", kLabNs, "link", "set", "lab0", "up"});
  }
  ~Namespaces() { cleanup(); }
  static void cleanup() {
    for (const char* ns : {kLabNs, kDutNs}) {
      if (!std::filesystem::exists(std::string("/run/netns/") + ns)) continue;
      // Anything left inside (our children are stopped before this) is killed by PID.
      FILE* p = ::popen((std::string("ip netns pids ") + ns).c_str(), "r");
      if (p) {
        char line[64];
        while (std::fgets(line, sizeof line, p)) {
          int pid = std::atoi(line);
          if (pid > 1) ::kill(pid, SIGKILL);
        }
        ::pclose(p);
      }
      run({"ip", "netns", "del", ns});
    }
  }
};

/// A child process in a namespace (ip netns exec), stopped by PID at the end.
struct Child {
  pid_t pid = -1;
  Child(const std::string& ns, const std::vector<std::string>& argv, const std::string& log,
        const std::map<std::string, std::string>& env = {}) {
    pid = ::fork();
    if (pid == 0) {
      ::prctl(PR_SET_PDEATHSIG, SIGKILL);
      int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
      ::dup2(fd, 1);
      ::dup2(fd, 2);
      for (auto& [k, v] : env) ::setenv(k.c_str(), v.c_str(), 1);
      std::vector<std::string> full{"ip", "netns", "exec", ns};
      full.insert(full.end(), argv.begin(), argv.end());
      std::vector<char*> a;
      for (auto& s : full) a.push_back(const_cast<char*>(s.c_str()));
      a.push_back(nullptr);
      ::execvp(a[0], a.data());
      ::_exit(127);
    }
  }
  bool running() {
    int st = 0;
    return pid > 0 && ::waitpid(pid, &st, WNOHANG) == 0;
  }
  ~Child() {
    if (pid <= 0) return;
    ::kill(pid, SIGTERM);
    for (int i = 0; i < 30; ++i) {
      int st = 0;
      if (::waitpid(pid, &st, WNOHANG) != 0) return;
      std::this_thread::sleep_for(100ms);
    }
    ::kill(pid, SIGKILL);
    int st = 0;
    ::waitpid(pid, &st, 0);
  }
};

/// Enters the lab namespace on the calling thread.
void enterLabNs() {
  int fd = ::open((std::string("/run/netns/") + kLabNs).c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0 || ::setns(fd, CLONE_NEWNET) != 0) throw std::runtime_error("setns");
  ::close(fd);
}

int udpSocket(const std::string& addr, uint16_t port) {
  int s = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  ::inet_pton(AF_INET, addr.c_str(), &a.sin_addr);
  if (::bind(s, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0)
    throw std::runtime_error("bind " + addr + ":" + std::to_string(port));
  return s;
}

std::string addrOf(const sockaddr_in& a) {
  char b[INET_ADDRSTRLEN];
  ::inet_ntop(AF_INET, &a.sin_addr, b, sizeof b);
  return b;
}

/// DNS (.2:53, A records), NTP (.3:123) and TFTP (.4:69, one file) servers on one thread inside
/// the lab namespace. Everything they see is recorded.
class LabServers {
 public:
  std::map<std::string, std::string> a_records;  // name -> address
  std::map<std::string, std::string> files;      // TFTP file name -> content

  void start() {
    std::promise<void> ready;
    auto f = ready.get_future();
    thread_ = std::thread([this, &ready] {
      try {
        enterLabNs();
        dns_ = udpSocket(ip(2), 53);
        ntp_ = udpSocket(ip(3), 123);
        tftp_ = udpSocket(ip(4), 69);
        acs_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_port = htons(80);
        ::inet_pton(AF_INET, ip(6).c_str(), &a.sin_addr);
        if (::bind(acs_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 || ::listen(acs_, 8) != 0)
          throw std::runtime_error("bind acs");
        ready.set_value();
      } catch (...) {
        ready.set_exception(std::current_exception());
        return;
      }
      loop();
    });
    f.get();
  }
  ~LabServers() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
    for (int fd : {dns_, ntp_, tftp_, acs_})
      if (fd >= 0) ::close(fd);
  }

  std::vector<std::string> dnsQueries() {
    std::lock_guard l(mu_);
    return dns_queries_;
  }
  std::vector<std::string> tftpRequests() {
    std::lock_guard l(mu_);
    return tftp_requests_;
  }
  int ntpRequests() { return ntp_requests_; }
  std::vector<std::string> acsRequests() {
    std::lock_guard l(mu_);
    return acs_requests_;
  }
  std::string phoneIp() {
    std::lock_guard l(mu_);
    return phone_ip_;
  }

 private:
  void seen(const sockaddr_in& from) {
    std::lock_guard l(mu_);
    phone_ip_ = addrOf(from);
  }

  void loop() {
    while (!stop_) {
      pollfd p[4] = {{dns_, POLLIN, 0}, {ntp_, POLLIN, 0}, {tftp_, POLLIN, 0}, {acs_, POLLIN, 0}};
      if (::poll(p, 4, 100) <= 0) continue;
      if (p[3].revents & POLLIN) onAcs();
      if (p[0].revents & POLLIN) onDns();
      if (p[1].revents & POLLIN) onNtp();
      if (p[2].revents & POLLIN) onTftp();
    }
  }

  void onDns() {
    uint8_t b[512];
    sockaddr_in from{};
    socklen_t fl = sizeof from;
    ssize_t n = ::recvfrom(dns_, b, sizeof b, 0, reinterpret_cast<sockaddr*>(&from), &fl);
    if (n < 12) return;
    seen(from);
    std::string name;
    size_t i = 12;
    while (i < static_cast<size_t>(n) && b[i] != 0) {
      size_t len = b[i];
      if (i + 1 + len > static_cast<size_t>(n)) return;
      if (!name.empty()) name += '.';
      name.append(reinterpret_cast<char*>(b + i + 1), len);
      i += 1 + len;
    }
    size_t qend = i + 5;  // NUL, type, class
    if (qend > static_cast<size_t>(n)) return;
    {
      std::lock_guard l(mu_);
      dns_queries_.push_back(name);
    }
    Bytes r(b, b + qend);
    r[2] = 0x81;
    r[3] = 0x80;
    auto it = a_records.find(name);
    if (it == a_records.end()) {
      r[3] = 0x83;  // NXDOMAIN
    } else {
      r[7] = 1;
      Bytes rr{0xc0, 12, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 0, 0, 0, 0};
      ::inet_pton(AF_INET, it->second.c_str(), rr.data() + 12);
      r.insert(r.end(), rr.begin(), rr.end());
    }
    ::sendto(dns_, r.data(), r.size(), 0, reinterpret_cast<sockaddr*>(&from), fl);
  }

  /// One HTTP request (headers + Content-Length body, 3 s at most), answered 200 with no body.
  void onAcs() {
    int c = ::accept4(acs_, nullptr, nullptr, SOCK_CLOEXEC);
    if (c < 0) return;
    timeval tv{3, 0};
    ::setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    std::string req;
    char b[4096];
    for (;;) {
      auto hdr_end = req.find("\r\n\r\n");
      if (hdr_end != std::string::npos) {
        auto cl = req.find("Content-Length: ");
        size_t len = cl == std::string::npos ? 0 : std::stoul(req.substr(cl + 16));
        if (req.size() >= hdr_end + 4 + len) break;
      }
      ssize_t n = ::recv(c, b, sizeof b, 0);
      if (n <= 0) break;
      req.append(b, static_cast<size_t>(n));
    }
    std::string res = "HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
    ::send(c, res.data(), res.size(), MSG_NOSIGNAL);
    ::close(c);
    std::lock_guard l(mu_);
    acs_requests_.push_back(req);
  }

  void onNtp() {
    uint8_t b[128];
    sockaddr_in from{};
    socklen_t fl = sizeof from;
    ssize_t n = ::recvfrom(ntp_, b, sizeof b, 0, reinterpret_cast<sockaddr*>(&from), &fl);
    if (n < 48 || (b[0] & 7) != 3) return;
    seen(from);
    ++ntp_requests_;
    Bytes r(48, 0);
    r[0] = 0x24;
    r[1] = 2;
    std::copy(b + 40, b + 48, r.begin() + 24);  // originate = their transmit
    auto now = std::chrono::system_clock::now().time_since_epoch();
    uint64_t secs =
        static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::seconds>(now).count()) +
        2208988800ULL;
    for (int k = 0; k < 4; ++k)
      r[40 + static_cast<size_t>(k)] = static_cast<uint8_t>(secs >> (24 - 8 * k));
    ::sendto(ntp_, r.data(), r.size(), 0, reinterpret_cast<sockaddr*>(&from), fl);
  }

  void onTftp() {
    uint8_t b[600];
    sockaddr_in from{};
    socklen_t fl = sizeof from;
    ssize_t n = ::recvfrom(tftp_, b, sizeof b, 0, reinterpret_cast<sockaddr*>(&from), &fl);
    if (n < 4 || b[0] != 0 || b[1] != 1) return;
    seen(from);
    std::string file(reinterpret_cast<char*>(b + 2),
                     ::strnlen(reinterpret_cast<char*>(b + 2), static_cast<size_t>(n) - 2));
    {
      std::lock_guard l(mu_);
      tftp_requests_.push_back(file);
    }
    int t = udpSocket(ip(4), 0);  // a new transfer ID
    auto it = files.find(file);
    Bytes r;
    if (it == files.end()) {
      r = {0, 5, 0, 1};
      for (char c : std::string("File not found")) r.push_back(static_cast<uint8_t>(c));
      r.push_back(0);
      ::sendto(t, r.data(), r.size(), 0, reinterpret_cast<sockaddr*>(&from), fl);
    } else {
      // Block by block, each ACKed within 2 s (one retransmission per block at most).
      const std::string& body = it->second;
      for (uint16_t block = 1;; ++block) {
        size_t off = (block - 1u) * 512u;
        size_t len = std::min<size_t>(512, body.size() - std::min(off, body.size()));
        r = {0, 3, static_cast<uint8_t>(block >> 8), static_cast<uint8_t>(block)};
        r.insert(r.end(), body.begin() + static_cast<long>(off),
                 body.begin() + static_cast<long>(off + len));
        bool acked = false;
        for (int tries = 0; tries < 2 && !acked; ++tries) {
          ::sendto(t, r.data(), r.size(), 0, reinterpret_cast<sockaddr*>(&from), fl);
          pollfd p{t, POLLIN, 0};
          if (::poll(&p, 1, 2000) <= 0) continue;
          uint8_t a[16];
          ssize_t an = ::recv(t, a, sizeof a, 0);
          acked = an == 4 && a[1] == 4 && (a[2] << 8 | a[3]) == block;
        }
        if (!acked || len < 512) break;
      }
    }
    ::close(t);
  }

  std::thread thread_;
  std::atomic<bool> stop_{false};
  int dns_ = -1, ntp_ = -1, tftp_ = -1, acs_ = -1;
  std::mutex mu_;
  std::vector<std::string> dns_queries_, tftp_requests_, acs_requests_;
  std::atomic<int> ntp_requests_{0};
  std::string phone_ip_;
};

/// GET http://<host><path> from inside the lab namespace (a thread of its own). "" on failure.
std::string httpGet(const std::string& host, const std::string& path) {
  std::string out;
  std::thread t([&] {
    enterLabNs();
    int s = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    timeval tv{2, 0};
    ::setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    ::setsockopt(s, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(80);
    ::inet_pton(AF_INET, host.c_str(), &a.sin_addr);
    if (::connect(s, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0) {
      std::string req =
          "GET " + path + " HTTP/1.1\r\nHost: " + host + "\r\nConnection: close\r\n\r\n";
      ::send(s, req.data(), req.size(), 0);
      char b[4096];
      ssize_t n;
      while ((n = ::recv(s, b, sizeof b, 0)) > 0) out.append(b, static_cast<size_t>(n));
    }
    ::close(s);
  });
  t.join();
  return out;
}

std::string element(const std::string& xml, const std::string& name) {
  auto a = xml.find("<" + name + ">");
  auto b = xml.find("</" + name + ">");
  if (a == std::string::npos || b == std::string::npos) return "<missing>";
  a += name.size() + 2;
  return xml.substr(a, b - a);
}

std::string readFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string keaConfig(const std::string& dir, const std::string& extra_options) {
  return R"({"Dhcp4": {
  "interfaces-config": {"interfaces": ["lab0"], "dhcp-socket-type": "raw",
                        "service-sockets-max-retries": 300, "service-sockets-retry-wait-time": 200},
  "lease-database": {"type": "memfile", "persist": false},
  "valid-lifetime": 600, "min-valid-lifetime": 600, "max-valid-lifetime": 600,
  "subnet4": [{"id": 1, "subnet": ")" +
         ip(0) + R"(/24",
    "pools": [{"pool": ")" +
         ip(100) + " - " + ip(199) + R"("}],
    "option-data": [
      {"name": "routers", "data": ")" +
         ip(1) + R"("},
      {"name": "domain-name-servers", "data": ")" +
         ip(2) + R"("},
      {"name": "domain-name", "data": "lab.example"},
      {"name": "ntp-servers", "data": ")" +
         ip(3) + R"("},
      {"name": "time-offset", "data": "-3600"},
      {"name": "tftp-server-name", "data": "tftp"})" +
         extra_options + R"(
    ]}],
  "loggers": [{"name": "kea-dhcp4", "severity": "INFO",
               "output_options": [{"output": ")" +
         dir + R"(/kea.log"}]}]
}})";
}

class EmuDhcpServicesLab : public ::testing::Test {
 protected:
  void SetUp() override {
    if (::geteuid() != 0) GTEST_SKIP() << "needs root (network namespaces)";
    if (run({"which", "kea-dhcp4"}) != 0) GTEST_SKIP() << "kea-dhcp4 not installed";
  }

  /// Boots the phone with `faults` against Kea and the lab servers; waits until `done` holds for
  /// status.xml or 30 s pass. Returns the last status.xml.
  std::string boot(const std::vector<std::string>& faults,
                   const std::function<bool(const std::string&)>& done,
                   const std::string& extra_options = "") {
    ns_ = std::make_unique<Namespaces>();
    servers_ = std::make_unique<LabServers>();
    servers_->a_records["tftp.lab.example"] = ip(4);
    servers_->a_records["acs.lab.example"] = ip(6);
    servers_->files["8832.xml"] =
        "<flat-profile>\n  <Station_Name ua=\"na\">from-tftp-profile</Station_Name>\n"
        "  <Proxy_1_ ua=\"na\">sip.lab.example</Proxy_1_>\n</flat-profile>\n";
    servers_->start();
    std::vector<std::string> argv{std::string(PHONELAB_BIN_DIR) + "/phone-emulator",
                                  "--iface",
                                  "eth0",
                                  "--mac",
                                  "02:00:c6:12:fb:0a",
                                  "--state-dir",
                                  dir_.path + "/state",
                                  "--boot-delay",
                                  "0.1"};
    for (auto& f : faults) {
      argv.push_back("--fault");
      argv.push_back(f);
    }
    phone_ = std::make_unique<Child>(kDutNs, argv, dir_.path + "/phone.log");
    { std::ofstream(dir_.path + "/kea.json") << keaConfig(dir_.path, extra_options); }
    kea_ = std::make_unique<Child>(
        kLabNs, std::vector<std::string>{"kea-dhcp4", "-c", dir_.path + "/kea.json"},
        dir_.path + "/kea.out",
        std::map<std::string, std::string>{{"KEA_PIDFILE_DIR", dir_.path},
                                           {"KEA_LOCKFILE_DIR", dir_.path}});
    std::string status;
    auto until = std::chrono::steady_clock::now() + 30s;
    while (std::chrono::steady_clock::now() < until) {
      std::this_thread::sleep_for(300ms);
      std::string phone_ip = servers_->phoneIp();
      if (phone_ip.empty()) continue;
      status = httpGet(phone_ip, "/admin/status.xml");
      if (done(status)) break;
    }
    return status;
  }

  void TearDown() override {
    if ((HasFailure() || std::getenv("PHL_EMUD_SHOW_LOGS")) && !dir_.path.empty()) {
      std::cerr << "---- phone.log\n"
                << readFile(dir_.path + "/phone.log") << "---- kea.out\n"
                << readFile(dir_.path + "/kea.out") << readFile(dir_.path + "/kea.log");
    }
    // Reverse order of creation: processes, servers, then the namespaces.
    kea_.reset();
    phone_.reset();
    servers_.reset();
    ns_.reset();
  }

  TempDir dir_;
  std::unique_ptr<Namespaces> ns_;
  std::unique_ptr<LabServers> servers_;
  std::unique_ptr<Child> phone_, kea_;
};

bool provisionedAndSynced(const std::string& s) {
  return element(s, "Emulator_Last_Resync_Status").rfind("Success", 0) == 0 &&
         element(s, "NTP_Synced") == "Yes";
}

TEST_F(EmuDhcpServicesLab, Option66NameViaDnsTftpProfileAndNtp) {
  std::string status = boot({}, provisionedAndSynced);
  ASSERT_TRUE(provisionedAndSynced(status)) << status;
  EXPECT_EQ(element(status, "Current_DNS"), ip(2));
  EXPECT_EQ(element(status, "Domain_Name"), "lab.example");
  EXPECT_EQ(element(status, "NTP_Server"), ip(3));
  EXPECT_EQ(element(status, "Time_Offset"), "-3600");
  EXPECT_EQ(element(status, "Emulator_Provisioning_Source"), "option 66 tftp://tftp/8832.xml");
  EXPECT_EQ(element(status, "Emulator_DHCP_Server"), ip(1));
  EXPECT_EQ(element(status, "Emulator_Lease_Seconds"), "600");
  EXPECT_EQ(element(status, "Emulator_T1_Seconds"), "300");
  EXPECT_NE(element(status, "Emulator_Local_Time").find("-01:00"), std::string::npos) << status;

  // The name was asked with the search domain, of the option-6 server.
  auto q = servers_->dnsQueries();
  EXPECT_NE(std::find(q.begin(), q.end(), "tftp.lab.example"), q.end());
  EXPECT_EQ(servers_->tftpRequests(), (std::vector<std::string>{"8832.xml"}));
  EXPECT_GE(servers_->ntpRequests(), 1);

  std::string cfg = httpGet(servers_->phoneIp(), "/admin/cfg.xml");
  EXPECT_NE(cfg.find("<Station_Name ua=\"na\">from-tftp-profile</Station_Name>"), std::string::npos)
      << cfg;
  EXPECT_NE(cfg.find("<Proxy_1_ ua=\"na\">sip.lab.example</Proxy_1_>"), std::string::npos);
}

TEST_F(EmuDhcpServicesLab, IgnoreOption15QueriesTheBareName) {
  auto failed = [](const std::string& s) {
    return element(s, "Emulator_Last_Resync_Status").rfind("Failed", 0) == 0;
  };
  std::string status = boot({"ignore-option-15"}, failed);
  ASSERT_TRUE(failed(status)) << status;
  EXPECT_EQ(element(status, "Domain_Name"), "");
  auto q = servers_->dnsQueries();
  EXPECT_NE(std::find(q.begin(), q.end(), "tftp"), q.end());
  EXPECT_EQ(std::find(q.begin(), q.end(), "tftp.lab.example"), q.end());
  EXPECT_TRUE(servers_->tftpRequests().empty());
}

TEST_F(EmuDhcpServicesLab, IgnoreOption42SendsNoNtpRequest) {
  std::string status = boot({"ignore-option-42"}, [](const std::string& s) {
    return element(s, "Emulator_Last_Resync_Status").rfind("Success", 0) == 0;
  });
  ASSERT_EQ(element(status, "Emulator_Last_Resync_Status").rfind("Success", 0), 0u) << status;
  std::this_thread::sleep_for(1s);  // an NTP request would have gone out right after the ACK
  EXPECT_EQ(servers_->ntpRequests(), 0);
  EXPECT_EQ(element(status, "NTP_Synced"), "No");
  EXPECT_EQ(element(status, "NTP_Server"), "");
}

std::string hex(const std::string& s) {
  std::string out;
  char b[3];
  for (unsigned char c : s) {
    std::snprintf(b, sizeof b, "%02x", c);
    out += b;
  }
  return out;
}

TEST_F(EmuDhcpServicesLab, Option43InformToTheAcsWithTheNameResolved) {
  // TR-106: sub-option 1 of option 43 carries the ACS URL; the host name goes through DNS.
  const std::string url = "http://acs/cwmp";
  char len[3];
  std::snprintf(len, sizeof len, "%02x", static_cast<unsigned>(url.size()));
  const std::string opt43 = R"(,
      {"code": 43, "csv-format": false, "always-send": true, "data": "01)" +
                            std::string(len) + hex(url) + "\"}";
  auto informed = [this](const std::string& s) {
    return element(s, "Emulator_ACS_URL") == "http://acs/cwmp" && !servers_->acsRequests().empty();
  };
  std::string status = boot({}, informed, opt43);
  ASSERT_TRUE(informed(status)) << status;
  auto reqs = servers_->acsRequests();
  ASSERT_EQ(reqs.size(), 1u);
  const std::string& r = reqs[0];
  EXPECT_EQ(r.rfind("POST /cwmp HTTP/1.1\r\n", 0), 0u) << r;
  for (auto* want : {"<cwmp:Inform>", "<Manufacturer>Cisco</Manufacturer>", "<OUI>0200C6</OUI>",
                     "<ProductClass>CP-8832-3PCC</ProductClass>",
                     "<SerialNumber>FCH2300ABCD</SerialNumber>", "<EventCode>1 BOOT</EventCode>"})
    EXPECT_NE(r.find(want), std::string::npos) << want;
  auto q = servers_->dnsQueries();
  EXPECT_NE(std::find(q.begin(), q.end(), "acs.lab.example"), q.end());
}

}  // namespace
