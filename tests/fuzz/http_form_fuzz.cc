// libFuzzer target: what the emulator's web UI parses out of an HTTP request by our own code
// (form bodies, cookies, Basic credentials, percent-encoding); Beast parses the request itself.

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "emulator/form.h"

namespace emu = phonelab::emulator;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  (void)emu::parseForm(in);
  (void)emu::urlDecode(in);
  (void)emu::cookieValue(in, "session");
  (void)emu::parseBasicAuth(in);
  bool ok = false;
  (void)emu::base64Decode(in, &ok);
  return 0;
}
