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

}  // namespace phonelab::lab
