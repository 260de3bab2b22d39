#pragma once
/// A TFTP server (RFC 1350, read-only) for the lab: serves provisioning files from memory, each
/// transfer from its own ephemeral port, so a check can see which files the phone fetched and
/// whether each transfer completed.

#include <map>
#include <memory>
#include <string>

#include "base/core/event.h"

namespace phonelab::fakes {

struct TftpOptions {
  std::string address;  // IPv4 to bind, e.g. the lane's services["tftp"]
  int port = 69;
  /// Filename -> content. A leading '/' (in a key or in a request) is ignored.
  std::map<std::string, std::string> files;
};

/// RRQ in mode octet or netascii: the file in 512-byte blocks from a new port; each block waits
/// for its ACK with a 2 s deadline and is sent again at most 3 times, then the transfer gives up.
/// Options (RFC 2347: blksize, tsize, ...) are recorded and ignored, as RFC 1350 servers do.
/// Unknown file: ERROR 1 "File not found". WRQ: ERROR 2 "Access violation". Undecodable request,
/// unsupported mode or a non-request on the server port: ERROR 4.
/// Events (source "tftp"):
///   fake.start / fake.stop  name address port
///   tftp.rrq       src_ip src_port filename (as requested) mode found ("yes" | "no") options
///                  ("blksize=1468,tsize=0")
///   tftp.wrq       src_ip src_port filename mode
///   tftp.done      src_ip src_port filename bytes blocks (acknowledged by the client) result
///                  ("complete" | "timeout" | "error") reason (for timeout/error) seconds
///   tftp.malformed src_ip src_port reason
class TftpFake {
 public:
  /// Binds on the calling thread (its network namespace), serves on a thread of its own started
  /// from it ("phl-tftp", as nobody without capabilities: base/lab/privileges.h; transfer
  /// sockets, on ephemeral ports, are created there, in the same namespace). Throws Error naming
  /// the address and the reason if it cannot bind. log must outlive the fake.
  TftpFake(const TftpOptions& o, EventLog& log);
  /// Stops the thread (within ~100 ms), abandons running transfers (tftp.done result error,
  /// reason "server stopped"), closes the sockets, emits fake.stop.
  ~TftpFake();
  TftpFake(const TftpFake&) = delete;
  TftpFake& operator=(const TftpFake&) = delete;

  int port() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace phonelab::fakes
