// What a scenario needs from the phone (a boot it watches, or only a running phone), the check of
// a declaration against the steps, and the run's plan: which scenarios share a boot.

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <set>

#include "harness/dut/lab_file.h"
#include "harness/runner/plan.h"
#include "harness/scenario/loader.h"

namespace phonelab::runner {
namespace {

const std::string kSrc = PHONELAB_SOURCE_DIR;

std::string writeTemp(const std::string& name, const std::string& text) {
  // ctest runs each test as a process of its own, side by side: a file of this process's own.
  const std::string path =
      ::testing::TempDir() + "/run-plan-" + std::to_string(::getpid()) + "-" + name;
  std::ofstream(path) << text;
  return path;
}

std::vector<scenario::Scenario> load(const std::string& text, std::vector<Diagnostic>& d,
                                     const std::string& name = "s.yaml") {
  return scenario::loadScenarioFile(writeTemp(name, text), d);
}

const char* kHead = "id: a\ntitle: t\nrequirements: [X]\n";

std::vector<scenario::Scenario> loadWholeSuite() {
  return scenario::loadSuite({kSrc + "/scenarios"},
                             scenario::loadRequirements(kSrc + "/scenarios/requirements.yaml"));
}

TEST(StartNeed, AStepWatchingDhcpFromTheScenariosStartNeedsABoot) {
  std::vector<Diagnostic> d;
  auto s = load(std::string(kHead) +
                    "steps:\n"
                    "  - name: offered\n"
                    "    wait: {event: dhcp.ack, since: scenario, within: 10s}\n",
                d);
  ASSERT_TRUE(d.empty());
  auto need = scenario::startNeed(s.at(0));
  EXPECT_TRUE(need.boot);
  EXPECT_FALSE(need.declared);
  EXPECT_NE(need.why.find("'offered' watches dhcp.ack"), std::string::npos) << need.why;
  EXPECT_EQ(need.mark.line, 5);
}

TEST(StartNeed, TheStepsBeforeTheFirstActionStartWithTheScenario) {
  std::vector<Diagnostic> d;
  // No `since`: the first step's window opens at the scenario's start.
  auto first =
      load(std::string(kHead) + "steps:\n  - expect: {event: \"dhcp.*\", within: 5s}\n", d);
  ASSERT_TRUE(d.empty());
  EXPECT_TRUE(scenario::startNeed(first.at(0)).boot);
  // After an action the window opens with the step: a renewal, not the boot.
  auto later = load(std::string(kHead) +
                        "steps:\n  - act: fetch_status\n"
                        "  - expect: {event: dhcp.request, within: 5s}\n",
                    d, "later.yaml");
  ASSERT_TRUE(d.empty());
  EXPECT_FALSE(scenario::startNeed(later.at(0)).boot);
}

TEST(StartNeed, ARegistrationOrATlsHandshakeNeedsOnlyARunningPhone) {
  std::vector<Diagnostic> d;
  auto s = load(std::string(kHead) +
                    "steps:\n"
                    "  - wait: {event: sip.response, where: {cseq_method: REGISTER}, since: "
                    "scenario, within: 15s}\n"
                    "  - expect: {event: \"tls.*\", since: scenario, within: 5s}\n"
                    "  - expect_none: {event: \"*\", since: scenario, within: 1s}\n",
                d);
  ASSERT_TRUE(d.empty());
  EXPECT_FALSE(scenario::startNeed(s.at(0)).boot);
}

TEST(StartNeed, ADeclarationDecidesAndRunningIsRefusedWhereTheStepsWatchTheBoot) {
  std::vector<Diagnostic> d;
  auto boot = load(std::string(kHead) + "dut: {start: boot}\nsteps:\n  - act: fetch_status\n", d);
  ASSERT_TRUE(d.empty());
  EXPECT_TRUE(scenario::startNeed(boot.at(0)).boot);
  EXPECT_TRUE(scenario::startNeed(boot.at(0)).declared);

  load(std::string(kHead) +
           "dut: {start: running}\nsteps:\n"
           "  - name: first-ntp\n    expect: {event: ntp.request, since: scenario, within: 5s}\n",
       d, "contradiction.yaml");
  ASSERT_EQ(d.size(), 1u);
  EXPECT_EQ(d[0].where.line, 4);
  EXPECT_NE(d[0].message.find("dut.start is 'running' but step 'first-ntp' watches ntp.request"),
            std::string::npos)
      << d[0].str();

  d.clear();
  load(std::string(kHead) + "dut: {start: warm}\nsteps:\n  - act: fetch_status\n", d, "bad.yaml");
  ASSERT_EQ(d.size(), 1u);
  EXPECT_NE(d[0].message.find("'start' is 'warm': expected boot"), std::string::npos);
}

TEST(StartNeed, TheSuitesDhcpScenariosWatchTheBootAndTheOthersNeedARunningPhone) {
  auto suite = loadWholeSuite();
  ASSERT_GT(suite.size(), 50u);
  // Besides the DHCP scenarios: the certificate dates are judged against the time the phone
  // gets from its first NTP synchronisation, at its start.
  const std::set<std::string> also = {"sec-tls-cert-expired", "sec-tls-cert-not-yet-valid"};
  for (const auto& sc : suite) {
    const bool dhcp_folder = sc.file.find("/scenarios/dhcp/") != std::string::npos;
    EXPECT_EQ(scenario::startNeed(sc).boot, dhcp_folder || also.count(sc.id) > 0)
        << sc.id << " " << sc.file;
  }
}

/// A bench lab file; `dut_extra` is added to its dut section, `lab_extra` to its lab section.
dut::LabFile benchLab(const std::string& dut_extra = "  link_bounce: false\n",
                      const std::string& lab_extra = "") {
  return dut::loadLabFile(writeTemp("bench.yaml",
                                    "lab: {name: b, segment: interface, interface: enp3s0,\n"
                                    "      subnet: 198.18.7.0/24, isolated: true" +
                                        lab_extra +
                                        "}\n"
                                        "dut:\n  driver: physical\n  profile: " +
                                        kSrc +
                                        "/lab/devices/cisco-8832-mpp.yaml\n"
                                        "  mac: \"02:00:c6:12:00:0a\"\n  power: web\n" +
                                        dut_extra));
}

TEST(RunPlan, ABenchRunGroupsTheRunningPhoneScenariosByTheirDhcpOfferAndBootsTheRestEach) {
  auto suite = loadWholeSuite();
  const auto lab = benchLab();
  const auto plan = planRun(suite, lab, false);
  EXPECT_TRUE(plan.shared);
  ASSERT_EQ(plan.order.size(), suite.size());
  std::set<size_t> seen;
  size_t boot_scenarios = 0;
  std::set<std::string> groups;
  for (size_t i = 0; i < plan.order.size(); ++i) {
    const auto& p = plan.order[i];
    EXPECT_TRUE(seen.insert(p.index).second) << "planned twice: " << suite[p.index].id;
    if (p.need.boot) {
      ++boot_scenarios;
      EXPECT_EQ(p.group, "") << suite[p.index].id;
    } else if (!p.group.empty()) {
      // A group runs in one stretch, and its scenarios offer the same.
      EXPECT_TRUE(groups.insert(p.group).second || plan.order[i - 1].group == p.group)
          << suite[p.index].id << " is apart from its group " << p.group;
      EXPECT_EQ("dhcp: " + dhcpConfigKey(suite[p.index]), p.group);
    }
  }
  // One boot per scenario that watches it and one per group (a lone scenario is a group of one).
  size_t lone = 0;
  for (const auto& p : plan.order) lone += !p.need.boot && p.group.empty();
  EXPECT_EQ(plan.boots, boot_scenarios + groups.size() + lone);
  EXPECT_LT(plan.boots, suite.size());

  // --fresh-boot-each, and an emulator lab: the suite's order, a boot each.
  for (const auto& fresh : {planRun(suite, lab, true),
                            planRun(suite, dut::loadLabFile(kSrc + "/lab/emulated.yaml"), false)}) {
    EXPECT_FALSE(fresh.shared);
    EXPECT_EQ(fresh.boots, suite.size());
    for (size_t i = 0; i < fresh.order.size(); ++i) {
      EXPECT_EQ(fresh.order[i].index, i);
      EXPECT_EQ(fresh.order[i].group, "");
    }
  }
}

TEST(RunPlan, WithLinkBouncesTheWholeSuiteNeedsOneBoot) {
  auto suite = loadWholeSuite();
  const auto grouped = planRun(suite, benchLab(), false);
  const auto bounced = planRun(suite, benchLab(""), false);  // link_bounce: true by default
  ASSERT_TRUE(benchLab("").linkBounce());
  EXPECT_FALSE(grouped.link_bounce);
  EXPECT_TRUE(bounced.link_bounce);
  EXPECT_TRUE(bounced.shared);
  // The same order; every network start but the first is a bounce instead of a boot.
  ASSERT_EQ(bounced.order.size(), grouped.order.size());
  for (size_t i = 0; i < bounced.order.size(); ++i) {
    EXPECT_EQ(bounced.order[i].index, grouped.order[i].index);
  }
  EXPECT_EQ(bounced.boots, 1u);
  EXPECT_EQ(bounced.bounces, grouped.boots - 1);
  EXPECT_EQ(grouped.bounces, 0u);
  // A tagged segment (a switch's VLAN between the NIC and the phone), --fresh-boot-each: no
  // bounce.
  EXPECT_FALSE(benchLab("", ", vlan: 7").linkBounce());
  EXPECT_FALSE(planRun(suite, benchLab("", ", vlan: 7"), false).link_bounce);
  EXPECT_FALSE(planRun(suite, benchLab(""), true).link_bounce);
  EXPECT_EQ(planRun(suite, benchLab(""), true).boots, suite.size());
}

TEST(RunPlan, TheFloorIsTheWindowsOfSilence) {
  std::vector<Diagnostic> d;
  auto s = load(std::string(kHead) +
                    "steps:\n"
                    "  - wait: {event: dhcp.ack, within: 10s}\n"
                    "  - expect_none: {event: \"*\", within: 1500ms}\n"
                    "  - expect_none: {event: \"*\", within: \"${dut.boot_timeout} + 1s\"}\n",
                d);
  ASSERT_TRUE(d.empty());
  EXPECT_DOUBLE_EQ(scenarioFloor(s.at(0), 20), 1.5 + 21);
}

}  // namespace
}  // namespace phonelab::runner
