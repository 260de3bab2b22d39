// The SIP UA's start and stop, and what comes in: responses to the registration, requests past
// the Restricted Access Domains check to the calls or NOTIFY; status.xml's SIP fields.

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ip/address_v4.hpp>

#include "base/proto/dhcp.h"
#include "emulator/log.h"
#include "emulator/netproto.h"
#include "emulator/sip_ua_impl.h"

namespace asio = boost::asio;
namespace dhcp = phonelab::proto::dhcp;

namespace phonelab::emulator {

using namespace sip_ua;

namespace {

constexpr size_t kLongHeader = 4096;
constexpr size_t kPacketBuffer = 4096;  // fault crash-on-content-length-overflow

}  // namespace

namespace sip_ua {

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

}  // namespace sip_ua

SipUa::Impl::Impl(asio::io_context& io_, const ConfigStore& config, const Faults& f,
                  SipUaConfig conf, SipUaHooks h)
    : io(io_),
      cfg(config),
      faults(f),
      c(conf),
      hooks(std::move(h)),
      poll_task(io_),
      sock(io_),
      rad_task(io_),
      reg_task(io_),
      dhcp_task(io_),
      call_task(io_),
      auth(InviteAuth::Faults{f.has("auth-invite-accepts-any"), f.has("auth-invite-nonce-replay"),
                              f.has("auth-invite-client-realm"), f.has("auth-invite-uri-unchecked"),
                              f.has("auth-invite-nonce-never-expires"),
                              f.has("auth-invite-first-call-only"),
                              f.has("auth-invite-any-username")}) {}

namespace {

asio::awaitable<void> keepAlive(std::shared_ptr<SipUa::Impl> self, asio::awaitable<void> a) {
  (void)self;
  co_await std::move(a);
}

}  // namespace

void SipUa::Impl::spawn(asio::awaitable<void> a) {
  asio::co_spawn(io, keepAlive(shared_from_this(), std::move(a)), asio::detached);
}

// ---- lifecycle ----

void SipUa::Impl::start() {
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
  spawn(receiveUdp());
  configureRad();
  startRegistration();
  spawn(pollConfig(poll_task.restart()));
}

void SipUa::Impl::stop() {
  running = false;
  boost::system::error_code ec;
  sock.close(ec);
  closeTls();
  poll_task.stop();
  rad_task.stop();
  reg_task.stop();
  dhcp_task.stop();
  call_task.stop();
  call.reset();  // and its audio loop
}

asio::awaitable<void> SipUa::Impl::pollConfig(Task::Ref t) {
  for (;;) {
    const bool waited = co_await sleepFor(t, ms(c.config_poll));
    if (!waited) co_return;
    if (!running) co_return;
    if (cfg.get("Restricted_Access_Domains") != rad_value) {
      logLine("sip: Restricted_Access_Domains changed");
      configureRad();
    }
    if (regSnapshot() != reg_snapshot) {
      logLine("sip: registration parameters changed: registering again");
      startRegistration();
    }
  }
}

// ---- Restricted Access Domains ----

void SipUa::Impl::configureRad() {
  rad_value = cfg.get("Restricted_Access_Domains");
  const bool semi_only = faults.has("restricted-domains-semicolon-only");
  auto names = parseDomainList(rad_value, semi_only);
  const bool first_only = faults.has("restricted-domains-first-name-only") && names.size() > 1;
  if (first_only) {
    logLine("sip: fault restricted-domains-first-name-only: only " + names.front() +
            " of the list is used");
    names.resize(1);
  }
  if (faults.has("restricted-domains-lowercase-only")) {
    std::vector<std::string> kept;
    for (auto& n : names) {
      if (n.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789.-") != std::string::npos) {
        logLine("sip: fault restricted-domains-lowercase-only: \"" + n + "\" skipped as invalid");
      } else {
        kept.push_back(n);
      }
    }
    names = kept;
  }
  rad.configure(names);
  // The lookups of the previous list end here: their answers go nowhere.
  const Task::Ref t = rad_task.restart();
  if (names.empty()) {
    logLine("sip: Restricted Access Domains empty: answering every source");
    return;
  }
  std::string list;
  for (auto& n : names) list += (list.empty() ? "" : ", ") + n;
  logLine("sip: Restricted Access Domains: " + list +
          (semi_only ? " (fault restricted-domains-semicolon-only: split on ';' only)" : ""));
  if (faults.has("restricted-domains-stop-at-unresolved")) {
    resolveRadInTurn(t, names, 0);
    return;
  }
  // Callbacks, not a coroutine: the resolver answers an address at once, so a list of addresses
  // is complete before the next datagram is read.
  for (const auto& name : names) {
    resolveRadName(t, name, [](bool) {});
  }
}

void SipUa::Impl::resolveRadName(const Task::Ref& t, const std::string& name,
                                 std::function<void(bool resolved)> then) {
  auto done = [self = shared_from_this(), t, name, then](std::vector<dhcp::Ip4> ips,
                                                         const std::string& err) {
    if (t->stopped) return;
    if (ips.empty()) {
      logLine("sip: Restricted Access Domains: " + name + " not resolved (" + err + ")");
      then(false);
      return;
    }
    // Every address of the name is the listed server (several A records: a cluster).
    if (ips.size() > 1 && self->faults.has("restricted-domains-first-address-only")) {
      logLine("sip: fault restricted-domains-first-address-only: " + name + " has " +
              std::to_string(ips.size()) + " addresses, only the first is trusted");
      ips.resize(1);
    }
    std::string shown;
    for (const auto& ip : ips) {
      self->rad.addAddress(dhcp::ip4String(ip));
      shown += (shown.empty() ? "" : ", ") + dhcp::ip4String(ip);
    }
    logLine("sip: Restricted Access Domains: " + name + " is " + shown);
    then(true);
  };
  if (hooks.resolve_all) {
    hooks.resolve_all(name, std::move(done));
    return;
  }
  hooks.resolve(name, [done](std::optional<dhcp::Ip4> ip, const std::string& err) {
    done(ip ? std::vector<dhcp::Ip4>{*ip} : std::vector<dhcp::Ip4>{}, err);
  });
}

void SipUa::Impl::resolveRadInTurn(const Task::Ref& t, std::vector<std::string> names, size_t i) {
  if (i >= names.size()) return;
  resolveRadName(t, names[i], [self = shared_from_this(), t, names, i](bool resolved) {
    if (!resolved) {
      logLine("sip: fault restricted-domains-stop-at-unresolved: the names after " + names[i] +
              " are not looked up");
      return;
    }
    self->resolveRadInTurn(t, names, i + 1);
  });
}

/// Restricted Access Domains: may this request be served? Handles the refusal (a drop, or the
/// faults' reactions) and returns false when it may not.
bool SipUa::Impl::admitted(const sip::Message& m, const udp::endpoint& src) {
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
  if (faults.has("restricted-domains-udp-only") && viaTls(src)) {
    logLine("sip: fault restricted-domains-udp-only: " + m.method + " from " + ip +
            " over TLS: not filtered");
    return true;
  }
  if (faults.has("restricted-domains-default-port") && src.port() != 5060) {
    // The list kept as address:port entries, a name without a port taking SIP's default (5060):
    // a listed server's requests from another port (its TLS connection) match no entry.
    logLine("sip: fault restricted-domains-default-port: " + m.method + " from " + epString(src) +
            " matches no listed address:5060: dropped");
    return false;
  }
  const RadFaults rf{faults.has("restricted-domains-invite-only"),
                     faults.has("restricted-domains-trusts-headers"),
                     faults.has("restricted-domains-in-dialog-bypass"),
                     faults.has("restricted-domains-address-prefix")};
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

// ---- incoming ----

sip::Message SipUa::Impl::response(const sip::Message& req, int status, const std::string& reason,
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

void SipUa::Impl::respond(const sip::Message& req, int status, const std::string& reason,
                          const udp::endpoint& to) {
  auto r = response(req, status, reason, status == 100 ? "" : sip::randomToken(10));
  if (status == 405 || status == 501) r.add("Allow", kAllow);
  send(r, to);
}

void SipUa::Impl::onDatagram(std::string_view data, const udp::endpoint& src) {
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
  if (faults.has("hang-on-long-header") && hasHeaderLongerThan(m, kLongHeader)) {
    logLine("sip: fault hang-on-long-header: a header value over " + std::to_string(kLongHeader) +
            " bytes from " + epString(src) +
            ": the SIP task loops in its parser; SIP is silent from now on (the web UI runs on)");
    // The task is stuck, not crashed: nothing restarts it; every other part of the phone runs.
    stop();
    return;
  }
  if (!m.request) {
    onResponse(m, src);
    return;
  }
  if (!admitted(m, src)) return;
  if (faults.has("crash-in-dialog-matcher") && inDialog(m)) {
    if (auto field = inDialogNullField(m); !field.empty()) {
      const std::string what = m.method + " for the established call " + call->call_id +
                               " without " + field + " from " + epString(src);
      logLine("sip: fault crash-in-dialog-matcher: " + what +
              ": the dialog matcher reads it through a null pointer, the firmware crashes");
      stop();
      if (hooks.crash) hooks.crash("SIP: " + what);
      return;
    }
  }
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

/// Fault crash-in-dialog-matcher: does this request go to the dialog layer (the established
/// call's Call-ID, and not a new INVITE or the CANCEL of one, which have no To tag and go to the
/// transaction layer)?
bool SipUa::Impl::inDialog(const sip::Message& m) const {
  if (!call || call->state == Call::State::Ringing || m.callId() != call->call_id) return false;
  return !((m.method == "INVITE" || m.method == "CANCEL") && m.toTag().empty());
}

void SipUa::Impl::onNotify(const sip::Message& m, const udp::endpoint& src) {
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

void SipUa::Impl::fillStatus(PhoneStatus& s) const {
  s.registration_state = reg_state;
  s.registered_proxy = reg_proxy;
  s.registration_expires = reg_expires;
  s.calls_received = calls_received;
  s.calls_answered = calls_answered;
  if (call) s.call_state = call->state == Call::State::Ringing ? "Ringing" : "Connected";
  s.last_call_from = last_call_from;
  s.last_sip_request = last_sip_request;
}

// ---- the public face ----

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
