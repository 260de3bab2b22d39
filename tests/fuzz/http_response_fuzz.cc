// libFuzzer target: the HTTP client's reading of a response (the phone's admin pages, cfg.xml,
// status.xml): Beast's parser with the client's limits, then our status, headers and body.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "base/net/http/http_response.h"

namespace net = phonelab::net;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  std::string error;
  auto r = net::parseHttpResponse(in, error);
  if (!r) {
    if (error.empty()) __builtin_trap();  // a refusal always says why
    return 0;
  }
  if (r->status < 0 || r->status > 999) __builtin_trap();
  if (r->body.size() > net::kMaxResponseBody) __builtin_trap();
  for (const auto& [name, value] : r->headers) {
    for (char c : name) {
      if (c >= 'A' && c <= 'Z') __builtin_trap();  // names are lower-cased
    }
    if (r->header(name) != &value) __builtin_trap();
  }
  return 0;
}
