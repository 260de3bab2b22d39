#pragma once
/// The run's plan: which scenarios watch the phone boot and which share a boot. A bench phone
/// (driver: physical) outlives a scenario, so the scenarios that need only a running phone in the
/// same network configuration (the same DHCP offer) run one after the other on one boot; each
/// scenario that watches the boot gets one of its own, or, where the phone starts its network
/// afresh when its link comes back (lab file link_bounce, profile expect.link_restored), a link
/// bounce instead: then the whole run needs one boot. An emulator in a namespace is a new
/// process per scenario (its boot takes the lab's boot_delay): every scenario boots it, as does
/// every scenario of a run with --fresh-boot-each.

#include <string>
#include <vector>

#include "harness/dut/lab_file.h"
#include "harness/scenario/model.h"

namespace phonelab::runner {

struct PlannedScenario {
  size_t index = 0;  // into the suite's scenarios
  /// The configuration it may share a boot in ("" = a boot of its own: it watches the boot, or
  /// nothing is shared in this run). Scenarios with the same group run one after the other.
  std::string group;
  scenario::StartNeed need;
};

struct RunPlan {
  std::vector<PlannedScenario> order;  // the order the scenarios run in
  bool shared = false;                 // some scenarios share a boot
  /// The phone's network can be started afresh by a link bounce (lab file link_bounce, profile
  /// expect.link_restored: rediscover): every network start but the first is a bounce.
  bool link_bounce = false;
  size_t boots = 0;    // boots planned: each network start (each boot scenario, each group's first)
  size_t bounces = 0;  // network starts planned as link bounces instead of boots
};

/// How the plan's i-th scenario finds the phone's network: started by a boot, started afresh by
/// a link bounce, or as the scenario before (the same group) left it.
enum class NetworkStart { boot, bounce, kept };
NetworkStart networkStart(const RunPlan& plan, size_t i);

/// `fresh_boot_each`: every scenario boots the phone (the order is the suite's).
RunPlan planRun(const std::vector<scenario::Scenario>& scenarios, const dut::LabFile& lab,
                bool fresh_boot_each);

/// The network configuration a running phone keeps from its boot: the scenario's DHCP offer
/// (pool, lease, timers, options), as one comparable text. "" for a scenario without a DHCP fake.
std::string dhcpConfigKey(const scenario::Scenario& sc);

/// Seconds a scenario's steps take whatever the phone does: its expect_none windows (a window of
/// silence lasts its whole length). The floor of a run adds the boots it cannot avoid.
double scenarioFloor(const scenario::Scenario& sc, double boot_timeout);

}  // namespace phonelab::runner
