// `phonelab compare` on two real runs against the emulator: the same scenarios, the second with an
// emulator fault switched on. The comparison must show exactly the requirements that fault breaks
// (the fourth column of `phone-emulator --list-faults`) as regressed, exit 1, and link each run's
// evidence from the page. The fault breaks two requirements whose scenarios are quick; a third
// scenario of another requirement shows that what the fault leaves alone stays unmarked.

#include <gtest/gtest.h>

#include <filesystem>
#include <regex>
#include <set>

#include "harness/runner/selftest.h"
#include "reports/compare.h"
#include "tests/e2e/e2e_util.h"

namespace phonelab::e2e {
namespace {

namespace fs = std::filesystem;

constexpr const char* kFault = "auth-invite-read-at-start";

std::set<std::string> requirementsBrokenBy(const std::string& fault) {
  lab::ProcessSpec spec;
  spec.name = "phone-emulator";
  spec.argv = {kBin + "/phone-emulator", "--list-faults"};
  auto r = lab::runToCompletion(spec, Deadline::in(Seconds(30)));
  for (const auto& f : runner::parseFaultList(r.output)) {
    if (f.name == fault) return {f.requirements.begin(), f.requirements.end()};
  }
  return {};
}

TEST(CompareE2E, FaultInTheSecondRunShowsExactlyItsRequirementsAsRegressed) {
  const auto broken = requirementsBrokenBy(kFault);
  ASSERT_EQ(broken, (std::set<std::string>{"SIP-AUTH-INVITE-ON", "SIP-AUTH-INVITE-OFF"}))
      << "the fault list changed: pick a fault whose scenarios are few and quick";
  const std::vector<std::string> scenarios = {"scenarios/sip/sip-auth-invite-on.yaml",
                                              "scenarios/sip/sip-auth-invite-off.yaml",
                                              "scenarios/sip/sip-rad-allow.yaml"};
  auto base = runSuite("compare-base", {}, scenarios);
  ASSERT_EQ(base.exit_code, 0) << base.output;
  auto faulty = runSuite("compare-fault", {kFault}, scenarios);
  ASSERT_EQ(faulty.exit_code, 1) << faulty.output;

  const std::string out = freshDir("compare-out");
  auto cmp = phonelab({"compare", "--out", out, base.report_dir, faulty.report_dir});
  EXPECT_EQ(cmp.exit_code, 1) << cmp.output;

  auto c = reports::loadComparison({base.report_dir, faulty.report_dir});
  std::set<std::string> regressed, changed;
  for (const auto& r : c.requirements) {
    if (r.change == reports::Change::Regressed) regressed.insert(r.id);
    if (r.change != reports::Change::Same) changed.insert(r.id);
  }
  EXPECT_EQ(regressed, broken);
  EXPECT_EQ(changed, broken);  // SIP-RAD-ALLOW, and every untested requirement, unmarked
  EXPECT_TRUE(c.not_shared.empty());
  for (const auto& id : broken) {
    EXPECT_NE(cmp.output.find("requirement " + id + ": pass -> fail"), std::string::npos)
        << cmp.output;
  }
  EXPECT_EQ(readFile(out + "/compare.txt"), reports::compareText(c));

  // Every link of the page opens something in a run's report folder.
  const std::string html = readFile(out + "/compare.html");
  std::regex href("href=\"([^\"#]+)(#[^\"]*)?\"");
  size_t evidence_links = 0;
  for (auto it = std::sregex_iterator(html.begin(), html.end(), href); it != std::sregex_iterator();
       ++it) {
    const fs::path target = fs::path(out) / (*it)[1].str();
    EXPECT_TRUE(fs::exists(target)) << target;
    if ((*it)[1].str().find("/sip-auth-invite-on/") != std::string::npos) ++evidence_links;
  }
  EXPECT_EQ(evidence_links, 2u) << "one evidence link per run for sip-auth-invite-on";
}

}  // namespace
}  // namespace phonelab::e2e
