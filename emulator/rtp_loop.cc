#include "emulator/rtp_loop.h"

#include <array>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/udp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <cmath>
#include <map>
#include <random>
#include <vector>

#include "emulator/log.h"
// spandsp last: its telephony.h redefines lrint() and friends for what follows it.
#include <spandsp/telephony.h>
// telephony.h first: g711.h uses its types.
#include <spandsp/bit_operations.h>
#include <spandsp/g711.h>

namespace asio = boost::asio;
using asio::ip::udp;
using std::chrono::steady_clock;

namespace phonelab::emulator {

namespace {
constexpr size_t kSamples = 160;  // 20 ms at 8 kHz
constexpr auto kPeriod = std::chrono::milliseconds(20);
constexpr double kIdle = 1.0;  // seconds without a packet: the playout stops until the next one
}  // namespace

struct RtpLoop::Impl : std::enable_shared_from_this<RtpLoop::Impl> {
  const Faults& faults;
  RtpLoopConfig c;
  udp::socket sock;
  udp::endpoint peer, from;
  asio::steady_timer timer;
  std::array<uint8_t, 2048> buf{};
  bool running = false;
  // Faults, read once.
  bool one_way, delay, loss, quieter, wrong_codec;
  // Jitter buffer: decoded frames by sequence number relative to the first of this burst.
  std::map<int64_t, std::vector<int16_t>> frames;
  bool playing = false;
  uint16_t first_seq = 0;
  int64_t highest = -1;
  int64_t tick = 0;  // next frame to play
  steady_clock::time_point start, last_arrival;
  // Our stream.
  uint32_t ssrc;
  uint16_t out_seq;
  uint32_t out_ts;
  bool marker = true;
  long sent = 0, received = 0, dropped = 0;

  Impl(asio::io_context& io, const Faults& f, RtpLoopConfig conf)
      : faults(f),
        c(std::move(conf)),
        sock(io),
        timer(io),
        one_way(f.has("audio-one-way")),
        delay(f.has("audio-delay-250ms")),
        loss(f.has("audio-loss-5pct")),
        quieter(f.has("audio-level-minus-12db")),
        wrong_codec(f.has("audio-wrong-codec")) {
    std::random_device rd;
    ssrc = rd();
    out_seq = static_cast<uint16_t>(rd());
    out_ts = rd();
  }

  void begin() {
    boost::system::error_code ec;
    const auto own = asio::ip::make_address_v4(c.own_ip, ec);
    if (!ec) peer = udp::endpoint(asio::ip::make_address_v4(c.peer_ip, ec), c.peer_port);
    if (!ec) sock.open(udp::v4(), ec);
    if (!ec) sock.bind(udp::endpoint(own, c.own_port), ec);
    if (ec) {
      logLine("media: cannot loop audio on " + c.own_ip + ":" + std::to_string(c.own_port) +
              " to " + c.peer_ip + ":" + std::to_string(c.peer_port) + ": " + ec.message());
      return;
    }
    running = true;
    std::string faults_on;
    for (const char* n : {"audio-one-way", "audio-delay-250ms", "audio-loss-5pct",
                          "audio-level-minus-12db", "audio-wrong-codec"}) {
      if (faults.has(n)) faults_on += std::string(faults_on.empty() ? "" : ", ") + n;
    }
    logLine("media: looping " + std::string(c.payload_type == 8 ? "PCMA" : "PCMU") + " audio " +
            c.own_ip + ":" + std::to_string(c.own_port) + " -> " + c.peer_ip + ":" +
            std::to_string(c.peer_port) + (faults_on.empty() ? "" : " (fault " + faults_on + ")"));
    receive();
  }

  void end() {
    if (!running) return;
    running = false;
    boost::system::error_code ec;
    timer.cancel();
    sock.close(ec);
    logLine("media: loop stopped: " + std::to_string(received) + " packets in, " +
            std::to_string(sent) + " out" +
            (dropped ? ", " + std::to_string(dropped) + " not sent (fault audio-loss-5pct)" : ""));
  }

  void receive() {
    sock.async_receive_from(
        asio::buffer(buf), from,
        [self = shared_from_this()](const boost::system::error_code& ec, size_t n) {
          if (ec || !self->running) return;
          self->onPacket(self->buf.data(), n);
          self->receive();
        });
  }

  /// The datagrams waiting in the socket: the network delivered them in time, only this process
  /// was late to read them (a loaded machine); a phone's DSP has them in its buffer already. Read
  /// before a frame is played, so that a late read is not taken for a lost packet.
  void drainPending() {
    std::array<uint8_t, 2048> pending{};
    for (;;) {
      boost::system::error_code ec;
      if (sock.available(ec) == 0 || ec) return;
      udp::endpoint sender;
      const size_t n = sock.receive_from(asio::buffer(pending), sender, 0, ec);
      if (ec) return;
      onPacket(pending.data(), n);
    }
  }

  void onPacket(const uint8_t* d, size_t n) {
    if (n < 12 || (d[0] >> 6) != 2) return;
    const int pt = d[1] & 0x7f;
    if (pt != 0 && pt != 8) return;
    size_t off = 12 + 4u * (d[0] & 0x0f);
    if (d[0] & 0x10) {
      if (n < off + 4) return;
      off += 4 + 4u * ((d[off + 2] << 8) | d[off + 3]);
    }
    if (off >= n) return;
    const uint16_t seq = static_cast<uint16_t>((d[2] << 8) | d[3]);
    ++received;
    last_arrival = steady_clock::now();
    std::vector<int16_t> pcm(n - off);
    for (size_t i = 0; i < pcm.size(); ++i) {
      pcm[i] = pt == 8 ? alaw_to_linear(d[off + i]) : ulaw_to_linear(d[off + i]);
    }
    if (!playing) {
      playing = true;
      first_seq = seq;
      frames.clear();
      highest = -1;
      tick = 0;
      const double hold = c.jitter_buffer + (delay ? 0.25 : 0.0);
      start = last_arrival + std::chrono::microseconds(static_cast<long>(hold * 1e6));
      schedule();
    }
    // Calls are short: the sequence number relative to the first fits 16 bits signed.
    int64_t rel = static_cast<int16_t>(static_cast<uint16_t>(seq - first_seq));
    if (rel < 0 && tick == 0) {
      // An earlier packet than the first one to arrive, before playout began: it starts the
      // stream instead.
      std::map<int64_t, std::vector<int16_t>> shifted;
      for (auto& [k, v] : frames) shifted[k - rel] = std::move(v);
      frames = std::move(shifted);
      highest -= rel;
      first_seq = seq;
      rel = 0;
    }
    if (rel < tick) return;  // too late for its playout time
    highest = std::max(highest, rel);
    frames[rel] = std::move(pcm);
  }

  void schedule() {
    timer.expires_at(start + kPeriod * tick);
    timer.async_wait([self = shared_from_this()](const boost::system::error_code& ec) {
      if (ec || !self->running) return;
      self->play();
    });
  }

  void play() {
    drainPending();
    auto it = frames.find(tick);
    if (it != frames.end()) {
      send(it->second);
      frames.erase(frames.begin(), std::next(it));
    }
    // Our stream runs on: a frame that never came is a gap in our sequence numbers too.
    ++out_seq;
    out_ts += kSamples;
    ++tick;
    if (frames.empty() && steady_clock::now() - last_arrival >
                              std::chrono::milliseconds(static_cast<long>(kIdle * 1000))) {
      playing = false;  // idle: the next packet starts a new burst
      return;
    }
    schedule();
  }

  void send(std::vector<int16_t> pcm) {
    if (loss && tick % 20 == 10) {
      ++dropped;
      return;
    }
    int pt = c.payload_type;
    if (wrong_codec) pt = pt == 8 ? 0 : 8;
    std::vector<uint8_t> pkt(12 + pcm.size());
    pkt[0] = 0x80;
    pkt[1] = static_cast<uint8_t>((marker ? 0x80 : 0) | pt);
    marker = false;
    pkt[2] = static_cast<uint8_t>(out_seq >> 8);
    pkt[3] = static_cast<uint8_t>(out_seq);
    for (int i = 0; i < 4; ++i) {
      pkt[4 + i] = static_cast<uint8_t>(out_ts >> (24 - 8 * i));
      pkt[8 + i] = static_cast<uint8_t>(ssrc >> (24 - 8 * i));
    }
    static const double kMinus12 = std::pow(10.0, -12.0 / 20.0);
    for (size_t i = 0; i < pcm.size(); ++i) {
      int v = one_way ? 0 : pcm[i];
      if (quieter) v = static_cast<int>(std::lround(v * kMinus12));
      pkt[12 + i] = pt == 8 ? linear_to_alaw(v) : linear_to_ulaw(v);
      // Not real SRTP: enough that the payload on the wire is no longer plain G.711.
      if (c.scramble) pkt[12 + i] ^= static_cast<uint8_t>(ssrc >> (8 * (i % 4))) ^ 0xA5;
    }
    boost::system::error_code ec;
    sock.send_to(asio::buffer(pkt), peer, 0, ec);
    if (!ec) ++sent;
  }
};

RtpLoop::RtpLoop(asio::io_context& io, const Faults& faults, RtpLoopConfig c)
    : impl_(std::make_shared<Impl>(io, faults, std::move(c))) {
  impl_->begin();
}

RtpLoop::~RtpLoop() {
  impl_->end();
}

}  // namespace phonelab::emulator
