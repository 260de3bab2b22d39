#include "fakes/ntp/ntp.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <ctime>

#include "base/core/error.h"
#include "fakes/common/server_thread.h"
#include "fakes/common/socket.h"

namespace phonelab::fakes {
namespace {

constexpr size_t kPacketLen = 48;
constexpr double kUnixToNtp = 2208988800.0;  // seconds from 1900-01-01 to 1970-01-01

std::string ipOf(const sockaddr_in& a) {
  char buf[INET_ADDRSTRLEN] = {};
  ::inet_ntop(AF_INET, &a.sin_addr, buf, sizeof buf);
  return buf;
}

void put32(uint8_t* p, uint32_t v) {
  p[0] = static_cast<uint8_t>(v >> 24);
  p[1] = static_cast<uint8_t>(v >> 16);
  p[2] = static_cast<uint8_t>(v >> 8);
  p[3] = static_cast<uint8_t>(v);
}

/// A 64-bit NTP timestamp (era 0, wrapping in 2036 as the protocol does).
void putTimestamp(uint8_t* p, double unix_seconds) {
  const double ntp = unix_seconds + kUnixToNtp;
  const double whole = std::floor(ntp);
  put32(p, static_cast<uint32_t>(static_cast<uint64_t>(whole) & 0xffffffffu));
  put32(p + 4, static_cast<uint32_t>((ntp - whole) * 4294967296.0));
}

double unixNow() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

/// "2026-12-05T10:11:12.345Z"
std::string isoUtc(double unix_seconds) {
  const auto whole = static_cast<time_t>(std::floor(unix_seconds));
  std::tm tm{};
  ::gmtime_r(&whole, &tm);
  char buf[40];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  char out[48];
  std::snprintf(out, sizeof out, "%s.%03dZ", buf,
                static_cast<int>((unix_seconds - std::floor(unix_seconds)) * 1000));
  return out;
}

const char* modeName(int mode) {
  static const char* const names[] = {"reserved", "symmetric active", "symmetric passive",
                                      "client",   "server",           "broadcast",
                                      "control",  "private"};
  return names[mode & 7];
}

}  // namespace

struct NtpFake::Impl {
  EventLog* log = nullptr;
  NtpOptions o;
  int port = 0;
  int sock = -1;
  ServerThread thread{"ntp"};

  ~Impl() {
    thread.stop();  // before the sockets close
    for (int fd : {sock}) {
      if (fd >= 0) ::close(fd);
    }
  }

  void onPacket(const uint8_t* p, size_t n, const sockaddr_in& from, double received) {
    const std::string src = ipOf(from);
    const std::string sport = std::to_string(ntohs(from.sin_port));
    if (n < kPacketLen) {
      const std::string reason =
          std::to_string(n) + " byte" + (n == 1 ? "" : "s") + ", an NTP packet has at least 48";
      log->emit("ntp", "ntp.malformed", {{"src_ip", src}, {"src_port", sport}, {"reason", reason}},
                "NTP malformed from " + src + ": " + reason);
      return;
    }
    const int version = (p[0] >> 3) & 7;
    const int mode = p[0] & 7;
    const bool answer = mode == 3 && version >= 1 && version <= 4;
    double transmit = 0;
    bool sent = false;
    std::string send_error;
    if (answer) {
      uint8_t r[kPacketLen] = {};
      r[0] = static_cast<uint8_t>((version << 3) | 4);  // LI 0, same version, mode 4 (server)
      r[1] = static_cast<uint8_t>(o.stratum);
      r[2] = p[2];                       // poll: echo the client's
      r[3] = static_cast<uint8_t>(-20);  // precision ~1 us
      put32(r + 4, 0);                   // root delay
      put32(r + 8, 0x00000010);          // root dispersion (~0.25 ms)
      std::memcpy(r + 12, o.reference.data(), std::min<size_t>(4, o.reference.size()));
      putTimestamp(r + 16, received + o.offset_seconds - 16);  // reference: "synced 16 s ago"
      std::memcpy(r + 24, p + 40, 8);                          // originate = client's transmit
      putTimestamp(r + 32, received + o.offset_seconds);
      transmit = unixNow() + o.offset_seconds;
      putTimestamp(r + 40, transmit);
      sent = ::sendto(sock, r, sizeof r, 0, reinterpret_cast<const sockaddr*>(&from),
                      sizeof from) == static_cast<ssize_t>(sizeof r);
      if (!sent) send_error = errnoText(errno);
    }
    log->emit("ntp", "ntp.request",
              {{"src_ip", src},
               {"src_port", sport},
               {"version", std::to_string(version)},
               {"mode", std::to_string(mode)},
               {"answered", answer ? "yes" : "no"}},
              "NTP v" + std::to_string(version) + " " + modeName(mode) + " request from " + src +
                  (answer ? " -> answered (stratum " + std::to_string(o.stratum) + ")"
                          : " -> not answered"));
    if (!answer) return;
    if (!sent) {
      log->emit("ntp", "fake.error", {{"name", "ntp"}, {"error", "sendto: " + send_error}},
                "ntp could not answer " + src + ": " + send_error);
      return;
    }
    char secs[32];
    std::snprintf(secs, sizeof secs, "%.3f", transmit);
    log->emit("ntp", "ntp.reply",
              {{"dst_ip", src},
               {"dst_port", sport},
               {"version", std::to_string(version)},
               {"stratum", std::to_string(o.stratum)},
               {"transmit", secs},
               {"time", isoUtc(transmit)},
               {"offset", std::to_string(o.offset_seconds)}},
              "NTP reply to " + src + ":" + sport + ": " + isoUtc(transmit) +
                  (o.offset_seconds != 0
                       ? " (the real time shifted by " + std::to_string(o.offset_seconds) + " s)"
                       : ""));
  }

  void run() {
    uint8_t buf[2048];
    for (;;) {
      pollfd fds[2] = {{thread.stopFd(), POLLIN, 0}, {sock, POLLIN, 0}};
      int rc = ::poll(fds, 2, 1000);
      if (rc < 0 && errno != EINTR) return;
      if (fds[0].revents) return;
      if (!fds[1].revents) continue;
      for (int i = 0; i < 64; ++i) {
        sockaddr_in from{};
        socklen_t len = sizeof from;
        ssize_t n = ::recvfrom(sock, buf, sizeof buf, 0, reinterpret_cast<sockaddr*>(&from), &len);
        if (n < 0) break;
        onPacket(buf, static_cast<size_t>(n), from, unixNow());
      }
    }
  }
};

NtpFake::NtpFake(const NtpOptions& o, EventLog& log) : impl_(std::make_unique<Impl>()) {
  Impl& im = *impl_;
  im.log = &log;
  im.o = o;
  if (o.stratum < 0 || o.stratum > 255)
    throw Error("ntp: stratum " + std::to_string(o.stratum) + " is not in 0..255");
  im.sock = bindInet("ntp", SOCK_DGRAM, o.address, o.port, &im.port);
  // The socket is bound: the thread that parses the phone's packets runs as nobody.
  im.thread.start(log, "ntp", [&im] { im.run(); });
  log.emit("ntp", "fake.start",
           {{"name", "ntp"}, {"address", o.address}, {"port", std::to_string(im.port)}},
           "ntp listening on " + o.address + ":" + std::to_string(im.port) + " (stratum " +
               std::to_string(o.stratum) + ", reference " + o.reference + ")");
}

NtpFake::~NtpFake() {
  impl_->thread.stop();
  impl_->log->emit(
      "ntp", "fake.stop",
      {{"name", "ntp"}, {"address", impl_->o.address}, {"port", std::to_string(impl_->port)}},
      "ntp stopped on " + impl_->o.address + ":" + std::to_string(impl_->port));
}

int NtpFake::port() const {
  return impl_->port;
}

}  // namespace phonelab::fakes
