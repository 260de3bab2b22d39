// The network scenarios against the conformant emulator (all pass) and against each emulator fault
// of the spine (the scenario that targets it fails, and the failing check names what was wrong).

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "tests/e2e/e2e_util.h"

namespace phonelab::e2e {
namespace {

TEST(NetworkScenarios, PassAgainstTheConformantEmulator) {
  PHONELAB_REQUIRE_ROOT();
  auto r = runSuite("conformant", {}, {"scenarios/network"});
  EXPECT_EQ(r.exit_code, 0) << r.output;
  ASSERT_TRUE(r.results.is_object()) << r.output;
  EXPECT_TRUE(r.results["run"]["complete"].get<bool>());
  EXPECT_EQ(r.results["run"]["dut"]["model"], "CP-8832-3PCC");
  EXPECT_EQ(r.results["run"]["dut"]["mac"], "02:00:c6:12:00:0a");
  ASSERT_GE(r.results["scenarios"].size(), 2u);
  for (const auto& s : r.results["scenarios"]) {
    EXPECT_EQ(s["verdict"], "pass") << s.dump(2);
    // Evidence: a pcap Wireshark opens (classic pcap magic) and the event stream.
    std::ifstream pcap(r.report_dir + "/" + s["evidence"]["capture"].get<std::string>(),
                       std::ios::binary);
    unsigned char magic[4] = {};
    pcap.read(reinterpret_cast<char*>(magic), 4);
    EXPECT_TRUE((magic[0] == 0xd4 && magic[1] == 0xc3) || (magic[0] == 0xa1 && magic[1] == 0xb2))
        << s["id"];
    EXPECT_TRUE(
        std::filesystem::exists(r.report_dir + "/" + s["evidence"]["events"].get<std::string>()));
  }
  EXPECT_TRUE(std::filesystem::exists(r.report_dir + "/junit.xml"));
  EXPECT_TRUE(std::filesystem::exists(r.report_dir + "/index.html"));
  EXPECT_EQ(leftoverNamespaces(), std::vector<std::string>{});
}

class NetworkFault : public ::testing::TestWithParam<FaultCase> {};

TEST_P(NetworkFault, IsCaughtByItsScenario) {
  PHONELAB_REQUIRE_ROOT();
  expectFaultCaught("network", GetParam());
}

INSTANTIATE_TEST_SUITE_P(
    Spine, NetworkFault,
    ::testing::Values(FaultCase{"static-ip-ignored", "net-conn-static", "switch-to-static",
                                "did not come back at 198.18.0.20"},
                      // The driver reads cfg.xml back after Submit All Changes.
                      FaultCase{"web-submit-ignored", "web-config", "submit",
                                "did not keep what was submitted: /admin/cfg.xml: "
                                "Restricted_Access_Domains is '' (submitted 'lab.example; "
                                "sip.lab.example; backup.lab.example; voice.lab.example')"},
                      FaultCase{"config-lost-on-reboot", "web-config", "value-survives-reboot",
                                "Restricted_Access_Domains was ''"}),
    [](const auto& info) { return testName(info.param); });

// configure via: profile: a flat profile served by the harness and /admin/resync?URL, the
// driver's second channel. It does not touch the web forms, so a phone whose forms store nothing
// (web-submit-ignored) is still configured this way, while via: web fails on it.
TEST(ConfigureViaProfile, ResyncAppliesTheServedProfileWithoutTheWebForms) {
  PHONELAB_REQUIRE_ROOT();
  for (const std::string fault : {"", "web-submit-ignored"}) {
    SCOPED_TRACE("fault: " + (fault.empty() ? std::string("none") : fault));
    std::vector<std::string> faults;
    if (!fault.empty()) faults.push_back(fault);
    auto r = runSuite("via-profile" + fault, faults, {"fixtures/e2e/configure-via-profile.yaml"});
    const auto* s = scenario(r, "configure-via-profile");
    ASSERT_NE(s, nullptr) << r.output;
    EXPECT_EQ((*s)["verdict"], "pass") << s->dump(2);
    // The profile the phone was given is kept as evidence.
    const std::string profile = (*s)["evidence"].value("profile:by-profile", std::string("(none)"));
    EXPECT_EQ(profile, "configure-via-profile/profile-by-profile.xml");
    EXPECT_NE(readFile(r.report_dir + "/" + profile)
                  .find("<Station_Name ua=\"na\">profile &amp; &lt;resync&gt;</Station_Name>"),
              std::string::npos);
    const std::string events = readFile(r.report_dir + "/configure-via-profile/events.jsonl");
    EXPECT_NE(events.find("shows every value of the resync"), std::string::npos);
  }
  // The same fault breaks the web channel, so the pass above is the profile's doing.
  auto web =
      runSuite("via-web-broken", {"web-submit-ignored"}, {"scenarios/network/web-config.yaml"});
  const auto* s = scenario(web, "web-config");
  ASSERT_NE(s, nullptr) << web.output;
  EXPECT_EQ((*s)["verdict"], "fail");
}

TEST(Cli, ValidateReportsFileLineColAndExits2) {
  auto r = phonelab({"validate", "fixtures/scenarios-invalid"});
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("fixtures/scenarios-invalid/"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find(".yaml:"), std::string::npos) << r.output;
}

TEST(Cli, ValidateAcceptsTheSuite) {
  auto r = phonelab({"validate"});
  EXPECT_EQ(r.exit_code, 0) << r.output;
}

TEST(Cli, UnknownFaultIsAUsageError) {
  PHONELAB_REQUIRE_ROOT();
  auto r = phonelab({"run", "--report", freshDir("bad-fault"), "--emulator-fault", "no-such-fault",
                     "scenarios/network"});
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("unknown emulator fault 'no-such-fault'"), std::string::npos) << r.output;
}

TEST(Cli, ListRequirementsShowsTheCatalog) {
  auto r = phonelab({"list", "--requirements"});
  EXPECT_EQ(r.exit_code, 0) << r.output;
  for (const char* id : {"NET-CONN-STATIC", "WEB-CONFIG", "DHCP-OPT-41", "SEC-TLS-CERT"}) {
    EXPECT_NE(r.output.find(id), std::string::npos) << id;
  }
}

TEST(Cli, ReportRerendersIdenticalFiles) {
  PHONELAB_REQUIRE_ROOT();
  auto r = runSuite("rerender", {}, {"scenarios/network/web-config.yaml"});
  ASSERT_TRUE(r.results.is_object()) << r.output;
  std::string html = readFile(r.report_dir + "/index.html");
  std::string junit = readFile(r.report_dir + "/junit.xml");
  auto again = phonelab({"report", r.report_dir});
  EXPECT_EQ(again.exit_code, 0) << again.output;
  EXPECT_EQ(readFile(r.report_dir + "/index.html"), html);
  EXPECT_EQ(readFile(r.report_dir + "/junit.xml"), junit);
}

}  // namespace
}  // namespace phonelab::e2e

namespace phonelab::e2e {
namespace {
TEST(Capabilities, AScenarioTheDeviceCannotRunIsNotApplicable) {
  PHONELAB_REQUIRE_ROOT();
  const std::string dir = freshDir("not-applicable");
  auto r = phonelab({"run", "--lab", "fixtures/e2e/lab-no-audio-loopback.yaml", "--report", dir,
                     "fixtures/e2e/needs-audio-loopback.yaml"},
                    dir);
  EXPECT_EQ(r.exit_code, 0) << r.output;
  const auto* s = scenario(r, "needs-audio-loopback");
  ASSERT_NE(s, nullptr) << r.output;
  EXPECT_EQ((*s)["verdict"], "not-applicable");
  EXPECT_NE((*s)["checks"][0]["message"].get<std::string>().find("lacks audio_loopback"),
            std::string::npos);
}

// A phone whose device profile maps no status.xml element for a field a scenario reads (the
// netmask: DHCP-OPT-1) is not judged on it: the scenario is not-applicable, naming the field,
// never failed.
TEST(Capabilities, AStatusFieldTheProfileDoesNotMapIsNotApplicable) {
  PHONELAB_REQUIRE_ROOT();
  const std::string lab = freshDir("unmapped-status-lab");
  std::filesystem::create_directories(lab + "/devices");
  std::string profile = readFile(kSrc + "/lab/devices/cisco-8832-mpp.yaml");
  const std::string line = "    netmask: {element: Current_Netmask";
  const auto at = profile.find(line);
  ASSERT_NE(at, std::string::npos);
  profile.erase(at, profile.find('\n', at) + 1 - at);
  writeFile(lab + "/devices/cisco-8832-mpp.yaml", profile);
  writeFile(lab + "/lab.yaml", readFile(kSrc + "/lab/emulated.yaml"));

  const std::string dir = freshDir("unmapped-status");
  auto r = phonelab(
      {"run", "--lab", lab + "/lab.yaml", "--report", dir, "scenarios/dhcp/opt-1-subnet-mask.yaml"},
      dir);
  EXPECT_EQ(r.exit_code, 0) << r.output;
  const auto* s = scenario(r, "dhcp-opt-1-subnet-mask");
  ASSERT_NE(s, nullptr) << r.output;
  EXPECT_EQ((*s)["verdict"], "not-applicable") << s->dump(2);
  EXPECT_NE((*s)["checks"][0]["message"].get<std::string>().find(
                "maps no status.xml element for netmask"),
            std::string::npos)
      << s->dump(2);
}
}  // namespace
}  // namespace phonelab::e2e
