#include "base/lab/daemon.h"

#include <fcntl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "base/core/error.h"
#include "base/core/event.h"
#include "base/core/safe_fs.h"

namespace phonelab::lab {
namespace fs = std::filesystem;

std::string fileTail(const std::string& path, size_t n) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  std::string s = ss.str();
  return s.size() <= n ? s : "..." + s.substr(s.size() - n);
}

int connectUnix(const std::string& path) {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (path.size() >= sizeof addr.sun_path) {
    errno = ENAMETOOLONG;
    return -1;
  }
  std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
  int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    int err = errno;
    ::close(fd);
    errno = err;
    return -1;
  }
  return fd;
}

DaemonFolder prepareDaemonFolder(const std::string& name, const std::string& work_dir,
                                 const std::string& account,
                                 const std::function<std::string(const std::string&)>& socket_of,
                                 EventLog& log) {
  namespace fs = std::filesystem;
  if (work_dir.empty()) throw Error(name + ": no work_dir");
  std::error_code ec;
  fs::create_directories(work_dir, ec);
  if (ec) throw Error(name + ": cannot create " + work_dir + ": " + ec.message());
  DaemonFolder d;
  d.work_dir = fs::absolute(work_dir).string();
  d.socket = socket_of(d.work_dir);
  if (d.socket.size() >= sizeof(sockaddr_un::sun_path))
    throw Error(name + ": control socket path too long for a unix socket: " + d.socket);
  fs::remove(d.socket, ec);  // a stale socket from an earlier run would look ready
  std::string why_root;
  d.user = daemonUser(account, d.work_dir, why_root);
  if (d.user) {
    giveTo(d.work_dir, *d.user, 0700);
    if (fs::path(d.socket).parent_path() != fs::path(d.work_dir))
      giveTo(fs::path(d.socket).parent_path().string(), *d.user, 0700);
  } else {
    log.emit("harness", "harness.warning", {{"what", name}}, name + " runs as root: " + why_root);
  }
  return d;
}

ProcessSpec daemonSpec(const DaemonFolder& folder, std::string name, std::vector<std::string> argv,
                       const std::string& netns, const std::string& log_path,
                       std::vector<int> caps) {
  ProcessSpec s;
  s.name = std::move(name);
  s.argv = std::move(argv);
  s.netns = netns;
  s.log_path = log_path;
  s.cwd = folder.work_dir;
  if (folder.user) {
    runAs(s, *folder.user);
    s.caps = std::move(caps);
  }
  return s;
}

void writeDaemonFile(const std::string& name, const DaemonFolder& folder, const std::string& path,
                     const std::string& content) {
  {
    std::ofstream out = openOutput(path, 0600, std::ios::out);
    out << content;
    if (!out) throw Error(name + ": cannot write " + path);
  }
  if (folder.user) giveTo(path, *folder.user, 0600);
}

void checkDaemonConfig(const std::string& name, const ProcessSpec& check, const std::string& config,
                       Seconds timeout) {
  auto r = runToCompletion(check, Deadline::in(timeout));
  if (!r.ok()) {
    throw Error(name + " rejected its configuration " + config + " (" +
                Process::describeStatus(r.status) + "): " + r.output);
  }
}

void startDaemon(std::optional<Process>& proc, const ProcessSpec& spec,
                 const std::function<bool(std::string& why)>& ready, const std::string& what,
                 const std::string& log_path, Seconds timeout) {
  proc.emplace(spec);
  auto deadline = Deadline::in(timeout);
  std::string why;
  while (!ready(why)) {
    if (auto st = proc->wait(Deadline::in(Seconds(0.02)))) {
      throw Error(spec.name + " " + Process::describeStatus(*st) + " at start; " + log_path + ": " +
                  fileTail(log_path));
    }
    if (deadline.expired()) {
      proc->stop(Seconds(1));
      throw Error(what + " within " + formatSeconds(timeout.count()) +
                  (why.empty() ? "" : " (" + why + ")") + "; " + log_path + ": " +
                  fileTail(log_path));
    }
  }
}

void stopDaemon(Process& proc, EventLog& log, const std::string& name) {
  try {
    const std::string status = Process::describeStatus(proc.stop(Seconds(3)));
    log.emit("harness", "fake.stop", {{"name", name}, {"status", status}},
             name + " stopped: " + status);
  } catch (...) {
    // A destructor must not throw; the process is reaped by stop() or by its own destructor.
  }
}

}  // namespace phonelab::lab
