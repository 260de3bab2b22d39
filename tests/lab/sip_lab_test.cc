// SIP side of the lab: Kamailio as the trusted registrar/proxy, the test UA, hostile servers and
// the SIP capture events. Real namespaces (lanes 220-229), so root is needed.

#include <filesystem>

#include "fakes/sip/kamailio.h"
#include "harness/core/error.h"
#include "harness/core/match.h"
#include "harness/lab/netns.h"
#include "harness/lab/process.h"
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

TEST(FakeKamailio, ConfigText) {
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

TEST(FakeKamailio, GeneratedConfigPassesCheck) {
  PHL_REQUIRE_ROOT();
  PHL_REQUIRE_KAMAILIO();
  TempDir tmp;
  Segment seg(runToken(), 220);
  auto o = kamOptions(seg, tmp.path());
  o.challenge_invites = true;
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
