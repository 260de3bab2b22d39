// The bench, the parts that run on this machine: driver: program (the emulator started as a generic
// device program, passing and with a fault caught), hostile fakes refused on a segment that is not
// isolated, the bench example lab files valid, and `phonelab preflight` refusing a segment (made
// by the test, not the harness) where a second DHCP server answers.

#include <fstream>

#include "base/core/event.h"
#include "base/lab/netns.h"
#include "e2e_util.h"
#include "fakes/dhcp/kea.h"

namespace phonelab::e2e {
namespace {

TEST(ProgramDriver, TheEmulatorAsAProgramPasses) {
  PHONELAB_REQUIRE_ROOT();
  const std::string dir = freshDir("program-driver");
  auto r = phonelab({"run", "--lab", "fixtures/e2e/lab-program.yaml", "--report", dir,
                     "scenarios/network/web-config.yaml"},
                    dir);
  EXPECT_EQ(r.exit_code, 0) << r.output;
  const auto* s = scenario(r, "web-config");
  ASSERT_NE(s, nullptr) << r.output;
  EXPECT_EQ((*s)["verdict"], "pass") << s->dump(2);
  // The program's own log, named after it, is the scenario's evidence.
  EXPECT_TRUE(std::filesystem::exists(dir + "/web-config/phone-emulator.log"));
}

TEST(ProgramDriver, AFaultInTheProgramsArgvIsCaught) {
  PHONELAB_REQUIRE_ROOT();
  const std::string dir = freshDir("program-driver-fault");
  auto r = phonelab({"run", "--lab", "fixtures/e2e/lab-program-faulted.yaml", "--report", dir,
                     "scenarios/network/web-config.yaml"},
                    dir);
  EXPECT_EQ(r.exit_code, 1) << r.output;
  const auto* s = scenario(r, "web-config");
  ASSERT_NE(s, nullptr) << r.output;
  EXPECT_EQ((*s)["verdict"], "fail");
  bool caught = false;
  for (const auto& c : (*s)["checks"]) {
    // The driver reads cfg.xml back after Submit All Changes: the submit step itself fails.
    if (c["name"] == "submit" && c["verdict"] == "fail" &&
        c["message"].get<std::string>().find("Restricted_Access_Domains is '' (submitted") !=
            std::string::npos) {
      caught = true;
    }
  }
  EXPECT_TRUE(caught) << s->dump(2);
}

// A device process that ends by itself is evidence (a dut.exit event), never a verdict: a crash
// is judged on the wire. Here the "phone" never comes up at all, so the scenario is inconclusive
// (setup), and nothing fails because the process is gone.
TEST(ProgramDriver, AProgramThatEndsIsEvidenceNotAVerdict) {
  PHONELAB_REQUIRE_ROOT();
  const std::string dir = freshDir("program-driver-exits");
  const std::string lab = dir + "/lab-exits.yaml";
  writeFile(lab,
            "lab: {name: program-exits, segment: namespaces, isolated: true}\n"
            "dut:\n"
            "  driver: program\n"
            "  profile: " +
                kSrc +
                "/lab/devices/cisco-8832-mpp.yaml\n"
                "  mac: \"02:00:c6:12:00:0a\"\n"
                "  boot_timeout: 2s\n"
                "  program: [sh, -c, \"exit 3\"]\n");
  auto r =
      phonelab({"run", "--lab", lab, "--report", dir, "scenarios/dhcp/net-conn-dhcp.yaml"}, dir);
  EXPECT_EQ(r.exit_code, 3) << r.output;
  const auto* s = scenario(r, "net-conn-dhcp");
  ASSERT_NE(s, nullptr) << r.output;
  EXPECT_EQ((*s)["verdict"], "inconclusive") << s->dump(2);
  for (const auto& c : (*s)["checks"]) EXPECT_NE(c["verdict"], "fail") << c.dump(2);
  const std::string events = evidenceText(r, *s, "events");
  EXPECT_NE(events.find("\"kind\":\"dut.exit\""), std::string::npos) << events.substr(0, 3000);
  EXPECT_NE(events.find("device program sh exited on its own: exited with status 3"),
            std::string::npos);
}

TEST(Isolation, HostileFakesAreNotApplicableOnASegmentNotIsolated) {
  PHONELAB_REQUIRE_ROOT();
  const std::string dir = freshDir("not-isolated");
  auto r = phonelab({"run", "--lab", "fixtures/e2e/lab-not-isolated.yaml", "--report", dir,
                     "scenarios/dhcp/sec-dhcp-robust.yaml"},
                    dir);
  EXPECT_EQ(r.exit_code, 0) << r.output;
  const auto* s = scenario(r, "sec-dhcp-robust");
  ASSERT_NE(s, nullptr) << r.output;
  EXPECT_EQ((*s)["verdict"], "not-applicable");
  const std::string msg = (*s)["checks"][0]["message"];
  EXPECT_NE(msg.find("rogue_dhcp"), std::string::npos) << msg;
  EXPECT_NE(msg.find("isolated: false"), std::string::npos) << msg;
}

TEST(BenchLab, TheBenchExamplesValidate) {
  // bench-8832.yaml says power: snmp (bench runs with a PoE switch: bench_snmp_test.cc).
  auto r = phonelab({"validate", "--lab", "lab/examples/bench-8832.yaml"});
  EXPECT_EQ(r.exit_code, 0) << r.output;
  auto v = phonelab({"validate", "--lab", "lab/examples/bench-7832.yaml"});
  EXPECT_EQ(v.exit_code, 0) << v.output;
}

/// A segment the harness did not make: two namespaces and a veth pair, made by the test, removed
/// at the end (also when an assertion fails).
struct HandMadeSegment {
  std::string a = "phle2e-pf-" + std::to_string(::getpid()) + "-a";
  std::string b = "phle2e-pf-" + std::to_string(::getpid()) + "-b";
  HandMadeSegment() {
    lab::ipCommand({"netns", "add", a});
    lab::ipCommand({"netns", "add", b});
    lab::ipCommand(
        {"-n", a, "link", "add", "pf0", "type", "veth", "peer", "name", "pf1", "netns", b});
    lab::ipCommand({"-n", a, "addr", "add", "198.18.240.1/24", "dev", "pf0"});
    lab::ipCommand({"-n", a, "link", "set", "pf0", "up"});
    lab::ipCommand({"-n", b, "link", "set", "pf1", "up"});
  }
  ~HandMadeSegment() {
    for (const auto& ns : {a, b}) {
      try {
        lab::ipCommand({"netns", "del", ns});
      } catch (...) {
      }
    }
  }
};

RunOutcome preflightIn(const std::string& ns, const std::string& lab_file) {
  lab::ProcessSpec spec;
  spec.name = "phonelab";
  spec.argv = {kBin + "/phonelab", "preflight", "--lab", lab_file, "--listen", "2s"};
  spec.cwd = kSrc;
  spec.netns = ns;
  auto r = lab::runToCompletion(spec, Deadline::in(Seconds(30)));
  RunOutcome out;
  out.exit_code = WIFEXITED(r.status) ? WEXITSTATUS(r.status) : 128 + WTERMSIG(r.status);
  out.output = r.output;
  return out;
}

TEST(Preflight, ASecondDhcpServerOnTheBenchSegmentIsRefused) {
  PHONELAB_REQUIRE_ROOT();
  if (::access("/usr/sbin/kea-dhcp4", X_OK) != 0) GTEST_SKIP() << "kea-dhcp4 not installed";
  HandMadeSegment seg;
  const std::string dir = freshDir("preflight");
  const std::string lab_file = dir + "/bench.yaml";
  std::ofstream(lab_file) << "lab:\n  name: hand-made\n  segment: interface\n  interface: pf1\n"
                             "  subnet: 198.18.240.0/24\n  isolated: true\n"
                             "dut:\n  driver: physical\n  profile: "
                          << kSrc
                          << "/lab/devices/cisco-8832-mpp.yaml\n"
                             "  mac: \"02:00:c6:12:00:0a\"\n  power: web\n";
  {
    EventLog log;
    fakes::KeaOptions k;
    k.netns = seg.a;
    k.iface = "pf0";
    k.subnet = "198.18.240.0/24";
    k.pool_from = "198.18.240.100";
    k.pool_to = "198.18.240.199";
    k.work_dir = dir + "/kea";
    fakes::KeaServer kea(k, log);
    auto r = preflightIn(seg.b, lab_file);
    EXPECT_EQ(r.exit_code, 1) << r.output;
    EXPECT_NE(r.output.find("preflight refused the segment"), std::string::npos) << r.output;
    EXPECT_NE(r.output.find("DHCP server 198.18.240.1 (MAC "), std::string::npos) << r.output;
    EXPECT_NE(r.output.find("answered our DISCOVER with a DHCP OFFER of 198.18.240."),
              std::string::npos)
        << r.output;
  }
  // Kea stopped: the same segment is clean.
  auto r = preflightIn(seg.b, lab_file);
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("preflight passed"), std::string::npos) << r.output;
}

}  // namespace
}  // namespace phonelab::e2e
