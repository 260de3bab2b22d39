#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "base/core/error.h"
#include "base/lab/netns.h"
#include "base/lab/process.h"
#include "lab_util.h"

using namespace phonelab;
using namespace phonelab::lab;
using phonelab::labtest::TempDir;

namespace {

bool listed(const std::string& ns) {
  auto all = listNamespaces();
  return std::find(all.begin(), all.end(), ns) != all.end();
}

bool contains(const std::vector<std::string>& v, const std::string& s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

/// Waits (bounded) until the file contains text.
bool waitForText(const std::string& path, const std::string& text, Seconds limit) {
  auto deadline = Deadline::in(limit);
  while (!deadline.expired()) {
    if (labtest::readFile(path).find(text) != std::string::npos) return true;
    ::usleep(20000);
  }
  return false;
}

}  // namespace

TEST(LabSegment, ForLaneAddressing) {
  auto a = SegmentAddressing::forLane(3);
  EXPECT_EQ(a.prefix, "198.18.3");
  EXPECT_EQ(a.lab_ip, "198.18.3.1");
  EXPECT_EQ(a.remote_ip, "198.19.3.1");
  EXPECT_EQ(a.static_ip, "198.18.3.20");
  EXPECT_EQ(a.pool_from, "198.18.3.100");
  EXPECT_EQ(a.pool_to, "198.18.3.199");
  EXPECT_THROW(SegmentAddressing::forLane(256), Error);
  EXPECT_THROW(SegmentAddressing::forLane(-1), Error);
}

TEST(LabSegment, RunTokenAndOwnerFile) {
  PHL_REQUIRE_ROOT();
  const std::string& t = runToken();
  EXPECT_EQ(t.rfind(std::to_string(::getpid()) + "x", 0), 0u) << t;
  EXPECT_EQ(&t, &runToken());
  std::string owner = labtest::readFile("/run/phonelab/" + t + "/owner");
  EXPECT_EQ(owner.rfind(std::to_string(::getpid()) + " ", 0), 0u) << owner;
}

TEST(LabSegment, UpAndDown) {
  PHL_REQUIRE_ROOT();
  std::string lab, dut;
  {
    Segment seg(runToken(), 7);
    lab = seg.labNs();
    dut = seg.dutNs();
    EXPECT_EQ(lab, "phl-" + runToken() + "-7-lab");
    EXPECT_EQ(dut, "phl-" + runToken() + "-7-dut");
    EXPECT_TRUE(listed(lab));
    EXPECT_TRUE(listed(dut));
    EXPECT_TRUE(contains(ownNamespaces(), lab));

    auto addr = nlohmann::json::parse(ipOutput({"-n", lab, "-j", "addr", "show", "lab0"}));
    std::vector<std::string> ips;
    for (const auto& a : addr.at(0).at("addr_info")) ips.push_back(a.at("local"));
    EXPECT_TRUE(contains(ips, "198.18.7.1"));
    EXPECT_TRUE(contains(ips, "198.19.7.1"));
    EXPECT_EQ(seg.labMac(), addr.at(0).at("address").get<std::string>());
    EXPECT_EQ(seg.labMac().size(), 17u);

    // The DUT side exists, is down and has no IPv4 address: the DUT configures it.
    auto v4 = nlohmann::json::parse(ipOutput({"-n", dut, "-j", "-4", "addr", "show", "eth0"}));
    EXPECT_TRUE(v4.empty() || v4.at(0).value("addr_info", nlohmann::json::array()).empty()) << v4;
    auto eth0 = nlohmann::json::parse(ipOutput({"-n", dut, "-j", "link", "show", "eth0"}));
    auto flags = eth0.at(0).at("flags");
    EXPECT_EQ(std::find(flags.begin(), flags.end(), "UP"), flags.end());
    // The peer of lab0 is eth0 in the DUT namespace.
    EXPECT_NO_THROW(ipCommand({"-n", dut, "link", "show", "eth0"}));
  }
  EXPECT_FALSE(listed(lab));
  EXPECT_FALSE(listed(dut));
  EXPECT_FALSE(std::filesystem::exists("/run/netns/" + lab));
  EXPECT_FALSE(contains(ownNamespaces(), lab));
}

TEST(LabSegment, DestructorKillsWhatRunsInside) {
  PHL_REQUIRE_ROOT();
  int pid = 0;
  {
    Segment seg(runToken(), 12);
    // Started behind our back (a grandchild without a Process object).
    RunResult r = runToCompletion(
        {"bg", {"sh", "-c", "sleep 600 >/dev/null 2>&1 & echo $!"}, {}, seg.dutNs(), "", ""},
        Deadline::in(Seconds(5)));
    ASSERT_TRUE(r.ok());
    pid = std::stoi(r.output);
    ASSERT_EQ(::kill(pid, 0), 0);
  }
  // Killed (it may stay a zombie until its new parent reaps it).
  std::string stat = labtest::readFile("/proc/" + std::to_string(pid) + "/stat");
  EXPECT_TRUE(stat.empty() || stat.find(") Z") != std::string::npos) << stat;
}

TEST(LabProcess, SeesItsNamespace) {
  PHL_REQUIRE_ROOT();
  TempDir tmp;
  Segment seg(runToken(), 8);
  {
    Process p({"ipaddr", {"ip", "-o", "addr"}, {}, seg.labNs(), tmp / "ip.log", ""});
    auto st = p.wait(Deadline::in(Seconds(5)));
    ASSERT_TRUE(st);
    EXPECT_EQ(Process::describeStatus(*st), "exited with status 0");
  }
  std::string log = labtest::readFile(tmp / "ip.log");
  EXPECT_NE(log.find("lab0"), std::string::npos) << log;
  EXPECT_NE(log.find("198.18.8.1/24"), std::string::npos) << log;

  auto r = runToCompletion({"ipaddr", {"ip", "-o", "link"}, {}, seg.dutNs(), "", ""},
                           Deadline::in(Seconds(5)));
  EXPECT_TRUE(r.ok());
  EXPECT_NE(r.output.find("eth0"), std::string::npos) << r.output;
  EXPECT_EQ(r.output.find("lab0"), std::string::npos) << r.output;
}

TEST(LabProcess, ANamespaceHandleStartsAProcessBackHome) {
  PHL_REQUIRE_ROOT();
  Segment seg(runToken(), 9);
  // What power: snmp does: the thread is in the lab namespace, snmpset must run where it came from.
  NetnsHandle home;
  NetnsScope in_lab(seg.labNs());
  ProcessSpec here{"ip", {"ip", "-o", "link"}, {}, "", "", ""};
  auto r = runToCompletion(here, Deadline::in(Seconds(5)));
  EXPECT_NE(r.output.find("lab0"), std::string::npos) << r.output;
  ProcessSpec back = here;
  back.netns_fd = home.fd();
  r = runToCompletion(back, Deadline::in(Seconds(5)));
  EXPECT_TRUE(r.ok()) << r.output;
  EXPECT_EQ(r.output.find("lab0"), std::string::npos) << r.output;
}

TEST(LabProcess, EnvCwdAndLog) {
  TempDir tmp;
  Process p({"env",
             {"sh", "-c", "echo \"$PHL_X $(pwd)\"; echo err >&2"},
             {{"PHL_X", "hello"}},
             "",
             tmp / "out.log",
             tmp.path()});
  ASSERT_TRUE(p.wait(Deadline::in(Seconds(5))));
  EXPECT_EQ(labtest::readFile(tmp / "out.log"), "hello " + tmp.path() + "\nerr\n");
  EXPECT_FALSE(p.running());
  EXPECT_EQ(p.stop(), *p.exitStatus());  // idempotent after exit
}

TEST(LabProcess, ExecFailureThrowsWithProgramName) {
  try {
    Process p({"kea", {"kea-dhcp4-not-installed-here"}, {}, "", "", ""});
    FAIL() << "no exception";
  } catch (const Error& e) {
    EXPECT_STREQ(
        e.what(),
        "cannot start kea: execvp kea-dhcp4-not-installed-here: No such file or directory");
  }
  EXPECT_THROW(
      runToCompletion({"x", {"/nonexistent/prog"}, {}, "", "", ""}, Deadline::in(Seconds(1))),
      Error);
  EXPECT_THROW(Process({"x", {"true"}, {}, "phl-no-such-namespace", "", ""}), Error);
  EXPECT_THROW(Process({"x", {"true"}, {}, "", "", "/nonexistent-dir"}), Error);
}

TEST(LabProcess, StopKillsAProcessThatIgnoresSigterm) {
  TempDir tmp;
  Process p({"stubborn",
             {"sh", "-c", "trap '' TERM; echo ready; while :; do sleep 0.05; done"},
             {},
             "",
             tmp / "log",
             ""});
  ASSERT_TRUE(waitForText(tmp / "log", "ready", Seconds(5)));
  ASSERT_TRUE(p.running());
  auto t0 = Clock::now();
  int st = p.stop(Seconds(0.3));
  double took = Seconds(Clock::now() - t0).count();
  EXPECT_EQ(Process::describeStatus(st), "killed by SIGKILL");
  EXPECT_GE(took, 0.29);
  EXPECT_LT(took, 1.5);
  EXPECT_FALSE(p.running());
  EXPECT_EQ(p.stop(), st);
}

TEST(LabProcess, StopIsQuickForAWellBehavedProcess) {
  Process p({"sleep", {"sleep", "60"}, {}, "", "", ""});
  auto t0 = Clock::now();
  int st = p.stop(Seconds(3));
  EXPECT_LT(Seconds(Clock::now() - t0).count(), 1.0);
  EXPECT_EQ(Process::describeStatus(st), "killed by SIGTERM");
}

TEST(LabProcess, WaitHonoursTheDeadline) {
  Process p({"sleep", {"sleep", "60"}, {}, "", "", ""});
  auto t0 = Clock::now();
  EXPECT_FALSE(p.wait(Deadline::in(Seconds(0.2))));
  double took = Seconds(Clock::now() - t0).count();
  EXPECT_GE(took, 0.19);
  EXPECT_LT(took, 1.0);
}

TEST(LabProcess, RunToCompletionCapturesOutput) {
  auto r = runToCompletion({"sh", {"sh", "-c", "echo out; echo err >&2; exit 3"}, {}, "", "", ""},
                           Deadline::in(Seconds(5)));
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(Process::describeStatus(r.status), "exited with status 3");
  EXPECT_NE(r.output.find("out"), std::string::npos);
  EXPECT_NE(r.output.find("err"), std::string::npos);
}

TEST(LabProcess, RunToCompletionTimeoutKillsAndThrows) {
  auto t0 = Clock::now();
  EXPECT_THROW(runToCompletion({"slow", {"sh", "-c", "echo started; sleep 30"}, {}, "", "", ""},
                               Deadline::in(Seconds(0.3))),
               Error);
  EXPECT_LT(Seconds(Clock::now() - t0).count(), 2.0);
}

TEST(LabProcess, DescribesAnExitStatusAndAKillingSignalInWords) {
  EXPECT_EQ(Process::describeStatus(0), "exited with status 0");
  EXPECT_EQ(Process::describeStatus(1 << 8), "exited with status 1");
  EXPECT_EQ(Process::describeStatus(SIGSEGV), "killed by SIGSEGV");
}

TEST(LabProcess, IpCommandReportsStderr) {
  PHL_REQUIRE_ROOT();
  try {
    ipCommand({"-n", "phl-no-such-namespace", "link", "show"});
    FAIL() << "no exception";
  } catch (const Error& e) {
    std::string what = e.what();
    EXPECT_NE(what.find("phl-no-such-namespace"), std::string::npos) << what;
  }
}

namespace {

/// Forks a child that creates a Segment under its own run token, starts a process that outlives
/// it inside, reports the token, then waits for a byte on `hold` (or exits at once if hold < 0)
/// and leaves without cleaning up.
pid_t forkSegmentOwner(int lane, int report_fd, int hold_fd, bool cleanup) {
  pid_t pid = ::fork();
  if (pid != 0) return pid;
  int rc = 1;
  try {
    const std::string token = runToken();
    auto* seg = new Segment(token, lane);
    auto r = runToCompletion(
        {"bg", {"sh", "-c", "sleep 600 >/dev/null 2>&1 & echo $!"}, {}, seg->labNs(), "", ""},
        Deadline::in(Seconds(5)));
    std::string msg = token + " " + r.output;
    if (::write(report_fd, msg.data(), msg.size()) < 0) ::_exit(2);
    if (hold_fd >= 0) {
      char c;
      if (::read(hold_fd, &c, 1) < 0) ::_exit(3);
    }
    if (cleanup) delete seg;
    rc = 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "child: %s\n", e.what());
  }
  ::_exit(rc);
}

std::pair<std::string, int> readReport(int fd) {
  char buf[256] = {0};
  ssize_t n = ::read(fd, buf, sizeof buf - 1);
  if (n <= 0) return {"", 0};
  std::string s(buf, static_cast<size_t>(n));
  auto sp = s.find(' ');
  return {s.substr(0, sp), std::stoi(s.substr(sp + 1))};
}

}  // namespace

TEST(LabStale, RemovesNamespacesOfADeadRun) {
  PHL_REQUIRE_ROOT();
  // Orphans of the dead child come to us, so we can reap the one that is killed.
  ASSERT_EQ(::prctl(PR_SET_CHILD_SUBREAPER, 1), 0);
  struct ResetSubreaper {
    ~ResetSubreaper() { ::prctl(PR_SET_CHILD_SUBREAPER, 0); }
  } reset;
  Segment mine(runToken(), 13);  // alive: must survive

  int pipefd[2];
  ASSERT_EQ(::pipe(pipefd), 0);
  pid_t child = forkSegmentOwner(14, pipefd[1], -1, false);
  ::close(pipefd[1]);
  auto [token, orphan] = readReport(pipefd[0]);
  ::close(pipefd[0]);
  int st = 0;
  ASSERT_EQ(::waitpid(child, &st, 0), child);
  ASSERT_EQ(Process::describeStatus(st), "exited with status 0");
  ASSERT_FALSE(token.empty());
  const std::string lab = "phl-" + token + "-14-lab", dut = "phl-" + token + "-14-dut";
  ASSERT_TRUE(listed(lab));
  ASSERT_TRUE(listed(dut));
  ASSERT_EQ(::kill(orphan, 0), 0) << "the orphan should still run in " << lab;

  auto removed = removeStaleNamespaces();
  EXPECT_TRUE(contains(removed, lab));
  EXPECT_TRUE(contains(removed, dut));
  EXPECT_FALSE(listed(lab));
  EXPECT_FALSE(listed(dut));
  EXPECT_TRUE(listed(mine.labNs()));
  EXPECT_FALSE(std::filesystem::exists("/run/phonelab/" + token));
  // The orphan was SIGKILLed.
  ASSERT_EQ(::waitpid(orphan, &st, 0), orphan);
  EXPECT_EQ(Process::describeStatus(st), "killed by SIGKILL");
}

TEST(LabStale, KillsTheMarkedProcessesOfADeadRunWithItsFolder) {
  PHL_REQUIRE_ROOT();
  // A dead run (its owner, a child of ours, has exited) that left a folder, a namespace and a
  // process marked as its own outside that namespace (a daemon's grandchild in a session of its
  // own). Once the sweep removes the folder and the namespace, nothing else names the token: the
  // process must go with them.
  pid_t owner = ::fork();
  ASSERT_GE(owner, 0);
  if (owner == 0) ::_exit(0);
  int st = 0;
  ASSERT_EQ(::waitpid(owner, &st, 0), owner);
  const std::string token = std::to_string(owner) + "xdead";
  const std::string dir = "/run/phonelab/" + token;
  std::filesystem::create_directories(dir);
  std::ofstream(dir + "/owner") << owner << " 1\n";
  const std::string ns = "phl-" + token + "-0-lab";
  ipCommand({"netns", "add", ns});
  ProcessSpec marked;
  marked.name = "sleep-marked";
  marked.argv = {"sleep", "600"};
  marked.env[kRunEnv] = token;
  Process sleeper(marked);

  auto removed = removeStaleNamespaces();
  EXPECT_TRUE(contains(removed, ns));
  EXPECT_FALSE(std::filesystem::exists(dir));
  auto status = sleeper.wait(Deadline::in(Seconds(10)));
  ASSERT_TRUE(status.has_value()) << "the dead run's marked process was left running";
  EXPECT_EQ(Process::describeStatus(*status), "killed by SIGKILL");
}

TEST(LabStale, KeepsNamespacesOfALiveRun) {
  PHL_REQUIRE_ROOT();
  int report[2], hold[2];
  ASSERT_EQ(::pipe(report), 0);
  ASSERT_EQ(::pipe(hold), 0);
  pid_t child = forkSegmentOwner(15, report[1], hold[0], true);
  ::close(report[1]);
  ::close(hold[0]);
  auto [token, orphan] = readReport(report[0]);
  ::close(report[0]);
  ASSERT_FALSE(token.empty());
  const std::string lab = "phl-" + token + "-15-lab";
  auto removed = removeStaleNamespaces();
  EXPECT_FALSE(contains(removed, lab));
  EXPECT_TRUE(listed(lab));
  // Let the child clean up properly.
  ASSERT_EQ(::write(hold[1], "x", 1), 1);
  ::close(hold[1]);
  int st = 0;
  ASSERT_EQ(::waitpid(child, &st, 0), child);
  EXPECT_EQ(Process::describeStatus(st), "exited with status 0");
  EXPECT_FALSE(listed(lab));
  (void)orphan;
  // Its run folder (it left with _exit, no atexit) goes with the next cleanup.
  removeStaleNamespaces();
  EXPECT_FALSE(std::filesystem::exists("/run/phonelab/" + token));
}

TEST(LabScope, NetnsScopeEntersAndRestores) {
  PHL_REQUIRE_ROOT();
  Segment seg(runToken(), 16);
  auto inode = [] {
    struct stat s {};
    ::stat("/proc/thread-self/ns/net", &s);
    return s.st_ino;
  };
  auto before = inode();
  {
    NetnsScope scope(seg.labNs());
    EXPECT_NE(inode(), before);
  }
  EXPECT_EQ(inode(), before);
  EXPECT_THROW(NetnsScope("phl-no-such-namespace"), Error);
  EXPECT_EQ(inode(), before);
}

TEST(LabProcess, ChildrenDieWithAKilledHarness) {
  int report[2];
  ASSERT_EQ(::pipe(report), 0);
  pid_t harness = ::fork();
  if (harness == 0) {
    try {
      auto* p = new Process({"sleep", {"sleep", "600"}, {}, "", "", ""});
      int pid = p->pid();
      if (::write(report[1], &pid, sizeof pid) != sizeof pid) ::_exit(2);
      ::pause();
    } catch (...) {
    }
    ::_exit(1);
  }
  ::close(report[1]);
  int child = 0;
  ASSERT_EQ(::read(report[0], &child, sizeof child), static_cast<ssize_t>(sizeof child));
  ::close(report[0]);
  long pidfd = ::syscall(SYS_pidfd_open, child, 0);
  ASSERT_GE(pidfd, 0);
  ASSERT_EQ(::kill(harness, SIGKILL), 0);
  int st = 0;
  ASSERT_EQ(::waitpid(harness, &st, 0), harness);
  // PR_SET_PDEATHSIG: the sleep is killed with its parent (readable pidfd = it exited).
  pollfd p{static_cast<int>(pidfd), POLLIN, 0};
  EXPECT_EQ(::poll(&p, 1, 2000), 1) << "sleep " << child << " outlived its killed parent";
  ::close(static_cast<int>(pidfd));
}
