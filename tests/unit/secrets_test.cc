// Secret values in the evidence: the masking rule, events as written to events.jsonl, and the
// settings a bench phone gets back at the end of a scenario when it masks a password.

#include <gtest/gtest.h>

#include "base/core/secrets.h"
#include "harness/dut/dut.h"
#include "harness/dut/profile.h"

namespace phonelab {
namespace {

const std::string kSrc = PHONELAB_SOURCE_DIR "/";

TEST(Secrets, TheRuleNamesPasswordLikeElements) {
  for (const char* n : {"Admin_Passwd", "Password_1_", "line1.password", "auth_password",
                        "User_Password", "HTTP_Report_Secret", "wpa_psk", "PrivateKey"}) {
    EXPECT_TRUE(isSecretName(n)) << n;
  }
  for (const char* n : {"Station_Name", "User_ID_1_", "authorization", "proxy_authorization",
                        "Proxy_1_", "model", "Line_Key_1_"}) {
    EXPECT_FALSE(isSecretName(n)) << n;
  }
}

TEST(Secrets, EventsAreWrittenWithPasswordsMasked) {
  Event e;
  e.kind = "dut.configure";
  e.fields = {{"Admin_Passwd", "hunter2"}, {"Password_1_", "s3cret"}, {"Station_Name", "lab"}};
  e.summary =
      "submitted on /admin/system: Admin_Passwd=hunter2 Password_1_=s3cret Station_Name=lab";
  Event m = maskSecrets(e);
  EXPECT_EQ(m.fields["Admin_Passwd"], "(masked)");
  EXPECT_EQ(m.fields["Password_1_"], "(masked)");
  EXPECT_EQ(m.fields["Station_Name"], "lab");
  EXPECT_EQ(m.summary.find("hunter2"), std::string::npos) << m.summary;
  EXPECT_EQ(m.summary.find("s3cret"), std::string::npos) << m.summary;
  EXPECT_NE(m.summary.find("Station_Name=lab"), std::string::npos);
  // The event scenarios match is untouched.
  EXPECT_EQ(e.fields["Admin_Passwd"], "hunter2");
}

TEST(Secrets, AValueThePhoneMasksIsNeverPutBack) {
  auto profile = dut::loadDeviceProfile(kSrc + "lab/devices/cisco-8832-mpp.yaml");
  const std::map<std::string, std::string> settings = {
      {"line1.password", "secret"}, {"admin_password", "new"}, {"line1.user_id", "100"}};
  const std::map<std::string, std::string> cfg = {
      {"Password_1_", "*****"}, {"Admin_Passwd", "********"}, {"User_ID_1_", "200"}};
  std::map<std::string, std::string> originals;
  std::vector<std::string> masked;
  dut::noteOriginalValues(profile, settings, cfg, originals, masked);
  for (const auto& [name, value] : originals) {
    EXPECT_FALSE(isMaskedByPhone(value)) << name << " would be set back to " << value;
  }
  EXPECT_EQ(originals.count("line1.password"), 0u);
  EXPECT_EQ(originals.count("admin_password"), 0u);
  EXPECT_EQ(originals.at("line1.user_id"), "200");
  EXPECT_EQ(masked.size(), 2u);
  // A later step that changes them again does not note the masked value either.
  dut::noteOriginalValues(profile, settings, cfg, originals, masked);
  EXPECT_EQ(originals.count("line1.password"), 0u);
  EXPECT_EQ(masked.size(), 2u);
}

}  // namespace
}  // namespace phonelab
