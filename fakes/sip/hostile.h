#pragma once
/// Hostile SIP servers: requests to the phone from a server it should not trust (an address not
/// in its proxy/registrar settings, a From host spoofing a listed server's domain, a NOTIFY
/// check-sync asking for a reboot, a replayed Authorization). It reports what came back and never
/// judges: "no response in 3 s" is the runner's sentence, built from these events.
///
/// Events (source "hostile"):
///   hostile.sent      method call_id cseq peer ("ip:port") from_host event; summary = the start
///                     line and the peer ("NOTIFY sip:198.18.0.100:5060 to 198.18.0.100:5060")
///   hostile.response  status reason method (of the CSeq) call_id cseq peer; summary = the status
///                     line and the peer ("200 OK (OPTIONS) from 198.18.0.100:5060")
///   hostile.received  method call_id peer: a request from the phone while collecting (answered
///                     200, e.g. a BYE)
///   hostile.malformed peer reason: unparseable bytes from the phone

#include <memory>
#include <string>
#include <vector>

#include "base/core/deadline.h"
#include "base/core/event.h"
#include "base/proto/sip.h"

namespace phonelab::fakes {

struct HostileOptions {
  std::string address;  // lab address, e.g. the segment's services["hostile"]
  int port = 5060;
  /// Namespace to open the socket in ("" = the calling thread's).
  std::string netns;
  /// User part of the Request-URI and To ("" = none: sip:<phone_ip>:<port>).
  std::string target_user;
};

class HostileSip {
 public:
  /// Binds the UDP socket. Throws Error.
  HostileSip(const HostileOptions& o, EventLog& log);
  ~HostileSip();
  HostileSip(const HostileSip&) = delete;
  HostileSip& operator=(const HostileSip&) = delete;

  /// Sends one request of `method` (INVITE, OPTIONS, NOTIFY, BYE, SUBSCRIBE, REFER, MESSAGE, or
  /// any token) to the phone and collects responses until the deadline (retransmitting per RFC
  /// 3261 Timer A/E until a response arrives). `spoof_from_domain` is written as the host of the
  /// top Via's sent-by (the port stays ours, and rport asks for the answer to come to the packet's
  /// source), of the From and of the Contact (default: our address); `event` the Event header
  /// (NOTIFY defaults to "check-sync", SUBSCRIBE to "dialog"); `extra_headers` are added verbatim
  /// ("Authorization: Digest ..."); `in_dialog` gives the To a tag, as a request inside an
  /// established dialog carries. An INVITE carries an SDP offer; a final response to it is
  /// ACKed, and a 2xx is followed by a BYE (its response is collected too); an INVITE still
  /// ringing at the deadline is CANCELled.
  std::vector<proto::sip::Message> send(const std::string& method, const std::string& phone_ip,
                                        int phone_port, Deadline deadline,
                                        const std::string& spoof_from_domain = "",
                                        const std::string& event = "",
                                        const std::vector<std::string>& extra_headers = {},
                                        bool in_dialog = false);

  /// The user part of the Request-URI and To of the requests to come ("" = none): a request sent
  /// to a proxy names the phone's user, which the proxy looks up.
  void setTargetUser(const std::string& user);

  /// The request `send` would build (for logs, or to replay by hand).
  proto::sip::Message buildRequest(const std::string& method, const std::string& phone_ip,
                                   int phone_port, const std::string& spoof_from_domain = "",
                                   const std::string& event = "",
                                   const std::vector<std::string>& extra_headers = {},
                                   bool in_dialog = false) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace phonelab::fakes
