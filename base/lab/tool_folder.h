#pragma once
/// A folder of its own for one run of a tool that reads bytes the phone chose (SoX, editcap,
/// Chromium): the tool runs as the tool account (kToolAccount) with no capabilities and sees only
/// this folder, with copies of its inputs; its outputs are copied back out without following
/// links. The folder and everything in it are removed with the object.

#include <optional>
#include <string>

#include "base/lab/process.h"

namespace phonelab::lab {

class ToolFolder {
 public:
  /// A private folder (0700) for `name`: this run's privateRunDir(parent, name), or with `parent`
  /// empty a new folder phonelab-<name>-XXXXXX in the system's temporary folder. Throws Error.
  ToolFolder(const std::string& parent, const std::string& name);
  ~ToolFolder();
  ToolFolder(const ToolFolder&) = delete;
  ToolFolder& operator=(const ToolFolder&) = delete;

  const std::string& path() const { return path_; }
  /// path()/name.
  std::string file(const std::string& name) const { return path_ + "/" + name; }

  /// Copies the regular file `from` (never through a link) in as `name`, 0600. Throws Error.
  void copyIn(const std::string& from, const std::string& name) const;

  /// Gives the folder and everything in it to the tool account and makes `spec` run as it in the
  /// folder with no capabilities. Returns the account; nullopt when there is none the folder can
  /// be given to, or the harness is not root (`spec` then runs as the harness; `why` says why).
  std::optional<SystemUser> handTo(ProcessSpec& spec, std::string& why) const;

  /// Copies `name` out to `to` (0600): never through a link, never a file with other hard links
  /// (the folder may belong to the tool account). Throws Error.
  void copyOut(const std::string& name, const std::string& to) const;

 private:
  std::string path_;
};

}  // namespace phonelab::lab
