#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <tuple>

#include "harness/dut/dut.h"
#include "harness/dut/lab_file.h"
#include "harness/dut/profile.h"

namespace phonelab::dut {
namespace {

const std::string kSrc = PHONELAB_SOURCE_DIR;

TEST(LabFile, TheDefaultLabLoads) {
  LabFile lab = loadLabFile(kSrc + "/lab/emulated.yaml");
  EXPECT_EQ(lab.name, "emulated");
  EXPECT_EQ(lab.driverName(), "emulator");
  ASSERT_NE(lab.emulator(), nullptr);
  EXPECT_EQ(lab.mac, "02:00:c6:12:00:0a");
  EXPECT_DOUBLE_EQ(lab.emulator()->boot_delay, 0.3);
  const SettingDef* ct = lab.profile.setting("connection_type");
  ASSERT_NE(ct, nullptr);
  EXPECT_EQ(ct->element, "Connection_Type");
  EXPECT_TRUE(ct->restarts);
  EXPECT_EQ(lab.profile.firmwareValue(*ct, "static"), "Static IP");
  EXPECT_EQ(lab.profile.firmwareValue(*ct, "Static IP"), "Static IP");
  EXPECT_EQ(lab.profile.admin.pages.at("system"), "/admin/voice/system");
  EXPECT_EQ(lab.profile.expect.at("auth_invite_challenge").value, "401");
  EXPECT_FALSE(lab.profile.expect.at("unlisted_sip_request").documented);
}

TEST(LabFile, TheBenchExamplesLoad) {
  LabFile b8 = loadLabFile(kSrc + "/lab/examples/bench-8832.yaml");
  ASSERT_NE(b8.bench(), nullptr);
  EXPECT_EQ(b8.segmentName(), "interface");
  EXPECT_EQ(b8.bench()->interface, "enp3s0");
  EXPECT_EQ(b8.bench()->vlan, 207);
  EXPECT_EQ(b8.bench()->subnet, "198.18.7.0/24");
  EXPECT_TRUE(b8.isolated);
  EXPECT_EQ(b8.driverName(), "physical");
  ASSERT_NE(b8.physical(), nullptr);
  EXPECT_EQ(powerName(b8.physical()->power), "snmp");
  const auto* snmp = std::get_if<SnmpPower>(&b8.physical()->power);
  ASSERT_NE(snmp, nullptr);
  EXPECT_EQ(snmp->port_oid, "1.3.6.1.2.1.105.1.1.1.3.1.7");
  EXPECT_DOUBLE_EQ(snmp->timeout, 5);
  EXPECT_DOUBLE_EQ(snmp->off_time, 5);
  EXPECT_EQ(snmp->agent(), "udp:198.51.100.20");
  EXPECT_EQ(b8.physical()->model, "CP-8832-3PCC");
  EXPECT_TRUE(b8.has("audio_loopback"));

  LabFile b7 = loadLabFile(kSrc + "/lab/examples/bench-7832.yaml");
  ASSERT_NE(b7.bench(), nullptr);
  EXPECT_EQ(b7.bench()->vlan, 0);
  EXPECT_FALSE(b7.isolated);
  ASSERT_NE(b7.physical(), nullptr);
  EXPECT_EQ(powerName(b7.physical()->power), "manual");
  EXPECT_EQ(b7.audio_loopback, "cable");
  EXPECT_EQ(b7.profile.name, "Cisco IP Conference Phone 7832 (MPP)");
  // The choices no public source confirms are marked, the published names are not.
  const SettingDef* t = b7.profile.setting("dhcp_timeout_on_renewal");
  ASSERT_NE(t, nullptr);
  EXPECT_FALSE(t->confirmed);
  const SettingDef* rad = b7.profile.setting("restricted_access_domains");
  ASSERT_NE(rad, nullptr);
  EXPECT_TRUE(rad->confirmed);
}

TEST(LabFile, ProgramArgvSubstitutions) {
  auto argv = substituteProgramArgv({"phone-emulator", "--iface", "${dut.iface}",
                                     "--mac=${dut.mac}", "${state_dir}/${state_dir}"},
                                    "02:00:c6:12:00:0a", "eth0", "/r/s");
  std::vector<std::string> want = {"phone-emulator", "--iface", "eth0", "--mac=02:00:c6:12:00:0a",
                                   "/r/s//r/s"};
  EXPECT_EQ(argv, want);
}

TEST(LabFile, TheEmulatorLabIsUnchanged) {
  LabFile lab = loadLabFile(kSrc + "/lab/emulated.yaml");
  EXPECT_EQ(lab.segmentName(), "namespaces");
  EXPECT_EQ(lab.bench(), nullptr);
  EXPECT_EQ(lab.physical(), nullptr);
}

TEST(LabFile, EmulatorTlsRefusalAndClockOffset) {
  LabFile dflt = loadLabFile(kSrc + "/lab/emulated.yaml");
  EXPECT_EQ(dflt.emulator()->tls_refusal, "alert");
  EXPECT_DOUBLE_EQ(dflt.emulator()->clock_offset, 0);
  const std::string path = ::testing::TempDir() + "/lab-emulator-tls.yaml";
  std::ofstream(path) << "lab: {name: e, segment: namespaces, isolated: true}\n"
                         "dut:\n  driver: emulator\n  profile: "
                      << kSrc
                      << "/lab/devices/cisco-8832-mpp.yaml\n"
                         "  mac: \"02:00:c6:12:00:0a\"\n"
                         "  emulator: {tls_refusal: close, clock_offset: -240h}\n";
  LabFile lab = loadLabFile(path);
  EXPECT_EQ(lab.emulator()->tls_refusal, "close");
  EXPECT_DOUBLE_EQ(lab.emulator()->clock_offset, -240 * 3600.0);
}

TEST(LabFile, SnmpOffTimeDefaultsToThreeSecondsAndTheHostMayNameAPort) {
  const std::string path = ::testing::TempDir() + "/lab-snmp-port.yaml";
  std::ofstream(path) << "lab: {name: snmp, segment: interface, interface: enp3s0,\n"
                         "      subnet: 198.18.7.0/24, isolated: true}\n"
                         "dut:\n  driver: physical\n  profile: "
                      << kSrc
                      << "/lab/devices/cisco-8832-mpp.yaml\n"
                         "  mac: \"02:00:c6:12:00:0a\"\n  power: snmp\n"
                         "  snmp: {host: \"switch-3.lab:1161\", community: c,\n"
                         "         port_oid: .1.3.6.1.2.1.105.1.1.1.3.1.7}\n";
  LabFile lab = loadLabFile(path);
  ASSERT_NE(lab.physical(), nullptr);
  const auto* snmp = std::get_if<SnmpPower>(&lab.physical()->power);
  ASSERT_NE(snmp, nullptr);
  EXPECT_DOUBLE_EQ(snmp->off_time, 3);
  EXPECT_EQ(snmp->agent(), "udp:switch-3.lab:1161");
  EXPECT_EQ(snmp->on_value, "1");
  EXPECT_EQ(snmp->off_value, "2");
}

/// Each file in fixtures/labs-invalid starts with "# expect: <line>:<col>: <message part>".
TEST(LabFile, InvalidLabFilesAreRejectedWithFileLineCol) {
  int cases = 0;
  for (const auto& entry : std::filesystem::directory_iterator(kSrc + "/fixtures/labs-invalid")) {
    if (entry.path().extension() != ".yaml") continue;
    ++cases;
    std::ifstream in(entry.path());
    std::string first;
    std::getline(in, first);
    const std::string prefix = "# expect: ";
    ASSERT_EQ(first.rfind(prefix, 0), 0u) << entry.path();
    std::string expect = first.substr(prefix.size());
    std::string where = expect.substr(0, expect.find(": "));
    std::string message = expect.substr(expect.find(": ") + 2);
    try {
      loadLabFile(entry.path().string());
      ADD_FAILURE() << entry.path() << " was accepted";
    } catch (const ConfigError& e) {
      bool found = false;
      for (const auto& d : e.diagnostics()) {
        if (d.str().rfind(entry.path().string() + ":" + where + ": ", 0) == 0 &&
            d.message.find(message) != std::string::npos) {
          found = true;
        }
      }
      EXPECT_TRUE(found) << entry.path() << ": wanted " << expect << "\ngot:\n" << e.what();
    }
  }
  EXPECT_GE(cases, 20);
}

TEST(DeviceProfile, BothModelsStateFactoryValuesButNotTheAdminPassword) {
  for (const char* file :
       {"/lab/devices/cisco-8832-mpp.yaml", "/lab/devices/cisco-7832-mpp.yaml"}) {
    SCOPED_TRACE(file);
    DeviceProfile p = loadDeviceProfile(kSrc + file);
    ASSERT_TRUE(p.setting("connection_type"));
    EXPECT_EQ(p.setting("connection_type")->factory.value_or("(none)"), "dhcp");
    EXPECT_EQ(p.setting("line1.auth_invite")->factory.value_or("(none)"), "no");
    EXPECT_EQ(p.setting("restricted_access_domains")->factory.value_or("(none)"), "");
    EXPECT_EQ(p.setting("auto_answer_page")->factory.value_or("(none)"), "yes");
    // The lab file holds the admin password: a reset must not change it.
    EXPECT_FALSE(p.setting("admin_password")->factory.has_value());
  }
}

// Every file of fixtures/profiles-invalid/ is one broken profile. Its `# expect: <line>:<col>:
// <message substring>` comment lines list every diagnostic loading it must produce, no more.
TEST(DeviceProfile, InvalidProfilesAreRejectedWithFileLineCol) {
  static const std::regex re(R"(^# expect: (\d+):(\d+): (.*)$)");
  int cases = 0;
  for (const auto& entry :
       std::filesystem::directory_iterator(kSrc + "/fixtures/profiles-invalid")) {
    const std::string file = entry.path().string();
    SCOPED_TRACE(file);
    ++cases;
    std::vector<std::tuple<int, int, std::string>> expected;
    std::ifstream in(file);
    std::smatch m;
    for (std::string line; std::getline(in, line);) {
      if (std::regex_match(line, m, re))
        expected.emplace_back(std::stoi(m[1]), std::stoi(m[2]), m[3]);
    }
    ASSERT_FALSE(expected.empty()) << "no '# expect:' line";
    try {
      loadDeviceProfile(file);
      ADD_FAILURE() << "accepted";
    } catch (const ConfigError& e) {
      const auto& diags = e.diagnostics();
      EXPECT_EQ(diags.size(), expected.size()) << e.what();
      for (const auto& [line, col, text] : expected) {
        bool found = false;
        for (const auto& d : diags) {
          found = found || (d.where.file == file && d.where.line == line && d.where.col == col &&
                            d.message.find(text) != std::string::npos);
        }
        EXPECT_TRUE(found) << "wanted " << line << ":" << col << ": " << text << "\ngot:\n"
                           << e.what();
      }
    }
  }
  EXPECT_GE(cases, 4);
}

// How calls get answered: both profiles ask for MPP auto-answer through a setting of their own
// (on a page they list) and a header on the INVITE, and mark both as unconfirmed.
TEST(DeviceProfile, BothModelsAnswerByAnUnconfirmedAutoAnswerPageSetting) {
  for (const char* file :
       {"/lab/devices/cisco-8832-mpp.yaml", "/lab/devices/cisco-7832-mpp.yaml"}) {
    SCOPED_TRACE(file);
    DeviceProfile p = loadDeviceProfile(kSrc + file);
    EXPECT_EQ(p.answer.method, "auto_answer");
    EXPECT_EQ(p.answer.setting, "auto_answer_page");
    EXPECT_EQ(p.answer.header, "Call-Info: <sip:${svc.sip}>;answer-after=0");
    EXPECT_FALSE(p.answer.confirmed);
    EXPECT_FALSE(p.answer.note.empty());
    const SettingDef* s = p.setting("auto_answer_page");
    ASSERT_NE(s, nullptr);
    EXPECT_EQ(s->element, "Auto_Answer_Page");
    EXPECT_EQ(p.firmwareValue(*s, "yes"), "Yes");
    EXPECT_EQ(p.admin.pages.at(s->page), "/admin/voice/user");
    EXPECT_FALSE(s->confirmed);
  }
}

TEST(DeviceProfile, AnswerOperatorAndAbsent) {
  const std::string path = ::testing::TempDir() + "/profile-answer.yaml";
  const std::string head =
      "device: {name: T, vendor: Test, models: [X], psn: \"X\", capabilities: [web_ui]}\n"
      "admin: {pages: {system: /admin/voice/system}}\n"
      "settings:\n  station_name: {element: Station_Name, page: system}\n";
  std::ofstream(path) << head << "answer: {method: operator, timeout: 2m, note: pick up}\n";
  DeviceProfile op = loadDeviceProfile(path);
  EXPECT_EQ(op.answer.method, "operator");
  EXPECT_DOUBLE_EQ(op.answer.timeout, 120);
  EXPECT_TRUE(op.answer.header.empty());
  EXPECT_TRUE(op.answer.confirmed);
  std::ofstream(path) << head;
  EXPECT_EQ(loadDeviceProfile(path).answer.method, "");
}

TEST(DeviceProfile, StatusFieldsAreAbstractNamesMappedToElements) {
  for (const char* file :
       {"/lab/devices/cisco-8832-mpp.yaml", "/lab/devices/cisco-7832-mpp.yaml"}) {
    SCOPED_TRACE(file);
    DeviceProfile p = loadDeviceProfile(kSrc + file);
    ASSERT_TRUE(p.statusField("netmask"));
    EXPECT_EQ(p.statusField("netmask")->element, "Current_Netmask");
    // No public source names the MPP status.xml elements: each is marked for confirmation.
    EXPECT_FALSE(p.statusField("netmask")->confirmed);
    EXPECT_EQ(p.statusField("boot_count"), nullptr);
  }
  EXPECT_EQ(loadDeviceProfile(kSrc + "/lab/devices/cisco-7832-mpp.yaml").psn, "7832");
  EXPECT_EQ(loadDeviceProfile(kSrc + "/lab/devices/cisco-8832-mpp.yaml").psn, "8832");
  // A status field that is not in the catalogue: fixtures/profiles-invalid/status-field-typo.yaml.
}

}  // namespace
}  // namespace phonelab::dut
