#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <regex>

#include "reports/report.h"
#include "reports/xml.h"

namespace phonelab {
RunResults reportSampleResults();
}

namespace phonelab::reports {
namespace {

namespace fs = std::filesystem;

bool haveXmllint() {
  return std::system("command -v xmllint >/dev/null 2>&1") == 0;
}

fs::path writeTemp(const std::string& name, const std::string& text) {
  fs::path p = fs::temp_directory_path() /
               ("phonelab-junit-test-" + std::to_string(::getpid()) + "-" + name);
  std::ofstream(p, std::ios::binary) << text;
  return p;
}

/// xmllint's exit status (0: fine) and its messages go to the test log.
int xmllint(const std::string& args, const fs::path& file) {
  return std::system(("xmllint --noout " + args + " '" + file.string() + "' 1>&2").c_str());
}

size_t countOf(const std::string& s, const std::string& what) {
  size_t n = 0;
  for (size_t at = s.find(what); at != std::string::npos; at = s.find(what, at + 1)) ++n;
  return n;
}

TEST(ReportXml, EscapesAndReplacesForbiddenCharacters) {
  EXPECT_EQ(xmlEscape("a<b>&\"c'"), "a&lt;b&gt;&amp;&quot;c&#39;");
  EXPECT_EQ(xmlEscape("x\x01y\x1f"), "x\\x01y\\x1F");
  EXPECT_EQ(xmlEscape("t\tn\nr\r"), "t&#9;n&#10;r&#13;");
  EXPECT_EQ(xmlEscape("caf\xC3\xA9 \xE2\x82\xAC"), "caf\xC3\xA9 \xE2\x82\xAC");  // valid UTF-8
  EXPECT_EQ(xmlEscape("bad\xFF"), "bad\\xFF");                                   // invalid
  EXPECT_EQ(xmlEscape("\xC0\xAF"), "\\xC0\\xAF");                                // overlong
  EXPECT_EQ(xmlEscape("\xED\xA0\x80"), "\\xED\\xA0\\x80");                       // surrogate
  EXPECT_EQ(xmlEscape("\xEF\xBF\xBF"), "\\xEF\\xBF\\xBF");                       // U+FFFF
  EXPECT_EQ(xmlEscape("cut\xE2\x82"), "cut\\xE2\\x82");                          // truncated
}

TEST(ReportXml, HrefPathEncodes) {
  EXPECT_EQ(hrefPath("sip/k a.log"), "sip/k%20a.log");
  EXPECT_EQ(hrefPath("a#b?c%d\"e"), "a%23b%3Fc%25d%22e");
  EXPECT_EQ(hrefPath("javascript:alert(1)"), "./javascript:alert(1)");
  EXPECT_EQ(hrefPath("dir/x:y"), "dir/x:y");
}

TEST(ReportJUnit, CountsSuitesAndCases) {
  std::string x = toJUnitText(reportSampleResults());
  EXPECT_EQ(x.rfind("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n", 0), 0u);
  EXPECT_NE(x.find("<testsuites name=\"phonelab\" tests=\"5\" failures=\"1\" errors=\"2\" "
                   "time=\"74.446\">"),
            std::string::npos)
      << x;
  // Areas: first tag, else "scenarios", in order of first appearance.
  std::regex suite(
      "<testsuite name=\"([^\"]*)\" tests=\"(\\d+)\" failures=\"(\\d+)\" "
      "errors=\"(\\d+)\" skipped=\"(\\d+)\" time=\"[0-9.]+\" timestamp=\"([^\"]*)\" "
      "hostname=\"ci-runner-3\">");
  std::vector<std::string> got;
  for (auto it = std::sregex_iterator(x.begin(), x.end(), suite); it != std::sregex_iterator();
       ++it) {
    got.push_back((*it)[1].str() + " " + (*it)[2].str() + " " + (*it)[3].str() + " " +
                  (*it)[4].str() + " " + (*it)[5].str() + " " + (*it)[6].str());
  }
  EXPECT_EQ(got,
            (std::vector<std::string>{
                "network 1 0 0 0 2026-11-26T15:03:16Z", "sip 2 1 1 0 2026-11-26T15:04:00Z",
                "scenarios 1 0 1 0 2026-11-26T15:06:00Z", "audio 1 0 0 1 2026-11-26T15:07:00Z"}));
  EXPECT_EQ(countOf(x, "<testcase "), 5u);
  EXPECT_NE(x.find("<testcase name=\"net-conn-static: Static address\" "
                   "classname=\"phonelab.network\" time=\"12.346\">"),
            std::string::npos);
  EXPECT_NE(x.find("<property name=\"dut.model\" value=\"CP-8832\"/>"), std::string::npos);
  // Evidence as suite properties (the schema has none on testcases).
  EXPECT_NE(
      x.find("<property name=\"evidence:sip-auth-invite:log:kamailio\" value=\"sip/k a.log\"/>"),
      std::string::npos)
      << x;
}

TEST(ReportJUnit, FailureErrorSkippedAndSystemOut) {
  std::string x = toJUnitText(reportSampleResults());
  // The first failing check's message, escaped, as the attribute; every failing check in the body.
  EXPECT_NE(x.find("<failure message=\"expected 401 or 407, got 200 &lt;OK&gt; &amp; "
                   "&quot;ctl\\x01&quot; byte\" type=\"fail\">[challenged] INVITE is challenged: "
                   "expected 401 or 407, got 200 &lt;OK&gt; &amp; &quot;ctl\\x01&quot; byte&#10;"
                   "    expected: status = 401 [device profile x.yaml: "
                   "expect.auth_invite_challenge = 401]&#10;"
                   "    observed: sip.response at 0.090 s: status was &#39;200&#39; (wanted "
                   "status = 401)&#10;"
                   "[challenged] second failing check: line one&#10;line two&#10;</failure>"),
            std::string::npos)
      << x;
  EXPECT_NE(x.find("<error message=\"kamailio exited with status 255\" type=\"error\">harness: "
                   "kamailio exited with status 255&#10;</error>"),
            std::string::npos)
      << x;
  EXPECT_NE(x.find("<error message=\"no DHCPDISCOVER in 60 s\" type=\"inconclusive\">"),
            std::string::npos);
  EXPECT_NE(x.find("<skipped message=\"profile lacks g722\"/>"), std::string::npos);
  EXPECT_NE(x.find("<system-out>requirement: SIP-3&#10;requirement: NET-1&#10;"
                   "[[ATTACHMENT|sip-auth-invite/capture.pcap]]&#10;"
                   "[[ATTACHMENT|sip/k a.log]]&#10;</system-out>"),
            std::string::npos)
      << x;
  EXPECT_NE(x.find("classname=\"phonelab.sip\""), std::string::npos);
  // No raw control characters anywhere.
  for (char c : x) EXPECT_TRUE(static_cast<unsigned char>(c) >= 0x20 || c == '\n') << int(c);
}

TEST(ReportJUnit, IsWellFormedAndValidAgainstTheJenkinsSchema) {
  if (!haveXmllint()) GTEST_SKIP() << "xmllint not installed (Debian package libxml2-utils)";
  auto r = reportSampleResults();
  r.scenarios[1].title += " \x02\x7f end";
  r.run.host = "host<&>";
  auto file = writeTemp("junit.xml", toJUnitText(r));
  EXPECT_EQ(xmllint("", file), 0);
  EXPECT_EQ(xmllint("--schema '" PHONELAB_SOURCE_DIR "/fixtures/junit/jenkins-junit.xsd'", file),
            0);
  fs::remove(file);
}

TEST(ReportJUnit, EmptyRunIsValid) {
  RunResults r;
  std::string x = toJUnitText(r);
  EXPECT_NE(x.find("<testsuites name=\"phonelab\" tests=\"0\" failures=\"0\" errors=\"0\" "
                   "time=\"0.000\">\n</testsuites>"),
            std::string::npos)
      << x;
  if (!haveXmllint()) GTEST_SKIP() << "xmllint not installed (Debian package libxml2-utils)";
  auto file = writeTemp("empty.xml", x);
  EXPECT_EQ(xmllint("--schema '" PHONELAB_SOURCE_DIR "/fixtures/junit/jenkins-junit.xsd'", file),
            0);
  fs::remove(file);
}

}  // namespace
}  // namespace phonelab::reports
