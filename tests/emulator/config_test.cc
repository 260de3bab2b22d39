#include "emulator/config.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "emulator/pages.h"

#include <unistd.h>

#include "harness/dut/profile.h"

using namespace phonelab::emulator;

namespace {

std::string tempDir() {
  auto d = std::filesystem::temp_directory_path() /
           ("phonelab-emu-test-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
  std::filesystem::remove_all(d);
  std::filesystem::create_directories(d);
  return d.string();
}

std::string readFile(const std::string& p) {
  std::ifstream in(p);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace

TEST(EmuConfig, StartsWithTheFactoryValueOfEveryParameter) {
  ConfigStore c;
  EXPECT_EQ(c.get("Connection_Type"), "DHCP");
  EXPECT_EQ(c.get("Static_IP"), "");
  EXPECT_EQ(c.get("DHCP_Timeout_On_Renewal"), "0");
  EXPECT_EQ(c.get("Profile_Rule"), "/$PSN.xml");
  EXPECT_EQ(c.get("Resync_Periodic"), "3600");
  EXPECT_EQ(c.get("Auth_INVITE_1_"), "No");
  EXPECT_EQ(c.get("SIP_Transport_1_"), "UDP");
  EXPECT_EQ(c.get("SIP_Port_1_"), "5060");
  EXPECT_EQ(c.get("TLS_Name_Validate_1_"), "Yes");
  EXPECT_EQ(c.get("Register_Expires_1_"), "3600");
  EXPECT_EQ(c.get("No_Such_Thing"), "");
  for (const char* n : {"Restricted_Access_Domains", "Admin_Passwd", "User_Password",
                        "Station_Name", "NetMask", "Gateway", "Primary_DNS", "Secondary_DNS",
                        "Proxy_1_", "User_ID_1_", "Password_1_", "Display_Name_1_"}) {
    ASSERT_NE(findParam(n), nullptr) << n;
    EXPECT_EQ(c.get(n), "") << n;
  }
}

TEST(EmuConfig, TableIsConsistent) {
  for (const auto& p : paramTable()) {
    EXPECT_EQ(validateParam(p, std::string(p.def)), "") << p.name;
    EXPECT_TRUE(p.page == "system" || p.page == "ext1" || p.page == "user") << p.name;
    if (p.kind == ParamKind::Select) {
      EXPECT_FALSE(p.allowed.empty()) << p.name;
    }
  }
  for (const char* n : {"Connection_Type", "Static_IP", "NetMask", "Gateway", "Primary_DNS"})
    EXPECT_TRUE(findParam(n)->restart) << n;
  EXPECT_FALSE(findParam("SIP_Transport_1_")->restart);
  // Every page of the table is a page of the web UI.
  for (const auto& p : paramTable()) {
    bool listed = false;
    for (const auto& v : voicePages()) listed = listed || v.key == p.page;
    EXPECT_TRUE(listed) << p.name << " on page " << p.page;
  }
}

TEST(EmuConfig, AutoAnswerPage) {
  ConfigStore c;
  // The MPP default: a call that asks for auto-answer is answered.
  EXPECT_EQ(c.get("Auto_Answer_Page"), "Yes");
  EXPECT_EQ(c.set("Auto_Answer_Page", "No"), "");
  EXPECT_NE(c.set("Auto_Answer_Page", "no"), "");
  EXPECT_NE(c.toFlatProfile().find("<Auto_Answer_Page ua=\"na\">No</Auto_Answer_Page>"),
            std::string::npos);
  auto r = applyProfileElements(c, {{"Auto_Answer_Page", "Yes"}});
  EXPECT_EQ(r.applied, 1);
  EXPECT_EQ(c.get("Auto_Answer_Page"), "Yes");
  EXPECT_FALSE(r.restart);
}

// The emulator cannot read the harness's device profiles at run time: it keeps its own list of
// the parameters whose change restarts the phone, as the firmware does. That list must be the
// union of the profiles' `restarts: true` settings, or the harness would wait for a restart that
// never comes, or miss one: the two cannot drift.
TEST(EmuConfig, RestartParametersAreTheDeviceProfilesRestartSettings) {
  std::set<std::string> emulator, profiles;
  for (const auto& p : paramTable()) {
    if (p.restart) emulator.insert(std::string(p.name));
  }
  std::vector<phonelab::dut::DeviceProfile> loaded;
  for (const auto& f :
       std::filesystem::directory_iterator(std::string(PHONELAB_SOURCE_DIR) + "/lab/devices")) {
    if (f.path().extension() != ".yaml") continue;
    loaded.push_back(phonelab::dut::loadDeviceProfile(f.path().string()));
  }
  ASSERT_GE(loaded.size(), 2u) << "the 7832 and 8832 profiles";
  for (const auto& profile : loaded) {
    for (const auto& [name, def] : profile.settings) {
      if (def.restarts) profiles.insert(def.element);
    }
  }
  EXPECT_EQ(emulator, profiles);
  // And no profile says a change of one of them needs no restart.
  for (const auto& profile : loaded) {
    for (const auto& [name, def] : profile.settings) {
      EXPECT_EQ(def.restarts, emulator.count(def.element) == 1) << profile.file << ": " << name;
    }
  }
}

TEST(EmuConfig, RefusesMalformedValuesAndUnknownParameters) {
  ConfigStore c;
  EXPECT_EQ(c.set("Connection_Type", "Static IP"), "");
  EXPECT_NE(c.set("Connection_Type", "static"), "");
  EXPECT_EQ(c.get("Connection_Type"), "Static IP");
  EXPECT_NE(c.set("Static_IP", "300.1.1.1"), "");
  EXPECT_EQ(c.set("Static_IP", "198.18.250.10"), "");
  EXPECT_EQ(c.set("Static_IP", ""), "");
  EXPECT_NE(c.set("SIP_Port_1_", "50a"), "");
  EXPECT_NE(c.set("SIP_Transport_1_", "udp"), "");
  EXPECT_EQ(c.set("SIP_Transport_1_", "AUTO"), "");
  auto why = c.set("Auth_INVITE_1_", "Maybe");
  EXPECT_NE(why.find("Auth_INVITE_1_"), std::string::npos) << why;
  EXPECT_NE(c.set("Unknown_Param", "x"), "");
  EXPECT_NE(c.set("Station_Name", "a\nb"), "");
}

TEST(EmuConfig, FlatProfileRoundTripWithEscaping) {
  ConfigStore c;
  ASSERT_EQ(c.set("Display_Name_1_", "A & B <\"boss\"> 'x'"), "");
  ASSERT_EQ(c.set("Restricted_Access_Domains", "voiceip.com; voiceip1.com"), "");
  ASSERT_EQ(c.set("Connection_Type", "Static IP"), "");
  std::string xml = c.toFlatProfile();
  EXPECT_EQ(xml.rfind("<flat-profile>\n  <", 0), 0u) << xml;
  EXPECT_NE(xml.find("  <Display_Name_1_ ua=\"na\">A &amp; B &lt;&quot;boss&quot;&gt; "
                     "&apos;x&apos;</Display_Name_1_>\n"),
            std::string::npos)
      << xml;
  EXPECT_NE(xml.find("</flat-profile>\n"), std::string::npos);
  std::string err;
  auto els = parseFlatProfile(xml, &err);
  ASSERT_TRUE(els) << err;
  EXPECT_EQ(els->size(), paramTable().size());
  ConfigStore d;
  for (auto& e : *els) EXPECT_EQ(d.set(e.name, e.value), "") << e.name;
  EXPECT_EQ(d.values(), c.values());
}

TEST(EmuConfig, ParseFlatProfileVariants) {
  std::string err;
  auto els = parseFlatProfile(
      "\xEF\xBB\xBF<?xml version=\"1.0\"?>\n<!-- c -->\n<flat-profile>\n"
      "<A ua=\"na\">1 &#65;&#x42;</A><B/><C ua='rw' >x&gt;y</C >\n<!-- x --></flat-profile>",
      &err);
  ASSERT_TRUE(els) << err;
  ASSERT_EQ(els->size(), 3u);
  EXPECT_EQ((*els)[0].value, "1 AB");
  EXPECT_EQ((*els)[1].name, "B");
  EXPECT_EQ((*els)[1].value, "");
  EXPECT_EQ((*els)[2].value, "x>y");
  EXPECT_TRUE(parseFlatProfile("<flat-profile/>", &err));
}

TEST(EmuConfig, ParseFlatProfileRejectsMalformed) {
  for (const char* bad :
       {"", "<device></device>", "<flat-profile><A>1</A>", "<flat-profile><A>1</B></flat-profile>",
        "<flat-profile><A>1 &bogus; </A></flat-profile>",
        "<flat-profile><A>x<b/></A></flat-profile>",
        "<flat-profile><A ua=\"na>1</A></flat-profile>", "<flat-profile",
        "<flat-profile><!-- </flat-profile>"}) {
    std::string err;
    EXPECT_FALSE(parseFlatProfile(bad, &err)) << bad;
    EXPECT_NE(err.find("at byte"), std::string::npos) << bad << " -> " << err;
  }
}

TEST(EmuConfig, PersistenceAndDefaultsWhenAbsent) {
  std::string dir = tempDir();
  std::string path = dir + "/config.xml";
  ConfigStore c;
  std::string err;
  ASSERT_TRUE(c.load(path, &err)) << err;  // absent: defaults
  EXPECT_EQ(c.get("Connection_Type"), "DHCP");
  ASSERT_EQ(c.set("Connection_Type", "Static IP"), "");
  ASSERT_EQ(c.set("Static_IP", "198.18.250.10"), "");
  ASSERT_TRUE(c.save(path, &err)) << err;
  EXPECT_EQ(readFile(path), c.toFlatProfile());
  ConfigStore d;
  ASSERT_TRUE(d.load(path, &err)) << err;
  EXPECT_EQ(d.get("Connection_Type"), "Static IP");
  EXPECT_EQ(d.get("Static_IP"), "198.18.250.10");
  EXPECT_EQ(d.get("SIP_Port_1_"), "5060");

  // Unknown and invalid elements are skipped and reported; the rest applies.
  {
    std::ofstream out(path);
    out << "<flat-profile><Foo ua=\"na\">1</Foo><SIP_Port_1_>x</SIP_Port_1_>"
           "<Proxy_1_>sip.example</Proxy_1_></flat-profile>";
  }
  std::vector<std::string> skipped;
  ASSERT_TRUE(d.load(path, &err, &skipped)) << err;
  EXPECT_EQ(skipped.size(), 2u);
  EXPECT_EQ(d.get("Proxy_1_"), "sip.example");
  EXPECT_EQ(d.get("SIP_Port_1_"), "5060");
  EXPECT_EQ(d.get("Connection_Type"), "DHCP");  // reload starts from defaults

  // A corrupt file: error, defaults.
  {
    std::ofstream out(path);
    out << "<flat-profile><Proxy_1_>x";
  }
  EXPECT_FALSE(d.load(path, &err));
  EXPECT_NE(err.find("config.xml"), std::string::npos) << err;
  EXPECT_EQ(d.get("Proxy_1_"), "");
  std::filesystem::remove_all(dir);
}
