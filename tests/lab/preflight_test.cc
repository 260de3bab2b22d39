// The bench preflight on a real segment: the test makes a namespace pair + veth, plays the bench
// NIC on the DUT side, and puts what must not be there on the other side: a second DHCP server
// (Kea) and a host that ARPs. A quiet segment passes.

#include "base/lab/preflight.h"

#include <unistd.h>

#include <chrono>
#include <nlohmann/json.hpp>
#include <thread>

#include "base/core/event.h"
#include "base/lab/netns.h"
#include "fakes/dhcp/kea.h"
#include "harness/runner/ping.h"
#include "lab_util.h"

using namespace phonelab;
using namespace phonelab::lab;
using phonelab::labtest::TempDir;

namespace {

std::string macOf(const std::string& ns, const std::string& dev) {
  auto j = nlohmann::json::parse(ipOutput({"-n", ns, "-j", "link", "show", dev}));
  return j.at(0).at("address").get<std::string>();
}

PreflightResult preflightOnDutSide(const Segment& seg, double listen) {
  ipCommand({"-n", seg.dutNs(), "link", "set", seg.dutIf(), "up"});
  NetnsScope in_dut(seg.dutNs());
  PreflightOptions o;
  o.iface = seg.dutIf();
  o.phone_mac = "02:00:c6:12:00:0a";
  o.listen = listen;
  return runPreflight(o, Deadline::in(Seconds(listen + 2)));
}

TEST(Preflight, AQuietSegmentPasses) {
  PHL_REQUIRE_ROOT();
  Segment seg(runToken(), 212);
  auto r = preflightOnDutSide(seg, 1.5);
  EXPECT_TRUE(r.ok()) << r.describe("eth0");
  EXPECT_GE(r.discovers_sent, 2);
  EXPECT_EQ(r.throwaway_mac.rfind("02:50:46:", 0), 0u) << r.throwaway_mac;
}

TEST(Preflight, ASecondDhcpServerIsFoundAndNamed) {
  PHL_REQUIRE_ROOT();
  if (::access("/usr/sbin/kea-dhcp4", X_OK) != 0) GTEST_SKIP() << "kea-dhcp4 not installed";
  TempDir tmp;
  Segment seg(runToken(), 213);
  EventLog log;
  fakes::KeaOptions k;
  k.netns = seg.labNs();
  k.iface = seg.labIf();
  k.subnet = seg.addr().prefix + ".0/24";
  k.pool_from = seg.addr().pool_from;
  k.pool_to = seg.addr().pool_to;
  k.router = seg.addr().lab_ip;
  k.work_dir = tmp / "kea";
  fakes::KeaServer kea(k, log);

  auto r = preflightOnDutSide(seg, 2.5);
  ASSERT_FALSE(r.ok()) << "Kea on the segment was not noticed";
  const auto& f = r.findings.front();
  EXPECT_EQ(f.kind, "dhcp-server");
  EXPECT_EQ(f.mac, macOf(seg.labNs(), seg.labIf()));
  EXPECT_EQ(f.ip.rfind(seg.addr().prefix + ".", 0), 0u) << f.ip;  // an address of lab0
  const std::string msg = r.describe("eth0");
  EXPECT_NE(msg.find("DHCP server " + f.ip + " (MAC " + f.mac + ")"), std::string::npos) << msg;
  EXPECT_NE(msg.find("answered our DISCOVER with a DHCP OFFER of " + seg.addr().prefix + "."),
            std::string::npos)
      << msg;
}

TEST(Preflight, AnUnknownHostThatArpsIsFound) {
  PHL_REQUIRE_ROOT();
  Segment seg(runToken(), 214);
  ipCommand({"-n", seg.dutNs(), "link", "set", seg.dutIf(), "up"});
  // Another host on the wire: the lab side pings an address of the subnet, so it ARPs for it
  // while the preflight listens.
  std::thread other([&] {
    NetnsScope in_lab(seg.labNs());
    for (int i = 0; i < 8; ++i) {
      runner::sendEchoRequest("", seg.addr().prefix + ".77", 0x7068, static_cast<uint16_t>(i));
      std::this_thread::sleep_for(std::chrono::milliseconds(150));  // traffic pacing, not sync
    }
  });
  auto r = preflightOnDutSide(seg, 1.5);
  other.join();
  bool found = false;
  for (const auto& f : r.findings) {
    if (f.kind == "unknown-host" && f.mac == macOf(seg.labNs(), seg.labIf())) found = true;
  }
  EXPECT_TRUE(found) << r.describe("eth0");
  EXPECT_NE(r.describe("eth0").find("asked who has " + seg.addr().prefix + ".77"),
            std::string::npos)
      << r.describe("eth0");
}

}  // namespace
