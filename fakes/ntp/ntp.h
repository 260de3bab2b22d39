#pragma once
/// A small SNTPv4 server (RFC 4330) for the lab: answers client requests with the system clock
/// (optionally shifted), so a check can see that the phone asked, and a scenario can serve a wrong
/// time on purpose.

#include <memory>
#include <string>

#include "base/core/event.h"

namespace phonelab::fakes {

struct NtpOptions {
  std::string address;  // IPv4 to bind, e.g. the lane's services["ntp"]
  int port = 123;
  int stratum = 2;
  /// Reference identifier, up to 4 ASCII characters.
  std::string reference = "PHLB";
  /// Seconds added to the system clock in every timestamp served (a wrong clock on purpose).
  double offset_seconds = 0;
};

/// Answers mode-3 (client) requests of versions 1..4 with a mode-4 reply of the same version:
/// stratum from the options, reference id, receive and transmit times from the system clock,
/// originate time copied from the request's transmit time. Other modes are logged, not answered.
/// Events (source "ntp"):
///   fake.start / fake.stop  name address port
///   ntp.request    src_ip src_port version mode answered ("yes" | "no")
///   ntp.reply      dst_ip dst_port version stratum transmit (the time served, Unix seconds)
///                  time (the same, ISO 8601 UTC) offset (offset_seconds); after its request
///   ntp.malformed  src_ip src_port reason ("23 bytes, an NTP packet has at least 48")
class NtpFake {
 public:
  /// Binds on the calling thread (its network namespace), serves on a thread of its own
  /// ("phl-ntp", as nobody without capabilities: base/lab/privileges.h). Throws Error naming the
  /// address and the reason if it cannot bind. log must outlive the fake.
  NtpFake(const NtpOptions& o, EventLog& log);
  /// Stops the thread (within ~100 ms), closes the socket, emits fake.stop.
  ~NtpFake();
  NtpFake(const NtpFake&) = delete;
  NtpFake& operator=(const NtpFake&) = delete;

  int port() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace phonelab::fakes
