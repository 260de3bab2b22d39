#pragma once
/// A small authoritative DNS server for the lab: answers A queries from a table, so a check can
/// see which names the phone resolved and when. UDP and TCP on one address.

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "base/core/event.h"

namespace phonelab::fakes {

struct DnsOptions {
  std::string address;  // IPv4 to bind, e.g. the lane's services["dns"]
  int port = 53;
  /// Name (case-insensitive, no trailing dot) -> IPv4s, answered with TTL 60.
  std::map<std::string, std::vector<std::string>> a_records;
  /// Also serve DNS over TCP on the same address and port.
  bool tcp = true;
};

/// Answers:
///   A for a listed name           NOERROR with its addresses (TTL 60)
///   other types for a listed name NOERROR, no answers (NODATA)
///   any type for another name     NXDOMAIN
///   opcode other than QUERY       NOTIMP
///   undecodable with a header     FORMERR (no answer at all without a 12-byte header)
/// Events (source "dns"):
///   fake.start / fake.stop  name address port
///   dns.query      src_ip src_port transport (udp|tcp) id name qtype ("A", "AAAA", "33") rcode
///                  ("NOERROR", "NXDOMAIN", "NOTIMP") answer (comma list of addresses)
///   dns.malformed  src_ip src_port transport reason
class DnsFake {
 public:
  /// Binds its sockets on the calling thread (so they live in its network namespace), then serves
  /// on a thread of its own ("phl-dns", as nobody without capabilities: base/lab/privileges.h).
  /// Throws Error naming the address and the reason if it cannot bind, or
  /// if an a_records entry is not a valid name or IPv4 address. log must outlive the fake.
  DnsFake(const DnsOptions& o, EventLog& log);
  /// Stops the thread (within ~100 ms), closes the sockets, emits fake.stop.
  ~DnsFake();
  DnsFake(const DnsFake&) = delete;
  DnsFake& operator=(const DnsFake&) = delete;

  /// The UDP port bound (useful with port 0).
  int port() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace phonelab::fakes
