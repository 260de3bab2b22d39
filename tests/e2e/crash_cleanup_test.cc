// A harness that dies without cleaning up (SIGKILL: no destructor, no atexit handler runs) leaves
// nothing behind: its watchdog takes down the run's processes (also Kamailio's workers, which
// PR_SET_PDEATHSIG of the harness's direct children does not reach), its phl-* namespaces and its
// folder /run/phonelab/<token>. And `phonelab cleanup` removes leftovers of dead runs.

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "harness/core/event.h"
#include "harness/lab/netns.h"
#include "tests/e2e/e2e_util.h"

namespace phonelab::e2e {
namespace {

namespace fs = std::filesystem;

std::string trimmed(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

/// Namespaces named for run `token`.
std::vector<std::string> namespacesOf(const std::string& token) {
  std::vector<std::string> out;
  for (const auto& ns : lab::listNamespaces())
    if (ns.rfind("phl-" + token + "-", 0) == 0) out.push_back(ns);
  return out;
}

/// Is there a process `pid` that has not exited (a zombie has)?
bool isLive(int pid) {
  std::ifstream st("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  std::getline(st, line);
  auto close = line.rfind(')');
  return close != std::string::npos && close + 2 < line.size() && line[close + 2] != 'Z';
}

/// Live processes marked as run `token`.
std::vector<int> liveProcessesOf(const std::string& token) {
  std::vector<int> out;
  for (int pid : lab::processesOfRun(token))
    if (isLive(pid)) out.push_back(pid);
  return out;
}

TEST(CrashCleanup, WatchdogRemovesWhatAKilledHarnessLeft) {
  PHONELAB_REQUIRE_ROOT();
  const std::string dir = freshDir("crash-cleanup");
  const std::string file = dir + "/hang.yaml";
  // Kea, Kamailio (a main process and its workers) and the emulator, then a wait for an event that
  // never comes: the run is killed in the middle of it.
  writeFile(file, R"(id: crash-hang
title: "Waits for an event that never comes, so that the harness can be killed mid-run"
requirements: [SIP-UDP-DEFAULT]
timeout: 300s
fakes:
  dhcp: {}
  sip: {users: {"100": secret}}
dut:
  settings:
    line1.proxy: "${svc.sip}"
    line1.user_id: "100"
    line1.password: secret
steps:
  - name: never
    wait: {event: sip.request, where: {method: NEVER}, since: scenario, within: 240s}
)");
  lab::ProcessSpec spec;
  spec.name = "phonelab";
  spec.argv = {kBin + "/phonelab", "run", "--report", dir + "/report", file};
  spec.cwd = kSrc;
  spec.env["CI"] = "true";
  spec.log_path = dir + "/run.log";
  lab::Process run(spec);
  const std::string token_prefix = std::to_string(run.pid()) + "x";

  // Killed once the phone is on and Kamailio's workers run (the scenario's events say so).
  const std::string events = dir + "/report/crash-hang/events.jsonl";
  EventLog clock;
  Deadline deadline = Deadline::in(Seconds(120));
  std::string token;
  for (;;) {
    const std::string ev = readFile(events);
    if (ev.find("\"kind\":\"dut.power\"") != std::string::npos &&
        ev.find("\"name\":\"kamailio\"") != std::string::npos) {
      for (const auto& ns : lab::listNamespaces())
        if (ns.rfind("phl-" + token_prefix, 0) == 0) token = ns.substr(4, token_prefix.size() + 4);
      if (!token.empty()) break;
    }
    ASSERT_FALSE(deadline.expired()) << "the run never got its lab up: " << readFile(spec.log_path);
    ASSERT_TRUE(run.running()) << "the run ended early: " << readFile(spec.log_path);
    clock.waitUntil(Deadline::in(Seconds(0.1)));  // poll interval, bounded by the deadline above
  }
  // The run's processes: those in its namespaces (Kamailio's main process and workers, Kea, the
  // emulator) and those marked with its token.
  std::set<int> before;
  for (int pid : lab::processesOfRun(token)) before.insert(pid);
  ASSERT_EQ(namespacesOf(token).size(), 2u);
  for (const auto& ns : namespacesOf(token)) {
    std::istringstream pids(lab::ipOutput({"netns", "pids", ns}));
    for (int pid; pids >> pid;) before.insert(pid);
  }
  ASSERT_GE(before.size(), 4u);
  ASSERT_TRUE(fs::exists("/run/phonelab/" + token));

  run.signal(SIGKILL);
  ASSERT_TRUE(run.wait(Deadline::in(Seconds(30))).has_value());

  // Nothing of the run stays, without `phonelab cleanup`.
  deadline = Deadline::in(Seconds(60));
  auto survivors = [&] {
    std::vector<int> out;
    for (int pid : before) {
      if (isLive(pid)) out.push_back(pid);
    }
    return out;
  };
  while (!survivors().empty() || !namespacesOf(token).empty() ||
         fs::exists("/run/phonelab/" + token)) {
    if (deadline.expired()) break;
    clock.waitUntil(Deadline::in(Seconds(0.1)));  // poll interval, bounded by the deadline above
  }
  EXPECT_EQ(survivors(), std::vector<int>{});
  EXPECT_EQ(namespacesOf(token), std::vector<std::string>{});
  EXPECT_FALSE(fs::exists("/run/phonelab/" + token));
  EXPECT_NE(readFile(spec.log_path).find("its watchdog removed"), std::string::npos)
      << readFile(spec.log_path);
}

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
