#include "harness/runner/decrypted_capture.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>
#include <fstream>

#include "base/core/error.h"
#include "base/core/safe_fs.h"
#include "base/lab/netns.h"
#include "base/lab/process.h"
#include "reports/report_folder.h"

namespace phonelab::runner {
namespace fs = std::filesystem;

namespace {

struct Fd {
  int fd = -1;
  explicit Fd(int f) : fd(f) {}
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
};

/// Copies the regular file `from` (never through a link, never a file with other hard links: the
/// folder it is in may belong to the unprivileged account) to a new file `to` with `mode`.
/// Throws Error.
void copyFile(const std::string& from, const std::string& to, mode_t mode) {
  Fd src(::open(from.c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC));
  if (src.fd < 0) throw Error(sysError("cannot open " + from, errno));
  struct stat st {};
  if (::fstat(src.fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_nlink != 1) {
    throw Error("cannot copy " + from + ": not a file of its own");
  }
  Fd dst(createFileNoFollow(to, mode));
  char buf[1 << 16];
  for (;;) {
    ssize_t n = ::read(src.fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw Error(sysError("cannot read " + from, errno));
    if (n == 0) break;
    for (ssize_t off = 0; off < n;) {
      ssize_t w = ::write(dst.fd, buf + off, static_cast<size_t>(n - off));
      if (w < 0 && errno == EINTR) continue;
      if (w < 0) throw Error(sysError("cannot write " + to, errno));
      off += w;
    }
  }
}

/// The private folder, removed whatever happens.
struct WorkDir {
  std::string path;
  ~WorkDir() {
    std::error_code ec;
    if (!path.empty()) fs::remove_all(path, ec);  // links inside are removed, not followed
  }
};

}  // namespace

bool writeDecryptedCapture(const std::string& pcap, const std::string& keylog,
                           const std::string& out, Deadline deadline, std::string& why) {
  std::error_code ec;
  fs::remove(out, ec);
  try {
    if (fs::file_size(keylog, ec) == 0 || ec) {
      why = "the TLS key log " + fs::path(keylog).filename().string() +
            " is empty or missing: no TLS session's keys were logged";
      return false;
    }
    if (!fs::exists(pcap, ec)) {
      why = "there is no capture (" + fs::path(pcap).filename().string() + ")";
      return false;
    }
    WorkDir work;
    work.path = lab::privateRunDir(fs::path(out).parent_path().string(), "decrypt");
    std::string why_not;
    auto user = lab::daemonUser(kEditcapUser, work.path, why_not);
    if (!user) {
      why = "editcap reads bytes the phone chose and is not run as root, but " + why_not;
      return false;
    }
    // Root's folder until its inputs are in, then the account's: it never sees anything else.
    const std::string in_pcap = work.path + "/capture.pcap";
    const std::string in_keys = work.path + "/tls-keys.log";
    const std::string out_tmp = work.path + "/out.pcapng";
    copyFile(pcap, in_pcap, 0600);
    copyFile(keylog, in_keys, 0600);
    lab::giveTreeTo(work.path, *user);

    lab::ProcessSpec spec;
    spec.name = "editcap";
    spec.argv = {"editcap",          "-F",           "pcapng",    "--inject-secrets",
                 "tls,tls-keys.log", "capture.pcap", "out.pcapng"};
    spec.cwd = work.path;
    spec.uid = user->uid;
    spec.gid = user->gid;
    // No capabilities at all (spec.caps empty): it only reads and writes files in its folder.
    auto r = lab::runToCompletion(spec, deadline);
    if (!r.ok()) {
      std::string said = r.output.substr(0, 300);
      while (!said.empty() && (said.back() == '\n' || said.back() == '\r')) said.pop_back();
      why = "editcap " + lab::Process::describeStatus(r.status) + (said.empty() ? "" : ": " + said);
      return false;
    }
    copyFile(out_tmp, out, 0600);
    std::ifstream check(out, std::ios::binary);
    if (!reports::pcapngHasDecryptionSecrets(check)) {
      fs::remove(out, ec);
      why = "editcap's output holds no decryption secrets block";
      return false;
    }
    return true;
  } catch (const std::exception& e) {
    fs::remove(out, ec);
    why = e.what();
    return false;
  }
}

}  // namespace phonelab::runner
