// A harness that dies without cleaning up (SIGKILL: no destructor, no atexit handler runs) leaves
// nothing behind: its watchdog takes down the run's processes (also Kamailio's workers, which
// PR_SET_PDEATHSIG of the harness's direct children does not reach), its phl-* namespaces and its
// folder /run/phonelab/<token> (`phonelab cleanup`: cleanup_command_test.cc). While a run goes, the
// daemons that parse the phone's traffic and the emulator are not root.

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <set>
#include <sstream>

#include "base/core/event.h"
#include "base/lab/netns.h"
#include "tests/e2e/e2e_util.h"

namespace phonelab::e2e {
namespace {

namespace fs = std::filesystem;

/// A run of one scenario that starts Kea, Kamailio (a main process and its workers) and the
/// emulator, then waits for an event that never comes: it can be looked at or killed mid-run.
/// every_fake: also every fake that runs as a thread of the harness (each with its thread).
std::unique_ptr<lab::Process> startHangingRun(const std::string& dir, bool every_fake = false) {
  const std::string file = dir + "/hang.yaml";
  const std::string more_fakes = R"(  sip_ua: {user: "200", password: secret}
  dns: {records: {sip.lab.example: "${svc.sip}"}}
  ntp: {}
  tftp: {files: {spa.cfg: {content: "x"}}}
  http: {files: {ca.pem: {content: "${pki.trusted_ca}"}}}
  acs: {}
  tls_proxy: {}
  rogue_dhcp: {mode: silent}
)";
  writeFile(file, R"(id: crash-hang
title: "Waits for an event that never comes, so that the harness can be killed mid-run"
requirements: [SIP-UDP-DEFAULT]
timeout: 300s
fakes:
  dhcp: {}
  sip: {users: {"100": secret, "200": secret}}
)" + (every_fake ? more_fakes : std::string()) +
                      R"(dut:
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
  return std::make_unique<lab::Process>(spec);
}

/// Waits until the hanging run has the phone on and Kamailio up; returns the run's token ("" and
/// a test failure if it never gets there).
std::string waitForLab(const std::string& dir, lab::Process& run) {
  const std::string token_prefix = std::to_string(run.pid()) + "x";
  const std::string events = dir + "/report/crash-hang/events.jsonl";
  EventLog clock;
  Deadline deadline = Deadline::in(Seconds(120));
  for (;;) {
    const std::string ev = readFile(events);
    if (ev.find("\"kind\":\"dut.power\"") != std::string::npos &&
        ev.find("\"name\":\"kamailio\"") != std::string::npos) {
      for (const auto& ns : lab::listNamespaces())
        if (ns.rfind("phl-" + token_prefix, 0) == 0) return ns.substr(4, token_prefix.size() + 4);
    }
    if (deadline.expired() || !run.running()) {
      ADD_FAILURE() << "the run never got its lab up: " << readFile(dir + "/run.log");
      return "";
    }
    clock.waitUntil(Deadline::in(Seconds(0.1)));  // poll interval, bounded by the deadline above
  }
}

/// "Uid:" or "CapEff:" of a /proc status file's text.
std::string fieldOf(const std::string& status, const std::string& name) {
  std::istringstream in(status);
  for (std::string line; std::getline(in, line);) {
    if (line.rfind(name + ":", 0) == 0) return line.substr(name.size() + 1);
  }
  return "";
}

/// "Uid:" or "CapEff:" of /proc/<pid>/status.
std::string statusField(int pid, const std::string& name) {
  return fieldOf(readFile("/proc/" + std::to_string(pid) + "/status"), name);
}

/// The threads of process `pid` named phl-* (the harness's fakes and capture): name -> the
/// status file of each.
std::multimap<std::string, std::string> fakeThreads(int pid) {
  std::multimap<std::string, std::string> out;
  std::error_code ec;
  for (const auto& task : fs::directory_iterator("/proc/" + std::to_string(pid) + "/task", ec)) {
    const std::string comm = trimmed(readFile(task.path().string() + "/comm"));
    if (comm.rfind("phl-", 0) == 0) out.emplace(comm, readFile(task.path().string() + "/status"));
  }
  return out;
}

TEST(Privileges, KeaKamailioAndTheEmulatorRunUnprivileged) {
  PHONELAB_REQUIRE_ROOT();
  const std::string dir = freshDir("privileges");
  auto run = startHangingRun(dir, true);
  const std::string token = waitForLab(dir, *run);
  ASSERT_FALSE(token.empty());
  // The threads of the harness that parse the phone's traffic (every fake that is a thread, and
  // the capture's decoder) run as nobody, with no capability and no way back.
  const auto nobody = lab::findSystemUser("nobody");
  ASSERT_TRUE(nobody.has_value());
  const auto four = [](int id) {
    const std::string s = std::to_string(id);
    return s + "\t" + s + "\t" + s + "\t" + s;
  };
  const auto threads = fakeThreads(run->pid());
  for (const char* name : {"phl-cap", "phl-dns", "phl-ntp", "phl-tftp", "phl-http", "phl-acs",
                           "phl-tls", "phl-ua", "phl-rogue"}) {
    EXPECT_EQ(threads.count(name), 1u) << "the harness has no thread " << name;
  }
  const auto field = [](const std::string& status, const std::string& name) {
    std::string v = fieldOf(status, name);
    const auto from = v.find_first_not_of(" \t"), to = v.find_last_not_of(" \t\n");
    return from == std::string::npos ? std::string() : v.substr(from, to - from + 1);
  };
  for (const auto& [name, status] : threads) {
    EXPECT_EQ(field(status, "Uid"), four(nobody->uid)) << name << " runs as root";
    EXPECT_EQ(field(status, "Gid"), four(nobody->gid)) << name;
    EXPECT_EQ(field(status, "Groups"), "") << name;
    for (const char* set : {"CapEff", "CapPrm", "CapInh", "CapBnd", "CapAmb"})
      EXPECT_EQ(field(status, set), "0000000000000000") << name << " " << set;
    EXPECT_EQ(field(status, "NoNewPrivs"), "1") << name;
  }
  // What each may hold: Kea a raw socket and port 67; Kamailio a port below 1024; the emulator,
  // like a phone's own stack, its interface, raw DHCP and ports below 1024.
  const uint64_t raw = 1ull << 13, bind = 1ull << 10, admin = 1ull << 12;
  const std::map<std::string, uint64_t> allowed = {
      {"kea-dhcp4", raw | bind}, {"kamailio", bind}, {"phone-emulator", admin | raw | bind}};
  std::map<std::string, int> seen;
  for (int pid : lab::processesOfRun(token)) {
    std::string comm = readFile("/proc/" + std::to_string(pid) + "/comm");
    while (!comm.empty() && comm.back() == '\n') comm.pop_back();
    auto it = allowed.find(comm);
    if (it == allowed.end()) continue;
    const std::string uid = statusField(pid, "Uid");
    const std::string cap = statusField(pid, "CapEff");
    if (uid.empty() || cap.empty()) continue;  // exited meanwhile
    ++seen[comm];
    std::istringstream uids(uid);
    for (int u; uids >> u;) EXPECT_NE(u, 0) << comm << " (pid " << pid << ") runs as root";
    const uint64_t eff = std::stoull(cap, nullptr, 16);
    EXPECT_EQ(eff & ~it->second, 0u) << comm << " (pid " << pid << ") holds capabilities " << cap;
    const uint64_t bnd = std::stoull(statusField(pid, "CapBnd"), nullptr, 16);
    EXPECT_EQ(bnd & ~it->second, 0u) << comm << " (pid " << pid << ") could regain " << bnd;
  }
  EXPECT_GE(seen["kea-dhcp4"], 1);
  EXPECT_GE(seen["kamailio"], 2) << "Kamailio's main process and its workers";
  EXPECT_GE(seen["phone-emulator"], 1);
  // Their folders and the files the harness wrote for them are theirs and nobody else's.
  const auto mode = [](const std::string& path) {
    return static_cast<unsigned>(fs::status(path).permissions() & fs::perms::all);
  };
  EXPECT_EQ(mode(dir + "/report/crash-hang/kamailio"), 0700u);
  EXPECT_EQ(mode(dir + "/report/crash-hang/kamailio/kamailio.cfg"), 0600u);
  EXPECT_EQ(mode(dir + "/report/crash-hang/kea"), 0700u);
  EXPECT_EQ(mode(dir + "/report/crash-hang/kea/kea-dhcp4.json"), 0600u);
  run->signal(SIGINT);
  EXPECT_TRUE(run->wait(Deadline::in(Seconds(60))).has_value());
}

TEST(CrashCleanup, WatchdogRemovesWhatAKilledHarnessLeft) {
  PHONELAB_REQUIRE_ROOT();
  const std::string dir = freshDir("crash-cleanup");
  auto run_ptr = startHangingRun(dir);
  lab::Process& run = *run_ptr;
  const std::string token = waitForLab(dir, run);
  ASSERT_FALSE(token.empty());
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
  EventLog clock;
  Deadline deadline = Deadline::in(Seconds(60));
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
  EXPECT_NE(readFile(dir + "/run.log").find("its watchdog removed"), std::string::npos)
      << readFile(dir + "/run.log");
}

}  // namespace
}  // namespace phonelab::e2e
