#pragma once
/// The decisions of the phone's SIP user agent, without any networking: Restricted Access
/// Domains, Auth INVITE (digest challenge, single-use nonces), NOTIFY check-sync, the reaction to
/// a DHCP renewal triggered by a SIP timeout, the proxy address and the SDP answer.

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "base/proto/sdp.h"
#include "base/proto/sip.h"

namespace phonelab::emulator {

/// Splits Restricted_Access_Domains: names separated by ';' or ',' with optional spaces; empty
/// pieces dropped. `semicolon_only` (fault restricted-domains-semicolon-only) splits on ';' only,
/// so "a.example, b.example" stays one (bogus) name.
std::vector<std::string> parseDomainList(const std::string& value, bool semicolon_only = false);

/// Restricted Access Domains: which source addresses may send requests.
class RestrictedDomains {
 public:
  /// The configured names (from parseDomainList); an empty list allows everyone.
  void configure(std::vector<std::string> names);
  /// A name resolved to `ip` (dotted): requests from it are allowed.
  void addAddress(const std::string& ip) { allowed_.insert(ip); }
  bool active() const { return !names_.empty(); }
  /// May a request from `ip` be answered?
  bool allows(const std::string& ip) const { return !active() || allowed_.count(ip) != 0; }
  /// Is `host` (a header's host part) a listed name, compared without regard to case, or one of
  /// their addresses? Only the fault restricted-domains-trusts-headers decides by this.
  bool listsHost(const std::string& host) const;
  const std::vector<std::string>& names() const { return names_; }
  const std::set<std::string>& addresses() const { return allowed_; }

 private:
  std::vector<std::string> names_;
  std::set<std::string> allowed_;
};

/// How the phone decides who a request is from. Conformant: the packet's source address against
/// the listed names' addresses, for every request. The faults are the ways real stacks get it
/// wrong.
struct RadFaults {
  bool invite_only = false;       // restricted-domains-invite-only: only INVITE is filtered
  bool trusts_headers = false;    // restricted-domains-trusts-headers: the Via/From host decides
  bool in_dialog_bypass = false;  // restricted-domains-in-dialog-bypass: a To tag skips the check
  bool address_prefix = false;  // restricted-domains-address-prefix: strncmp over the listed length
};
struct RadDecision {
  bool allowed = false;
  std::string fault;  // the fault that let the request through ("" when the check was conformant)
};
/// Is the request (received from `ip`) from a listed server? `rad` must be active().
RadDecision radAdmits(const RestrictedDomains& rad, const proto::sip::Message& request,
                      const std::string& ip, const RadFaults& f);

/// The host of the top Via's sent-by and of the From URI ("" when absent or unreadable).
std::string topViaHost(const proto::sip::Message& m);
std::string fromHost(const proto::sip::Message& m);

/// What to do with a request from an unlisted source.
enum class UnlistedAction { Drop, Answer403, Process };
struct UnlistedFaults {
  bool ignore = false;            // ignore-restricted-domains
  bool answer_403 = false;        // answer-unlisted-403
  bool reboot_on_notify = false;  // reboot-on-unlisted-notify: check-sync handled before the filter
};
UnlistedAction unlistedAction(const proto::sip::Message& request, const UnlistedFaults& f);

/// NOTIFY: `Event: check-sync` (optionally ;reboot=true) asks for a resync.
struct NotifyAction {
  std::string event;    // the event package ("" when absent)
  bool resync = false;  // check-sync
  bool reboot = false;  // check-sync;reboot=true
};
NotifyAction classifyNotify(const proto::sip::Message& notify);

/// Auth INVITE: challenges initial INVITEs and verifies the answer against everything the digest
/// binds (RFC 7616 3.4.6, RFC 3261 22.4): the INVITE's method and Request-URI, the phone's own
/// realm, an algorithm it offered, a nonce it issued and that has not expired, a nonce count above
/// every count already accepted for that nonce (a nonce may answer later INVITEs within its
/// lifetime, the count incremented), qop=auth with a cnonce.
class InviteAuth {
 public:
  struct Faults {
    bool accepts_any = false;    // auth-invite-accepts-any: any Authorization with a known user
    bool nonce_replay = false;   // auth-invite-nonce-replay: the nonce count is not checked
    bool client_realm = false;   // auth-invite-client-realm: the realm the client sent is used
    bool uri_unchecked = false;  // auth-invite-uri-unchecked: uri never compared to the R-URI
    bool nonce_never_expires = false;  // auth-invite-nonce-never-expires
    bool first_call_only = false;      // auth-invite-first-call-only
    bool any_username = false;         // auth-invite-any-username
  };
  /// The phone's choices (the device profile's expect.auth_invite_*): algorithms offered, the
  /// preferred first (one WWW-Authenticate each, RFC 8760 2.4); a nonce's lifetime in seconds.
  struct Policy {
    std::vector<std::string> algorithms = {"SHA-256", "MD5"};
    double nonce_lifetime = 10;
  };
  enum class Verdict { Challenge, Accept, Forbidden };
  struct Decision {
    Verdict verdict = Verdict::Challenge;
    std::vector<std::string> challenges;  // WWW-Authenticate values for Challenge
    std::string why;                      // for the log
  };

  InviteAuth() = default;
  explicit InviteAuth(Faults f) : faults_(f) {}
  InviteAuth(Faults f, Policy p) : faults_(f), policy_(std::move(p)) {}
  /// `realm`: the phone's address or Station_Name; `now`: seconds on a monotonic clock.
  Decision decide(const proto::sip::Message& invite, const std::string& user,
                  const std::string& password, const std::string& realm, double now);
  /// A fresh nonce, remembered as issued at `now` with no count accepted yet.
  std::string issueNonce(double now);
  void reset() {
    nonces_.clear();
    authenticated_ = false;
  }

 private:
  struct NonceState {
    double issued = 0;
    unsigned long last_nc = 0;  // the highest nonce count accepted (0: none yet)
  };
  Decision challenge(const std::string& realm, std::string why, double now, bool stale = false);
  Faults faults_;
  Policy policy_;
  std::map<std::string, NonceState> nonces_;
  bool authenticated_ = false;  // a call was accepted since the last reset
};

/// What the phone does with the result of a DHCP renewal asked because a SIP request timed out.
enum class DhcpRenewOutcome { SameAddress, Changed, Nak, Timeout };
enum class RenewReaction { Reregister, Reset, CarryOn };
RenewReaction renewReaction(DhcpRenewOutcome outcome, bool no_reset_fault);
const char* renewOutcomeName(DhcpRenewOutcome o);

/// Proxy_1_ as host and port: "proxy.example", "198.18.0.5:5070", "sip:proxy.example;lr".
struct ProxyAddress {
  std::string host;
  uint16_t port = 5060;
  bool port_given = false;  // the value named a port (else 5060, or 5061 for TLS)
};
std::optional<ProxyAddress> parseProxy(const std::string& value);

/// The SDP of our 200 OK: answers an offer with the PCMU/PCMA payloads it has (in its order),
/// or offers both when the INVITE had no SDP. nullopt: the offer has neither (488).
std::optional<std::string> sdpAnswer(const std::string& offer, const std::string& own_ip,
                                     uint16_t rtp_port, uint64_t session_id);
/// The same answer before it is written (proto::sdp::build), for a fault that changes it (an
/// RTP/SAVP transport, an a=crypto line).
std::optional<proto::sdp::Session> sdpAnswerSession(const std::string& offer,
                                                    const std::string& own_ip, uint16_t rtp_port,
                                                    uint64_t session_id);

/// Auto-answer as MPP paging/intercom calls ask for it: a Call-Info value with an answer-after
/// parameter, the seconds to ring before answering ("Call-Info: <sip:proxy>;answer-after=0").
/// nullopt when the INVITE does not ask (or the value is not a number up to 9999): it rings until
/// someone answers. Whether the phone honours it is Auto_Answer_Page's business.
std::optional<long> autoAnswerAfter(const proto::sip::Message& invite);

/// Is any header value longer than `limit` bytes? (fault crash-on-long-header)
bool hasHeaderLongerThan(const proto::sip::Message& m, size_t limit);

/// Fault crash-on-content-length-overflow: would copying Content-Length bytes of body out of a
/// `buffer`-byte packet buffer read past the datagram's end and past the buffer? Judged on the raw
/// bytes (the header block up to the first empty line), as a firmware that trusts the header does.
bool contentLengthOverruns(std::string_view datagram, size_t buffer);

/// Fault crash-in-dialog-matcher: the dialog layer of a firmware that looks a request up by its
/// Call-ID before the message checks, then reads the To tag and the CSeq number through pointers
/// its header parser leaves null when the To header has no tag or the CSeq value does not start
/// with a number. Returns what would be null ("the To tag", "the CSeq number"), "" when neither.
std::string inDialogNullField(const proto::sip::Message& m);

}  // namespace phonelab::emulator
