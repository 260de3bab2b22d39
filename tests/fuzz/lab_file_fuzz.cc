// libFuzzer target: loading a lab file (lab/*.yaml) and the device profile it names. The input is
// the lab file, written where the seeds' `profile:` paths reach the project's real profiles. Bad
// YAML must become diagnostics with a place, never a crash.

#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>

#include "harness/dut/lab_file.h"

namespace dut = phonelab::dut;
namespace fs = std::filesystem;

namespace {

const fs::path& labDir() {
  static const fs::path dir = "/tmp/phonelab-fuzz-lab-" + std::to_string(::getpid());
  return dir;
}

/// D/a/b/lab.yaml, where the seeds' profile paths lead to the project's profiles: devices/ (the
/// lab folder's own), ../devices/ (lab/examples) and ../../lab/devices/ (fixtures/labs-invalid).
std::string labPath() {
  const fs::path src = PHONELAB_SOURCE_DIR;
  const fs::path& dir = labDir();
  fs::create_directories(dir / "a" / "b");
  std::atexit([] {
    std::error_code ec;
    fs::remove_all(labDir(), ec);
  });
  std::error_code ec;
  fs::create_directory_symlink(src / "lab" / "devices", dir / "a" / "b" / "devices", ec);
  fs::create_directory_symlink(src / "lab" / "devices", dir / "a" / "devices", ec);
  fs::create_directory_symlink(src / "lab", dir / "lab", ec);
  return (dir / "a" / "b" / "lab.yaml").string();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const std::string path = labPath();
  FILE* f = std::fopen(path.c_str(), "wb");
  if (!f) return 0;
  std::fwrite(data, 1, size, f);
  std::fclose(f);
  try {
    (void)dut::loadLabFile(path);
  } catch (const phonelab::ConfigError& e) {
    if (e.diagnostics().empty()) __builtin_trap();  // a refusal names the place
  }
  return 0;
}
