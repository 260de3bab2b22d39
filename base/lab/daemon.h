#pragma once
/// What the lab's daemons (Kea, Kamailio) share: their folder and account, their configuration
/// files and check, a start that waits for their control socket, and their stop.

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "base/core/deadline.h"
#include "base/lab/process.h"

namespace phonelab {
class EventLog;
}

namespace phonelab::lab {

/// The last `n` bytes of a file ("..." in front when cut): a daemon's log in an error message.
std::string fileTail(const std::string& path, size_t n = 2000);

/// Connects to a unix stream socket (a daemon's control socket). Returns the fd or -1 (errno set).
int connectUnix(const std::string& path);

/// A daemon's folder, ready for it: made and absolute, the stale control socket removed, and
/// (when its packaged account exists and can reach it) given to that account together with the
/// socket's own folder; otherwise a harness.warning says why it runs as root.
struct DaemonFolder {
  std::string work_dir;            // absolute
  std::string socket;              // its control socket
  std::optional<SystemUser> user;  // nullopt: root
};
/// `name` ("kea") is used in messages; `socket_of` gives the control socket of a work folder.
DaemonFolder prepareDaemonFolder(const std::string& name, const std::string& work_dir,
                                 const std::string& account,
                                 const std::function<std::string(const std::string&)>& socket_of,
                                 EventLog& log);

/// How long a lab daemon (Kea, Kamailio) may take to check its configuration, to answer on its
/// control socket once started, and to answer one command there.
inline constexpr Seconds kDaemonCheckTimeout{10};
inline constexpr Seconds kDaemonReadyTimeout{10};
inline constexpr Seconds kDaemonCommandTimeout{5};

/// What a lab daemon the harness runs (Kea, Kamailio) holds: its folder and account
/// (prepareDaemonFolder), its process once started (startDaemon) and the run's event log.
struct Daemon {
  Daemon(const std::string& name, const std::string& work_dir, const std::string& account,
         const std::function<std::string(const std::string&)>& socket_of, EventLog& log)
      : log(&log), folder(prepareDaemonFolder(name, work_dir, account, socket_of, log)) {}
  EventLog* log;
  DaemonFolder folder;
  std::optional<Process> proc;
};

/// The spec of the daemon of `folder`: `argv` run in `netns`, in the folder, its output to
/// `log_path`, as the folder's account with only `caps` (root when the folder has no account).
ProcessSpec daemonSpec(const DaemonFolder& folder, std::string name, std::vector<std::string> argv,
                       const std::string& netns, const std::string& log_path,
                       std::vector<int> caps);

/// Writes one of the daemon's files (its configuration, which may hold passwords) as 0600, never
/// through a link, and gives it to the daemon's account (`folder.user`; none: it stays root's).
/// Throws Error "NAME: cannot write PATH".
void writeDaemonFile(const std::string& name, const DaemonFolder& folder, const std::string& path,
                     const std::string& content);

/// Runs a daemon's configuration check (e.g. `kea-dhcp4 -t`); throws Error with its output
/// ("NAME rejected its configuration CONFIG (STATUS): OUTPUT") when it fails.
void checkDaemonConfig(const std::string& name, const ProcessSpec& check, const std::string& config,
                       Seconds timeout = kDaemonCheckTimeout);

/// Starts the daemon into `proc` and polls `ready` every 20 ms until it says yes (a daemon that
/// gives no readiness signal of its own). Throws Error with the tail of `log_path` when the
/// daemon exits first, or stops it and throws "WHAT within TIMEOUT (WHY)" when `timeout` passes
/// (`why`: the last reason `ready` gave, if any).
void startDaemon(std::optional<Process>& proc, const ProcessSpec& spec,
                 const std::function<bool(std::string& why)>& ready, const std::string& what,
                 const std::string& log_path, Seconds timeout = kDaemonReadyTimeout);

/// Stops a daemon by PID (SIGTERM, then SIGKILL after 3 s) and records it as a "fake.stop" event
/// {name, status}. Never throws: it runs in destructors.
void stopDaemon(Process& proc, EventLog& log, const std::string& name);

}  // namespace phonelab::lab
