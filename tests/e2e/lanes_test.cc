// Parallel lanes, shards and merged reports: `run --jobs 2` gives the verdicts and checks of the
// same scenarios run serially (here as two shards), and `merge` of the shards is that report again.

#include <tuple>

#include "tests/e2e/e2e_util.h"

namespace phonelab::e2e {
namespace {

// In file order: a merged report lists scenarios by file, as a whole-suite run does.
const std::vector<std::string> kPaths = {"scenarios/network",
                                         "scenarios/sip/sip-auth-invite-on.yaml",
                                         "scenarios/sip/sip-rad-block.yaml"};

/// (scenario, verdict, each check's name and verdict): what must not depend on lanes or shards.
using Outline = std::vector<std::tuple<std::string, std::string, std::string>>;

Outline outline(const nlohmann::json& results) {
  Outline out;
  for (const auto& s : results["scenarios"]) {
    std::string checks;
    for (const auto& c : s["checks"]) {
      checks += c["name"].get<std::string>() + "=" + c["verdict"].get<std::string>() + ";";
    }
    out.emplace_back(s["id"], s["verdict"], checks);
  }
  return out;
}

std::vector<std::string> args(std::vector<std::string> head) {
  head.insert(head.end(), kPaths.begin(), kPaths.end());
  return head;
}

TEST(Lanes, JobsTwoMatchesShardsRunSeriallyAndTheirMerge) {
  const std::string par = freshDir("lanes-jobs2");
  auto p = phonelab(args({"run", "--jobs", "2", "--report", par}), par);
  ASSERT_EQ(p.exit_code, 0) << p.output;

  const std::string s1 = freshDir("lanes-shard1"), s2 = freshDir("lanes-shard2");
  auto a = phonelab(args({"run", "--shard", "1/2", "--report", s1}), s1);
  auto b = phonelab(args({"run", "--shard", "2/2", "--report", s2}), s2);
  ASSERT_EQ(a.exit_code, 0) << a.output;
  ASSERT_EQ(b.exit_code, 0) << b.output;
  // Shards are disjoint and cover the suite.
  EXPECT_EQ(a.results["scenarios"].size() + b.results["scenarios"].size(),
            p.results["scenarios"].size());
  EXPECT_EQ(a.results["scenarios"].size(), 2u);

  const std::string merged = freshDir("lanes-merged");
  auto m = phonelab({"merge", "--report", merged, s1, s2}, merged);
  ASSERT_EQ(m.exit_code, 0) << m.output;
  EXPECT_EQ(outline(m.results), outline(p.results));
  EXPECT_EQ(p.results["scenarios"].size(), 4u);
  // Evidence came along: every linked file of the merged report exists in its folder.
  for (const auto& s : m.results["scenarios"]) {
    for (const auto& [kind, path] : s["evidence"].items()) {
      EXPECT_TRUE(std::filesystem::exists(merged + "/" + path.get<std::string>()))
          << kind << " " << path;
    }
  }
  EXPECT_TRUE(std::filesystem::exists(merged + "/index.html"));

  // A scenario in two reports is an error, not a silent duplicate.
  const std::string twice = freshDir("lanes-twice");
  auto d = phonelab({"merge", "--report", twice, s1, s1}, twice);
  EXPECT_EQ(d.exit_code, 2) << d.output;
  EXPECT_NE(d.output.find("is in both"), std::string::npos) << d.output;
}

TEST(Lanes, BadShardIsAUsageError) {
  for (const char* bad : {"0/2", "3/2", "1/0", "x/2", "1-2", "1/2x"}) {
    auto r = phonelab({"run", "--shard", bad, "scenarios/network"});
    EXPECT_EQ(r.exit_code, 2) << bad << ": " << r.output;
    EXPECT_NE(r.output.find("--shard"), std::string::npos) << r.output;
  }
}

}  // namespace
}  // namespace phonelab::e2e

namespace phonelab::e2e {
namespace {

// A report folder given relative to the working directory (as lab/run-suite does): Kamailio
// resolves relative paths against its config file's folder, so every path the harness hands a
// daemon must be absolute. sip-tls-kamailio gives Kamailio a certificate and key from the run.
TEST(ReportFolder, RelativePathWorksForDaemonsThatChangeFolder) {
  PHONELAB_REQUIRE_ROOT();
  const std::string abs = freshDir("relative-report");
  const std::string rel = std::filesystem::relative(abs, kSrc).string();
  if (rel.rfind("..", 0) == 0) GTEST_SKIP() << "build tree outside the source tree: " << rel;
  auto r = phonelab({"run", "--report", rel, "scenarios/tls/sip-tls-kamailio.yaml"}, abs);
  EXPECT_EQ(r.exit_code, 0) << r.output;
  const auto* s = scenario(r, "sip-tls-kamailio");
  ASSERT_NE(s, nullptr) << r.output;
  EXPECT_EQ((*s)["verdict"], "pass") << s->dump(2);
}

}  // namespace
}  // namespace phonelab::e2e
