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
