// Kea carries every option of the table that a server can send: `kea-dhcp4 -t` accepts the
// config, and an OFFER/ACK to a client that asks for all of them carries each with the right bytes.

#include <arpa/inet.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "base/core/error.h"
#include "base/core/match.h"
#include "base/lab/capture.h"
#include "base/lab/netns.h"
#include "base/lab/process.h"
#include "base/proto/dhcp.h"
#include "base/proto/dhcp_options.h"
#include "fakes/dhcp/kea.h"
#include "lab_util.h"

using namespace phonelab;
using namespace phonelab::lab;
namespace dhcp = phonelab::proto::dhcp;
using phonelab::labtest::Bytes;
using phonelab::labtest::TempDir;

namespace {

bool haveKea() {
  return ::access("/usr/sbin/kea-dhcp4", X_OK) == 0;
}

std::string macOf(const std::string& ns, const std::string& dev) {
  auto j = nlohmann::json::parse(ipOutput({"-n", ns, "-j", "link", "show", dev}));
  return j.at(0).at("address").get<std::string>();
}

/// A value for every option the table lets a server carry, on lane prefix `p` ("198.18.230").
/// Values are chosen to catch carriage mistakes: a comma inside a string (Kea's csv tokenizer),
/// 43 bytes that are not valid sub-option TLVs (Kea would send 43 empty unless redefined binary),
/// a negative time offset, lease timers that are not the 1/2 and 7/8 defaults.
std::vector<fakes::KeaOption> everyServerOption(const std::string& p) {
  return {
      {1, "255.255.255.0"},
      {2, "-3600"},
      {3, p + ".1, " + p + ".7"},
      {4, p + ".7"},
      {6, p + ".2, " + p + ".7"},
      {12, "phone,one"},
      {15, "lab.example"},
      {41, p + ".7"},
      {42, p + ".3"},
      {43, "de:ad:be:ef"},
      {51, "600"},
      {58, "200"},
      {59, "500"},
      {66, "tftp.lab.example"},
      // Enterprise 3561 (Broadband Forum), data-len 10, sub-option 1 (ACS URL) "http://x".
      {125, "00:00:0d:e9:0a:01:08:68:74:74:70:3a:2f:2f:78"},
      {150, p + ".4, " + p + ".7"},
      {159, p + ".5"},
      {160, "http://" + p + ".5/cfg/$PSN.xml"},
  };
}

fakes::KeaOptions baseOptions(const Segment& seg, const std::string& work_dir) {
  fakes::KeaOptions o;
  o.netns = seg.labNs();
  o.iface = seg.labIf();
  o.subnet = seg.addr().prefix + ".0/24";
  o.pool_from = seg.addr().pool_from;
  o.pool_to = seg.addr().pool_to;
  o.router = seg.addr().lab_ip;
  o.lease = 600;  // the timers of everyServerOption fit under it
  o.work_dir = work_dir;
  return o;
}

/// The client side of a DHCP exchange in the DUT namespace: an AF_PACKET socket on eth0 (works
/// while eth0 has no address), frames built by hand like the emulator's client.
class RawClient {
 public:
  RawClient(const std::string& ns, const std::string& dev) {
    NetnsScope scope(ns);
    fd_ = ::socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, htons(ETH_P_IP));
    if (fd_ < 0) throw Error(sysError("AF_PACKET socket", errno));
    ifindex_ = static_cast<int>(::if_nametoindex(dev.c_str()));
    sockaddr_ll ll{};
    ll.sll_family = AF_PACKET;
    ll.sll_protocol = htons(ETH_P_IP);
    ll.sll_ifindex = ifindex_;
    if (::bind(fd_, reinterpret_cast<sockaddr*>(&ll), sizeof ll) != 0)
      throw Error(sysError("bind AF_PACKET", errno));
  }
  ~RawClient() { ::close(fd_); }

  void send(const dhcp::Message& m) {
    Bytes bcast(6, 0xff), mac(m.chaddr.begin(), m.chaddr.end());
    Bytes f = labtest::udpFrame(bcast, mac, Bytes(4, 0), Bytes(4, 0xff), 68, 67, dhcp::encode(m));
    sockaddr_ll ll{};
    ll.sll_family = AF_PACKET;
    ll.sll_ifindex = ifindex_;
    ll.sll_halen = 6;
    if (::sendto(fd_, f.data(), f.size(), 0, reinterpret_cast<sockaddr*>(&ll), sizeof ll) !=
        static_cast<ssize_t>(f.size()))
      throw Error(sysError("sendto", errno));
  }

  /// The UDP payload of the first server reply (port 67 -> 68) with this xid, or empty.
  Bytes receive(uint32_t xid, Seconds within) {
    auto deadline = Deadline::in(within);
    uint8_t buf[2048];
    while (!deadline.expired()) {
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, std::max(1, deadline.remainingMs())) <= 0) continue;
      ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
      if (n < 14 + 20 + 8) continue;
      const size_t ihl = static_cast<size_t>(buf[14] & 0x0f) * 4;
      if (buf[14 + 9] != 17 || static_cast<size_t>(n) < 14 + ihl + 8) continue;
      const uint8_t* u = buf + 14 + ihl;
      if ((u[0] << 8 | u[1]) != 67 || (u[2] << 8 | u[3]) != 68) continue;
      const size_t ulen = static_cast<size_t>(u[4] << 8 | u[5]);
      if (ulen < 8 || 14 + ihl + ulen > static_cast<size_t>(n)) continue;
      Bytes payload(u + 8, u + ulen);
      auto r = dhcp::decode(payload);
      if (r.message && r.message->op == 2 && r.message->xid == xid) return payload;
    }
    return {};
  }

 private:
  int fd_ = -1;
  int ifindex_ = 0;
};

/// A DISCOVER or REQUEST as the emulator's client builds it (emulator/dhcp_client.cc
/// makeClientMessage), with `params` as its parameter request list.
dhcp::Message clientMessage(const dhcp::Mac& mac, dhcp::MessageType type, uint32_t xid,
                            const std::vector<uint8_t>& params, bool send_hostname) {
  dhcp::Message m;
  m.xid = xid;
  m.chaddr = mac;
  m.setOption(53, {static_cast<uint8_t>(type)});
  std::vector<uint8_t> cid{1};
  cid.insert(cid.end(), mac.begin(), mac.end());
  m.setOption(61, cid);
  const std::string vc = "Cisco Systems, Inc. IP Phone CP-8832-3PCC";
  m.setOption(60, std::vector<uint8_t>(vc.begin(), vc.end()));
  const std::string host = "SEP0200C6E60001";
  if (send_hostname) m.setOption(12, std::vector<uint8_t>(host.begin(), host.end()));
  m.setOption(57, {0x05, 0xdc});
  m.setOption(55, params);
  return m;
}

/// Runs DISCOVER/OFFER/REQUEST/ACK; returns {offer, ack} payloads (empty on a missing answer).
std::pair<Bytes, Bytes> exchange(RawClient& client, const dhcp::Mac& mac, uint32_t xid,
                                 const std::vector<uint8_t>& params, bool send_hostname = true) {
  // Retransmit like a client: Kea's control socket answers a little before its DHCP sockets
  // are open.
  Bytes offer;
  for (int attempt = 0; attempt < 5 && offer.empty(); ++attempt) {
    client.send(clientMessage(mac, dhcp::MessageType::Discover, xid, params, send_hostname));
    offer = client.receive(xid, Seconds(1));
  }
  if (offer.empty()) return {};
  auto o = dhcp::decode(offer).message;
  auto req = clientMessage(mac, dhcp::MessageType::Request, xid, params, send_hostname);
  req.setOption(50, dhcp::ip4Bytes(o->yiaddr));
  if (const auto* sid = o->option(54)) req.setOption(54, sid->data);
  client.send(req);
  return {offer, client.receive(xid, Seconds(5))};
}

std::vector<uint8_t> codesOf(const std::vector<fakes::KeaOption>& opts) {
  std::vector<uint8_t> codes;
  for (const auto& o : opts) codes.push_back(o.code);
  return codes;
}

/// Every listed option is in the message with exactly the bytes encodeOptionValue gives.
void expectCarries(const Bytes& payload, const std::vector<fakes::KeaOption>& opts,
                   const std::string& what) {
  auto r = dhcp::decode(payload);
  ASSERT_TRUE(r.message) << what << ": " << r.error;
  for (const auto& o : opts) {
    const dhcp::OptionDef* def = dhcp::findOption(o.code);
    ASSERT_NE(def, nullptr);
    std::string err;
    auto want = dhcp::encodeOptionValue(*def, o.value, err);
    ASSERT_TRUE(want) << err;
    const dhcp::Option* got = r.message->option(o.code);
    if (!got) {
      ADD_FAILURE() << what << " lacks option " << int(o.code) << " (" << def->name << ")";
      continue;
    }
    EXPECT_EQ(got->data, *want) << what << " option " << int(o.code) << " (" << def->name
                                << "): got " << dhcp::formatOptionValue(def, got->data) << ", want "
                                << o.value;
  }
}

}  // namespace

// ---- Config generation (no root needed) ----

TEST(KeaOptionsConfig, CarriagePerTable) {
  fakes::KeaOptions o;
  o.iface = "lab0";
  o.subnet = "198.18.230.0/24";
  o.pool_from = "198.18.230.100";
  o.pool_to = "198.18.230.199";
  o.router = "198.18.230.1";
  o.work_dir = "/tmp/x";
  o.options = everyServerOption("198.18.230");
  o.options[0].always_send = true;  // 1 is not option-data: always_send has no effect there
  o.options[13].always_send = false;
  auto j = nlohmann::json::parse(fakes::keaConfigJson(o)).at("Dhcp4");
  EXPECT_EQ(j["valid-lifetime"], 600);
  EXPECT_EQ(j["min-valid-lifetime"], 600);
  EXPECT_EQ(j["max-valid-lifetime"], 600);
  EXPECT_EQ(j["renew-timer"], 200);
  EXPECT_EQ(j["rebind-timer"], 500);
  auto data = j["subnet4"][0]["option-data"];
  auto find = [&](const std::string& key, const nlohmann::json& v) -> nlohmann::json {
    for (const auto& d : data)
      if (d.contains(key) && d[key] == v) return d;
    return nullptr;
  };
  ASSERT_FALSE(find("name", "routers").is_null());
  EXPECT_EQ(find("name", "routers")["data"], "198.18.230.1,198.18.230.7");  // the list, not router
  EXPECT_EQ(find("name", "host-name")["data"], "phone\\,one");
  EXPECT_EQ(find("name", "time-offset")["data"], "-3600");
  EXPECT_EQ(find("name", "tftp-server-address")["data"], "198.18.230.4,198.18.230.7");
  EXPECT_EQ(find("code", 159)["data"], "c612e605");
  EXPECT_EQ(find("code", 159)["csv-format"], false);
  EXPECT_EQ(find("code", 43)["data"], "deadbeef");
  EXPECT_EQ(find("code", 125)["always-send"],
            true);  // forced: Kea sends 125 only to a client that sent 125 itself
  EXPECT_TRUE(find("name", "subnet-mask").is_null());
  EXPECT_TRUE(find("name", "dhcp-lease-time").is_null());
  auto defs = j["option-def"];
  ASSERT_EQ(defs.size(), 3u);  // 43 binary, 150, 160
  EXPECT_EQ(defs[0]["code"], 43);
  EXPECT_EQ(defs[0]["type"], "binary");
  EXPECT_EQ(defs[1]["code"], 150);
  EXPECT_EQ(defs[1]["type"], "ipv4-address");
  EXPECT_EQ(defs[1]["array"], true);
  EXPECT_EQ(defs[2]["code"], 160);
  EXPECT_EQ(defs[2]["type"], "string");
}

TEST(KeaOptionsConfig, ServerAddressNarrowsTheInterface) {
  fakes::KeaOptions o;
  o.iface = "lab0";
  o.subnet = "198.18.230.0/24";
  auto j = nlohmann::json::parse(fakes::keaConfigJson(o)).at("Dhcp4");
  EXPECT_EQ(j["interfaces-config"]["interfaces"][0], "lab0");
  o.server_address = "198.18.230.1";
  j = nlohmann::json::parse(fakes::keaConfigJson(o)).at("Dhcp4");
  EXPECT_EQ(j["interfaces-config"]["interfaces"][0], "lab0/198.18.230.1");
}

TEST(KeaOptionsConfig, DefaultTimersAndRouterSwitch) {
  fakes::KeaOptions o;
  o.subnet = "198.18.230.0/24";
  o.router = "198.18.230.1";
  o.options = {{51, "1000"}};
  o.send_router = false;
  auto j = nlohmann::json::parse(fakes::keaConfigJson(o)).at("Dhcp4");
  EXPECT_EQ(j["valid-lifetime"], 1000);
  EXPECT_EQ(j["renew-timer"], 500);
  EXPECT_EQ(j["rebind-timer"], 875);
  EXPECT_TRUE(j["subnet4"][0]["option-data"].empty());
  EXPECT_FALSE(j.contains("option-def"));

  // Without send_timers Kea is given no T1/T2 (and computes none), unless an option lists one.
  o.send_timers = false;
  j = nlohmann::json::parse(fakes::keaConfigJson(o)).at("Dhcp4");
  EXPECT_FALSE(j.contains("renew-timer"));
  EXPECT_FALSE(j.contains("rebind-timer"));
  EXPECT_FALSE(j.value("calculate-tee-times", false));
  o.options = {{51, "1000"}, {59, "900"}};
  j = nlohmann::json::parse(fakes::keaConfigJson(o)).at("Dhcp4");
  EXPECT_FALSE(j.contains("renew-timer"));
  EXPECT_EQ(j["rebind-timer"], 900);
}

TEST(KeaOptionsConfig, RejectsWhatKeaCannotCarry) {
  auto rejects = [](fakes::KeaOption opt, const std::string& needle) {
    fakes::KeaOptions o;
    o.subnet = "198.18.230.0/24";
    o.options = {opt};
    try {
      fakes::keaConfigJson(o);
      ADD_FAILURE() << "accepted option " << int(opt.code) << " = " << opt.value;
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
    }
  };
  rejects({60, "Cisco"}, "option 60 (vendor-class-identifier) is sent by clients only");
  rejects({55, "1,3"}, "option 55 (dhcp-parameter-request-list) is sent by clients only");
  rejects({54, "198.18.230.1"}, "option 54 (dhcp-server-identifier) is sent by clients only");
  // 159 is an address in the table, so a value of another length is caught by its type; the
  // 4-byte rule in keaConfigJson guards a table that would make it binary.
  rejects({159, "01:02:03:04:05"}, "'01:02:03:04:05' is not an IPv4 address");
  rejects({58, "3500"}, "is greater than rebind-timer T2 (option 59) 3150 s");
  rejects({1, "255.255.0.0"}, "Kea sends the mask of subnet 198.18.230.0/24");
  rejects({6, "not-an-address"}, "'not-an-address' is not an IPv4 address");
  rejects({200, "x"}, "option 200 is not in the option table");
  fakes::KeaOptions twice;
  twice.options = {{66, "a"}, {66, "b"}};
  EXPECT_THROW(fakes::keaConfigJson(twice), Error);
}

// ---- Against the real Kea ----

/// `kea-dhcp4 -t` accepts a config with each server-carried option on its own (so a rejection
/// names the option), and all of them together.
TEST(KeaOptionsLab, KeaAcceptsEveryServerOption) {
  PHL_REQUIRE_ROOT();
  if (!haveKea()) GTEST_SKIP() << "kea-dhcp4 not installed";
  TempDir tmp;
  Segment seg(runToken(), 230);
  const auto all = everyServerOption(seg.addr().prefix);
  std::vector<std::vector<fakes::KeaOption>> configs;
  for (const auto& o : all) configs.push_back({o});
  configs.push_back(all);
  size_t tested = 0;
  for (const auto& opts : configs) {
    auto o = baseOptions(seg, tmp / "kea");
    o.options = opts;
    std::filesystem::create_directories(o.work_dir);
    const std::string cfg = o.work_dir + "/check.json";
    {
      std::ofstream out(cfg);
      out << fakes::keaConfigJson(o);
    }
    ProcessSpec spec;
    spec.name = "kea-check";
    spec.argv = {"kea-dhcp4", "-t", cfg};
    spec.env = {{"KEA_PIDFILE_DIR", o.work_dir}, {"KEA_LOCKFILE_DIR", o.work_dir}};
    spec.netns = seg.labNs();
    spec.cwd = o.work_dir;
    auto r = runToCompletion(spec, Deadline::in(Seconds(10)));
    EXPECT_TRUE(r.ok()) << "options " << ::testing::PrintToString(codesOf(opts)) << ": " << r.output
                        << "\n"
                        << labtest::readFile(cfg);
    ++tested;
  }
  // Every row a server may carry was in the list.
  size_t server_rows = 0;
  for (const auto& d : dhcp::optionTable())
    if (d.kea != dhcp::KeaCarriage::Client) ++server_rows;
  EXPECT_EQ(all.size(), server_rows);
  EXPECT_EQ(tested, all.size() + 1);
}

/// A client asking for every option gets an OFFER and an ACK carrying each with the right bytes;
/// the capture's events name the values (opt_<code>).
TEST(KeaOptionsLab, OfferAndAckCarryEveryServerOption) {
  PHL_REQUIRE_ROOT();
  if (!haveKea()) GTEST_SKIP() << "kea-dhcp4 not installed";
  TempDir tmp;
  Segment seg(runToken(), 231);
  EventLog log;
  Capture cap(seg.labNs(), seg.labIf(), tmp / "capture.pcap", log, "");
  ipCommand({"-n", seg.dutNs(), "link", "set", "eth0", "up"});
  const std::string dut_mac = macOf(seg.dutNs(), "eth0");
  cap.setDutMac(dut_mac);
  const auto all = everyServerOption(seg.addr().prefix);
  auto o = baseOptions(seg, tmp / "kea");
  o.options = all;
  fakes::KeaServer kea(o, log);
  RawClient client(seg.dutNs(), "eth0");
  // Without option 12 from the client: Kea answers a client that sends its host name with that
  // name (lower-cased), not the configured host-name (see HostNameFromClientWins).
  auto [offer, ack] = exchange(client, *dhcp::parseMac(dut_mac), 0x0e230001, codesOf(all), false);
  ASSERT_FALSE(offer.empty()) << "no OFFER; " << labtest::readFile(kea.logPath());
  expectCarries(offer, all, "OFFER");
  ASSERT_FALSE(ack.empty()) << "no ACK; " << labtest::readFile(kea.logPath());
  expectCarries(ack, all, "ACK");

  auto ev = log.waitFor(EventMatcher("dhcp.ack").whereEq("xid", "0x0e230001"), 0,
                        Deadline::in(Seconds(3)));
  ASSERT_TRUE(ev);
  EXPECT_EQ(*ev->field("opt_66"), "tftp.lab.example");
  EXPECT_EQ(*ev->field("opt_150"), seg.addr().prefix + ".4," + seg.addr().prefix + ".7");
  EXPECT_EQ(*ev->field("opt_2"), "-3600");
  EXPECT_EQ(*ev->field("opt_12"), "phone,one");
  EXPECT_EQ(*ev->field("lease"), "600");
  EXPECT_EQ(*ev->field("t1"), "200");
  EXPECT_EQ(*ev->field("t2"), "500");
  // One answer per request: Kea bound to the server address only, not one raw socket per
  // service address of lab0 (each of which answered the broadcast before).
  log.waitUntil(Deadline::in(Seconds(0.3)));
  const auto xid = EventMatcher("dhcp.offer").whereEq("xid", "0x0e230001");
  const size_t offers = log.matching(xid, 0).size();
  const size_t discovers =
      log.matching(EventMatcher("dhcp.discover").whereEq("xid", "0x0e230001"), 0).size();
  EXPECT_GE(offers, 1u);
  EXPECT_LE(offers, discovers);
  EXPECT_EQ(log.matching(EventMatcher("dhcp.ack").whereEq("xid", "0x0e230001"), 0).size(), 1u);
}

/// Records the golden exchange of fixtures/golden/dhcp/: the emulator's client asking Kea with
/// options 1, 3, 6, 15, 42, 66, 150, 160. With PHONELAB_GOLDEN_OUT=<dir> the pcap is kept there.
TEST(KeaOptionsLab, RealKeaSendsEveryConfiguredOptionInOfferAndAck) {
  PHL_REQUIRE_ROOT();
  if (!haveKea()) GTEST_SKIP() << "kea-dhcp4 not installed";
  TempDir tmp;
  Segment seg(runToken(), 232);
  EventLog log;
  const std::string pcap = tmp / "golden.pcap";
  const std::string p = seg.addr().prefix;
  const std::vector<fakes::KeaOption> golden = {
      {1, "255.255.255.0"}, {3, p + ".1"},
      {6, p + ".2"},        {15, "lab.example"},
      {42, p + ".3"},       {66, "tftp.lab.example"},
      {150, p + ".4"},      {160, "http://" + p + ".5/cfg/$PSN.xml"},
  };
  {
    Capture cap(seg.labNs(), seg.labIf(), pcap, log, "");
    ipCommand({"-n", seg.dutNs(), "link", "set", "eth0", "up"});
    const std::string dut_mac = macOf(seg.dutNs(), "eth0");
    auto o = baseOptions(seg, tmp / "kea");
    o.options = golden;
    o.lease = 3600;
    fakes::KeaServer kea(o, log);
    if (const char* out = std::getenv("PHONELAB_GOLDEN_OUT"))
      std::filesystem::copy_file(kea.configPath(), std::string(out) + "/kea-dhcp4.json",
                                 std::filesystem::copy_options::overwrite_existing);
    RawClient client(seg.dutNs(), "eth0");
    // The emulator's parameter request list (emulator/dhcp_client.cc).
    const std::vector<uint8_t> params = {1,  2,  3,  6,   15,  42,  43, 51,
                                         58, 59, 66, 125, 150, 159, 160};
    auto [offer, ack] = exchange(client, *dhcp::parseMac(dut_mac), 0x0e232001, params);
    ASSERT_FALSE(offer.empty());
    ASSERT_FALSE(ack.empty());
    expectCarries(offer, golden, "OFFER");
    expectCarries(ack, golden, "ACK");
    ASSERT_TRUE(log.waitFor(EventMatcher("dhcp.ack"), 0, Deadline::in(Seconds(3))));
  }
  if (const char* out = std::getenv("PHONELAB_GOLDEN_OUT"))
    std::filesystem::copy_file(pcap, std::string(out) + "/golden.pcap",
                               std::filesystem::copy_options::overwrite_existing);
}

/// Kea's host-name processing: a configured option 12 is not what a client that sends its own
/// host name gets back; it gets its own name, lower-cased. Recorded so a scenario that offers 12
/// knows the emulator (which sends 12) will not see the configured value.
TEST(KeaOptionsLab, HostNameFromClientWins) {
  PHL_REQUIRE_ROOT();
  if (!haveKea()) GTEST_SKIP() << "kea-dhcp4 not installed";
  TempDir tmp;
  Segment seg(runToken(), 233);
  EventLog log;
  ipCommand({"-n", seg.dutNs(), "link", "set", "eth0", "up"});
  const std::string dut_mac = macOf(seg.dutNs(), "eth0");
  auto o = baseOptions(seg, tmp / "kea");
  o.options = {{12, "configured-name"}};
  fakes::KeaServer kea(o, log);
  RawClient client(seg.dutNs(), "eth0");
  auto [offer, ack] = exchange(client, *dhcp::parseMac(dut_mac), 0x0e233001, {1, 3, 12});
  ASSERT_FALSE(offer.empty());
  auto m = dhcp::decode(offer).message;
  ASSERT_TRUE(m);
  const dhcp::Option* host = m->option(12);
  ASSERT_NE(host, nullptr);
  EXPECT_EQ(std::string(host->data.begin(), host->data.end()), "sep0200c6e60001");
}
