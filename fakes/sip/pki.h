#pragma once
/// The per-run test PKI of the TLS scenarios, made with the OpenSSL 3 API at run time (no key is
/// ever committed): a CA the phone is given ("trusted"), a CA it is not ("untrusted"), and server
/// certificates, each with at most one flaw. Keys are written 0600 in a folder of the run's own
/// outside the report (the report keeps the certificates only).
///
/// Keys are EC P-256 (fast to make) except for the weak-key flaw (RSA 1024). Certificates are X.509
/// v3, SHA-256, with basicConstraints, keyUsage, extendedKeyUsage serverAuth and a DNS
/// subjectAltName equal to the CN, unless the flaw says otherwise.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace phonelab::fakes::pki {

/// What is wrong with a server certificate (or with the TLS versions offered beside it).
enum class Flaw {
  None,                // honest: signed by the trusted CA, valid now, right name, serverAuth
  UntrustedCa,         // signed by a CA the phone was not given
  SelfSigned,          // issuer = subject, signed with its own key
  Expired,             // notAfter in the past
  NotYetValid,         // notBefore in the future
  NameMismatch,        // CN and SAN both name another host
  CnOnly,              // CN right, SAN names another host (RFC 6125: the SAN wins)
  NoServerAuth,        // extendedKeyUsage clientAuth only
  WeakKey,             // RSA 1024
  Tls10Only,           // honest certificate, the server offers only TLS 1.0
  Tls11Only,           // honest certificate, the server offers only TLS 1.1
  WildcardTwoLevels,   // CN and SAN "*.<the name less its first two labels>": a wildcard that
                       // would have to span two labels (RFC 6125 6.4.3: it covers one); needs a
                       // name of at least 4 labels (sip.edge.lab.example -> *.lab.example)
  NameWithSuffix,      // CN and SAN "<the name>.attacker.invalid": the right name with more
                       // labels after it (a prefix comparison accepts it)
  LeafAsIntermediate,  // signed by an end-entity certificate (basicConstraints CA:FALSE, no
                       // keyCertSign) that the trusted CA issued; the proxy sends both
  IntermediateNameConstraints,  // issued by an intermediate CA of the trusted CA whose own
                                // nameConstraints permit only other.invalid (the proxy sends it)
  PathLengthExceeded,           // trusted CA -> intermediate with pathLenConstraint 0 -> a second
                       // intermediate -> the certificate (the proxy sends both intermediates)
  IpSanOnly,   // SAN the server's IP address only (an iPAddress SAN; CN "server at
               // <ip>", not a host name): the name
               // the phone connects by is not in it (RFC 6125: a DNS reference identity
               // matches DNS-IDs only)
  NullCipher,  // honest certificate, the server offers only TLS 1.2 with a NULL cipher
               // suite (ECDHE-ECDSA-NULL-SHA: authenticated, nothing encrypted)
};

/// "none", "untrusted-ca", "self-signed", "expired", "not-yet-valid", "name-mismatch", "cn-only",
/// "no-server-auth", "weak-key", "tls1.0-only", "tls1.1-only", "wildcard-two-levels",
/// "name-with-suffix", "leaf-as-intermediate", "intermediate-name-constraints",
/// "path-length-exceeded", "ip-san-only", "null-cipher".
std::string_view flawName(Flaw f);
std::optional<Flaw> parseFlaw(std::string_view name);
const std::vector<std::string>& flawNames();

struct CertAndKey {
  std::string cert_pem, key_pem;
  std::string cert_file, key_file;  // where they were written
};

struct TestPki {
  std::string dir;                 // certificates (evidence, in the report)
  std::string key_dir;             // private keys: never in the report
  std::vector<std::string> names;  // the DNS names the CAs may certify (nameConstraints)
  CertAndKey trusted_ca;
  CertAndKey untrusted_ca;
  /// The "manufacturer" CA that issues the phone's own device certificate (a phone's factory
  /// certificate, e.g. Cisco's Manufacturing Installed Certificate): not name-constrained.
  CertAndKey manufacturer_ca;
};

/// Makes the three CAs: certificates under `dir`, private keys under `key_dir` (both created 0700;
/// the caller puts key_dir outside the report and removes it). The CAs are short-lived (they
/// expire one day from now; their start lies a year back, as a real CA's does, so a phone whose
/// clock is behind judges the server certificate's dates, not the CA's); the trusted and untrusted
/// CAs are name-constrained (X.509 nameConstraints, critical) to the lab domains of `names` (each
/// less up to two leading labels, two labels kept: sip.edge.lab.example -> lab.example), the
/// reserved test domain "invalid" (RFC 6761: the name-mismatch flaws use it) and the lab's
/// 198.18.0.0/15, so a CA that leaks certifies nothing else. Throws Error naming the OpenSSL call
/// that failed.
TestPki makePki(const std::string& dir, const std::string& key_dir,
                const std::vector<std::string>& names);

/// A server certificate for `dns_name` with `flaw`, written as <pki.dir>/<stem>.crt and
/// <pki.key_dir>/<stem>.key (the leaf alone, the phone holds the CA; with leaf-as-intermediate,
/// intermediate-name-constraints and path-length-exceeded the .crt also holds the issuing
/// certificates after the leaf, as a chain file). `ip` is the server's
/// address (needed by ip-san-only). Throws Error.
CertAndKey makeServerCert(const TestPki& pki, const std::string& dns_name, Flaw flaw,
                          const std::string& stem, const std::string& ip = "");

/// The phone's device certificate: subject CN `cn` (e.g. the model and the phone's MAC, as a
/// factory certificate names the unit), issued by the manufacturer CA, extendedKeyUsage
/// clientAuth, no subjectAltName, valid for the day. Written as <pki.dir>/<stem>.crt and
/// <pki.key_dir>/<stem>.key. Throws Error.
CertAndKey makeDeviceCert(const TestPki& pki, const std::string& cn, const std::string& stem);

}  // namespace phonelab::fakes::pki
