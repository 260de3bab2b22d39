#include "emulator/pages.h"

#include <gtest/gtest.h>

using namespace phonelab::emulator;

namespace {
bool has(const std::string& hay, const std::string& needle) {
  return hay.find(needle) != std::string::npos;
}
}  // namespace

TEST(EmuPages, SystemPageHasEveryFieldAndSection) {
  ConfigStore c;
  ASSERT_EQ(c.set("Static_IP", "198.18.250.10"), "");
  ASSERT_EQ(c.set("Admin_Passwd", "secret"), "");
  ASSERT_EQ(c.set("Restricted_Access_Domains", "a.com; \"b\".com"), "");
  const VoicePage* p = findVoicePage("/admin/voice/system");
  ASSERT_NE(p, nullptr);
  std::string html = renderVoicePage(*p, c);
  EXPECT_TRUE(has(html, "<form method=\"post\" action=\"/admin/voice/system\">")) << html;
  for (const char* s :
       {"System Configuration", "IPv4 Settings", "Static IP Settings", "Configuration Profile"})
    EXPECT_TRUE(has(html, std::string("<h2>") + s + "</h2>")) << s;
  for (const auto& def : paramTable()) {
    bool mine = def.page == "system";
    EXPECT_EQ(has(html, "name=\"" + std::string(def.name) + "\""), mine) << def.name;
  }
  EXPECT_TRUE(has(html, "name=\"Static_IP\" value=\"198.18.250.10\""));
  EXPECT_TRUE(has(html,
                  "<select id=\"Connection_Type\" name=\"Connection_Type\"><option "
                  "value=\"DHCP\" selected>DHCP</option><option value=\"Static "
                  "IP\">Static IP</option></select>"))
      << html;
  EXPECT_TRUE(has(html,
                  "type=\"password\" id=\"Admin_Passwd\" name=\"Admin_Passwd\" "
                  "value=\"********\""));
  EXPECT_FALSE(has(html, "secret"));
  EXPECT_TRUE(has(html, "value=\"a.com; &quot;b&quot;.com\""));
  EXPECT_TRUE(has(html, "<input type=\"submit\" name=\"submit\" value=\"Submit All Changes\">"));
}

TEST(EmuPages, RendersEverySectionAndFieldOfTheExt1Page) {
  ConfigStore c;
  const VoicePage* p = findVoicePage("/admin/voice/ext1");
  ASSERT_NE(p, nullptr);
  std::string html = renderVoicePage(*p, c);
  for (const char* s : {"Proxy and Registration", "SIP Settings", "Subscriber Information"})
    EXPECT_TRUE(has(html, std::string("<h2>") + s + "</h2>")) << s;
  for (const char* n : {"Auth_INVITE_1_", "SIP_Transport_1_", "SIP_Port_1_", "TLS_Name_Validate_1_",
                        "User_ID_1_", "Password_1_", "Display_Name_1_", "Proxy_1_"})
    EXPECT_TRUE(has(html, std::string("name=\"") + n + "\"")) << n;
  EXPECT_TRUE(has(html, "<option value=\"UDP\" selected>UDP</option>"));
  EXPECT_TRUE(has(html, "type=\"password\" id=\"Password_1_\""));
}

TEST(EmuPages, IndexInfoStatus) {
  std::string idx = renderAdvancedIndex();
  EXPECT_TRUE(has(idx, "href=\"/admin/voice/system\""));
  EXPECT_TRUE(has(idx, "href=\"/admin/voice/ext1\""));
  EXPECT_TRUE(has(idx, "href=\"/admin/voice/user\""));
  PhoneStatus s;
  s.model = "CP-8832-3PCC";
  s.mac = "02:00:c6:12:00:0a";
  s.serial = "FCH2300ABCD";
  s.firmware = "sip88xx.12-0-1MPP-emu";
  s.connection_type = "Static IP";
  s.ip = "198.18.250.10";
  s.netmask = "255.255.255.0";
  s.gateway = "198.18.250.1";
  s.uptime_seconds = 12;
  s.boot_count = 2;
  std::string info = renderInfoPage(s);
  for (auto& v : {s.model, s.mac, s.serial, s.firmware, s.ip}) EXPECT_TRUE(has(info, v)) << v;
  const std::string xml = renderStatusXml(s);
  EXPECT_EQ(xml.rfind("<status><Product_Name>CP-8832-3PCC</Product_Name><Serial_Number>FCH2300ABCD"
                      "</Serial_Number><MAC_Address>02:00:c6:12:00:0a</MAC_Address>",
                      0),
            0u)
      << xml;
  for (auto* want : {"<Current_Netmask>255.255.255.0</Current_Netmask>",
                     "<Uptime_Seconds>12</Uptime_Seconds>", "<Call_State_1_>Idle</Call_State_1_>",
                     "<Registration_State>Not Registered</Registration_State>",
                     "<Emulator_Boot_Count>2</Emulator_Boot_Count>"})
    EXPECT_TRUE(has(xml, want)) << want;
  s.dns = "198.18.0.2,198.18.0.7";
  s.domain = "lab.example";
  s.ntp_server = "198.18.0.3";
  s.ntp_synced = true;
  s.time_offset = -3600;
  s.provisioning_source = "option 66 tftp://198.18.0.4/8832.xml";
  s.acs_url = "http://198.18.0.6/acs";
  std::string x = renderStatusXml(s);
  for (auto* want : {"<Current_DNS>198.18.0.2,198.18.0.7</Current_DNS>",
                     "<Domain_Name>lab.example</Domain_Name>", "<NTP_Synced>Yes</NTP_Synced>",
                     "<Time_Offset>-3600</Time_Offset>",
                     "<Emulator_Provisioning_Source>option 66 tftp://198.18.0.4/8832.xml"
                     "</Emulator_Provisioning_Source>",
                     "<Emulator_ACS_URL>http://198.18.0.6/acs</Emulator_ACS_URL>"})
    EXPECT_TRUE(has(x, want)) << want;
  EXPECT_TRUE(has(renderSubmitted({"Static_IP"}, true), "Changes submitted"));
}

TEST(EmuPages, AppliesAWholeFormOrNoneOfItAndRestartsOnlyWhenNeeded) {
  ConfigStore c;
  const VoicePage& sys = *findVoicePage("/admin/voice/system");
  auto r = applyForm(sys,
                     {{"Connection_Type", "Static IP"},
                      {"Static_IP", "198.18.250.10"},
                      {"Restricted_Access_Domains", "a.com"},
                      {"SIP_Transport_1_", "TLS"},  // not on this page: ignored
                      {"submit", "Submit All Changes"}},
                     c);
  EXPECT_EQ(r.error, "");
  EXPECT_TRUE(r.restart);
  EXPECT_EQ(r.changed.size(), 3u);
  EXPECT_EQ(r.ignored, std::vector<std::string>{"SIP_Transport_1_"});
  EXPECT_EQ(c.get("Connection_Type"), "Static IP");
  EXPECT_EQ(c.get("SIP_Transport_1_"), "UDP");

  // A bad value rejects the whole form and names the field.
  r = applyForm(sys, {{"Restricted_Access_Domains", "b.com"}, {"Connection_Type", "PPPoE"}}, c);
  EXPECT_NE(r.error.find("Connection_Type"), std::string::npos) << r.error;
  EXPECT_EQ(c.get("Restricted_Access_Domains"), "a.com");

  // Unchanged values and a non-restart change: no restart.
  r = applyForm(sys, {{"Connection_Type", "Static IP"}, {"Resync_Periodic", "60"}}, c);
  EXPECT_EQ(r.error, "");
  EXPECT_FALSE(r.restart);
  EXPECT_EQ(r.changed, std::vector<std::string>{"Resync_Periodic"});

  // The password mask leaves the password alone.
  ASSERT_EQ(c.set("Admin_Passwd", "pw"), "");
  r = applyForm(sys, {{"Admin_Passwd", std::string(kPasswordMask)}}, c);
  EXPECT_EQ(c.get("Admin_Passwd"), "pw");
  r = applyForm(sys, {{"Admin_Passwd", ""}}, c);
  EXPECT_EQ(c.get("Admin_Passwd"), "");
}
