// libFuzzer target: DHCP messages as the capture and the rogue server read them, and every option
// value formatted through the option table (what a hostile or broken DHCP peer can send us).

#include <cstddef>
#include <cstdint>
#include <span>

#include "base/proto/dhcp.h"
#include "base/proto/dhcp_options.h"

namespace dhcp = phonelab::proto::dhcp;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::span<const uint8_t> in(data, size);
  auto r = dhcp::decode(in);
  if (r.message) {
    auto again = dhcp::decode(dhcp::encode(*r.message));
    if (!again.message) __builtin_trap();  // what we encode we must read back
  }
  if (size >= 1) {
    (void)dhcp::formatOptionValue(dhcp::findOption(data[0]), in.subspan(1));
  }
  return 0;
}
