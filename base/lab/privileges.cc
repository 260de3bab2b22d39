#include "base/lab/privileges.h"

#include <linux/capability.h>
#include <pthread.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <condition_variable>
#include <cstdio>
#include <memory>
#include <mutex>
#include <optional>

#include "base/core/error.h"

namespace phonelab::lab {
namespace {

constexpr int kMaxCap = 63;  // capability numbers fit a 64-bit set; the kernel says where it ends

struct CapSets {
  uint64_t effective = 0, permitted = 0, inheritable = 0;
};

/// The calling thread's capability sets (capget with pid 0 is this thread).
bool capGet(CapSets& out) {
  __user_cap_header_struct hdr{_LINUX_CAPABILITY_VERSION_3, 0};
  __user_cap_data_struct data[2] = {};
  if (::syscall(SYS_capget, &hdr, data) != 0) return false;
  const auto join = [](uint32_t lo, uint32_t hi) { return uint64_t{lo} | (uint64_t{hi} << 32); };
  out.effective = join(data[0].effective, data[1].effective);
  out.permitted = join(data[0].permitted, data[1].permitted);
  out.inheritable = join(data[0].inheritable, data[1].inheritable);
  return true;
}

/// Empties the calling thread's effective, permitted and inheritable sets (lowering is always
/// allowed).
bool capClear() {
  __user_cap_header_struct hdr{_LINUX_CAPABILITY_VERSION_3, 0};
  __user_cap_data_struct data[2] = {};
  return ::syscall(SYS_capset, &hdr, data) == 0;
}

[[noreturn]] void fail(const std::string& who, const std::string& call, int err) {
  throw Error(who + ": cannot give up root in its thread: " + sysError(call, err));
}

std::string hex(uint64_t v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(v));
  return buf;
}

}  // namespace

const SystemUser& unprivilegedThreadUser() {
  static const std::optional<SystemUser> user = findSystemUser(kToolAccount);
  if (!user)
    throw Error(std::string("there is no account '") + kToolAccount +
                "' for the fakes' threads to run as");
  if (user->uid <= 0 || user->gid <= 0)
    throw Error("the account 'nobody' has uid " + std::to_string(user->uid) + " and gid " +
                std::to_string(user->gid) + ": not an unprivileged account");
  return *user;
}

ThreadCredentials threadCredentials() {
  ThreadCredentials c;
  // getresuid/getresgid/getgroups only read the calling thread's credentials.
  ::getresuid(&c.ruid, &c.euid, &c.suid);
  ::getresgid(&c.rgid, &c.egid, &c.sgid);
  c.groups = ::getgroups(0, nullptr);
  CapSets s;
  if (capGet(s)) {
    c.effective = s.effective;
    c.permitted = s.permitted;
    c.inheritable = s.inheritable;
  }
  for (int cap = 0; cap <= kMaxCap; ++cap) {
    const int in = ::prctl(PR_CAPBSET_READ, cap, 0, 0, 0);
    if (in < 0) break;  // past the kernel's last capability
    if (in == 1) c.bounding |= uint64_t{1} << cap;
    if (::prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_IS_SET, cap, 0, 0) == 1)
      c.ambient |= uint64_t{1} << cap;
  }
  c.no_new_privs = ::prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) == 1;
  return c;
}

void dropThreadPrivileges(const std::string& who) {
  const SystemUser& user = unprivilegedThreadUser();
  const ThreadCredentials before = threadCredentials();
  const bool root = before.ruid == 0 || before.euid == 0 || before.suid == 0;
  constexpr uint64_t kSetpcap = uint64_t{1} << CAP_SETPCAP;
  // Raw system calls throughout: glibc's wrappers of setgroups, setresgid and setresuid change
  // every thread of the process.
  if (root || (before.effective & kSetpcap)) {
    // The bounding set first: dropping from it needs CAP_SETPCAP, which goes with the uid.
    for (int cap = 0; cap <= kMaxCap; ++cap) {
      if (::prctl(PR_CAPBSET_READ, cap, 0, 0, 0) < 0) break;
      if (::prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) != 0) fail(who, "prctl(PR_CAPBSET_DROP)", errno);
    }
  }
  if (root) {
    if (::syscall(SYS_setgroups, 0, nullptr) != 0) fail(who, "setgroups", errno);
    if (::syscall(SYS_setresgid, user.gid, user.gid, user.gid) != 0)
      fail(who, "setresgid(" + std::to_string(user.gid) + ")", errno);
    // With SECBIT_KEEP_CAPS off (the default), leaving uid 0 empties the permitted, effective
    // and ambient sets.
    if (::syscall(SYS_setresuid, user.uid, user.uid, user.uid) != 0)
      fail(who, "setresuid(" + user.name + ")", errno);
  }
  if (::prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) != 0)
    fail(who, "prctl(PR_CAP_AMBIENT_CLEAR_ALL)", errno);
  if (!capClear()) fail(who, "capset", errno);
  if (::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) fail(who, "prctl(PR_SET_NO_NEW_PRIVS)", errno);

  // Trust nothing: the thread must now hold no uid 0 and no capability.
  const ThreadCredentials after = threadCredentials();
  std::string left;
  if (after.ruid == 0 || after.euid == 0 || after.suid == 0) left += " uid 0;";
  if (root &&
      (after.euid != static_cast<uid_t>(user.uid) || after.egid != static_cast<gid_t>(user.gid) ||
       after.rgid == 0 || after.sgid == 0 || after.groups != 0 || after.bounding != 0))
    left += " not fully " + user.name + ";";
  if (after.effective != 0 || after.permitted != 0 || after.inheritable != 0 || after.ambient != 0)
    left += " capabilities " + hex(after.effective | after.permitted | after.inheritable) + ";";
  if (!after.no_new_privs) left += " no_new_privs unset;";
  if (!left.empty()) {
    left.pop_back();
    throw Error(who + ": cannot give up root in its thread: still holds" + left);
  }
}

std::thread startUnprivilegedThread(const std::string& name, std::function<void()> body,
                                    std::function<void()> prepare) {
  (void)unprivilegedThreadUser();  // looked up here, before any thread drops (throws if none)
  struct Start {
    std::mutex mu;
    std::condition_variable cv;
    bool done = false;
    std::string error;
  };
  auto start = std::make_shared<Start>();
  std::thread t([start, name, body = std::move(body), prepare = std::move(prepare)] {
    std::string error;
    try {
      // Only the thread's name: ps and /proc/<pid>/task/<tid>/comm show it.
      ::pthread_setname_np(::pthread_self(), name.substr(0, 15).c_str());
      if (prepare) prepare();
      dropThreadPrivileges(name);
    } catch (const std::exception& e) {
      error = e.what();
    }
    {
      std::lock_guard lock(start->mu);
      start->error = error;
      start->done = true;
    }
    start->cv.notify_all();
    if (error.empty()) body();
  });
  std::string error;
  {
    // No deadline needed: the thread sets `done` after a few system calls and nothing that waits.
    std::unique_lock lock(start->mu);
    start->cv.wait(lock, [&] { return start->done; });
    error = start->error;
  }
  if (!error.empty()) {
    t.join();
    throw Error(error);
  }
  return t;
}

}  // namespace phonelab::lab
