// The emulator's audio loopback on 127.0.0.1: the jitter buffer puts reordered packets back in
// order and the phone's own stream is continuous; each audio-* fault changes exactly what it says.

#include "emulator/rtp_loop.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <chrono>
#include <cmath>
#include <thread>
#include <vector>

// spandsp last: its telephony.h redefines lrint() and friends for what follows it.
#include <spandsp/telephony.h>
// telephony.h first: g711.h uses its types.
#include <spandsp/bit_operations.h>
#include <spandsp/g711.h>

#include "tests/emulator/loopback_udp.h"

namespace phonelab::emulator {
namespace {

using Clock = std::chrono::steady_clock;

struct Returned {
  double at;  // seconds after the first packet was sent
  int pt;
  uint16_t seq;
  uint32_t ts;
  std::vector<int16_t> pcm;
};

/// Sends `n` PCMU frames (frame i: a 500 Hz tone of amplitude 1000 + 500 i), pairs swapped
/// (1, 0, 3, 2, ...), to a loop with `faults`, and collects what comes back within 2 s (or until
/// `want` packets, default n, came back).
std::vector<Returned> loop(const std::vector<std::string>& faults, int n, int want = -1) {
  if (want < 0) want = n;
  Faults f;
  for (const auto& name : faults) EXPECT_TRUE(f.enable(name)) << name;
  uint16_t caller_port = 0, loop_port = 0;
  int caller = boundUdp(caller_port);
  ::close(boundUdp(loop_port));  // a free port for the loop
  boost::asio::io_context io;
  auto work = boost::asio::make_work_guard(io);
  std::vector<Returned> out;
  {
    RtpLoopConfig c;
    c.own_ip = "127.0.0.1";
    c.own_port = loop_port;
    c.peer_ip = "127.0.0.1";
    c.peer_port = caller_port;
    c.payload_type = 0;
    // Made before the io thread runs; destroyed after it stopped: no handler races it.
    auto rl = std::make_unique<RtpLoop>(io, f, c);
    std::thread t([&] { io.run(); });
    sockaddr_in to{};
    to.sin_family = AF_INET;
    to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    to.sin_port = htons(loop_port);
    const auto t0 = Clock::now();
    for (int k = 0; k < n; ++k) {
      const int i = (k % 2 == 0 && k + 1 < n) ? k + 1 : (k % 2 == 1 ? k - 1 : k);
      std::vector<uint8_t> p(12 + 160);
      p[0] = 0x80;
      p[1] = 0;
      p[2] = static_cast<uint8_t>((500 + i) >> 8);
      p[3] = static_cast<uint8_t>(500 + i);
      p[7] = static_cast<uint8_t>(i * 160 % 256);
      p[6] = static_cast<uint8_t>(i * 160 / 256);
      for (int s = 0; s < 160; ++s) {
        p[12 + s] = linear_to_ulaw(
            static_cast<int>((1000 + 500 * i) * std::sin(2 * M_PI * 500 * s / 8000.0)));
      }
      ::sendto(caller, p.data(), p.size(), 0, reinterpret_cast<sockaddr*>(&to), sizeof to);
    }
    const auto deadline = t0 + std::chrono::seconds(2);
    while (static_cast<int>(out.size()) < want && Clock::now() < deadline) {
      pollfd pfd{caller, POLLIN, 0};
      const auto left =
          std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
      if (::poll(&pfd, 1, static_cast<int>(std::max<long>(left, 0))) <= 0) break;
      uint8_t b[2048];
      const ssize_t got = ::recv(caller, b, sizeof b, 0);
      if (got < 12) continue;
      Returned r;
      r.at = std::chrono::duration<double>(Clock::now() - t0).count();
      r.pt = b[1] & 0x7f;
      r.seq = static_cast<uint16_t>((b[2] << 8) | b[3]);
      r.ts = (uint32_t{b[4]} << 24) | (uint32_t{b[5]} << 16) | (uint32_t{b[6]} << 8) | b[7];
      for (ssize_t s = 12; s < got; ++s) {
        r.pcm.push_back(r.pt == 8 ? alaw_to_linear(b[s]) : ulaw_to_linear(b[s]));
      }
      out.push_back(std::move(r));
    }
    work.reset();
    io.stop();
    t.join();
  }
  ::close(caller);
  return out;
}

double peak(const std::vector<int16_t>& pcm) {
  int p = 0;
  for (auto v : pcm) p = std::max(p, std::abs(static_cast<int>(v)));
  return p;
}

TEST(RtpLoop, ReordersAndReturnsAContinuousStream) {
  auto r = loop({}, 12);
  ASSERT_EQ(r.size(), 12u);
  for (size_t i = 0; i < r.size(); ++i) {
    EXPECT_EQ(r[i].pt, 0);
    EXPECT_EQ(r[i].pcm.size(), 160u);
    if (i) {
      EXPECT_EQ(static_cast<uint16_t>(r[i].seq - r[i - 1].seq), 1) << i;
      EXPECT_EQ(r[i].ts - r[i - 1].ts, 160u) << i;
    }
    // Frame i came back in place i, at its level.
    // (within G.711's quantisation: half a step, at most about 3 %)
    const double level = 1000 + 500 * static_cast<double>(i);
    EXPECT_NEAR(peak(r[i].pcm), level, 0.03 * level + 20) << i;
  }
  EXPECT_GT(r.front().at, 0.035);  // the jitter buffer's 40 ms
  EXPECT_LT(r.front().at, 0.2);
  EXPECT_NEAR(r.back().at - r.front().at, 0.02 * 11, 0.03);  // paced at 20 ms
}

TEST(RtpLoop, EachAudioFaultDoesWhatItSays) {
  auto silent = loop({"audio-one-way"}, 4);
  ASSERT_EQ(silent.size(), 4u);
  for (const auto& p : silent) EXPECT_EQ(peak(p.pcm), 0);

  auto late = loop({"audio-delay-250ms"}, 2);
  ASSERT_FALSE(late.empty());
  EXPECT_GT(late.front().at, 0.285);

  auto lossy = loop({"audio-loss-5pct"}, 20, 19);
  ASSERT_EQ(lossy.size(), 19u);
  EXPECT_EQ(static_cast<uint16_t>(lossy[10].seq - lossy[9].seq), 2);  // a gap where 10 was

  auto quiet = loop({"audio-level-minus-12db"}, 2);
  ASSERT_EQ(quiet.size(), 2u);
  EXPECT_NEAR(20 * std::log10(peak(quiet[0].pcm) / 1000.0), -12, 0.7);

  auto wrong = loop({"audio-wrong-codec"}, 2);
  ASSERT_EQ(wrong.size(), 2u);
  EXPECT_EQ(wrong[0].pt, 8);
  EXPECT_NEAR(peak(wrong[0].pcm), 1000, 60);
}

}  // namespace
}  // namespace phonelab::emulator
