#pragma once
/// The media half of a test call: sends a stimulus as G.711 RTP (20 ms packets, RFC 3550
/// headers, paced on the media clock) to the address the DUT's SDP answer gave, and records every
/// RTP packet that comes back, with its arrival time. One thread, poll() with deadlines.

#include <functional>
#include <string>
#include <vector>

#include "base/core/deadline.h"
#include "fakes/audio/analyser.h"

namespace phonelab::fakes::audio {

struct RtpSessionOptions {
  std::string local_ip;  // our m=audio address (bound in the calling thread's namespace)
  int local_port = 40000;
  std::string remote_ip;  // from the SDP answer (c=, m=audio: base/proto/sdp.h)
  int remote_port = 0;
  int payload_type = 0;  // 0 PCMU, 8 PCMA
  /// After the last packet is sent: stop once nothing came back for `quiet` seconds, or after
  /// `max_tail` seconds at the latest. 0.8 s: on a loaded two-core machine the phone's process
  /// stalls now and then for longer than 0.4 s, and the packets it still held counted as lost.
  double quiet = 0.8;
  double max_tail = 1.5;
  /// Polled every packet: true stops the exchange at once (scenario timeout, Ctrl-C).
  std::function<bool()> cancelled;
  /// At most this many received packets are kept (0: four times the packets sent plus 5 s of
  /// 20 ms packets): a flooding phone cannot grow the buffer without bound; the rest are counted.
  size_t max_received = 0;
};

struct RtpExchange {
  std::vector<RtpPacket> sent;      // at = send time
  std::vector<RtpPacket> received;  // at = arrival time (same clock), in arrival order
  int malformed = 0;                // datagrams that were not RTP
  size_t limit = 0;                 // the cap on `received` that applied
  size_t dropped = 0;               // RTP packets past the cap: not kept
};

/// Throws Error if the socket cannot be bound or a send fails.
RtpExchange exchangeRtp(const RtpSessionOptions& o, const Stimulus& stim, Deadline deadline);

}  // namespace phonelab::fakes::audio
