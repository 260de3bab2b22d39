#pragma once
/// The TLS front of the trusted SIP proxy, and its man-in-the-middle variants.
///
/// The phone connects to it over TLS as to its SIP proxy. Each TLS connection gets its own UDP
/// socket towards the upstream (the scenario's Kamailio): SIP messages are framed out of the TLS
/// stream (Content-Length) and relayed verbatim as datagrams; what the upstream sends to that
/// socket goes back down the TLS connection. Every decrypted message is an event, so checks can
/// read the signalling the wire hides. Session keys go to an NSS key-log file (Wireshark's
/// tls.keylog_file) beside the capture.
///
/// A flaw (pki::Flaw) makes it a MITM: it presents a certificate with that flaw, or offers only
/// TLS 1.0 / 1.1, or only a NULL cipher suite (at OpenSSL security level 0, which Debian 12 needs
/// for them and for RSA-1024).
///
/// With request_client_cert it asks the phone for its certificate (CertificateRequest, no list
/// of accepted CAs, as many servers send it) and records what the phone presented: the handshake
/// does not depend on it (a phone without one still connects), the scenario's checks judge it.
/// It records whether the handshake completed, the alert the phone sent, and any SIP that followed.
///
/// It survives what a broken phone does: a handshake that stalls (closed after handshake_timeout),
/// a reset, or garbage instead of a ClientHello; each connection is independent.
///
/// Events (source "tls_proxy"):
///   tls.connect     peer ("ip:port")
///   tls.handshake   peer flaw result ("ok" | "failed") alert (the alert the phone sent, OpenSSL's
///                   long name, e.g. "unknown CA"; "" if none) alert_sent (ours) error version
///                   cipher sni client_cert (the subject of the certificate the phone presented,
///                   RFC 2253; "" if none or not asked) client_cert_issuer client_cert_verify ("ok"
///                   or why it does not verify against client_ca_file) ended_by (how the handshake
///                   ended: "completed" | "phone-alert" | "phone-close" (the phone closed without
///                   an alert) | "proxy-alert" | "timeout" | "error"; a refusal by the phone is
///                   phone-alert or phone-close)
///   tls.sip.request / tls.sip.response / tls.sip.malformed
///                   the fields of base/proto/sip_event.h plus direction ("from-phone" |
///                   "to-phone") and flaw
///   tls.close       peer reason messages (SIP messages relayed on this connection)

#include <memory>
#include <string>
#include <vector>

#include "base/core/event.h"

namespace phonelab::fakes {

struct TlsProxyOptions {
  std::string address;  // listen address (a lab address)
  int port = 5061;
  std::string cert_file, key_file;  // the certificate it presents
  std::string flaw = "none";        // pki::flawName(); tls1.0-only / tls1.1-only pin the version
  /// Where SIP goes ("" = nowhere: a MITM with no upstream only records).
  std::string upstream_ip;
  int upstream_port = 5060;
  /// NSS key-log file ("" = none). Created 0600.
  std::string keylog_file;
  double handshake_timeout = 5.0;  // seconds
  /// Ask the phone for its certificate in the handshake (TLS client authentication).
  bool request_client_cert = false;
  /// The CA the phone's certificate is checked against (recorded, not enforced); "" = none.
  std::string client_ca_file;
};

class TlsProxy {
 public:
  /// Loads the certificate, opens the key log, binds and listens, starts its thread ("phl-tls", as
  /// nobody without capabilities: base/lab/privileges.h). Throws Error.
  TlsProxy(const TlsProxyOptions& o, EventLog& log);
  /// Closes every connection and joins the thread. Emits fake.stop.
  ~TlsProxy();
  TlsProxy(const TlsProxy&) = delete;
  TlsProxy& operator=(const TlsProxy&) = delete;

  int port() const;

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace phonelab::fakes
