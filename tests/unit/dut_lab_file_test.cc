#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "harness/dut/lab_file.h"

namespace phonelab::dut {
namespace {

const std::string kSrc = PHONELAB_SOURCE_DIR;

TEST(LabFile, TheDefaultLabLoads) {
  LabFile lab = loadLabFile(kSrc + "/lab/emulated.yaml");
  EXPECT_EQ(lab.name, "emulated");
  EXPECT_EQ(lab.driver, "emulator");
  EXPECT_EQ(lab.mac, "02:00:c6:12:00:0a");
  EXPECT_DOUBLE_EQ(lab.emulator.boot_delay, 0.3);
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
  EXPECT_GE(cases, 5);
}

}  // namespace
}  // namespace phonelab::dut
