// libFuzzer target: loading a scenario file and a requirement catalog. Bad YAML must become
// diagnostics with a place, never a crash.

#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "harness/scenario/loader.h"

namespace sc = phonelab::scenario;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const std::string path = [] {
    static std::string p = "/tmp/phonelab-fuzz-" + std::to_string(::getpid()) + ".yaml";
    std::atexit([] { std::remove(p.c_str()); });
    return p;
  }();
  FILE* f = std::fopen(path.c_str(), "wb");
  if (!f) return 0;
  std::fwrite(data, 1, size, f);
  std::fclose(f);
  std::vector<phonelab::Diagnostic> diags;
  try {
    (void)sc::loadScenarioFile(path, diags);
  } catch (const std::exception&) {
    // ConfigError is how the loader reports; anything that is not a crash is fine here.
  }
  std::vector<phonelab::Diagnostic> diags2;
  try {
    (void)sc::loadRequirements(path, diags2);
  } catch (const std::exception&) {
  }
  return 0;
}
