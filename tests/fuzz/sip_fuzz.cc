// libFuzzer target: the SIP codec (everything the phone and hostile peers send goes through it).

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "base/proto/sip.h"

namespace sip = phonelab::proto::sip;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  for (bool stream : {false, true}) {
    auto r = sip::parse(in, stream);
    if (!r.message) continue;
    const auto& m = *r.message;
    (void)sip::checkMessage(m);
    (void)m.cseq();
    (void)m.topViaBranch();
    (void)m.summary();
    for (const auto& h : m.headers) {
      (void)sip::parseChallenge(h.value);
      (void)sip::parseCredentials(h.value);
      (void)sip::headerParam(h.value, "tag");
      (void)sip::headerUri(h.value);
    }
    (void)sip::parse(sip::serialize(m, false), stream);
  }
  return 0;
}
