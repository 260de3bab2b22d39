#pragma once
/// Threads of the harness that parse the phone's traffic (the in-process fakes, the capture's
/// decoder) run without root and without capabilities once their sockets and files are open.
///
/// Linux credentials (uids, gids, capability sets, no_new_privs) belong to a thread, not to the
/// process; glibc's setuid() and friends change every thread of the process, so the drop uses the
/// raw system calls in the thread itself. The dropped thread still shares the address space and
/// the open files of the root harness: this limits what a bug in a parser can do (no new files
/// opened as root, no namespaces entered, no raw sockets, no process started as root), it is not
/// isolation. Once a thread has dropped, the kernel marks the whole process non-dumpable, which
/// also keeps other processes of the same account from attaching to the dropped threads.

#include <sys/types.h>
#include <cstdint>
#include <functional>
#include <string>
#include <thread>

#include "base/lab/process.h"

namespace phonelab::lab {

/// The account those threads run as: "nobody" (with its primary group, Debian's "nogroup"),
/// looked up once. Throws Error if the system has no such account.
const SystemUser& unprivilegedThreadUser();

/// In the calling thread only: clears the bounding set and the supplementary groups, becomes
/// unprivilegedThreadUser() (real, effective, saved and file-system ids), which empties the
/// permitted, effective and ambient capability sets, clears the inheritable set and sets
/// no_new_privs; then verifies that it holds no uid 0 and no capability. A thread that is not
/// root and holds no capability (a harness run by an ordinary user) keeps its user and only loses
/// the rest. Throws Error naming `who` and the call that failed: the caller must not go on.
void dropThreadPrivileges(const std::string& who);

/// Starts a thread named `name` (its comm, at most 15 characters, e.g. "phl-dns": `ps -eLo
/// tid,uid,comm` shows it) that runs `prepare` (still privileged; may be empty), then
/// dropThreadPrivileges(name), then `body`. Returns once the drop is done; if `prepare` throws or
/// the drop fails, joins the thread and throws Error: `body` never runs privileged.
std::thread startUnprivilegedThread(const std::string& name, std::function<void()> body,
                                    std::function<void()> prepare = {});

/// What the calling thread holds (for tests and reports).
struct ThreadCredentials {
  uid_t ruid = 0, euid = 0, suid = 0;
  gid_t rgid = 0, egid = 0, sgid = 0;
  int groups = 0;  // supplementary groups
  uint64_t effective = 0, permitted = 0, inheritable = 0, bounding = 0, ambient = 0;
  bool no_new_privs = false;
};
ThreadCredentials threadCredentials();

}  // namespace phonelab::lab
