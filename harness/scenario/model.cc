#include "harness/scenario/model.h"

#include <algorithm>
#include <stdexcept>

#include "base/core/match.h"
#include "base/core/status_fields.h"

namespace phonelab::scenario {

namespace {

constexpr ActionInfo kActionTable[] = {
    {"configure", "", ""},
    {"reboot", "", ""},
    {"power_cycle", "", ""},
    {"fetch_config", "", ""},
    {"fetch_status", "", ""},
    {"ping", "", ""},
    {"sip_call", "sip_ua", "the test UA"},
    {"sip_send", "hostile_sip", "the hostile SIP server"},
    {"sip_fuzz", "", ""},
    {"silence", "", ""},
    {"unsilence", "", ""},
    {"audio_call", "sip_ua", "the test UA"},
    {"pause_dhcp", "dhcp", "Kea"},
    {"resume_dhcp", "dhcp", "Kea"},
    {"claim_address", "", ""},
    {"release_address", "", ""},
};
static_assert(std::size(kActionTable) == std::variant_size_v<Action>);

}  // namespace

std::span<const ActionInfo> actionTable() {
  return kActionTable;
}

std::vector<std::string> actionNames() {
  std::vector<std::string> out;
  for (const auto& a : kActionTable) out.emplace_back(a.name);
  return out;
}

const char* actionName(const Action& a) {
  return kActionTable[a.index()].name;
}

bool fakeEnabled(const Fakes& f, std::string_view key) {
  if (key == "dhcp") return f.dhcp.enabled;
  if (key == "dns") return f.dns.enabled;
  if (key == "ntp") return f.ntp.enabled;
  if (key == "tftp") return f.tftp.enabled;
  if (key == "http") return f.http.enabled;
  if (key == "acs") return f.acs.enabled;
  if (key == "rogue_dhcp") return f.rogue_dhcp.enabled;
  if (key == "sip") return f.sip.enabled;
  if (key == "sip_ua") return f.sip_ua.enabled;
  if (key == "hostile_sip") return f.hostile_sip.enabled;
  if (key == "tls_proxy") return f.tls_proxy.enabled;
  throw std::logic_error("fakeEnabled: no fake '" + std::string(key) + "'");
}

const char* Step::kindName() const {
  static constexpr const char* names[] = {"wait", "act", "expect", "expect_none"};
  static_assert(std::size(names) == std::variant_size_v<decltype(body)>);
  return names[body.index()];
}

bool isBootEvent(const std::string& pattern) {
  for (const char* kind :
       {"dhcp.discover", "dhcp.offer", "dhcp.request", "dhcp.ack", "dhcp.nak", "tftp.rrq",
        "tftp.done", "acs.inform", "ntp.request", "ntp.reply", "rogue.seen"}) {
    // "dhcp.*" watches DHCP; "*" does not count: it watches anything.
    if (pattern != "*" && globMatch(pattern, kind)) return true;
  }
  return false;
}

namespace {

/// The event a step waits for, expects or expects not to see; null for an action.
const EventSpec* specOf(const Step& step) {
  return std::visit(
      [](const auto& b) -> const EventSpec* {
        if constexpr (requires { b.spec; }) {
          return &b.spec;
        } else {
          return nullptr;
        }
      },
      step.body);
}

}  // namespace

StartNeed derivedStartNeed(const Scenario& sc) {
  bool before_action = true;
  for (const auto& step : sc.steps) {
    if (std::holds_alternative<ActStep>(step.body)) before_action = false;
    const EventSpec* spec = specOf(step);
    if (!spec) continue;
    const bool from_start = spec->since == "scenario" || (spec->since.empty() && before_action);
    if (from_start && isBootEvent(spec->event)) {
      return StartNeed{
          true, false,
          "step '" + step.name + "' watches " + spec->event + " from the scenario's start",
          step.mark};
    }
    if (auto* e = std::get_if<ExpectStep>(&step.body); e && e->probe) before_action = false;
  }
  return StartNeed{false, false, "", sc.mark};
}

StartNeed startNeed(const Scenario& sc) {
  if (sc.dut.start.empty()) return derivedStartNeed(sc);
  const bool boot = sc.dut.start == "boot";
  return StartNeed{boot, true, boot ? "declared (dut.start: boot)" : "", sc.dut.start_mark};
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
    if (const EventSpec* spec = specOf(step)) add(*spec);
  }
  return out;
}

}  // namespace phonelab::scenario
