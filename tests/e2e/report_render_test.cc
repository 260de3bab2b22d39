// The compliance report as a person sees it: a real run against the emulator (a SIP scenario with
// an emulator fault, so a failure shows, and a DHCP scenario that passes), printed to PDF, rendered
// in headless Chromium. Checks the matrix rows and their verdict colours as computed by the
// browser, the SIP ladder and DHCP timeline, that every evidence link opens a file, that
// junit.xml is valid for Jenkins, and that `phonelab report` re-renders the same bytes. A
// screenshot is kept in the build tree (path printed) as the test's artifact.

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>

#include "harness/scenario/loader.h"
#include "tests/e2e/e2e_util.h"

namespace phonelab::e2e {
namespace {

namespace fs = std::filesystem;

/// Headless Chromium with a deadline and a private profile; returns its stdout+stderr.
std::string chromium(std::vector<std::string> args, const std::string& profile) {
  lab::ProcessSpec spec;
  spec.name = "chromium";
  spec.argv = {"chromium",
               "--headless",
               "--no-sandbox",
               "--disable-gpu",
               "--no-first-run",
               "--disable-background-networking",
               "--disable-extensions",
               "--user-data-dir=" + profile};
  spec.argv.insert(spec.argv.end(), args.begin(), args.end());
  spec.env["HOME"] = profile;
  auto r = lab::runToCompletion(spec, Deadline::in(Seconds(60)));
  return r.output;
}

/// Computed facts of the page, written by a script into the DOM that --dump-dom prints.
constexpr const char* kProbe = R"(<script>
const out = {};
const style = (el) => getComputedStyle(el);
out.rows = [...document.querySelectorAll('table.matrix tr.req')].map((tr) => {
  const badge = tr.querySelector('.req-status .verdict');
  return {id: tr.id.slice(4), table: tr.closest('table').className, text: badge.textContent,
          background: style(badge).backgroundColor, border: style(badge).borderTopStyle};
});
const ladder = document.querySelector('svg.ladder');
out.ladder_messages = document.querySelectorAll('svg.ladder g.msg').length;
out.ladder_size = ladder ? [ladder.getBoundingClientRect().width,
                            ladder.getBoundingClientRect().height] : [0, 0];
out.ladder_labels = [...document.querySelectorAll('svg.ladder text.label')].map((t) => t.textContent);
out.ladder_hosts = [...document.querySelectorAll('svg.ladder text.host')].map((t) => t.textContent);
const red = document.querySelector('svg.ladder .sip-error .arrow');
out.error_arrow = red ? style(red).stroke : '';
out.dhcp_marks = document.querySelectorAll('svg.dhcp-timeline rect.dhcp-msg').length;
out.dhcp_lanes = [...document.querySelectorAll('svg.dhcp-timeline text.lane-name')].map((t) => t.textContent);
out.links = [...document.querySelectorAll('ul.evidence a')].map((a) => a.href);
out.observed = [...document.querySelectorAll('tr.v-row-fail td.observed')].map((td) => [td.textContent, style(td).color]);
document.body.innerHTML = '';
const pre = document.createElement('pre');
pre.id = 'probe';
pre.textContent = JSON.stringify(out);
document.body.appendChild(pre);
</script>
)";

nlohmann::json probe(const std::string& report_dir, const std::string& profile) {
  std::string html = readFile(report_dir + "/index.html");
  auto body_end = html.rfind("</body>");
  if (body_end == std::string::npos) return {};
  const std::string page = report_dir + "/probe.html";
  std::ofstream(page) << html.substr(0, body_end) << kProbe << html.substr(body_end);
  std::string dom = chromium({"--dump-dom", "file://" + page}, profile);
  fs::remove(page);
  auto a = dom.find("<pre id=\"probe\">");
  auto b = dom.find("</pre>", a);
  if (a == std::string::npos || b == std::string::npos) {
    ADD_FAILURE() << "no probe output in Chromium's DOM:\n" << dom.substr(0, 3000);
    return {};
  }
  std::string text = dom.substr(a + 16, b - a - 16);
  for (auto [from, to] : {std::pair<std::string, std::string>{"&lt;", "<"},
                          {"&gt;", ">"},
                          {"&quot;", "\""},
                          {"&amp;", "&"}}) {
    for (size_t p; (p = text.find(from)) != std::string::npos;) text.replace(p, from.size(), to);
  }
  return nlohmann::json::parse(text, nullptr, false);
}

std::string fileUrlToPath(std::string url) {
  if (url.rfind("file://", 0) != 0) return "";
  url = url.substr(7);
  std::string out;
  for (size_t i = 0; i < url.size(); ++i) {
    if (url[i] == '%' && i + 2 < url.size()) {
      out += static_cast<char>(std::stoi(url.substr(i + 1, 2), nullptr, 16));
      i += 2;
    } else {
      out += url[i];
    }
  }
  return out;
}

TEST(ReportRender, ARealRunReadsRightInChromiumAndPrintsToPdf) {
  PHONELAB_REQUIRE_ROOT();
  ASSERT_EQ(std::system("command -v chromium >/dev/null 2>&1"), 0)
      << "Chromium is missing: lab/install-deps.sh installs it (Debian package chromium)";
  const std::string dir = freshDir("report-render");
  auto r = phonelab({"run", "--report", dir, "--pdf", "--emulator-fault", "no-auth-invite",
                     "scenarios/sip/sip-auth-invite-on.yaml", "scenarios/dhcp/net-conn-dhcp.yaml"},
                    dir);
  EXPECT_EQ(r.exit_code, 1) << r.output;
  ASSERT_TRUE(r.results.is_object()) << r.output;

  // results.json: expected vs observed from the device profile, and "not tested" requirements.
  const auto* sip = scenario(r, "sip-auth-invite-on");
  ASSERT_NE(sip, nullptr);
  EXPECT_EQ((*sip)["verdict"], "fail");
  bool stated = false;
  for (const auto& c : (*sip)["checks"]) {
    if (c["name"] != "initial-invite-challenged") continue;
    const std::string expected = c["expected"], observed = c["observed"];
    stated = expected.find("status = 401") != std::string::npos &&
             expected.find("expect.auth_invite_challenge = 401") != std::string::npos &&
             observed.find("status was '") != std::string::npos;
    EXPECT_TRUE(stated) << c.dump(2);
  }
  EXPECT_TRUE(stated) << (*sip)["checks"].dump(2);
  std::map<std::string, std::string> req_state;
  for (const auto& q : r.results["requirements"]) req_state[q["id"]] = q["verdict"];
  EXPECT_EQ(req_state["SIP-AUTH-INVITE-ON"], "fail");
  EXPECT_EQ(req_state["NET-CONN-DHCP"], "pass");
  EXPECT_EQ(req_state["SEC-TLS-CERT"], "not-tested");
  EXPECT_EQ(req_state["WEB-CONFIG"], "not-tested");  // not in this run

  // The PDF: Chromium's print of index.html.
  std::string pdf = readFile(dir + "/report.pdf");
  EXPECT_EQ(pdf.rfind("%PDF-", 0), 0u) << r.output;
  size_t pages = 0;
  for (size_t p = pdf.find("/Type /Page"); p != std::string::npos;
       p = pdf.find("/Type /Page", p + 1)) {
    if (pdf.compare(p, 12, "/Type /Pages") != 0) ++pages;
  }
  EXPECT_GE(pages, 2u) << "pages in report.pdf";

  // junit.xml: valid for Jenkins, with the expected/observed text and evidence properties.
  std::string junit = readFile(dir + "/junit.xml");
  EXPECT_EQ(std::system(("xmllint --noout --schema '" + kSrc +
                         "/fixtures/junit/jenkins-junit.xsd' '" + dir + "/junit.xml' 1>&2")
                            .c_str()),
            0);
  EXPECT_NE(junit.find("expected: sip.response with status = 401"), std::string::npos) << junit;
  EXPECT_NE(junit.find("<property name=\"evidence:sip-auth-invite-on:capture\" "
                       "value=\"sip-auth-invite-on/capture.pcap\"/>"),
            std::string::npos);

  // `phonelab report` re-renders the same bytes, ladder and timeline included.
  std::string html = readFile(dir + "/index.html");
  auto again = phonelab({"report", dir});
  EXPECT_EQ(again.exit_code, 0) << again.output;
  EXPECT_EQ(readFile(dir + "/index.html"), html);
  EXPECT_EQ(readFile(dir + "/junit.xml"), junit);

  // What a person sees, computed by the browser.
  const std::string profile = dir + "/../report-render-chromium";
  fs::remove_all(profile);
  fs::create_directories(profile);
  auto page = probe(dir, profile);
  ASSERT_TRUE(page.is_object()) << page;
  auto catalog = scenario::loadRequirements(kSrc + "/scenarios/requirements.yaml");
  std::set<std::string> catalog_ids, row_ids;
  for (const auto& q : catalog) catalog_ids.insert(q.id);
  std::map<std::string, nlohmann::json> rows;
  for (const auto& row : page["rows"]) {
    row_ids.insert(row["id"].get<std::string>());
    rows[row["id"]] = row;
  }
  EXPECT_EQ(row_ids, catalog_ids) << "every requirement of the catalog is a matrix row";
  EXPECT_EQ(rows["SIP-AUTH-INVITE-ON"]["background"], "rgb(198, 40, 40)");  // red: fail
  EXPECT_EQ(rows["SIP-AUTH-INVITE-ON"]["table"], "matrix matrix-documented");
  EXPECT_EQ(rows["NET-CONN-DHCP"]["background"], "rgb(46, 125, 50)");  // green: pass
  EXPECT_EQ(rows["SEC-TLS-CERT"]["text"], "not tested");
  EXPECT_EQ(rows["SEC-TLS-CERT"]["background"], "rgb(255, 255, 255)");
  EXPECT_EQ(rows["SEC-TLS-CERT"]["border"], "dashed");
  EXPECT_EQ(rows["SEC-TLS-CERT"]["table"], "matrix matrix-hardening");
  EXPECT_GE(page["ladder_messages"].get<int>(), 6);
  EXPECT_GT(page["ladder_size"][0].get<double>(), 300);
  EXPECT_GT(page["ladder_size"][1].get<double>(), 150);
  EXPECT_EQ(page["ladder_hosts"][0], "phone 198.18.0.100") << page["ladder_hosts"];
  const std::string labels = page["ladder_labels"].dump();
  EXPECT_NE(labels.find("\"INVITE\""), std::string::npos) << labels;
  EXPECT_NE(labels.find("(INVITE)"), std::string::npos) << labels;
  EXPECT_EQ(page["error_arrow"], "rgb(198, 40, 40)");  // the registrar's 401 to REGISTER
  EXPECT_GE(page["dhcp_marks"].get<int>(), 4);
  const std::string lanes = page["dhcp_lanes"].dump();
  for (const char* t : {"DISCOVER", "OFFER", "REQUEST", "ACK"}) {
    EXPECT_NE(lanes.find(t), std::string::npos) << lanes;
  }
  ASSERT_FALSE(page["observed"].empty());
  EXPECT_EQ(page["observed"][0][1], "rgb(198, 40, 40)");
  size_t links = 0;
  std::set<std::string> kinds;
  for (const auto& l : page["links"]) {
    std::string path = fileUrlToPath(l.get<std::string>());
    EXPECT_TRUE(fs::is_regular_file(path)) << "evidence link to a missing file: " << l;
    EXPECT_EQ(path.rfind(fs::canonical(dir).string() + "/", 0), 0u) << path;
    kinds.insert(fs::path(path).extension().string());
    ++links;
  }
  EXPECT_GE(links, 6u);
  for (const char* ext : {".pcap", ".jsonl", ".log"}) EXPECT_TRUE(kinds.count(ext)) << ext;

  // The artifact: a screenshot of the report.
  const std::string shot = fs::weakly_canonical(dir + "/../report-render.png").string();
  fs::remove(shot);
  chromium({"--window-size=1400,5000", "--hide-scrollbars", "--screenshot=" + shot,
            "file://" + dir + "/index.html"},
           profile);
  std::string png = readFile(shot);
  EXPECT_EQ(png.rfind("\x89PNG", 0), 0u);
  EXPECT_GT(png.size(), 20000u);
  std::cout << "report screenshot: " << shot << "\nreport PDF: " << dir << "/report.pdf\n";
  fs::remove_all(profile);
  EXPECT_EQ(leftoverNamespaces(), std::vector<std::string>{});
}

}  // namespace
}  // namespace phonelab::e2e
