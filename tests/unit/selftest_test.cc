// The pieces of `phonelab selftest` that need no lab: the fault list, areas, the table.

#include <gtest/gtest.h>

#include "harness/runner/selftest.h"

namespace phonelab::runner {
namespace {

TEST(Selftest, ParsesTheEmulatorsFaultList) {
  auto f = parseFaultList(
      "static-ip-ignored\tstatic IP ignored\tnetwork\nold-style\tno area column\n"
      "unassigned\tdesc\t\nnot a fault line\n");
  ASSERT_EQ(f.size(), 3u);
  EXPECT_EQ(f[0].name, "static-ip-ignored");
  EXPECT_EQ(f[0].description, "static IP ignored");
  EXPECT_EQ(f[0].area, "network");
  EXPECT_EQ(f[1].area, "*");  // no area: the whole suite
  EXPECT_EQ(f[2].area, "*");
}

TEST(Selftest, ParsesTheRequirementsColumn) {
  auto f = parseFaultList("renew-late\trenews late\tdhcp\tDHCP-OPT-41 NET-DHCP-RENEW-SAME\n");
  ASSERT_EQ(f.size(), 1u);
  EXPECT_EQ(f[0].area, "dhcp");
  EXPECT_EQ(f[0].requirements, (std::vector<std::string>{"DHCP-OPT-41", "NET-DHCP-RENEW-SAME"}));
}

TEST(Selftest, JudgesEachWrongWayByTheScenariosOfItsRequirement) {
  std::vector<Requirement> catalog(1);
  catalog[0].id = "REQ-A";
  catalog[0].wrong_ways = {{"f-caught", "how 1"},
                           {"f-elsewhere", "how 2"},
                           {"f-missed", "how 3"},
                           {"f-unknown", "how 4"},
                           {"f-not-run", "how 5"}};
  std::vector<scenario::Scenario> suite(2);
  suite[0].id = "a";
  suite[0].requirements = {"REQ-A"};
  suite[1].id = "b";
  suite[1].requirements = {"REQ-B"};
  std::vector<FaultInfo> known = {{"f-caught", "d", "*", {}},
                                  {"f-elsewhere", "d", "*", {}},
                                  {"f-missed", "d", "*", {}},
                                  {"f-not-run", "d", "*", {}}};
  std::vector<FaultOutcome> ran = {{known[0], {"a", "b"}, {"a"}, {}},
                                   {known[1], {"a", "b"}, {"b"}, {}},
                                   {known[2], {"a", "b"}, {}, {}}};
  auto w = judgeWrongWays(catalog, suite, known, ran);
  ASSERT_EQ(w.size(), 5u);
  EXPECT_EQ(w[0].status, "caught");
  EXPECT_EQ(w[0].by, std::vector<std::string>{"a"});
  EXPECT_EQ(w[1].status, "caught-elsewhere");
  EXPECT_EQ(w[2].status, "missed");
  EXPECT_EQ(w[3].status, "unknown-fault");
  EXPECT_EQ(w[4].status, "not-run");
  SelftestResult r;
  r.wrong_ways = w;
  EXPECT_FALSE(r.ok()) << "a wrong way naming no fault is a mistake in the catalogue";
  EXPECT_NE(formatTable(r).find("1 of 4 wrong ways caught"), std::string::npos) << formatTable(r);
}

TEST(Selftest, AreaIsTheScenarioFolder) {
  std::vector<scenario::Scenario> suite(3);
  suite[0].id = "a";
  suite[0].file = "scenarios/dhcp/a.yaml";
  suite[1].id = "b";
  suite[1].file = "/abs/path/scenarios/sip/b.yaml";
  suite[2].id = "c";
  suite[2].file = "scenarios/sip-extra/c.yaml";  // not "sip"
  auto sip = scenariosOfArea(suite, "sip");
  ASSERT_EQ(sip.size(), 1u);
  EXPECT_EQ(sip[0].id, "b");
  EXPECT_EQ(scenariosOfArea(suite, "*").size(), 3u);
  EXPECT_TRUE(scenariosOfArea(suite, "tls").empty());
}

TEST(Selftest, AFaultRunsTheScenariosOfTheRequirementsItBreaks) {
  std::vector<scenario::Scenario> suite(4);
  suite[0].id = "dhcp-a";
  suite[0].file = "scenarios/dhcp/a.yaml";
  suite[0].requirements = {"REQ-A"};
  suite[1].id = "sip-b";
  suite[1].file = "scenarios/sip/b.yaml";
  suite[1].requirements = {"REQ-B"};
  suite[2].id = "sip-c";
  suite[2].file = "scenarios/sip/c.yaml";
  suite[2].requirements = {"REQ-C", "REQ-A"};
  suite[3].id = "sip-d";
  suite[3].file = "scenarios/sip/d.yaml";
  suite[3].requirements = {"REQ-D"};
  auto ids = [](const std::vector<const scenario::Scenario*>& v) {
    std::vector<std::string> out;
    for (const auto* sc : v) out.push_back(sc->id);
    return out;
  };
  // Every scenario naming a requirement it breaks, also outside its area; none of the others.
  const FaultInfo f{"f", "d", "sip", {"REQ-A", "REQ-B"}};
  EXPECT_EQ(ids(scenariosOfFault(suite, f, false)),
            (std::vector<std::string>{"dhcp-a", "sip-b", "sip-c"}));
  // --exhaustive: then the rest of its area.
  EXPECT_EQ(ids(scenariosOfFault(suite, f, true)),
            (std::vector<std::string>{"dhcp-a", "sip-b", "sip-c", "sip-d"}));
  // A fault list without the requirements column: the fault's area.
  const FaultInfo old{"old", "d", "sip", {}};
  EXPECT_EQ(ids(scenariosOfFault(suite, old, false)),
            (std::vector<std::string>{"sip-b", "sip-c", "sip-d"}));
}

TEST(Selftest, TableSaysCaughtMissedAndUnproven) {
  SelftestResult r;
  r.faults.push_back({{"f-caught", "d", "sip"}, {"x", "y"}, {"y"}, {}});
  r.faults.push_back({{"f-missed", "d", "sip"}, {"x", "y"}, {}, {"x: error"}});
  r.unproven = {"REQ-1"};
  EXPECT_FALSE(r.ok());
  auto t = formatTable(r);
  EXPECT_NE(t.find("f-caught"), std::string::npos);
  EXPECT_NE(t.find("caught   y"), std::string::npos) << t;
  EXPECT_NE(t.find("MISSED   (none of 2) [error: x: error]"), std::string::npos) << t;
  EXPECT_NE(t.find("1 of 2 faults caught"), std::string::npos) << t;
  EXPECT_NE(t.find("unproven requirements (no fault breaks their scenarios): REQ-1"),
            std::string::npos)
      << t;
  r.faults.pop_back();
  EXPECT_TRUE(r.ok());
  r.baseline_not_passing = {"x: fail"};
  EXPECT_FALSE(r.ok());
  EXPECT_NE(formatTable(r).find("NOT every scenario passes\n  x: fail"), std::string::npos);
}

}  // namespace
}  // namespace phonelab::runner
