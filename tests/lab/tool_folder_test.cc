// A tool's folder of its own (base/lab/tool_folder.h): the tool account owns the folder and the
// copies in it, the tool runs as it with no capabilities, a copy out refuses a link or a file with
// other hard links (what an account that owns the folder could plant), and the folder goes with
// the object.

#include "base/lab/tool_folder.h"

#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "base/core/error.h"
#include "tests/lab/lab_util.h"

namespace phonelab::lab {
namespace {

namespace fs = std::filesystem;
using labtest::TempDir;

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), {}};
}

TEST(ToolFolder, HandsItsCopiesToTheToolAccountAndCopiesOutOnlyFilesOfTheirOwn) {
  PHL_REQUIRE_ROOT();
  TempDir dir;
  const std::string input = dir.path() + "/input.txt", secret = dir.path() + "/secret.txt";
  std::ofstream(input) << "phone bytes";
  std::ofstream(secret) << "root's";
  std::string path;
  {
    ToolFolder work(dir.path(), "tool");
    path = work.path();
    work.copyIn(input, "in.txt");
    ProcessSpec spec;
    spec.name = "cp";
    spec.argv = {"cp", "in.txt", "out.txt"};
    std::string why;
    const auto user = work.handTo(spec, why);
    ASSERT_TRUE(user.has_value()) << why;
    EXPECT_EQ(spec.uid, static_cast<int>(user->uid));
    EXPECT_TRUE(spec.caps.empty());
    EXPECT_EQ(spec.cwd, work.path());
    struct stat st {};
    ASSERT_EQ(::stat(work.file("in.txt").c_str(), &st), 0);
    EXPECT_EQ(st.st_uid, user->uid);
    EXPECT_EQ(st.st_mode & 0777, 0600u);
    ASSERT_TRUE(runToCompletion(spec, Deadline::in(Seconds(10))).ok());
    ASSERT_EQ(::stat(work.file("out.txt").c_str(), &st), 0);
    EXPECT_EQ(st.st_uid, user->uid) << "cp ran as root";
    work.copyOut("out.txt", dir.path() + "/out.txt");
    EXPECT_EQ(slurp(dir.path() + "/out.txt"), "phone bytes");

    // What the account could leave in its folder instead of its output.
    fs::create_symlink(secret, work.file("link.txt"));
    EXPECT_THROW(work.copyOut("link.txt", dir.path() + "/from-link.txt"), Error);
    ASSERT_EQ(::link(secret.c_str(), work.file("hard.txt").c_str()), 0);
    EXPECT_THROW(work.copyOut("hard.txt", dir.path() + "/from-hard.txt"), Error);
    EXPECT_FALSE(fs::exists(dir.path() + "/from-hard.txt"));
  }
  EXPECT_FALSE(fs::exists(path));
  EXPECT_EQ(slurp(secret), "root's");
}

}  // namespace
}  // namespace phonelab::lab
