#include "fakes/audio/rtp_session.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <random>

#include "base/core/error.h"
#include "fakes/common/socket.h"

namespace phonelab::fakes::audio {

namespace {

struct Fd {
  int fd;
  ~Fd() { ::close(fd); }
};

/// The media clock is 20 ms: on a loaded machine (a dozen lanes on two cores) the pacing thread
/// was stalled for 100-160 ms and the phone rightly dropped what came too late for its jitter
/// buffer. For the exchange this thread runs at a real-time priority, as a phone's or a
/// softphone's media engine does; best effort (it needs CAP_SYS_NICE), put back at the end. The
/// thread only ever sleeps in ppoll or sends/reads a packet.
class RealtimeScope {
 public:
  RealtimeScope() {
    if (::pthread_getschedparam(::pthread_self(), &policy_, &param_) != 0) return;
    sched_param sp{};
    sp.sched_priority = 2;
    active_ = ::pthread_setschedparam(::pthread_self(), SCHED_FIFO, &sp) == 0;
  }
  ~RealtimeScope() {
    if (active_) ::pthread_setschedparam(::pthread_self(), policy_, &param_);
  }
  RealtimeScope(const RealtimeScope&) = delete;
  RealtimeScope& operator=(const RealtimeScope&) = delete;

 private:
  int policy_ = SCHED_OTHER;
  sched_param param_{};
  bool active_ = false;
};

double secondsSince(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

}  // namespace

RtpExchange exchangeRtp(const RtpSessionOptions& o, const Stimulus& stim, Deadline deadline) {
  Fd sock{bindInet("rtp", SOCK_DGRAM, o.local_ip, o.local_port)};
  sockaddr_in to{};
  to.sin_family = AF_INET;
  to.sin_port = htons(static_cast<uint16_t>(o.remote_port));
  if (o.remote_port <= 0 || o.remote_port > 65535 ||
      ::inet_pton(AF_INET, o.remote_ip.c_str(), &to.sin_addr) != 1) {
    throw Error("rtp: no usable remote media address '" + o.remote_ip + ":" +
                std::to_string(o.remote_port) + "'");
  }
  std::random_device rd;
  const uint32_t ssrc = rd();
  uint16_t seq = static_cast<uint16_t>(rd());
  uint32_t ts = rd();
  const size_t packets = stim.samples.size() / kPacketSamples;
  const auto payload = encodeG711(stim.samples, o.payload_type);

  RtpExchange ex;
  ex.limit = o.max_received > 0 ? o.max_received : packets * 4 + 250;
  if (packets == 0) return ex;
  RealtimeScope realtime;
  const Clock::time_point t0 = Clock::now();
  const auto period = std::chrono::milliseconds(20);
  size_t next = 0;
  double last_activity = 0;
  std::array<uint8_t, 2048> buf{};
  for (;;) {
    const double now = secondsSince(t0);
    if (next == packets) {
      if (now - last_activity >= o.quiet) break;
      if (now - ex.sent.back().at >= o.max_tail) break;
    }
    if (deadline.expired() || (o.cancelled && o.cancelled())) break;
    // Wake at the next packet's time (media clock), at the end of the tail, or the deadline.
    Clock::time_point wake = deadline.when();
    if (next < packets) {
      wake = std::min(wake, t0 + period * static_cast<long>(next));
    } else {
      auto d = [](double s) {
        return std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(s));
      };
      wake =
          std::min({wake, t0 + d(last_activity + o.quiet), t0 + d(ex.sent.back().at + o.max_tail)});
    }
    const auto left = std::chrono::duration_cast<std::chrono::microseconds>(wake - Clock::now());
    if (left.count() > 0) {
      pollfd p{sock.fd, POLLIN, 0};
      timespec tmo{static_cast<time_t>(left.count() / 1000000),
                   static_cast<long>(left.count() % 1000000) * 1000};
      ::ppoll(&p, 1, &tmo, nullptr);
    }
    for (;;) {
      const ssize_t n = ::recv(sock.fd, buf.data(), buf.size(), 0);
      if (n < 0) break;  // EAGAIN: drained (ICMP errors are ignored too)
      const double at = secondsSince(t0);
      if (auto pkt = parseRtp(buf.data(), static_cast<size_t>(n), at)) {
        if (ex.received.size() < ex.limit)
          ex.received.push_back(std::move(*pkt));
        else
          ++ex.dropped;
        last_activity = at;
      } else {
        ++ex.malformed;
      }
    }
    if (next < packets && Clock::now() >= t0 + period * static_cast<long>(next)) {
      RtpPacket p;
      p.seq = seq++;
      p.ts = ts;
      ts += kPacketSamples;
      p.ssrc = ssrc;
      p.payload_type = o.payload_type;
      p.marker = next == 0;
      p.payload.assign(payload.begin() + static_cast<long>(next * kPacketSamples),
                       payload.begin() + static_cast<long>((next + 1) * kPacketSamples));
      auto bytes = buildRtp(p);
      p.at = secondsSince(t0);
      if (::sendto(sock.fd, bytes.data(), bytes.size(), 0, reinterpret_cast<sockaddr*>(&to),
                   sizeof to) < 0 &&
          errno != ECONNREFUSED) {
        throw Error(sysError(
            "rtp: cannot send to " + o.remote_ip + ":" + std::to_string(o.remote_port), errno));
      }
      last_activity = p.at;
      ex.sent.push_back(std::move(p));
      ++next;
    }
  }
  return ex;
}

}  // namespace phonelab::fakes::audio
