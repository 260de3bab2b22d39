// libFuzzer target: the SDP reader (base/proto/sdp.h) on offers and answers as a phone or a
// hostile peer sends them, the first audio stream a call sends RTP to, and the writer on what the
// reader returned.

#include <cstddef>
#include <cstdint>
#include <string>

#include "base/proto/sdp.h"

namespace sdp = phonelab::proto::sdp;

namespace {

/// Nothing the reader returns spans a line end or is longer than its input.
void checkField(const std::string& field, size_t input_size) {
  if (field.size() > input_size || field.find('\n') != std::string::npos) __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string in(reinterpret_cast<const char*>(data), size);
  const auto s = sdp::parse(in);
  checkField(s.address, size);
  checkField(s.origin_address, size);
  for (const auto& m : s.media) {
    checkField(m.address, size);
    checkField(m.proto, size);
    if (m.address.find_first_of(" \t\r") != std::string::npos) __builtin_trap();
    for (int pt : m.payloads) {
      if (pt < 0 || pt > 127) __builtin_trap();
    }
    for (const auto& r : m.rtpmaps) checkField(r.encoding, size);
    for (const auto& c : m.crypto) checkField(c.key_params, size);
  }
  if (const auto a = sdp::firstAudio(s)) {
    if (a->port == 0 || a->ip.empty()) __builtin_trap();
  }
  // The writer on what the reader returned, and the reader on that again: the first audio
  // stream survives the round trip.
  const auto again = sdp::parse(sdp::build(s));
  const auto a1 = sdp::firstAudio(s), a2 = sdp::firstAudio(again);
  if (a1.has_value() != a2.has_value()) __builtin_trap();
  if (a1 && (a1->ip != a2->ip || a1->port != a2->port || a1->payloads != a2->payloads))
    __builtin_trap();
  return 0;
}
