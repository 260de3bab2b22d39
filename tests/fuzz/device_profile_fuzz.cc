// libFuzzer target: loading a device profile (lab/devices/*.yaml). Bad YAML must become
// diagnostics with a place, never a crash.

#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "harness/dut/profile.h"

namespace dut = phonelab::dut;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const std::string path = [] {
    static std::string p = "/tmp/phonelab-fuzz-profile-" + std::to_string(::getpid()) + ".yaml";
    std::atexit([] { std::remove(p.c_str()); });
    return p;
  }();
  FILE* f = std::fopen(path.c_str(), "wb");
  if (!f) return 0;
  std::fwrite(data, 1, size, f);
  std::fclose(f);
  try {
    const auto p = dut::loadDeviceProfile(path);
    for (const auto& [name, def] : p.settings) (void)p.firmwareValue(def, "yes");
  } catch (const phonelab::ConfigError& e) {
    if (e.diagnostics().empty()) __builtin_trap();  // a refusal names the place
  }
  return 0;
}
