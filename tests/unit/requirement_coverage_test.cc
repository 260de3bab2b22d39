// The requirement coverage gate: every requirement of scenarios/requirements.yaml has a scenario
// under scenarios/, or an explicit `planned:` marker naming the issue that will test it; no
// scenario names an unknown requirement; no marker is left on a requirement a scenario tests.

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "harness/scenario/loader.h"

namespace phonelab::scenario {
namespace {

const std::string kSource = PHONELAB_SOURCE_DIR;

std::string joined(const std::vector<Diagnostic>& d) {
  std::string all;
  for (const auto& x : d) all += "\n" + x.str();
  return all;
}

TEST(RequirementCoverage, EveryRequirementHasAScenarioOrIsPlanned) {
  const std::string catalog_file = kSource + "/scenarios/requirements.yaml";
  auto catalog = loadRequirements(catalog_file);
  // Scenarios are loaded without the catalog check of loadSuite, so that the gate itself reports
  // unknown ids (with their place).
  std::vector<Diagnostic> diags;
  std::vector<Scenario> scenarios;
  for (const auto& f : findScenarioFiles({kSource + "/scenarios"}, diags)) {
    for (auto& s : loadScenarioFile(f, diags)) scenarios.push_back(std::move(s));
  }
  ASSERT_TRUE(diags.empty()) << joined(diags);
  ASSERT_GE(scenarios.size(), 20u);
  auto gate = checkCoverage(catalog, scenarios);
  EXPECT_TRUE(gate.empty()) << joined(gate);
  int planned = 0;
  for (const auto& r : catalog) planned += r.planned.empty() ? 0 : 1;
  EXPECT_LT(planned, static_cast<int>(catalog.size()));
}

Requirement req(std::string id, std::string planned, int line) {
  Requirement r;
  r.id = std::move(id);
  r.kind = "documented";
  r.planned = std::move(planned);
  r.mark = Mark{"scenarios/requirements.yaml", line, 5};
  return r;
}

Scenario scenarioNaming(std::string id, std::vector<std::string> reqs) {
  Scenario s;
  s.id = std::move(id);
  s.file = "scenarios/x/" + s.id + ".yaml";
  s.id_mark = Mark{s.file, 1, 5};
  for (size_t i = 0; i < reqs.size(); ++i) {
    s.requirement_marks.push_back(Mark{s.file, 3, static_cast<int>(16 + 10 * i)});
  }
  s.requirements = std::move(reqs);
  return s;
}

TEST(RequirementCoverage, UntestedUnmarkedRequirementFailsTheGateAtItsLine) {
  auto d = checkCoverage({req("NET-A", "", 7), req("NET-B", "", 12), req("TLS-C", "#5 TLS", 20)},
                         {scenarioNaming("net-a", {"NET-A"})});
  ASSERT_EQ(d.size(), 1u) << joined(d);
  EXPECT_EQ(d[0].str(),
            "scenarios/requirements.yaml:12:5: requirement 'NET-B' has no scenario: add one that "
            "names it in 'requirements:', or mark it 'planned: \"#<issue> <topic>\"'");
}

TEST(RequirementCoverage, UnknownRequirementInAScenarioFailsTheGateAtItsPlace) {
  auto d = checkCoverage({req("NET-A", "", 7)}, {scenarioNaming("net-a", {"NET-A", "NET-AA"})});
  ASSERT_EQ(d.size(), 1u) << joined(d);
  EXPECT_EQ(d[0].str().rfind("scenarios/x/net-a.yaml:3:26: scenario 'net-a' names unknown "
                             "requirement 'NET-AA'",
                             0),
            0u)
      << d[0].str();
}

TEST(RequirementCoverage, StalePlannedMarkerFailsTheGate) {
  auto d = checkCoverage({req("TLS-C", "#5 TLS", 20)}, {scenarioNaming("tls-c", {"TLS-C"})});
  ASSERT_EQ(d.size(), 1u) << joined(d);
  EXPECT_NE(d[0].str().find("requirements.yaml:20:5: requirement 'TLS-C' is marked planned "
                            "(#5 TLS) but scenario 'tls-c' tests it"),
            std::string::npos)
      << d[0].str();
}

struct TempCatalog {
  std::filesystem::path path;
  explicit TempCatalog(const std::string& text) {
    path = std::filesystem::temp_directory_path() /
           ("phonelab-coverage-" + std::to_string(::getpid()) + ".yaml");
    std::ofstream(path) << text;
  }
  ~TempCatalog() { std::filesystem::remove(path); }
};

TEST(RequirementCoverage, CatalogLoadsWithAndWithoutTheMarker) {
  TempCatalog f(R"(requirements:
  - id: OLD-STYLE
    title: an entry without the marker still loads
    kind: documented
    spec: text
  - id: LATER
    planned: "#9 later"
    title: t
    kind: hardening
    spec: text
)");
  auto c = loadRequirements(f.path.string());
  ASSERT_EQ(c.size(), 2u);
  EXPECT_EQ(c[0].planned, "");
  EXPECT_EQ(c[1].planned, "#9 later");
  EXPECT_EQ(c[1].mark.line, 6);
}

TEST(RequirementCoverage, EmptyMarkerIsAnErrorAtItsPlace) {
  TempCatalog f(R"(requirements:
  - id: LATER
    planned: ""
    title: t
    kind: hardening
    spec: text
)");
  std::vector<Diagnostic> d;
  loadRequirements(f.path.string(), d);
  ASSERT_EQ(d.size(), 1u);
  EXPECT_NE(d[0].str().find(":3:14: 'planned' is empty"), std::string::npos) << d[0].str();
}

}  // namespace
}  // namespace phonelab::scenario
