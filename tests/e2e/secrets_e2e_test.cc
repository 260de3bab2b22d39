// Secrets in a real run's evidence: the report folder and its secret files are private, no
// private key is in the report, events.jsonl holds no password, and `phonelab report --share`
// writes a copy with no SIP password, digest response or private key (the capture masked).

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>

#include "tests/e2e/e2e_util.h"

namespace phonelab::e2e {
namespace {

namespace fs = std::filesystem;

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

unsigned mode(const fs::path& p) {
  struct stat st {};
  if (::lstat(p.c_str(), &st) != 0) return 0;
  return st.st_mode & 07777;
}

TEST(ReportSecrets, ARunsReportIsPrivateAndItsSharedCopyHoldsNoCredential) {
  // Two scenarios of the suite with a SIP password that appears nowhere else (their own is
  // "secret", a word the build's path may hold); the TLS one makes a test PKI.
  const std::string kPassword = "Pw7f3c9e2b41";
  const fs::path scen = freshDir("share-scenarios");
  for (const char* f : {"sip/sip-auth-invite-on.yaml", "tls/sip-tls-kamailio.yaml"}) {
    std::string text = slurp(fs::path(kSrc) / "scenarios" / f);
    for (size_t at; (at = text.find("secret")) != std::string::npos;) {
      text.replace(at, 6, kPassword);
    }
    std::ofstream(scen / fs::path(f).filename()) << text;
  }
  auto run = runSuite("share-run", {}, {scen.string()});
  ASSERT_EQ(run.exit_code, 0) << run.output;
  const fs::path dir = run.report_dir;
  EXPECT_EQ(mode(dir), 0711u);
  const fs::path sc = dir / "sip-auth-invite-on";
  EXPECT_EQ(mode(sc), 0711u);
  EXPECT_EQ(mode(sc / "events.jsonl"), 0600u);
  EXPECT_EQ(mode(sc / "capture.pcap"), 0600u);
  EXPECT_EQ(mode(sc / "kamailio" / "kamailio.cfg"), 0600u);
  EXPECT_EQ(mode(sc / "dut-state"), 0700u);

  // The digest responses the run's capture holds (the shared copy must hold none of them).
  std::set<std::string> responses;
  const std::string pcap = slurp(sc / "capture.pcap");
  const std::regex re("response=\"([0-9a-f]{32})\"");
  for (auto it = std::sregex_iterator(pcap.begin(), pcap.end(), re); it != std::sregex_iterator();
       ++it) {
    responses.insert((*it)[1].str());
  }
  EXPECT_FALSE(responses.empty()) << "the run's capture should hold SIP digest answers";
  EXPECT_EQ(slurp(sc / "events.jsonl").find(kPassword), std::string::npos);
  for (const auto& e : fs::recursive_directory_iterator(dir)) {
    if (!e.is_regular_file()) continue;
    EXPECT_EQ(slurp(e.path()).find("PRIVATE KEY"), std::string::npos) << e.path();
  }

  const std::string share = freshDir("share-copy");
  fs::remove_all(share);
  auto r = phonelab({"report", dir.string(), "--share", share});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  size_t files = 0;
  for (const auto& e : fs::recursive_directory_iterator(share)) {
    if (!e.is_regular_file()) continue;
    ++files;
    const std::string text = slurp(e.path());
    EXPECT_EQ(text.find(kPassword), std::string::npos) << e.path() << " holds the SIP password";
    EXPECT_EQ(text.find("PRIVATE KEY"), std::string::npos) << e.path();
    for (const auto& resp : responses) {
      EXPECT_EQ(text.find(resp), std::string::npos) << e.path() << " holds a digest response";
    }
  }
  EXPECT_GT(files, 5u);
  EXPECT_TRUE(fs::exists(fs::path(share) / "sip-auth-invite-on" / "capture.pcap"));
  EXPECT_FALSE(fs::exists(fs::path(share) / "sip-auth-invite-on" / "kamailio" / "kamailio.cfg"));
}

}  // namespace
}  // namespace phonelab::e2e
