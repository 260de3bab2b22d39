#pragma once
/// Writing into a report folder without trusting what is already there. The harness runs as root
/// and a report folder may hold files a hostile phone chose the bytes of, or links someone planted:
/// every file is created with O_CREAT|O_EXCL|O_NOFOLLOW (an existing link is replaced, never
/// followed), folders are 0700, and a folder another user could write to is refused.

#include <sys/types.h>

#include <fstream>
#include <string>
#include <string_view>
#include <vector>

namespace phonelab {

/// A report folder and its scenario folders: the owner only, except that others may pass through
/// (never list or read: every file in them is 0600) to reach the unprivileged daemons' own
/// folders (<scenario>/kea, <scenario>/kamailio, dut-state), which are given to those accounts.
inline constexpr unsigned kReportFolderMode = 0711;

/// Creates dir (and missing parents) and makes dir itself kReportFolderMode. Throws phonelab::Error
/// with a clear message if dir is not a directory, is owned by another user, or sits in a parent
/// folder another user can write to without the sticky bit (they could swap it for a link).
void prepareReportFolder(const std::string& dir);

/// True for a path relative to its folder that stays inside it: not empty, not absolute (so not
/// "//host/x" either), no backslash, no control character, no "." or ".." component, no empty
/// component. Evidence paths read back from results.json must pass this.
bool isSafeRelativePath(std::string_view path);

/// The scenario id rule, [a-z0-9][a-z0-9-]* of at most 128 characters, checked character by
/// character. Everything that reads an id back from a file (results.json in `phonelab report`,
/// `merge` and `compare`) checks it with this, since the id becomes a folder name in the report.
bool isScenarioId(std::string_view id);

/// Creates path for writing with O_CREAT|O_EXCL|O_NOFOLLOW and `mode` (whatever was at path before,
/// a file or a link, is unlinked first, never followed). Returns the open descriptor (O_CLOEXEC).
/// Throws phonelab::Error.
int createFileNoFollow(const std::string& path, mode_t mode);

/// Copies the regular file `from` (never through a link) to `to` (createFileNoFollow, `mode`).
/// Throws phonelab::Error, also when `from` is a link or not a regular file, and with
/// `own_file_only` when `from` has other hard links (a file in a folder someone else owns).
void copyFileNoFollow(const std::string& from, const std::string& to, mode_t mode,
                      bool own_file_only = false);

/// createFileNoFollow, then the file opened as a stream (truncating what was just created).
std::ofstream openOutput(const std::string& path, mode_t mode = 0644,
                         std::ios::openmode how = std::ios::out | std::ios::binary);

/// Copies the folder `from` to `to` (which must not exist yet) without following any symbolic
/// link: `from` itself must be a real folder, links inside it are skipped and named in `skipped`
/// (so are devices, FIFOs and sockets). Files keep their permission bits without group/other
/// write; folders are 0700. Throws phonelab::Error.
void copyTreeNoFollow(const std::string& from, const std::string& to,
                      std::vector<std::string>& skipped);

}  // namespace phonelab
