// libFuzzer target: SDP offers as the emulator answers them, and the SIP helpers the emulator
// applies to a request (domain lists, proxy values, NOTIFY classification).

#include <cstddef>
#include <cstdint>
#include <string>

#include "emulator/sip_logic.h"

namespace emu = phonelab::emulator;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string in(reinterpret_cast<const char*>(data), size);
  (void)emu::sdpAnswer(in, "198.18.0.100", 40000, 1);
  (void)emu::parseDomainList(in);
  (void)emu::parseDomainList(in, true);
  (void)emu::parseProxy(in);
  return 0;
}
