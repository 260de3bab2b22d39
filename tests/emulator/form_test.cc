#include "emulator/form.h"

#include <gtest/gtest.h>

#include "emulator/web.h"

using namespace phonelab::emulator;

TEST(EmuForm, DecodesPlusAndPercentEscapesAndKeepsBrokenOnes) {
  EXPECT_EQ(urlDecode("Static+IP"), "Static IP");
  EXPECT_EQ(urlDecode("a%20b%2Bc%26d%3d"), "a b+c&d=");
  EXPECT_EQ(urlDecode("100%"), "100%");
  EXPECT_EQ(urlDecode("%zz%4"), "%zz%4");
  EXPECT_EQ(urlDecode("%00").size(), 1u);
}

TEST(EmuForm, SplitsFieldsDecodesThemAndKeepsEmptyValues) {
  auto f = parseForm("Connection_Type=Static+IP&Static_IP=198.18.250.10&&empty=&flag&a%3Db=c%26d");
  ASSERT_EQ(f.size(), 5u);
  EXPECT_EQ(f[0], (std::pair<std::string, std::string>{"Connection_Type", "Static IP"}));
  EXPECT_EQ(f[1].second, "198.18.250.10");
  EXPECT_EQ(f[2], (std::pair<std::string, std::string>{"empty", ""}));
  EXPECT_EQ(f[3], (std::pair<std::string, std::string>{"flag", ""}));
  EXPECT_EQ(f[4], (std::pair<std::string, std::string>{"a=b", "c&d"}));
  EXPECT_TRUE(parseForm("").empty());
}

TEST(EmuForm, CookiesAndBasicAuth) {
  EXPECT_EQ(cookieValue("a=1; session=abc ; b=2", "session"), "abc");
  EXPECT_FALSE(cookieValue("a=1", "session"));
  EXPECT_FALSE(cookieValue(";;;=;session", "session"));
  auto c = parseBasicAuth("Basic YWRtaW46czNjciF0");  // admin:s3cr!t
  ASSERT_TRUE(c);
  EXPECT_EQ(c->first, "admin");
  EXPECT_EQ(c->second, "s3cr!t");
  EXPECT_FALSE(parseBasicAuth("Basic !!!!"));
  EXPECT_FALSE(parseBasicAuth("Bearer abc"));
  EXPECT_FALSE(parseBasicAuth("Basic YWRtaW4="));  // no colon
  EXPECT_FALSE(parseBasicAuth(""));
}

TEST(EmuForm, EscapesAllFiveHtmlSpecialCharacters) {
  EXPECT_EQ(htmlEscape("<a href=\"x\">&'"), "&lt;a href=&quot;x&quot;&gt;&amp;&#39;");
}

TEST(EmuForm, ParseHttpUrl) {
  std::string err;
  auto u = parseHttpUrl("http://198.18.250.1:8080/prov/p.xml", &err);
  ASSERT_TRUE(u) << err;
  EXPECT_EQ(u->host, "198.18.250.1");
  EXPECT_EQ(u->port, 8080);
  EXPECT_EQ(u->target, "/prov/p.xml");
  u = parseHttpUrl("http://198.18.250.1", &err);
  ASSERT_TRUE(u);
  EXPECT_EQ(u->port, 80);
  EXPECT_EQ(u->target, "/");
  EXPECT_FALSE(parseHttpUrl("tftp://198.18.250.1/x", &err));
  EXPECT_NE(err.find("tftp"), std::string::npos);
  EXPECT_FALSE(parseHttpUrl("http://h:99999/", &err));
  EXPECT_FALSE(parseHttpUrl("http://h:/", &err));
  EXPECT_FALSE(parseHttpUrl("http:///x", &err));
  EXPECT_FALSE(parseHttpUrl("http://h/a b", &err));
  EXPECT_FALSE(parseHttpUrl("", &err));
}
