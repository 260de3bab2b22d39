#include "base/core/safe_fs.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>
#include <memory>

#include "base/core/error.h"

namespace phonelab {
namespace fs = std::filesystem;

namespace {

struct Fd {
  int fd = -1;
  explicit Fd(int f) : fd(f) {}
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
};

void copyFd(int in, int out, const std::string& what) {
  char buf[65536];
  for (;;) {
    ssize_t n = ::read(in, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw Error(sysError("cannot read " + what, errno));
    if (n == 0) return;
    for (ssize_t off = 0; off < n;) {
      ssize_t w = ::write(out, buf + off, static_cast<size_t>(n - off));
      if (w < 0 && errno == EINTR) continue;
      if (w < 0) throw Error(sysError("cannot write the copy of " + what, errno));
      off += w;
    }
  }
}

// Copies the open folder `src` (named `from` in messages) into the new folder `to_name` under the
// open folder `dst_parent`.
void copyDir(int src, const std::string& from, int dst_parent, const std::string& to_name,
             const std::string& to, std::vector<std::string>& skipped, int depth) {
  if (depth > 32) throw Error("folder " + from + " is nested too deep to copy");
  if (::mkdirat(dst_parent, to_name.c_str(), 0700) != 0) {
    throw Error(sysError("cannot create " + to, errno));
  }
  Fd dst(::openat(dst_parent, to_name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
  if (dst.fd < 0) throw Error(sysError("cannot open " + to, errno));
  int list_fd = ::dup(src);
  if (list_fd < 0) throw Error(sysError("cannot read " + from, errno));
  std::unique_ptr<DIR, int (*)(DIR*)> d(::fdopendir(list_fd), ::closedir);
  if (!d) {
    ::close(list_fd);
    throw Error(sysError("cannot read " + from, errno));
  }
  ::rewinddir(d.get());
  // readdir is safe on a stream no other thread reads (glibc); the check cannot know that.
  while (dirent* e = ::readdir(d.get())) {  // NOLINT(concurrency-mt-unsafe)
    const std::string name = e->d_name;
    if (name == "." || name == "..") continue;
    const std::string src_path = from + "/" + name, dst_path = to + "/" + name;
    struct stat st {};
    if (::fstatat(src, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
      throw Error(sysError("cannot read " + src_path, errno));
    }
    if (S_ISDIR(st.st_mode)) {
      Fd sub(::openat(src, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
      if (sub.fd < 0) throw Error(sysError("cannot open " + src_path, errno));
      copyDir(sub.fd, src_path, dst.fd, name, dst_path, skipped, depth + 1);
    } else if (S_ISREG(st.st_mode)) {
      Fd in(::openat(src, name.c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC));
      if (in.fd < 0) throw Error(sysError("cannot open " + src_path, errno));
      struct stat fst {};
      if (::fstat(in.fd, &fst) != 0 || !S_ISREG(fst.st_mode)) {
        skipped.push_back(src_path + " (not a regular file)");
        continue;
      }
      Fd out(::openat(dst.fd, name.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
                      fst.st_mode & 0644));
      if (out.fd < 0) throw Error(sysError("cannot create " + dst_path, errno));
      copyFd(in.fd, out.fd, src_path);
    } else {
      skipped.push_back(src_path + (S_ISLNK(st.st_mode) ? " (a symbolic link, not followed)"
                                                        : " (not a regular file)"));
    }
  }
}

}  // namespace

void prepareReportFolder(const std::string& dir) {
  if (dir.empty()) throw Error("the report folder name is empty");
  std::error_code ec;
  const fs::path p(dir);
  const fs::path parent = p.has_parent_path() ? p.parent_path() : fs::path(".");
  fs::create_directories(parent, ec);
  if (ec) throw Error("cannot create report folder " + dir + ": " + ec.message());
  struct stat pst {};
  if (::stat(parent.c_str(), &pst) == 0 && (pst.st_mode & S_IWOTH) && !(pst.st_mode & S_ISVTX) &&
      pst.st_uid != ::geteuid()) {
    throw Error("refusing report folder " + dir + ": its parent folder " + parent.string() +
                " can be written by other users");
  }
  if (::mkdir(dir.c_str(), kReportFolderMode) != 0 && errno != EEXIST) {
    throw Error(sysError("cannot create report folder " + dir, errno));
  }
  struct stat st {};
  if (::lstat(dir.c_str(), &st) != 0)
    throw Error(sysError("cannot read report folder " + dir, errno));
  if (S_ISLNK(st.st_mode)) {
    throw Error("refusing report folder " + dir +
                ": it is a symbolic link (name the folder it points to instead)");
  }
  if (!S_ISDIR(st.st_mode)) throw Error("refusing report folder " + dir + ": not a folder");
  if (st.st_uid != ::geteuid()) {
    throw Error("refusing report folder " + dir + ": it belongs to user id " +
                std::to_string(st.st_uid) + ", not to the user running phonelab (" +
                std::to_string(::geteuid()) + "), who could not trust what it holds");
  }
  if (st.st_mode & (S_IWGRP | S_IWOTH)) {
    throw Error("refusing report folder " + dir + ": other users can write to it (mode " +
                std::to_string((st.st_mode >> 6) & 7) + std::to_string((st.st_mode >> 3) & 7) +
                std::to_string(st.st_mode & 7) +
                "); remove it or make it private (chmod 711) if its contents are yours");
  }
  if ((st.st_mode & 07777) != kReportFolderMode && ::chmod(dir.c_str(), kReportFolderMode) != 0) {
    throw Error(sysError("cannot make report folder " + dir + " private (mode 0711)", errno));
  }
}

bool isSafeRelativePath(std::string_view path) {
  if (path.empty() || path.size() > 4096 || path.front() == '/') return false;
  size_t start = 0;
  while (start <= path.size()) {
    size_t end = path.find('/', start);
    if (end == std::string_view::npos) end = path.size();
    std::string_view part = path.substr(start, end - start);
    if (part.empty() || part == "." || part == "..") return false;
    start = end + 1;
  }
  for (char c : path) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f || c == '\\') return false;
  }
  return true;
}

bool isScenarioId(std::string_view id) {
  if (id.empty() || id.size() > 128 || id.front() == '-') return false;
  for (char c : id) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) return false;
  }
  return true;
}

int createFileNoFollow(const std::string& path, mode_t mode) {
  if (::unlink(path.c_str()) != 0 && errno != ENOENT) {
    throw Error(sysError("cannot replace " + path, errno));
  }
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
  if (fd < 0) throw Error(sysError("cannot create " + path, errno));
  ::fchmod(fd, mode);  // the umask may have taken bits away; never adds any beyond `mode`
  return fd;
}

void copyFileNoFollow(const std::string& from, const std::string& to, mode_t mode,
                      bool own_file_only) {
  Fd in(::open(from.c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC));
  if (in.fd < 0) throw Error(sysError("cannot open " + from, errno));
  struct stat st {};
  if (::fstat(in.fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    throw Error("cannot copy " + from + ": not a regular file");
  }
  if (own_file_only && st.st_nlink != 1) {
    throw Error("cannot copy " + from + ": not a file of its own (" + std::to_string(st.st_nlink) +
                " hard links)");
  }
  Fd out(createFileNoFollow(to, mode));
  copyFd(in.fd, out.fd, from);
}

std::ofstream openOutput(const std::string& path, mode_t mode, std::ios::openmode how) {
  ::close(createFileNoFollow(path, mode));
  std::ofstream out(path, how | std::ios::trunc);
  if (!out) throw Error(sysError("cannot write " + path, errno));
  return out;
}

void copyTreeNoFollow(const std::string& from, const std::string& to,
                      std::vector<std::string>& skipped) {
  Fd src(::open(from.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
  if (src.fd < 0) {
    if (errno == ELOOP || errno == ENOTDIR) {
      throw Error("refusing to copy " + from + ": not a folder (a symbolic link is not followed)");
    }
    throw Error(sysError("cannot open " + from, errno));
  }
  const fs::path t(to);
  const std::string parent = t.has_parent_path() ? t.parent_path().string() : ".";
  Fd dst_parent(::open(parent.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (dst_parent.fd < 0) throw Error(sysError("cannot open " + parent, errno));
  copyDir(src.fd, from, dst_parent.fd, t.filename().string(), to, skipped, 0);
}

}  // namespace phonelab
