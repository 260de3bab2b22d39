// libFuzzer target: the phone's SDP answer as the audio call reads it (parseSdpAudio: the c=
// address, the m=audio port, transport and first payload type) before it sends RTP there.

#include <cstddef>
#include <cstdint>
#include <string>

#include "fakes/audio/rtp_session.h"

namespace audio = phonelab::fakes::audio;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string in(reinterpret_cast<const char*>(data), size);
  const auto a = audio::parseSdpAudio(in);
  if (a.ip.size() > in.size() || a.proto.size() > in.size()) __builtin_trap();
  (void)audio::codecName(a.payload_type);
  return 0;
}
