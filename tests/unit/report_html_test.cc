#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>
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
  EXPECT_NE(h.find("<dt>Device model</dt><dd>CP-8832</dd>\n<dt>MAC</dt><dd>00:11:22:33:44:55</dd>\n"
                   "<dt>Firmware</dt><dd>sip8832.14-2 <small>(read from the phone)</small></dd>"),
            std::string::npos)
      << h;
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

TEST(ReportHtml, MatrixSplitsDocumentedFromHardeningWithSpecTextAndNotTested) {
  std::string h = toHtmlText(reportSampleResults());
  auto documented = h.find("<h3>Documented behaviour</h3>");
  auto hardening = h.find("<h3>Hardening</h3>");
  auto net1 = h.find(
      "<tr id=\"req-NET-1\" class=\"req req-documented status-fail\"><td class=\"req-id\">NET-1"
      "</td><td><div class=\"req-title\">Static IP configuration</div><div class=\"spec\">"
      "Network settings, static</div><div class=\"notes\">Note: n1</div><details "
      "class=\"wrong-ways\"><summary>Catches 1 wrong way (emulator faults the self-test proves)"
      "</summary><ul><li><code>static-ip-ignored</code>: keeps running DHCP with a static "
      "address set</li></ul></details></td><td>"
      "<a href=\"#net-conn-static\">net-conn-static</a>, <a href=\"#sip-auth-invite\">"
      "sip-auth-invite</a></td><td class=\"req-status\"><span class=\"verdict v-fail\">fail"
      "</span></td></tr>");
  auto sip3 = h.find("<tr id=\"req-SIP-3\"");
  auto net9 = h.find("<tr id=\"req-NET-9\"");
  auto hard = h.find("<tr id=\"req-HARD-TLS-1\" class=\"req req-hardening status-inconclusive\">");
  ASSERT_NE(documented, std::string::npos) << h;
  ASSERT_NE(net1, std::string::npos) << h;
  ASSERT_NE(sip3, std::string::npos);
  ASSERT_NE(net9, std::string::npos);
  ASSERT_NE(hard, std::string::npos);
  EXPECT_LT(documented, net1);
  EXPECT_LT(net1, sip3);  // catalog order within a kind
  EXPECT_LT(sip3, net9);
  EXPECT_LT(net9, hardening);  // documented before hardening
  EXPECT_LT(hardening, hard);
  EXPECT_NE(h.find("<div class=\"spec\">Auth INVITE &lt;yes/no&gt; &amp; co</div>"),
            std::string::npos);
  // Never ran: not tested, with the issue that plans it; never "not-applicable".
  EXPECT_NE(h.find("<td class=\"req-status\"><span class=\"verdict v-not-tested\">not tested"
                   "</span><div class=\"planned\">planned: #9 later</div></td>"),
            std::string::npos);
  EXPECT_NE(h.find("<span class=\"verdict v-not-tested\">not tested 1</span>"), std::string::npos);
  EXPECT_NE(h.find(".v-not-tested {"), std::string::npos);
}

TEST(ReportHtml, ChecksShowExpectedAndObserved) {
  std::string h = toHtmlText(reportSampleResults());
  EXPECT_NE(h.find("<th>Expected</th><th>Observed</th>"), std::string::npos);
  EXPECT_NE(h.find("<td class=\"expected\">status = 401 [device profile x.yaml: "
                   "expect.auth_invite_challenge = 401]</td><td class=\"observed\">sip.response "
                   "at 0.090 s: status was &#39;200&#39; (wanted status = 401)</td>"),
            std::string::npos)
      << h;
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
                   "net-conn-static/capture.pcap</a> <small>(capture (pcap))</small></li>"),
            std::string::npos);
  EXPECT_NE(h.find("<a href=\"sip/k%20a.log\">sip/k a.log</a>"), std::string::npos);
  EXPECT_NE(h.find("<a href=\"#req-SIP-3\">SIP-3</a>, <a href=\"#req-NET-1\">NET-1</a>"),
            std::string::npos);
  EXPECT_NE(h.find("Harness: kamailio exited with status 255"), std::string::npos);
  EXPECT_NE(h.find("line one&#10;line two&#10;unlisted: drop|403"), std::string::npos);
  EXPECT_NE(h.find("<section class=\"scenario\" id=\"audio-wideband\">"), std::string::npos);
}

TEST(ReportHtml, EachScenarioSaysWhichBootOfThePhoneItRanOn) {
  RunResults r = reportSampleResults();
  ASSERT_GE(r.scenarios.size(), 2u);
  r.scenarios[0].boot = {{"number", "1"}, {"fresh", "yes"}, {"why", "the first <of> its kind"}};
  r.scenarios[1].boot = {{"number", "1"}, {"fresh", "no"}, {"since", r.scenarios[0].id}};
  const std::string h = toHtmlText(r);
  EXPECT_NE(h.find("<dt>Boot</dt><dd>1: a fresh boot: the first &lt;of&gt; its kind</dd>"),
            std::string::npos)
      << h;
  EXPECT_NE(h.find("<dt>Boot</dt><dd>1: kept running since " + r.scenarios[0].id + "</dd>"),
            std::string::npos);
  r.scenarios[1].boot["link"] = "bounced";
  EXPECT_NE(toHtmlText(r).find("<dt>Boot</dt><dd>1: kept running since " + r.scenarios[0].id +
                               "; its network started afresh after a link bounce</dd>"),
            std::string::npos);
  // A report from before (no boot recorded) shows none.
  r.scenarios[0].boot.clear();
  r.scenarios[1].boot.clear();
  EXPECT_EQ(toHtmlText(r).find("<dt>Boot</dt>"), std::string::npos);
}

TEST(ReportHtml, IncompleteRunIsFlagged) {
  auto r = reportSampleResults();
  r.run.complete = false;
  r.run.interrupted = "SIGINT";
  std::string h = toHtmlText(r);
  EXPECT_NE(h.find("This run is incomplete (interrupted: SIGINT)"), std::string::npos);
}

namespace fs = std::filesystem;

/// A report folder with a scenario's events.jsonl and evidence files, as a run leaves them.
struct ReportFolder {
  fs::path dir = fs::temp_directory_path() / ("phonelab-html-test-" + std::to_string(::getpid()));
  ReportFolder() {
    fs::remove_all(dir);
    fs::create_directories(dir / "sip-auth-invite" / "kamailio");
    fs::create_directories(dir / "sip-auth-invite" / "tls");
    std::ofstream ev(dir / "sip-auth-invite" / "events.jsonl");
    const std::string mac = "00:11:22:33:44:55";
    ev << R"({"fields":{"type":"discover","src_mac":")" << mac
       << R"("},"kind":"dhcp.discover","source":"capture","summary":"DHCPDISCOVER xid 0x1","t":0.2})"
       << "\n"
       << R"({"fields":{"type":"nak"},"kind":"dhcp.nak","source":"capture","summary":"DHCPNAK <x>","t":0.3})"
       << "\nnot json\n"
       << R"({"fields":{"method":"INVITE","src_ip":"198.18.0.50","dst_ip":"198.18.0.100","user_agent":"phonelab-ua"},"kind":"sip.request","source":"capture","summary":"INVITE sip:100@x","t":1.5})"
       << "\n"
       << R"({"fields":{"status":"401","reason":"Unauthorized","cseq_method":"INVITE","src_ip":"198.18.0.100","dst_ip":"198.18.0.50","src_mac":")"
       << mac
       << R"("},"kind":"sip.response","source":"capture","summary":"401 Unauthorized","t":1.6})"
       << "\n"
       << R"({"fields":{"status":"200"},"kind":"sip.response","source":"ua","summary":"not from the capture","t":1.7})"
       << "\n";
    std::ofstream(dir / "sip-auth-invite" / "capture.pcap") << "x";
    std::ofstream(dir / "sip-auth-invite" / "tls" / "sslkeylog.txt") << "CLIENT_RANDOM x y\n";
    std::ofstream(dir / "sip-auth-invite" / "rx-tone.wav") << "RIFF";
    std::ofstream(dir / "sip-auth-invite" / "rx-tone.png") << "png";
    std::ofstream(dir / "sip-auth-invite" / "logger_lockfile") << "";
    std::ofstream(dir / "sip-auth-invite" / "kamailio" / "kamailio.log") << "log";
  }
  ~ReportFolder() { fs::remove_all(dir); }
};

RunResults sampleWithEvents() {
  auto r = reportSampleResults();
  r.scenarios[1].evidence = {{"capture", "sip-auth-invite/capture.pcap"},
                             {"events", "sip-auth-invite/events.jsonl"},
                             {"log:kamailio", "sip-auth-invite/kamailio/kamailio.log"}};
  return r;
}

TEST(ReportHtml, SipLadderAndDhcpTimelineFromTheEventLog) {
  ReportFolder f;
  std::string h = toHtmlText(sampleWithEvents(), f.dir.string());
  auto ladder = h.find("<svg class=\"ladder\"");
  ASSERT_NE(ladder, std::string::npos) << h;
  // The phone (the MAC read from it) is the first lifeline; the UA's User-Agent labels its own.
  EXPECT_NE(h.find("<text x=\"178.0\" y=\"18\" class=\"host\">phone 198.18.0.100</text>"),
            std::string::npos)
      << h;
  EXPECT_NE(h.find("class=\"agent\">phonelab-ua</text>"), std::string::npos);
  EXPECT_NE(h.find("<g class=\"msg sip-request\"><title>1.5 s: INVITE sip:100@x</title>"),
            std::string::npos);
  EXPECT_NE(h.find("class=\"label\">401 Unauthorized (INVITE)</text>"), std::string::npos);
  EXPECT_EQ(h.find("not from the capture"), std::string::npos);
  auto timeline = h.find("<svg class=\"dhcp-timeline\"");
  ASSERT_NE(timeline, std::string::npos);
  EXPECT_NE(h.find("class=\"lane-name\">DISCOVER</text>"), std::string::npos);
  EXPECT_NE(h.find("class=\"lane-name\">NAK</text>"), std::string::npos);
  EXPECT_NE(h.find("<rect class=\"dhcp-msg dhcp-nak\""), std::string::npos);
  EXPECT_NE(h.find("<td>0.300 s</td><td>DHCPNAK &lt;x&gt;</td>"), std::string::npos);
  EXPECT_NE(h.find("1 line(s) of the event log could not be read"), std::string::npos);
  // Still self-contained: the SVG namespace is the only URL.
  EXPECT_EQ(h.find("<script"), std::string::npos);
  EXPECT_EQ(h.find("https://"), std::string::npos);
  std::string without_ns = h;
  for (size_t p; (p = without_ns.find("http://www.w3.org/2000/svg")) != std::string::npos;) {
    without_ns.erase(p, 26);
  }
  EXPECT_EQ(without_ns.find("http://"), std::string::npos);
}

TEST(ReportHtml, EvidenceListsKnownFilesOfTheScenarioFolder) {
  ReportFolder f;
  std::string h = toHtmlText(sampleWithEvents(), f.dir.string());
  for (const char* li : {"<li>capture: <a href=\"sip-auth-invite/capture.pcap\">",
                         "<li>log:kamailio: <a href=\"sip-auth-invite/kamailio/kamailio.log\">",
                         "<li>TLS key log: <a href=\"sip-auth-invite/tls/sslkeylog.txt\">",
                         "<li>audio (WAV): <a href=\"sip-auth-invite/rx-tone.wav\">",
                         "<li>image / spectrogram: <a href=\"sip-auth-invite/rx-tone.png\">"}) {
    EXPECT_NE(h.find(li), std::string::npos) << li;
  }
  EXPECT_EQ(h.find("logger_lockfile"), std::string::npos);  // unknown kinds are not evidence
}

TEST(ReportHtml, RenderingTwiceGivesTheSameBytes) {
  ReportFolder f;
  EXPECT_EQ(toHtmlText(sampleWithEvents(), f.dir.string()),
            toHtmlText(sampleWithEvents(), f.dir.string()));
}

}  // namespace
}  // namespace phonelab::reports
