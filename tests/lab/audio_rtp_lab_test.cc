// The RTP half of an audio call over real sockets: the stimulus goes out paced on the media clock
// to a relay on loopback that returns it with a known delay and loss (as a DUT's loopback would),
// and the analyser finds that delay and loss in what came back.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <deque>
#include <thread>

#include "fakes/audio/analyser.h"
#include "fakes/audio/rtp_session.h"
#include "fakes/common/socket.h"
#include "tests/lab/lab_util.h"

namespace phonelab::fakes::audio {
namespace {

/// Returns every datagram to its sender after `delay`, except every 20th (index 10, 30, ...).
class Relay {
 public:
  explicit Relay(double delay) : delay_(delay) {
    fd_ = bindInet("relay", SOCK_DGRAM, "127.0.0.1", 0, &port_);
    thread_ = std::thread([this] { run(); });
  }
  ~Relay() {
    stop_ = true;
    thread_.join();
    ::close(fd_);
  }
  int port() const { return port_; }
  int dropped() const { return dropped_; }

 private:
  struct Held {
    Clock::time_point due;
    std::vector<uint8_t> bytes;
    sockaddr_in to;
  };
  void run() {
    std::deque<Held> held;
    long index = 0;
    while (!stop_) {
      int wait_ms = 5;
      if (!held.empty()) {
        auto left =
            std::chrono::duration_cast<std::chrono::milliseconds>(held.front().due - Clock::now());
        wait_ms = std::clamp<int>(static_cast<int>(left.count()), 0, 5);
      }
      pollfd p{fd_, POLLIN, 0};
      ::poll(&p, 1, wait_ms);
      for (;;) {
        Held h;
        h.bytes.resize(2048);
        socklen_t len = sizeof h.to;
        ssize_t n = ::recvfrom(fd_, h.bytes.data(), h.bytes.size(), 0,
                               reinterpret_cast<sockaddr*>(&h.to), &len);
        if (n < 0) break;
        h.bytes.resize(static_cast<size_t>(n));
        h.due = Clock::now() + std::chrono::duration_cast<Clock::duration>(Seconds(delay_));
        if (index++ % 20 == 10) {
          ++dropped_;
          continue;
        }
        held.push_back(std::move(h));
      }
      while (!held.empty() && held.front().due <= Clock::now()) {
        auto& h = held.front();
        ::sendto(fd_, h.bytes.data(), h.bytes.size(), 0, reinterpret_cast<sockaddr*>(&h.to),
                 sizeof h.to);
        held.pop_front();
      }
    }
  }
  double delay_;
  int fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<int> dropped_{0};
  std::thread thread_;
};

TEST(AudioRtp, AKnownDelayAndLossOverRealSocketsAreMeasured) {
  labtest::TempDir dir;
  const Stimulus stim = makeStimulus(dir.path());
  Relay relay(0.080);
  RtpSessionOptions o;
  o.local_ip = "127.0.0.1";
  o.local_port = 0;  // any free port: the relay answers to where packets come from
  o.remote_ip = "127.0.0.1";
  o.remote_port = relay.port();
  o.payload_type = 8;
  auto ex = exchangeRtp(o, stim, Deadline::in(Seconds(10)));
  const size_t packets = stim.samples.size() / kPacketSamples;
  ASSERT_EQ(ex.sent.size(), packets);
  // Paced on the media clock: the last packet left about 20 ms * (n - 1) after the first.
  EXPECT_NEAR(ex.sent.back().at - ex.sent.front().at, 0.02 * static_cast<double>(packets - 1),
              0.05);
  auto m = analyse(stim, ex.sent, ex.received, "PCMA");
  EXPECT_EQ(m.codec, "PCMA");
  ASSERT_TRUE(m.latency_ms);
  EXPECT_NEAR(*m.latency_ms, 80, 2);
  EXPECT_EQ(m.packets_lost, relay.dropped());
  EXPECT_NEAR(m.loss_pct, 5, 0.5);
  EXPECT_NEAR(m.level_dbm0, -10, 0.5);
  EXPECT_FALSE(m.one_way);
}

TEST(AudioRtp, NothingComesBackFromASilentPeer) {
  Stimulus stim;  // half a second of silence is enough here
  stim.samples.assign(25 * kPacketSamples, 0);
  int silent_port = 0;
  int fd = bindInet("silent", SOCK_DGRAM, "127.0.0.1", 0, &silent_port);
  RtpSessionOptions o;
  o.local_ip = "127.0.0.1";
  o.local_port = 0;
  o.remote_ip = "127.0.0.1";
  o.remote_port = silent_port;
  const auto t0 = Clock::now();
  auto ex = exchangeRtp(o, stim, Deadline::in(Seconds(10)));
  ::close(fd);
  // The stimulus plus the quiet time, not the 10 s deadline: nobody waits for a peer that never
  // answers. (A bound far from both, only to tell the two apart, not a speed claim.)
  EXPECT_LT(std::chrono::duration<double>(Clock::now() - t0).count(), 6.0);
  EXPECT_TRUE(ex.received.empty());
  EXPECT_EQ(ex.sent.size(), 25u);
  auto m = analyse(stim, ex.sent, ex.received, "PCMU");
  EXPECT_TRUE(m.one_way);
  EXPECT_EQ(m.one_way_why, "no RTP came back");
}

}  // namespace
}  // namespace phonelab::fakes::audio
