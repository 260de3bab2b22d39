#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <unistd.h>

#include <nlohmann/json.hpp>

#include "base/core/error.h"
#include "reports/json_report.h"
#include "reports/report.h"

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

fs::path tempDir(const std::string& name) {
  fs::path d = fs::temp_directory_path() /
               ("phonelab-report-test-" + name + "-" + std::to_string(::getpid()));
  fs::remove_all(d);
  fs::create_directories(d);
  return d;
}

void expectSame(const CheckResult& a, const CheckResult& b) {
  EXPECT_EQ(a.name, b.name);
  EXPECT_EQ(a.verdict, b.verdict);
  EXPECT_EQ(a.message, b.message);
  EXPECT_EQ(a.t, b.t);
  EXPECT_EQ(a.step, b.step);
  EXPECT_EQ(a.details, b.details);
  EXPECT_EQ(a.expected, b.expected);
  EXPECT_EQ(a.observed, b.observed);
}

void expectSame(const RunResults& a, const RunResults& b) {
  EXPECT_EQ(a.run.started_at, b.run.started_at);
  EXPECT_EQ(a.run.finished_at, b.run.finished_at);
  EXPECT_EQ(a.run.harness_version, b.run.harness_version);
  EXPECT_EQ(a.run.lab, b.run.lab);
  EXPECT_EQ(a.run.lab_file, b.run.lab_file);
  EXPECT_EQ(a.run.command, b.run.command);
  EXPECT_EQ(a.run.host, b.run.host);
  EXPECT_EQ(a.run.dut, b.run.dut);
  EXPECT_EQ(a.run.emulator_faults, b.run.emulator_faults);
  EXPECT_EQ(a.run.complete, b.run.complete);
  EXPECT_EQ(a.run.interrupted, b.run.interrupted);
  ASSERT_EQ(a.scenarios.size(), b.scenarios.size());
  for (size_t i = 0; i < a.scenarios.size(); ++i) {
    SCOPED_TRACE("scenario " + a.scenarios[i].id);
    const auto& x = a.scenarios[i];
    const auto& y = b.scenarios[i];
    EXPECT_EQ(x.id, y.id);
    EXPECT_EQ(x.title, y.title);
    EXPECT_EQ(x.file, y.file);
    EXPECT_EQ(x.requirements, y.requirements);
    EXPECT_EQ(x.tags, y.tags);
    EXPECT_EQ(x.verdict, y.verdict);
    EXPECT_EQ(x.started_at, y.started_at);
    EXPECT_EQ(x.duration, y.duration);  // exact: doubles must round-trip bit for bit
    ASSERT_EQ(x.steps.size(), y.steps.size());
    for (size_t k = 0; k < x.steps.size(); ++k) {
      EXPECT_EQ(x.steps[k].name, y.steps[k].name);
      EXPECT_EQ(x.steps[k].kind, y.steps[k].kind);
      EXPECT_EQ(x.steps[k].started, y.steps[k].started);
      EXPECT_EQ(x.steps[k].duration, y.steps[k].duration);
      EXPECT_EQ(x.steps[k].outcome, y.steps[k].outcome);
    }
    ASSERT_EQ(x.checks.size(), y.checks.size());
    for (size_t k = 0; k < x.checks.size(); ++k) expectSame(x.checks[k], y.checks[k]);
    EXPECT_EQ(x.evidence, y.evidence);
    EXPECT_EQ(x.boot, y.boot);
    EXPECT_EQ(x.error, y.error);
  }
  ASSERT_EQ(a.catalog.size(), b.catalog.size());
  for (size_t i = 0; i < a.catalog.size(); ++i) {
    EXPECT_EQ(a.catalog[i].id, b.catalog[i].id);
    EXPECT_EQ(a.catalog[i].title, b.catalog[i].title);
    EXPECT_EQ(a.catalog[i].kind, b.catalog[i].kind);
    EXPECT_EQ(a.catalog[i].spec, b.catalog[i].spec);
    EXPECT_EQ(a.catalog[i].notes, b.catalog[i].notes);
    EXPECT_EQ(a.catalog[i].planned, b.catalog[i].planned);
  }
}

TEST(ReportJson, RoundTripsEveryFieldAndTheBytes) {
  RunResults r = reportSampleResults();
  r.run.complete = false;
  r.run.interrupted = "SIGINT";
  auto dir = tempDir("json");
  writeJson(r, (dir / "results.json").string());
  EXPECT_FALSE(fs::exists(dir / "results.json.tmp"));
  RunResults back = readJson((dir / "results.json").string());
  expectSame(r, back);
  writeJson(back, (dir / "again.json").string());
  EXPECT_EQ(slurp(dir / "results.json"), slurp(dir / "again.json"));
  fs::remove_all(dir);
}

TEST(ReportJson, WritesTheDocumentedShape) {
  std::string text = toJsonText(reportSampleResults());
  EXPECT_EQ(text.rfind("{\n  \"schema\": \"phonelab-results/1\",\n  \"run\": {", 0), 0u) << text;
  EXPECT_NE(text.find("\"verdict\": \"not-applicable\""), std::string::npos);
  EXPECT_NE(text.find("\"counts\": {\n    \"pass\": 1,\n    \"fail\": 1,\n    \"inconclusive\": 1,"
                      "\n    \"error\": 1,\n    \"not-applicable\": 1\n  }"),
            std::string::npos);
  // Derived requirement verdicts: NET-1 is named by a pass and a fail scenario.
  EXPECT_NE(
      text.find(
          "\"id\": \"NET-1\",\n      \"title\": \"Static IP configuration\",\n      "
          "\"kind\": \"documented\",\n      \"spec\": \"Network settings, static\",\n"
          "      \"notes\": \"n1\",\n      \"planned\": \"\",\n      \"wrong_ways\": [\n        {\n"
          "          \"fault\": \"static-ip-ignored\",\n          \"how\": \"keeps running DHCP "
          "with a static address set\"\n        }\n      ],\n      \"verdict\": \"fail\",\n      "
          "\"scenarios\": [\n        \"net-conn-static\",\n        \"sip-auth-invite\""),
      std::string::npos);
  EXPECT_NE(text.find("\\u0001"), std::string::npos);
  EXPECT_EQ(text.back(), '\n');
  // A requirement no scenario ran is "not tested", with the issue that plans it; not
  // "not-applicable" (that is a scenario whose device lacks a capability).
  EXPECT_NE(text.find("\"id\": \"NET-9\",\n      \"title\": \"Never ran\",\n      \"kind\": "
                      "\"documented\",\n      \"spec\": \"\",\n      \"notes\": \"\",\n      "
                      "\"planned\": \"#9 later\",\n      \"wrong_ways\": [],\n      "
                      "\"verdict\": \"not-tested\",\n      "
                      "\"scenarios\": []"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("\"expected\": \"status = 401 [device profile x.yaml: "
                      "expect.auth_invite_challenge = 401]\",\n          \"observed\": "
                      "\"sip.response at 0.090 s: status was '200' (wanted status = 401)\""),
            std::string::npos);
}

TEST(ReportJson, ReadsResultsWrittenBeforeExpectedObservedAndPlanned) {
  auto doc = nlohmann::json::parse(toJsonText(reportSampleResults()));
  for (auto& s : doc["scenarios"]) {
    for (auto& c : s["checks"]) {
      c.erase("expected");
      c.erase("observed");
    }
  }
  for (auto& q : doc["requirements"]) {
    q.erase("planned");
    q["verdict"] = "not-applicable";  // what older files said for a requirement nothing ran
  }
  RunResults back = fromJsonText(doc.dump(), "old.json");
  EXPECT_EQ(back.scenarios[1].checks[0].expected, "");
  EXPECT_EQ(back.catalog[3].planned, "");
  EXPECT_EQ(back.requirementResults()[3].status(), "not-tested");
}

TEST(ReportJson, UnknownRequirementStateIsAnError) {
  auto doc = nlohmann::json::parse(toJsonText(reportSampleResults()));
  doc["requirements"][0]["verdict"] = "untested";
  try {
    fromJsonText(doc.dump(), "bad.json");
    FAIL() << "accepted";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("requirements[0].verdict: unknown verdict \"untested\""),
              std::string::npos)
        << e.what();
  }
}

TEST(ReportJson, NonFiniteAndInvalidUtf8AreStableAfterOneWrite) {
  RunResults r = reportSampleResults();
  r.scenarios[0].duration = std::nan("");
  r.scenarios[0].checks[0].message = "bad \xff\xfe bytes";
  std::string first = toJsonText(r);
  RunResults back = fromJsonText(first, "results.json");
  EXPECT_TRUE(std::isnan(back.scenarios[0].duration));
  EXPECT_EQ(back.scenarios[0].checks[0].message, "bad \xEF\xBF\xBD\xEF\xBF\xBD bytes");
  EXPECT_EQ(toJsonText(back), first);
}

TEST(ReportJson, MalformedJsonGivesFileLineCol) {
  // Line 3, column 14 is the stray 'x'.
  const std::string text = "{\n  \"schema\": \"phonelab-results/1\",\n  \"run\": {}, x\n}\n";
  try {
    fromJsonText(text, "out/results.json");
    FAIL() << "no exception";
  } catch (const ConfigError& e) {
    ASSERT_EQ(e.diagnostics().size(), 1u);
    EXPECT_EQ(e.diagnostics()[0].where.line, 3);
    EXPECT_EQ(e.diagnostics()[0].where.col, 14);
    EXPECT_NE(std::string(e.what()).find("out/results.json:3:14: malformed JSON"),
              std::string::npos)
        << e.what();
  }
}

TEST(ReportJson, TruncatedFileGivesItsEnd) {
  try {
    fromJsonText("{\n  \"schema\": ", "r.json");
    FAIL() << "no exception";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("r.json:2:"), std::string::npos) << e.what();
  }
}

TEST(ReportJson, MissingAndWrongTypedFieldsAreNamedByPath) {
  std::string text = toJsonText(reportSampleResults());
  // Remove scenarios[1].checks[0].verdict and make run.complete a string.
  auto at = text.find("\"verdict\": \"fail\",\n          \"message\"");
  ASSERT_NE(at, std::string::npos);
  text.erase(at, std::string("\"verdict\": \"fail\",").size());
  auto complete = text.find("\"complete\": true");
  ASSERT_NE(complete, std::string::npos);
  text.replace(complete, std::string("\"complete\": true").size(), "\"complete\": \"yes\"");
  try {
    fromJsonText(text, "results.json");
    FAIL() << "no exception";
  } catch (const ConfigError& e) {
    std::string what = e.what();
    EXPECT_NE(what.find("results.json: scenarios[1].checks[0].verdict: missing field"),
              std::string::npos)
        << what;
    EXPECT_NE(what.find("results.json: run.complete: expected true or false, got string"),
              std::string::npos)
        << what;
    EXPECT_EQ(e.diagnostics().size(), 2u) << what;
  }
}

TEST(ReportJson, UnknownVerdictAndSchemaAreRejected) {
  std::string text = toJsonText(reportSampleResults());
  text.replace(text.find("phonelab-results/1"), 18, "phonelab-results/9");
  auto v = text.find("\"verdict\": \"pass\"");
  text.replace(v, 17, "\"verdict\": \"passed\"");
  try {
    fromJsonText(text, "results.json");
    FAIL() << "no exception";
  } catch (const ConfigError& e) {
    std::string what = e.what();
    EXPECT_NE(what.find("schema: unsupported schema \"phonelab-results/9\""), std::string::npos)
        << what;
    EXPECT_NE(what.find("scenarios[0].verdict: unknown verdict \"passed\""), std::string::npos)
        << what;
  }
}

TEST(ReportJson, MissingFileIsAConfigError) {
  EXPECT_THROW(readJson("/nonexistent/phonelab/results.json"), ConfigError);
}

TEST(ReportAll, WritesThreeFilesAndNoTemporaries) {
  auto dir = tempDir("all");
  writeAll(reportSampleResults(), (dir / "sub").string());
  for (const char* f : {"results.json", "junit.xml", "index.html"}) {
    EXPECT_TRUE(fs::exists(dir / "sub" / f)) << f;
    EXPECT_FALSE(fs::exists(dir / "sub" / (std::string(f) + ".tmp"))) << f;
  }
  // Re-rendering from results.json gives identical files (what `phonelab report DIR` does).
  RunResults back = readJson((dir / "sub" / "results.json").string());
  writeAll(back, (dir / "again").string());
  for (const char* f : {"results.json", "junit.xml", "index.html"}) {
    EXPECT_EQ(slurp(dir / "sub" / f), slurp(dir / "again" / f)) << f;
  }
  fs::remove_all(dir);
}

}  // namespace
}  // namespace phonelab::reports
