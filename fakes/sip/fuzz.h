#pragma once
/// SIP robustness campaign (SEC-SIP-ROBUST), after the PROTOS c07-sip test suite: every field of an
/// INVITE overflowed, emptied, given bad characters, format strings and odd integers, every header
/// emptied, dropped and repeated, plus the RFC 4475 torture messages. Each case is followed by a
/// liveness probe (an OPTIONS answered within a deadline); a phone that stops answering has been
/// crashed or hung by the case just sent, which the campaign names.
///
/// This is deliberately our own code: a harness that must send what no SIP library will build.

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "base/core/deadline.h"

namespace phonelab::fakes {

struct FuzzCase {
  std::string name;   // "via-host/overflow-A-4097", "header-CSeq/repeat-50", "rfc4475/badinv01"
  std::string bytes;  // the datagram
};

/// Where the generated requests point and come from.
struct FuzzTarget {
  std::string phone_ip;
  int phone_port = 5060;
  std::string local_ip;  // our address (Via, Contact, From host)
  int local_port = 5070;
};

/// The generated cases (deterministic: same target, same cases in the same order). Every case is
/// a single UDP datagram (under 65,000 bytes).
std::vector<FuzzCase> protosCases(const FuzzTarget& t);
/// One case per *.sip file of `dir` (sorted by name): "rfc4475/<file stem>". Throws Error if the
/// folder cannot be read.
std::vector<FuzzCase> corpusCases(const std::string& dir);

struct FuzzOutcome {
  size_t sent = 0;      // cases sent
  size_t answered = 0;  // cases the phone sent something back to
  bool alive = true;    // every probe answered
  std::string killer;   // name of the case after which the phone stopped answering
  std::string error;    // why the campaign could not run (socket, phone silent from the start)
};

class SipFuzzer {
 public:
  /// Binds local_ip:local_port (UDP) in the calling thread's namespace. Throws Error.
  explicit SipFuzzer(const FuzzTarget& t);
  ~SipFuzzer();
  SipFuzzer(const SipFuzzer&) = delete;
  SipFuzzer& operator=(const SipFuzzer&) = delete;

  /// One OPTIONS probe (retransmitted once at half the time); true if answered within `within` s.
  bool probe(double within);
  /// Sends every case, each followed by a probe. Stops at the first unanswered probe, or when
  /// `cancelled` says so. `on_case(i, case, answer)` is called after each case's probe (answer:
  /// the first line the phone sent back to the case, or "").
  FuzzOutcome run(const std::vector<FuzzCase>& cases, double probe_within,
                  const std::function<bool()>& cancelled,
                  const std::function<void(size_t, const FuzzCase&, const std::string&)>& on_case);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace phonelab::fakes
