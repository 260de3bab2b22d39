// Every file (or folder) under fixtures/scenarios-invalid/ is one broken case. Its `# expect:`
// comment lines list, in order, every diagnostic loading it must produce:
//   # expect: <line>:<col>: <message substring>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <regex>

#include "harness/dut/lab_file.h"
#include "harness/scenario/loader.h"

namespace phonelab::scenario {
namespace {

namespace fs = std::filesystem;
const std::string kSource = PHONELAB_SOURCE_DIR;
const std::string kCorpus = kSource + "/fixtures/scenarios-invalid";

struct Expectation {
  std::string file;
  int line, col;
  std::string substring;
};

std::vector<Expectation> expectationsIn(const std::string& file) {
  static const std::regex re(R"(^# expect: (\d+):(\d+): (.*)$)");
  std::vector<Expectation> out;
  std::ifstream in(file);
  std::smatch m;
  for (std::string line; std::getline(in, line);) {
    if (std::regex_match(line, m, re)) {
      out.push_back({file, std::stoi(m[1]), std::stoi(m[2]), m[3]});
    }
  }
  return out;
}

std::vector<std::string> cases() {
  std::vector<std::string> out;
  for (const auto& e : fs::directory_iterator(kCorpus)) out.push_back(e.path().filename());
  std::sort(out.begin(), out.end());
  return out;
}

const std::vector<Requirement>& catalog() {
  static const auto c = loadRequirements(kSource + "/scenarios/requirements.yaml");
  return c;
}

/// The expectations of the default lab's device profile, as `phonelab validate` checks against.
const Expectations& expectations() {
  static const Expectations e = [] {
    std::vector<std::string> names;
    const auto lab = dut::loadLabFile(kSource + "/lab/emulated.yaml");
    for (const auto& [name, outcome] : lab.profile.expect) names.push_back(name);
    return names;
  }();
  return e;
}

class InvalidCorpus : public testing::TestWithParam<std::string> {};

TEST_P(InvalidCorpus, ReportsExactlyTheExpectedDiagnostics) {
  const std::string path = kCorpus + "/" + GetParam();
  std::vector<Expectation> expected;
  for (const auto& f : findScenarioFiles({path}, *std::make_unique<std::vector<Diagnostic>>())) {
    auto e = expectationsIn(f);
    expected.insert(expected.end(), e.begin(), e.end());
  }
  ASSERT_FALSE(expected.empty()) << path << " has no '# expect:' line";

  std::vector<Diagnostic> got;
  try {
    loadSuite({path}, catalog(), expectations());
    FAIL() << path << " loaded without a diagnostic";
  } catch (const ConfigError& e) {
    got = e.diagnostics();
  }
  std::string all;
  for (const auto& d : got) all += "\n  " + d.str();
  ASSERT_EQ(got.size(), expected.size()) << "diagnostics:" << all;
  for (size_t i = 0; i < got.size(); ++i) {
    const auto& x = expected[i];
    std::string prefix = x.file + ":" + std::to_string(x.line) + ":" + std::to_string(x.col) + ": ";
    std::string text = got[i].str();
    EXPECT_EQ(text.rfind(prefix, 0), 0u) << "expected at " << prefix << "\n got " << text;
    EXPECT_NE(text.find(x.substring, prefix.size()), std::string::npos)
        << "expected '" << x.substring << "'\n got " << text;
  }
}

INSTANTIATE_TEST_SUITE_P(Cases, InvalidCorpus, testing::ValuesIn(cases()),
                         [](const testing::TestParamInfo<std::string>& p) {
                           std::string n = p.param;
                           if (n.size() > 5 && n.ends_with(".yaml")) n.resize(n.size() - 5);
                           for (char& c : n)
                             if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
                           return n;
                         });

TEST(InvalidCorpus, HasEnoughCases) {
  EXPECT_GE(cases().size(), 15u);
}

TEST(InvalidCorpus, DuplicateIdNamesTheFirstFileAndLine) {
  try {
    loadSuite({kCorpus + "/duplicate-id"}, catalog());
    FAIL();
  } catch (const ConfigError& e) {
    ASSERT_EQ(e.diagnostics().size(), 1u);
    EXPECT_NE(e.diagnostics()[0].message.find("(first in " + kCorpus + "/duplicate-id/a.yaml:1)"),
              std::string::npos)
        << e.what();
  }
}

TEST(InvalidCorpus, ScenarioFileCollectsWithoutThrowing) {
  std::vector<Diagnostic> d;
  auto s = loadScenarioFile(kCorpus + "/many-problems.yaml", d);
  EXPECT_EQ(s.size(), 1u);
  EXPECT_EQ(d.size(), 5u);
}

TEST(Suite, NonexistentPathIsADiagnostic) {
  std::vector<Diagnostic> d;
  EXPECT_TRUE(findScenarioFiles({"/nonexistent/phonelab"}, d).empty());
  ASSERT_EQ(d.size(), 1u);
  EXPECT_EQ(d[0].str(), "/nonexistent/phonelab: no such file or directory");
}

}  // namespace
}  // namespace phonelab::scenario
