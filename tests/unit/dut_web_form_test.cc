#include <gtest/gtest.h>

#include "harness/dut/web_form.h"

namespace phonelab::dut {
namespace {

const char* kPage = R"(<html><body><h1>System</h1>
<form method="POST" action="/admin/voice/system">
 <input type="text" name="Restricted_Access_Domains" value="a.example; b.example">
 <input type=password name='Admin_Passwd' value="s&amp;cret">
 <select name="Connection_Type"><option value="DHCP">DHCP</option>
   <option value="Static IP" selected>Static IP</option></select>
 <select name="Empty"><option>First</option><option>Second</option></select>
 <input type="checkbox" name="Unchecked" value="1">
 <input type="checkbox" name="Checked" checked>
 <textarea name="Notes">line &lt;1&gt;</textarea>
 <input type="submit" name="submit" value="Submit All Changes">
</form><form action="/other"><input name="NotThisOne" value="x"></form></body></html>)";

TEST(WebForm, ReadsControlsAsABrowserWouldSubmitThem) {
  auto form = parseFirstForm(kPage);
  ASSERT_TRUE(form.has_value());
  EXPECT_EQ(form->action, "/admin/voice/system");
  EXPECT_EQ(form->method, "post");
  std::vector<std::pair<std::string, std::string>> want = {
      {"Restricted_Access_Domains", "a.example; b.example"},
      {"Admin_Passwd", "s&cret"},
      {"Connection_Type", "Static IP"},
      {"Empty", "First"},
      {"Checked", "on"},
      {"Notes", "line <1>"}};
  EXPECT_EQ(form->fields, want);
  ASSERT_TRUE(form->submit.has_value());
  EXPECT_EQ(form->submit->second, "Submit All Changes");
  EXPECT_FALSE(form->has("NotThisOne"));
}

TEST(WebForm, SetAndEncode) {
  auto form = parseFirstForm(kPage);
  ASSERT_TRUE(form);
  EXPECT_TRUE(form->set("Connection_Type", "DHCP"));
  EXPECT_FALSE(form->set("No_Such_Field", "x"));
  std::string body = form->encode();
  EXPECT_NE(body.find("Restricted_Access_Domains=a.example%3B+b.example"), std::string::npos);
  EXPECT_NE(body.find("Connection_Type=DHCP&"), std::string::npos);
  EXPECT_NE(body.find("submit=Submit+All+Changes"), std::string::npos);
}

TEST(WebForm, PageWithoutFormOrWithBrokenTags) {
  EXPECT_FALSE(parseFirstForm("<html><body>no form</body></html>").has_value());
  auto f = parseFirstForm("<form><input name=\"a\" value=\"unterminated");
  ASSERT_TRUE(f.has_value());
  EXPECT_TRUE(f->fields.empty());
}

TEST(FlatXml, ReadsEachElementDecodingEntitiesAndKeepingEmptyValues) {
  std::string err;
  auto m = parseFlatXml(
      "<flat-profile>\n <Station_Name ua=\"na\">a &amp; b</Station_Name>\n"
      " <Static_IP ua=\"na\"></Static_IP></flat-profile>",
      err);
  ASSERT_TRUE(m.has_value()) << err;
  EXPECT_EQ(m->at("Station_Name"), "a & b");
  EXPECT_EQ(m->at("Static_IP"), "");
}

TEST(FlatXml, MalformedSaysWhere) {
  std::string err;
  EXPECT_FALSE(parseFlatXml("<status><Uptime_Seconds>3</status>", err).has_value());
  EXPECT_NE(err.find("malformed XML at byte"), std::string::npos) << err;
}

TEST(ReadBack, KeptChangedAbsentAndMaskedValues) {
  std::map<std::string, std::string> submitted = {{"Station_Name", "lab"},
                                                  {"Restricted_Access_Domains", "a.example"},
                                                  {"Proxy_1_", "198.18.0.10"},
                                                  {"Password_1_", "secret"},
                                                  {"Display_Name_1_", ""}};
  std::map<std::string, std::string> cfg = {{"Station_Name", "lab"},
                                            {"Restricted_Access_Domains", ""},
                                            {"Password_1_", "*************"},
                                            {"Display_Name_1_", ""}};
  ReadBack r = compareReadBack(submitted, cfg);
  ASSERT_EQ(r.wrong.size(), 2u);
  EXPECT_EQ(r.wrong[0], "Proxy_1_ is not in it (submitted '198.18.0.10')");
  EXPECT_EQ(r.wrong[1], "Restricted_Access_Domains is '' (submitted 'a.example')");
  EXPECT_EQ(r.masked, std::vector<std::string>{"Password_1_"});
  EXPECT_EQ(r.shown.at("Password_1_"), "(masked)");
  EXPECT_EQ(r.shown.at("Proxy_1_"), "(absent)");
  EXPECT_EQ(r.shown.at("Station_Name"), "lab");

  // A mask shown where an empty value was submitted is compared: the phone kept something.
  r = compareReadBack({{"Password_1_", ""}}, {{"Password_1_", "****"}});
  ASSERT_EQ(r.wrong.size(), 1u);
  EXPECT_TRUE(r.masked.empty());
  EXPECT_TRUE(compareReadBack(submitted, {}).wrong.size() == submitted.size());
}

}  // namespace
}  // namespace phonelab::dut
