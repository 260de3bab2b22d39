#include "fakes/common/socket.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>

#include "base/core/error.h"

namespace phonelab::fakes {

int bindInet(const std::string& who, int type, const std::string& address, int port,
             int* bound_port) {
  const char* proto = type == SOCK_DGRAM ? "UDP" : "TCP";
  const std::string where =
      who + ": cannot bind " + proto + " " + address + ":" + std::to_string(port);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<uint16_t>(port));
  if (port < 0 || port > 65535 || ::inet_pton(AF_INET, address.c_str(), &a.sin_addr) != 1)
    throw Error(where + ": not an IPv4 address and port");
  int fd = ::socket(AF_INET, type | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0) throw Error(sysError(where, errno));
  if (type == SOCK_STREAM) {
    // A listener restarted within TIME_WAIT of the last scenario must still bind.
    int one = 1;
    ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  }
  if (::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 ||
      (type == SOCK_STREAM && ::listen(fd, 16) != 0)) {
    int err = errno;
    ::close(fd);
    throw Error(sysError(where, err));
  }
  if (bound_port) {
    sockaddr_in bound{};
    socklen_t len = sizeof bound;
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&bound), &len);
    *bound_port = ntohs(bound.sin_port);
  }
  return fd;
}

}  // namespace phonelab::fakes
