#include <gtest/gtest.h>

#include <string>

#include "reports/report.h"

namespace phonelab {
RunResults reportSampleResults();
}

namespace phonelab::reports {
namespace {

TEST(ReportHtml, HeaderCountsAndBadges) {
  std::string h = toHtmlText(reportSampleResults());
  EXPECT_EQ(h.rfind("<!DOCTYPE html>", 0), 0u);
  EXPECT_NE(h.find("phonelab 0.1.0"), std::string::npos);
  EXPECT_NE(h.find("model CP-8832, MAC 00:11:22:33:44:55, firmware sip8832.14-2"),
            std::string::npos);
  EXPECT_NE(h.find("2026-11-26T15:03:15Z"), std::string::npos);
  for (const char* v : {"pass", "fail", "error", "inconclusive", "not-applicable"}) {
    EXPECT_NE(h.find(std::string("<span class=\"verdict v-") + v + "\">" + v + " 1</span>"),
              std::string::npos)
        << v;
    EXPECT_NE(h.find(std::string(".v-") + v + " {"), std::string::npos) << v;
  }
  // Self-contained: no external resources, no script.
  EXPECT_EQ(h.find("<script"), std::string::npos);
  EXPECT_EQ(h.find("<link"), std::string::npos);
  EXPECT_EQ(h.find("http://"), std::string::npos);
  EXPECT_EQ(h.find("https://"), std::string::npos);
}

TEST(ReportHtml, RequirementMatrixDocumentedFirst) {
  std::string h = toHtmlText(reportSampleResults());
  auto net1 = h.find(
      "<tr id=\"req-NET-1\" class=\"req-documented\"><td>NET-1</td><td>documented"
      "</td><td>Static IP configuration</td><td><span class=\"verdict v-fail\">"
      "fail</span></td><td><a href=\"#net-conn-static\">net-conn-static</a>, "
      "<a href=\"#sip-auth-invite\">sip-auth-invite</a></td></tr>");
  auto sip3 = h.find("<tr id=\"req-SIP-3\"");
  auto net9 = h.find("<tr id=\"req-NET-9\"");
  auto hard = h.find("<tr id=\"req-HARD-TLS-1\" class=\"req-hardening\">");
  ASSERT_NE(net1, std::string::npos) << h;
  ASSERT_NE(sip3, std::string::npos);
  ASSERT_NE(net9, std::string::npos);
  ASSERT_NE(hard, std::string::npos);
  EXPECT_LT(net1, sip3);  // catalog order within a kind
  EXPECT_LT(sip3, net9);
  EXPECT_LT(net9, hard);  // documented before hardening
  EXPECT_NE(h.find("<td><span class=\"verdict v-not-applicable\">not-applicable</span></td>"
                   "<td>none ran</td>"),
            std::string::npos);
  EXPECT_NE(h.find("<td>Auth INVITE is challenged</td><td><span class=\"verdict v-fail\">"),
            std::string::npos);
}

TEST(ReportHtml, ScenarioSectionsStepsChecksEvidenceEscaped) {
  std::string h = toHtmlText(reportSampleResults());
  EXPECT_NE(h.find("<section class=\"scenario\" id=\"sip-auth-invite\">\n<h3>sip-auth-invite: "
                   "Auth INVITE &lt;challenge&gt; &amp; &quot;quotes&quot; <span class=\"verdict "
                   "v-fail\">fail</span></h3>"),
            std::string::npos)
      << h;
  EXPECT_NE(h.find("expected 401 or 407, got 200 &lt;OK&gt; &amp; &quot;ctl\\x01&quot; byte"),
            std::string::npos);
  EXPECT_EQ(h.find("<OK>"), std::string::npos);
  EXPECT_EQ(h.find('\x01'), std::string::npos);
  EXPECT_NE(h.find("<td>challenged</td><td>expect</td><td>0.050 s</td><td>0.050 s</td>"
                   "<td>timeout</td>"),
            std::string::npos);
  EXPECT_NE(h.find("<li>capture: <a href=\"net-conn-static/capture.pcap\">"
                   "net-conn-static/capture.pcap</a></li>"),
            std::string::npos);
  EXPECT_NE(h.find("<a href=\"sip/k%20a.log\">sip/k a.log</a>"), std::string::npos);
  EXPECT_NE(h.find("<a href=\"#req-SIP-3\">SIP-3</a>, <a href=\"#req-NET-1\">NET-1</a>"),
            std::string::npos);
  EXPECT_NE(h.find("Harness: kamailio exited with status 255"), std::string::npos);
  EXPECT_NE(h.find("line one&#10;line two&#10;unlisted: drop|403"), std::string::npos);
  EXPECT_NE(h.find("<section class=\"scenario\" id=\"audio-wideband\">"), std::string::npos);
}

TEST(ReportHtml, IncompleteRunIsFlagged) {
  auto r = reportSampleResults();
  r.run.complete = false;
  r.run.interrupted = "SIGINT";
  std::string h = toHtmlText(r);
  EXPECT_NE(h.find("This run is incomplete (interrupted: SIGINT)"), std::string::npos);
}

}  // namespace
}  // namespace phonelab::reports
