#pragma once
/// Supervised child processes: started (optionally inside a network namespace) with their output
/// in a log file, stopped by PID (SIGTERM, then SIGKILL after a deadline), never left behind: a
/// child gets PR_SET_PDEATHSIG=SIGKILL so even a SIGKILLed harness takes its children with it.
/// Note: the kernel sends the death signal when the *thread* that forked exits, so start long-lived
/// processes from a thread that outlives them (the main thread or a lane's thread).

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "base/core/deadline.h"
#include "base/core/event.h"

namespace phonelab::lab {

struct ProcessSpec {
  std::string name;                        // "kea", "emulator": used in events and messages
  std::vector<std::string> argv;           // argv[0] is the program (PATH is searched)
  std::map<std::string, std::string> env;  // added to the environment
  std::string netns;                       // "" = the calling thread's namespace
  std::string log_path;                    // stdout+stderr go here (appended); "" = /dev/null
  std::string cwd;                         // "" = unchanged
  /// Instead of netns: an open namespace fd (lab::NetnsHandle; not taken over), e.g. the
  /// harness's own namespace for a tool started while this thread is in a lab namespace. Last, so
  /// that brace-initialised specs keep their meaning.
  int netns_fd = -1;
  /// Run as this user and group (-1: unchanged, i.e. root) with only `caps` (CAP_NET_RAW...):
  /// set in the child before exec as permitted, effective, inheritable and ambient capabilities;
  /// every other capability is dropped from the bounding set, supplementary groups are cleared
  /// and no_new_privs is set, so the program can never become root again.
  int uid = -1;
  int gid = -1;
  std::vector<int> caps;
};

/// A system account (e.g. Debian's `_kea`, `kamailio`) to run a daemon as.
struct SystemUser {
  std::string name;
  int uid = -1;
  int gid = -1;
};
/// Looks the account up in the user database; nullopt if there is none.
std::optional<SystemUser> findSystemUser(const std::string& name);
/// "" if `user` can reach `dir` (search permission on every folder above it), else the first
/// folder it cannot pass.
std::string unreachableFolder(const std::string& dir, const SystemUser& user);
/// The account a daemon that parses the phone's traffic runs as, for its folder `work_dir`:
/// nullopt (root) when the account is missing or cannot reach the folder; `why` says which.
std::optional<SystemUser> daemonUser(const std::string& account, const std::string& work_dir,
                                     std::string& why);
/// The one account for everything the lab runs without root: the fakes' threads, the emulator,
/// and the tools that read the phone's bytes or talk to a lab device (SoX, snmpset, editcap,
/// Chromium), which run as it with no capabilities (toolUser(), runAs()).
inline constexpr const char* kToolAccount = "nobody";
/// The tool account; nullopt (the tool runs as root) when the account is missing.
std::optional<SystemUser> toolUser();
/// Makes `spec` run as `user` with no capabilities.
void runAs(ProcessSpec& spec, const SystemUser& user);
/// Makes `path` (a file or folder the harness made for a daemon) belong to `user`, mode `mode`.
/// Throws Error.
void giveTo(const std::string& path, const SystemUser& user, unsigned mode);
/// giveTo() for a folder (0700) and everything in it (folders 0700, files 0600); symbolic links
/// are not followed and stay as they are.
void giveTreeTo(const std::string& dir, const SystemUser& user);

class Process {
 public:
  /// Starts the process. Throws Error if it cannot be started (exec failure is reported by the
  /// child through a pipe, so a missing binary is an exception here, not a silent exit 127).
  explicit Process(ProcessSpec spec);
  /// Stops it if still running (stop() with a 3 s grace).
  ~Process();
  Process(const Process&) = delete;
  Process& operator=(const Process&) = delete;

  int pid() const { return pid_; }
  const std::string& name() const { return spec_.name; }
  const ProcessSpec& spec() const { return spec_; }

  /// Still running? Reaps it if it exited.
  bool running();
  /// Waits for exit until the deadline. Returns the wait status if it exited.
  std::optional<int> wait(Deadline deadline);
  /// SIGTERM, wait up to grace, then SIGKILL and reap. Returns the wait status. Idempotent.
  int stop(Seconds grace = Seconds(3));
  /// Sends a signal if running.
  void signal(int sig);
  /// Exit status once reaped.
  std::optional<int> exitStatus() const { return status_; }
  /// "exited with status 1" / "killed by SIGSEGV"
  static std::string describeStatus(int status);

 private:
  ProcessSpec spec_;
  int pid_ = -1;
  int pidfd_ = -1;
  std::optional<int> status_;
};

/// Runs a program to completion (e.g. `kea-dhcp4 -t`), capturing output. Throws Error on timeout
/// (after killing it) or if it cannot start.
struct RunResult {
  int status = 0;      // wait status
  std::string output;  // stdout+stderr
  bool ok() const;     // exited with 0
};
/// spec.log_path is not used: the output is returned.
RunResult runToCompletion(const ProcessSpec& spec, Deadline deadline);

// ---- helpers for the daemons the lab runs (Kea, Kamailio) ----

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
