#pragma once
/// Internal to base/lab: the fork/exec primitive shared by Process, runToCompletion and ip(8).

#include <string>

#include "base/core/deadline.h"
#include "base/lab/process.h"

namespace phonelab::lab::detail {

/// Forks and execs spec.argv. In the child: PR_SET_PDEATHSIG=SIGKILL, setns into spec.netns,
/// setpgid(0,0), stdin from /dev/null, stdout/stderr to out_fd/err_fd (-1: spec.log_path, appended,
/// or /dev/null), spec.env added, chdir(spec.cwd). Any failure in the child (including exec) is
/// reported through a CLOEXEC pipe and thrown here as Error("cannot start NAME: STAGE ARG: ERR").
/// Returns the child's pid (a process group leader).
int spawn(const ProcessSpec& spec, int out_fd, int err_fd);

/// pidfd_open(2) for a child of ours. Throws Error.
int openPidfd(int pid);

/// Output of a program run to completion.
struct Captured {
  int status = 0;
  std::string out;
  std::string err;  // empty when merged into out
};

/// Runs spec to completion capturing stdout and stderr (merged into out if merge). On timeout
/// kills its process group, reaps it and throws Error.
Captured runCaptured(const ProcessSpec& spec, Deadline deadline, bool merge);

}  // namespace phonelab::lab::detail
