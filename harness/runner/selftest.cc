#include "harness/runner/selftest.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <sstream>
#include <thread>

#include "base/core/safe_fs.h"
#include "base/lab/netns.h"
#include "harness/runner/runner.h"
#include "reports/xml.h"

namespace phonelab::runner {
namespace fs = std::filesystem;

namespace {

/// Those of the `failed` scenario ids whose scenario names requirement `req`, in order.
std::vector<std::string> failedOfRequirement(const std::string& req,
                                             const std::vector<std::string>& failed,
                                             const std::vector<scenario::Scenario>& suite) {
  std::vector<std::string> out;
  for (const auto& id : failed) {
    auto sc = std::find_if(suite.begin(), suite.end(),
                           [&](const scenario::Scenario& s) { return s.id == id; });
    if (sc != suite.end() &&
        std::find(sc->requirements.begin(), sc->requirements.end(), req) != sc->requirements.end())
      out.push_back(id);
  }
  return out;
}

}  // namespace

bool SelftestResult::ok() const {
  if (interrupted || !baseline_not_passing.empty()) return false;
  const bool known =
      std::none_of(wrong_ways.begin(), wrong_ways.end(),
                   [](const WrongWayOutcome& w) { return w.status == "unknown-fault"; });
  return known && std::all_of(faults.begin(), faults.end(),
                              [](const FaultOutcome& f) { return f.caught(); });
}

std::vector<scenario::Scenario> scenariosOfArea(const std::vector<scenario::Scenario>& suite,
                                                const std::string& area) {
  std::vector<scenario::Scenario> out;
  for (const auto& sc : suite) {
    if (area == "*") {
      out.push_back(sc);
      continue;
    }
    // scenarios/<area>/x.yaml, from whichever folder the suite was loaded.
    for (const auto& part : fs::path(sc.file).parent_path()) {
      if (part == area) {
        out.push_back(sc);
        break;
      }
    }
  }
  return out;
}

std::vector<const scenario::Scenario*> scenariosOfFault(
    const std::vector<scenario::Scenario>& suite, const FaultInfo& fault, bool exhaustive) {
  auto breaks = [&](const scenario::Scenario& sc) {
    return std::any_of(fault.requirements.begin(), fault.requirements.end(),
                       [&](const std::string& r) {
                         return std::find(sc.requirements.begin(), sc.requirements.end(), r) !=
                                sc.requirements.end();
                       });
  };
  std::set<std::string> in_area;
  if (fault.requirements.empty() || exhaustive) {
    for (const auto& sc : scenariosOfArea(suite, fault.area)) in_area.insert(sc.id);
  }
  std::vector<const scenario::Scenario*> out;
  if (fault.requirements.empty()) {
    for (const auto& sc : suite) {
      if (in_area.count(sc.id)) out.push_back(&sc);
    }
    return out;
  }
  for (const auto& sc : suite) {
    if (breaks(sc)) out.push_back(&sc);
  }
  if (exhaustive) {
    for (const auto& sc : suite) {
      if (!breaks(sc) && in_area.count(sc.id)) out.push_back(&sc);
    }
  }
  return out;
}

std::vector<FaultInfo> parseFaultList(const std::string& text) {
  std::vector<FaultInfo> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    auto t1 = line.find('\t');
    if (t1 == std::string::npos) continue;
    FaultInfo f;
    f.name = line.substr(0, t1);
    auto t2 = line.find('\t', t1 + 1);
    f.description = line.substr(t1 + 1, t2 == std::string::npos ? std::string::npos : t2 - t1 - 1);
    auto t3 = t2 == std::string::npos ? std::string::npos : line.find('\t', t2 + 1);
    f.area = t2 == std::string::npos
                 ? "*"
                 : line.substr(t2 + 1, t3 == std::string::npos ? std::string::npos : t3 - t2 - 1);
    if (f.area.empty()) f.area = "*";
    if (t3 != std::string::npos) {
      std::istringstream reqs(line.substr(t3 + 1));
      for (std::string id; reqs >> id;) f.requirements.push_back(id);
    }
    out.push_back(std::move(f));
  }
  return out;
}

struct Selftest::Impl {
  SelftestOptions opts;
  dut::LabFile lab;
  std::vector<Requirement> catalog;
  std::vector<scenario::Scenario> suite;
  std::vector<FaultInfo> faults;

  struct Unit {
    int fault = -1;  // index into faults; -1 = the conformant baseline
    const scenario::Scenario* sc = nullptr;
  };
  std::vector<Unit> units;
  std::mutex mu;
  size_t next = 0;            // guarded by mu
  std::set<Runner*> running;  // guarded by mu
  std::atomic<bool> interrupted{false};
  std::map<int, size_t> left;  // guarded by mu: units still to finish per fault
  SelftestResult result;       // guarded by mu

  std::string folderOf(int fault) const { return fault < 0 ? "conformant" : faults[fault].name; }

  void worker(int lane) {
    for (;;) {
      Unit u;
      {
        std::lock_guard lock(mu);
        for (;;) {
          if (interrupted || next >= units.size()) return;
          u = units[next++];
          if (opts.exhaustive || u.fault < 0 || !settled(u.fault)) break;
          finishOne(u.fault);  // proven already: the rest of its area need not run
        }
      }
      RunOptions ro;
      ro.report_dir = opts.report_dir + "/" + folderOf(u.fault) + "/" + u.sc->id;
      if (u.fault >= 0) ro.emulator_faults = {faults[u.fault].name};
      ro.bin_dir = opts.bin_dir;
      ro.command_line = opts.command_line;
      ro.jobs = 1;
      ro.lane_base = lane;
      ro.quiet = true;
      Runner runner(ro, lab, catalog, {*u.sc});
      {
        std::lock_guard lock(mu);
        if (interrupted) return;
        running.insert(&runner);
      }
      runner.run();
      std::lock_guard lock(mu);
      running.erase(&runner);
      const auto& scenarios = runner.results().scenarios;
      const Verdict v = scenarios.empty() ? Verdict::Error : scenarios.front().verdict;
      record(u, v);
    }
  }

  void record(const Unit& u, Verdict v) {  // mu held
    const std::string& id = u.sc->id;
    if (u.fault < 0) {
      if (v != Verdict::Pass && v != Verdict::NotApplicable) {
        result.baseline_not_passing.push_back(id + ": " + std::string(toString(v)));
      }
    } else {
      auto& out = result.faults[u.fault];
      out.ran.push_back(id);
      if (v == Verdict::Fail) out.failed.push_back(id);
      if (v == Verdict::Error || v == Verdict::Inconclusive) {
        out.errors.push_back(id + ": " + std::string(toString(v)));
      }
    }
    finishOne(u.fault);
  }

  /// A fault is settled when it is caught, and for each requirement it names, a scenario of that
  /// requirement failed with it (the wrong way is proven where it belongs).  mu held.
  bool settled(int fault) const {
    const auto& out = result.faults[fault];
    if (!out.caught()) return false;
    for (const auto& req : faults[fault].requirements) {
      if (failedOfRequirement(req, out.failed, suite).empty()) return false;
    }
    return true;
  }

  void finishOne(int fault) {  // mu held
    if (--left[fault] == 0) {
      const Unit u{fault, nullptr};
      if (u.fault < 0) {
        std::cout << "selftest: conformant emulator: "
                  << (result.baseline_not_passing.empty() ? "every scenario passes"
                                                          : "NOT every scenario passes")
                  << "\n";
      } else {
        const auto& out = result.faults[u.fault];
        std::cout << "selftest: " << out.fault.name << ": " << (out.caught() ? "caught" : "MISSED")
                  << "\n";
      }
      std::cout.flush();
    }
  }
};

Selftest::Selftest(SelftestOptions opts, dut::LabFile lab, std::vector<Requirement> catalog,
                   std::vector<scenario::Scenario> suite, std::vector<FaultInfo> faults)
    : impl_(std::make_shared<Impl>()) {
  impl_->opts = std::move(opts);
  impl_->lab = std::move(lab);
  impl_->catalog = std::move(catalog);
  impl_->suite = std::move(suite);
  impl_->faults = std::move(faults);
}

void Selftest::interrupt(const std::string& why) {
  std::lock_guard lock(impl_->mu);
  impl_->interrupted = true;
  for (auto* r : impl_->running) r->interrupt(why);
}

namespace {

void sortUnique(std::vector<std::string>& v) {
  std::sort(v.begin(), v.end());
  v.erase(std::unique(v.begin(), v.end()), v.end());
}

nlohmann::json toJson(const SelftestResult& r) {
  nlohmann::json j;
  j["ok"] = r.ok();
  j["interrupted"] = r.interrupted;
  j["baseline_not_passing"] = r.baseline_not_passing;
  j["unproven_requirements"] = r.unproven;
  j["faults"] = nlohmann::json::array();
  for (const auto& f : r.faults) {
    j["faults"].push_back({{"fault", f.fault.name},
                           {"description", f.fault.description},
                           {"area", f.fault.area},
                           {"requirements", f.fault.requirements},
                           {"caught", f.caught()},
                           {"ran", f.ran},
                           {"failed", f.failed},
                           {"errors", f.errors}});
  }
  j["wrong_ways"] = nlohmann::json::array();
  for (const auto& w : r.wrong_ways) {
    j["wrong_ways"].push_back({{"requirement", w.requirement},
                               {"fault", w.way.fault},
                               {"how", w.way.how},
                               {"status", w.status},
                               {"by", w.by}});
  }
  return j;
}

}  // namespace

std::vector<WrongWayOutcome> judgeWrongWays(const std::vector<Requirement>& catalog,
                                            const std::vector<scenario::Scenario>& suite,
                                            const std::vector<FaultInfo>& known,
                                            const std::vector<FaultOutcome>& ran) {
  std::vector<WrongWayOutcome> out;
  for (const auto& req : catalog) {
    for (const auto& way : req.wrong_ways) {
      WrongWayOutcome o{req.id, way, "", {}};
      const bool exists = std::any_of(known.begin(), known.end(),
                                      [&](const FaultInfo& f) { return f.name == way.fault; });
      auto it = std::find_if(ran.begin(), ran.end(),
                             [&](const FaultOutcome& f) { return f.fault.name == way.fault; });
      if (!exists) {
        o.status = "unknown-fault";
      } else if (it == ran.end()) {
        o.status = "not-run";
      } else {
        o.by = failedOfRequirement(req.id, it->failed, suite);
        o.status = !o.by.empty() ? "caught" : it->caught() ? "caught-elsewhere" : "missed";
      }
      out.push_back(std::move(o));
    }
  }
  return out;
}

SelftestResult Selftest::run() {
  auto& im = *impl_;
  prepareReportFolder(im.opts.report_dir);
  for (const auto& sc : im.suite) im.units.push_back({-1, &sc});
  im.left[-1] = im.suite.size();
  im.result.faults.resize(im.faults.size());
  // Per fault, the scenarios naming a requirement it breaks (its `breaks:`, the fault list's
  // fourth column; a fault that names none: the scenarios of its area), then with --exhaustive
  // the rest of its area. The faults' units are taken in turns (the first of every fault, then
  // the second...), so that by a fault's later units its first ones have finished, and a fault
  // already proven skips the rest.
  std::vector<std::vector<Impl::Unit>> queues(im.faults.size());
  for (size_t i = 0; i < im.faults.size(); ++i) {
    im.result.faults[i].fault = im.faults[i];
    for (const auto* sc : scenariosOfFault(im.suite, im.faults[i], im.opts.exhaustive)) {
      queues[i].push_back({static_cast<int>(i), sc});
    }
    im.left[static_cast<int>(i)] = queues[i].size();
  }
  for (size_t k = 0;; ++k) {
    bool any = false;
    for (auto& q : queues) {
      if (k < q.size()) {
        im.units.push_back(q[k]);
        any = true;
      }
    }
    if (!any) break;
  }
  std::cout << "selftest: " << im.faults.size() << " faults, " << im.units.size()
            << " scenario runs in " << im.opts.jobs << " lanes\n";
  std::cout.flush();

  // Audio scenarios measure a real-time stream (20 ms packets against the phone's jitter buffer):
  // beside a dozen busy lanes on a small machine the harness's RTP sender was stalled for 100 ms
  // and more, and the conformant emulator rightly dropped what came too late. They run last,
  // one at a time, with nothing beside them.
  auto alone = [](const Impl::Unit& u) {
    const auto& needs = u.sc->dut.needs;
    return std::find(needs.begin(), needs.end(), "audio_loopback") != needs.end();
  };
  auto first_alone = std::stable_partition(im.units.begin(), im.units.end(),
                                           [&](const Impl::Unit& u) { return !alone(u); });
  std::vector<Impl::Unit> last(first_alone, im.units.end());
  im.units.erase(first_alone, im.units.end());
  const int lanes = std::clamp(im.opts.jobs, 1, 200);
  std::vector<std::thread> threads;
  for (int k = 0; k < lanes; ++k) threads.emplace_back([&im, k] { im.worker(k); });
  for (auto& t : threads) t.join();
  {
    std::lock_guard lock(im.mu);
    im.units = std::move(last);
    im.next = 0;
  }
  im.worker(0);

  std::lock_guard lock(im.mu);
  auto& r = im.result;
  r.interrupted = im.interrupted;
  std::set<std::string> caught_by;  // scenarios that caught some fault
  for (auto& f : r.faults) {
    sortUnique(f.ran);
    sortUnique(f.failed);
    sortUnique(f.errors);
    caught_by.insert(f.failed.begin(), f.failed.end());
  }
  sortUnique(r.baseline_not_passing);
  for (const auto& req : im.opts.every_fault ? im.catalog : std::vector<Requirement>{}) {
    bool tested = false, proven = false;
    for (const auto& sc : im.suite) {
      if (std::find(sc.requirements.begin(), sc.requirements.end(), req.id) ==
          sc.requirements.end()) {
        continue;
      }
      tested = true;
      proven = proven || caught_by.count(sc.id);
    }
    if (tested && !proven) r.unproven.push_back(req.id);
  }
  r.wrong_ways =
      judgeWrongWays(im.catalog, im.suite,
                     im.opts.known_faults.empty() ? im.faults : im.opts.known_faults, r.faults);
  reports::writeFileAtomic(im.opts.report_dir + "/selftest.json", toJson(r).dump(2) + "\n");
  reports::writeFileAtomic(im.opts.report_dir + "/selftest.txt", formatTable(r));
  return r;
}

std::string formatTable(const SelftestResult& r) {
  size_t w = 5;
  for (const auto& f : r.faults) w = std::max(w, f.fault.name.size());
  std::ostringstream out;
  out << "conformant emulator: "
      << (r.baseline_not_passing.empty() ? "every scenario passes" : "NOT every scenario passes")
      << "\n";
  for (const auto& b : r.baseline_not_passing) out << "  " << b << "\n";
  out << "\n";
  auto pad = [](std::string s, size_t n) {
    s.resize(std::max(n, s.size()), ' ');
    return s;
  };
  out << pad("fault", w) << "  " << pad("area", 10) << "  " << pad("verdict", 7)
      << "  scenarios that failed\n";
  size_t caught = 0;
  for (const auto& f : r.faults) {
    std::string failed;
    for (const auto& s : f.failed) failed += (failed.empty() ? "" : ", ") + s;
    if (failed.empty()) failed = "(none of " + std::to_string(f.ran.size()) + ")";
    for (const auto& e : f.errors) failed += " [error: " + e + "]";
    out << pad(f.fault.name, w) << "  " << pad(f.fault.area, 10) << "  "
        << pad(f.caught() ? "caught" : "MISSED", 7) << "  " << failed << "\n";
    caught += f.caught();
  }
  out << "\n" << caught << " of " << r.faults.size() << " faults caught";
  if (r.interrupted) out << " (interrupted: the table is incomplete)";
  out << "\n";
  if (!r.wrong_ways.empty()) {
    out << "\nwrong ways per requirement (scenarios/requirements.yaml wrong_ways):\n";
    std::string last;
    size_t proven = 0, judged = 0;
    for (const auto& ww : r.wrong_ways) w = std::max(w, ww.way.fault.size());
    for (const auto& ww : r.wrong_ways) {
      if (ww.status == "not-run") continue;  // --fault: only the faults this self-test ran
      ++judged;
      if (ww.requirement != last) out << "  " << ww.requirement << "\n";
      last = ww.requirement;
      std::string by;
      for (const auto& s : ww.by) by += (by.empty() ? "" : ", ") + s;
      out << "    " << pad(ww.way.fault, w) << "  " << pad(ww.status, 16)
          << (by.empty() ? "" : "  " + by) << "\n";
      proven += ww.status == "caught";
    }
    out << proven << " of " << judged << " wrong ways caught by a scenario of their requirement";
    if (judged < r.wrong_ways.size()) {
      out << " (" << r.wrong_ways.size() - judged << " of other faults not run)";
    }
    out << "\n";
  }
  if (!r.unproven.empty()) {
    out << "unproven requirements (no fault breaks their scenarios):";
    for (const auto& u : r.unproven) out << " " << u;
    out << "\n";
  }
  return out.str();
}

}  // namespace phonelab::runner
