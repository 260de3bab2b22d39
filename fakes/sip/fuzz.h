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

/// The in-dialog campaign: malformed requests inside a call the phone has answered (re-INVITE,
/// INFO, UPDATE, OPTIONS, ACK and BYE with the call's Call-ID and tags; the dialog's fields, CSeq
/// and To/From tags above all, overflowed, emptied, given bad characters and odd integers; tags
/// missing, doubled or foreign; headers emptied, dropped, repeated). The dialog's identifiers are
/// unknown until the call is answered: a case holds the markers below, which fillDialog()
/// replaces when the case is sent. Deterministic; every case under 65,000 bytes; the BYE cases
/// come last (a BYE the phone accepts ends the call, and the campaign sets up another).
std::vector<FuzzCase> dialogCases(const FuzzTarget& t);

inline constexpr const char* kMarkCallId = "@@CALL-ID@@";
inline constexpr const char* kMarkLocalTag = "@@FROM-TAG@@";  // ours (the caller's)
inline constexpr const char* kMarkRemoteTag = "@@TO-TAG@@";   // the phone's, from its 200 OK
inline constexpr const char* kMarkCseq = "@@CSEQ@@";

/// An answered call's identifiers and the CSeq number its next request takes.
struct DialogIds {
  std::string call_id, local_tag, remote_tag;
  unsigned long cseq = 1;
};
/// `bytes` with every marker replaced by the dialog's value.
std::string fillDialog(std::string bytes, const DialogIds& d);

/// How the in-dialog campaign's calls are set up and answered.
struct DialogOptions {
  std::vector<std::string> invite_headers;  // "Name: value" lines on the INVITE (auto-answer)
  std::function<void()> on_ringing;         // at each call's first 180/183 (a person answers)
  double setup_within = 10;                 // seconds for a call to be answered
};

struct FuzzOutcome {
  size_t sent = 0;      // cases sent
  size_t answered = 0;  // cases the phone sent something back to
  bool alive = true;    // every probe answered
  std::string killer;   // name of the case after which the phone stopped answering
  std::string error;    // why the campaign could not run (socket, phone silent from the start)
  size_t calls = 0;     // in-dialog: calls set up (the first, and one after each BYE accepted)
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
  /// The in-dialog campaign: calls the phone (INVITE with SDP and `d.invite_headers`), waits for
  /// it to be answered, ACKs, then sends every case (dialogCases(), markers filled) inside that
  /// call, each followed by a probe (out of the dialog, as run()). A 2xx to a re-INVITE case is
  /// ACKed; when the phone accepts a BYE case (2xx) the next case goes into a new call. Ends the
  /// call with a BYE when every probe was answered. `error` when no call could be set up.
  FuzzOutcome runInDialog(
      const std::vector<FuzzCase>& cases, const DialogOptions& d, double probe_within,
      const std::function<bool()>& cancelled,
      const std::function<void(size_t, const FuzzCase&, const std::string&)>& on_case);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace phonelab::fakes
