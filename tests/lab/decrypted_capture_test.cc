// The capture that opens decrypted (harness/runner/decrypted_capture.h): the real editcap embeds
// the key log as a decryption secrets block into a 0600 pcapng; editcap runs as the unprivileged
// account, never root; a failing or missing editcap or an empty key log leaves no file and says
// why; the private folder is gone afterwards.

#include "harness/runner/decrypted_capture.h"

#include <pwd.h>
#include <sys/stat.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "base/lab/netns.h"
#include "base/lab/process.h"
#include "reports/report_folder.h"
#include "tests/lab/lab_util.h"

namespace phonelab::runner {
namespace {

namespace fs = std::filesystem;
using labtest::TempDir;

const std::string kKeys =
    "CLIENT_RANDOM 5ca1ab1e5ca1ab1e5ca1ab1e5ca1ab1e5ca1ab1e5ca1ab1e5ca1ab1e5ca1ab1e "
    "0ddba11c0ffee0ddba11c0ffee0ddba11c0ffee0ddba11c0ffee0ddba11c0ffee0ddba11c0ffee0ddba11c0ffee\n";

/// A classic pcap (Ethernet) with one UDP frame.
std::string tinyPcap() {
  std::string out;
  auto le32 = [&out](uint32_t v) {
    for (int k = 0; k < 4; ++k) out += static_cast<char>(v >> (8 * k));
  };
  le32(0xa1b2c3d4);
  out += std::string("\x02\x00\x04\x00", 4);
  le32(0);
  le32(0);
  le32(65535);
  le32(1);
  const std::string frame(60, '\x11');
  le32(1);
  le32(0);
  le32(static_cast<uint32_t>(frame.size()));
  le32(static_cast<uint32_t>(frame.size()));
  return out + frame;
}

std::string slurp(const std::string& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

/// Folders of this run's own named *-decrypt (left behind = a leak of session keys).
size_t leftoverWorkDirs() {
  size_t n = 0;
  std::error_code ec;
  for (const auto& e :
       fs::directory_iterator(fs::path("/run/phonelab") / lab::currentRunToken(), ec)) {
    const std::string name = e.path().filename().string();
    if (name.size() > 8 && name.substr(name.size() - 8) == "-decrypt") ++n;
  }
  return n;
}

/// PATH with `dir` first, for the duration of a test.
struct PathFirst {
  std::string saved = std::getenv("PATH") ? std::getenv("PATH") : "";
  explicit PathFirst(const std::string& dir, bool only = false) {
    ::setenv("PATH", (only ? dir : dir + ":" + saved).c_str(), 1);
  }
  ~PathFirst() { ::setenv("PATH", saved.c_str(), 1); }
};

struct Inputs {
  TempDir dir;
  std::string pcap = dir / "capture.pcap";
  std::string keys = dir / "tls-keys.log";
  std::string out = dir / "capture-decrypted.pcapng";
  explicit Inputs(const std::string& keylog = kKeys) {
    std::ofstream(pcap, std::ios::binary) << tinyPcap();
    std::ofstream(keys, std::ios::binary) << keylog;
    ::chmod(pcap.c_str(), 0600);
    ::chmod(keys.c_str(), 0600);
  }
};

TEST(DecryptedCapture, EditcapEmbedsTheKeyLogInAPrivateFile) {
  PHL_REQUIRE_ROOT();
  Inputs in;
  std::string why;
  ASSERT_TRUE(writeDecryptedCapture(in.pcap, in.keys, in.out, Deadline::in(Seconds(60)), why))
      << why;
  struct stat st {};
  ASSERT_EQ(::lstat(in.out.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0600u);
  EXPECT_EQ(st.st_uid, 0u);
  std::ifstream f(in.out, std::ios::binary);
  EXPECT_TRUE(reports::pcapngHasDecryptionSecrets(f));
  EXPECT_NE(slurp(in.out).find(kKeys.substr(0, 80)), std::string::npos);
  EXPECT_EQ(leftoverWorkDirs(), 0u);
}

TEST(DecryptedCapture, EditcapRunsUnprivilegedAndItsFailureLeavesNoFile) {
  PHL_REQUIRE_ROOT();
  const passwd* nobody = ::getpwnam(lab::kToolAccount);
  if (!nobody) GTEST_SKIP() << "no account " << lab::kToolAccount;
  Inputs in;
  // An editcap that says who it runs as and fails; a stale output from before must go too.
  const std::string bin = in.dir / "bin";
  fs::create_directories(bin);
  ::chmod(bin.c_str(), 0755);
  std::ofstream(bin + "/editcap") << "#!/bin/sh\necho \"editcap as uid $(id -u)\" >&2\nexit 3\n";
  ::chmod((bin + "/editcap").c_str(), 0755);
  std::ofstream(in.out) << "stale";
  PathFirst path(bin);
  std::string why;
  EXPECT_FALSE(writeDecryptedCapture(in.pcap, in.keys, in.out, Deadline::in(Seconds(60)), why));
  EXPECT_NE(why.find("editcap as uid " + std::to_string(nobody->pw_uid)), std::string::npos) << why;
  EXPECT_NE(why.find("status 3"), std::string::npos) << why;
  EXPECT_FALSE(fs::exists(in.out));
  EXPECT_EQ(leftoverWorkDirs(), 0u);
}

TEST(DecryptedCapture, AMissingEditcapOrAnEmptyKeyLogLeavesNoFile) {
  PHL_REQUIRE_ROOT();
  {
    Inputs in;
    PathFirst path(in.dir / "nothing-here", true);
    std::string why;
    EXPECT_FALSE(writeDecryptedCapture(in.pcap, in.keys, in.out, Deadline::in(Seconds(60)), why));
    EXPECT_NE(why.find("editcap"), std::string::npos) << why;
    EXPECT_FALSE(fs::exists(in.out));
  }
  {
    Inputs in("");
    std::string why;
    EXPECT_FALSE(writeDecryptedCapture(in.pcap, in.keys, in.out, Deadline::in(Seconds(60)), why));
    EXPECT_NE(why.find("empty"), std::string::npos) << why;
    EXPECT_FALSE(fs::exists(in.out));
  }
  EXPECT_EQ(leftoverWorkDirs(), 0u);
}

}  // namespace
}  // namespace phonelab::runner
