#pragma once
/// The test user agent: the far end of the phone's calls. A SIP UA over UDP on a lab address,
/// driven by the runner: it registers with the trusted proxy, places calls (answering digest
/// challenges), hangs up, sends raw requests a scenario builds, and answers what it receives by
/// itself (INVITE -> 100, 180, 200 with an SDP answer; ACK; BYE -> 200; CANCEL -> 200 + 487;
/// OPTIONS/NOTIFY/MESSAGE/INFO/UPDATE -> 200; anything else -> 501).
///
/// Events (source "ua"), one per message in and out:
///   ua.sent / ua.received  method (requests) or status + reason (responses), call_id, cseq
///                          (number), cseq_method, peer ("ip:port"), ua ("user@address:port");
///                          ua.received of unparseable bytes has malformed = the parser's reason
///   summary: the start line and the peer, "INVITE sip:alice@sip.lab.example to 198.18.0.10:5060"
/// No media of its own: the SDP offers/answers a port (rtp_port); the audio_call action binds it
/// and sends RTP (fakes/audio/rtp_session.h).

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "base/core/deadline.h"
#include "base/core/event.h"
#include "base/proto/sip.h"

namespace phonelab::fakes {

struct UaOptions {
  std::string address;  // lab address to bind (UDP)
  int port = 5062;
  std::string user;      // SIP user (and digest user name)
  std::string password;  // "" = cannot answer challenges
  std::string domain;    // SIP domain for the AOR; "" = the proxy's host
  std::string proxy;     // "ip:port" of Kamailio (registrar and outbound proxy)
  /// Namespace to open the socket in ("" = the calling thread's, e.g. inside a NetnsScope).
  std::string netns;
  int rtp_port = 40000;  // m=audio port in our SDP
  /// The session-level c= of our SDP offers when it differs from `address` (which stays the
  /// audio stream's own, media-level c=): another lab address, so a phone that sends RTP to the
  /// session-level address instead of the media-level one (RFC 4566 5.7) is heard as one-way.
  std::string sdp_session_address;
  int answer_status = 200;  // final status for INVITEs we receive (e.g. 486 to decline)
};

/// How call() places a call.
struct CallOptions {
  std::string auth_user, auth_password;  // answer the phone's 401/407 with these (once)
  /// Answer the challenge wrongly in one part the digest binds (RFC 7616 3.4.6), the rest right:
  /// "" (right), "realm" (computed and sent for another realm), "uri" (for another Request-URI),
  /// "method" (for BYE), "nonce" (a nonce the phone never issued), "nc-replay" (the last answered
  /// challenge's nonce with the count already used, a fresh cnonce; sent without waiting for a
  /// challenge), "response" (the response hash with one digit changed).
  std::string auth_wrong;
  /// The challenge's algorithm to answer ("" = the first offered that we implement).
  std::string auth_algorithm;
  /// Send credentials at once, for the nonce of the last challenge a call answered with its count
  /// incremented (RFC 7616 3.4.5: nonce reuse), and do not answer a new challenge.
  bool auth_reuse_nonce = false;
  std::vector<std::string> headers;  // "Name: value" lines added to the INVITE
  /// Once the call rings (a provisional response above 100) and no final response came for this
  /// many seconds, CANCEL it: a call that rings is all some checks need. < 0: wait for an answer
  /// until the deadline (then CANCEL).
  double ring_window = -1;
  /// Called once, on the calling thread, at the first provisional response above 100.
  std::function<void(int status)> on_ringing;
};

/// What became of a call.
struct CallOutcome {
  int status = 0;          // the final response (0 = none); 487 after our CANCEL
  int ringing = 0;         // the last provisional response above 100 (180, 183); 0 = none
  bool cancelled = false;  // we CANCELled it: it rang past the ring window, or the deadline
  bool replay = false;     // replayCall(): the Authorization of an earlier call, verbatim
  std::string why;         // the final response's start line, or what happened instead
  /// What a call "got": the final response, or the ringing when we cancelled it.
  int reported() const { return cancelled && ringing ? ringing : status; }
  bool answered() const { return status >= 200 && status < 300; }
};

class TestUa {
 public:
  /// Binds the socket and starts the receive thread ("phl-ua", as nobody without capabilities:
  /// base/lab/privileges.h). Throws Error if it cannot bind or the thread cannot drop root.
  TestUa(const UaOptions& o, EventLog& log);
  /// Stops the receive thread (no unregistration: the registrar dies with the scenario).
  ~TestUa();
  TestUa(const TestUa&) = delete;
  TestUa& operator=(const TestUa&) = delete;

  /// REGISTER (Expires 3600) with the proxy, answering one 401/407 challenge with the password.
  /// True on 2xx; otherwise false with `why` ("403 Forbidden", "no response within 5 s", "401
  /// Unauthorized and no password to answer it", ...). lastStatus() has the final status.
  bool registerNow(Deadline deadline, std::string& why);

  /// INVITE target (a SIP URI, sent to `via`: "ip:port" of the proxy or the phone itself) with an
  /// SDP offer (PCMU/PCMA, m=audio rtp_port); answers 401/407 challenges with
  /// auth_user/auth_password if given (once per realm); waits for a final response and ACKs it.
  /// Returns the final status (0 = none before the deadline; a ringing INVITE is then CANCELled
  /// and its 487 ACKed). A 2xx establishes the dialog hangup() ends.
  int call(const std::string& target_uri, const std::string& via, Deadline deadline,
           std::string& why, const std::string& auth_user = "",
           const std::string& auth_password = "");
  /// The same with options (extra headers, a ring window, a ringing callback): the whole outcome.
  CallOutcome call(const std::string& target_uri, const std::string& via, Deadline deadline,
                   const CallOptions& options);

  /// A replayed answer: INVITE target_uri with the Authorization (or Proxy-Authorization) header
  /// that answered the last challenge in call(), copied verbatim onto a new transaction (new
  /// Call-ID, tag and branch, CSeq 1); a new challenge is not answered. Returns the final status
  /// as call() does; 0 with `why` when no call has answered a challenge yet.
  int replayCall(const std::string& target_uri, const std::string& via, Deadline deadline,
                 std::string& why);
  /// The same with options (auth_user/auth_password are not used).
  CallOutcome replayCall(const std::string& target_uri, const std::string& via, Deadline deadline,
                         const CallOptions& options);

  /// BYE in the current dialog (placed by call() or answered by this UA), through its route set.
  /// True when the BYE got a 2xx.
  bool hangup(Deadline deadline, std::string& why);

  /// Sends raw bytes (built by the caller) and collects the SIP responses received until the
  /// deadline (those with the request's Call-ID when it has one, else all).
  std::vector<proto::sip::Message> sendRaw(const std::string& dst_ip, int dst_port,
                                           const std::string& bytes, Deadline deadline);

  /// Final status of the last registerNow()/call()/hangup() (0 = none).
  int lastStatus() const;
  /// Is a dialog established (our call answered, or an INVITE we answered and not yet BYEd)?
  bool inCall() const;
  /// The other side's SDP of the current or last dialog.
  std::string remoteSdp() const;
  /// Requests this UA received, in order (for checks: did the phone's INVITE carry ...?).
  std::vector<proto::sip::Message> receivedRequests() const;
  /// "sip:user@address:port"
  std::string contactUri() const;
  /// The payload types the SDP offer of our next INVITEs lists (empty = the default PCMU, PCMA,
  /// telephone-event): an audio call offers only the codec under test.
  void setOffer(std::vector<int> payload_types);
  const UaOptions& options() const;

 private:
  CallOutcome invite(const std::string& target_uri, const std::string& via, Deadline deadline,
                     const CallOptions& options, const std::string& preset_header,
                     const std::string& preset_value);
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace phonelab::fakes
