// The report writers and `phonelab merge` against a hostile report folder or shard: ids and
// evidence paths that leave the folder, planted links, folders other users can write.

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "base/core/error.h"
#include "base/core/safe_fs.h"
#include "reports/json_report.h"
#include "reports/report.h"
#include "reports/xml.h"

namespace phonelab {
RunResults reportSampleResults();
}

namespace phonelab::reports {
namespace {

namespace fs = std::filesystem;

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

void spit(const fs::path& p, const std::string& text) {
  std::ofstream(p, std::ios::binary) << text;
}

fs::path tempDir(const std::string& name) {
  fs::path d = fs::temp_directory_path() /
               ("phonelab-safety-test-" + name + "-" + std::to_string(::getpid()));
  fs::remove_all(d);
  fs::create_directories(d);
  return d;
}

// One scenario with the given id and evidence, as a shard's results.json says it.
RunResults shard(const std::string& id, const std::map<std::string, std::string>& evidence) {
  RunResults r;
  r.run.started_at = r.run.finished_at = "2026-12-01T00:00:00Z";
  r.run.complete = true;
  ScenarioResult s;
  s.id = id;
  s.title = "t";
  s.file = "scenarios/x.yaml";
  s.verdict = Verdict::Pass;
  s.evidence = evidence;
  r.scenarios.push_back(s);
  return r;
}

int phonelab(const std::string& args) {
  const std::string cmd = std::string(PHONELAB_BIN_DIR) + "/phonelab " + args + " >/dev/null 2>&1";
  int rc = std::system(cmd.c_str());
  return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

TEST(ReportSafety, MergeRefusesAnIdThatLeavesTheReportFolder) {
  auto base = tempDir("merge-id");
  fs::create_directories(base / "o" / "target");
  spit(base / "o" / "target" / "keep.txt", "victim");
  fs::create_directories(base / "s" / "shard");
  fs::create_directories(base / "s" / "target");
  spit(base / "s" / "target" / "planted.txt", "attacker");
  spit(base / "s" / "shard" / "results.json", toJsonText(shard("../target", {})));
  EXPECT_EQ(phonelab("merge --report " + (base / "o" / "out").string() + " " +
                     (base / "s" / "shard").string()),
            2);
  EXPECT_EQ(slurp(base / "o" / "target" / "keep.txt"), "victim");
  EXPECT_FALSE(fs::exists(base / "o" / "target" / "planted.txt"));
  fs::remove_all(base);
}

TEST(ReportSafety, MergeNeverFollowsALinkInAShardsScenarioFolder) {
  auto base = tempDir("merge-link");
  spit(base / "host-file", "host secret");
  fs::create_directories(base / "shard" / "net-x" / "sub");
  spit(base / "shard" / "net-x" / "events.jsonl", "{}\n");
  fs::create_symlink(base / "host-file", base / "shard" / "net-x" / "capture.pcap");
  fs::create_directory_symlink(base, base / "shard" / "net-x" / "sub" / "up");
  spit(base / "shard" / "results.json",
       toJsonText(shard("net-x", {{"events", "net-x/events.jsonl"}})));
  EXPECT_EQ(phonelab("merge --report " + (base / "out").string() + " " + (base / "shard").string()),
            0);
  EXPECT_EQ(slurp(base / "out" / "net-x" / "events.jsonl"), "{}\n");
  EXPECT_FALSE(fs::exists(fs::symlink_status(base / "out" / "net-x" / "capture.pcap")));
  EXPECT_FALSE(fs::exists(fs::symlink_status(base / "out" / "net-x" / "sub" / "up")));
  // A shard whose scenario folder is itself a link is refused.
  fs::remove_all(base / "shard" / "net-x");
  fs::create_directory_symlink(base / "out", base / "shard" / "net-x");
  EXPECT_EQ(
      phonelab("merge --report " + (base / "out2").string() + " " + (base / "shard").string()), 2);
  EXPECT_FALSE(fs::exists(base / "out2" / "net-x"));
  fs::remove_all(base);
}

TEST(ReportSafety, ResultsWithABadIdOrEvidencePathAreRefused) {
  auto base = tempDir("read");
  for (const auto& [id, ev] :
       std::vector<std::pair<std::string, std::string>>{{"../../target", "x/events.jsonl"},
                                                        {"/etc", "x/events.jsonl"},
                                                        {"ok-id", "../../etc/passwd"},
                                                        {"ok-id", "/etc/passwd"},
                                                        {"ok-id", "//host/x"},
                                                        {"ok-id", "ok-id/./x"}}) {
    spit(base / "results.json", toJsonText(shard(id, {{"events", ev}})));
    EXPECT_THROW(readJson((base / "results.json").string()), ConfigError) << id << " " << ev;
    // `phonelab report` says so and exits 2, writing nothing.
    EXPECT_EQ(phonelab("report " + base.string()), 2) << id << " " << ev;
  }
  fs::remove_all(base);
}

TEST(ReportSafety, AnEvidencePathLikeHostShareIsNeverALinkOutOfTheReport) {
  auto r = shard("ok-id", {{"capture", "//evil.example/x.pcap"}, {"log", "/etc/passwd"}});
  const std::string html = toHtmlText(r, "");
  EXPECT_EQ(html.find("href=\"//"), std::string::npos);
  EXPECT_EQ(html.find("href=\"/etc"), std::string::npos);
  EXPECT_EQ(hrefPath("//evil.example/x").rfind("//", 0), std::string::npos);
}

TEST(ReportSafety, APlantedTemporaryLinkIsNotFollowed) {
  auto base = tempDir("tmp-link");
  spit(base / "victim", "keep me");
  fs::create_directories(base / "report");
  ::chmod((base / "report").c_str(), 0700);
  for (const char* f : {"index.html", "junit.xml", "results.json"}) {
    fs::create_symlink(base / "victim", base / "report" / (std::string(f) + ".tmp"));
  }
  writeAll(reportSampleResults(), (base / "report").string());
  EXPECT_EQ(slurp(base / "victim"), "keep me");
  // A link at the final name is replaced, not written through.
  fs::create_symlink(base / "victim", base / "report" / "report.txt");
  writeFileAtomic((base / "report" / "report.txt").string(), "new");
  EXPECT_EQ(slurp(base / "victim"), "keep me");
  EXPECT_EQ(slurp(base / "report" / "report.txt"), "new");
  fs::remove_all(base);
}

TEST(ReportSafety, AReportFolderOthersCanWriteIsRefusedAndOursIsPrivate) {
  auto base = tempDir("modes");
  fs::create_directories(base / "open");
  ::chmod((base / "open").c_str(), 0777);
  EXPECT_THROW(writeAll(reportSampleResults(), (base / "open").string()), Error);
  EXPECT_FALSE(fs::exists(base / "open" / "results.json"));
  fs::create_directories(base / "group");
  ::chmod((base / "group").c_str(), 0770);
  EXPECT_THROW(writeAll(reportSampleResults(), (base / "group").string()), Error);
  if (::geteuid() == 0) {
    fs::create_directories(base / "theirs");
    ASSERT_EQ(::chown((base / "theirs").c_str(), 65534, 65534), 0);
    EXPECT_THROW(writeAll(reportSampleResults(), (base / "theirs").string()), Error);
  }
  // A folder we create, or one of ours, ends up 0711 (others pass through to the daemons' folders,
  // never list it), and what the report writers put in it is the owner's alone.
  writeAll(reportSampleResults(), (base / "new" / "report").string());
  struct stat st {};
  ASSERT_EQ(::stat((base / "new" / "report").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0711u);
  ASSERT_EQ(::stat((base / "new" / "report" / "index.html").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0600u);
  fs::remove_all(base);
}

}  // namespace
}  // namespace phonelab::reports
