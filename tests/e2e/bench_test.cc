// A bench run (segment: interface, driver: physical) end to end. The test makes the
// wire itself: a veth pair made in the root namespace, one end moved into a namespace the test
// owns where the test starts phone-emulator as "the phone" (phonelab never starts it), the other
// end, left in the root namespace, is the bench NIC the lab file names. phonelab moves that NIC
// into a namespace of its own for each scenario and gives it back; it reaches the phone only
// through the wire and the phone's web UI, exactly as it would a real one.

#include <algorithm>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <map>

#include "base/core/event.h"
#include "base/lab/netns.h"
#include "bench_wire.h"
#include "e2e_util.h"
#include "fakes/dhcp/kea.h"

namespace phonelab::e2e {
namespace {

const char* kPhoneMac = "02:00:c6:12:f4:0a";

std::string writeLab(const std::string& dir, const BenchWire& w, const std::string& subnet,
                     const std::string& extra = "", const std::string& name = "bench.yaml",
                     const std::string& power = "web") {
  const std::string path = dir + "/" + name;
  std::ofstream(path) << "lab:\n  name: e2e-bench\n  segment: interface\n  interface: " << w.nic
                      << "\n  subnet: " << subnet
                      << "\n  isolated: true\n"
                         "dut:\n  driver: physical\n  profile: "
                      << kSrc
                      << "/lab/devices/cisco-8832-mpp.yaml\n"
                         "  model: CP-8832-3PCC\n  mac: \""
                      << kPhoneMac
                      << "\"\n  admin: {user: admin, password: \"\"}\n  power: " << power
                      << "\n"
                         "  audio_loopback: cable\n  boot_timeout: 100s\n"
                      << extra;
  return path;
}

/// phone-emulator in the test's namespace, as the phone on the bench.
std::unique_ptr<lab::Process> startPhone(const BenchWire& w, const std::string& dir) {
  return startBenchPhone(w, dir, kPhoneMac, "FCH2300PHLB");
}

/// Every bench test: root, Kea, a wire of its own, a report folder and the lab file naming the
/// wire's NIC.
class Bench : public ::testing::Test {
 protected:
  void SetUp() override {
    PHONELAB_REQUIRE_ROOT();
    if (::access("/usr/sbin/kea-dhcp4", X_OK) != 0) GTEST_SKIP() << "kea-dhcp4 not installed";
  }
  /// The wire (tag: a letter of its own per test), dir = freshDir(name), lab_file on `subnet`.
  void rig(const std::string& tag, const std::string& name, const std::string& subnet) {
    wire = std::make_unique<BenchWire>(tag);
    dir = freshDir(name);
    this->subnet = subnet;
    lab_file = writeLab(dir, *wire, subnet);
    report = dir + "/report";
  }
  /// phonelab run --lab <lab> --report <report_dir> <paths>.
  RunOutcome run(const std::string& lab, const std::string& report_dir,
                 const std::vector<std::string>& paths) {
    std::vector<std::string> args = {"run", "--lab", lab, "--report", report_dir};
    args.insert(args.end(), paths.begin(), paths.end());
    return phonelab(args, report_dir);
  }
  std::unique_ptr<BenchWire> wire;
  std::string dir, subnet, lab_file, report;
};

/// The events of one scenario of a report with this kind, parsed.
std::vector<nlohmann::json> eventsOf(const std::string& report, const std::string& id,
                                     const std::string& kind) {
  std::vector<nlohmann::json> out;
  std::ifstream in(report + "/" + id + "/events.jsonl");
  for (std::string line; std::getline(in, line);) {
    auto e = nlohmann::json::parse(line, nullptr, false);
    if (e.is_object() && e.value("kind", "") == kind) out.push_back(e);
  }
  return out;
}

/// The whole suite on the bench, in two shards (scenario i in shard i mod 2 + 1), each with a wire,
/// a phone and a subnet of its own: one phone runs one scenario at a time, so the shards side by
/// side halve the wall time of a run that takes over ten minutes on one phone.
class BenchShard : public Bench, public ::testing::WithParamInterface<int> {};

TEST_P(BenchShard, ScenariosPassAgainstAPhoneOnTheWire) {
  const int k = GetParam();
  const std::string shard = std::to_string(k) + "/2";
  rig(k == 1 ? "a" : "h", "bench-network-" + std::to_string(k),
      k == 1 ? "198.18.244.0/24" : "198.18.242.0/24");
  // Shard 1 starts the phone's network by link bounces (the default), shard 2 by boots, as on a
  // bench where the NIC cannot bounce the phone's link (a switch between, a VLAN).
  const bool bounces = k == 1;
  if (!bounces) lab_file = writeLab(dir, *wire, subnet, "  link_bounce: false\n");
  auto phone = startPhone(*wire, dir);
#if defined(__SANITIZE_ADDRESS__)
  // Under ASan (several times slower) a slice of each kind of scenario; Release runs them all.
  auto r =
      phonelab({"run", "--lab", lab_file, "--report", report, "--shard", shard, "scenarios/network",
                "scenarios/dhcp/net-conn-dhcp.yaml", "scenarios/dhcp/opt-6-dns.yaml",
                "scenarios/sip/sip-rad-block.yaml", "scenarios/sip/net-dhcp-renew-same.yaml",
                "scenarios/sip/sec-notify-unlisted.yaml"},
               report);
#else
  // Every scenario that passes with the emulator driver passes on the bench, with the bench's
  // boot timeout.
  auto r = phonelab({"run", "--lab", lab_file, "--report", report, "--shard", shard, "scenarios"},
                    report, Seconds(1500));
  ASSERT_TRUE(r.results.is_object()) << r.output;
  const std::string listed = phonelab({"list"}).output;
  const auto total = static_cast<size_t>(std::count(listed.begin(), listed.end(), '\n'));
  // This shard's half of the list (the other half is the other shard's).
  EXPECT_EQ(r.results["scenarios"].size(), k == 1 ? (total + 1) / 2 : total / 2);
  for (const auto& s : r.results["scenarios"]) EXPECT_EQ(s["verdict"], "pass") << s.dump(2);
#endif
  EXPECT_EQ(r.exit_code, 0) << r.output << "\n" << readFile(dir + "/phone-emulator.log");
  ASSERT_TRUE(r.results.is_object()) << r.output;
  ASSERT_FALSE(r.results["scenarios"].empty()) << r.output;
  // The identity is the phone's own (status.xml), and phonelab never started it: the phone is
  // still the process the test started.
  EXPECT_EQ(r.results["run"]["dut"].value("serial", ""), "FCH2300PHLB") << r.results["run"].dump(2);
  EXPECT_TRUE(phone->running());
  // Each scenario found the phone quiet on the wire first (preflight) and restarted it through its
  // web UI where the last one left it (power: web).
  for (const auto& s : r.results["scenarios"]) {
    const std::string id = s.value("id", "");
    const std::string events = readFile(report + "/" + id + "/events.jsonl");
    EXPECT_NE(events.find("\"harness.preflight\""), std::string::npos) << id;
  }
  // net-conn-static put back what it configured: its static address does not leak into the
  // scenarios after it (in its shard).
  if (scenario(r, "net-conn-static") != nullptr) {
    EXPECT_NE(readFile(report + "/net-conn-static/events.jsonl")
                  .find("settings put back: connection_type=DHCP"),
              std::string::npos);
  }
  // A planned run: a scenario that watches the boot, or the first of its network configuration,
  // restarted the phone through its web UI, where the one before left it (the shard's first may
  // find the phone still looking for an address: nowhere to send the reboot yet), or, with link
  // bounces, ran on the boot the one before was on after a bounce; the others of a configuration
  // ran on the boot the one before them was on, and never restarted it.
  size_t fresh = 0, kept = 0, bounced = 0;
  for (size_t i = 0; i < r.results["scenarios"].size(); ++i) {
    const auto& s = r.results["scenarios"][i];
    const std::string id = s.value("id", "");
    const auto boot = s.value("boot", nlohmann::json::object());
    const std::string events = readFile(report + "/" + id + "/events.jsonl");
    EXPECT_NE(events.find("\"harness.boot\""), std::string::npos) << id;
    if (boot.value("fresh", "") == "yes") {
      ++fresh;
      if (i > 0 && boot.value("number", "") != "1") {
        EXPECT_NE(events.find("power: web: reboot requested"), std::string::npos) << id;
      }
    } else {
      ++kept;
      EXPECT_EQ(boot.value("fresh", ""), "no") << id << " " << boot.dump();
      EXPECT_EQ(events.find("power: web: reboot requested"), std::string::npos) << id;
      EXPECT_FALSE(boot.value("since", "").empty()) << id;
      if (boot.value("link", "") == "bounced") {
        ++bounced;
        EXPECT_NE(events.find("\"harness.link\""), std::string::npos) << id;
      }
    }
  }
  EXPECT_GT(kept, 10u) << "a planned run keeps the phone running between scenarios";
  if (bounces) {
    // The DHCP scenarios each watch a network start, which a link bounce gives: the phone boots
    // once (twice where the shard's first found it still looking for an address).
    EXPECT_GT(bounced, 8u) << "the DHCP scenarios each watch a link bounce";
    EXPECT_LE(fresh, 2u);
  } else {
    EXPECT_EQ(bounced, 0u);
    EXPECT_GT(fresh, 10u) << "the DHCP scenarios each watch a boot";
  }
  // Every scenario gave the NIC back to the root namespace and removed its own namespace.
  EXPECT_TRUE(wire->nicHome());
  EXPECT_EQ(leftoverNamespaces(), std::vector<std::string>{});
  const std::string lab_ns = k == 1 ? "-244-lab" : "-242-lab";
  for (const auto& ns : lab::listNamespaces()) {
    EXPECT_EQ(ns.find(lab_ns), std::string::npos) << "phonelab's bench namespace is left: " << ns;
  }
  phone->stop();
}

INSTANTIATE_TEST_SUITE_P(Shards, BenchShard, ::testing::Values(1, 2));

/// id -> verdict of a report's scenarios.
std::map<std::string, std::string> verdicts(const RunOutcome& r) {
  std::map<std::string, std::string> out;
  if (!r.results.is_object()) return out;
  for (const auto& s : r.results["scenarios"]) out[s.value("id", "")] = s.value("verdict", "");
  return out;
}

// The same verdicts whether the phone boots for every scenario or is kept running between them,
// on a phone whose faults fail some of them: a failed scenario's phone is not trusted to the next
// (a fresh boot), the others share one; the DHCP scenarios, which watch a network start, see one
// after a link bounce instead of a boot, and judge it alike. The conformant phone passes the
// whole suite both ways (the shards above, planned; the e2e suites, a boot each).
TEST_F(Bench, PlannedAndFreshBootRunsGiveTheSameVerdicts) {
  rig("q", "bench-planned", "198.18.238.0/24");
  auto phone =
      startBenchPhone(*wire, dir, kPhoneMac, "FCH2300PHLB",
                      {"ignore-restricted-domains", "tls-accept-any-cert", "ntp-from-option-4"});
  const std::vector<std::string> paths = {"scenarios/sip/sip-rad-allow.yaml",
                                          "scenarios/sip/sip-rad-block.yaml",
                                          "scenarios/tls/sec-tls-cert-untrusted-ca.yaml",
                                          "scenarios/tls/sip-tls-signalling.yaml",
                                          "scenarios/dhcp/opt-6-dns.yaml",
                                          "scenarios/dhcp/opt-42-ntp.yaml"};
  auto planned = run(lab_file, dir + "/planned", paths);
  std::vector<std::string> fresh_args = {"run",      "--lab",        lab_file,
                                         "--report", dir + "/fresh", "--fresh-boot-each"};
  fresh_args.insert(fresh_args.end(), paths.begin(), paths.end());
  auto fresh = phonelab(fresh_args, dir + "/fresh");
  const auto p = verdicts(planned), f = verdicts(fresh);
  ASSERT_EQ(p.size(), 6u) << planned.output;
  EXPECT_EQ(p, f) << planned.output << "\n" << fresh.output;
  // The faults are caught both ways.
  EXPECT_EQ(p.at("sip-rad-block"), "fail");
  EXPECT_EQ(p.at("sec-tls-cert-untrusted-ca"), "fail");
  EXPECT_EQ(p.at("sip-rad-allow"), "pass");
  EXPECT_EQ(p.at("sip-tls-signalling"), "pass");
  EXPECT_EQ(p.at("dhcp-opt-6-dns"), "pass");
  EXPECT_EQ(p.at("dhcp-opt-42-ntp"), "fail");
  auto bootOf = [](const RunOutcome& r, const std::string& id) {
    const auto* s = scenario(r, id);
    return s ? s->value("boot", nlohmann::json::object()) : nlohmann::json::object();
  };
  // Planned: sip-rad-allow boots, sip-rad-block runs on its boot and fails, so the next boots
  // afresh, and the last runs on that boot. Fresh: every scenario a boot of its own.
  EXPECT_EQ(bootOf(planned, "sip-rad-allow").value("fresh", ""), "yes");
  EXPECT_EQ(bootOf(planned, "sip-rad-block").value("fresh", ""), "no");
  EXPECT_EQ(bootOf(planned, "sip-rad-block").value("since", ""), "sip-rad-allow");
  EXPECT_EQ(bootOf(planned, "sec-tls-cert-untrusted-ca").value("fresh", ""), "yes");
  EXPECT_NE(bootOf(planned, "sec-tls-cert-untrusted-ca").value("why", "").find("did not pass"),
            std::string::npos)
      << bootOf(planned, "sec-tls-cert-untrusted-ca").dump();
  // The DHCP scenarios come after the groups: dhcp-opt-6-dns watches the network start a link
  // bounce gives (sip-tls-signalling passed before it), as does dhcp-opt-42-ntp after it.
  for (const char* id : {"dhcp-opt-6-dns", "dhcp-opt-42-ntp"}) {
    EXPECT_EQ(bootOf(planned, id).value("fresh", ""), "no") << id << bootOf(planned, id).dump();
    EXPECT_EQ(bootOf(planned, id).value("link", ""), "bounced") << id;
    EXPECT_EQ(eventsOf(dir + "/planned", id, "harness.link").size(), 2u) << id;
  }
  for (const auto& [id, v] : f) {
    EXPECT_EQ(bootOf(fresh, id).value("fresh", ""), "yes") << id;
    EXPECT_EQ(bootOf(fresh, id).value("link", ""), "") << id;
  }
  // The phone saw its link go and come back, and started its network afresh, not rebooted.
  EXPECT_NE(readFile(dir + "/phone-emulator.log").find("net: link up again"), std::string::npos);
  EXPECT_TRUE(phone->running());
  phone->stop();
}

// A scenario that leaves the phone wedged cannot change the next one's verdict: a firmware whose
// SIP task hangs on a long header (SIP silent for good, the web UI still up) passes a scenario
// that sends one and looks no further; the next scenario, of the same network configuration,
// is not given the phone as the wedge left it (the harness found SIP silent when that one
// ended): it boots the phone afresh, and passes; the one after it keeps that boot.
TEST_F(Bench, AWedgedPhoneIsBootedAfreshAndTheNextScenarioPasses) {
  rig("w", "bench-wedge", "198.18.236.0/24");
  auto phone = startBenchPhone(*wire, dir, kPhoneMac, "FCH2300PHLB", {"hang-on-long-header"});
  const std::string wedge = dir + "/wedge.yaml";
  std::ofstream(wedge) << "id: wedge-long-header\ntitle: a long header, nothing checked after it\n"
                          "requirements: [SEC-SIP-ROBUST]\n"
                          "fakes:\n  dhcp: {options: [{option: domain-name-servers, value: "
                          "\"${svc.dns}\"}]}\n  hostile_sip: {}\n"
                          "steps:\n"
                          "  - name: long-header\n"
                          "    act: {sip_send: {method: OPTIONS, headers: [\"X-Long: "
                       << std::string(5000, 'a')
                       << "\"], within: 500ms}}\n"
                          "  - name: sent\n"
                          "    expect: {event: hostile.sent, where: {method: OPTIONS}, since: "
                          "long-header, within: 1s}\n";
  auto r = run(
      lab_file, report,
      {wedge, "scenarios/sip/sip-rad-allow.yaml", "scenarios/tls/sec-tls-cert-untrusted-ca.yaml"});
  ASSERT_TRUE(r.results.is_object()) << r.output;
  const auto v = verdicts(r);
  EXPECT_EQ(v.at("wedge-long-header"), "pass") << r.output;
  EXPECT_EQ(v.at("sip-rad-allow"), "pass") << r.output;
  EXPECT_EQ(v.at("sec-tls-cert-untrusted-ca"), "pass") << r.output;
  EXPECT_NE(readFile(dir + "/phone-emulator.log").find("fault hang-on-long-header"),
            std::string::npos);
  const auto* next = scenario(r, "sip-rad-allow");
  ASSERT_NE(next, nullptr);
  const auto boot = next->value("boot", nlohmann::json::object());
  EXPECT_EQ(boot.value("fresh", ""), "yes") << boot.dump();
  EXPECT_NE(
      boot.value("why", "").find("wedge-long-header left the phone silent: it answered no SIP "
                                 "OPTIONS"),
      std::string::npos)
      << boot.dump();
  phone->stop();
}

TEST_F(Bench, ASecondDhcpServerOnTheWireRefusesTheRun) {
  rig("b", "bench-preflight", "198.18.245.0/24");
  // Someone else's DHCP server on the phone's side of the wire.
  lab::ipCommand({"-n", wire->ns, "addr", "add", "198.18.245.9/24", "dev", wire->phone});
  EventLog log;
  fakes::KeaOptions k;
  k.netns = wire->ns;
  k.iface = wire->phone;
  k.subnet = "198.18.245.0/24";
  k.pool_from = "198.18.245.150";
  k.pool_to = "198.18.245.199";
  k.work_dir = dir + "/kea";
  fakes::KeaServer kea(k, log);
  auto r = run(lab_file, report, {"scenarios/network/web-config.yaml"});
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
  EXPECT_TRUE(wire->nicHome());
  EXPECT_EQ(leftoverNamespaces(), std::vector<std::string>{});
}

TEST_F(Bench, ANicWithAnAddressOnTheHostIsRefused) {
  rig("c", "bench-addressed", "198.18.246.0/24");
  lab::ipCommand({"addr", "add", "198.18.246.77/24", "dev", wire->nic});
  auto r = run(lab_file, report, {"scenarios/network/web-config.yaml"});
  EXPECT_NE(r.exit_code, 0) << r.output;
  const auto* s = scenario(r, "web-config");
  ASSERT_NE(s, nullptr) << r.output;
  EXPECT_EQ((*s)["verdict"], "error");
  EXPECT_NE(s->dump().find("has IPv4 addresses on the host (198.18.246.77/24)"), std::string::npos)
      << s->dump(2);
  // Left where it was, with its address.
  EXPECT_NE(lab::ipOutput({"addr", "show", "dev", wire->nic}).find("198.18.246.77"),
            std::string::npos);
}

// A phone left on after a run keeps its lease and sends no DHCP: the next run's first scenario
// has nowhere to reboot it (power: web) unless it finds it. It sweeps the lab subnet by ARP.
TEST_F(Bench, APhoneThatKeptItsLeaseIsFoundByAnArpSweep) {
  rig("d", "bench-sweep", "198.18.253.0/24");
  // Between the runs the NIC is down (phonelab gives it back down) for as long as a run takes to
  // end and the next to start: a phone that starts its network afresh when its link comes back
  // would ask for an address again. This one ignores link losses under ten minutes, as a phone
  // behind a switch never sees them.
  auto phone =
      startBenchPhone(*wire, dir, kPhoneMac, "FCH2300PHLB", {}, {"--link-debounce", "600"});
  auto first = run(lab_file, dir + "/first", {"scenarios/network/web-config.yaml"});
  ASSERT_EQ(first.exit_code, 0) << first.output;
  // The phone stays on with its lease from the first run.
  auto second = run(lab_file, dir + "/second", {"scenarios/network/web-config.yaml"});
  EXPECT_EQ(second.exit_code, 0) << second.output;
  const auto* s = scenario(second, "web-config");
  ASSERT_NE(s, nullptr) << second.output;
  EXPECT_EQ((*s)["verdict"], "pass") << s->dump(2);
  auto sweeps = eventsOf(dir + "/second", "web-config", "harness.sweep");
  ASSERT_EQ(sweeps.size(), 1u);
  const std::string found = sweeps[0]["fields"].value("found", "");
  EXPECT_EQ(found.rfind("198.18.253.", 0), 0u) << sweeps[0].dump();
  bool rebooted_there = false;
  for (const auto& e : eventsOf(dir + "/second", "web-config", "dut.power")) {
    rebooted_there = rebooted_there || (e["fields"].value("state", "") == "rebooting" &&
                                        e["fields"].value("ip", "") == found);
  }
  EXPECT_TRUE(rebooted_there) << "power: web did not reboot the phone where the sweep found it";
  EXPECT_TRUE(phone->running());
  phone->stop();
}

// reset: factory: a phone someone else configured (SIP over TLS, Auth INVITE on, a stale domain
// list) fails SIP-UDP-DEFAULT as found, and passes once the harness has set the profile's factory
// values back before the first scenario.
TEST_F(Bench, ResetFactoryGivesAKnownStart) {
  rig("e", "bench-reset", "198.18.254.0/24");
  std::filesystem::create_directories(dir + "/phone");
  writeFile(dir + "/phone/config.xml",
            "<flat-profile>\n"
            "  <SIP_Transport_1_>TLS</SIP_Transport_1_>\n"
            "  <Auth_INVITE_1_>Yes</Auth_INVITE_1_>\n"
            "  <Restricted_Access_Domains>stale.example</Restricted_Access_Domains>\n"
            "  <Station_Name>someone else's</Station_Name>\n"
            "</flat-profile>\n");
  auto phone = startPhone(*wire, dir);
  const std::vector<std::string> paths = {"scenarios/sip/sip-udp-default.yaml"};

  auto as_found = run(lab_file, dir + "/as-found", paths);
  const auto* s = scenario(as_found, "sip-udp-default");
  ASSERT_NE(s, nullptr) << as_found.output;
  EXPECT_EQ((*s)["verdict"], "fail") << "the phone as found registers over TLS: " << s->dump(2);
  EXPECT_TRUE(eventsOf(dir + "/as-found", "sip-udp-default", "dut.reset").empty());

  const std::string reset_lab =
      writeLab(dir, *wire, subnet, "  reset: factory\n", "bench-reset.yaml");
  auto reset = run(reset_lab, dir + "/reset", paths);
  s = scenario(reset, "sip-udp-default");
  ASSERT_NE(s, nullptr) << reset.output;
  EXPECT_EQ((*s)["verdict"], "pass") << s->dump(2);
  auto resets = eventsOf(dir + "/reset", "sip-udp-default", "dut.reset");
  ASSERT_EQ(resets.size(), 1u);
  EXPECT_EQ(resets[0]["fields"].value("changed", ""), "4") << resets[0].dump();
  EXPECT_EQ(resets[0]["fields"].value("SIP_Transport_1_", ""), "TLS") << resets[0].dump();
  // The factory values stay (only what a scenario configures is put back).
  const std::string flash = readFile(dir + "/phone/config.xml");
  EXPECT_NE(flash.find(">UDP</SIP_Transport_1_>"), std::string::npos) << flash;
  EXPECT_NE(flash.find(">No</Auth_INVITE_1_>"), std::string::npos) << flash;
  EXPECT_EQ(flash.find("stale.example"), std::string::npos) << flash;
  phone->stop();
}

// A scenario that cannot put back what it configured (here the phone is gone when it ends: the
// test switches it off mid-scenario, and the scenario runs into its timeout) leaves it on the
// phone, where a fresh boot does not clear it: the next scenario puts it back before anything
// else, or it and every later one would start from it.
TEST_F(Bench, SettingsAScenarioCouldNotPutBackArePutBackBeforeTheNext) {
  rig("r", "bench-put-back", "198.18.234.0/24");
  std::string lab_text = readFile(lab_file);
  lab_text.replace(lab_text.find("boot_timeout: 100s"), 18, "boot_timeout: 20s");
  writeFile(lab_file, lab_text);
  auto phone = startPhone(*wire, dir);
  const std::string cut = dir + "/cut-short.yaml", clean = dir + "/starts-clean.yaml";
  writeFile(cut,
            "id: cut-short\ntitle: a setting changed, then the phone is gone\n"
            "requirements: [WEB-CONFIG]\ntimeout: 5s\nfakes: {dhcp: {}}\n"
            "dut: {settings: {station_name: left-behind}}\n"
            "steps:\n  - name: outlive\n    expect_none: {event: hostile.sent, within: 60s}\n");
  writeFile(clean,
            "id: starts-clean\ntitle: the phone as the run found it\nrequirements: [WEB-CONFIG]\n"
            "fakes: {dhcp: {}}\nsteps:\n  - name: read\n    act: fetch_config\n"
            "  - name: original-name\n    expect: {event: dut.config, where: {Station_Name: {ne: "
            "left-behind}}, since: read, within: 2s}\n");
  lab::ProcessSpec spec;
  spec.name = "phonelab";
  spec.argv = {kBin + "/phonelab", "run", "--lab", lab_file, "--report", report, cut, clean};
  spec.cwd = kSrc;
  spec.env["CI"] = "true";
  spec.log_path = dir + "/phonelab.log";
  lab::Process run(spec);
  // The phone is switched off once the setting is on it, and on again once the first scenario
  // has ended (its report written).
  bool off = false, on_again = false;
  const Deadline deadline = Deadline::in(Seconds(240));
  std::optional<int> status;
  while (!(status = run.wait(Deadline::in(Seconds(0.1)))) && !deadline.expired()) {
    if (!off &&
        readFile(report + "/cut-short/events.jsonl").find("\"dut.verify\"") != std::string::npos) {
      phone->stop();
      off = true;
    }
    if (off && !on_again &&
        readFile(report + "/results.json").find("\"cut-short\"") != std::string::npos) {
      phone = startPhone(*wire, dir);
      on_again = true;
    }
  }
  ASSERT_TRUE(status) << "phonelab did not finish: " << readFile(spec.log_path);
  ASSERT_TRUE(off && on_again) << readFile(spec.log_path);
  std::ifstream in(report + "/results.json");
  auto results = nlohmann::json::parse(in, nullptr, false);
  ASSERT_TRUE(results.is_object()) << readFile(spec.log_path);
  std::map<std::string, std::string> v;
  for (const auto& sc : results["scenarios"]) v[sc.value("id", "")] = sc.value("verdict", "");
  EXPECT_EQ(v["cut-short"], "error") << readFile(spec.log_path);
  EXPECT_EQ(v["starts-clean"], "pass") << readFile(spec.log_path);
  EXPECT_NE(readFile(report + "/starts-clean/events.jsonl")
                .find("settings the scenario before could not put back: station_name="),
            std::string::npos)
      << readFile(report + "/starts-clean/events.jsonl");
  phone->stop();
}

// power: manual: phonelab prints a prompt on the console and waits for the phone's DHCP DISCOVER.
// The test plays the operator: each prompt in phonelab's output, it switches the phone off and on
// (stops phone-emulator and starts it again). A planned run asks once for the two scenarios (they
// need only a running phone, in the same configuration), plus once for the power cycle.
TEST_F(Bench, PowerManualPromptsTheOperatorAndWaitsForTheDiscover) {
  rig("f", "bench-manual", "198.18.251.0/24");
  const std::string lab = writeLab(dir, *wire, subnet, "", "bench-manual.yaml", "manual");
  auto phone = startPhone(*wire, dir);
  lab::ProcessSpec spec;
  spec.name = "phonelab";
  spec.argv = {kBin + "/phonelab",
               "run",
               "--lab",
               lab,
               "--report",
               report,
               "scenarios/network/web-config.yaml",
               "fixtures/e2e/power-cycle.yaml"};
  spec.cwd = kSrc;
  spec.env["CI"] = "true";
  spec.log_path = dir + "/phonelab.log";
  lab::Process run(spec);
  const std::string prompt = "power: manual: switch the phone";
  size_t answered = 0;
  const Deadline deadline = Deadline::in(Seconds(300));
  std::optional<int> status;
  while (!(status = run.wait(Deadline::in(Seconds(0.1)))) && !deadline.expired()) {
    const std::string out = readFile(spec.log_path);
    size_t prompts = 0;
    for (size_t at = out.find(prompt); at != std::string::npos; at = out.find(prompt, at + 1)) {
      ++prompts;
    }
    for (; answered < prompts; ++answered) {
      phone->stop();
      phone = startPhone(*wire, dir);
    }
  }
  ASSERT_TRUE(status) << "phonelab did not finish: " << readFile(spec.log_path);
  EXPECT_EQ(WIFEXITED(*status) ? WEXITSTATUS(*status) : -1, 0) << readFile(spec.log_path);
  // One prompt for the boot the two scenarios share, one more for the power cycle.
  EXPECT_EQ(answered, 2u) << readFile(spec.log_path);
  std::ifstream in(report + "/results.json");
  auto results = nlohmann::json::parse(in, nullptr, false);
  ASSERT_TRUE(results.is_object());
  for (const auto& s : results["scenarios"]) EXPECT_EQ(s["verdict"], "pass") << s.dump(2);
  bool waited = false;
  for (const auto& e : eventsOf(report, "power-cycle", "dut.power")) {
    waited = waited ||
             (e["fields"].value("power", "") == "manual" && e["fields"].value("state", "") == "on");
  }
  EXPECT_TRUE(waited) << "no dut.power {power: manual, state: on}";
  phone->stop();
}

// The device profile's answer method operator: when the phone rings, the console asks the person
// at the bench to pick up, and the call waits (up to the profile's timeout) for the phone's 200.
// The test plays the person for the first call only: the emulator's answer key (SIGUSR1).
TEST_F(Bench, AnswerOperatorPromptsThePersonAndWaitsForThePhonesAnswer) {
  rig("g", "bench-answer-operator", "198.18.243.0/24");
  std::string profile = readFile(kSrc + "/lab/devices/cisco-8832-mpp.yaml");
  profile = profile.substr(0, profile.find("\nanswer:\n")) +
            "\nanswer: {method: operator, timeout: 5s, note: the person at the bench}\n";
  writeFile(dir + "/operator-8832.yaml", profile);
  std::string lab = readFile(lab_file);
  const std::string stock = kSrc + "/lab/devices/cisco-8832-mpp.yaml";
  lab.replace(lab.find(stock), stock.size(), dir + "/operator-8832.yaml");
  writeFile(lab_file, lab);
  auto phone = startPhone(*wire, dir);
  lab::ProcessSpec spec;
  spec.name = "phonelab";
  spec.argv = {kBin + "/phonelab",
               "run",
               "--lab",
               lab_file,
               "--report",
               report,
               "fixtures/e2e/answer-operator.yaml"};
  spec.cwd = kSrc;
  spec.env["CI"] = "true";
  spec.log_path = dir + "/phonelab.log";
  lab::Process run(spec);
  const std::string prompt =
      "answer: operator: the phone " + std::string(kPhoneMac) + " is ringing: pick it up now";
  size_t prompts = 0;
  bool picked_up = false;
  const Deadline deadline = Deadline::in(Seconds(200));
  std::optional<int> status;
  while (!(status = run.wait(Deadline::in(Seconds(0.1)))) && !deadline.expired()) {
    const std::string out = readFile(spec.log_path);
    prompts = 0;
    for (size_t at = out.find(prompt); at != std::string::npos; at = out.find(prompt, at + 1)) {
      ++prompts;
    }
    if (prompts >= 1 && !picked_up) {
      ::kill(phone->pid(), SIGUSR1);  // the person picks up the first call, and only that one
      picked_up = true;
    }
  }
  ASSERT_TRUE(status) << "phonelab did not finish: " << readFile(spec.log_path);
  EXPECT_EQ(WIFEXITED(*status) ? WEXITSTATUS(*status) : -1, 0)
      << readFile(spec.log_path) << "\n"
      << readFile(dir + "/phone-emulator.log");
  EXPECT_EQ(prompts, 2u) << readFile(spec.log_path);
  std::ifstream in(report + "/results.json");
  auto results = nlohmann::json::parse(in, nullptr, false);
  ASSERT_TRUE(results.is_object());
  for (const auto& s : results["scenarios"]) EXPECT_EQ(s["verdict"], "pass") << s.dump(2);
  // The phone rang and the person picked up: the answer key, not an auto-answer.
  const std::string log = readFile(dir + "/phone-emulator.log");
  EXPECT_NE(log.find("sip: answer key: picking up call"), std::string::npos) << log;
  EXPECT_EQ(log.find("asks for auto-answer"), std::string::npos) << log;
  // Nothing about auto-answer was configured for an operator.
  for (const auto& e : eventsOf(report, "answer-operator", "dut.configure")) {
    EXPECT_FALSE(e["fields"].contains("Auto_Answer_Page")) << e.dump();
  }
  phone->stop();
}

}  // namespace
}  // namespace phonelab::e2e
