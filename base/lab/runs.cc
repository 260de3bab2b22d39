// The run-wide half of netns.h: this run's token and folders under /run/phonelab, and the cleanup
// of what dead runs left (their namespaces, processes and folders). The namespaces and segments
// themselves are in netns.cc.
#include "base/lab/netns.h"

#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>
#include <sstream>

#include "base/core/error.h"
#include "base/lab/spawn.h"

namespace phonelab::lab {
namespace {

namespace fs = std::filesystem;

const char* kRunDir = "/run/phonelab";

/// SIGKILLs the processes marked with the run's token (kRunEnv); their descriptions.
std::vector<std::string> killRunProcesses(const std::string& token);
/// A run folder without an owner file whose pid is a phonelab still starting up (it writes the
/// owner file right after creating the folder).
bool startingUp(const std::string& token);

/// Process start time (field 22 of /proc/<pid>/stat), or "" if there is no such process.
std::string startTimeOf(int pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  if (!std::getline(in, line)) return "";
  auto close = line.rfind(')');
  if (close == std::string::npos) return "";
  std::istringstream rest(line.substr(close + 1));
  std::string field;
  // After ") " comes field 3 (state); field 22 is the 20th from there.
  for (int i = 3; i <= 22; ++i) {
    if (!(rest >> field)) return "";
  }
  return field;
}

/// Is the run that owns this token still alive (owner file present, pid alive, same start time)?
bool ownerAlive(const std::string& token) {
  std::ifstream in(std::string(kRunDir) + "/" + token + "/owner");
  int pid = 0;
  std::string start;
  if (!(in >> pid >> start) || pid <= 0) return false;
  std::string actual = startTimeOf(pid);
  return !actual.empty() && actual == start;
}

struct TokenState {
  std::mutex mu;
  int pid = 0;
  std::string token;
};
TokenState& tokenState() {
  static TokenState* s = new TokenState;  // never destroyed: used from atexit
  return *s;
}

void removeOwnRunDir() {
  auto& s = tokenState();
  if (s.pid != ::getpid() || s.token.empty()) return;
  // Our namespaces should all be gone by now (Segments are RAII); if one leaked, a missing owner
  // file makes it stale for the next run's removeStaleNamespaces().
  std::error_code ec;
  fs::remove(fs::path(kRunDir) / s.token / "owner", ec);
  // With what is left in it (a socket or key folder of a fake that did not remove its own), so the
  // watchdog finds nothing to report after a clean exit.
  fs::remove_all(fs::path(kRunDir) / s.token, ec);
}

}  // namespace

std::string socketPath(const std::string& dir, const std::string& name) {
  std::string path = dir + "/" + name;
  if (path.size() < 100) return path;
  char hash[20];
  std::snprintf(hash, sizeof hash, "%016zx", std::hash<std::string>{}(dir));
  // A folder of its own, so that it can be given to the daemon that makes the socket.
  const std::string folder = std::string(kRunDir) + "/" + runToken() + "/" + hash;
  if (::mkdir(folder.c_str(), 0700) != 0 && errno != EEXIST)
    throw Error(sysError("mkdir " + folder, errno));
  return folder + "/" + name;
}

std::string privateRunDir(const std::string& dir, const std::string& name) {
  char hash[20];
  std::snprintf(hash, sizeof hash, "%016zx", std::hash<std::string>{}(dir));
  std::string path = std::string(kRunDir) + "/" + runToken() + "/" + hash + "-" + name;
  if (::mkdir(path.c_str(), 0700) != 0 && errno != EEXIST) {
    throw Error(sysError("cannot create " + path, errno));
  }
  struct stat st {};
  if (::lstat(path.c_str(), &st) != 0 || !S_ISDIR(st.st_mode) || st.st_uid != ::geteuid()) {
    throw Error("cannot use " + path + ": not a folder of ours");
  }
  ::chmod(path.c_str(), 0700);
  return path;
}

const std::string& runToken() {
  auto& s = tokenState();
  std::lock_guard lock(s.mu);
  const int pid = ::getpid();
  if (s.pid == pid) return s.token;  // a forked child gets a token of its own

  uint16_t rnd = 0;
  if (::getrandom(&rnd, sizeof rnd, 0) != sizeof rnd) rnd = static_cast<uint16_t>(::time(nullptr));
  char buf[64];
  std::snprintf(buf, sizeof buf, "%dx%04x", pid, rnd);
  std::string token = buf;

  fs::path dir = fs::path(kRunDir) / token;
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) throw Error("cannot create " + dir.string() + ": " + ec.message());
  std::string start = startTimeOf(pid);
  {
    std::ofstream out(dir / "owner.tmp", std::ios::trunc);
    out << pid << ' ' << start << '\n';
    if (!out) throw Error("cannot write " + (dir / "owner.tmp").string());
  }
  fs::rename(dir / "owner.tmp", dir / "owner", ec);
  if (ec) throw Error("cannot write " + (dir / "owner").string() + ": " + ec.message());

  const bool first = s.pid == 0;
  s.pid = pid;
  s.token = token;
  if (first) std::atexit(removeOwnRunDir);
  return s.token;
}

std::vector<std::string> listNamespaces() {
  std::vector<std::string> names;
  std::istringstream in(ipOutput({"netns", "list"}));
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream words(line);
    std::string name;
    if (words >> name) names.push_back(name);
  }
  return names;
}

std::vector<std::string> removeStaleNamespaces() {
  // What `phonelab cleanup` does, keeping only the namespaces' names; a failure is an error here.
  std::string errors;
  std::vector<std::string> removed;
  static const std::string kPrefix = "namespace ";
  for (auto& line : cleanupDeadRuns(errors))
    if (line.rfind(kPrefix, 0) == 0) removed.push_back(line.substr(kPrefix.size()));
  if (!errors.empty()) throw Error("cannot remove stale namespaces: " + errors);
  return removed;
}

std::vector<std::string> ownNamespaces() {
  const std::string prefix = "phl-" + runToken() + "-";
  std::vector<std::string> out;
  for (const auto& ns : listNamespaces()) {
    if (ns.rfind(prefix, 0) == 0) out.push_back(ns);
  }
  return out;
}

std::string currentRunToken() {
  auto& s = tokenState();
  std::lock_guard lock(s.mu);
  return s.pid == ::getpid() ? s.token : std::string();
}

std::vector<int> processesOfRun(const std::string& token) {
  std::vector<int> pids;
  if (token.empty()) return pids;
  const std::string mark = std::string(kRunEnv) + "=" + token;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator("/proc", ec)) {
    const std::string name = entry.path().filename().string();
    if (name.empty() || name.find_first_not_of("0123456789") != std::string::npos) continue;
    const int pid = std::atoi(name.c_str());
    if (pid == ::getpid()) continue;
    std::ifstream in(entry.path() / "environ", std::ios::binary);
    std::string var;
    while (std::getline(in, var, '\0')) {
      if (var == mark) {
        pids.push_back(pid);
        break;
      }
    }
  }
  return pids;
}

namespace {

std::string commOf(int pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/comm");
  std::string comm;
  std::getline(in, comm);
  return comm;
}

bool startingUp(const std::string& token) {
  std::error_code ec;
  if (fs::exists(fs::path(kRunDir) / token / "owner", ec)) return false;
  const int pid = std::atoi(token.substr(0, token.find('x')).c_str());
  return !startTimeOf(pid).empty() && commOf(pid) == "phonelab";
}

/// SIGKILLs the processes marked as run `token` until none is left (bounded); returns them.
std::vector<std::string> killRunProcesses(const std::string& token) {
  std::vector<std::string> killed;
  std::set<int> seen;
  auto deadline = Deadline::in(Seconds(5));
  for (;;) {
    auto pids = processesOfRun(token);
    if (pids.empty() || deadline.expired()) break;
    std::vector<int> pidfds;
    for (int pid : pids) {
      long fd = ::syscall(SYS_pidfd_open, pid, 0);
      if (fd < 0) continue;  // gone already
      const std::string comm = commOf(pid);
      ::syscall(SYS_pidfd_send_signal, static_cast<int>(fd), SIGKILL, nullptr, 0);
      pidfds.push_back(static_cast<int>(fd));
      if (seen.insert(pid).second)
        killed.push_back("process " + std::to_string(pid) + " (" + comm + ")");
    }
    for (int fd : pidfds) {
      pollfd p{fd, POLLIN, 0};
      while (::poll(&p, 1, std::max(0, deadline.remainingMs())) < 0 && errno == EINTR) {
      }
      ::close(fd);
    }
    // A zombie keeps its environment readable until its parent reaps it: stop once only
    // processes that are already dead remain.
    bool live = false;
    for (int pid : processesOfRun(token)) {
      std::ifstream st("/proc/" + std::to_string(pid) + "/stat");
      std::string line;
      std::getline(st, line);
      auto close = line.rfind(')');
      if (close != std::string::npos && close + 2 < line.size() && line[close + 2] != 'Z')
        live = true;
    }
    if (!live) break;
  }
  return killed;
}

}  // namespace

std::vector<std::string> cleanupRun(const std::string& token, std::string& errors) {
  std::vector<std::string> removed;
  if (token.empty()) return removed;
  try {
    removed = killRunProcesses(token);
    for (const auto& ns : listNamespaces()) {
      if (namespaceToken(ns) != token) continue;
      try {
        killAllIn(ns);
        deleteNamespace(ns);
        removed.push_back("namespace " + ns);
      } catch (const Error& e) {
        auto now = listNamespaces();
        if (std::find(now.begin(), now.end(), ns) != now.end())
          errors += std::string(e.what()) + "; ";
      }
    }
  } catch (const std::exception& e) {
    errors += std::string(e.what()) + "; ";
  }
  const fs::path dir = fs::path(kRunDir) / token;
  std::error_code ec;
  if (fs::exists(dir, ec)) {
    fs::remove_all(dir, ec);
    if (ec)
      errors += "cannot remove " + dir.string() + ": " + ec.message() + "; ";
    else
      removed.push_back("run folder " + dir.string());
  }
  return removed;
}

std::vector<std::string> cleanupDeadRuns(std::string& errors) {
  static const std::regex token_re("^[0-9]+x[0-9a-f]{4}$");
  const std::string own = currentRunToken();
  std::set<std::string> tokens;
  try {
    for (const auto& ns : listNamespaces()) {
      std::string token = namespaceToken(ns);
      if (!token.empty()) tokens.insert(token);
    }
  } catch (const std::exception& e) {
    errors += std::string(e.what()) + "; ";
  }
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(kRunDir, ec)) {
    std::string token = entry.path().filename().string();
    if (std::regex_match(token, token_re)) tokens.insert(token);
  }
  std::vector<std::string> removed;
  for (const auto& token : tokens) {
    if (token == own || ownerAlive(token) || startingUp(token)) continue;
    for (auto& r : cleanupRun(token, errors)) removed.push_back(std::move(r));
  }
  return removed;
}

}  // namespace phonelab::lab
