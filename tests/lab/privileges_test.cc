// The threads that parse the phone's traffic give up root in themselves only: a thread started
// with lab::startUnprivilegedThread runs as nobody with no capability and no_new_privs (the kernel
// says so in /proc), cannot open a root-only file, open a raw socket or become root again, while
// the thread that started it stays root with its capabilities. A thread that cannot give up root
// never runs its body.

#include <fcntl.h>
#include <gtest/gtest.h>
#include <linux/capability.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <fstream>
#include <future>
#include <sstream>
#include <string>

#include "base/core/error.h"
#include "base/lab/privileges.h"
#include "lab_util.h"

using namespace phonelab;
using namespace phonelab::lab;

namespace {

std::string readText(const std::string& path) {
  std::ifstream in(path);
  return {std::istreambuf_iterator<char>(in), {}};
}

/// The value of "Name:" in a /proc status file, tabs and spaces as the kernel writes them.
std::string statusField(const std::string& status, const std::string& name) {
  std::istringstream in(status);
  for (std::string line; std::getline(in, line);) {
    if (line.rfind(name + ":", 0) == 0) {
      std::string v = line.substr(name.size() + 1);
      while (!v.empty() && (v.front() == '\t' || v.front() == ' ')) v.erase(0, 1);
      return v;
    }
  }
  return "";
}

/// Empties the calling thread's capability sets while it keeps uid 0.
void clearCapsKeepingRoot() {
  __user_cap_header_struct hdr{_LINUX_CAPABILITY_VERSION_3, 0};
  __user_cap_data_struct data[2] = {};
  if (::syscall(SYS_capset, &hdr, data) != 0) throw Error(sysError("capset", errno));
}

// A hang guard on waiting for the other thread, not a speed claim.
constexpr auto kHangGuard = std::chrono::seconds(60);

}  // namespace

TEST(ThreadPrivileges, OnlyTheStartedThreadBecomesNobodyWithoutCapabilities) {
  PHL_REQUIRE_ROOT();
  const SystemUser& nobody = unprivilegedThreadUser();
  labtest::TempDir dir;
  const std::string secret = dir / "secret";
  {
    std::ofstream(secret) << "root only\n";
    ::chmod(secret.c_str(), 0600);
  }
  struct Seen {
    long tid = 0;
    ThreadCredentials creds;
    std::string self_status;
    int open_errno = 0, raw_errno = 0, setuid_errno = 0;
  } seen;
  std::promise<void> checked, release;
  auto release_f = release.get_future();
  std::thread t = startUnprivilegedThread("phl-test", [&] {
    seen.tid = ::syscall(SYS_gettid);
    seen.creds = threadCredentials();
    seen.self_status = readText("/proc/thread-self/status");
    int fd = ::open(secret.c_str(), O_RDONLY | O_CLOEXEC);
    seen.open_errno = fd < 0 ? errno : 0;
    if (fd >= 0) ::close(fd);
    int raw = ::socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0);
    seen.raw_errno = raw < 0 ? errno : 0;
    if (raw >= 0) ::close(raw);
    seen.setuid_errno = ::syscall(SYS_setresuid, 0, 0, 0) != 0 ? errno : 0;
    checked.set_value();
    release_f.wait_for(kHangGuard);
  });
  if (checked.get_future().wait_for(kHangGuard) != std::future_status::ready) {
    ADD_FAILURE() << "the thread never ran its body";
    release.set_value();
    t.join();
    return;
  }

  // In the thread, as it sees itself.
  const auto uid = static_cast<uid_t>(nobody.uid);
  const auto gid = static_cast<gid_t>(nobody.gid);
  EXPECT_EQ(seen.creds.ruid, uid);
  EXPECT_EQ(seen.creds.euid, uid);
  EXPECT_EQ(seen.creds.suid, uid);
  EXPECT_EQ(seen.creds.rgid, gid);
  EXPECT_EQ(seen.creds.egid, gid);
  EXPECT_EQ(seen.creds.sgid, gid);
  EXPECT_EQ(seen.creds.groups, 0);
  EXPECT_EQ(seen.creds.effective, 0u);
  EXPECT_EQ(seen.creds.permitted, 0u);
  EXPECT_EQ(seen.creds.inheritable, 0u);
  EXPECT_EQ(seen.creds.ambient, 0u);
  EXPECT_EQ(seen.creds.bounding, 0u);
  EXPECT_TRUE(seen.creds.no_new_privs);
  EXPECT_EQ(statusField(seen.self_status, "CapEff"), "0000000000000000");
  EXPECT_EQ(statusField(seen.self_status, "CapPrm"), "0000000000000000");
  EXPECT_EQ(seen.open_errno, EACCES) << "the thread opened a root-only file";
  EXPECT_EQ(seen.raw_errno, EPERM) << "the thread opened a raw socket";
  EXPECT_EQ(seen.setuid_errno, EPERM) << "the thread became root again";

  // The thread as the kernel shows it to others (ps, the e2e test).
  const std::string task = "/proc/self/task/" + std::to_string(seen.tid);
  const std::string status = readText(task + "/status");
  const std::string ids = std::to_string(uid) + "\t" + std::to_string(uid) + "\t" +
                          std::to_string(uid) + "\t" + std::to_string(uid);
  EXPECT_EQ(statusField(status, "Uid"), ids);
  EXPECT_EQ(statusField(status, "CapEff"), "0000000000000000");
  EXPECT_EQ(statusField(status, "CapBnd"), "0000000000000000");
  EXPECT_EQ(statusField(status, "NoNewPrivs"), "1");
  EXPECT_EQ(readText(task + "/comm"), "phl-test\n");

  // This thread, meanwhile, is still root with its capabilities.
  const ThreadCredentials me = threadCredentials();
  EXPECT_EQ(me.euid, 0u);
  EXPECT_NE(me.effective & (uint64_t{1} << CAP_NET_RAW), 0u);
  EXPECT_FALSE(me.no_new_privs);
  int fd = ::open(secret.c_str(), O_RDONLY | O_CLOEXEC);
  EXPECT_GE(fd, 0);
  if (fd >= 0) ::close(fd);
  EXPECT_EQ(statusField(readText("/proc/thread-self/status"), "Uid"), "0\t0\t0\t0");

  release.set_value();
  t.join();
}

TEST(ThreadPrivileges, RootThatCannotLeaveNeverRunsTheBody) {
  PHL_REQUIRE_ROOT();
  // uid 0 without the capabilities to change it: the drop must fail, not go on as root.
  std::atomic<bool> ran{false};
  try {
    std::thread t = startUnprivilegedThread(
        "phl-stuck", [&] { ran = true; }, [] { clearCapsKeepingRoot(); });
    t.join();
    ADD_FAILURE() << "the thread was started although it is still root";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("phl-stuck: cannot give up root"), std::string::npos)
        << e.what();
  }
  EXPECT_FALSE(ran.load());

  // The same, called directly in a thread: an Error, and the thread is still uid 0.
  std::string error;
  uid_t euid_after = 1;
  std::thread direct([&] {
    try {
      clearCapsKeepingRoot();
      dropThreadPrivileges("direct");
    } catch (const Error& e) {
      error = e.what();
    }
    euid_after = threadCredentials().euid;
  });
  direct.join();
  EXPECT_NE(error.find("direct: cannot give up root"), std::string::npos) << error;
  EXPECT_EQ(euid_after, 0u);
}

TEST(ThreadPrivileges, AFailingPrepareStopsTheThread) {
  PHL_REQUIRE_ROOT();
  std::atomic<bool> ran{false};
  EXPECT_THROW(startUnprivilegedThread(
                   "phl-prep", [&] { ran = true; }, [] { throw Error("prepare failed"); }),
               Error);
  EXPECT_FALSE(ran.load());
}
