// Issue #8: a bench run (segment: interface, driver: physical) end to end. The test makes the
// wire itself: a veth pair made in the root namespace, one end moved into a namespace the test
// owns where the test starts phone-emulator as "the phone" (phonelab never starts it), the other
// end, left in the root namespace, is the bench NIC the lab file names. phonelab moves that NIC
// into a namespace of its own for each scenario and gives it back; it reaches the phone only
// through the wire and the phone's web UI, exactly as it would a real one.

#include <algorithm>
#include <fstream>

#include "bench_wire.h"
#include "e2e_util.h"
#include "fakes/dhcp/kea.h"
#include "harness/core/event.h"
#include "harness/lab/netns.h"

namespace phonelab::e2e {
namespace {

const char* kPhoneMac = "02:00:c6:12:f4:0a";

std::string writeLab(const std::string& dir, const BenchWire& w, const std::string& subnet) {
  const std::string path = dir + "/bench.yaml";
  std::ofstream(path) << "lab:\n  name: e2e-bench\n  segment: interface\n  interface: " << w.nic
                      << "\n  subnet: " << subnet
                      << "\n  isolated: true\n"
                         "dut:\n  driver: physical\n  profile: "
                      << kSrc
                      << "/lab/devices/cisco-8832-mpp.yaml\n"
                         "  model: CP-8832-3PCC\n  mac: \""
                      << kPhoneMac
                      << "\"\n  admin: {user: admin, password: \"\"}\n  power: web\n"
                         "  audio_loopback: cable\n  boot_timeout: 100s\n";
  return path;
}

/// phone-emulator in the test's namespace, as the phone on the bench.
std::unique_ptr<lab::Process> startPhone(const BenchWire& w, const std::string& dir) {
  lab::ProcessSpec spec;
  spec.name = "phone-emulator";
  spec.argv = {kBin + "/phone-emulator",
               "--iface",
               w.phone,
               "--mac",
               kPhoneMac,
               "--state-dir",
               dir + "/phone",
               "--model",
               "CP-8832-3PCC",
               "--serial",
               "FCH2300PHLB",
               "--boot-delay",
               "0.3"};
  spec.netns = w.ns;
  spec.log_path = dir + "/phone-emulator.log";
  return std::make_unique<lab::Process>(spec);
}

TEST(Bench, ScenariosPassAgainstAPhoneOnTheWire) {
  PHONELAB_REQUIRE_ROOT();
  if (::access("/usr/sbin/kea-dhcp4", X_OK) != 0) GTEST_SKIP() << "kea-dhcp4 not installed";
  BenchWire wire("a");
  const std::string dir = freshDir("bench-network");
  const std::string lab_file = writeLab(dir, wire, "198.18.244.0/24");
  auto phone = startPhone(wire, dir);
  const std::string report = dir + "/report";
#if defined(__SANITIZE_ADDRESS__)
  // Under ASan (several times slower) a slice of each kind of scenario; Release runs them all.
  auto r = phonelab({"run", "--lab", lab_file, "--report", report, "scenarios/network",
                     "scenarios/dhcp/net-conn-dhcp.yaml", "scenarios/dhcp/opt-6-dns.yaml",
                     "scenarios/sip/sip-rad-block.yaml", "scenarios/sip/net-dhcp-renew-same.yaml",
                     "scenarios/sip/sec-notify-unlisted.yaml"},
                    report);
#else
  // The whole suite: every scenario that passes with the emulator driver passes on the bench.
  auto r = phonelab({"run", "--lab", lab_file, "--report", report, "scenarios"}, report);
  ASSERT_TRUE(r.results.is_object()) << r.output;
  const std::string listed = phonelab({"list"}).output;
  EXPECT_EQ(r.results["scenarios"].size(),
            static_cast<size_t>(std::count(listed.begin(), listed.end(), '\n')));
  for (const auto& s : r.results["scenarios"]) EXPECT_EQ(s["verdict"], "pass") << s.dump(2);
#endif
  EXPECT_EQ(r.exit_code, 0) << r.output << "\n" << readFile(dir + "/phone-emulator.log");
  ASSERT_TRUE(r.results.is_object()) << r.output;
  for (const char* id : {"net-conn-static", "web-config", "net-conn-dhcp", "dhcp-opt-6-dns",
                         "sip-rad-block", "net-dhcp-renew-same", "sec-notify-unlisted"}) {
    const auto* s = scenario(r, id);
    ASSERT_NE(s, nullptr) << id << "\n" << r.output;
    EXPECT_EQ((*s)["verdict"], "pass") << id << ": " << s->dump(2);
  }
  // The identity is the phone's own (status.xml), and phonelab never started it: the phone is
  // still the process the test started.
  EXPECT_EQ(r.results["run"]["dut"].value("serial", ""), "FCH2300PHLB") << r.results["run"].dump(2);
  EXPECT_TRUE(phone->running());
  // Each scenario found the phone quiet on the wire first (preflight), restarted it through its
  // web UI where the last one left it (power: web), and put back what it configured: the static
  // address of net-conn-static does not leak into the scenarios after it.
  for (const char* id : {"net-conn-static", "web-config", "net-conn-dhcp", "dhcp-opt-6-dns"}) {
    const std::string events = readFile(report + "/" + id + "/events.jsonl");
    EXPECT_NE(events.find("\"harness.preflight\""), std::string::npos) << id;
  }
  EXPECT_NE(readFile(report + "/net-conn-static/events.jsonl")
                .find("settings put back: connection_type=DHCP"),
            std::string::npos);
  EXPECT_NE(readFile(report + "/web-config/events.jsonl").find("power: web: reboot requested"),
            std::string::npos);
  // Every scenario gave the NIC back to the root namespace and removed its own namespace.
  EXPECT_TRUE(wire.nicHome());
  EXPECT_EQ(leftoverNamespaces(), std::vector<std::string>{});
  for (const auto& ns : lab::listNamespaces()) {
    EXPECT_EQ(ns.find("-244-lab"), std::string::npos)
        << "phonelab's bench namespace is left: " << ns;
  }
  phone->stop();
}

TEST(Bench, ASecondDhcpServerOnTheWireRefusesTheRun) {
  PHONELAB_REQUIRE_ROOT();
  if (::access("/usr/sbin/kea-dhcp4", X_OK) != 0) GTEST_SKIP() << "kea-dhcp4 not installed";
  BenchWire wire("b");
  const std::string dir = freshDir("bench-preflight");
  const std::string lab_file = writeLab(dir, wire, "198.18.245.0/24");
  // Someone else's DHCP server on the phone's side of the wire.
  lab::ipCommand({"-n", wire.ns, "addr", "add", "198.18.245.9/24", "dev", wire.phone});
  EventLog log;
  fakes::KeaOptions k;
  k.netns = wire.ns;
  k.iface = wire.phone;
  k.subnet = "198.18.245.0/24";
  k.pool_from = "198.18.245.150";
  k.pool_to = "198.18.245.199";
  k.work_dir = dir + "/kea";
  fakes::KeaServer kea(k, log);
  const std::string report = dir + "/report";
  auto r = phonelab(
      {"run", "--lab", lab_file, "--report", report, "scenarios/network/web-config.yaml"}, report);
  EXPECT_EQ(r.exit_code, 3) << r.output;
  const auto* s = scenario(r, "web-config");
  ASSERT_NE(s, nullptr) << r.output;
  EXPECT_EQ((*s)["verdict"], "error") << s->dump(2);
  bool refused = false;
  for (const auto& c : (*s)["checks"]) {
    const std::string msg = c.value("message", "");
    if (c["name"] == "setup: preflight" && c["verdict"] == "error" &&
        msg.find("preflight refused the segment") != std::string::npos &&
        msg.find("DHCP server 198.18.245.9") != std::string::npos) {
      refused = true;
    }
  }
  EXPECT_TRUE(refused) << s->dump(2);
  // Nothing of the lab ran: no step started.
  for (const auto& st : (*s)["steps"]) EXPECT_NE(st.value("outcome", ""), "ok") << st.dump();
  EXPECT_TRUE(wire.nicHome());
  EXPECT_EQ(leftoverNamespaces(), std::vector<std::string>{});
}

TEST(Bench, ANicWithAnAddressOnTheHostIsRefused) {
  PHONELAB_REQUIRE_ROOT();
  BenchWire wire("c");
  const std::string dir = freshDir("bench-addressed");
  const std::string lab_file = writeLab(dir, wire, "198.18.246.0/24");
  lab::ipCommand({"addr", "add", "198.18.246.77/24", "dev", wire.nic});
  const std::string report = dir + "/report";
  auto r = phonelab(
      {"run", "--lab", lab_file, "--report", report, "scenarios/network/web-config.yaml"}, report);
  EXPECT_NE(r.exit_code, 0) << r.output;
  const auto* s = scenario(r, "web-config");
  ASSERT_NE(s, nullptr) << r.output;
  EXPECT_EQ((*s)["verdict"], "error");
  EXPECT_NE(s->dump().find("has IPv4 addresses on the host (198.18.246.77/24)"), std::string::npos)
      << s->dump(2);
  // Left where it was, with its address.
  EXPECT_NE(lab::ipOutput({"addr", "show", "dev", wire.nic}).find("198.18.246.77"),
            std::string::npos);
}

}  // namespace
}  // namespace phonelab::e2e
