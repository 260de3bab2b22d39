// checkAgainstLab: what a scenario asks of the lab that only the whole scenario shows.

#include <gtest/gtest.h>

#include "harness/dut/lab_file.h"
#include "harness/runner/answer.h"
#include "harness/runner/runner.h"
#include "harness/scenario/loader.h"

namespace phonelab::runner {
namespace {

const std::string kSrc = PHONELAB_SOURCE_DIR;

/// checkAgainstLab on a fixtures/scenarios-lab-check/ file (which must load without a problem)
/// and the emulated lab.
std::vector<Diagnostic> checkFixture(const std::string& name) {
  std::vector<Diagnostic> d;
  auto scenarios = scenario::loadScenarioFile(kSrc + "/fixtures/scenarios-lab-check/" + name, d);
  EXPECT_TRUE(d.empty()) << d.front().str();
  return checkAgainstLab(scenarios, dut::loadLabFile(kSrc + "/lab/emulated.yaml"));
}

TEST(LabCheck, ReplayNeedsAnEarlierAnswerToAChallenge) {
  auto diags = checkFixture("replay-without-answer.yaml");
  ASSERT_EQ(diags.size(), 1u);  // the second replay follows an answer: fine
  EXPECT_EQ(diags[0].where.line, 11) << diags[0].str();
  EXPECT_NE(diags[0].message.find("step 'act-2' replays the answer to a challenge"),
            std::string::npos)
      << diags[0].message;
}

// A call that must be answered needs the profile's answer method; with one, the scenario's setup
// turns the profile's auto-answer setting on (unless the scenario sets it itself).
TEST(LabCheck, AnAnsweredCallNeedsTheProfilesAnswerMethod) {
  std::vector<Diagnostic> d;
  auto scenarios =
      scenario::loadScenarioFile(kSrc + "/fixtures/scenarios-lab-check/answered-call.yaml", d);
  ASSERT_TRUE(d.empty()) << d.front().str();
  auto lab = dut::loadLabFile(kSrc + "/lab/emulated.yaml");
  EXPECT_TRUE(checkAgainstLab(scenarios, lab).empty());

  const scenario::Scenario& sc = scenarios.front();
  ASSERT_NE(firstAnsweredCall(sc), nullptr);
  EXPECT_EQ(firstAnsweredCall(sc)->name, "answered");
  auto same = [](const std::string& s) { return s; };
  std::string added;
  auto settings = setupSettings(sc, lab.profile, same, added);
  EXPECT_EQ(added, "auto_answer_page");
  EXPECT_EQ(settings.at("auto_answer_page"), "yes");
  EXPECT_EQ(settings.at("line1.user_id"), "100");

  // The scenario's own value wins.
  scenario::Scenario off = sc;
  off.dut.settings["auto_answer_page"] = "no";
  settings = setupSettings(off, lab.profile, same, added);
  EXPECT_EQ(added, "");
  EXPECT_EQ(settings.at("auto_answer_page"), "no");

  // Only ringing calls: nothing to turn on.
  scenario::Scenario ringing = sc;
  ringing.steps.pop_back();
  EXPECT_EQ(firstAnsweredCall(ringing), nullptr);
  settings = setupSettings(ringing, lab.profile, same, added);
  EXPECT_EQ(added, "");
  EXPECT_FALSE(settings.count("auto_answer_page"));

  // A person picks up: nothing to set either.
  dut::LabFile op = lab;
  op.profile.answer = dut::AnswerMethod{};
  op.profile.answer.method = "operator";
  settings = setupSettings(sc, op.profile, same, added);
  EXPECT_EQ(added, "");
  EXPECT_TRUE(checkAgainstLab(scenarios, op).empty());

  // No answer section: the lab check says so, at the step.
  op.profile.answer = dut::AnswerMethod{};
  auto diags = checkAgainstLab(scenarios, op);
  ASSERT_EQ(diags.size(), 1u);
  EXPECT_EQ(diags[0].where.line, 14) << diags[0].str();
  EXPECT_NE(diags[0].message.find("step 'answered' needs the call answered"), std::string::npos)
      << diags[0].message;
  EXPECT_NE(diags[0].message.find("has no 'answer' section"), std::string::npos)
      << diags[0].message;
}

TEST(LabCheck, PausingKeaNeedsKea) {
  auto diags = checkFixture("pause-dhcp-without-kea.yaml");
  ASSERT_EQ(diags.size(), 2u);
  EXPECT_EQ(diags[0].where.line, 8) << diags[0].str();
  EXPECT_NE(diags[0].message.find("step 'pause' uses pause_dhcp, which needs fakes.dhcp"),
            std::string::npos)
      << diags[0].message;
  EXPECT_EQ(diags[1].where.line, 10) << diags[1].str();
  EXPECT_NE(diags[1].message.find("step 'resume' uses resume_dhcp"), std::string::npos)
      << diags[1].message;
}

TEST(LabCheck, HostileFakesRunOnlyOnAnIsolatedSegment) {
  auto lab = dut::loadLabFile(kSrc + "/lab/emulated.yaml");
  scenario::Scenario sc;
  sc.id = "rogue";
  sc.fakes.rogue_dhcp.enabled = true;
  EXPECT_EQ(notApplicableReason(sc, lab), "");  // the emulated lab is isolated
  lab.isolated = false;
  std::string why = notApplicableReason(sc, lab);
  EXPECT_NE(why.find("rogue_dhcp"), std::string::npos) << why;
  EXPECT_NE(why.find("isolated: false"), std::string::npos) << why;

  scenario::Scenario mitm;
  mitm.fakes.tls_proxy.enabled = true;
  EXPECT_EQ(notApplicableReason(mitm, lab), "");  // a trusted TLS proxy is no attack
  mitm.fakes.tls_proxy.flaw = "expired";
  EXPECT_NE(notApplicableReason(mitm, lab).find("man in the middle"), std::string::npos);

  scenario::Scenario plain;
  plain.fakes.hostile_sip.enabled = false;
  EXPECT_EQ(notApplicableReason(plain, lab), "");
}

TEST(LabCheck, MissingCapabilitiesComeFirst) {
  auto lab = dut::loadLabFile(kSrc + "/lab/emulated.yaml");
  scenario::Scenario sc;
  sc.dut.needs = {"teleport"};
  EXPECT_NE(notApplicableReason(sc, lab).find("lacks teleport"), std::string::npos);
}

// The power-on before the steps is part of the scenario: its boot timeout is added to every
// scenario's timeout, and once more for each ${dut.boot_timeout} the timeout names.
TEST(ScenarioTimeout, AddsTheLabsBootTimeout) {
  auto lab = dut::loadLabFile(kSrc + "/lab/emulated.yaml");
  lab.boot_timeout = 30;
  scenario::Scenario sc;
  sc.timeout = 60;
  EXPECT_DOUBLE_EQ(scenarioTimeout(sc, lab), 90);
  sc.timeout_boots = 2;
  EXPECT_DOUBLE_EQ(scenarioTimeout(sc, lab), 150);
}

}  // namespace
}  // namespace phonelab::runner
