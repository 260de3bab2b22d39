// `phonelab cleanup` removes what a dead run left: its marked processes (also one in a session of
// its own), its phl-* namespaces and its folder /run/phonelab/<token>. It runs alone (ctest
// RUN_SERIAL): a run starting beside it sweeps a dead run's leftovers itself, and then the
// command would rightly find nothing to remove.

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "base/core/event.h"
#include "base/lab/netns.h"
#include "tests/e2e/e2e_util.h"

namespace phonelab::e2e {
namespace {

namespace fs = std::filesystem;

TEST(CrashCleanup, CleanupCommandRemovesPlantedLeftoversOfADeadRun) {
  PHONELAB_REQUIRE_ROOT();
  // A dead run: a token whose owner (a child of ours that has exited) no longer exists.
  pid_t owner = ::fork();
  ASSERT_GE(owner, 0);
  if (owner == 0) ::_exit(0);
  int st = 0;
  ASSERT_EQ(::waitpid(owner, &st, 0), owner);
  const std::string token = std::to_string(owner) + "xbeef";
  const std::string run_dir = "/run/phonelab/" + token;
  fs::create_directories(run_dir);
  writeFile(run_dir + "/owner", std::to_string(owner) + " 1\n");
  const std::string ns = "phl-" + token + "-0-lab";
  lab::ipCommand({"netns", "add", ns});

  // Its processes: one in its namespace, one (marked, as the harness marks what it starts) in ours,
  // in a session of its own as a daemon's grandchild would be.
  lab::ProcessSpec in_ns;
  in_ns.name = "sleep-in-ns";
  in_ns.argv = {"sleep", "600"};
  in_ns.netns = ns;
  lab::Process p1(in_ns);
  lab::ProcessSpec marked;
  marked.name = "sleep-marked";
  marked.argv = {"setsid", "sleep", "600"};
  marked.env[lab::kRunEnv] = token;
  lab::Process p2(marked);
  // setsid forks when it leads a process group (ours does): wait for the marked sleep itself.
  EventLog clock;
  Deadline deadline = Deadline::in(Seconds(30));
  int sleeper = -1;
  while (sleeper < 0) {
    for (int pid : liveProcessesOf(token)) {
      if (trimmed(readFile("/proc/" + std::to_string(pid) + "/comm")) == "sleep") sleeper = pid;
    }
    ASSERT_FALSE(deadline.expired()) << "the marked sleep did not start";
    if (sleeper < 0) clock.waitUntil(Deadline::in(Seconds(0.05)));  // poll, bounded above
  }

  auto r = phonelab({"cleanup"});
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("removed process " + std::to_string(sleeper) + " (sleep)"),
            std::string::npos)
      << r.output;
  EXPECT_NE(r.output.find("removed run folder " + run_dir), std::string::npos) << r.output;
  EXPECT_EQ(liveProcessesOf(token), std::vector<int>{});
  EXPECT_EQ(namespacesOf(token), std::vector<std::string>{});
  EXPECT_FALSE(fs::exists(run_dir));
  // Both sleeps were killed (the one in the namespace with it).
  EXPECT_TRUE(p1.wait(Deadline::in(Seconds(10))).has_value());
  EXPECT_TRUE(p2.wait(Deadline::in(Seconds(10))).has_value());
}

}  // namespace
}  // namespace phonelab::e2e
