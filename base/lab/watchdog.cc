#include "base/lab/watchdog.h"

#include <fcntl.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include "base/lab/netns.h"

namespace phonelab::lab {
namespace {

namespace fs = std::filesystem;

/// Tokens of the runs that harness `pid` made ("<pid>x<hex>"), from its run folders and namespaces.
std::vector<std::string> tokensOf(int pid) {
  const std::string prefix = std::to_string(pid) + "x";
  std::vector<std::string> tokens;
  auto add = [&](const std::string& token) {
    if (token.size() != prefix.size() + 4 || token.rfind(prefix, 0) != 0) return;
    for (const auto& t : tokens)
      if (t == token) return;
    tokens.push_back(token);
  };
  std::error_code ec;
  for (const auto& e : fs::directory_iterator("/run/phonelab", ec))
    add(e.path().filename().string());
  try {
    for (const auto& ns : listNamespaces()) {
      if (ns.rfind("phl-", 0) != 0) continue;
      add(ns.substr(4, ns.find('-', 4) == std::string::npos ? 0 : ns.find('-', 4) - 4));
    }
  } catch (...) {
  }
  return tokens;
}

[[noreturn]] void watch(int pipe_fd, int harness) {
  // Not in the harness's session or process group: Ctrl-C at the terminal is for the harness.
  ::setsid();
  for (int sig : {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGPIPE}) ::signal(sig, SIG_IGN);
  ::prctl(PR_SET_NAME, "phonelab-wd");
  // Only the pipe and stderr stay open.
  for (int fd = 3; fd < 1024; ++fd)
    if (fd != pipe_fd) ::close(fd);
  int null = ::open("/dev/null", O_RDWR);
  if (null >= 0) {
    ::dup2(null, 0);
    ::dup2(null, 1);
    if (null > 2) ::close(null);
  }
  char buf[64];
  for (;;) {
    ssize_t n = ::read(pipe_fd, buf, sizeof buf);
    if (n == 0) break;
    if (n < 0 && errno != EINTR) break;
  }
  // The harness is gone (its write end closed with it). On a normal exit it removed everything
  // itself and this finds nothing.
  for (const auto& token : tokensOf(harness)) {
    std::string errors;
    auto removed = cleanupRun(token, errors);
    if (!removed.empty()) {
      std::string line = "phonelab: the harness (pid " + std::to_string(harness) +
                         ") ended without cleaning up; its watchdog removed:";
      for (const auto& r : removed) line += " " + r + ";";
      line += "\n";
      ssize_t w = ::write(2, line.data(), line.size());
      (void)w;
    }
    if (!errors.empty()) {
      std::string line = "phonelab: watchdog: " + errors + "\n";
      ssize_t w = ::write(2, line.data(), line.size());
      (void)w;
    }
  }
  ::_exit(0);
}

}  // namespace

bool startWatchdog() {
  int p[2];
  if (::pipe2(p, O_CLOEXEC) != 0) return false;
  const int harness = ::getpid();
  pid_t pid = ::fork();
  if (pid < 0) {
    ::close(p[0]);
    ::close(p[1]);
    return false;
  }
  if (pid == 0) {
    ::close(p[1]);
    watch(p[0], harness);
  }
  // The harness keeps the write end open until it dies; CLOEXEC (and spawn's close_range) keep
  // it out of the programs it starts, so only the harness's own death closes it.
  ::close(p[0]);
  return true;
}

}  // namespace phonelab::lab
