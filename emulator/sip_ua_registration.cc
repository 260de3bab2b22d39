// The SIP UA's registration: REGISTER with digest auth, its retransmissions (RFC 3261 17.1.2.2),
// the refresh, the retry after a failure, and the DHCP renewal when a REGISTER goes unanswered
// (DHCP_Timeout_On_Renewal).

#include <algorithm>
#include <boost/asio/ip/address_v4.hpp>

#include "base/proto/dhcp.h"
#include "emulator/log.h"
#include "emulator/sip_ua_impl.h"

namespace asio = boost::asio;
namespace dhcp = phonelab::proto::dhcp;

namespace phonelab::emulator {

using namespace sip_ua;

std::string SipUa::Impl::regSnapshot() const {
  return cfg.get("Proxy_1_") + "\n" + cfg.get("User_ID_1_") + "\n" + cfg.get("Password_1_") + "\n" +
         cfg.get("Register_Expires_1_") + "\n" + cfg.get("SIP_Transport_1_") + "\n" +
         cfg.get("TLS_Name_Validate_1_") + "\n" + cfg.get("Custom_CA_Rule");
}

void SipUa::Impl::startRegistration() {
  reg_snapshot = regSnapshot();
  reg_task.stop();
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
  spawn(registerWith(reg_task.restart(), p->host, pport));
}

/// Resolves the proxy; over TLS fetches the CA list (Custom_CA_Rule) and connects; then the first
/// REGISTER.
asio::awaitable<void> SipUa::Impl::registerWith(Task::Ref t, std::string host, uint16_t pport) {
  auto lookup = [this, host](auto done) { hooks.resolve(host, done); };
  auto resolved =
      co_await awaitCallback<std::optional<dhcp::Ip4>, std::string>(io, std::move(lookup));
  if (t->stopped) co_return;
  const std::optional<dhcp::Ip4>& ip = std::get<0>(resolved);
  const std::string& err = std::get<1>(resolved);
  if (!ip) {
    reg_state = "Failed: cannot resolve " + proxy_host + " (" + err + ")";
    logLine("sip: registration " + reg_state);
    retryLater();
    co_return;
  }
  proxy_ep = udp::endpoint(asio::ip::make_address_v4(dhcp::ip4String(*ip)), pport);
  answered_nonce.clear();
  if (!tls_mode) {
    sendRegister("");
    co_return;
  }
  std::string ca_pem;
  const std::string rule = cfg.get("Custom_CA_Rule");
  if (!rule.empty() && hooks.fetch) {
    auto get = [this, rule](auto done) { hooks.fetch(rule, done); };
    auto fetched = co_await awaitCallback<bool, std::string>(io, std::move(get));
    if (t->stopped) co_return;
    const bool ok = std::get<0>(fetched);
    std::string& body = std::get<1>(fetched);
    if (!ok) {
      logLine("sip: TLS: cannot fetch the CA list " + rule + ": " + body);
    } else {
      logLine("sip: TLS: CA list from " + rule + " (" + std::to_string(body.size()) + " bytes)");
      ca_pem = std::move(body);
    }
  }
  co_await connectTls(std::move(ca_pem));
}

void SipUa::Impl::retryLater() {
  spawn(retryAfter(reg_task.restart()));
}

asio::awaitable<void> SipUa::Impl::retryAfter(Task::Ref t) {
  const bool waited = co_await sleepFor(t, ms(c.retry_after));
  if (waited) startRegistration();
}

void SipUa::Impl::sendRegister(const std::string& authorization, const std::string& auth_header) {
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
  // Fault default-transport-via-tcp: sent over UDP, but the Via's transport comes from the
  // stack-wide default of TCP.
  const bool via_tcp = !tls_mode && faults.has("default-transport-via-tcp");
  m.add("Via", std::string("SIP/2.0/") + (tls_mode ? "TLS " : (via_tcp ? "TCP " : "UDP ")) +
                   sent_by + ";branch=" + reg_branch + ";rport");
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
  spawn(registerTransaction(reg_task.restart()));
}

/// RFC 3261 17.1.2.2 timer E: T1 doubling up to T2, timer F: 64*T1.
asio::awaitable<void> SipUa::Impl::registerTransaction(Task::Ref t) {
  for (;;) {
    const bool waited = co_await sleepFor(t, ms(reg_interval));
    if (!waited) co_return;
    if (!reg_pending) co_return;
    if (steady_clock::now() - reg_started >= ms(c.transaction_timeout)) {
      reg_pending = false;
      reg_state = "Failed: no response from " + epString(*proxy_ep);
      logLine("sip: REGISTER timed out: " + reg_state);
      retryLater();
      co_return;
    }
    if (!tls_mode) {  // RFC 3261 17.1.2.2: no timer E over a reliable transport
      transmit(sip::serialize(reg_req), *proxy_ep);
      logLine("sip: -> REGISTER (retransmission) to " + epString(*proxy_ep));
    }
    reg_interval = std::min(reg_interval * 2, c.t2);
  }
}

asio::awaitable<void> SipUa::Impl::refreshAfter(Task::Ref t, double seconds) {
  const bool waited = co_await sleepFor(t, ms(seconds));
  if (!waited) co_return;
  logLine("sip: refreshing the registration");
  if (tls_mode && !tlsUp()) {
    startRegistration();
    co_return;
  }
  answered_nonce.clear();
  sendRegister("");
}

void SipUa::Impl::onResponse(const sip::Message& m, const udp::endpoint& src) {
  if (!proxy_ep || src != *proxy_ep || !reg_pending || m.topViaBranch() != reg_branch ||
      m.cseq().second != "REGISTER") {
    logLine("sip: ignoring response " + m.startLine() + " from " + epString(src) +
            " (no matching transaction)");
    return;
  }
  dhcp_task.stop();
  logLine("sip: <- " + m.summary() + " from " + epString(src));
  if (m.status < 200) {
    reg_interval = c.t2;
    return;
  }
  reg_pending = false;
  reg_task.stop();
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
    const double refresh = granted > 1 ? static_cast<double>(granted) / 2.0 : 1.0;
    spawn(refreshAfter(reg_task.restart(), refresh));
    return;
  }
  if (m.status == 401 || m.status == 407) {
    const char* hname = m.status == 401 ? "WWW-Authenticate" : "Proxy-Authenticate";
    const std::string* h = m.header(hname);
    auto ch = h ? sip::parseChallenge(*h) : std::nullopt;
    if (!ch) {
      failRegistration(m, "challenge without a usable Digest " + std::string(hname));
      return;
    }
    if (ch->nonce == answered_nonce && !ch->stale) {
      failRegistration(m, "credentials rejected");
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
  failRegistration(m, "");
}

void SipUa::Impl::failRegistration(const sip::Message& m, const std::string& why) {
  reg_state = "Failed: " + std::to_string(m.status) + (why.empty() ? "" : " (" + why + ")");
  logLine("sip: registration " + reg_state + "; trying again in " +
          std::to_string(static_cast<int>(c.retry_after)) + " s");
  retryLater();
}

// ---- DHCP Timeout on Renewal ----

void SipUa::Impl::armDhcpTimer(const std::string& what) {
  const long t = toLong(cfg.get("DHCP_Timeout_On_Renewal"), 0);
  if (t <= 0 || dhcp_task.running() || renewing) return;
  spawn(dhcpTimeout(dhcp_task.restart(), what, t));
}

asio::awaitable<void> SipUa::Impl::dhcpTimeout(Task::Ref t, std::string what, long seconds) {
  // Fault sip-timeout-renewal-at-t1: the renewal hangs off the transaction's first retransmission
  // (SIP timer T1, 500 ms) instead of its own DHCP_Timeout_On_Renewal timer.
  const bool at_t1 = faults.has("sip-timeout-renewal-at-t1");
  if (at_t1)
    logLine("sip: fault sip-timeout-renewal-at-t1: renewing at the first retransmission of " +
            what + ", not after " + std::to_string(seconds) + " s");
  const auto wait =
      at_t1 ? std::chrono::milliseconds(500) : std::chrono::milliseconds(seconds * 1000);
  const bool waited = co_await sleepFor(t, wait);
  if (!waited) co_return;
  dhcp_task.stop();  // fired: a later request may arm it again
  onSipTimeout(what, seconds);
}

void SipUa::Impl::onSipTimeout(const std::string& what, long t) {
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

}  // namespace phonelab::emulator
