#pragma once
/// A TR-069 (CWMP) ACS for the lab: accepts the phone's sessions, answers Inform with an
/// InformResponse and ends the session on the empty POST, so a check can see that the phone
/// reported in, and with which identity and event codes. It never sends RPCs of its own.

#include <memory>
#include <string>

#include "base/core/event.h"

namespace phonelab::fakes {

struct AcsOptions {
  std::string address;  // IPv4 to bind, e.g. the lane's services["acs"]
  int port = 7547;
};

/// POST with an Inform: 200, an InformResponse (MaxEnvelopes 1) in the Inform's CWMP namespace,
/// echoing its cwmp:ID. POST with TransferComplete: 200, TransferCompleteResponse. Empty POST (the
/// CPE has nothing more to say): 204, which ends the session. Any other POST: 204. Other methods:
/// 405. A body that is not XML or has no SOAP Body: 400. Reading each request has a 5 s deadline.
/// Events (source "acs"):
///   fake.start / fake.stop  name address port
///   acs.inform     src_ip src_port target cwmp_id manufacturer oui product_class serial
///                  events (comma list of EventCodes: "0 BOOTSTRAP,1 BOOT")
///   acs.request    src_ip src_port method target bytes rpc ("" for an empty POST) status
///   acs.malformed  src_ip src_port reason
class AcsFake {
 public:
  /// Binds on the calling thread (its network namespace), serves on a thread of its own. Throws
  /// Error naming the address and the reason if it cannot listen. log must outlive the fake.
  AcsFake(const AcsOptions& o, EventLog& log);
  /// Closes the listener and every connection, joins the thread, emits fake.stop.
  ~AcsFake();
  AcsFake(const AcsFake&) = delete;
  AcsFake& operator=(const AcsFake&) = delete;

  int port() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace phonelab::fakes
