#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <set>

#include "harness/scenario/loader.h"

namespace phonelab::scenario {
namespace {

const std::string kSource = PHONELAB_SOURCE_DIR;

std::vector<Scenario> loadClean(const std::string& path) {
  std::vector<Diagnostic> d;
  auto s = loadScenarioFile(path, d);
  std::string all;
  for (const auto& x : d) all += "\n" + x.str();
  EXPECT_TRUE(d.empty()) << all;
  return s;
}

/// A file in a fresh temporary folder, removed with the object.
struct TempFile {
  std::filesystem::path dir, path;
  TempFile(const std::string& name, const std::string& text) {
    dir = std::filesystem::temp_directory_path() /
          ("phonelab-scenario-test-" + std::to_string(::getpid()) + "-" + name);
    std::filesystem::create_directories(dir);
    path = dir / name;
    std::ofstream(path) << text;
  }
  ~TempFile() { std::filesystem::remove_all(dir); }
};

TEST(Loader, FullExampleParsesIntoTheModel) {
  const std::string file = kSource + "/fixtures/scenarios-valid/full-example.yaml";
  auto all = loadClean(file);
  ASSERT_EQ(all.size(), 2u);
  const Scenario& s = all[0];
  EXPECT_EQ(s.id, "net-conn-static");
  EXPECT_EQ(s.file, file);
  EXPECT_EQ(s.mark.line, 2);
  EXPECT_EQ(s.id_mark.str(), file + ":2:5");
  EXPECT_EQ(s.requirements, (std::vector<std::string>{"NET-CONN-STATIC", "WEB-CONFIG"}));
  ASSERT_EQ(s.requirement_marks.size(), 2u);
  EXPECT_EQ(s.requirement_marks[1].col, 33);
  EXPECT_EQ(s.tags, std::vector<std::string>{"network"});
  EXPECT_DOUBLE_EQ(s.timeout, 90);
  EXPECT_TRUE(s.fakes.dhcp.enabled);
  EXPECT_EQ(s.fakes.dhcp.pool_from, "${net.pool_from}");
  EXPECT_DOUBLE_EQ(s.fakes.dhcp.lease, 7200);  // 2h
  EXPECT_EQ(s.dut.settings.at("connection_type"), "dhcp");
  EXPECT_EQ(s.dut.needs, std::vector<std::string>{"web_ui"});

  ASSERT_EQ(s.steps.size(), 7u);
  const char* kinds[] = {"act", "act", "act", "act", "wait", "expect", "expect_none"};
  const char* names[] = {"switch-to-static",     "act-2",        "act-3", "act-4", "wait-5",
                         "answers-on-static-ip", "expect_none-7"};
  for (size_t i = 0; i < 7; ++i) {
    EXPECT_STREQ(s.steps[i].kindName(), kinds[i]) << i;
    EXPECT_EQ(s.steps[i].name, names[i]) << i;
  }
  EXPECT_EQ(s.steps[1].mark.line, 15);

  const auto& configure = std::get<ConfigureAction>(std::get<ActStep>(s.steps[0].body).action);
  EXPECT_EQ(configure.settings.at("static_ip"), "${net.static_ip}");
  EXPECT_EQ(configure.via, "web");
  EXPECT_TRUE(std::holds_alternative<RebootAction>(std::get<ActStep>(s.steps[1].body).action));
  const auto& fetch = std::get<ActStep>(s.steps[2].body).action;
  EXPECT_STREQ(actionName(fetch), "fetch_config");
  EXPECT_DOUBLE_EQ(std::get<FetchConfigAction>(fetch).within, 40);
  const auto& ping = std::get<PingAction>(std::get<ActStep>(s.steps[3].body).action);
  EXPECT_EQ(ping.to, "${net.static_ip}");
  EXPECT_EQ(ping.from, "${lab.remote_ip}");
  EXPECT_EQ(ping.count, 3);

  const auto& wait = std::get<WaitStep>(s.steps[4].body).spec;
  EXPECT_EQ(wait.event, "dhcp.ack");
  EXPECT_DOUBLE_EQ(wait.within, 30);
  EXPECT_EQ(wait.since, "");
  ASSERT_EQ(wait.where.size(), 1u);
  EXPECT_EQ(wait.where[0].field, "chaddr");
  EXPECT_EQ(wait.where[0].op, "eq");
  EXPECT_EQ(wait.where[0].operand, "${dut.mac}");

  const auto& ex = std::get<ExpectStep>(s.steps[5].body);
  EXPECT_EQ(ex.spec.event, "icmp.echo-reply");
  EXPECT_DOUBLE_EQ(ex.spec.within, 20);
  EXPECT_EQ(ex.spec.since, "switch-to-static");
  ASSERT_EQ(ex.spec.where.size(), 3u);
  EXPECT_EQ(ex.spec.where[1].op, "eq");
  EXPECT_EQ(ex.spec.where[1].operand, "${lab.remote_ip}");
  EXPECT_EQ(ex.spec.where[2].field, "ttl");
  EXPECT_EQ(ex.spec.where[2].op, "gt");
  EXPECT_EQ(ex.spec.where[2].operand, "0");
  EXPECT_EQ(ex.spec.where[2].mark.line, 21);
  ASSERT_TRUE(ex.probe.has_value());
  EXPECT_EQ(std::get<PingAction>(*ex.probe).to, "${net.static_ip}");
  EXPECT_EQ(std::get<PingAction>(*ex.probe).count, 1);
  EXPECT_DOUBLE_EQ(ex.every, 0.5);

  const auto& none = std::get<ExpectNoneStep>(s.steps[6].body).spec;
  EXPECT_EQ(none.event, "dhcp.*");
  EXPECT_EQ(none.since, "scenario");
  EXPECT_DOUBLE_EQ(none.within, 10);
}

TEST(Loader, FillsEveryOmittedKeyWithItsDefault) {
  auto all = loadClean(kSource + "/fixtures/scenarios-valid/full-example.yaml");
  ASSERT_EQ(all.size(), 2u);
  const Scenario& s = all[1];
  EXPECT_EQ(s.id, "defaults");
  EXPECT_DOUBLE_EQ(s.timeout, 120);
  EXPECT_TRUE(s.tags.empty());
  EXPECT_TRUE(s.fakes.dhcp.enabled);
  EXPECT_EQ(s.fakes.dhcp.pool_from, "${net.pool_from}");
  EXPECT_EQ(s.fakes.dhcp.pool_to, "${net.pool_to}");
  EXPECT_DOUBLE_EQ(s.fakes.dhcp.lease, 3600);
  EXPECT_TRUE(s.dut.settings.empty());
  ASSERT_EQ(s.steps.size(), 4u);
  EXPECT_TRUE(std::holds_alternative<PowerCycleAction>(std::get<ActStep>(s.steps[0].body).action));
  const auto& ex = std::get<ExpectStep>(s.steps[1].body);
  EXPECT_DOUBLE_EQ(ex.spec.within, 10);
  EXPECT_EQ(ex.spec.since, "");
  EXPECT_FALSE(ex.probe.has_value());
  EXPECT_DOUBLE_EQ(ex.every, 1.0);
  ASSERT_EQ(ex.spec.where.size(), 2u);
  EXPECT_EQ(ex.spec.where[0].op, "regex");
  EXPECT_EQ(ex.spec.where[0].operand, "^${dut.mac}$");
  EXPECT_EQ(ex.spec.where[1].op, "exists");
  EXPECT_EQ(ex.spec.where[1].operand, "true");
  const auto& configure = std::get<ConfigureAction>(std::get<ActStep>(s.steps[2].body).action);
  EXPECT_EQ(configure.via, "web");
  const auto& status = std::get<FetchStatusAction>(std::get<ActStep>(s.steps[3].body).action);
  EXPECT_DOUBLE_EQ(status.within, 30);
}

TEST(Loader, FakesAbsentOrOff) {
  TempFile f("fakes.yaml", R"(id: a
title: no fakes
requirements: [X]
steps: [{act: reboot}]
---
id: b
title: dhcp off
requirements: [X]
fakes: {dhcp: false}
steps: [{expect_none: {event: "*", within: 250ms}}]
---
id: c
title: dhcp with an empty value
requirements: [X]
fakes:
  dhcp:
steps: [{act: {fetch_config: {within: 2m}}}]
)");
  auto all = loadClean(f.path.string());
  ASSERT_EQ(all.size(), 3u);
  EXPECT_FALSE(all[0].fakes.dhcp.enabled);
  EXPECT_FALSE(all[1].fakes.dhcp.enabled);
  EXPECT_DOUBLE_EQ(std::get<ExpectNoneStep>(all[1].steps[0].body).spec.within, 0.25);
  EXPECT_TRUE(all[2].fakes.dhcp.enabled);
  EXPECT_DOUBLE_EQ(
      std::get<FetchConfigAction>(std::get<ActStep>(all[2].steps[0].body).action).within, 120);
}

// Kea may serve the lower half of the segment (a /25: the lab side and its services stay on-link);
// anything else is refused with the place.
TEST(Loader, DhcpPrefixLength) {
  TempFile ok("prefix.yaml", R"(id: a
title: a /25 offer
requirements: [X]
fakes: {dhcp: {prefix_len: 25, pool_to: "${net.prefix}.126"}}
steps: [{act: reboot}]
)");
  auto all = loadClean(ok.path.string());
  ASSERT_EQ(all.size(), 1u);
  EXPECT_EQ(all[0].fakes.dhcp.prefix_len, 25);
  TempFile bad("prefix-bad.yaml", R"(id: a
title: a /26 offer
requirements: [X]
fakes: {dhcp: {prefix_len: 26}}
steps: [{act: reboot}]
)");
  std::vector<Diagnostic> d;
  loadScenarioFile(bad.path.string(), d);
  ASSERT_EQ(d.size(), 1u);
  EXPECT_NE(d[0].str().find("prefix-bad.yaml:4:"), std::string::npos) << d[0].str();
  EXPECT_NE(d[0].str().find("'prefix_len' must be 24 or 25"), std::string::npos) << d[0].str();
}

// A scenario's timeout and a step's `within` may add the lab's boot timeout (a wait that spans a
// restart of the phone): a sum of durations and ${dut.boot_timeout}.
TEST(Loader, DurationsMayAddTheBootTimeout) {
  TempFile f("boot.yaml", R"(id: a
title: a restart in the middle
requirements: [X]
timeout: "60s + ${dut.boot_timeout} + ${dut.boot_timeout}"
steps:
  - expect: {event: dhcp.discover, within: "${dut.boot_timeout} + 5s"}
  - wait: {event: dhcp.ack, within: "${dut.boot_timeout}"}
  - expect_none: {event: "dhcp.*", within: 2s + 500ms}
)");
  auto all = loadClean(f.path.string());
  ASSERT_EQ(all.size(), 1u);
  EXPECT_DOUBLE_EQ(all[0].timeout, 60);
  EXPECT_EQ(all[0].timeout_boots, 2);
  const auto& ex = std::get<ExpectStep>(all[0].steps[0].body).spec;
  EXPECT_DOUBLE_EQ(ex.within, 5);
  EXPECT_EQ(ex.within_boots, 1);
  const auto& wait = std::get<WaitStep>(all[0].steps[1].body).spec;
  EXPECT_DOUBLE_EQ(wait.within, 0);
  EXPECT_EQ(wait.within_boots, 1);
  const auto& none = std::get<ExpectNoneStep>(all[0].steps[2].body).spec;
  EXPECT_DOUBLE_EQ(none.within, 2.5);
  EXPECT_EQ(none.within_boots, 0);
}

TEST(Loader, DocumentIsNotModifiedByValidation) {
  // Loading twice gives the same model (guards against YAML::Node assignment writing through).
  const std::string file = kSource + "/fixtures/scenarios-valid/full-example.yaml";
  auto a = loadClean(file), b = loadClean(file);
  ASSERT_EQ(a.size(), b.size());
  EXPECT_EQ(std::get<ExpectStep>(a[0].steps[5].body).spec.where[2].operand, "0");
  EXPECT_STREQ(actionName(std::get<ActStep>(a[0].steps[3].body).action), "ping");
}

TEST(Suite, LoadsAFolderAndChecksTheCatalog) {
  auto catalog = loadRequirements(kSource + "/scenarios/requirements.yaml");
  auto suite = loadSuite({kSource + "/fixtures/scenarios-valid"}, catalog);
  EXPECT_EQ(suite.size(), 2u);
  // The same scenarios against an empty catalog: every requirement id is unknown.
  try {
    loadSuite({kSource + "/fixtures/scenarios-valid"}, {});
    FAIL();
  } catch (const ConfigError& e) {
    EXPECT_EQ(e.diagnostics().size(), 3u) << e.what();
  }
}

TEST(Suite, FindsYamlRecursivelySortedSkippingTheCatalog) {
  std::vector<Diagnostic> d;
  auto files = findScenarioFiles({kSource + "/scenarios"}, d);
  EXPECT_TRUE(d.empty());
  for (const auto& f : files) EXPECT_EQ(f.find("requirements.yaml"), std::string::npos) << f;
  EXPECT_TRUE(std::is_sorted(files.begin(), files.end()));
  auto dup = findScenarioFiles({kSource + "/fixtures/scenarios-invalid/duplicate-id",
                                kSource + "/fixtures/scenarios-invalid/duplicate-id/a.yaml"},
                               d);
  EXPECT_EQ(dup.size(), 2u);  // a.yaml once
}

TEST(Docs, CompleteExampleLoads) {
  std::ifstream in(kSource + "/docs/scenario-format.md");
  std::string doc((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  size_t at = doc.find("## Complete example");
  ASSERT_NE(at, std::string::npos);
  size_t begin = doc.find("```yaml\n", at);
  ASSERT_NE(begin, std::string::npos);
  begin += 8;
  std::string yaml = doc.substr(begin, doc.find("```", begin) - begin);
  TempFile f("example.yaml", yaml);
  auto catalog = loadRequirements(kSource + "/scenarios/requirements.yaml");
  auto suite = loadSuite({f.path.string()}, catalog);
  ASSERT_EQ(suite.size(), 1u);
  EXPECT_EQ(suite[0].steps.size(), 7u);
  // The same as the fixture's first scenario.
  auto fixture = loadClean(kSource + "/fixtures/scenarios-valid/full-example.yaml");
  EXPECT_EQ(suite[0].id, fixture[0].id);
  EXPECT_EQ(suite[0].steps.size(), fixture[0].steps.size());
}

// ${expect.NAME} and `when:` keys are the device profile's expectations: one a profile adds is
// usable at once, one it lacks is an error at its place with the nearest name.
TEST(Loader, ExpectVariablesAreTheProfilesExpectations) {
  TempFile f("expect.yaml", R"(id: a
title: a choice the profile makes
requirements: [X]
steps:
  - when: {expect.ring_tone: classic}
    act: reboot
  - expect: {event: sip.response, where: {status: "${expect.ring_tone}"}}
)");
  std::vector<Diagnostic> d;
  loadScenarioFile(f.path.string(), d, Expectations{{"auth_invite_challenge", "ring_tone"}});
  EXPECT_TRUE(d.empty()) << d.front().str();

  d.clear();
  loadScenarioFile(f.path.string(), d, Expectations{{"auth_invite_challenge", "ring_tones"}});
  ASSERT_EQ(d.size(), 2u);
  EXPECT_EQ(d[0].str().rfind(f.path.string() + ":5:12: unknown key 'expect.ring_tone' (did you "
                                               "mean 'expect.ring_tones'?)",
                             0),
            0u)
      << d[0].str();
  EXPECT_EQ(d[1].str().rfind(f.path.string() + ":7:51: unknown variable '${expect.ring_tone}' "
                                               "(did you mean 'expect.ring_tones'?)",
                             0),
            0u)
      << d[1].str();

  // No profile known (a loader test, `phonelab list`): any expect.NAME is taken.
  d.clear();
  loadScenarioFile(f.path.string(), d);
  EXPECT_TRUE(d.empty()) << d.front().str();
}

// ---- the requirement catalog ----

TEST(Requirements, CatalogHasEveryRequiredId) {
  auto catalog = loadRequirements(kSource + "/scenarios/requirements.yaml");
  std::map<std::string, std::string> kind;
  for (const auto& r : catalog) {
    kind[r.id] = r.kind;
    EXPECT_FALSE(r.title.empty()) << r.id;
    EXPECT_FALSE(r.spec.empty()) << r.id;
  }
  for (const char* id : {"NET-CONN-DHCP",       "NET-CONN-STATIC",
                         "NET-DHCP-RENEW-SAME", "NET-DHCP-RENEW-CHANGED",
                         "DHCP-OPT-1",          "DHCP-OPT-2",
                         "DHCP-OPT-3",          "DHCP-OPT-6",
                         "DHCP-OPT-15",         "DHCP-OPT-41",
                         "DHCP-OPT-42",         "DHCP-OPT-43",
                         "DHCP-OPT-60",         "DHCP-OPT-66",
                         "DHCP-OPT-125",        "DHCP-OPT-150",
                         "DHCP-OPT-159",        "DHCP-OPT-160",
                         "SIP-RAD-ALLOW",       "SIP-RAD-BLOCK",
                         "SIP-AUTH-INVITE-ON",  "SIP-AUTH-INVITE-OFF",
                         "SIP-UDP-DEFAULT",     "SIP-TLS-SIGNALLING",
                         "SIP-TLS-MEDIA-CLEAR", "WEB-CONFIG"}) {
    EXPECT_EQ(kind[id], "documented") << id;
  }
  for (const char* id : {"SEC-TLS-CERT", "SEC-TLS-VERSION", "SEC-SIP-ROBUST", "SEC-DHCP-ROBUST",
                         "SEC-NOTIFY-UNLISTED", "AUDIO-LOOPBACK"}) {
    EXPECT_EQ(kind[id], "hardening") << id;
  }
}

TEST(Requirements, NotesRecordTheDocumentsGaps) {
  std::map<std::string, Requirement> by;
  for (auto& r : loadRequirements(kSource + "/scenarios/requirements.yaml")) by[r.id] = r;
  EXPECT_NE(by["DHCP-OPT-41"].notes.find("51"), std::string::npos);
  EXPECT_NE(by["DHCP-OPT-41"].notes.find("T1"), std::string::npos);
  EXPECT_NE(by["SIP-RAD-ALLOW"].notes.find("comma"), std::string::npos);
  EXPECT_NE(by["SIP-RAD-BLOCK"].notes.find("device profile"), std::string::npos);
  EXPECT_NE(by["SIP-AUTH-INVITE-ON"].notes.find("407"), std::string::npos);
  EXPECT_NE(by["SIP-TLS-SIGNALLING"].notes.find("signalling only"), std::string::npos);
}

TEST(Requirements, WrongWaysAreFaultsWithAHowAndFileLineColWhenNot) {
  TempFile f("requirements.yaml", R"(requirements:
  - id: A-1
    title: one
    kind: documented
    spec: text
    wrong_ways:
      - {fault: renew-late, how: renews at T2}
      - {fault: Renew_Late, how: x}
      - {fault: renew-late, how: again}
      - {fault: no-how}
      - just a string
)");
  const std::string p = f.path.string();
  try {
    loadRequirements(p);
    FAIL();
  } catch (const ConfigError& e) {
    std::vector<std::string> got;
    for (const auto& d : e.diagnostics()) got.push_back(d.str());
    std::vector<std::string> want = {
        p + ":8:17: bad fault name 'Renew_Late': use a-z, 0-9 and '-'",
        p + ":9:17: fault 'renew-late' is listed twice (first at line 7)",
        p + ":10:9: missing required key 'how' in wrong way",
        p + ":11:9: expected a wrong way {fault: <emulator fault>, how: <text>}, got a string"};
    EXPECT_EQ(got, want);
  }
  TempFile ok("requirements.yaml", R"(requirements:
  - id: A-1
    title: one
    kind: documented
    spec: text
    wrong_ways:
      - {fault: renew-late, how: renews at T2}
)");
  auto reqs = loadRequirements(ok.path.string());
  ASSERT_EQ(reqs.size(), 1u);
  ASSERT_EQ(reqs[0].wrong_ways.size(), 1u);
  EXPECT_EQ(reqs[0].wrong_ways[0].fault, "renew-late");
  EXPECT_EQ(reqs[0].wrong_ways[0].how, "renews at T2");
}

TEST(Requirements, EveryProblemWithFileLineCol) {
  TempFile f("requirements.yaml", R"(requirements:
  - id: A-1
    title: one
    kind: documented
    spec: text
  - id: A-1
    titel: two
    kind: implied
    spec: text
  - id: lower-case
    title: three
    kind: hardening
)");
  const std::string p = f.path.string();
  try {
    loadRequirements(p);
    FAIL();
  } catch (const ConfigError& e) {
    std::vector<std::string> got;
    for (const auto& d : e.diagnostics()) got.push_back(d.str());
    std::vector<std::string> want = {
        p + ":7:5: unknown key 'titel' (did you mean 'title'?); requirement keys: id, title, kind, "
            "spec, notes, planned, wrong_ways",
        p + ":6:5: missing required key 'title' in requirement",
        p + ":6:9: duplicate requirement id 'A-1' (first at line 2)",
        p + ":8:11: 'kind' is 'implied': expected documented or hardening",
        p + ":10:5: missing required key 'spec' in requirement",
        p + ":10:9: bad requirement id 'lower-case': use A-Z, 0-9 and '-', at most 64 characters",
    };
    EXPECT_EQ(got, want);
  }
}

TEST(Requirements, EmptyAndMissingFiles) {
  TempFile f("requirements.yaml", "# nothing\n");
  std::vector<Diagnostic> d;
  EXPECT_TRUE(loadRequirements(f.path.string(), d).empty());
  ASSERT_EQ(d.size(), 1u);
  EXPECT_EQ(d[0].str(), f.path.string() + ":1:1: empty file: nothing to load");
  d.clear();
  loadRequirements("/nonexistent/requirements.yaml", d);
  ASSERT_EQ(d.size(), 1u);
  EXPECT_EQ(d[0].str(),
            "/nonexistent/requirements.yaml: cannot read file: No such file or directory");
}

}  // namespace
}  // namespace phonelab::scenario

namespace phonelab::scenario {
namespace {

TEST(Loader, TlsProxyClientCertIsRequestOrNoneAndAnotherValueIsPlaced) {
  const std::string file = kSource + "/scenarios/tls/sec-tls-client-cert.yaml";
  auto all = loadClean(file);
  ASSERT_EQ(all.size(), 1u);
  EXPECT_EQ(all[0].fakes.tls_proxy.client_cert, "request");
  std::ifstream in(file);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const auto at = text.find("client_cert: request");
  ASSERT_NE(at, std::string::npos);
  text.replace(at, 20, "client_cert: requst");
  TempFile t("client-cert.yaml", text);
  std::vector<Diagnostic> d;
  loadScenarioFile(t.path.string(), d);
  ASSERT_EQ(d.size(), 1u);
  EXPECT_NE(d[0].str().find("unknown tls_proxy client_cert 'requst'"), std::string::npos)
      << d[0].str();
  EXPECT_NE(d[0].str().find("client-cert.yaml:"), std::string::npos) << d[0].str();
}

}  // namespace
}  // namespace phonelab::scenario
