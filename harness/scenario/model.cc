#include "harness/scenario/model.h"

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

}  // namespace phonelab::scenario
