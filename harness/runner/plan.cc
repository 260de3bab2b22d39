#include "harness/runner/plan.h"

#include <map>

namespace phonelab::runner {

std::string dhcpConfigKey(const scenario::Scenario& sc) {
  const auto& d = sc.fakes.dhcp;
  if (!d.enabled) return "";
  std::string key = "pool " + d.pool_from + "-" + d.pool_to + "; lease " + std::to_string(d.lease) +
                    "; /" + std::to_string(d.prefix_len) + (d.send_timers ? "" : "; no timers");
  for (const auto& o : d.options) {
    key += "; " + o.option + "=" + o.value + (o.always_send ? " (always)" : "");
  }
  return key;
}

double scenarioFloor(const scenario::Scenario& sc, double boot_timeout) {
  double floor = 0;
  for (const auto& step : sc.steps) {
    if (const auto* n = std::get_if<scenario::ExpectNoneStep>(&step.body)) {
      floor += n->spec.within + n->spec.within_boots * boot_timeout;
    }
  }
  return floor;
}

NetworkStart networkStart(const RunPlan& plan, size_t i) {
  const auto& p = plan.order[i];
  if (i > 0 && !p.group.empty() && plan.order[i - 1].group == p.group) return NetworkStart::kept;
  // With link bounces only the first network start is a boot.
  return plan.link_bounce && i > 0 ? NetworkStart::bounce : NetworkStart::boot;
}

RunPlan planRun(const std::vector<scenario::Scenario>& scenarios, const dut::LabFile& lab,
                bool fresh_boot_each) {
  RunPlan plan;
  // Only a phone that outlives a scenario can be kept running for the next one.
  const bool share = !fresh_boot_each && lab.physical() != nullptr;
  plan.link_bounce = share && lab.linkBounce();
  std::vector<PlannedScenario> boots;
  std::vector<std::string> group_order;
  std::map<std::string, std::vector<PlannedScenario>> groups;
  for (size_t i = 0; i < scenarios.size(); ++i) {
    PlannedScenario p;
    p.index = i;
    p.need = scenario::startNeed(scenarios[i]);
    if (!share || p.need.boot) {
      boots.push_back(p);
      continue;
    }
    // A running phone keeps what its network start's DHCP offer gave it (address, DNS, NTP,
    // provisioning server): it shares it only with scenarios that offer the same.
    p.group = "dhcp: " + dhcpConfigKey(scenarios[i]);
    if (!groups.count(p.group)) group_order.push_back(p.group);
    groups[p.group].push_back(p);
  }
  // Shared: the groups first, each in the suite's order, then the scenarios that watch a network
  // start. Else the suite's order.
  for (const auto& g : group_order) {
    if (groups[g].size() == 1) groups[g].front().group.clear();  // nothing to share
    for (auto& p : groups[g]) plan.order.push_back(p);
    plan.shared = plan.shared || groups[g].size() > 1;
  }
  for (auto& p : boots) plan.order.push_back(p);
  for (size_t i = 0; i < plan.order.size(); ++i) {
    const NetworkStart start = networkStart(plan, i);
    plan.boots += start == NetworkStart::boot;
    plan.bounces += start == NetworkStart::bounce;
  }
  plan.shared = plan.shared || (plan.link_bounce && plan.order.size() > 1);
  return plan;
}

}  // namespace phonelab::runner
