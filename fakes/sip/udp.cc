#include "fakes/sip/udp.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <memory>

#include "base/core/error.h"
#include "base/lab/netns.h"

namespace phonelab::fakes::sipudp {

Socket::Socket(const std::string& netns, const std::string& address, int port) {
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<uint16_t>(port));
  if (::inet_pton(AF_INET, address.c_str(), &a.sin_addr) != 1)
    throw Error("sip: not an IPv4 address: '" + address + "'");
  {
    std::unique_ptr<lab::NetnsScope> scope;
    if (!netns.empty()) scope = std::make_unique<lab::NetnsScope>(netns);
    fd_ = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  }
  if (fd_ < 0) throw Error(sysError("sip: socket", errno));
  int one = 1;
  ::setsockopt(fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (::bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    int err = errno;
    ::close(fd_);
    throw Error(sysError("sip: bind udp " + address + ":" + std::to_string(port) +
                             (netns.empty() ? "" : " in " + netns),
                         err));
  }
  sockaddr_in bound{};
  socklen_t len = sizeof bound;
  ::getsockname(fd_, reinterpret_cast<sockaddr*>(&bound), &len);
  port_ = ntohs(bound.sin_port);
  wake_fd_ = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (wake_fd_ < 0) {
    int err = errno;
    ::close(fd_);
    throw Error(sysError("sip: eventfd", err));
  }
}

Socket::~Socket() {
  if (fd_ >= 0) ::close(fd_);
  if (wake_fd_ >= 0) ::close(wake_fd_);
}

void Socket::send(const std::string& ip, int port, const std::string& bytes) {
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<uint16_t>(port));
  if (::inet_pton(AF_INET, ip.c_str(), &a.sin_addr) != 1)
    throw Error("sip: not an IPv4 address: '" + ip + "'");
  ssize_t n =
      ::sendto(fd_, bytes.data(), bytes.size(), 0, reinterpret_cast<sockaddr*>(&a), sizeof a);
  if (n < 0) throw Error(sysError("sip: sendto " + ip + ":" + std::to_string(port), errno));
}

std::optional<Datagram> Socket::receive(int timeout_ms) {
  pollfd p[2] = {{fd_, POLLIN, 0}, {wake_fd_, POLLIN, 0}};
  int n = ::poll(p, 2, std::max(0, timeout_ms));
  if (n <= 0 || (p[1].revents & POLLIN)) return std::nullopt;
  if (!(p[0].revents & POLLIN)) return std::nullopt;
  char buf[65536];
  sockaddr_in from{};
  socklen_t len = sizeof from;
  ssize_t r =
      ::recvfrom(fd_, buf, sizeof buf, MSG_DONTWAIT, reinterpret_cast<sockaddr*>(&from), &len);
  if (r < 0) return std::nullopt;
  Datagram d;
  d.data.assign(buf, static_cast<size_t>(r));
  char ip[INET_ADDRSTRLEN] = {};
  ::inet_ntop(AF_INET, &from.sin_addr, ip, sizeof ip);
  d.ip = ip;
  d.port = ntohs(from.sin_port);
  return d;
}

void Socket::wake() {
  uint64_t one = 1;
  [[maybe_unused]] ssize_t n = ::write(wake_fd_, &one, sizeof one);
}

std::string addrSpec(const std::string& value) {
  size_t lt = value.find('<');
  if (lt != std::string::npos) {
    size_t gt = value.find('>', lt);
    return value.substr(lt + 1, gt == std::string::npos ? std::string::npos : gt - lt - 1);
  }
  std::string v = value.substr(0, value.find(';'));
  size_t a = v.find_first_not_of(" \t");
  size_t b = v.find_last_not_of(" \t");
  return a == std::string::npos ? "" : v.substr(a, b - a + 1);
}

std::optional<std::pair<std::string, int>> uriHostPort(const std::string& uri_or_addr) {
  std::string uri = addrSpec(uri_or_addr);
  size_t colon = uri.find(':');
  if (colon == std::string::npos) return std::nullopt;
  std::string rest = uri.substr(colon + 1);
  size_t at = rest.rfind('@');
  if (at != std::string::npos) rest = rest.substr(at + 1);
  rest = rest.substr(0, rest.find_first_of(";?>"));
  std::string host = rest;
  int port = 5060;
  size_t pc = rest.rfind(':');
  if (pc != std::string::npos) {
    host = rest.substr(0, pc);
    try {
      port = std::stoi(rest.substr(pc + 1));
    } catch (...) {
      return std::nullopt;
    }
  }
  if (host.empty() || port <= 0 || port > 65535) return std::nullopt;
  return std::make_pair(host, port);
}

std::pair<std::string, int> splitHostPort(const std::string& ip_port) {
  size_t pc = ip_port.rfind(':');
  if (pc == std::string::npos) return {ip_port, 5060};
  try {
    int port = std::stoi(ip_port.substr(pc + 1));
    if (port <= 0 || port > 65535) throw Error("");
    return {ip_port.substr(0, pc), port};
  } catch (...) {
    throw Error("sip: bad host:port '" + ip_port + "'");
  }
}

}  // namespace phonelab::fakes::sipudp
