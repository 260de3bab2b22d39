// SIP side of the lab: Kamailio as the trusted registrar/proxy, the test UA, hostile servers and
// the SIP capture events. Real namespaces (lanes 220-229), so root is needed.

#include <algorithm>
#include <filesystem>

#include "base/core/error.h"
#include "base/core/match.h"
#include "base/lab/capture.h"
#include "base/lab/netns.h"
#include "base/lab/process.h"
#include "base/proto/sip_event.h"
#include "fakes/sip/hostile.h"
#include "fakes/sip/kamailio.h"
#include "fakes/sip/ua.h"
#include "fakes/sip/udp.h"
#include "lab_util.h"

using namespace phonelab;
using namespace phonelab::lab;
using phonelab::labtest::TempDir;

namespace {

bool haveKamailio() {
  return ::access("/usr/sbin/kamailio", X_OK) == 0 && ::access("/usr/sbin/kamcmd", X_OK) == 0;
}

#define PHL_REQUIRE_KAMAILIO() \
  if (!haveKamailio()) GTEST_SKIP() << "kamailio/kamcmd not installed"

fakes::KamailioOptions kamOptions(const Segment& seg, const std::string& work_dir) {
  fakes::KamailioOptions o;
  o.netns = seg.labNs();
  o.address = seg.addr().services.at("sip");
  o.domain = "sip.lab.example";
  o.users = {{"alice", "alice-secret"}, {"bob", "b\"o\\b pw"}};
  o.work_dir = work_dir;
  return o;
}

}  // namespace

TEST(FakeKamailio, WritesAConfigThatChallengesInvitesOnlyWhenAskedAndRefusesBadInput) {
  fakes::KamailioOptions o;
  o.address = "198.18.0.10";
  o.domain = "sip.lab.example";
  o.users = {{"alice", "pw\"1"}};
  o.work_dir = "/tmp/k";
  std::string cfg = fakes::kamailioConfig(o);
  EXPECT_NE(cfg.find("listen=udp:198.18.0.10:5060\n"), std::string::npos);
  EXPECT_NE(cfg.find("alias=\"sip.lab.example\""), std::string::npos);
  EXPECT_NE(cfg.find("$sht(users=>alice) = \"pw\\\"1\";"), std::string::npos);
  EXPECT_NE(cfg.find("unix:/tmp/k/kamailio.ctl"), std::string::npos);
  EXPECT_NE(cfg.find("sl_send_reply(\"403\", \"Forbidden\")"), std::string::npos);
  EXPECT_EQ(cfg.find("route(AUTH)"), std::string::npos);
  o.challenge_invites = true;
  EXPECT_NE(fakes::kamailioConfig(o).find("route(AUTH)"), std::string::npos);
  // keep_request_uri: the binding sets the destination only, the caller's Request-URI stays.
  EXPECT_EQ(cfg.find("$ru = $var(ruri);"), std::string::npos);
  o.keep_request_uri = true;
  EXPECT_NE(fakes::kamailioConfig(o).find("$ru = $var(ruri);"), std::string::npos);

  o.users = {{"al ice", "x"}};
  EXPECT_THROW(fakes::kamailioConfig(o), Error);
  o.users = {};
  o.domain = "";
  EXPECT_THROW(fakes::kamailioConfig(o), Error);
}

TEST(FakeKamailio, ParseUlDump) {
  const std::string dump = R"({
	Domains: {
		Domain: {
			Domain: location
			Size: 1024
			AoRs: {
				Info: {
					AoR: alice
					HashID: 123
					Contacts: {
						Contact: {
							Address: sip:alice@198.18.0.20:5062
							Expires: 3599
						}
						Contact: {
							Address: sip:alice@198.18.0.21:5062
						}
					}
				}
				Info: {
					AoR: bob
					Contacts: {
						Contact: {
							Address: sip:bob@198.18.0.22:5064;transport=udp
						}
					}
				}
			}
		}
	}
})";
  auto r = fakes::parseUlDump(dump);
  ASSERT_EQ(r.size(), 3u);
  EXPECT_EQ(r[0], std::make_pair(std::string("alice"), std::string("sip:alice@198.18.0.20:5062")));
  EXPECT_EQ(r[1].second, "sip:alice@198.18.0.21:5062");
  EXPECT_EQ(r[2], std::make_pair(std::string("bob"),
                                 std::string("sip:bob@198.18.0.22:5064;transport=udp")));
  EXPECT_TRUE(fakes::parseUlDump("").empty());
}

TEST(FakeSip, ExtractsAddrSpecAndHostPortDefaultingTo5060) {
  using namespace fakes::sipudp;
  EXPECT_EQ(addrSpec("\"A\" <sip:a@h:5070;lr>;tag=x"), "sip:a@h:5070;lr");
  EXPECT_EQ(addrSpec(" sip:a@h;tag=x"), "sip:a@h");
  auto hp = uriHostPort("<sip:198.18.0.10;lr;ftag=abc>");
  ASSERT_TRUE(hp);
  EXPECT_EQ(hp->first, "198.18.0.10");
  EXPECT_EQ(hp->second, 5060);
  hp = uriHostPort("sip:alice@198.18.0.1:5062;transport=udp");
  ASSERT_TRUE(hp);
  EXPECT_EQ(hp->first, "198.18.0.1");
  EXPECT_EQ(hp->second, 5062);
  EXPECT_FALSE(uriHostPort("nonsense"));
  EXPECT_FALSE(uriHostPort("sip:a@h:99999"));
  EXPECT_EQ(splitHostPort("198.18.0.10:5070"), std::make_pair(std::string("198.18.0.10"), 5070));
  EXPECT_EQ(splitHostPort("198.18.0.10").second, 5060);
  EXPECT_THROW(splitHostPort("198.18.0.10:x"), Error);
}

TEST(FakeSip, HostileRequestShape) {
  // Bound on loopback with an ephemeral port: no namespace needed.
  EventLog log;
  fakes::HostileOptions ho;
  ho.address = "127.0.0.1";
  ho.port = 0;
  ho.target_user = "1001";
  fakes::HostileSip hostile(ho, log);
  auto m = hostile.buildRequest("NOTIFY", "198.18.0.100", 5060, "sip.lab.example",
                                "check-sync;reboot=true", {"Authorization: Digest x=1"});
  EXPECT_EQ(m.startLine(), "NOTIFY sip:1001@198.18.0.100:5060");
  ASSERT_TRUE(m.header("From"));
  EXPECT_EQ(m.header("From")->rfind("<sip:hostile@sip.lab.example>;tag=", 0), 0u);
  EXPECT_EQ(*m.header("Event"), "check-sync;reboot=true");
  EXPECT_EQ(*m.header("Authorization"), "Digest x=1");
  EXPECT_EQ(m.cseq(), std::make_pair(1ul, std::string("NOTIFY")));
  EXPECT_EQ(m.topViaBranch().rfind("z9hG4bK", 0), 0u);
  EXPECT_EQ(*hostile.buildRequest("NOTIFY", "198.18.0.100", 5060).header("Event"), "check-sync");
  auto inv = hostile.buildRequest("INVITE", "198.18.0.100", 5060);
  EXPECT_NE(inv.body.find("m=audio"), std::string::npos);
  EXPECT_EQ(*inv.header("Content-Type"), "application/sdp");
  EXPECT_EQ(inv.header("From")->rfind("<sip:hostile@127.0.0.1>", 0), 0u);
  EXPECT_FALSE(inv.header("Event"));
  EXPECT_EQ(inv.toTag(), "");
  // A spoofer names the listed server in its Via and Contact too; rport brings the answer back.
  EXPECT_EQ(m.header("Via")->rfind("SIP/2.0/UDP sip.lab.example:", 0), 0u);
  EXPECT_NE(m.header("Via")->find(";rport"), std::string::npos);
  EXPECT_EQ(m.header("Contact")->rfind("<sip:hostile@sip.lab.example:", 0), 0u);
  EXPECT_EQ(inv.header("Via")->rfind("SIP/2.0/UDP 127.0.0.1:", 0), 0u);
  auto sub = hostile.buildRequest("SUBSCRIBE", "198.18.0.100", 5060);
  EXPECT_EQ(*sub.header("Event"), "dialog");
  EXPECT_TRUE(sub.header("Expires"));
  auto refer = hostile.buildRequest("REFER", "198.18.0.100", 5060);
  EXPECT_EQ(refer.header("Refer-To")->rfind("<sip:hostile@127.0.0.1:", 0), 0u);
  auto bye = hostile.buildRequest("BYE", "198.18.0.100", 5060, "", "", {}, true);
  EXPECT_NE(bye.toTag(), "");
}

TEST(FakeKamailio, GeneratedConfigPassesCheck) {
  PHL_REQUIRE_ROOT();
  PHL_REQUIRE_KAMAILIO();
  TempDir tmp;
  Segment seg(runToken(), 220);
  auto o = kamOptions(seg, tmp.path());
  o.challenge_invites = true;
  o.keep_request_uri = true;
  std::filesystem::create_directories(tmp.path());
  {
    std::ofstream out(tmp / "kamailio.cfg");
    out << fakes::kamailioConfig(o);
  }
  ProcessSpec s;
  s.name = "kamailio-check";
  s.argv = {"kamailio", "-c", "-f", tmp / "kamailio.cfg", "-Y", tmp.path()};
  s.netns = seg.labNs();
  auto r = runToCompletion(s, Deadline::in(Seconds(10)));
  EXPECT_TRUE(r.ok()) << r.output;
}

TEST(FakeKamailio, StartsAnswersKamcmdAndStops) {
  PHL_REQUIRE_ROOT();
  PHL_REQUIRE_KAMAILIO();
  TempDir tmp;
  Segment seg(runToken(), 221);
  EventLog log;
  int pid = -1;
  {
    fakes::KamailioServer kam(kamOptions(seg, tmp.path()), log);
    pid = kam.pid();
    EXPECT_GT(pid, 0);
    EXPECT_EQ(::kill(pid, 0), 0);
    EXPECT_NE(kam.kamcmd({"core.version"}).find("kamailio"), std::string::npos);
    EXPECT_TRUE(kam.registrations().empty());
    EXPECT_THROW(kam.kamcmd({"no.such.command"}), Error);
    EXPECT_TRUE(log.waitFor(EventMatcher("fake.start").whereEq("name", "kamailio"), 0,
                            Deadline::in(Seconds(0))));
    EXPECT_TRUE(log.waitFor(EventMatcher("kamailio.registrations").whereEq("count", "0"), 0,
                            Deadline::in(Seconds(0))));
  }
  EXPECT_NE(::kill(pid, 0), 0);
  EXPECT_TRUE(log.waitFor(EventMatcher("fake.stop").whereEq("name", "kamailio"), 0,
                          Deadline::in(Seconds(0))));
}

TEST(FakeKamailio, RejectedConfigThrowsWithOutput) {
  PHL_REQUIRE_ROOT();
  PHL_REQUIRE_KAMAILIO();
  TempDir tmp;
  Segment seg(runToken(), 222);
  EventLog log;
  auto o = kamOptions(seg, tmp.path());
  o.address = "198.18.222.99";  // not an address of the namespace: Kamailio cannot listen there
  try {
    fakes::KamailioServer kam(o, log);
    FAIL() << "started on an address the namespace does not have";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("kamailio"), std::string::npos) << e.what();
  }
}

// ---- Test UA against Kamailio ----

namespace {

fakes::UaOptions uaOptions(const Segment& seg, const std::string& user, const std::string& pw,
                           int port) {
  fakes::UaOptions u;
  u.netns = seg.labNs();
  u.address = seg.addr().lab_ip;
  u.port = port;
  u.user = user;
  u.password = pw;
  u.domain = "sip.lab.example";
  u.proxy = seg.addr().services.at("sip") + ":5060";
  return u;
}

/// UDP payloads of a pcap file (Ethernet, IPv4, UDP) to or from port 5060, in order.
struct Udp {
  std::string src_ip, dst_ip;
  int src_port = 0, dst_port = 0;
  std::vector<uint8_t> payload;
};
std::vector<Udp> sipDatagrams(const std::string& pcap) {
  std::string d = labtest::readFile(pcap);
  std::vector<Udp> out;
  auto u8 = [&](size_t i) { return static_cast<uint8_t>(d[i]); };
  auto le32 = [&](size_t i) {
    return uint32_t(u8(i)) | uint32_t(u8(i + 1)) << 8 | uint32_t(u8(i + 2)) << 16 |
           uint32_t(u8(i + 3)) << 24;
  };
  auto ip = [&](size_t i) {
    return std::to_string(u8(i)) + "." + std::to_string(u8(i + 1)) + "." +
           std::to_string(u8(i + 2)) + "." + std::to_string(u8(i + 3));
  };
  size_t pos = 24;
  while (pos + 16 <= d.size()) {
    size_t len = le32(pos + 8);
    size_t f = pos + 16;
    pos = f + len;
    if (pos > d.size() || len < 42) continue;
    if (u8(f + 12) != 0x08 || u8(f + 13) != 0x00) continue;  // IPv4
    size_t iph = f + 14;
    size_t ihl = (u8(iph) & 0x0f) * 4u;
    if (u8(iph + 9) != 17) continue;  // UDP
    size_t udp = iph + ihl;
    Udp x;
    x.src_ip = ip(iph + 12);
    x.dst_ip = ip(iph + 16);
    x.src_port = u8(udp) << 8 | u8(udp + 1);
    x.dst_port = u8(udp + 2) << 8 | u8(udp + 3);
    size_t ulen = size_t(u8(udp + 4) << 8 | u8(udp + 5));
    if (ulen < 8 || udp + ulen > pos) continue;
    if (x.src_port != 5060 && x.dst_port != 5060) continue;
    x.payload.assign(d.begin() + long(udp + 8), d.begin() + long(udp + ulen));
    out.push_back(std::move(x));
  }
  return out;
}

}  // namespace

TEST(SipLab, RegisterRightWrongAndNoPassword) {
  PHL_REQUIRE_ROOT();
  PHL_REQUIRE_KAMAILIO();
  TempDir tmp;
  Segment seg(runToken(), 223);
  EventLog log;
  fakes::KamailioServer kam(kamOptions(seg, tmp.path()), log);

  fakes::TestUa alice(uaOptions(seg, "alice", "alice-secret", 5062), log);
  std::string why;
  ASSERT_TRUE(alice.registerNow(Deadline::in(Seconds(5)), why)) << why;
  EXPECT_EQ(alice.lastStatus(), 200);
  auto regs = kam.registrations();
  ASSERT_EQ(regs.size(), 1u);
  EXPECT_EQ(regs[0].first, "alice");
  EXPECT_EQ(regs[0].second, alice.contactUri());
  EXPECT_TRUE(log.waitFor(EventMatcher("kamailio.registrations").whereEq("aors", "alice"), 0,
                          Deadline::in(Seconds(0))));
  // The first REGISTER was challenged, the second carried credentials.
  EXPECT_TRUE(log.waitFor(EventMatcher("ua.received").whereEq("status", "401"), 0,
                          Deadline::in(Seconds(0))));
  EXPECT_TRUE(log.waitFor(
      EventMatcher("ua.received").whereEq("status", "200").whereEq("cseq_method", "REGISTER"), 0,
      Deadline::in(Seconds(0))));

  fakes::TestUa wrong(uaOptions(seg, "bob", "not-bobs-password", 5064), log);
  EXPECT_FALSE(wrong.registerNow(Deadline::in(Seconds(5)), why));
  EXPECT_EQ(wrong.lastStatus(), 403) << why;
  EXPECT_NE(why.find("403"), std::string::npos) << why;

  fakes::TestUa none(uaOptions(seg, "bob", "", 5066), log);
  EXPECT_FALSE(none.registerNow(Deadline::in(Seconds(5)), why));
  EXPECT_EQ(none.lastStatus(), 401) << why;
  EXPECT_NE(why.find("no password"), std::string::npos) << why;

  // An unknown user with a password is wrong credentials too.
  fakes::TestUa stranger(uaOptions(seg, "mallory", "x", 5068), log);
  EXPECT_FALSE(stranger.registerNow(Deadline::in(Seconds(5)), why));
  EXPECT_EQ(stranger.lastStatus(), 403) << why;

  regs = kam.registrations();
  EXPECT_EQ(regs.size(), 1u);
}

TEST(SipLab, CallThroughKamailioAndHangUp) {
  PHL_REQUIRE_ROOT();
  PHL_REQUIRE_KAMAILIO();
  TempDir tmp;
  Segment seg(runToken(), 224);
  EventLog log;
  auto ko = kamOptions(seg, tmp.path());
  ko.users["carol"] = "carol-pw";
  ko.challenge_invites = true;
  fakes::KamailioServer kam(ko, log);

  fakes::TestUa alice(uaOptions(seg, "alice", "alice-secret", 5062), log);
  fakes::TestUa carol(uaOptions(seg, "carol", "carol-pw", 5064), log);
  std::string why;
  ASSERT_TRUE(alice.registerNow(Deadline::in(Seconds(5)), why)) << why;
  ASSERT_TRUE(carol.registerNow(Deadline::in(Seconds(5)), why)) << why;
  const std::string proxy = ko.address + ":5060";

  // Without credentials the proxy challenges the INVITE.
  EXPECT_EQ(carol.call("sip:alice@sip.lab.example", proxy, Deadline::in(Seconds(5)), why), 407)
      << why;
  // A user nobody registered: 404.
  EXPECT_EQ(carol.call("sip:bob@sip.lab.example", proxy, Deadline::in(Seconds(5)), why, "carol",
                       "carol-pw"),
            404)
      << why;
  EXPECT_FALSE(alice.inCall());

  // With credentials: alice answers by herself.
  ASSERT_EQ(carol.call("sip:alice@sip.lab.example", proxy, Deadline::in(Seconds(5)), why, "carol",
                       "carol-pw"),
            200)
      << why;
  EXPECT_TRUE(carol.inCall());
  EXPECT_NE(carol.remoteSdp().find("m=audio 40000 RTP/AVP 0 8"), std::string::npos);
  // alice's ACK arrives through Kamailio (loose routing).
  EXPECT_TRUE(log.waitFor(EventMatcher("ua.received")
                              .whereEq("method", "ACK")
                              .whereEq("ua", "alice@" + seg.addr().lab_ip + ":5062")
                              .whereEq("peer", proxy),
                          0, Deadline::in(Seconds(3))));
  EXPECT_TRUE(alice.inCall());
  bool saw_invite = false;
  for (const auto& r : alice.receivedRequests()) {
    if (r.method != "INVITE") continue;
    saw_invite = true;
    EXPECT_NE(r.body.find("PCMU/8000"), std::string::npos);
    EXPECT_FALSE(r.headerValues("Record-Route").empty());
  }
  EXPECT_TRUE(saw_invite);

  ASSERT_TRUE(carol.hangup(Deadline::in(Seconds(5)), why)) << why;
  EXPECT_EQ(carol.lastStatus(), 200);
  EXPECT_TRUE(
      log.waitFor(EventMatcher("ua.received").whereEq("method", "BYE").whereEq("peer", proxy), 0,
                  Deadline::in(Seconds(0))));
  EXPECT_FALSE(carol.inCall());
  EXPECT_FALSE(alice.inCall());
  EXPECT_FALSE(carol.hangup(Deadline::in(Seconds(1)), why));

  // The other way round: alice calls carol, then the callee side hangs up.
  ASSERT_EQ(alice.call("sip:carol@sip.lab.example", proxy, Deadline::in(Seconds(5)), why, "alice",
                       "alice-secret"),
            200)
      << why;
  for (int i = 0; i < 50 && !carol.inCall(); ++i) log.waitUntil(Deadline::in(Seconds(0.05)));
  ASSERT_TRUE(carol.inCall());
  ASSERT_TRUE(carol.hangup(Deadline::in(Seconds(5)), why)) << why;
  EXPECT_FALSE(alice.inCall());
}

TEST(SipLab, HostileRequestsToTestUa) {
  PHL_REQUIRE_ROOT();
  TempDir tmp;
  Segment seg(runToken(), 225);
  EventLog log;
  auto uo = uaOptions(seg, "1001", "", 5062);
  fakes::TestUa phone(uo, log);
  fakes::HostileOptions ho;
  ho.netns = seg.labNs();
  ho.address = seg.addr().services.at("hostile");
  ho.target_user = "1001";
  fakes::HostileSip hostile(ho, log);

  auto r = hostile.send("OPTIONS", uo.address, uo.port, Deadline::in(Seconds(1)));
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].status, 200);
  auto sent = log.waitFor(EventMatcher("hostile.sent").whereEq("method", "OPTIONS"), 0,
                          Deadline::in(Seconds(0)));
  ASSERT_TRUE(sent);
  EXPECT_EQ(*sent->field("peer"), uo.address + ":5062");
  EXPECT_EQ(*sent->field("from_host"), ho.address);
  auto resp = log.waitFor(EventMatcher("hostile.response").whereEq("status", "200"), 0,
                          Deadline::in(Seconds(0)));
  ASSERT_TRUE(resp);
  EXPECT_EQ(*resp->field("method"), "OPTIONS");
  EXPECT_EQ(*resp->field("call_id"), *sent->field("call_id"));
  EXPECT_EQ(resp->summary, "200 OK (OPTIONS) from " + uo.address + ":5062");
  EXPECT_TRUE(log.waitFor(EventMatcher("ua.received").whereEq("method", "OPTIONS"), 0,
                          Deadline::in(Seconds(0))));

  // NOTIFY check-sync with a spoofed From domain and a replayed Authorization.
  r = hostile.send("NOTIFY", uo.address, uo.port, Deadline::in(Seconds(1)), "sip.lab.example",
                   "check-sync;reboot=true",
                   {"Authorization: Digest username=\"1001\", realm=\"x\", nonce=\"n\", "
                    "uri=\"sip:x\", response=\"00\""});
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].status, 200);
  auto reqs = phone.receivedRequests();
  ASSERT_EQ(reqs.size(), 2u);
  EXPECT_EQ(reqs[1].method, "NOTIFY");
  ASSERT_TRUE(reqs[1].header("Event"));
  EXPECT_EQ(*reqs[1].header("Event"), "check-sync;reboot=true");
  EXPECT_NE(reqs[1].header("From")->find("@sip.lab.example>"), std::string::npos);
  EXPECT_TRUE(reqs[1].header("Authorization"));
  EXPECT_EQ(reqs[1].uri, "sip:1001@" + uo.address + ":5062");

  // INVITE: the UA answers; the hostile server ACKs and hangs up at once.
  r = hostile.send("INVITE", uo.address, uo.port, Deadline::in(Seconds(1.5)));
  std::vector<std::string> seen;
  for (const auto& m : r) seen.push_back(std::to_string(m.status) + " " + m.cseq().second);
  EXPECT_NE(std::find(seen.begin(), seen.end(), "200 INVITE"), seen.end());
  EXPECT_NE(std::find(seen.begin(), seen.end(), "200 BYE"), seen.end());
  EXPECT_FALSE(phone.inCall());
  EXPECT_TRUE(log.waitFor(EventMatcher("ua.received").whereEq("method", "ACK"), 0,
                          Deadline::in(Seconds(0))));

  // Nobody listening: no response, only retransmissions.
  r = hostile.send("OPTIONS", uo.address, 5999, Deadline::in(Seconds(1.2)));
  EXPECT_TRUE(r.empty());
  EXPECT_TRUE(log.waitFor(EventMatcher("hostile.sent").whereEq("retransmission", "yes"), 0,
                          Deadline::in(Seconds(0))));
}

TEST(SipLab, CaptureDecodesRegisterAnd401) {
  PHL_REQUIRE_ROOT();
  PHL_REQUIRE_KAMAILIO();
  TempDir tmp;
  Segment seg(runToken(), 226);
  EventLog log;
  fakes::KamailioServer kam(kamOptions(seg, tmp / "kam"), log);
  // The UA plays the phone on the DUT side, so its traffic crosses lab0.
  ipCommand({"-n", seg.dutNs(), "addr", "add", seg.addr().static_ip + "/24", "dev", "eth0"});
  ipCommand({"-n", seg.dutNs(), "link", "set", "eth0", "up"});
  const std::string pcap = tmp / "capture.pcap";
  {
    Capture cap(seg.labNs(), seg.labIf(), pcap, log, "");
    auto uo = uaOptions(seg, "alice", "alice-secret", 5060);
    uo.netns = seg.dutNs();
    uo.address = seg.addr().static_ip;
    fakes::TestUa ua(uo, log);
    std::string why;
    ASSERT_TRUE(ua.registerNow(Deadline::in(Seconds(5)), why)) << why;
    log.waitUntil(Deadline::in(Seconds(0.3)));  // let the capture thread write the last frames
  }
  std::vector<Event> events;
  for (const auto& u : sipDatagrams(pcap)) {
    auto e = proto::sipEvent(u.payload, u.src_ip, u.src_port, u.dst_ip, u.dst_port);
    ASSERT_TRUE(e);
    events.push_back(*e);
  }
  ASSERT_GE(events.size(), 4u);
  const std::string sip_ip = seg.addr().services.at("sip");
  const Event& reg = events[0];
  EXPECT_EQ(reg.kind, "sip.request");
  EXPECT_EQ(*reg.field("method"), "REGISTER");
  EXPECT_EQ(*reg.field("authorization"), "no");
  EXPECT_EQ(*reg.field("src_ip"), seg.addr().static_ip);
  EXPECT_EQ(*reg.field("dst_ip"), sip_ip);
  EXPECT_EQ(*reg.field("user_agent"), "phonelab-ua");
  EXPECT_EQ(*reg.field("expires"), "3600");
  EXPECT_EQ(reg.summary, "REGISTER sip:sip.lab.example from " + seg.addr().static_ip + ":5060 to " +
                             sip_ip + ":5060");
  const Event& chal = events[1];
  EXPECT_EQ(chal.kind, "sip.response");
  EXPECT_EQ(*chal.field("status"), "401");
  EXPECT_EQ(*chal.field("www_authenticate"), "yes");
  EXPECT_EQ(*chal.field("cseq_method"), "REGISTER");
  EXPECT_EQ(*chal.field("call_id"), *reg.field("call_id"));
  const Event& reg2 = events[2];
  EXPECT_EQ(*reg2.field("method"), "REGISTER");
  EXPECT_EQ(*reg2.field("authorization"), "yes");
  const Event& ok = events[3];
  EXPECT_EQ(*ok.field("status"), "200");
  EXPECT_EQ(*ok.field("www_authenticate"), "no");
}
