#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <random>

#include "harness/dut/profile.h"
#include "harness/scenario/yaml_reader.h"

namespace phonelab::dut {
namespace {

/// The full edit-distance table, as didYouMean computed it before.
size_t fullDistance(const std::string& a, const std::string& b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diag = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      size_t up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diag + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diag = up;
    }
  }
  return row[b.size()];
}

std::string reference(const std::string& word, const std::vector<std::string>& candidates) {
  const std::string* best = nullptr;
  size_t best_d = 3;
  for (const auto& c : candidates) {
    size_t d = fullDistance(word, c);
    if (d < best_d) best_d = d, best = &c;
  }
  return best ? " (did you mean '" + *best + "'?)" : "";
}

TEST(DidYouMean, SuggestsTheNearestWithinTwoEdits) {
  const std::vector<std::string> drivers = {"emulator", "program", "physical"};
  EXPECT_EQ(didYouMean("emulatr", drivers), " (did you mean 'emulator'?)");
  EXPECT_EQ(didYouMean("phisycal", drivers), " (did you mean 'physical'?)");
  EXPECT_EQ(didYouMean("", drivers), "");
  EXPECT_EQ(didYouMean("bench", drivers), "");
  EXPECT_EQ(didYouMean("ab", {"", "abc"}), " (did you mean 'abc'?)");
  EXPECT_EQ(didYouMean("a", {"", "abc"}), " (did you mean ''?)");
}

// The same answers as the full table, on short random words over a small alphabet (many near
// misses, insertions, deletions).
TEST(DidYouMean, AgreesWithTheFullTable) {
  std::mt19937 rng(15);
  auto word = [&] {
    std::string s(rng() % 7, 'a');
    for (auto& c : s) c = static_cast<char>('a' + rng() % 3);
    return s;
  };
  for (int round = 0; round < 3000; ++round) {
    std::vector<std::string> candidates(1 + rng() % 4);
    for (auto& c : candidates) c = word();
    const std::string w = word();
    ASSERT_EQ(didYouMean(w, candidates), reference(w, candidates)) << "'" << w << "'";
  }
}

// Found by fuzzing (tests/fuzz/device_profile_fuzz.cc): an answer setting named with 100,000
// characters in a profile of 8,000 settings compared the name with every setting by the full
// table (over 100 s in the fuzz build: the load never finished within the fuzzer's timeout).
// Only names within two characters of its length are compared now, along the diagonal.
TEST(DidYouMean, ALongNameInALargeProfileIsRefusedWithItsPlace) {
  const std::string path = ::testing::TempDir() + "/phonelab-long-answer-setting.yaml";
  {
    std::ofstream f(path);
    f << "device: {name: x, psn: y}\nadmin:\n  pages: {p: /p}\nsettings:\n";
    for (int i = 0; i < 8000; ++i) f << "  s" << i << ": {element: E, page: p}\n";
    f << "answer:\n  method: auto_answer\n  setting: " << std::string(100000, 'q')
      << "\n  header: \"X: y\"\n";
  }
  try {
    (void)loadDeviceProfile(path);
    FAIL() << "loaded";
  } catch (const ConfigError& e) {
    ASSERT_EQ(e.diagnostics().size(), 1u);
    EXPECT_EQ(e.diagnostics()[0].where.line, 8007);
    EXPECT_NE(e.diagnostics()[0].message.find("is not a setting of this profile"),
              std::string::npos);
    EXPECT_EQ(e.diagnostics()[0].message.find("did you mean"), std::string::npos);
  }
  std::filesystem::remove(path);
  // Long words near each other are still compared.
  const std::string a(50000, 'x');
  EXPECT_EQ(didYouMean(a + "y", {a, a + "yy"}), " (did you mean '" + a + "'?)");
}

}  // namespace
}  // namespace phonelab::dut
