// power: snmp on a bench (driver: physical): the phone's PoE port switched off and on with
// net-snmp's snmpset. The PoE switch is a real snmpd the test starts itself on 127.0.0.1 (its own
// config, no system config), whose port OID is served by a `pass` script that records every value
// set on it. A thread of the test watches that record and does what the switch would: on the off
// value it stops the phone (phone-emulator, which the test runs on its side of the wire, as in
// bench_test.cc), on the on value it starts it again. phonelab only ever talks SNMP to the switch,
// DHCP and HTTP to the phone.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <atomic>
#include <fstream>
#include <mutex>
#include <sstream>
#include <thread>

#include "bench_wire.h"
#include "e2e_util.h"

namespace phonelab::e2e {
namespace {

const char* kSnmpPhoneMac = "02:00:c6:12:f7:0a";
const char* kPortOid = "1.3.6.1.2.1.105.1.1.1.3.1.7";  // pethPsePortAdminEnable, group 1 port 7

/// A free UDP port on 127.0.0.1 (the kernel's choice; free again when this returns).
int freeUdpPort() {
  int fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return 0;
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  int port = 0;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0 &&
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) == 0) {
    port = ntohs(a.sin_port);
  }
  ::close(fd);
  return port;
}

/// The fake PoE switch and the phone it powers. snmpd and the phone are stopped by PID when it
/// goes (also when an assertion fails). The phone is started and stopped by the watcher thread
/// only (a child dies with the thread that forked it: PR_SET_PDEATHSIG).
class FakePoeSwitch {
 public:
  FakePoeSwitch(const std::string& dir, const BenchWire& wire) : dir_(dir), wire_(wire) {
    port_ = freeUdpPort();
    record_ = dir_ + "/switch-port.record";
    const std::string script = dir_ + "/switch-port.sh";
    // snmpd's pass protocol: -g OID (get), -n OID (get-next), -s OID TYPE VALUE (set).
    writeFile(script,
              "#!/bin/sh\n"
              "record='" +
                  record_ +
                  "'\n"
                  "case \"$1\" in\n"
                  "  -g) v=$(tail -n 1 \"$record\" 2>/dev/null)\n"
                  "      echo \"$2\"; echo integer; echo \"${v:-1}\" ;;\n"
                  "  -s) echo \"$4\" >> \"$record\" ;;\n"
                  "esac\n");
    ::chmod(script.c_str(), 0755);
    writeFile(dir_ + "/snmpd.conf", "rwcommunity lab-write 127.0.0.1\npass ." +
                                        std::string(kPortOid) + " " + script + "\n");
    lab::ProcessSpec spec;
    spec.name = "snmpd";
    spec.argv = {"/usr/sbin/snmpd",
                 "-f",
                 "-Lo",
                 "-C",
                 "-c",
                 dir_ + "/snmpd.conf",
                 "udp:127.0.0.1:" + std::to_string(port_)};
    spec.env["MIBS"] = "";
    spec.env["SNMP_PERSISTENT_DIR"] = dir_ + "/snmpd-state";
    spec.log_path = dir_ + "/snmpd.log";
    snmpd_ = std::make_unique<lab::Process>(spec);
    watcher_ = std::thread([this] { watch(); });
  }

  ~FakePoeSwitch() {
    done_ = true;
    if (watcher_.joinable()) watcher_.join();
    if (snmpd_) snmpd_->stop();
  }

  FakePoeSwitch(const FakePoeSwitch&) = delete;
  FakePoeSwitch& operator=(const FakePoeSwitch&) = delete;

  std::string host() const { return "127.0.0.1:" + std::to_string(port_); }
  /// Until snmpd answers a GET of the port (deadline 10 s).
  bool waitAnswering() {
    auto deadline = Deadline::in(Seconds(10));
    while (!deadline.expired()) {
      lab::ProcessSpec spec;
      spec.name = "snmpget";
      spec.argv = {"snmpget", "-v2c", "-c", "lab-write",     "-t",
                   "0.3",     "-r",   "0",  "udp:" + host(), kPortOid};
      spec.env["MIBS"] = "";
      if (lab::runToCompletion(spec, Deadline::in(Seconds(5))).ok()) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return false;
  }
  /// Every value set on the port, in order.
  std::vector<std::string> record() const {
    std::vector<std::string> out;
    std::istringstream in(readFile(record_));
    for (std::string line; std::getline(in, line);) {
      if (!line.empty()) out.push_back(line);
    }
    return out;
  }
  /// What the watcher did, "stopped"/"started" in order.
  std::vector<std::string> actions() {
    std::lock_guard lock(mu_);
    return actions_;
  }
  bool phoneRunning() {
    std::lock_guard lock(mu_);
    return phone_running_;
  }

 private:
  void watch() {
    try {
      watchPort();
    } catch (const std::exception& e) {
      ADD_FAILURE() << "the fake PoE switch's watcher: " << e.what();
    }
  }
  void watchPort() {
    std::unique_ptr<lab::Process> phone = startPhone();  // the port is on to begin with
    setRunning(true);
    size_t handled = 0;
    while (!done_) {
      auto values = record();
      for (; handled < values.size(); ++handled) {
        if (values[handled] == "2" && phone) {
          phone->stop();
          phone.reset();
          note("stopped", false);
        } else if (values[handled] == "1" && !phone) {
          phone = startPhone();
          note("started", true);
        }
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    if (phone) phone->stop();
  }
  void note(const std::string& what, bool running) {
    std::lock_guard lock(mu_);
    actions_.push_back(what);
    phone_running_ = running;
  }
  void setRunning(bool running) {
    std::lock_guard lock(mu_);
    phone_running_ = running;
  }
  std::unique_ptr<lab::Process> startPhone() {
    return startBenchPhone(wire_, dir_, kSnmpPhoneMac, "FCH2300PHLS");
  }

  std::string dir_;
  const BenchWire& wire_;
  int port_ = 0;
  std::string record_;
  std::unique_ptr<lab::Process> snmpd_;
  std::thread watcher_;
  std::atomic<bool> done_{false};
  std::mutex mu_;
  std::vector<std::string> actions_;
  bool phone_running_ = false;
};

std::string writeSnmpLab(const std::string& dir, const BenchWire& w, const std::string& subnet,
                         const std::string& host, const std::string& community) {
  const std::string path = dir + "/bench-snmp.yaml";
  std::ofstream(path) << "lab:\n  name: e2e-bench-snmp\n  segment: interface\n  interface: "
                      << w.nic << "\n  subnet: " << subnet
                      << "\n  isolated: true\n"
                         "dut:\n  driver: physical\n  profile: "
                      << kSrc
                      << "/lab/devices/cisco-8832-mpp.yaml\n"
                         "  model: CP-8832-3PCC\n  mac: \""
                      << kSnmpPhoneMac
                      << "\"\n  admin: {user: admin, password: \"\"}\n  power: snmp\n"
                         "  snmp:\n    host: \""
                      << host << "\"\n    community: " << community
                      << "\n    port_oid: " << kPortOid
                      << "\n    on_value: \"1\"\n    off_value: \"2\"\n    timeout: 1s\n"
                         "    off_time: 1s\n"
                         "  audio_loopback: none\n  boot_timeout: 60s\n";
  return path;
}

/// The dut.power events of a scenario's events.jsonl (every line must be an event).
std::vector<nlohmann::json> powerEvents(const std::string& report, const std::string& id) {
  std::vector<nlohmann::json> out;
  std::istringstream in(readFile(report + "/" + id + "/events.jsonl"));
  for (std::string line; std::getline(in, line);) {
    auto j = nlohmann::json::parse(line, nullptr, false);
    // One event per line, whichever threads emitted them at the same time.
    EXPECT_TRUE(j.is_object()) << id << "/events.jsonl: not one JSON object: " << line;
    if (j.is_object() && j.value("kind", "") == "dut.power") out.push_back(j);
  }
  return out;
}

TEST(BenchSnmp, APoePortSwitchedOffAndOnPowerCyclesThePhone) {
  PHONELAB_REQUIRE_ROOT();
  if (::access("/usr/sbin/kea-dhcp4", X_OK) != 0) GTEST_SKIP() << "kea-dhcp4 not installed";
  if (::access("/usr/sbin/snmpd", X_OK) != 0 || ::access("/usr/bin/snmpset", X_OK) != 0) {
    GTEST_SKIP() << "snmpd/snmpset not installed (packages snmpd, snmp)";
  }
  BenchWire wire("s");
  const std::string dir = freshDir("bench-snmp");
  FakePoeSwitch sw(dir, wire);
  ASSERT_TRUE(sw.waitAnswering()) << readFile(dir + "/snmpd.log");
  const std::string lab_file = writeSnmpLab(dir, wire, "198.18.247.0/24", sw.host(), "lab-write");
  const std::string report = dir + "/report";
  // web-config: the power-on of a scenario's setup; power-cycle: the power_cycle action mid-way.
  // A boot each (a planned run would keep the phone running for the second: same configuration).
  auto r = phonelab({"run", "--lab", lab_file, "--report", report, "--fresh-boot-each",
                     "scenarios/network/web-config.yaml", "fixtures/e2e/power-cycle.yaml"},
                    report);
  EXPECT_EQ(r.exit_code, 0) << r.output << "\n" << readFile(dir + "/phone-emulator.log");
  ASSERT_TRUE(r.results.is_object()) << r.output;
  for (const char* id : {"web-config", "power-cycle"}) {
    const auto* s = scenario(r, id);
    ASSERT_NE(s, nullptr) << id << "\n" << r.output;
    EXPECT_EQ((*s)["verdict"], "pass") << id << ": " << s->dump(2);
  }
  // The switch saw off then on three times: the setup of each scenario and the power_cycle.
  EXPECT_EQ(sw.record(), (std::vector<std::string>{"2", "1", "2", "1", "2", "1"}));
  EXPECT_EQ(sw.actions(), (std::vector<std::string>{"stopped", "started", "stopped", "started",
                                                    "stopped", "started"}));
  EXPECT_TRUE(sw.phoneRunning());
  // dut.power events say power snmp, the OID, off then on, then the phone asking for an address.
  for (const char* id : {"web-config", "power-cycle"}) {
    std::vector<std::string> states;
    for (const auto& e : powerEvents(report, id)) {
      const auto& f = e["fields"];
      // Only the switch's own events (the end of a scenario says the phone is left on).
      if (f.value("power", "") != "snmp" || !f.contains("oid")) continue;
      EXPECT_EQ(f.value("oid", ""), kPortOid) << e.dump();
      states.push_back(f.value("state", ""));
    }
    std::vector<std::string> want = {"off", "on", "booting"};
    if (std::string(id) == "power-cycle") {
      want = {"off", "on", "booting", "off", "on", "booting"};
    }
    EXPECT_EQ(states, want) << id << "\n" << readFile(report + "/" + id + "/events.jsonl");
  }
  // The identity is the phone's own, and the NIC and the namespaces are given back.
  EXPECT_EQ(r.results["run"]["dut"].value("serial", ""), "FCH2300PHLS") << r.results["run"].dump(2);
  EXPECT_TRUE(wire.nicHome());
  EXPECT_EQ(leftoverNamespaces(), std::vector<std::string>{});
}

TEST(BenchSnmp, ASwitchThatDoesNotAnswerIsAnErrorNamingTheSwitchAndTheOid) {
  PHONELAB_REQUIRE_ROOT();
  if (::access("/usr/sbin/kea-dhcp4", X_OK) != 0) GTEST_SKIP() << "kea-dhcp4 not installed";
  if (::access("/usr/sbin/snmpd", X_OK) != 0 || ::access("/usr/bin/snmpset", X_OK) != 0) {
    GTEST_SKIP() << "snmpd/snmpset not installed (packages snmpd, snmp)";
  }
  BenchWire wire("t");
  const std::string dir = freshDir("bench-snmp-refused");
  FakePoeSwitch sw(dir, wire);
  ASSERT_TRUE(sw.waitAnswering()) << readFile(dir + "/snmpd.log");
  // snmpd drops requests with a community it does not know: snmpset times out.
  const std::string lab_file =
      writeSnmpLab(dir, wire, "198.18.248.0/24", sw.host(), "not-the-community");
  const std::string report = dir + "/report";
  auto r = phonelab(
      {"run", "--lab", lab_file, "--report", report, "scenarios/network/web-config.yaml"}, report);
  EXPECT_EQ(r.exit_code, 3) << r.output;
  ASSERT_TRUE(r.results.is_object()) << r.output;
  EXPECT_TRUE(std::filesystem::exists(report + "/index.html"));
  const auto* s = scenario(r, "web-config");
  ASSERT_NE(s, nullptr) << r.output;
  EXPECT_EQ((*s)["verdict"], "error") << s->dump(2);
  bool named = false;
  for (const auto& c : (*s)["checks"]) {
    const std::string msg = c.value("message", "");
    if (c["verdict"] == "error" && msg.find("PoE switch " + sw.host()) != std::string::npos &&
        msg.find(kPortOid) != std::string::npos && msg.find("Timeout") != std::string::npos) {
      named = true;
    }
  }
  EXPECT_TRUE(named) << s->dump(2);
  // The switch never set anything, and nothing of the scenario ran.
  EXPECT_EQ(sw.record(), std::vector<std::string>{});
  for (const auto& st : (*s)["steps"]) EXPECT_NE(st.value("outcome", ""), "ok") << st.dump();
  bool failed_event = false;
  for (const auto& e : powerEvents(report, "web-config")) {
    if (e["fields"].value("state", "") == "failed" && e["fields"].value("oid", "") == kPortOid) {
      failed_event = true;
    }
  }
  EXPECT_TRUE(failed_event);
  EXPECT_TRUE(wire.nicHome());
  EXPECT_EQ(leftoverNamespaces(), std::vector<std::string>{});
}

}  // namespace
}  // namespace phonelab::e2e
