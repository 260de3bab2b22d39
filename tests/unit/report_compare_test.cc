// `phonelab compare`: the change rules, runs with different catalogs and scenario sets, bad input
// files named in the error, the page's links into each run (never through a planted link), and
// the command's exit status.

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "base/core/error.h"
#include "base/lab/process.h"
#include "reports/compare.h"
#include "reports/report.h"

namespace phonelab::reports {
namespace {

namespace fs = std::filesystem;

const std::string kSrc = PHONELAB_SOURCE_DIR;
const std::string kBin = PHONELAB_BIN_DIR;

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
               ("phonelab-compare-test-" + name + "-" + std::to_string(::getpid()));
  fs::remove_all(d);
  fs::create_directories(d);
  return d;
}

Requirement req(const std::string& id) {
  Requirement q;
  q.id = id;
  q.title = "title of " + id;
  q.kind = "documented";
  return q;
}

ScenarioResult scen(const std::string& id, Verdict v, std::vector<std::string> reqs) {
  ScenarioResult s;
  s.id = id;
  s.title = "title of " + id;
  s.file = "scenarios/x/" + id + ".yaml";
  s.requirements = std::move(reqs);
  s.verdict = v;
  return s;
}

RunResults run(const std::string& firmware, std::vector<Requirement> catalog,
               std::vector<ScenarioResult> scenarios) {
  RunResults r;
  r.run.started_at = "2026-11-26T15:03:15Z";
  r.run.finished_at = "2026-11-26T15:09:02Z";
  r.run.harness_version = "0.1.0";
  r.run.lab = "bench-a";
  r.run.dut = {{"model", "CP-8832"}, {"firmware", firmware}};
  r.run.complete = true;
  r.catalog = std::move(catalog);
  r.scenarios = std::move(scenarios);
  return r;
}

const CompareRow& row(const std::vector<CompareRow>& rows, const std::string& id) {
  for (const auto& r : rows) {
    if (r.id == id) return r;
  }
  throw std::runtime_error("no row " + id);
}

std::string allOf(const std::vector<std::string>& lines) {
  std::string out;
  for (const auto& l : lines) out += l + "\n";
  return out;
}

std::string messages(const ConfigError& e) {
  std::string all;
  for (const auto& d : e.diagnostics()) all += d.str() + "\n";
  return all;
}

TEST(CompareChange, RegressedIsPassToFailErrorOrInconclusive) {
  for (const char* bad : {"fail", "error", "inconclusive"}) {
    EXPECT_EQ(classifyChange("pass", bad), Change::Regressed) << bad;
    EXPECT_EQ(classifyChange(bad, "pass"), Change::Fixed) << bad;
  }
  EXPECT_EQ(classifyChange("pass", "pass"), Change::Same);
  EXPECT_EQ(classifyChange("fail", "fail"), Change::Same);
  EXPECT_EQ(classifyChange("pass", "not-applicable"), Change::Changed);
  EXPECT_EQ(classifyChange("fail", "error"), Change::Changed);
  EXPECT_EQ(classifyChange("", "fail"), Change::New);
  EXPECT_EQ(classifyChange("not-tested", "pass"), Change::New);
  EXPECT_EQ(classifyChange("pass", ""), Change::NoLongerRun);
  EXPECT_EQ(classifyChange("fail", "not-tested"), Change::NoLongerRun);
  EXPECT_EQ(classifyChange("", "not-tested"), Change::Same);
  EXPECT_EQ(toString(Change::NoLongerRun), "no longer run");
}

TEST(Compare, MarksFixedRegressedNewAndNoLongerRun) {
  std::vector<Requirement> cat = {req("R-A"), req("R-B"), req("R-C"), req("R-D"), req("R-E")};
  auto first = run("12.0.1", cat,
                   {scen("a", Verdict::Pass, {"R-A"}), scen("b", Verdict::Fail, {"R-B"}),
                    scen("d", Verdict::Pass, {"R-D"}), scen("e", Verdict::Pass, {"R-E"})});
  auto last = run("12.0.2", cat,
                  {scen("a", Verdict::Fail, {"R-A"}), scen("b", Verdict::Pass, {"R-B"}),
                   scen("c", Verdict::Inconclusive, {"R-C"}), scen("e", Verdict::Pass, {"R-E"})});
  auto c = compareRuns({{"out/fw-12.0.1", first}, {"out/fw-12.0.2", last}});

  EXPECT_EQ(row(c.scenarios, "a").change, Change::Regressed);
  EXPECT_EQ(row(c.scenarios, "b").change, Change::Fixed);
  EXPECT_EQ(row(c.scenarios, "c").change, Change::New);
  EXPECT_EQ(row(c.scenarios, "d").change, Change::NoLongerRun);
  EXPECT_EQ(row(c.scenarios, "e").change, Change::Same);
  EXPECT_EQ(row(c.scenarios, "c").status, (std::vector<std::string>{"", "inconclusive"}));
  EXPECT_EQ(row(c.requirements, "R-A").change, Change::Regressed);
  EXPECT_EQ(row(c.requirements, "R-B").change, Change::Fixed);
  EXPECT_EQ(row(c.requirements, "R-E").change, Change::Same);
  // R-C and R-D are tested only by scenarios not every run ran: not tested in the comparison.
  EXPECT_EQ(row(c.requirements, "R-C").status,
            (std::vector<std::string>{"not-tested", "not-tested"}));
  EXPECT_EQ(row(c.requirements, "R-D").change, Change::Same);
  EXPECT_TRUE(c.regressed());
  EXPECT_EQ(c.shared_scenarios, 3u);
  EXPECT_EQ(c.runs[0].firmware(), "12.0.1");
  EXPECT_EQ(c.runs[1].model(), "CP-8832");

  std::string text = compareText(c);
  EXPECT_NE(text.find("regressed:\n  requirement R-A: pass -> fail\n  scenario a: pass -> fail\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("no longer run:\n  scenario d: pass -> not run\n"), std::string::npos)
      << text;
  EXPECT_NE(text.find("new:\n  scenario c: not run -> inconclusive\n"), std::string::npos) << text;
  EXPECT_NE(text.find("run 2: CP-8832, firmware 12.0.2, 2026-11-26T15:03:15Z, out/fw-12.0.2"),
            std::string::npos)
      << text;
}

TEST(Compare, OnlyFixesIsNoRegression) {
  std::vector<Requirement> cat = {req("R-A")};
  auto c = compareRuns({{"x", run("1", cat, {scen("a", Verdict::Error, {"R-A"})})},
                        {"y", run("2", cat, {scen("a", Verdict::Pass, {"R-A"})})}});
  EXPECT_FALSE(c.regressed());
  EXPECT_EQ(row(c.requirements, "R-A").change, Change::Fixed);
  EXPECT_NE(compareText(c).find("nothing: every run has the same catalog and ran the same 1"),
            std::string::npos);
}

TEST(Compare, FirstAgainstLastWhateverTheRunsBetween) {
  std::vector<Requirement> cat = {req("R-A"), req("R-B")};
  auto c = compareRuns(
      {{"x", run("1", cat, {scen("a", Verdict::Pass, {"R-A"}), scen("b", Verdict::Pass, {"R-B"})})},
       {"y", run("2", cat, {scen("a", Verdict::Fail, {"R-A"}), scen("b", Verdict::Pass, {"R-B"})})},
       {"z",
        run("3", cat, {scen("a", Verdict::Pass, {"R-A"}), scen("b", Verdict::Fail, {"R-B"})})}});
  EXPECT_EQ(row(c.scenarios, "a").change, Change::Same);  // broken in 2, fixed in 3
  EXPECT_EQ(row(c.scenarios, "b").change, Change::Regressed);
  EXPECT_TRUE(c.regressed());
  // The page marks run 2's cell of "a" against run 1 as well.
  std::string html = compareHtml(c, tempDir("between").string());
  EXPECT_NE(html.find("<span class=\"verdict v-fail\">fail</span><span class=\"change "
                      "c-regressed\">regressed</span></td><td><span class=\"verdict v-pass\">"
                      "pass</span><span class=\"change c-fixed\">fixed</span></td><td></td>"),
            std::string::npos)
      << html;
}

TEST(Compare, DifferentCatalogsAndScenarioSetsAreComparedOnWhatTheyShare) {
  // Run 2's catalog has R-NEW, named by a scenario both runs ran; run 2 also runs "extra", which
  // fails and names R-A: R-A's row must not change because of it.
  auto first =
      run("1", {req("R-A"), req("R-OLD")},
          {scen("a", Verdict::Pass, {"R-A", "R-NEW"}), scen("old", Verdict::Pass, {"R-OLD"})});
  auto last =
      run("2", {req("R-A"), req("R-NEW")},
          {scen("a", Verdict::Pass, {"R-A", "R-NEW"}), scen("extra", Verdict::Fail, {"R-A"})});
  auto c = compareRuns({{"runs/one", first}, {"runs/two", last}});
  EXPECT_EQ(row(c.requirements, "R-A").status, (std::vector<std::string>{"pass", "pass"}));
  EXPECT_EQ(row(c.requirements, "R-NEW").status, (std::vector<std::string>{"", "pass"}));
  EXPECT_EQ(row(c.requirements, "R-NEW").change, Change::New);
  EXPECT_EQ(row(c.requirements, "R-OLD").status, (std::vector<std::string>{"not-tested", ""}));
  EXPECT_EQ(row(c.scenarios, "extra").change, Change::New);
  EXPECT_EQ(row(c.scenarios, "old").change, Change::NoLongerRun);
  EXPECT_FALSE(c.regressed());
  const std::string said = allOf(c.not_shared);
  EXPECT_NE(said.find("The catalog of run 1 (runs/one) lacks 1 requirement(s) another run has: "
                      "R-NEW"),
            std::string::npos)
      << said;
  EXPECT_NE(said.find("The catalog of run 2 (runs/two) lacks 1 requirement(s) another run has: "
                      "R-OLD"),
            std::string::npos)
      << said;
  EXPECT_NE(said.find("run 1 (runs/one) did not run 1 scenario(s) another run ran: extra"),
            std::string::npos)
      << said;
  EXPECT_NE(said.find("run 2 (runs/two) did not run 1 scenario(s) another run ran: old"),
            std::string::npos)
      << said;
  EXPECT_NE(said.find("combined from the 1 scenario(s) every run ran"), std::string::npos);
  // The page and the summary both say it.
  std::string html = compareHtml(c, tempDir("shared").string());
  EXPECT_NE(html.find("lacks 1 requirement(s) another run has: R-NEW"), std::string::npos);
  EXPECT_NE(compareText(c).find("lacks 1 requirement(s) another run has: R-OLD"),
            std::string::npos);
}

TEST(Compare, IncompleteRunIsSaid) {
  std::vector<Requirement> cat = {req("R-A")};
  auto last = run("2", cat, {});
  last.run.complete = false;
  last.run.interrupted = "SIGINT";
  auto c = compareRuns({{"x", run("1", cat, {scen("a", Verdict::Pass, {"R-A"})})}, {"y", last}});
  EXPECT_EQ(row(c.scenarios, "a").change, Change::NoLongerRun);
  EXPECT_FALSE(c.regressed());
  EXPECT_NE(allOf(c.not_shared).find("run 2 (y) is incomplete (interrupted: SIGINT)"),
            std::string::npos);
}

TEST(Compare, NeedsTwoRuns) {
  EXPECT_THROW(compareRuns({{"x", run("1", {}, {})}}), Error);
  EXPECT_THROW(loadComparison({"x"}), Error);
}

TEST(Compare, IdsThatWouldBecomeLinksAreRefused) {
  auto bad_scenario = run("1", {req("R-A")}, {scen("../etc", Verdict::Pass, {"R-A"})});
  try {
    compareRuns({{"one", bad_scenario}, {"two", run("2", {}, {})}});
    FAIL() << "no error";
  } catch (const ConfigError& e) {
    EXPECT_NE(messages(e).find("one/results.json: scenarios[0].id: bad scenario id \"../etc\""),
              std::string::npos)
        << messages(e);
  }
  auto bad_req = run("2", {req("R-A"), req("R/../../B")}, {});
  try {
    compareRuns({{"one", run("1", {}, {})}, {"two", bad_req}});
    FAIL() << "no error";
  } catch (const ConfigError& e) {
    EXPECT_NE(messages(e).find("two/results.json: requirements[1].id: bad requirement id "
                               "\"R/../../B\""),
              std::string::npos)
        << messages(e);
  }
}

TEST(Compare, BadInputFilesAreNamed) {
  auto root = tempDir("bad-input");
  auto good = root / "good";
  fs::create_directories(good);
  writeJson(run("1", {req("R-A")}, {scen("a", Verdict::Pass, {"R-A"})}),
            (good / "results.json").string());
  auto expectError = [&](const fs::path& dir, const std::string& want) {
    try {
      loadComparison({good.string(), dir.string()});
      ADD_FAILURE() << "no error for " << dir;
    } catch (const ConfigError& e) {
      EXPECT_NE(messages(e).find(want), std::string::npos) << messages(e);
    }
  };
  // Missing folder.
  expectError(root / "missing",
              (root / "missing" / "results.json").string() + ": cannot read results file");
  // Not JSON: file:line:col.
  fs::create_directories(root / "broken");
  spit(root / "broken" / "results.json", "{\n  \"schema\": \"phonelab-results/1\",\n  oops\n}\n");
  expectError(root / "broken", (root / "broken" / "results.json").string() + ":3:");
  // JSON, but a scenario id leaving the folder (the reader's own check).
  fs::create_directories(root / "hostile");
  std::string text = slurp(good / "results.json");
  text.replace(text.find("\"id\": \"a\""), 9, "\"id\": \"../a\"");
  spit(root / "hostile" / "results.json", text);
  expectError(root / "hostile",
              (root / "hostile" / "results.json").string() + ": scenarios[0].id: bad scenario id");
  // An evidence path leaving the folder (never linked from the page).
  fs::create_directories(root / "escape");
  writeJson(run("1", {req("R-A")}, {scen("a", Verdict::Pass, {"R-A"})}),
            (root / "escape" / "results.json").string());
  text = slurp(root / "escape" / "results.json");
  text.replace(text.find("\"evidence\": {}"), 14,
               "\"evidence\": {\"capture\": \"../../etc/shadow\"}");
  spit(root / "escape" / "results.json", text);
  expectError(root / "escape", (root / "escape" / "results.json").string() +
                                   ": scenarios[0].evidence.capture: evidence path");
  // A planted link instead of the file is never read.
  fs::create_directories(root / "linked");
  fs::create_symlink(good / "results.json", root / "linked" / "results.json");
  expectError(root / "linked",
              (root / "linked" / "results.json").string() + ": is a symbolic link");
}

TEST(CompareHtml, LinksIntoEachRunRelativeToThePageNeverThroughALink) {
  auto root = tempDir("links");
  std::vector<Requirement> cat = {req("R-A")};
  auto first =
      run("fw<1>", cat, {scen("a", Verdict::Pass, {"R-A"}), scen("b", Verdict::Pass, {"R-A"})});
  first.run.dut["model"] = "<script>alert(1)</script>";
  auto last = run("fw\x1b[31m2", cat,
                  {scen("a", Verdict::Fail, {"R-A"}), scen("b", Verdict::Pass, {"R-A"})});
  for (const auto& [name, r] : {std::pair{"one", first}, std::pair{"two", last}}) {
    fs::create_directories(root / "runs" / name);
    writeAll(r, (root / "runs" / name).string());
  }
  // Run one: real scenario folders. Run two: "a" is a link to somewhere else, "b" is missing.
  fs::create_directories(root / "runs" / "one" / "a");
  fs::create_directories(root / "runs" / "one" / "b");
  fs::create_directories(root / "elsewhere");
  fs::create_directory_symlink(root / "elsewhere", root / "runs" / "two" / "a");

  auto c = loadComparison({(root / "runs" / "one").string(), (root / "runs" / "two").string()});
  const auto out = root / "out" / "cmp";
  writeComparison(c, out.string());
  const std::string html = slurp(out / "compare.html");
  EXPECT_NE(html.find("<a href=\"../../runs/one/index.html#a\"><span class=\"verdict v-pass\">"),
            std::string::npos)
      << html;
  EXPECT_NE(html.find("<a href=\"../../runs/one/a/\">evidence</a>"), std::string::npos);
  EXPECT_NE(html.find("<a href=\"../../runs/one/b/\">evidence</a>"), std::string::npos);
  EXPECT_NE(html.find("<a href=\"../../runs/two/index.html#req-R-A\">"), std::string::npos);
  EXPECT_EQ(html.find("runs/two/a/"), std::string::npos) << "linked through a symbolic link";
  EXPECT_EQ(html.find("runs/two/b/"), std::string::npos) << "linked a missing folder";
  EXPECT_EQ(html.find("elsewhere"), std::string::npos);
  // Phone bytes are escaped on the page and made harmless in the summary.
  EXPECT_EQ(html.find("<script>"), std::string::npos);
  EXPECT_NE(html.find("&lt;script&gt;"), std::string::npos);
  EXPECT_NE(html.find("fw&lt;1&gt;"), std::string::npos);
  const std::string text = slurp(out / "compare.txt");
  EXPECT_EQ(text, compareText(c));
  EXPECT_EQ(text.find('\x1b'), std::string::npos);
  EXPECT_NE(text.find("fw\\x1b[31m2"), std::string::npos) << text;
  // Made as a report folder is.
  EXPECT_EQ(fs::status(out).permissions() & fs::perms::all,
            fs::perms::owner_all | fs::perms::group_exec | fs::perms::others_exec);
}

struct Cli {
  int code = -1;
  std::string output;
};

Cli phonelab(std::vector<std::string> args) {
  lab::ProcessSpec spec;
  spec.name = "phonelab";
  spec.argv = {kBin + "/phonelab"};
  spec.argv.insert(spec.argv.end(), args.begin(), args.end());
  spec.cwd = kSrc;
  auto r = lab::runToCompletion(spec, Deadline::in(Seconds(120)));
  Cli out;
  out.output = r.output;
  if (WIFEXITED(r.status)) out.code = WEXITSTATUS(r.status);
  if (WIFSIGNALED(r.status)) out.code = 128 + WTERMSIG(r.status);
  return out;
}

TEST(CompareCli, ExitStatusGatesOnRegressionOfTheLastRunAgainstTheFirst) {
  auto root = tempDir("cli");
  std::vector<Requirement> cat = {req("R-A")};
  auto pass = run("1", cat, {scen("a", Verdict::Pass, {"R-A"})});
  auto fail = run("2", cat, {scen("a", Verdict::Fail, {"R-A"})});
  for (const auto& [name, r] : {std::pair{"pass", pass}, std::pair{"fail", fail}}) {
    fs::create_directories(root / name);
    writeJson(r, (root / name / "results.json").string());
  }
  const std::string p = (root / "pass").string(), f = (root / "fail").string();
  const std::string out = (root / "out").string();

  auto regressed = phonelab({"compare", "--out", out, p, f});
  EXPECT_EQ(regressed.code, 1) << regressed.output;
  EXPECT_NE(regressed.output.find("regressed:\n  requirement R-A: pass -> fail"), std::string::npos)
      << regressed.output;
  EXPECT_TRUE(fs::exists(root / "out" / "compare.html"));

  auto fixed = phonelab({"compare", "--out", out, f, p});
  EXPECT_EQ(fixed.code, 0) << fixed.output;
  EXPECT_NE(fixed.output.find("fixed:\n  requirement R-A: fail -> pass"), std::string::npos);

  auto one = phonelab({"compare", "--out", out, p});
  EXPECT_EQ(one.code, 2) << one.output;
  EXPECT_NE(one.output.find("at least two report folders"), std::string::npos);

  auto missing = phonelab({"compare", "--out", out, p, (root / "nope").string()});
  EXPECT_EQ(missing.code, 2) << missing.output;
  EXPECT_NE(missing.output.find((root / "nope" / "results.json").string()), std::string::npos);

  spit(root / "a-file", "not a folder");
  auto not_folder = phonelab({"compare", "--out", (root / "a-file").string(), p, f});
  EXPECT_EQ(not_folder.code, 2) << not_folder.output;
  EXPECT_NE(not_folder.output.find((root / "a-file").string()), std::string::npos)
      << not_folder.output;

  auto empty_out = phonelab({"compare", "--out", "", p, f});
  EXPECT_EQ(empty_out.code, 2) << empty_out.output;
  EXPECT_NE(empty_out.output.find("compare: --out is empty"), std::string::npos)
      << empty_out.output;

  auto help = phonelab({"compare", "--help"});
  EXPECT_EQ(help.code, 0);
  EXPECT_NE(help.output.find("out/compare"), std::string::npos) << help.output;
}

}  // namespace
}  // namespace phonelab::reports
