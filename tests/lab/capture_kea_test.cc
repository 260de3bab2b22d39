#include <arpa/inet.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "base/core/error.h"
#include "base/core/match.h"
#include "base/lab/capture.h"
#include "base/lab/netns.h"
#include "base/lab/process.h"
#include "base/proto/dhcp.h"
#include "fakes/dhcp/kea.h"
#include "lab_util.h"

using namespace phonelab;
using namespace phonelab::lab;
using phonelab::labtest::Bytes;
using phonelab::labtest::TempDir;

namespace {

std::string macOf(const std::string& ns, const std::string& dev) {
  auto j = nlohmann::json::parse(ipOutput({"-n", ns, "-j", "link", "show", dev}));
  return j.at(0).at("address").get<std::string>();
}

/// Plays the DUT by hand: eth0 up with the static address.
void configureDut(const Segment& seg) {
  ipCommand({"-n", seg.dutNs(), "addr", "add", seg.addr().static_ip + "/24", "dev", "eth0"});
  ipCommand({"-n", seg.dutNs(), "link", "set", "eth0", "up"});
}

/// Sends one UDP datagram from inside a namespace.
void sendUdp(const std::string& ns, const std::string& to, uint16_t port) {
  NetnsScope scope(ns);
  int fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  ASSERT_GE(fd, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  ::inet_pton(AF_INET, to.c_str(), &a.sin_addr);
  EXPECT_EQ(::sendto(fd, "hello", 5, 0, reinterpret_cast<sockaddr*>(&a), sizeof a), 5);
  ::close(fd);
}

/// Sends an ICMP echo request from inside a namespace (raw socket: no ping binary needed).
void sendEcho(const std::string& ns, const std::string& to, uint16_t id, uint16_t seq) {
  NetnsScope scope(ns);
  int fd = ::socket(AF_INET, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_ICMP);
  ASSERT_GE(fd, 0) << std::strerror(errno);
  Bytes icmp = {8, 0, 0, 0};
  labtest::put16(icmp, id);
  labtest::put16(icmp, seq);
  for (int i = 0; i < 8; ++i) icmp.push_back(static_cast<uint8_t>(i));
  uint32_t sum = 0;
  for (size_t i = 0; i < icmp.size(); i += 2)
    sum += static_cast<uint32_t>(icmp[i] << 8 | icmp[i + 1]);
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  icmp[2] = static_cast<uint8_t>(~sum >> 8);
  icmp[3] = static_cast<uint8_t>(~sum);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  ::inet_pton(AF_INET, to.c_str(), &a.sin_addr);
  EXPECT_EQ(::sendto(fd, icmp.data(), icmp.size(), 0, reinterpret_cast<sockaddr*>(&a), sizeof a),
            static_cast<ssize_t>(icmp.size()))
      << std::strerror(errno);
  ::close(fd);
}

/// Sends a raw Ethernet frame out of `dev` inside a namespace.
void sendFrame(const std::string& ns, const std::string& dev, const Bytes& frame) {
  NetnsScope scope(ns);
  int fd = ::socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0);
  ASSERT_GE(fd, 0) << std::strerror(errno);
  sockaddr_ll ll{};
  ll.sll_family = AF_PACKET;
  ll.sll_ifindex = static_cast<int>(::if_nametoindex(dev.c_str()));
  ll.sll_halen = 6;
  EXPECT_EQ(
      ::sendto(fd, frame.data(), frame.size(), 0, reinterpret_cast<sockaddr*>(&ll), sizeof ll),
      static_cast<ssize_t>(frame.size()))
      << std::strerror(errno);
  ::close(fd);
}

}  // namespace

TEST(LabCapture, SeesTrafficAndWritesPcap) {
  PHL_REQUIRE_ROOT();
  TempDir tmp;
  Segment seg(runToken(), 10);
  EventLog log;
  const std::string pcap = tmp / "capture.pcap";
  uint64_t packets = 0;
  {
    Capture cap(seg.labNs(), seg.labIf(), pcap, log, "");
    configureDut(seg);
    const std::string dut_mac = macOf(seg.dutNs(), "eth0");
    cap.setDutMac(dut_mac);
    sendUdp(seg.labNs(), seg.addr().static_ip, 9999);

    auto udp =
        log.waitFor(EventMatcher("udp").whereEq("dst_port", "9999"), 0, Deadline::in(Seconds(5)));
    ASSERT_TRUE(udp) << "no UDP event; " << log.size() << " events";
    EXPECT_EQ(udp->source, "capture");
    EXPECT_EQ(*udp->field("from"), "lab");
    EXPECT_EQ(*udp->field("dst_ip"), seg.addr().static_ip);
    EXPECT_EQ(*udp->field("src_mac"), seg.labMac());
    EXPECT_GE(udp->t, 0);
    EXPECT_LT(udp->t, 10);
    // Resolving the DUT's address went over the wire first; the DUT answered.
    auto reply =
        log.waitFor(EventMatcher("arp.reply").whereEq("from", "dut"), 0, Deadline::in(Seconds(2)));
    ASSERT_TRUE(reply);
    EXPECT_EQ(reply->summary, "ARP " + seg.addr().static_ip + " is at " + dut_mac);

    // The off-subnet "remote" address answers from the lab side.
    ipCommand({"-n", seg.dutNs(), "route", "add", "default", "via", seg.addr().lab_ip});
    sendEcho(seg.dutNs(), seg.addr().remote_ip, 7, 1);
    auto echo = log.waitFor(EventMatcher("icmp.echo-reply").whereEq("src_ip", seg.addr().remote_ip),
                            0, Deadline::in(Seconds(2)));
    ASSERT_TRUE(echo);
    EXPECT_EQ(*echo->field("from"), "lab");
    EXPECT_EQ(echo->summary, "ICMP echo reply " + seg.addr().remote_ip + " -> " +
                                 seg.addr().static_ip + " id 7 seq 1");
    packets = cap.packets();
    EXPECT_GE(packets, 3u);
  }
  std::string data = labtest::readFile(pcap);
  ASSERT_GE(data.size(), 24u);
  EXPECT_EQ(static_cast<uint8_t>(data[0]), 0xd4);  // 0xa1b2c3d4, little-endian
  EXPECT_EQ(static_cast<uint8_t>(data[1]), 0xc3);
  EXPECT_EQ(static_cast<uint8_t>(data[2]), 0xb2);
  EXPECT_EQ(static_cast<uint8_t>(data[3]), 0xa1);
  EXPECT_GT(data.size(), 24u + packets * 16);
}

// A burst larger than libpcap's default ring (2 MiB: a few dozen frames of the snap length in
// immediate mode), as an ARP sweep of the subnet makes: every frame is kept, and the capture says
// how many it received and dropped when it ends (capture.stats).
TEST(LabCapture, ABurstOfFramesIsKeptWhole) {
  PHL_REQUIRE_ROOT();
  TempDir tmp;
  Segment seg(runToken(), 21);
  EventLog log;
  constexpr int kFrames = 400;
  {
    Capture cap(seg.labNs(), seg.labIf(), tmp / "capture.pcap", log, "");
    ipCommand({"-n", seg.dutNs(), "link", "set", "eth0", "up"});
    NetnsScope scope(seg.dutNs());
    int fd = ::socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0);
    ASSERT_GE(fd, 0) << std::strerror(errno);
    sockaddr_ll ll{};
    ll.sll_family = AF_PACKET;
    ll.sll_ifindex = static_cast<int>(::if_nametoindex("eth0"));
    ll.sll_halen = 6;
    std::memset(ll.sll_addr, 0xff, 6);
    for (int i = 1; i <= kFrames; ++i) {
      // Broadcast, IEEE local experimental ethertype 0x88b5; the last frame is one byte longer.
      Bytes f(i == kFrames ? 61 : 60, 0);
      std::memset(f.data(), 0xff, 6);
      f[12] = 0x88;
      f[13] = 0xb5;
      f[14] = static_cast<uint8_t>(i >> 8);
      f[15] = static_cast<uint8_t>(i);
      ASSERT_EQ(::sendto(fd, f.data(), f.size(), 0, reinterpret_cast<sockaddr*>(&ll), sizeof ll),
                static_cast<ssize_t>(f.size()))
          << std::strerror(errno);
    }
    ::close(fd);
    auto last =
        log.waitFor(EventMatcher("ether").whereEq("length", "61"), 0, Deadline::in(Seconds(10)));
    ASSERT_TRUE(last) << "the burst's last frame was not captured";
    EXPECT_EQ(log.matching(EventMatcher("ether").whereEq("ethertype", "0x88b5"), 0).size(),
              static_cast<size_t>(kFrames));
  }
  auto stats = log.matching(EventMatcher("capture.stats"), 0);
  ASSERT_EQ(stats.size(), 1u);
  EXPECT_EQ(*stats[0].field("dropped"), "0") << stats[0].summary;
  EXPECT_GE(std::stoi(*stats[0].field("received")), kFrames) << stats[0].summary;
}

TEST(LabCapture, OpenFailureThrows) {
  PHL_REQUIRE_ROOT();
  TempDir tmp;
  Segment seg(runToken(), 17);
  EventLog log;
  EXPECT_THROW(Capture(seg.labNs(), "nosuchif0", tmp / "c.pcap", log, ""), Error);
  EXPECT_THROW(Capture(seg.labNs(), "lab0", "/nonexistent-dir/c.pcap", log, ""), Error);
}

TEST(LabCapture, StopsPromptlyWhenIdle) {
  PHL_REQUIRE_ROOT();
  TempDir tmp;
  Segment seg(runToken(), 18);
  EventLog log;
  auto cap = std::make_unique<Capture>(seg.labNs(), "lab0", tmp / "c.pcap", log, "");
  auto t0 = Clock::now();
  cap.reset();
  EXPECT_LT(Seconds(Clock::now() - t0).count(), 0.5);
  EXPECT_EQ(labtest::readFile(tmp / "c.pcap").size(), 24u);  // header only
}

TEST(FakeKea, WritesLeaseTimersSocketsPoolAndOptionsIntoTheConfig) {
  fakes::KeaOptions o;
  o.iface = "lab0";
  o.subnet = "198.18.0.0/24";
  o.pool_from = "198.18.0.100";
  o.pool_to = "198.18.0.199";
  o.router = "198.18.0.1";
  o.dns_servers = {"198.18.0.1", "198.18.0.2"};
  o.domain_name = "lab.example";
  o.lease = 120;
  o.work_dir = "/tmp/x";
  auto j = nlohmann::json::parse(fakes::keaConfigJson(o)).at("Dhcp4");
  EXPECT_EQ(j["valid-lifetime"], 120);
  EXPECT_EQ(j["min-valid-lifetime"], 120);
  EXPECT_EQ(j["max-valid-lifetime"], 120);
  EXPECT_EQ(j["renew-timer"], 60);
  EXPECT_EQ(j["rebind-timer"], 105);
  EXPECT_EQ(j["interfaces-config"]["interfaces"][0], "lab0");
  EXPECT_EQ(j["control-socket"]["socket-name"], "/tmp/x/kea.sock");
  EXPECT_EQ(j["lease-database"]["name"], "/tmp/x/leases.csv");
  EXPECT_EQ(j["subnet4"][0]["pools"][0]["pool"], "198.18.0.100 - 198.18.0.199");
  auto opts = j["subnet4"][0]["option-data"];
  ASSERT_EQ(opts.size(), 3u);
  EXPECT_EQ(opts[1]["data"], "198.18.0.1, 198.18.0.2");
}

TEST(FakeKea, StartsAnswersCommandsAndOffers) {
  PHL_REQUIRE_ROOT();
  if (::access("/usr/sbin/kea-dhcp4", X_OK) != 0) GTEST_SKIP() << "kea-dhcp4 not installed";
  TempDir tmp;
  Segment seg(runToken(), 11);
  EventLog log;
  Capture cap(seg.labNs(), seg.labIf(), tmp / "capture.pcap", log, "");
  ipCommand({"-n", seg.dutNs(), "link", "set", "eth0", "up"});
  const std::string dut_mac = macOf(seg.dutNs(), "eth0");
  cap.setDutMac(dut_mac);

  fakes::KeaOptions o;
  o.netns = seg.labNs();
  o.iface = seg.labIf();
  o.subnet = seg.addr().prefix + ".0/24";
  o.pool_from = seg.addr().pool_from;
  o.pool_to = seg.addr().pool_to;
  o.router = seg.addr().lab_ip;
  o.dns_servers = {seg.addr().lab_ip};
  o.domain_name = "lab.example";
  o.lease = 120;
  o.work_dir = tmp / "kea";
  int kea_pid = 0;
  {
    fakes::KeaServer kea(o, log);
    kea_pid = kea.pid();
    EXPECT_TRUE(log.waitFor(EventMatcher("fake.start").whereEq("name", "kea"), 0,
                            Deadline::in(Seconds(0))));
    auto cfg = nlohmann::json::parse(kea.command(R"({"command": "config-get"})"));
    if (cfg.is_array()) cfg = cfg.at(0);
    EXPECT_EQ(cfg.at("result"), 0) << cfg.dump();
    auto leases = nlohmann::json::parse(kea.command(R"({"command": "lease4-get-all"})"));
    EXPECT_NE(leases.at("result"), 2) << "lease_cmds hook not loaded: " << leases.dump();

    // A DISCOVER from the DUT side, by hand.
    proto::dhcp::Message m;
    m.xid = 0x3903f326;
    m.flags = 0x8000;
    m.chaddr = *proto::dhcp::parseMac(dut_mac);
    m.setOption(53, {1});
    m.setOption(55, {1, 3, 6, 15, 51});
    Bytes bcast(6, 0xff), mac(m.chaddr.begin(), m.chaddr.end());
    sendFrame(seg.dutNs(), "eth0",
              labtest::udpFrame(bcast, mac, {0, 0, 0, 0}, {255, 255, 255, 255}, 68, 67,
                                proto::dhcp::encode(m)));
    auto discover = log.waitFor(EventMatcher("dhcp.discover"), 0, Deadline::in(Seconds(3)));
    ASSERT_TRUE(discover);
    EXPECT_EQ(*discover->field("from"), "dut");
    auto offer = log.waitFor(EventMatcher("dhcp.offer").whereEq("xid", "0x3903f326"), 0,
                             Deadline::in(Seconds(5)));
    ASSERT_TRUE(offer) << labtest::readFile(kea.logPath());
    EXPECT_EQ(*offer->field("from"), "lab");
    EXPECT_EQ(*offer->field("lease"), "120");
    EXPECT_EQ(*offer->field("server_id"), seg.addr().lab_ip);
    EXPECT_EQ(*offer->field("routers"), seg.addr().lab_ip);
    EXPECT_EQ(*offer->field("renewal_time"), "60");
    auto ip = proto::dhcp::parseIp4(*offer->field("yiaddr"));
    ASSERT_TRUE(ip);
    EXPECT_GE((*ip)[3], 100);
    EXPECT_LE((*ip)[3], 199);
  }
  EXPECT_NE(::kill(kea_pid, 0), 0) << "kea still running";
  EXPECT_TRUE(log.waitFor(EventMatcher("fake.stop"), 0, Deadline::in(Seconds(0))));
}

TEST(FakeKea, RejectedConfigThrowsWithKeasOutput) {
  PHL_REQUIRE_ROOT();
  if (::access("/usr/sbin/kea-dhcp4", X_OK) != 0) GTEST_SKIP() << "kea-dhcp4 not installed";
  TempDir tmp;
  Segment seg(runToken(), 19);
  EventLog log;
  fakes::KeaOptions o;
  o.netns = seg.labNs();
  o.iface = seg.labIf();
  o.subnet = "198.18.19.0/24";
  o.pool_from = "198.18.20.100";  // outside the subnet
  o.pool_to = "198.18.20.199";
  o.work_dir = tmp / "kea";
  try {
    fakes::KeaServer kea(o, log);
    FAIL() << "accepted a pool outside its subnet";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("rejected"), std::string::npos) << e.what();
  }
}
