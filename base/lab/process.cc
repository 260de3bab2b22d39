#include "base/lab/process.h"

#include <fcntl.h>
#include <grp.h>
#include <linux/capability.h>
#include <poll.h>
#include <pwd.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "base/core/error.h"
#include "base/core/safe_fs.h"
#include "base/lab/netns.h"
#include "base/lab/spawn.h"

extern char** environ;

namespace phonelab::lab {
namespace {

/// Closes an fd on scope exit.
struct Fd {
  int fd = -1;
  Fd() = default;
  explicit Fd(int f) : fd(f) {}
  ~Fd() { reset(); }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  void reset(int f = -1) {
    if (fd >= 0) ::close(fd);
    fd = f;
  }
  int release() {
    int f = fd;
    fd = -1;
    return f;
  }
};

/// What the child reports through the error pipe when a step before (or the) exec fails.
enum Stage : int { kPdeathsig, kSetns, kSetpgid, kDup, kChdir, kExec, kCreds };
struct ChildFailure {
  int stage = 0;
  int err = 0;
};

[[noreturn]] void childFail(int pipe_fd, Stage stage) {
  ChildFailure f{stage, errno};
  ssize_t n = ::write(pipe_fd, &f, sizeof f);
  (void)n;
  ::_exit(127);
}

/// In the forked child (async-signal-safe calls only): becomes uid/gid keeping only the
/// capabilities in `caps` (bit n = capability n), also as ambient capabilities so that they
/// survive exec, and can never gain more (bounding set, no_new_privs).
bool dropPrivileges(int uid, int gid, uint64_t caps) {
  for (int c = 0; c < 64; ++c) {
    if (caps & (uint64_t{1} << c)) continue;
    if (::prctl(PR_CAPBSET_DROP, c, 0, 0, 0) != 0 && errno != EINVAL) return false;
  }
  if (::prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) != 0) return false;
  if (::setgroups(0, nullptr) != 0) return false;
  if (::setresgid(gid, gid, gid) != 0) return false;
  if (::setresuid(uid, uid, uid) != 0) return false;
  __user_cap_header_struct hdr{_LINUX_CAPABILITY_VERSION_3, 0};
  __user_cap_data_struct data[2] = {};
  for (int i = 0; i < 2; ++i) {
    const auto word = static_cast<uint32_t>(caps >> (32 * i));
    data[i].effective = data[i].permitted = data[i].inheritable = word;
  }
  if (::syscall(SYS_capset, &hdr, data) != 0) return false;
  for (int c = 0; c < 64; ++c) {
    if ((caps & (uint64_t{1} << c)) && ::prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, c, 0, 0) != 0)
      return false;
  }
  return ::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == 0;
}

bool dupTo(int from, int to) {
  if (from == to) return ::fcntl(to, F_SETFD, 0) == 0;  // keep it across exec
  return ::dup2(from, to) == to;
}

std::string displayName(const ProcessSpec& spec) {
  if (!spec.name.empty()) return spec.name;
  return spec.argv.empty() ? std::string("process") : spec.argv[0];
}

std::string stageText(const ProcessSpec& spec, int stage) {
  switch (stage) {
    case kPdeathsig:
      return "prctl(PR_SET_PDEATHSIG)";
    case kSetns:
      return "setns " + (spec.netns.empty() ? "fd " + std::to_string(spec.netns_fd) : spec.netns);
    case kSetpgid:
      return "setpgid";
    case kDup:
      return "dup2";
    case kChdir:
      return "chdir " + spec.cwd;
    case kExec:
      return "execvp " + spec.argv[0];
    case kCreds:
      return "dropping privileges to uid " + std::to_string(spec.uid);
    default:
      return "stage " + std::to_string(stage);
  }
}

/// Waits (poll on the pidfd) until the child exits or the deadline passes; reaps it.
std::optional<int> waitPidfd(int pid, int pidfd, Deadline deadline) {
  for (;;) {
    int status = 0;
    pid_t r = ::waitpid(pid, &status, WNOHANG);
    if (r == pid) return status;
    if (r < 0 && errno != EINTR) {
      // ECHILD: someone else reaped it; we cannot know the status.
      if (errno == ECHILD) return 0;
      throw Error(sysError("waitpid " + std::to_string(pid), errno));
    }
    if (deadline.expired()) return std::nullopt;
    pollfd p{pidfd, POLLIN, 0};
    int n = ::poll(&p, 1, std::max(1, deadline.remainingMs()));
    if (n < 0 && errno != EINTR) throw Error(sysError("poll pidfd", errno));
  }
}

std::string tail(const std::string& s, size_t n) {
  if (s.size() <= n) return s;
  return "..." + s.substr(s.size() - n);
}

}  // namespace

namespace detail {

int openPidfd(int pid) {
  long fd = ::syscall(SYS_pidfd_open, pid, 0);
  if (fd < 0) throw Error(sysError("pidfd_open " + std::to_string(pid), errno));
  ::fcntl(static_cast<int>(fd), F_SETFD, FD_CLOEXEC);
  return static_cast<int>(fd);
}

int spawn(const ProcessSpec& spec, int out_fd, int err_fd) {
  const std::string who = displayName(spec);
  if (spec.argv.empty()) throw Error("cannot start " + who + ": empty command line");

  // Everything the child needs is prepared here: after fork only async-signal-safe calls.
  std::vector<char*> argv;
  for (const auto& a : spec.argv) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);

  std::vector<std::string> env_strings;
  for (char** e = environ; e && *e; ++e) {
    std::string entry(*e);
    auto eq = entry.find('=');
    std::string key = entry.substr(0, eq);
    if (spec.env.count(key) || key == kRunEnv) continue;
    env_strings.push_back(std::move(entry));
  }
  for (const auto& [k, v] : spec.env) env_strings.push_back(k + "=" + v);
  // The run's mark: descendants inherit it, so they can be found after the harness died.
  if (const std::string token = currentRunToken(); !token.empty())
    env_strings.push_back(std::string(kRunEnv) + "=" + token);
  std::vector<char*> envp;
  envp.reserve(env_strings.size() + 1);
  for (auto& s : env_strings) envp.push_back(s.data());
  envp.push_back(nullptr);

  Fd ns_fd;
  if (!spec.netns.empty()) {
    std::string path = "/run/netns/" + spec.netns;
    ns_fd.reset(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (ns_fd.fd < 0) throw Error("cannot start " + who + ": " + sysError("open " + path, errno));
  }
  const int child_ns = ns_fd.fd >= 0 ? ns_fd.fd : spec.netns_fd;
  Fd devnull(::open("/dev/null", O_RDWR | O_CLOEXEC));
  if (devnull.fd < 0) throw Error(sysError("open /dev/null", errno));
  Fd log_fd;
  if ((out_fd < 0 || err_fd < 0) && !spec.log_path.empty()) {
    log_fd.reset(::open(spec.log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600));
    if (log_fd.fd < 0)
      throw Error("cannot start " + who + ": " + sysError("open " + spec.log_path, errno));
  }
  const int default_out = log_fd.fd >= 0 ? log_fd.fd : devnull.fd;
  const int child_out = out_fd >= 0 ? out_fd : default_out;
  const int child_err = err_fd >= 0 ? err_fd : default_out;
  const char* cwd = spec.cwd.empty() ? nullptr : spec.cwd.c_str();

  uint64_t cap_mask = 0;
  for (int c : spec.caps) {
    if (c < 0 || c > 63)
      throw Error("cannot start " + who + ": no capability " + std::to_string(c));
    cap_mask |= uint64_t{1} << c;
  }
  if (spec.uid >= 0 && spec.gid < 0) throw Error("cannot start " + who + ": a uid without a gid");

  int errpipe[2];
  if (::pipe2(errpipe, O_CLOEXEC) != 0) throw Error(sysError("pipe2", errno));
  Fd err_r(errpipe[0]), err_w(errpipe[1]);

  const pid_t parent = ::getpid();
  pid_t pid = ::fork();
  if (pid < 0) throw Error("cannot start " + who + ": " + sysError("fork", errno));
  if (pid == 0) {
    // Child.
    const int ew = err_w.fd;
    if (::prctl(PR_SET_PDEATHSIG, SIGKILL) != 0) childFail(ew, kPdeathsig);
    if (::getppid() != parent) ::_exit(127);  // the harness died before prctl took effect
    sigset_t none;
    sigemptyset(&none);
    // The child has one thread (between clone and exec): sigprocmask is what it has.
    ::sigprocmask(SIG_SETMASK, &none, nullptr);  // NOLINT(concurrency-mt-unsafe)
    for (int sig : {SIGPIPE, SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGCHLD}) ::signal(sig, SIG_DFL);
    if (child_ns >= 0 && ::setns(child_ns, CLONE_NEWNET) != 0) childFail(ew, kSetns);
    if (::setpgid(0, 0) != 0) childFail(ew, kSetpgid);
    if (!dupTo(devnull.fd, 0) || !dupTo(child_out, 1) || !dupTo(child_err, 2)) childFail(ew, kDup);
    if (cwd && ::chdir(cwd) != 0) childFail(ew, kChdir);
    if (spec.uid >= 0 && !dropPrivileges(spec.uid, spec.gid, cap_mask)) childFail(ew, kCreds);
    // The death signal is cleared when the credentials change: set it again.
    if (spec.uid >= 0 && ::prctl(PR_SET_PDEATHSIG, SIGKILL) != 0) childFail(ew, kPdeathsig);
    if (::getppid() != parent) ::_exit(127);
    // Nothing else of the harness leaks into the program (the error pipe is CLOEXEC already).
    ::syscall(SYS_close_range, 3U, ~0U, 4U /* CLOSE_RANGE_CLOEXEC */);
    ::execvpe(argv[0], argv.data(), envp.data());
    childFail(ew, kExec);
  }

  // Parent: EOF on the pipe means exec succeeded.
  err_w.reset();
  ChildFailure f;
  ssize_t n;
  do {
    n = ::read(err_r.fd, &f, sizeof f);
  } while (n < 0 && errno == EINTR);
  if (n == static_cast<ssize_t>(sizeof f)) {
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    throw Error("cannot start " + who + ": " + stageText(spec, f.stage) + ": " + errnoText(f.err));
  }
  return pid;
}

Captured runCaptured(const ProcessSpec& spec, Deadline deadline, bool merge) {
  int p[2];
  if (::pipe2(p, O_CLOEXEC | O_NONBLOCK) != 0) throw Error(sysError("pipe2", errno));
  Fd out_r(p[0]), out_w(p[1]);
  Fd err_r, err_w;
  if (!merge) {
    if (::pipe2(p, O_CLOEXEC | O_NONBLOCK) != 0) throw Error(sysError("pipe2", errno));
    err_r.reset(p[0]);
    err_w.reset(p[1]);
  }
  // The child's ends must block (O_NONBLOCK is shared through the open file description).
  ::fcntl(out_w.fd, F_SETFL, 0);
  if (!merge) ::fcntl(err_w.fd, F_SETFL, 0);

  const int pid = spawn(spec, out_w.fd, merge ? out_w.fd : err_w.fd);
  out_w.reset();
  err_w.reset();
  Fd pidfd(openPidfd(pid));

  Captured result;
  std::optional<int> status;
  auto drain = [](Fd& fd, std::string& into) {
    char buf[4096];
    for (;;) {
      ssize_t n = ::read(fd.fd, buf, sizeof buf);
      if (n > 0) {
        into.append(buf, static_cast<size_t>(n));
        continue;
      }
      if (n == 0) fd.reset();  // EOF
      if (n < 0 && errno == EINTR) continue;
      return;  // EAGAIN or error
    }
  };
  while (!status || (out_r.fd >= 0 || err_r.fd >= 0)) {
    if (status) {
      // Exited: whatever it wrote is in the pipes; a grandchild holding them must not stall us.
      if (out_r.fd >= 0) drain(out_r, result.out);
      if (err_r.fd >= 0) drain(err_r, result.err);
      break;
    }
    if (deadline.expired()) {
      ::kill(-pid, SIGKILL);
      ::kill(pid, SIGKILL);
      int st = 0;
      while (::waitpid(pid, &st, 0) < 0 && errno == EINTR) {
      }
      if (out_r.fd >= 0) drain(out_r, result.out);
      throw Error(displayName(spec) + " did not finish in time and was killed; output: " +
                  tail(result.out + result.err, 2000));
    }
    pollfd fds[3];
    nfds_t nf = 0;
    fds[nf++] = {pidfd.fd, POLLIN, 0};
    if (out_r.fd >= 0) fds[nf++] = {out_r.fd, POLLIN, 0};
    if (err_r.fd >= 0) fds[nf++] = {err_r.fd, POLLIN, 0};
    int n = ::poll(fds, nf, std::max(1, deadline.remainingMs()));
    if (n < 0 && errno != EINTR) throw Error(sysError("poll", errno));
    if (out_r.fd >= 0) drain(out_r, result.out);
    if (err_r.fd >= 0) drain(err_r, result.err);
    int st = 0;
    if (::waitpid(pid, &st, WNOHANG) == pid) status = st;
  }
  if (!status) status = waitPidfd(pid, pidfd.fd, Deadline::in(Seconds(0)));
  result.status = status.value_or(0);
  return result;
}

}  // namespace detail

std::optional<SystemUser> findSystemUser(const std::string& name) {
  std::vector<char> buf(16384);
  passwd pw{};
  passwd* found = nullptr;
  if (::getpwnam_r(name.c_str(), &pw, buf.data(), buf.size(), &found) != 0 || !found)
    return std::nullopt;
  return SystemUser{name, static_cast<int>(pw.pw_uid), static_cast<int>(pw.pw_gid)};
}

std::string unreachableFolder(const std::string& dir, const SystemUser& user) {
  std::filesystem::path p = std::filesystem::absolute(dir).parent_path();
  for (;;) {
    struct stat st {};
    if (::stat(p.c_str(), &st) != 0) return p.string();
    const bool ok = static_cast<int>(st.st_uid) == user.uid   ? (st.st_mode & S_IXUSR)
                    : static_cast<int>(st.st_gid) == user.gid ? (st.st_mode & S_IXGRP)
                                                              : (st.st_mode & S_IXOTH);
    if (!ok) return p.string();
    if (p == p.root_path() || p.parent_path() == p) return "";
    p = p.parent_path();
  }
}

std::optional<SystemUser> daemonUser(const std::string& account, const std::string& work_dir,
                                     std::string& why) {
  auto user = findSystemUser(account);
  if (!user) {
    why = "there is no account " + account + " (lab/install-deps.sh creates it)";
    return std::nullopt;
  }
  if (auto blocked = unreachableFolder(work_dir, *user); !blocked.empty()) {
    why = "the account " + account + " cannot reach " + work_dir + " (" + blocked +
          " is not searchable by it)";
    return std::nullopt;
  }
  return user;
}

std::optional<SystemUser> toolUser() {
  return findSystemUser(kToolAccount);
}

void runAs(ProcessSpec& spec, const SystemUser& user) {
  spec.uid = user.uid;
  spec.gid = user.gid;
  spec.caps.clear();
}

void giveTo(const std::string& path, const SystemUser& user, unsigned mode) {
  // Never through a link: these paths are in folders the harness made.
  int fd = ::open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) throw Error(sysError("open " + path, errno));
  struct stat st {};
  if (::fstat(fd, &st) != 0 || (S_ISREG(st.st_mode) && st.st_nlink != 1)) {
    ::close(fd);
    // A hard link to a file elsewhere (planted by the account itself) must not change hands.
    throw Error("cannot give " + path + " to " + user.name + ": not a file of its own");
  }
  const bool ok = ::fchown(fd, static_cast<uid_t>(user.uid), static_cast<gid_t>(user.gid)) == 0 &&
                  ::fchmod(fd, mode) == 0;
  const int err = errno;
  ::close(fd);
  if (!ok) throw Error(sysError("cannot give " + path + " to " + user.name, err));
}

void giveTreeTo(const std::string& dir, const SystemUser& user) {
  giveTo(dir, user, 0700);
  std::error_code ec;
  for (auto it = std::filesystem::recursive_directory_iterator(dir, ec);
       !ec && it != std::filesystem::recursive_directory_iterator(); it.increment(ec)) {
    const auto type = it->symlink_status(ec).type();
    if (type == std::filesystem::file_type::directory)
      giveTo(it->path().string(), user, 0700);
    else if (type == std::filesystem::file_type::regular)
      giveTo(it->path().string(), user, 0600);
    // Links and anything else are left as they are (never followed).
  }
  if (ec) throw Error("cannot give " + dir + " to " + user.name + ": " + ec.message());
}

bool RunResult::ok() const {
  return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

RunResult runToCompletion(const ProcessSpec& spec, Deadline deadline) {
  auto c = detail::runCaptured(spec, deadline, /*merge=*/true);
  return RunResult{c.status, std::move(c.out)};
}

Process::Process(ProcessSpec spec) : spec_(std::move(spec)) {
  pid_ = detail::spawn(spec_, -1, -1);
  try {
    pidfd_ = detail::openPidfd(pid_);
  } catch (...) {
    ::kill(-pid_, SIGKILL);
    ::kill(pid_, SIGKILL);
    int st = 0;
    ::waitpid(pid_, &st, 0);
    throw;
  }
}

Process::~Process() {
  try {
    stop(Seconds(3));
  } catch (...) {
    // A destructor must not throw; the child has PDEATHSIG as the last resort.
  }
  if (pidfd_ >= 0) ::close(pidfd_);
}

bool Process::running() {
  if (status_) return false;
  int st = 0;
  pid_t r = ::waitpid(pid_, &st, WNOHANG);
  if (r == pid_) {
    status_ = st;
    return false;
  }
  return true;
}

std::optional<int> Process::wait(Deadline deadline) {
  if (status_) return status_;
  auto st = waitPidfd(pid_, pidfd_, deadline);
  if (st) status_ = st;
  return st;
}

void Process::signal(int sig) {
  if (status_ || pid_ <= 0) return;
  // The pidfd addresses exactly our child even if it has exited and not been reaped yet.
  if (::syscall(SYS_pidfd_send_signal, pidfd_, sig, nullptr, 0) != 0 && errno != ESRCH)
    throw Error(sysError("signal " + name(), errno));
}

int Process::stop(Seconds grace) {
  if (status_) return *status_;
  if (pid_ <= 0) return 0;
  signal(SIGTERM);
  if (auto st = wait(Deadline::in(grace))) return *st;
  // Still there: kill its whole process group (it leads one), then reap. The group cannot have
  // been reused: the leader is our unreaped child.
  ::kill(-pid_, SIGKILL);
  signal(SIGKILL);
  auto st = wait(Deadline::in(Seconds(10)));
  if (!st) throw Error(name() + " (pid " + std::to_string(pid_) + ") survived SIGKILL");
  return *st;
}

std::string Process::describeStatus(int status) {
  if (WIFEXITED(status)) return "exited with status " + std::to_string(WEXITSTATUS(status));
  if (WIFSIGNALED(status)) {
    const char* abbrev = ::sigabbrev_np(WTERMSIG(status));
    std::string out = "killed by " + (abbrev ? "SIG" + std::string(abbrev)
                                             : "signal " + std::to_string(WTERMSIG(status)));
    if (WCOREDUMP(status)) out += " (core dumped)";
    return out;
  }
  return "wait status " + std::to_string(status);
}

}  // namespace phonelab::lab
