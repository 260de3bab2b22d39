#include "harness/scenario/model.h"

#include <algorithm>

#include "base/core/match.h"
#include "base/core/status_fields.h"

namespace phonelab::scenario {

const char* actionName(const Action& a) {
  static constexpr const char* names[] = {
      "configure", "reboot",     "power_cycle", "fetch_config", "fetch_status",
      "ping",      "sip_call",   "sip_send",    "sip_fuzz",     "silence",
      "unsilence", "audio_call", "pause_dhcp",  "resume_dhcp"};
  static_assert(std::size(names) == std::variant_size_v<Action>);
  return names[a.index()];
}

const char* Step::kindName() const {
  static constexpr const char* names[] = {"wait", "act", "expect", "expect_none"};
  static_assert(std::size(names) == std::variant_size_v<decltype(body)>);
  return names[body.index()];
}

std::vector<std::string> statusFieldsUsed(const Scenario& sc) {
  std::vector<std::string> out;
  auto add = [&out](const EventSpec& spec) {
    if (!globMatch(spec.event, "dut.status")) return;
    // A pattern wider than dut.status ("*") names fields of other events too (src_ip, src_mac):
    // only the status fields among them depend on the profile.
    const bool only_status = spec.event == "dut.status";
    for (const auto& c : spec.where) {
      if (!only_status && !isStatusField(c.field)) continue;
      if (std::find(out.begin(), out.end(), c.field) == out.end()) out.push_back(c.field);
    }
  };
  for (const auto& step : sc.steps) {
    std::visit(
        [&add](const auto& b) {
          if constexpr (requires { b.spec; }) add(b.spec);
        },
        step.body);
  }
  return out;
}

}  // namespace phonelab::scenario
