#pragma once
/// phonelab selftest: proof that the suite catches every emulator fault. The suite runs once
/// against the conformant emulator (everything must pass), then once per fault against the
/// scenarios naming a requirement the fault breaks (its `breaks:`); a fault is caught when at
/// least one of those scenarios fails.
/// Prints a table and writes selftest.json; requirements whose scenarios no fault breaks are listed
/// as unproven.

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "base/core/result.h"
#include "harness/dut/lab_file.h"
#include "harness/scenario/model.h"

namespace phonelab::runner {

struct FaultInfo {
  std::string name;
  std::string description;
  std::string area;  // folder of scenarios/ it belongs to; "*" = the whole suite
  std::vector<std::string> requirements;  // breaks: the requirement ids it is a wrong way of
};

struct SelftestOptions {
  std::string report_dir = "out/selftest";
  std::string bin_dir;
  int jobs = 8;             // lanes in use at once, over all faults
  bool every_fault = true;  // false when only some faults run: no requirement is judged unproven
  /// Every fault the emulator lists, also those not run (empty: the ones run are all of them).
  std::vector<FaultInfo> known_faults;
  /// Run every scenario of the requirements a fault breaks, and then the rest of its area, even
  /// once the fault is proven (caught by a scenario of each requirement it breaks). Default: only
  /// the scenarios of those requirements, and none once the fault is proven.
  bool exhaustive = false;
  std::string command_line;
};

struct FaultOutcome {
  FaultInfo fault;
  std::vector<std::string> ran;     // scenario ids run with the fault
  std::vector<std::string> failed;  // of those, the ones that failed: they caught it
  std::vector<std::string> errors;  // harness errors (not a catch)
  bool caught() const { return !failed.empty(); }
};

/// One `wrong_ways:` entry of the catalogue, judged by this self-test.
struct WrongWayOutcome {
  std::string requirement;
  WrongWay way;
  /// "caught": a scenario of the requirement failed with the fault; "caught-elsewhere": only
  /// scenarios of other requirements did; "missed": none did; "unknown-fault": the emulator has
  /// no such fault; "not-run": the fault was not part of this self-test (--fault).
  std::string status;
  std::vector<std::string> by;  // the requirement's scenarios that failed with the fault
};

struct SelftestResult {
  std::vector<std::string> baseline_not_passing;  // "id: verdict" of the fault-free run
  std::vector<FaultOutcome> faults;
  std::vector<WrongWayOutcome> wrong_ways;  // in catalogue order
  std::vector<std::string> unproven;        // requirement ids no fault breaks
  bool interrupted = false;
  bool ok() const;
};

/// The scenarios (of `suite`) whose file lies in scenarios/<area>/ ("*": all of them).
std::vector<scenario::Scenario> scenariosOfArea(const std::vector<scenario::Scenario>& suite,
                                                const std::string& area);

/// The scenarios (of `suite`, in its order) a fault runs against: those naming a requirement it
/// breaks (`fault.requirements`); with `exhaustive`, then the rest of its area. A fault that
/// names no requirement (an emulator whose list has no fourth column): the scenarios of its area.
std::vector<const scenario::Scenario*> scenariosOfFault(
    const std::vector<scenario::Scenario>& suite, const FaultInfo& fault, bool exhaustive);

/// "name<TAB>description<TAB>area<TAB>requirements" lines of `phone-emulator --list-faults`.
std::vector<FaultInfo> parseFaultList(const std::string& text);

class Selftest {
 public:
  Selftest(SelftestOptions opts, dut::LabFile lab, std::vector<Requirement> catalog,
           std::vector<scenario::Scenario> suite, std::vector<FaultInfo> faults);
  SelftestResult run();
  /// Thread-safe: stop scheduling, tear down what runs, still write the table of what finished.
  void interrupt(const std::string& why);

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

/// Each `wrong_ways:` entry of `catalog` judged against the faults the self-test ran (`known`:
/// every fault the emulator lists).
std::vector<WrongWayOutcome> judgeWrongWays(const std::vector<Requirement>& catalog,
                                            const std::vector<scenario::Scenario>& suite,
                                            const std::vector<FaultInfo>& known,
                                            const std::vector<FaultOutcome>& ran);

/// The table people read (also written to selftest.txt).
std::string formatTable(const SelftestResult& r);

}  // namespace phonelab::runner
