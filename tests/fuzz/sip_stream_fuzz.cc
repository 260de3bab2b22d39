// libFuzzer target: SIP over TLS/TCP framing (RFC 3261 18.3), as the TLS proxy splits what the
// phone sends into messages. The input arrives in segments whose sizes the first bytes choose;
// every message taken must be what the same bytes give in one piece.

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "base/proto/sip_stream.h"

namespace proto = phonelab::proto;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2) return 0;
  // Segment size 1..65536 from the first two bytes.
  const size_t seg = 1 + ((size_t{data[0]} << 8) | data[1]);
  const std::string in(reinterpret_cast<const char*>(data) + 2, size - 2);

  std::string whole = in, whole_err;
  const auto all = proto::takeSipMessages(whole, whole_err);

  // As the TLS proxy reads: the scan carried from one segment to the next.
  std::string buf, err;
  proto::SipStreamScan scan;
  std::vector<std::string> got;
  for (size_t at = 0; at < in.size() && err.empty(); at += seg) {
    buf.append(in, at, seg);
    for (auto& m : proto::takeSipMessages(buf, scan, err)) got.push_back(std::move(m));
  }
  // Fed in pieces, the stream gives the same messages (an error may come earlier: a header block
  // without its end is refused as soon as it is over the limit).
  if (got.size() > all.size()) __builtin_trap();
  for (size_t i = 0; i < got.size(); ++i) {
    if (got[i] != all[i]) __builtin_trap();
  }
  if (err.empty() && whole_err.empty() && (got.size() != all.size() || buf != whole))
    __builtin_trap();
  for (const auto& m : all) {
    if (m.find("\r\n\r\n") == std::string::npos) __builtin_trap();
  }
  return 0;
}
