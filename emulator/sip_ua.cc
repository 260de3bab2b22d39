#include "emulator/sip_ua.h"

#include <openssl/ssl.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>
#include <strings.h>
#include <sys/socket.h>

#include <array>
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ip/udp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <chrono>
#include <cstdlib>
#include <deque>

#include "base/core/deadline.h"
#include "base/proto/sip_stream.h"
#include "emulator/log.h"
#include "emulator/netproto.h"
#include "emulator/rtp_loop.h"

namespace asio = boost::asio;
namespace sip = phonelab::proto::sip;
namespace dhcp = phonelab::proto::dhcp;
namespace ssl = boost::asio::ssl;
using asio::ip::tcp;
using asio::ip::udp;
using std::chrono::steady_clock;

namespace phonelab::emulator {

namespace {

std::chrono::milliseconds ms(double seconds) {
  return std::chrono::milliseconds(static_cast<long long>(seconds * 1000.0));
}

std::string epString(const udp::endpoint& e) {
  return e.address().to_string() + ":" + std::to_string(e.port());
}

long toLong(const std::string& s, long def) {
  if (s.empty() || s.size() > 9) return def;
  long v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return def;
    v = v * 10 + (c - '0');
  }
  return v;
}

constexpr double kTlsConnectTimeout = 5.0;  // TCP connect + TLS handshake

constexpr const char* kAllow = "INVITE, ACK, BYE, CANCEL, OPTIONS, NOTIFY";
constexpr size_t kLongHeader = 4096;
constexpr size_t kPacketBuffer = 4096;  // fault crash-on-content-length-overflow

}  // namespace

/// Fault tls-name-prefix-match: the certificate's DNS names (its CN when it has none) are compared
/// with strncasecmp over the length of the configured host, so "sip.lab.example.attacker.invalid"
/// passes for "sip.lab.example": a name check written as a prefix comparison.
static bool namePrefixMatches(X509* cert, const std::string& host) {
  std::vector<std::string> names;
  auto* sans =
      static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(cert, NID_subject_alt_name, nullptr, nullptr));
  if (sans) {
    for (int i = 0; i < sk_GENERAL_NAME_num(sans); ++i) {
      const GENERAL_NAME* g = sk_GENERAL_NAME_value(sans, i);
      if (g->type != GEN_DNS) continue;
      const ASN1_IA5STRING* d = g->d.dNSName;
      names.emplace_back(reinterpret_cast<const char*>(ASN1_STRING_get0_data(d)),
                         static_cast<size_t>(ASN1_STRING_length(d)));
    }
    GENERAL_NAMES_free(sans);
  }
  if (names.empty()) {
    char cn[256] = {};
    if (X509_NAME_get_text_by_NID(X509_get_subject_name(cert), NID_commonName, cn, sizeof cn) > 0)
      names.emplace_back(cn);
  }
  for (const auto& n : names) {
    if (::strncasecmp(n.c_str(), host.c_str(), host.size()) == 0) {
      if (n.size() != host.size())
        logLine("sip: fault tls-name-prefix-match: accepting the name " + n + " for " + host);
      return true;
    }
  }
  return false;
}

struct SipUa::Impl : std::enable_shared_from_this<SipUa::Impl> {
  asio::io_context& io;
  const ConfigStore& cfg;
  const Faults& faults;
  SipUaConfig c;
  SipUaHooks hooks;
  udp::socket sock;
  std::array<char, 65536> buf{};
  udp::endpoint from;
  bool running = false;
  std::string own_ip;
  uint16_t port = 5060;
  int malformed_logged = 0;

  // Restricted Access Domains.
  RestrictedDomains rad;
  int rad_generation = 0;
  std::string rad_value;

  // Registration.
  asio::steady_timer reg_timer;
  asio::steady_timer dhcp_timer;
  asio::steady_timer poll_timer;
  int reg_generation = 0;
  std::string reg_snapshot;
  std::optional<udp::endpoint> proxy_ep;
  std::string proxy_host, reg_user, reg_callid, reg_tag, reg_branch, answered_nonce;
  unsigned long reg_cseq = 0;
  long reg_expires_req = 3600;
  sip::Message reg_req;
  bool reg_pending = false;  // a REGISTER transaction is waiting for its final response
  steady_clock::time_point reg_started;
  double reg_interval = 0.5;
  bool dhcp_armed = false;
  bool renewing = false;
  // status.xml
  std::string reg_state = "Not Registered", reg_proxy;
  long reg_expires = 0;

  // SIP over TLS (SIP_Transport_1_ = TLS): one connection to the proxy, opened before the
  // REGISTER; requests and responses from the proxy arrive on it as from *proxy_ep.
  bool tls_mode = false;  // this registration runs over TLS
  bool tls_up = false;
  int tls_generation = 0;
  std::shared_ptr<ssl::context> tls_ctx;
  // Shared with the pending handlers: a closed stream lives until its last handler has run.
  std::shared_ptr<ssl::stream<tcp::socket>> tls;
  asio::steady_timer tls_timer;
  std::array<char, 16384> tls_buf{};
  std::string tls_in;
  std::deque<std::string> tls_out;
  bool tls_writing = false;
  std::string tls_local;  // "ip:port" of our end (Via, Contact)

  // Calls.
  struct Call {
    std::string call_id, local_tag, invite_branch;
    udp::endpoint peer;
    sip::Message invite;
    enum class State { Ringing, Answered, Confirmed } state = State::Ringing;
    std::string answer_sdp;
    std::string last_response;  // serialized, for INVITE retransmissions
    steady_clock::time_point answered_at;
    double retx = 0.5;
    uint16_t rtp_port = 0;
    std::unique_ptr<RtpLoop> media;  // the audio loopback, from the 200 OK to the end of the call
  };
  std::optional<Call> call;
  asio::steady_timer call_timer;
  InviteAuth auth;
  bool auth_invite_at_start = false;  // fault auth-invite-read-at-start
  uint16_t next_rtp = 16384;
  long calls_received = 0, calls_answered = 0;
  std::string last_call_from, last_sip_request;

  Impl(asio::io_context& io_, const ConfigStore& config, const Faults& f, SipUaConfig conf,
       SipUaHooks h)
      : io(io_),
        cfg(config),
        faults(f),
        c(conf),
        hooks(std::move(h)),
        sock(io_),
        reg_timer(io_),
        dhcp_timer(io_),
        poll_timer(io_),
        tls_timer(io_),
        call_timer(io_),
        auth(InviteAuth::Faults{
            f.has("auth-invite-accepts-any"), f.has("auth-invite-nonce-replay"),
            f.has("auth-invite-client-realm"), f.has("auth-invite-uri-unchecked"),
            f.has("auth-invite-nonce-never-expires"), f.has("auth-invite-first-call-only")}) {}

  /// Auth_INVITE_1_ as the firmware reads it: per INVITE, the stored value compared with Yes.
  bool authInviteOn() const {
    if (faults.has("auth-invite-read-at-start")) return auth_invite_at_start;
    const std::string v = cfg.get("Auth_INVITE_1_");
    if (faults.has("auth-invite-any-value")) return !v.empty();
    return v == "Yes";
  }

  // ---- lifecycle ----

  void start() {
    own_ip = dhcp::ip4String(c.own_ip);
    auth_invite_at_start = cfg.get("Auth_INVITE_1_") == "Yes";
    port = static_cast<uint16_t>(toLong(cfg.get("SIP_Port_1_"), 5060));
    if (port == 0) port = 5060;
    boost::system::error_code ec;
    sock.open(udp::v4(), ec);
    if (!ec) sock.bind(udp::endpoint(asio::ip::make_address_v4(own_ip, ec), port), ec);
    if (ec) {
      logLine("sip: cannot listen on " + own_ip + ":" + std::to_string(port) + ": " + ec.message());
      return;
    }
    running = true;
    logLine("sip: listening on udp " + own_ip + ":" + std::to_string(port) +
            (cfg.get("SIP_Transport_1_") != "UDP"
                 ? " (SIP_Transport_1_ " + cfg.get("SIP_Transport_1_") +
                       (cfg.get("SIP_Transport_1_") == "TLS" ? ": TLS to the proxy)"
                                                             : " not supported: UDP)")
                 : ""));
    receive();
    configureRad();
    startRegistration();
    poll();
  }

  void stop() {
    running = false;
    boost::system::error_code ec;
    sock.close(ec);
    closeTls();
    reg_timer.cancel();
    dhcp_timer.cancel();
    poll_timer.cancel();
    call_timer.cancel();
    call.reset();  // and its audio loop
  }

  void poll() {
    poll_timer.expires_after(ms(c.config_poll));
    poll_timer.async_wait([self = shared_from_this()](const boost::system::error_code& ec) {
      if (ec || !self->running) return;
      if (self->cfg.get("Restricted_Access_Domains") != self->rad_value) {
        logLine("sip: Restricted_Access_Domains changed");
        self->configureRad();
      }
      if (self->regSnapshot() != self->reg_snapshot) {
        logLine("sip: registration parameters changed: registering again");
        self->startRegistration();
      }
      self->poll();
    });
  }

  // ---- Restricted Access Domains ----

  void configureRad() {
    rad_value = cfg.get("Restricted_Access_Domains");
    const bool semi_only = faults.has("restricted-domains-semicolon-only");
    auto names = parseDomainList(rad_value, semi_only);
    const bool first_only = faults.has("restricted-domains-first-name-only") && names.size() > 1;
    if (first_only) {
      logLine("sip: fault restricted-domains-first-name-only: only " + names.front() +
              " of the list is used");
      names.resize(1);
    }
    rad.configure(names);
    const int gen = ++rad_generation;
    if (names.empty()) {
      logLine("sip: Restricted Access Domains empty: answering every source");
      return;
    }
    std::string list;
    for (auto& n : names) list += (list.empty() ? "" : ", ") + n;
    logLine("sip: Restricted Access Domains: " + list +
            (semi_only ? " (fault restricted-domains-semicolon-only: split on ';' only)" : ""));
    for (const auto& name : names) {
      hooks.resolve(name, [self = shared_from_this(), gen, name](std::optional<dhcp::Ip4> ip,
                                                                 const std::string& err) {
        if (!self->running || gen != self->rad_generation) return;
        if (!ip) {
          logLine("sip: Restricted Access Domains: " + name + " not resolved (" + err + ")");
          return;
        }
        self->rad.addAddress(dhcp::ip4String(*ip));
        logLine("sip: Restricted Access Domains: " + name + " is " + dhcp::ip4String(*ip));
      });
    }
  }

  // ---- I/O ----

  void receive() {
    sock.async_receive_from(
        asio::buffer(buf), from,
        [self = shared_from_this()](const boost::system::error_code& ec, size_t n) {
          if (!self->running || ec == asio::error::operation_aborted) return;
          if (!ec) self->onDatagram(std::string_view(self->buf.data(), n), self->from);
          if (self->running) self->receive();
        });
  }

  void send(const sip::Message& m, const udp::endpoint& to) { sendRaw(sip::serialize(m), to, m); }

  void sendRaw(const std::string& data, const udp::endpoint& to, const sip::Message& m) {
    boost::system::error_code ec = transmit(data, to);
    logLine("sip: -> " + m.startLine() + " to " + epString(to) + (viaTls(to) ? " over TLS" : "") +
            (ec ? " (send failed: " + ec.message() + ")" : ""));
  }

  /// Messages to the proxy go down the TLS connection when this registration runs over TLS.
  bool viaTls(const udp::endpoint& to) const { return tls_mode && proxy_ep && to == *proxy_ep; }

  boost::system::error_code transmit(const std::string& data, const udp::endpoint& to) {
    boost::system::error_code ec;
    if (viaTls(to) && data.starts_with("SIP/2.0 ") && faults.has("tls-responses-over-udp")) {
      // A response path that always uses the UDP socket: the answer to a request that came
      // down the TLS connection goes to the sender's address at the default port, in cleartext.
      const udp::endpoint u(to.address(), 5060);
      logLine("sip: fault tls-responses-over-udp: response sent over UDP to " + epString(u));
      sock.send_to(asio::buffer(data), u, 0, ec);
      return ec;
    }
    if (viaTls(to)) {
      if (!tls_up) return asio::error::not_connected;
      tls_out.push_back(data);
      if (!tls_writing) tlsWriteNext();
      return ec;
    }
    sock.send_to(asio::buffer(data), to, 0, ec);
    return ec;
  }

  sip::Message response(const sip::Message& req, int status, const std::string& reason,
                        const std::string& tag) {
    auto r = sip::makeResponse(req, status, reason, tag);
    // RFC 3261 12.1.1: a response that establishes a dialog (101-299 to an INVITE) carries the
    // request's Record-Route, so the caller's ACK and BYE go through the proxies that asked.
    if (req.method == "INVITE" && status > 100 && status < 300) {
      for (const auto& rr : req.headerValues("Record-Route")) r.add("Record-Route", rr);
    }
    r.add("Server", "Cisco-" + c.product + "/12.0.1 (phone-emulator)");
    return r;
  }

  void respond(const sip::Message& req, int status, const std::string& reason,
               const udp::endpoint& to) {
    auto r = response(req, status, reason, status == 100 ? "" : sip::randomToken(10));
    if (status == 405 || status == 501) r.add("Allow", kAllow);
    send(r, to);
  }

  /// Restricted Access Domains: may this request be served? Handles the refusal (a drop, or the
  /// faults' reactions) and returns false when it may not.
  bool admitted(const sip::Message& m, const udp::endpoint& src) {
    const std::string ip = src.address().to_string();
    if (!rad.active()) {
      if (faults.has("empty-restricted-domains-blocks-all")) {
        logLine("sip: fault empty-restricted-domains-blocks-all: dropped " + m.method + " from " +
                ip + " (Restricted Access Domains is empty)");
        return false;
      }
      if (faults.has("empty-restricted-domains-proxy-only") &&
          !(proxy_ep && proxy_ep->address() == src.address())) {
        logLine("sip: fault empty-restricted-domains-proxy-only: dropped " + m.method + " from " +
                ip + " (Restricted Access Domains is empty: only the proxy is served)");
        return false;
      }
      return true;
    }
    const RadFaults rf{faults.has("restricted-domains-invite-only"),
                       faults.has("restricted-domains-trusts-headers"),
                       faults.has("restricted-domains-in-dialog-bypass")};
    const RadDecision d = radAdmits(rad, m, ip, rf);
    if (d.allowed) {
      if (!d.fault.empty()) {
        logLine("sip: fault " + d.fault + ": " + m.method + " from " + ip +
                " (not in Restricted Access Domains) let through");
      }
      return true;
    }
    UnlistedFaults uf{faults.has("ignore-restricted-domains"), faults.has("answer-unlisted-403"),
                      faults.has("reboot-on-unlisted-notify")};
    switch (unlistedAction(m, uf)) {
      case UnlistedAction::Drop:
        logLine("sip: dropped " + m.method + " from " + ip + ": not in Restricted Access Domains");
        return false;
      case UnlistedAction::Answer403:
        logLine("sip: fault answer-unlisted-403: " + m.method + " from " + ip +
                " (not in Restricted Access Domains) answered 403");
        if (m.method != "ACK" && m.header("Via")) respond(m, 403, "Forbidden", src);
        return false;
      case UnlistedAction::Process:
        logLine("sip: fault " +
                std::string(uf.ignore ? "ignore-restricted-domains" : "reboot-on-unlisted-notify") +
                ": processing " + m.method + " from " + ip);
        return true;
    }
    return false;
  }

  void onDatagram(std::string_view data, const udp::endpoint& src) {
    if (faults.has("crash-on-content-length-overflow") &&
        contentLengthOverruns(data, kPacketBuffer)) {
      const std::string what = "a Content-Length beyond the datagram and the " +
                               std::to_string(kPacketBuffer) + "-byte packet buffer from " +
                               epString(src);
      logLine("sip: fault crash-on-content-length-overflow: " + what +
              ": the body copy reads past the buffer, the firmware crashes");
      stop();
      if (hooks.crash) hooks.crash("SIP: " + what);
      return;
    }
    auto parsed = sip::parse(data);
    const std::string ip = src.address().to_string();
    if (!parsed.message) {
      if (malformed_logged < 20 && !(data.find_first_not_of("\r\n") == std::string_view::npos)) {
        ++malformed_logged;
        logLine("sip: dropped a malformed datagram from " + epString(src) + ": " + parsed.error +
                (malformed_logged == 20 ? " (further ones are not logged)" : ""));
      }
      return;
    }
    sip::Message& m = *parsed.message;
    if (faults.has("crash-on-long-header") && hasHeaderLongerThan(m, kLongHeader)) {
      const std::string what =
          "a header value over " + std::to_string(kLongHeader) + " bytes from " + epString(src);
      logLine("sip: fault crash-on-long-header: " + what + ": the firmware crashes");
      // Halted at once: not another datagram read, not another message sent (no answer to this
      // one, no retransmission, no refresh).
      stop();
      if (hooks.crash) hooks.crash("SIP: " + what);
      return;
    }
    if (!m.request) {
      onResponse(m, src);
      return;
    }
    if (!admitted(m, src)) return;
    if (auto err = sip::checkMessage(m); !err.empty()) {
      logLine("sip: bad " + m.method + " from " + epString(src) + ": " + err);
      if (m.method == "ACK" || !m.header("Via")) return;
      if (err.rfind("unsupported version", 0) == 0) {
        respond(m, 505, "Version Not Supported", src);
      } else {
        respond(m, 400, "Bad Request", src);
      }
      return;
    }
    last_sip_request = m.method + " from " + ip;
    logLine("sip: <- " + m.summary() + " from " + epString(src));
    if (m.method == "INVITE") {
      onInvite(m, src);
    } else if (m.method == "ACK") {
      onAck(m);
    } else if (m.method == "BYE") {
      onBye(m, src);
    } else if (m.method == "CANCEL") {
      onCancel(m, src);
    } else if (m.method == "OPTIONS") {
      auto r = response(m, 200, "OK", sip::randomToken(10));
      r.add("Allow", kAllow);
      r.add("Accept", "application/sdp");
      send(r, src);
    } else if (m.method == "NOTIFY") {
      onNotify(m, src);
    } else {
      respond(m, 501, "Not Implemented", src);
    }
  }

  // ---- calls ----

  void onInvite(const sip::Message& m, const udp::endpoint& src) {
    const std::string ip = src.address().to_string();
    if (!m.toTag().empty()) {
      // A re-INVITE inside our dialog: not challenged.
      if (call && call->call_id == m.callId() && m.toTag() == call->local_tag) {
        auto r = response(m, 200, "OK", call->local_tag);
        r.add("Contact", ownContact());
        r.add("Content-Type", "application/sdp");
        r.body = call->answer_sdp;
        send(r, src);
      } else {
        respond(m, 481, "Call/Transaction Does Not Exist", src);
      }
      return;
    }
    if (call && call->call_id == m.callId() && call->invite_branch == m.topViaBranch()) {
      // Retransmission of the INVITE being answered.
      if (!call->last_response.empty()) sendRaw(call->last_response, src, m);
      return;
    }
    if (authInviteOn()) {
      if (faults.has("no-auth-invite")) {
        logLine("sip: fault no-auth-invite: INVITE from " + ip + " not challenged");
      } else {
        const std::string station = cfg.get("Station_Name");
        const double now =
            std::chrono::duration<double>(steady_clock::now().time_since_epoch()).count();
        auto d = auth.decide(m, cfg.get("User_ID_1_"), cfg.get("Password_1_"),
                             station.empty() ? own_ip : station, now);
        if (d.verdict == InviteAuth::Verdict::Challenge) {
          logLine("sip: Auth INVITE: challenging INVITE from " + ip + " (" + d.why + ")");
          auto r = response(m, 401, "Unauthorized", sip::randomToken(10));
          for (const auto& ch : d.challenges) r.add("WWW-Authenticate", ch);
          send(r, src);
          return;
        }
        if (d.verdict == InviteAuth::Verdict::Forbidden) {
          logLine("sip: Auth INVITE: INVITE from " + ip + " refused (" + d.why + ")");
          respond(m, 403, "Forbidden", src);
          return;
        }
        logLine("sip: Auth INVITE: " + d.why);
      }
    }
    ++calls_received;
    if (call) {
      logLine("sip: busy (call " + call->call_id + " in progress): 486 to " + ip);
      respond(m, 486, "Busy Here", src);
      return;
    }
    uint16_t rtp = next_rtp;
    next_rtp = static_cast<uint16_t>(next_rtp + 2 > 32766 ? 16384 : next_rtp + 2);
    auto sdp = sdpAnswer(m.body, own_ip, rtp, static_cast<uint64_t>(calls_received) + 1000);
    if (!sdp) {
      logLine("sip: INVITE from " + ip + " offers neither PCMU nor PCMA: 488");
      respond(m, 488, "Not Acceptable Here", src);
      return;
    }
    if (srtpFault()) {
      auto at = sdp->find(" RTP/AVP");
      if (at != std::string::npos) sdp->replace(at, 8, " RTP/SAVP");
    } else if (tls_mode && faults.has("media-savp-sdp-only")) {
      // The SDP layer marks the call secure because the signalling is (RTP/SAVP with an SDES
      // key), while the media engine was never told: the packets stay plain RTP.
      auto at = sdp->find(" RTP/AVP");
      if (at != std::string::npos) {
        sdp->replace(at, 8, " RTP/SAVP");
        *sdp += "a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:" + sip::randomToken(40) + "\r\n";
        logLine("sip: fault media-savp-sdp-only: SDP answer RTP/SAVP, media stays plain RTP");
      }
    }
    Call cl;
    cl.call_id = m.callId();
    cl.local_tag = sip::randomToken(10);
    cl.invite_branch = m.topViaBranch();
    cl.peer = src;
    cl.invite = m;
    cl.answer_sdp = *sdp;
    cl.rtp_port = rtp;
    call = std::move(cl);
    send(response(m, 100, "Trying", ""), src);
    auto ringing = response(m, 180, "Ringing", call->local_tag);
    call->last_response = sip::serialize(ringing);
    send(ringing, src);
    // A phone rings until someone picks up. It answers by itself only for an INVITE that asks
    // for auto-answer (a page or intercom call), and only when Auto_Answer_Page allows it.
    const std::string id = call->call_id;
    const auto after = autoAnswerAfter(m);
    const bool allowed = cfg.get("Auto_Answer_Page") == "Yes";
    if (after && allowed) {
      logLine("sip: call " + id + " from " + ip +
              " asks for auto-answer (Call-Info answer-after=" + std::to_string(*after) +
              "), Auto_Answer_Page is Yes: answering after " + std::to_string(*after) + " s");
      call_timer.expires_after(std::chrono::seconds(*after));
      call_timer.async_wait([self = shared_from_this(), id](const boost::system::error_code& ec) {
        if (ec || !self->running || !self->call || self->call->call_id != id) return;
        if (self->call->state == Call::State::Ringing) self->answer();
      });
      return;
    }
    logLine("sip: call " + id + " from " + ip + " ringing" +
            (after ? " (it asks for auto-answer, but Auto_Answer_Page is No)" : "") +
            ": until someone answers or the caller cancels");
    call_timer.expires_after(ms(c.ring_timeout));
    call_timer.async_wait([self = shared_from_this(), id](const boost::system::error_code& ec) {
      if (ec || !self->running || !self->call || self->call->call_id != id) return;
      Call& cl = *self->call;
      if (cl.state != Call::State::Ringing) return;
      logLine("sip: call " + id + " rang " + formatSeconds(self->c.ring_timeout) +
              " without an answer: 480");
      self->send(self->response(cl.invite, 480, "Temporarily Unavailable", cl.local_tag), cl.peer);
      self->call.reset();
    });
  }

  /// The answer key: the ringing call is answered as a person would pick it up.
  void pickUp() {
    if (!running || !call || call->state != Call::State::Ringing) {
      logLine("sip: answer key: no call is ringing");
      return;
    }
    logLine("sip: answer key: picking up call " + call->call_id);
    answer();
  }

  void answer() {
    Call& cl = *call;
    auto ok = response(cl.invite, 200, "OK", cl.local_tag);
    ok.add("Contact", ownContact());
    ok.add("Allow", kAllow);
    ok.add("Content-Type", "application/sdp");
    ok.body = cl.answer_sdp;
    cl.last_response = sip::serialize(ok);
    cl.state = Call::State::Answered;
    cl.answered_at = steady_clock::now();
    cl.retx = c.t1;
    ++calls_answered;
    const std::string* f = cl.invite.header("From");
    last_call_from = f ? sip::headerUri(*f) : "";
    logLine("sip: answering call " + cl.call_id + " from " + last_call_from);
    sendRaw(cl.last_response, cl.peer, ok);
    startMedia(cl);
    retransmitOk();
  }

  /// Fault media-srtp-with-tls: with SIP over TLS the media is encrypted too (RTP/SAVP), which the
  /// vendor's document says it is not.
  bool srtpFault() const { return tls_mode && faults.has("media-srtp-with-tls"); }

  /// The audio loopback of an answered call: to the offer's media address, in the answer's codec.
  void startMedia(Call& cl) {
    auto offer = sdpMedia(cl.invite.body);
    auto answer = sdpMedia(cl.answer_sdp);
    if (!offer || !answer || answer->payloads.empty()) {
      logLine("sip: call " + cl.call_id + ": no media address in the offer, no audio");
      return;
    }
    RtpLoopConfig rc;
    rc.own_ip = own_ip;
    rc.own_port = cl.rtp_port;
    rc.peer_ip = offer->ip;
    if (faults.has("audio-session-c-line") && !offer->session_ip.empty()) {
      rc.peer_ip = offer->session_ip;
      logLine("media: fault audio-session-c-line: RTP to the session-level c= " + rc.peer_ip);
    }
    rc.peer_port = offer->port;
    rc.payload_type = answer->payloads.front();
    rc.scramble = srtpFault();
    if (rc.scramble) logLine("media: fault media-srtp-with-tls: payloads scrambled (as SRTP)");
    cl.media = std::make_unique<RtpLoop>(io, faults, rc);
  }

  /// RFC 3261 13.3.1.4: the 200 OK is repeated (T1 doubling up to T2) until the ACK, 64*T1 max.
  void retransmitOk() {
    call_timer.expires_after(ms(call->retx));
    const std::string id = call->call_id;
    call_timer.async_wait([self = shared_from_this(), id](const boost::system::error_code& ec) {
      if (ec || !self->running || !self->call || self->call->call_id != id) return;
      Call& cl = *self->call;
      if (cl.state != Call::State::Answered) return;
      if (steady_clock::now() - cl.answered_at >= ms(self->c.transaction_timeout)) {
        logLine("sip: no ACK for call " + id + ": ending it");
        self->call.reset();
        return;
      }
      self->transmit(cl.last_response, cl.peer);
      logLine("sip: -> 200 OK (retransmission) to " + epString(cl.peer));
      cl.retx = std::min(cl.retx * 2, self->c.t2);
      self->retransmitOk();
    });
  }

  void onAck(const sip::Message& m) {
    if (!call || call->call_id != m.callId()) return;
    if (call->state == Call::State::Answered) {
      call->state = Call::State::Confirmed;
      call_timer.cancel();
      logLine("sip: call " + call->call_id + " established");
    }
  }

  void onBye(const sip::Message& m, const udp::endpoint& src) {
    if (!call || call->call_id != m.callId()) {
      respond(m, 481, "Call/Transaction Does Not Exist", src);
      return;
    }
    send(response(m, 200, "OK", call->local_tag), src);
    logLine("sip: call " + call->call_id + " ended by BYE");
    call_timer.cancel();
    call.reset();
  }

  void onCancel(const sip::Message& m, const udp::endpoint& src) {
    if (!call || call->call_id != m.callId() || call->invite_branch != m.topViaBranch()) {
      respond(m, 481, "Call/Transaction Does Not Exist", src);
      return;
    }
    send(response(m, 200, "OK", call->local_tag), src);
    if (call->state == Call::State::Ringing) {
      send(response(call->invite, 487, "Request Terminated", call->local_tag), call->peer);
      logLine("sip: call " + call->call_id + " cancelled");
      call_timer.cancel();
      call.reset();
    }
  }

  void onNotify(const sip::Message& m, const udp::endpoint& src) {
    const std::string ip = src.address().to_string();
    auto a = classifyNotify(m);
    send(response(m, 200, "OK", sip::randomToken(10)), src);
    if (!a.resync) {
      logLine("sip: NOTIFY event \"" + a.event + "\" from " + ip + ": nothing to do");
      return;
    }
    logLine("sip: NOTIFY check-sync" + std::string(a.reboot ? ";reboot=true" : "") + " from " + ip);
    if (faults.has("check-sync-ignored")) {
      logLine("sip: fault check-sync-ignored: answered, neither resyncing nor rebooting");
      return;
    }
    if (a.reboot) {
      if (hooks.reboot) hooks.reboot("SIP NOTIFY check-sync;reboot=true from " + ip);
      return;
    }
    if (hooks.resync) hooks.resync("NOTIFY check-sync from " + ip);
  }

  // ---- registration ----

  std::string regSnapshot() const {
    return cfg.get("Proxy_1_") + "\n" + cfg.get("User_ID_1_") + "\n" + cfg.get("Password_1_") +
           "\n" + cfg.get("Register_Expires_1_") + "\n" + cfg.get("SIP_Transport_1_") + "\n" +
           cfg.get("TLS_Name_Validate_1_") + "\n" + cfg.get("Custom_CA_Rule");
  }

  void startRegistration() {
    reg_snapshot = regSnapshot();
    const int gen = ++reg_generation;
    reg_timer.cancel();
    reg_pending = false;
    closeTls();
    proxy_ep.reset();
    reg_proxy.clear();
    reg_expires = 0;
    const std::string proxy = cfg.get("Proxy_1_");
    reg_user = cfg.get("User_ID_1_");
    if (proxy.empty() || reg_user.empty()) {
      reg_state = "Not Registered";
      logLine("sip: no Proxy_1_/User_ID_1_: not registering");
      return;
    }
    auto p = parseProxy(proxy);
    if (!p) {
      reg_state = "Failed: bad Proxy_1_ \"" + proxy + "\"";
      logLine("sip: " + reg_state);
      return;
    }
    if (faults.has("default-transport-tcp") && cfg.get("SIP_Transport_1_") == "UDP") {
      // The store cannot tell a default from a choice: the fault takes UDP (the default) as TCP.
      reg_state = "Failed: SIP_Transport_1_ TCP not supported";
      logLine(
          "sip: fault default-transport-tcp: the default transport is TCP, which this phone "
          "does not speak: not registering");
      return;
    }
    proxy_host = p->host;
    reg_expires_req = toLong(cfg.get("Register_Expires_1_"), 3600);
    reg_callid = sip::randomToken(20) + "@" + own_ip;
    reg_tag = sip::randomToken(10);
    tls_mode = cfg.get("SIP_Transport_1_") == "TLS";
    if (tls_mode && faults.has("sip-cleartext-despite-tls")) {
      logLine("sip: fault sip-cleartext-despite-tls: SIP_Transport_1_ is TLS, using UDP");
      tls_mode = false;
    }
    const uint16_t pport = p->port_given ? p->port : (tls_mode ? 5061 : 5060);
    hooks.resolve(p->host, [self = shared_from_this(), gen, pport](std::optional<dhcp::Ip4> ip,
                                                                   const std::string& err) {
      if (!self->running || gen != self->reg_generation) return;
      if (!ip) {
        self->reg_state = "Failed: cannot resolve " + self->proxy_host + " (" + err + ")";
        logLine("sip: registration " + self->reg_state);
        self->retryLater(gen);
        return;
      }
      self->proxy_ep = udp::endpoint(asio::ip::make_address_v4(dhcp::ip4String(*ip)), pport);
      self->answered_nonce.clear();
      if (self->tls_mode) {
        self->startTls(gen);
      } else {
        self->sendRegister("");
      }
    });
  }

  void retryLater(int gen) {
    reg_timer.expires_after(ms(c.retry_after));
    reg_timer.async_wait([self = shared_from_this(), gen](const boost::system::error_code& ec) {
      if (ec || !self->running || gen != self->reg_generation) return;
      self->startRegistration();
    });
  }

  void sendRegister(const std::string& authorization, const std::string& auth_header = "") {
    sip::Message m;
    m.method = "REGISTER";
    m.uri = "sip:" + proxy_host;
    reg_branch = "z9hG4bK" + sip::randomToken(16);
    const std::string sent_by = tls_mode ? tls_local : own_ip + ":" + std::to_string(port);
    // Fault default-transport-contact-tcp: the REGISTER goes over UDP, but the Contact takes its
    // transport from a stack-wide default of TCP instead of from this registration.
    const bool contact_tcp = !tls_mode && faults.has("default-transport-contact-tcp") &&
                             cfg.get("SIP_Transport_1_") == "UDP";
    const std::string contact =
        "<sip:" + reg_user + "@" + sent_by +
        (tls_mode ? ";transport=tls>" : (contact_tcp ? ";transport=tcp>" : ">"));
    m.add("Via", std::string("SIP/2.0/") + (tls_mode ? "TLS " : "UDP ") + sent_by +
                     ";branch=" + reg_branch + ";rport");
    m.add("Max-Forwards", "70");
    m.add("From", "<sip:" + reg_user + "@" + proxy_host + ">;tag=" + reg_tag);
    m.add("To", "<sip:" + reg_user + "@" + proxy_host + ">");
    m.add("Call-ID", reg_callid);
    m.add("CSeq", std::to_string(++reg_cseq) + " REGISTER");
    m.add("Contact", contact);
    m.add("Expires", std::to_string(reg_expires_req));
    if (!authorization.empty()) m.add(auth_header, authorization);
    m.add("Allow", kAllow);
    m.add("User-Agent", "Cisco-" + c.product + "/12.0.1 (phone-emulator)");
    reg_req = m;
    reg_pending = true;
    reg_started = steady_clock::now();
    reg_interval = c.t1;
    send(m, *proxy_ep);
    armDhcpTimer("REGISTER");
    scheduleRegisterRetransmit(reg_generation);
  }

  /// RFC 3261 17.1.2.2 timer E: T1 doubling up to T2, timer F: 64*T1.
  void scheduleRegisterRetransmit(int gen) {
    reg_timer.expires_after(ms(reg_interval));
    reg_timer.async_wait([self = shared_from_this(), gen](const boost::system::error_code& ec) {
      if (ec || !self->running || gen != self->reg_generation || !self->reg_pending) return;
      if (steady_clock::now() - self->reg_started >= ms(self->c.transaction_timeout)) {
        self->reg_pending = false;
        self->reg_state = "Failed: no response from " + epString(*self->proxy_ep);
        logLine("sip: REGISTER timed out: " + self->reg_state);
        self->retryLater(gen);
        return;
      }
      if (!self->tls_mode) {  // RFC 3261 17.1.2.2: no timer E over a reliable transport
        self->transmit(sip::serialize(self->reg_req), *self->proxy_ep);
        logLine("sip: -> REGISTER (retransmission) to " + epString(*self->proxy_ep));
      }
      self->reg_interval = std::min(self->reg_interval * 2, self->c.t2);
      self->scheduleRegisterRetransmit(gen);
    });
  }

  void onResponse(const sip::Message& m, const udp::endpoint& src) {
    if (!proxy_ep || src != *proxy_ep || !reg_pending || m.topViaBranch() != reg_branch ||
        m.cseq().second != "REGISTER") {
      logLine("sip: ignoring response " + m.startLine() + " from " + epString(src) +
              " (no matching transaction)");
      return;
    }
    cancelDhcpTimer();
    logLine("sip: <- " + m.summary() + " from " + epString(src));
    const int gen = reg_generation;
    if (m.status < 200) {
      reg_interval = c.t2;
      return;
    }
    reg_pending = false;
    reg_timer.cancel();
    if (m.status < 300) {
      long granted = reg_expires_req;
      for (const auto& ct : m.headerValues("Contact")) {
        if (sip::headerUri(ct).find(own_ip) == std::string::npos) continue;
        if (auto e = sip::headerParam(ct, "expires")) granted = toLong(*e, granted);
      }
      if (granted == reg_expires_req) {
        if (auto* e = m.header("Expires")) granted = toLong(*e, granted);
      }
      reg_state = "Registered";
      reg_proxy = epString(src);
      reg_expires = granted;
      logLine("sip: registered with " + reg_proxy + " for " + std::to_string(granted) + " s");
      double refresh = granted > 1 ? static_cast<double>(granted) / 2.0 : 1.0;
      reg_timer.expires_after(ms(refresh));
      reg_timer.async_wait([self = shared_from_this(), gen](const boost::system::error_code& ec) {
        if (ec || !self->running || gen != self->reg_generation) return;
        logLine("sip: refreshing the registration");
        if (self->tls_mode && !self->tls_up) {
          self->startRegistration();
          return;
        }
        self->answered_nonce.clear();
        self->sendRegister("");
      });
      return;
    }
    if (m.status == 401 || m.status == 407) {
      const char* hname = m.status == 401 ? "WWW-Authenticate" : "Proxy-Authenticate";
      const std::string* h = m.header(hname);
      auto ch = h ? sip::parseChallenge(*h) : std::nullopt;
      if (!ch) {
        failRegistration(m, "challenge without a usable Digest " + std::string(hname), gen);
        return;
      }
      if (ch->nonce == answered_nonce && !ch->stale) {
        failRegistration(m, "credentials rejected", gen);
        return;
      }
      answered_nonce = ch->nonce;
      auto cred = sip::answerChallenge(*ch, reg_user, cfg.get("Password_1_"), "REGISTER",
                                       "sip:" + proxy_host);
      sendRegister(sip::formatCredentials(cred),
                   m.status == 401 ? "Authorization" : "Proxy-Authorization");
      return;
    }
    if (m.status == 403) {
      reg_state = "Failed: 403";
      logLine("sip: registration refused (403 " + m.reason + "): not trying again");
      return;
    }
    failRegistration(m, "", gen);
  }

  void failRegistration(const sip::Message& m, const std::string& why, int gen) {
    reg_state = "Failed: " + std::to_string(m.status) + (why.empty() ? "" : " (" + why + ")");
    logLine("sip: registration " + reg_state + "; trying again in " +
            std::to_string(static_cast<int>(c.retry_after)) + " s");
    retryLater(gen);
  }

  std::string ownContact() const {
    if (tls_mode && tls_up)
      return "<sip:" + cfg.get("User_ID_1_") + "@" + tls_local + ";transport=tls>";
    return "<sip:" + cfg.get("User_ID_1_") + "@" + own_ip + ":" + std::to_string(port) + ">";
  }

  // ---- SIP over TLS ----

  void closeTls() {
    ++tls_generation;
    tls_up = false;
    tls_writing = false;
    tls_out.clear();
    tls_in.clear();
    tls_timer.cancel();
    if (tls) {
      boost::system::error_code ec;
      tls->lowest_layer().close(ec);
    }
  }

  /// Fetches the CA list (Custom_CA_Rule), connects to the proxy and runs the TLS handshake:
  /// the chain must lead to that CA, the name must match Proxy_1_'s host when
  /// TLS_Name_Validate_1_ is Yes, and nothing below TLS 1.2 is accepted.
  void startTls(int gen) {
    const std::string rule = cfg.get("Custom_CA_Rule");
    if (rule.empty() || !hooks.fetch) {
      connectTls(gen, "");
      return;
    }
    hooks.fetch(rule, [self = shared_from_this(), gen, rule](bool ok, const std::string& body) {
      if (!self->running || gen != self->reg_generation) return;
      if (!ok) {
        logLine("sip: TLS: cannot fetch the CA list " + rule + ": " + body);
        self->connectTls(gen, "");
        return;
      }
      logLine("sip: TLS: CA list from " + rule + " (" + std::to_string(body.size()) + " bytes)");
      self->connectTls(gen, body);
    });
  }

  void connectTls(int gen, const std::string& ca_pem) {
    closeTls();
    const int tgen = tls_generation;
    const bool any_cert = faults.has("tls-accept-any-cert");
    const bool no_name = faults.has("tls-no-name-check");
    const bool old_tls = faults.has("tls-allow-tls10");
    const bool tls11 = faults.has("tls-allow-tls11");
    const bool cn_despite_san = faults.has("tls-cn-despite-san");
    const bool multi_label = faults.has("tls-wildcard-multi-label");
    const bool no_time = faults.has("tls-no-time-check");
    const bool no_ca_flags = faults.has("tls-no-basic-constraints") && !any_cert;
    const bool prefix_name = faults.has("tls-name-prefix-match") && !any_cert && !no_name;
    const bool name_check = cfg.get("TLS_Name_Validate_1_") != "No";
    tls_ctx = std::make_shared<ssl::context>(ssl::context::tls_client);
    SSL_CTX* ctx = tls_ctx->native_handle();
    if (old_tls) {
      logLine("sip: fault tls-allow-tls10: accepting TLS 1.0 and 1.1");
      SSL_CTX_set_security_level(ctx, 0);
      SSL_CTX_set_cipher_list(ctx, "DEFAULT:@SECLEVEL=0");
      SSL_CTX_set_min_proto_version(ctx, TLS1_VERSION);
    } else if (tls11) {
      // The half-done hardening: TLS 1.0 switched off, the minimum set to 1.1 instead of 1.2
      // (1.1 needs security level 0 in OpenSSL 3: its handshake signs with SHA-1/MD5).
      logLine("sip: fault tls-allow-tls11: refusing TLS 1.0 but accepting TLS 1.1");
      SSL_CTX_set_security_level(ctx, 0);
      SSL_CTX_set_cipher_list(ctx, "DEFAULT:@SECLEVEL=0");
      SSL_CTX_set_min_proto_version(ctx, TLS1_1_VERSION);
    } else {
      SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
    }
    std::string ca_error;
    if (!ca_pem.empty()) {
      boost::system::error_code ec;
      tls_ctx->add_certificate_authority(asio::buffer(ca_pem), ec);
      if (ec) ca_error = ec.message();
    }
    if (!ca_error.empty()) logLine("sip: TLS: the CA list does not load: " + ca_error);
    if (any_cert) {
      logLine("sip: fault tls-accept-any-cert: the server certificate is not verified");
      tls_ctx->set_verify_mode(ssl::verify_none);
    } else {
      tls_ctx->set_verify_mode(ssl::verify_peer);
    }
    tls = std::make_shared<ssl::stream<tcp::socket>>(io, *tls_ctx);
    auto st = tls;
    SSL* s = tls->native_handle();
    const bool is_ip = dhcp::parseIp4(proxy_host).has_value();
    if (!is_ip) SSL_set_tlsext_host_name(s, proxy_host.c_str());
    const bool own_name_check = prefix_name && name_check && !is_ip;
    if (own_name_check) {
      logLine("sip: fault tls-name-prefix-match: a certificate name that starts with " +
              proxy_host + " matches");
    } else if (name_check && !no_name && !any_cert) {
      X509_VERIFY_PARAM* vp = SSL_get0_param(s);
      if (is_ip) {
        X509_VERIFY_PARAM_set1_ip_asc(vp, proxy_host.c_str());
      } else {
        unsigned int host_flags = 0;
        if (cn_despite_san) {
          // A name check that also tries the subject CN when the SANs do not match (RFC 6125
          // 6.4.4: with a DNS SAN present, the CN must not be used).
          logLine("sip: fault tls-cn-despite-san: the CN counts even when a SAN is present");
          host_flags |= X509_CHECK_FLAG_ALWAYS_CHECK_SUBJECT;
        }
        if (multi_label) {
          // A wildcard compared like a shell glob: '*' also matches dots (RFC 6125 6.4.3: it
          // stands for one label).
          logLine("sip: fault tls-wildcard-multi-label: '*' matches several labels");
          host_flags |= X509_CHECK_FLAG_MULTI_LABEL_WILDCARDS;
        }
        X509_VERIFY_PARAM_set_hostflags(vp, host_flags);
        X509_VERIFY_PARAM_set1_host(vp, proxy_host.c_str(), 0);
      }
    } else if (no_name && name_check) {
      logLine("sip: fault tls-no-name-check: not checking the certificate's name");
    }
    // Validity is judged by the phone's clock: the NTP time once it has it, else its own.
    if (hooks.clock) {
      auto [now, synced] = hooks.clock();
      X509_VERIFY_PARAM_set_time(SSL_get0_param(s), static_cast<time_t>(now));
      logLine("sip: TLS: certificate validity checked against " + isoTime(now) +
              (synced ? " (NTP)" : " (the phone's own clock, not set by NTP)"));
    }
    if (no_time && !any_cert) {
      // A firmware that, its clock being unreliable before NTP, skips the validity dates.
      logLine("sip: fault tls-no-time-check: certificate validity dates are not checked");
      // (OpenSSL uses a set check time before looking at NO_CHECK_TIME: drop it.)
      X509_VERIFY_PARAM_clear_flags(SSL_get0_param(s), X509_V_FLAG_USE_CHECK_TIME);
      X509_VERIFY_PARAM_set_flags(SSL_get0_param(s), X509_V_FLAG_NO_CHECK_TIME);
    }
    const tcp::endpoint ep(proxy_ep->address(), proxy_ep->port());
    const std::string where = epString(*proxy_ep);
    logLine("sip: TLS: connecting to " + where + " (" + proxy_host + ")");
    tls_timer.expires_after(ms(kTlsConnectTimeout));
    tls_timer.async_wait(
        [self = shared_from_this(), tgen, st](const boost::system::error_code& ec) {
          if (ec || tgen != self->tls_generation) return;
          boost::system::error_code e;
          st->lowest_layer().close(e);
        });
    boost::system::error_code ec;
    tls->lowest_layer().open(tcp::v4(), ec);
    if (!ec) tls->lowest_layer().bind(tcp::endpoint(asio::ip::make_address_v4(own_ip), 0), ec);
    if (ec) {
      tlsFailed(gen, tgen, "cannot open a TCP socket: " + ec.message());
      return;
    }
    if ((c.tls_refusal == "close" || no_ca_flags || own_name_check) && !any_cert) {
      // Refusing by closing: the connection ends (FIN) when the certificate fails, before
      // OpenSSL writes its alert, which then goes nowhere.
      const int fd = c.tls_refusal == "close" ? tls->lowest_layer().native_handle() : -1;
      const std::string host = own_name_check ? proxy_host : "";
      tls->set_verify_callback([fd, no_ca_flags, host](bool preverified, ssl::verify_context& vc) {
        X509_STORE_CTX* x = vc.native_handle();
        if (preverified && !host.empty() && X509_STORE_CTX_get_error_depth(x) == 0 &&
            !namePrefixMatches(X509_STORE_CTX_get_current_cert(x), host)) {
          X509_STORE_CTX_set_error(x, X509_V_ERR_HOSTNAME_MISMATCH);
          preverified = false;
        }
        const int err = X509_STORE_CTX_get_error(x);
        if (!preverified && no_ca_flags && X509_STORE_CTX_get_error_depth(x) > 0 &&
            (err == X509_V_ERR_INVALID_CA || err == X509_V_ERR_INVALID_PURPOSE ||
             err == X509_V_ERR_KEYUSAGE_NO_CERTSIGN || err == X509_V_ERR_PATH_LENGTH_EXCEEDED)) {
          // A verify callback that checks only that each signature leads to a trusted root:
          // whether an issuer may issue certificates at all (basicConstraints CA, keyCertSign,
          // path length) is waved through.
          logLine(std::string("sip: fault tls-no-basic-constraints: ignoring \"") +
                  X509_verify_cert_error_string(err) + "\" of an issuer");
          X509_STORE_CTX_set_error(x, X509_V_OK);
          return true;
        }
        if (!preverified && fd >= 0) {
          logLine(std::string("sip: TLS: certificate rejected (") +
                  X509_verify_cert_error_string(err) +
                  "): closing the connection without an alert");
          ::shutdown(fd, SHUT_RDWR);
        }
        return preverified;
      });
    }
    tls->lowest_layer().async_connect(
        ep, [self = shared_from_this(), gen, tgen, st](const boost::system::error_code& ec) {
          if (!self->running || tgen != self->tls_generation) return;
          if (ec) {
            self->tlsFailed(gen, tgen, "TCP connect: " + ec.message());
            return;
          }
          st->async_handshake(ssl::stream_base::client, [self, gen, tgen,
                                                         st](const boost::system::error_code& hec) {
            if (!self->running || tgen != self->tls_generation) return;
            if (hec) {
              std::string why = hec.message();
              long v = SSL_get_verify_result(st->native_handle());
              if (v != X509_V_OK)
                why = std::string("certificate rejected: ") + X509_verify_cert_error_string(v);
              self->tlsFailed(gen, tgen, why);
              return;
            }
            self->tls_timer.cancel();
            self->tlsUp(gen, tgen);
          });
        });
  }

  void tlsFailed(int gen, int tgen, const std::string& why) {
    if (tgen != tls_generation) return;
    const std::string where = proxy_ep ? epString(*proxy_ep) : "?";
    closeTls();
    reg_state = "Failed: TLS to " + where + ": " + why;
    logLine("sip: " + reg_state);
    if (faults.has("tls-fallback-to-udp") && proxy_ep) {
      logLine("sip: fault tls-fallback-to-udp: registering over UDP in cleartext instead");
      tls_mode = false;
      proxy_ep = udp::endpoint(proxy_ep->address(), 5060);
      sendRegister("");
      return;
    }
    retryLater(gen);
  }

  void tlsUp(int gen, int tgen) {
    SSL* s = tls->native_handle();
    boost::system::error_code ec;
    auto le = tls->lowest_layer().local_endpoint(ec);
    tls_local = own_ip + ":" + std::to_string(ec ? 0 : le.port());
    tls_up = true;
    logLine("sip: TLS to " + epString(*proxy_ep) + " established (" + SSL_get_version(s) + ", " +
            SSL_get_cipher_name(s) + ")");
    tlsRead(gen, tgen);
    sendRegister("");
  }

  void tlsRead(int gen, int tgen) {
    auto st = tls;
    st->async_read_some(asio::buffer(tls_buf), [self = shared_from_this(), gen, tgen, st](
                                                   const boost::system::error_code& ec, size_t n) {
      if (!self->running || tgen != self->tls_generation) return;
      if (ec) {
        self->tlsLost(gen, "connection closed (" + ec.message() + ")");
        return;
      }
      self->tls_in.append(self->tls_buf.data(), n);
      std::string err;
      auto msgs = proto::takeSipMessages(self->tls_in, err);
      for (const auto& m : msgs) {
        if (tgen != self->tls_generation) return;
        self->onDatagram(m, *self->proxy_ep);
      }
      if (!err.empty()) {
        self->tlsLost(gen, "not SIP: " + err);
        return;
      }
      if (tgen == self->tls_generation) self->tlsRead(gen, tgen);
    });
  }

  void tlsWriteNext() {
    if (tls_out.empty() || !tls_up) {
      tls_writing = false;
      return;
    }
    tls_writing = true;
    const int tgen = tls_generation;
    auto st = tls;
    auto data = std::make_shared<std::string>(std::move(tls_out.front()));
    tls_out.pop_front();
    asio::async_write(
        *st, asio::buffer(*data),
        [self = shared_from_this(), tgen, st, data](const boost::system::error_code& ec, size_t) {
          if (!self->running || tgen != self->tls_generation) return;
          if (ec) {
            self->tlsLost(self->reg_generation, "write failed: " + ec.message());
            return;
          }
          self->tlsWriteNext();
        });
  }

  void tlsLost(int gen, const std::string& why) {
    logLine("sip: TLS to " + (proxy_ep ? epString(*proxy_ep) : std::string("?")) + ": " + why);
    closeTls();
    if (gen != reg_generation) return;
    reg_pending = false;
    reg_timer.cancel();
    reg_state = "Failed: TLS " + why;
    retryLater(gen);
  }

  // ---- DHCP Timeout on Renewal ----

  void armDhcpTimer(const std::string& what) {
    const long t = toLong(cfg.get("DHCP_Timeout_On_Renewal"), 0);
    if (t <= 0 || dhcp_armed || renewing) return;
    dhcp_armed = true;
    dhcp_timer.expires_after(std::chrono::seconds(t));
    dhcp_timer.async_wait(
        [self = shared_from_this(), t, what](const boost::system::error_code& ec) {
          if (ec || !self->running || !self->dhcp_armed) return;
          self->dhcp_armed = false;
          self->onSipTimeout(what, t);
        });
  }

  void cancelDhcpTimer() {
    dhcp_armed = false;
    dhcp_timer.cancel();
  }

  void onSipTimeout(const std::string& what, long t) {
    if (faults.has("no-dhcp-renew-on-sip-timeout")) {
      logLine("sip: fault no-dhcp-renew-on-sip-timeout: no response to " + what + " within " +
              std::to_string(t) + " s, not renewing");
      return;
    }
    if (!hooks.renew_dhcp) {
      logLine("sip: no response to " + what + " within " + std::to_string(t) +
              " s (DHCP_Timeout_On_Renewal), but the address is not from DHCP");
      return;
    }
    logLine("sip: no response to " + what + " within " + std::to_string(t) +
            " s (DHCP_Timeout_On_Renewal): asking DHCP to renew");
    renewing = true;
    hooks.renew_dhcp([self = shared_from_this()](DhcpRenewOutcome o) {
      if (!self->running) return;
      self->renewing = false;
      const bool fault = self->faults.has("no-reset-on-address-change");
      switch (renewReaction(o, fault)) {
        case RenewReaction::Reregister:
          logLine("sip: DHCP renewal kept the address: registering again now");
          self->startRegistration();
          break;
        case RenewReaction::Reset:
          logLine(std::string("sip: DHCP renewal answered with ") + renewOutcomeName(o) +
                  ": resetting");
          if (self->hooks.reboot)
            self->hooks.reboot(std::string("DHCP renewal after a SIP timeout: ") +
                               renewOutcomeName(o));
          break;
        case RenewReaction::CarryOn:
          logLine(std::string("sip: DHCP renewal answered with ") + renewOutcomeName(o) +
                  (o == DhcpRenewOutcome::Timeout ? ": carrying on"
                                                  : ": fault no-reset-on-address-change, "
                                                    "carrying on"));
          break;
      }
    });
  }

  void fillStatus(PhoneStatus& s) const {
    s.registration_state = reg_state;
    s.registered_proxy = reg_proxy;
    s.registration_expires = reg_expires;
    s.calls_received = calls_received;
    s.calls_answered = calls_answered;
    if (call) s.call_state = call->state == Call::State::Ringing ? "Ringing" : "Connected";
    s.last_call_from = last_call_from;
    s.last_sip_request = last_sip_request;
  }
};

SipUa::SipUa(asio::io_context& io, const ConfigStore& config, const Faults& faults, SipUaConfig c,
             SipUaHooks hooks)
    : impl_(std::make_shared<Impl>(io, config, faults, c, std::move(hooks))) {}

SipUa::~SipUa() {
  stop();
}

void SipUa::start() {
  impl_->start();
}

void SipUa::stop() {
  if (impl_) impl_->stop();
}

void SipUa::pickUp() {
  if (impl_) impl_->pickUp();
}

void SipUa::fillStatus(PhoneStatus& s) const {
  impl_->fillStatus(s);
}

}  // namespace phonelab::emulator
