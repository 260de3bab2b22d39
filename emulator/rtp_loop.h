#pragma once
/// The emulator's audio loopback: during an answered call, the RTP it receives (G.711) is decoded,
/// held in a small jitter buffer, re-encoded and sent back to the caller's media address as its
/// own RTP stream (own SSRC, sequence and timestamps, 20 ms packets) - what a real phone does in a
/// lab with an acoustic coupler or a loopback cable. The audio-* faults impair it.

#include <cstdint>
#include <memory>
#include <string>

#include "emulator/faults.h"

namespace boost::asio {
class io_context;
}

namespace phonelab::emulator {

struct RtpLoopConfig {
  std::string own_ip;
  uint16_t own_port = 0;
  std::string peer_ip;  // the offer's c= address
  uint16_t peer_port = 0;
  int payload_type = 0;  // the answer's codec: 0 PCMU, 8 PCMA
  /// Playout delay after the first packet, seconds. 80 ms: a loaded CI machine (a dozen lanes on
  /// two cores) stalls a process for 40 ms now and then, and a 40 ms buffer lost packets to it.
  double jitter_buffer = 0.08;
  /// Payloads sent scrambled with a per-call keystream, as SRTP would (fault media-srtp-with-tls).
  bool scramble = false;
};

class RtpLoop {
 public:
  /// Binds own_ip:own_port and starts looping; a bind failure is logged and the loop stays off.
  RtpLoop(boost::asio::io_context& io, const Faults& faults, RtpLoopConfig c);
  /// Stops (socket closed, timers cancelled); no handler runs afterwards.
  ~RtpLoop();
  RtpLoop(const RtpLoop&) = delete;
  RtpLoop& operator=(const RtpLoop&) = delete;

  struct Impl;

 private:
  std::shared_ptr<Impl> impl_;
};

}  // namespace phonelab::emulator
