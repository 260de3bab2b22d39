// libFuzzer target: the TFTP codec of the TFTP fake (requests and ACKs from the phone).

#include <cstddef>
#include <cstdint>
#include <span>

#include "base/proto/tftp.h"

namespace tftp = phonelab::proto::tftp;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto r = tftp::decode(std::span<const uint8_t>(data, size));
  if (r.packet) {
    (void)tftp::packetName(*r.packet);
    (void)tftp::encode(*r.packet);
  }
  return 0;
}
