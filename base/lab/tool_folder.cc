#include "base/lab/tool_folder.h"

#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <filesystem>

#include "base/core/error.h"
#include "base/core/safe_fs.h"
#include "base/lab/netns.h"

namespace phonelab::lab {
namespace fs = std::filesystem;

ToolFolder::ToolFolder(const std::string& parent, const std::string& name) {
  if (!parent.empty()) {
    path_ = privateRunDir(parent, name);
    return;
  }
  std::string tmpl = (fs::temp_directory_path() / ("phonelab-" + name + "-XXXXXX")).string();
  if (::mkdtemp(tmpl.data()) == nullptr) {
    throw Error(sysError("cannot create a temporary folder for " + name, errno));
  }
  path_ = tmpl;
}

ToolFolder::~ToolFolder() {
  std::error_code ec;
  fs::remove_all(path_, ec);  // links inside are removed, not followed
}

void ToolFolder::copyIn(const std::string& from, const std::string& name) const {
  copyFileNoFollow(from, file(name), 0600);
}

std::optional<SystemUser> ToolFolder::handTo(ProcessSpec& spec, std::string& why) const {
  spec.cwd = path_;
  if (::geteuid() != 0) {
    why = "the harness is not root";
    return std::nullopt;
  }
  auto user = daemonUser(kToolAccount, path_, why);
  if (!user) return std::nullopt;
  giveTreeTo(path_, *user);
  runAs(spec, *user);
  return user;
}

void ToolFolder::copyOut(const std::string& name, const std::string& to) const {
  copyFileNoFollow(file(name), to, 0600, /*own_file_only=*/true);
}

}  // namespace phonelab::lab
