#pragma once
/// Internal to fakes/sip: a UDP socket bound to a lab address (opened inside a namespace), with a
/// wake-up so a receive loop can be stopped, and small SIP helpers shared by the UA and the
/// hostile servers.

#include <optional>
#include <string>
#include <utility>

#include "base/proto/sip.h"

namespace phonelab::fakes::sipudp {

struct Datagram {
  std::string data;
  std::string ip;
  int port = 0;
};

class Socket {
 public:
  /// Binds address:port, inside `netns` if not empty. Throws Error.
  Socket(const std::string& netns, const std::string& address, int port);
  ~Socket();
  Socket(const Socket&) = delete;
  Socket& operator=(const Socket&) = delete;

  /// Throws Error on a send failure.
  void send(const std::string& ip, int port, const std::string& bytes);
  /// Waits up to timeout_ms (>= 0) for one datagram; nullopt on timeout or wake().
  std::optional<Datagram> receive(int timeout_ms);
  /// Makes a blocked receive() return (and every later one until the object dies).
  void wake();
  /// Bound port (useful when 0 was asked).
  int port() const { return port_; }

 private:
  int fd_ = -1;
  int wake_fd_ = -1;
  int port_ = 0;
};

/// host and port of a SIP URI or name-addr ("<sip:u@198.18.0.10:5060;lr>" -> 198.18.0.10, 5060;
/// port 5060 when absent). nullopt if there is no usable host.
std::optional<std::pair<std::string, int>> uriHostPort(const std::string& uri_or_addr);
/// The URI inside a name-addr ("\"A\" <sip:a@h>;tag=x" -> "sip:a@h").
std::string addrSpec(const std::string& value);
/// "ip:port" -> pair; throws Error on a bad value.
std::pair<std::string, int> splitHostPort(const std::string& ip_port);

}  // namespace phonelab::fakes::sipudp
