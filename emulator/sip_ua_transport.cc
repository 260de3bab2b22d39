// The SIP UA's transport: the UDP socket, the TLS connection to the proxy (SIP_Transport_1_ TLS:
// CA list, certificate and name checks and the TLS faults) and sending.

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>
#include <strings.h>
#include <sys/socket.h>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/write.hpp>
#include <deque>

#include "base/proto/dhcp.h"
#include "base/proto/sip_stream.h"
#include "emulator/log.h"
#include "emulator/netproto.h"
#include "emulator/sip_ua_impl.h"

namespace asio = boost::asio;
namespace dhcp = phonelab::proto::dhcp;
namespace ssl = boost::asio::ssl;
using asio::use_awaitable;
using asio::ip::tcp;

namespace phonelab::emulator {

using namespace sip_ua;

namespace sip_ua {

struct TlsConn {
  TlsConn(asio::io_context& io, std::shared_ptr<ssl::context> c)
      : ctx(std::move(c)), stream(io, *ctx), timer(io) {}
  std::shared_ptr<ssl::context> ctx;
  ssl::stream<tcp::socket> stream;
  asio::steady_timer timer;  // TCP connect + TLS handshake
  bool closed = false;       // closed or replaced: its coroutines end
  bool up = false;           // handshake done
  bool writing = false;      // tlsWriteLoop runs
  std::array<char, 16384> buf{};
  std::string in;
  std::deque<std::string> out;

  void close() {
    closed = true;
    up = false;
    out.clear();
    in.clear();
    timer.cancel();
    boost::system::error_code ec;
    stream.lowest_layer().close(ec);
  }
};

}  // namespace sip_ua

namespace {

constexpr double kTlsConnectTimeout = 5.0;  // TCP connect + TLS handshake

/// Fault tls-name-prefix-match: the certificate's DNS names (its CN when it has none) are compared
/// with strncasecmp over the length of the configured host, so "sip.lab.example.attacker.invalid"
/// passes for "sip.lab.example": a name check written as a prefix comparison.
bool namePrefixMatches(X509* cert, const std::string& host) {
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

}  // namespace

// ---- UDP and sending ----

asio::awaitable<void> SipUa::Impl::receiveUdp() {
  while (running) {
    boost::system::error_code ec;
    const size_t n = co_await sock.async_receive_from(asio::buffer(buf), from,
                                                      asio::redirect_error(use_awaitable, ec));
    if (!running || ec == asio::error::operation_aborted) co_return;
    if (!ec) onDatagram(std::string_view(buf.data(), n), from);
  }
}

void SipUa::Impl::send(const sip::Message& m, const udp::endpoint& to) {
  sendRaw(sip::serialize(m), to, m);
}

void SipUa::Impl::sendRaw(const std::string& data, const udp::endpoint& to, const sip::Message& m) {
  boost::system::error_code ec = transmit(data, to);
  logLine("sip: -> " + m.startLine() + " to " + epString(to) + (viaTls(to) ? " over TLS" : "") +
          (ec ? " (send failed: " + ec.message() + ")" : ""));
}

/// Messages to the proxy go down the TLS connection when this registration runs over TLS.
bool SipUa::Impl::viaTls(const udp::endpoint& to) const {
  return tls_mode && proxy_ep && to == *proxy_ep;
}

bool SipUa::Impl::tlsUp() const {
  return tls && tls->up;
}

boost::system::error_code SipUa::Impl::transmit(const std::string& data, const udp::endpoint& to) {
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
    if (!tlsUp()) return asio::error::not_connected;
    tls->out.push_back(data);
    if (!tls->writing) {
      tls->writing = true;
      spawn(tlsWriteLoop(tls));
    }
    return ec;
  }
  sock.send_to(asio::buffer(data), to, 0, ec);
  return ec;
}

std::string SipUa::Impl::ownContact() const {
  if (tls_mode && tlsUp())
    return "<sip:" + cfg.get("User_ID_1_") + "@" + tls_local + ";transport=tls>";
  return "<sip:" + cfg.get("User_ID_1_") + "@" + own_ip + ":" + std::to_string(port) + ">";
}

// ---- SIP over TLS ----

void SipUa::Impl::closeTls() {
  if (!tls) return;
  tls->close();
  tls.reset();
}

/// Connects to the proxy and runs the TLS handshake with the CA list `ca_pem` (Custom_CA_Rule):
/// the chain must lead to that CA, the name must match Proxy_1_'s host when TLS_Name_Validate_1_
/// is Yes, and nothing below TLS 1.2 is accepted.
asio::awaitable<void> SipUa::Impl::connectTls(std::string ca_pem) {
  closeTls();
  const bool any_cert = faults.has("tls-accept-any-cert");
  const bool no_name = faults.has("tls-no-name-check");
  const bool old_tls = faults.has("tls-allow-tls10");
  const bool tls11 = faults.has("tls-allow-tls11");
  const bool cn_despite_san = faults.has("tls-cn-despite-san");
  const bool multi_label = faults.has("tls-wildcard-multi-label");
  const bool no_time = faults.has("tls-no-time-check");
  const bool no_ca_flags = faults.has("tls-no-basic-constraints") && !any_cert;
  const bool prefix_name = faults.has("tls-name-prefix-match") && !any_cert && !no_name;
  const bool ip_fallback = faults.has("tls-name-or-address") && !any_cert && !no_name;
  const bool no_nc = faults.has("tls-no-name-constraints") && !any_cert;
  const bool no_path_len = faults.has("tls-no-path-length") && !any_cert;
  const bool name_check = cfg.get("TLS_Name_Validate_1_") != "No";
  auto tls_ctx = std::make_shared<ssl::context>(ssl::context::tls_client);
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
  if (faults.has("tls-null-cipher-allowed")) {
    // A cipher list written as a deny list "for interop with old SBCs": every suite the library
    // has less the anonymous ones, at security level 0, which lets the NULL (unencrypted) suites
    // through with the rest.
    logLine("sip: fault tls-null-cipher-allowed: cipher list ALL:COMPLEMENTOFALL:!aNULL");
    SSL_CTX_set_security_level(ctx, 0);
    SSL_CTX_set_cipher_list(ctx, "ALL:COMPLEMENTOFALL:!aNULL:@SECLEVEL=0");
  }
  loadDeviceCert(ctx);
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
  auto conn = std::make_shared<TlsConn>(io, tls_ctx);
  tls = conn;
  SSL* s = conn->stream.native_handle();
  const bool is_ip = dhcp::parseIp4(proxy_host).has_value();
  if (!is_ip) SSL_set_tlsext_host_name(s, proxy_host.c_str());
  const bool own_name_check = prefix_name && name_check && !is_ip;
  if (own_name_check) {
    logLine("sip: fault tls-name-prefix-match: a certificate name that starts with " + proxy_host +
            " matches");
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
  conn->timer.expires_after(ms(kTlsConnectTimeout));
  conn->timer.async_wait([conn](const boost::system::error_code& ec) {
    if (ec || conn->closed || conn->up) return;
    boost::system::error_code e;
    conn->stream.lowest_layer().close(e);
  });
  boost::system::error_code ec;
  auto& sock_tcp = conn->stream.lowest_layer();
  sock_tcp.open(tcp::v4(), ec);
  if (!ec) sock_tcp.bind(tcp::endpoint(asio::ip::make_address_v4(own_ip), 0), ec);
  if (ec) {
    tlsFailed("cannot open a TCP socket: " + ec.message());
    co_return;
  }
  // Fault tls-name-or-address: the certificate also passes when it names the address the phone
  // connected to ("for proxies configured by address"), so an IP-only certificate passes for a
  // proxy configured by name.
  const std::string fallback_ip =
      ip_fallback && name_check && !is_ip ? proxy_ep->address().to_string() : "";
  if ((c.tls_refusal == "close" || no_ca_flags || own_name_check || !fallback_ip.empty() || no_nc ||
       no_path_len) &&
      !any_cert) {
    // Refusing by closing: the connection ends (FIN) when the certificate fails, before
    // OpenSSL writes its alert, which then goes nowhere.
    const int fd = c.tls_refusal == "close" ? sock_tcp.native_handle() : -1;
    const std::string host = own_name_check ? proxy_host : "";
    conn->stream.set_verify_callback([fd, no_ca_flags, host, fallback_ip, no_nc, no_path_len](
                                         bool preverified, ssl::verify_context& vc) {
      X509_STORE_CTX* x = vc.native_handle();
      if (!preverified) {
        const int e = X509_STORE_CTX_get_error(x);
        const bool nc_error =
            e == X509_V_ERR_PERMITTED_VIOLATION || e == X509_V_ERR_EXCLUDED_VIOLATION ||
            e == X509_V_ERR_UNSUPPORTED_CONSTRAINT_TYPE || e == X509_V_ERR_UNSUPPORTED_NAME_SYNTAX;
        if ((no_nc && nc_error) || (no_path_len && e == X509_V_ERR_PATH_LENGTH_EXCEEDED)) {
          // A stack built without name-constraint support (as embedded TLS libraries can be
          // configured), or a chain walker that checks each issuer's CA flag and keyCertSign but
          // never counts the CAs below a pathLenConstraint.
          logLine(std::string("sip: fault ") +
                  (nc_error ? "tls-no-name-constraints" : "tls-no-path-length") + ": ignoring \"" +
                  X509_verify_cert_error_string(e) + "\"");
          X509_STORE_CTX_set_error(x, X509_V_OK);
          return true;
        }
      }
      if (!preverified && !fallback_ip.empty() && X509_STORE_CTX_get_error_depth(x) == 0 &&
          X509_STORE_CTX_get_error(x) == X509_V_ERR_HOSTNAME_MISMATCH &&
          X509_check_ip_asc(X509_STORE_CTX_get_current_cert(x), fallback_ip.c_str(), 0) == 1) {
        logLine("sip: fault tls-name-or-address: the certificate names " + fallback_ip +
                ", the address connected to: accepted");
        X509_STORE_CTX_set_error(x, X509_V_OK);
        return true;
      }
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
                X509_verify_cert_error_string(err) + "): closing the connection without an alert");
        ::shutdown(fd, SHUT_RDWR);
      }
      return preverified;
    });
  }
  co_await sock_tcp.async_connect(ep, asio::redirect_error(use_awaitable, ec));
  if (!running || conn->closed) co_return;
  if (ec) {
    tlsFailed("TCP connect: " + ec.message());
    co_return;
  }
  co_await conn->stream.async_handshake(ssl::stream_base::client,
                                        asio::redirect_error(use_awaitable, ec));
  if (!running || conn->closed) co_return;
  if (ec) {
    std::string why = ec.message();
    long v = SSL_get_verify_result(conn->stream.native_handle());
    if (v != X509_V_OK)
      why = std::string("certificate rejected: ") + X509_verify_cert_error_string(v);
    tlsFailed(why);
    co_return;
  }
  conn->timer.cancel();
  tlsEstablished(conn);
}

/// The phone's device certificate for TLS client authentication: loaded into the context, so
/// OpenSSL presents it whenever a server sends a CertificateRequest.
void SipUa::Impl::loadDeviceCert(SSL_CTX* ctx) {
  if (c.device_cert_file.empty()) return;
  if (faults.has("tls-no-client-cert")) {
    // The TLS context is built by code that never learned of the device certificate: asked for
    // one, the phone answers with an empty Certificate message.
    logLine("sip: fault tls-no-client-cert: the device certificate is not loaded");
    return;
  }
  if (SSL_CTX_use_certificate_chain_file(ctx, c.device_cert_file.c_str()) != 1 ||
      SSL_CTX_use_PrivateKey_file(ctx, c.device_key_file.c_str(), SSL_FILETYPE_PEM) != 1) {
    ERR_clear_error();
    logLine("sip: TLS: the device certificate " + c.device_cert_file + " does not load");
    return;
  }
  if (faults.has("tls-client-cert-by-ca-list")) {
    // A certificate selector that presents the device certificate only to a server whose
    // CertificateRequest names its issuer; an empty list of CAs (any issuer, RFC 5246 7.4.4)
    // selects nothing, and the phone answers with an empty Certificate message.
    logLine(
        "sip: fault tls-client-cert-by-ca-list: presenting the device certificate only to "
        "servers that name its issuer");
    SSL_CTX_set_cert_cb(
        ctx,
        [](SSL* s, void*) {
          const STACK_OF(X509_NAME)* cas = SSL_get_client_CA_list(s);
          X509* mine = SSL_get_certificate(s);
          bool named = false;
          for (int i = 0; mine && cas && i < sk_X509_NAME_num(cas); ++i) {
            if (X509_NAME_cmp(sk_X509_NAME_value(cas, i), X509_get_issuer_name(mine)) == 0)
              named = true;
          }
          if (!named) SSL_certs_clear(s);
          return 1;
        },
        nullptr);
  }
}

void SipUa::Impl::tlsFailed(const std::string& why) {
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
  retryLater();
}

void SipUa::Impl::tlsEstablished(const std::shared_ptr<TlsConn>& conn) {
  SSL* s = conn->stream.native_handle();
  boost::system::error_code ec;
  auto le = conn->stream.lowest_layer().local_endpoint(ec);
  tls_local = own_ip + ":" + std::to_string(ec ? 0 : le.port());
  conn->up = true;
  logLine("sip: TLS to " + epString(*proxy_ep) + " established (" + SSL_get_version(s) + ", " +
          SSL_get_cipher_name(s) + ")");
  spawn(tlsReadLoop(conn));
  sendRegister("");
}

asio::awaitable<void> SipUa::Impl::tlsReadLoop(std::shared_ptr<TlsConn> conn) {
  for (;;) {
    boost::system::error_code ec;
    const size_t n = co_await conn->stream.async_read_some(asio::buffer(conn->buf),
                                                           asio::redirect_error(use_awaitable, ec));
    if (!running || conn->closed) co_return;
    if (ec) {
      tlsLost(conn, "connection closed (" + ec.message() + ")");
      co_return;
    }
    conn->in.append(conn->buf.data(), n);
    std::string err;
    auto msgs = proto::takeSipMessages(conn->in, err);
    for (const auto& m : msgs) {
      if (conn->closed) co_return;
      onDatagram(m, *proxy_ep);
    }
    if (!err.empty()) {
      tlsLost(conn, "not SIP: " + err);
      co_return;
    }
    if (conn->closed) co_return;
  }
}

asio::awaitable<void> SipUa::Impl::tlsWriteLoop(std::shared_ptr<TlsConn> conn) {
  while (!conn->out.empty() && conn->up) {
    const std::string data = std::move(conn->out.front());
    conn->out.pop_front();
    boost::system::error_code ec;
    co_await asio::async_write(conn->stream, asio::buffer(data),
                               asio::redirect_error(use_awaitable, ec));
    if (!running || conn->closed) co_return;
    if (ec) {
      tlsLost(conn, "write failed: " + ec.message());
      co_return;
    }
  }
  conn->writing = false;
}

void SipUa::Impl::tlsLost(const std::shared_ptr<TlsConn>& conn, const std::string& why) {
  logLine("sip: TLS to " + (proxy_ep ? epString(*proxy_ep) : std::string("?")) + ": " + why);
  // A connection already closed belongs to a registration that has since started again.
  if (conn != tls || conn->closed) return;
  closeTls();
  reg_pending = false;
  reg_task.stop();
  reg_state = "Failed: TLS " + why;
  retryLater();
}

}  // namespace phonelab::emulator
