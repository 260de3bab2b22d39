// libFuzzer target: the DNS codec of the DNS fake (queries from the phone arrive here).

#include <cstddef>
#include <cstdint>
#include <span>

#include "base/proto/dns.h"

namespace dns = phonelab::proto::dns;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto r = dns::decode(std::span<const uint8_t>(data, size));
  if (r.message) {
    (void)dns::encode(dns::responseTo(*r.message, 3));
    for (const auto& q : r.message->questions) (void)dns::canonicalName(q.name);
  }
  return 0;
}
