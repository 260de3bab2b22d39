#pragma once
/// Sockets for the in-process fakes, created on the calling thread (so inside the lab namespace).

#include <string>

namespace phonelab::fakes {

/// A non-blocking IPv4 socket of `type` (SOCK_DGRAM or SOCK_STREAM, then listening) bound to
/// address:port (0 = any free port). Sets *bound_port to the port it got. Throws Error
/// "<who>: cannot bind UDP|TCP address:port: reason".
int bindInet(const std::string& who, int type, const std::string& address, int port,
             int* bound_port = nullptr);

}  // namespace phonelab::fakes
