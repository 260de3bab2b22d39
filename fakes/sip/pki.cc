#include "fakes/sip/pki.h"

#include <fcntl.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>
#include <memory>
#include <utility>
#include <vector>

#include "base/core/error.h"

namespace phonelab::fakes::pki {
namespace {

namespace fs = std::filesystem;

struct Deleter {
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
  void operator()(X509* p) const { X509_free(p); }
  void operator()(BIO* p) const { BIO_free(p); }
  void operator()(X509_EXTENSION* p) const { X509_EXTENSION_free(p); }
};
using Key = std::unique_ptr<EVP_PKEY, Deleter>;
using Cert = std::unique_ptr<X509, Deleter>;

[[noreturn]] void fail(const std::string& what) {
  std::string detail;
  if (unsigned long e = ERR_get_error()) {
    char buf[256];
    ERR_error_string_n(e, buf, sizeof buf);
    detail = std::string(": ") + buf;
  }
  ERR_clear_error();
  throw Error("test PKI: " + what + " failed" + detail);
}

Key ecKey() {
  Key k(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"));
  if (!k) fail("EC P-256 key generation");
  return k;
}

Key rsaKey(size_t bits) {
  Key k(EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", bits));
  if (!k) fail("RSA key generation");
  return k;
}

std::string pem(X509* c) {
  std::unique_ptr<BIO, Deleter> b(BIO_new(BIO_s_mem()));
  if (!b || PEM_write_bio_X509(b.get(), c) != 1) fail("PEM_write_bio_X509");
  char* data = nullptr;
  long n = BIO_get_mem_data(b.get(), &data);
  return std::string(data, static_cast<size_t>(n));
}

std::string pem(EVP_PKEY* k) {
  std::unique_ptr<BIO, Deleter> b(BIO_new(BIO_s_mem()));
  if (!b || PEM_write_bio_PrivateKey(b.get(), k, nullptr, nullptr, 0, nullptr, nullptr) != 1)
    fail("PEM_write_bio_PrivateKey");
  char* data = nullptr;
  long n = BIO_get_mem_data(b.get(), &data);
  return std::string(data, static_cast<size_t>(n));
}

void writeFile(const std::string& path, const std::string& text, mode_t mode) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, mode);
  if (fd < 0) throw Error(sysError("test PKI: cannot write " + path, errno));
  ::fchmod(fd, mode);  // also when the file already existed with wider rights
  size_t off = 0;
  while (off < text.size()) {
    ssize_t n = ::write(fd, text.data() + off, text.size() - off);
    if (n < 0) {
      int e = errno;
      ::close(fd);
      throw Error(sysError("test PKI: cannot write " + path, e));
    }
    off += static_cast<size_t>(n);
  }
  ::close(fd);
}

void addExt(X509* cert, X509* issuer, int nid, const std::string& value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  std::unique_ptr<X509_EXTENSION, Deleter> ext(
      X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.c_str()));
  if (!ext) fail("extension " + std::string(OBJ_nid2sn(nid)) + "=" + value);
  if (X509_add_ext(cert, ext.get(), -1) != 1) fail("X509_add_ext");
}

struct Spec {
  std::string cn;
  std::string name_constraints;  // "" = none (a CA: X.509 nameConstraints value)
  std::string san;               // "" = none
  std::string san_ip;            // an iPAddress SAN instead of the DNS one ("" = none)
  std::string eku = "serverAuth";
  bool ca = false;
  int path_len = -1;  // a CA's pathLenConstraint (-1: none)
  // Seconds from now. Two days back: valid for a phone whose clock NTP set from the lab's
  // (real) time, also if it misapplies its time zone (up to 14 h either way) or drifts.
  long not_before = -2L * 24 * 3600;
  long not_after = 24L * 3600;  // seconds from now: a day, no leaf outlives the run's CA
};

/// `key` signed by `issuer_key` (issuer == nullptr: self-signed).
Cert makeCert(const Spec& s, EVP_PKEY* key, X509* issuer, EVP_PKEY* issuer_key) {
  Cert c(X509_new());
  if (!c) fail("X509_new");
  X509_set_version(c.get(), 2);
  unsigned char serial[16];
  if (RAND_bytes(serial, sizeof serial) != 1) fail("RAND_bytes");
  serial[0] &= 0x7f;
  BIGNUM* bn = BN_bin2bn(serial, sizeof serial, nullptr);
  if (!bn || !BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(c.get()))) fail("serial number");
  BN_free(bn);
  X509_gmtime_adj(X509_getm_notBefore(c.get()), s.not_before);
  X509_gmtime_adj(X509_getm_notAfter(c.get()), s.not_after);
  X509_NAME* name = X509_get_subject_name(c.get());
  X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>("phonelab test PKI"), -1, -1,
                             0);
  if (X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                                 reinterpret_cast<const unsigned char*>(s.cn.c_str()), -1, -1,
                                 0) != 1)
    fail("subject CN " + s.cn);
  if (X509_set_pubkey(c.get(), key) != 1) fail("X509_set_pubkey");
  X509* iss = issuer ? issuer : c.get();
  if (X509_set_issuer_name(c.get(), X509_get_subject_name(iss)) != 1) fail("issuer name");
  if (s.ca) {
    addExt(c.get(), iss, NID_basic_constraints,
           "critical,CA:TRUE" +
               (s.path_len >= 0 ? ",pathlen:" + std::to_string(s.path_len) : std::string()));
    addExt(c.get(), iss, NID_key_usage, "critical,keyCertSign,cRLSign");
    if (!s.name_constraints.empty()) {
      addExt(c.get(), iss, NID_name_constraints, "critical," + s.name_constraints);
    }
  } else {
    addExt(c.get(), iss, NID_basic_constraints, "critical,CA:FALSE");
    addExt(c.get(), iss, NID_key_usage, "critical,digitalSignature,keyEncipherment");
    addExt(c.get(), iss, NID_ext_key_usage, s.eku);
  }
  addExt(c.get(), iss, NID_subject_key_identifier, "hash");
  if (issuer) addExt(c.get(), iss, NID_authority_key_identifier, "keyid:always");
  if (!s.san_ip.empty()) {
    addExt(c.get(), iss, NID_subject_alt_name, "IP:" + s.san_ip);
  } else if (!s.san.empty()) {
    addExt(c.get(), iss, NID_subject_alt_name, "DNS:" + s.san);
  }
  if (X509_sign(c.get(), issuer_key ? issuer_key : key, EVP_sha256()) <= 0) fail("X509_sign");
  return c;
}

CertAndKey save(const TestPki& p, const std::string& stem, X509* c, EVP_PKEY* k) {
  CertAndKey out;
  out.cert_pem = pem(c);
  out.key_pem = pem(k);
  out.cert_file = p.dir + "/" + stem + ".crt";
  out.key_file = p.key_dir + "/" + stem + ".key";
  writeFile(out.key_file, out.key_pem, 0600);
  writeFile(out.cert_file, out.cert_pem, 0644);
  return out;
}

struct Loaded {
  Key key;
  Cert cert;
};

Loaded load(const CertAndKey& ck) {
  Loaded l;
  std::unique_ptr<BIO, Deleter> kb(BIO_new_mem_buf(ck.key_pem.data(), -1));
  l.key.reset(PEM_read_bio_PrivateKey(kb.get(), nullptr, nullptr, nullptr));
  std::unique_ptr<BIO, Deleter> cb(BIO_new_mem_buf(ck.cert_pem.data(), -1));
  l.cert.reset(PEM_read_bio_X509(cb.get(), nullptr, nullptr, nullptr));
  if (!l.key || !l.cert) fail("reading back the CA " + ck.cert_file);
  return l;
}

constexpr std::pair<Flaw, std::string_view> kFlaws[] = {
    {Flaw::None, "none"},
    {Flaw::UntrustedCa, "untrusted-ca"},
    {Flaw::SelfSigned, "self-signed"},
    {Flaw::Expired, "expired"},
    {Flaw::NotYetValid, "not-yet-valid"},
    {Flaw::NameMismatch, "name-mismatch"},
    {Flaw::CnOnly, "cn-only"},
    {Flaw::NoServerAuth, "no-server-auth"},
    {Flaw::WeakKey, "weak-key"},
    {Flaw::Tls10Only, "tls1.0-only"},
    {Flaw::Tls11Only, "tls1.1-only"},
    {Flaw::WildcardTwoLevels, "wildcard-two-levels"},
    {Flaw::NameWithSuffix, "name-with-suffix"},
    {Flaw::LeafAsIntermediate, "leaf-as-intermediate"},
    {Flaw::IntermediateNameConstraints, "intermediate-name-constraints"},
    {Flaw::PathLengthExceeded, "path-length-exceeded"},
    {Flaw::IpSanOnly, "ip-san-only"},
    {Flaw::NullCipher, "null-cipher"},
};

}  // namespace

std::string_view flawName(Flaw f) {
  for (const auto& [flaw, name] : kFlaws) {
    if (flaw == f) return name;
  }
  return "?";
}

std::optional<Flaw> parseFlaw(std::string_view name) {
  for (const auto& [flaw, n] : kFlaws) {
    if (n == name) return flaw;
  }
  return std::nullopt;
}

const std::vector<std::string>& flawNames() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> v;
    for (const auto& [flaw, n] : kFlaws) v.emplace_back(n);
    return v;
  }();
  return names;
}

static void makePrivateDir(const std::string& dir) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) throw Error("test PKI: cannot create " + dir + ": " + ec.message());
  ::chmod(dir.c_str(), 0700);
}

TestPki makePki(const std::string& dir, const std::string& key_dir,
                const std::vector<std::string>& names) {
  makePrivateDir(dir);
  makePrivateDir(key_dir);
  TestPki p;
  p.dir = dir;
  p.key_dir = key_dir;
  p.names = names;
  std::string nc = "permitted;DNS:invalid,permitted;IP:198.18.0.0/255.254.0.0";
  for (const auto& n : names) {
    if (n.empty() || n.find_first_of(",;:\\\"") != std::string::npos) {
      throw Error("test PKI: '" + n + "' is not a name a certificate can be constrained to");
    }
    // The lab's domain the name is in: up to two leading labels off while two labels remain
    // (sip.edge.lab.example: lab.example), so the wildcard flaws (*.lab.example for a name two
    // labels down) are judged by the phone's name check, not refused by the constraint first.
    std::string domain = n;
    for (int k = 0; k < 2; ++k) {
      const auto dot = domain.find('.');
      if (dot == std::string::npos || domain.find('.', dot + 1) == std::string::npos) break;
      domain = domain.substr(dot + 1);
    }
    nc += ",permitted;DNS:" + domain;
  }
  struct CaSpec {
    const char* cn;
    const char* stem;
    CertAndKey* out;
    bool constrained;
  };
  for (const CaSpec& c :
       {CaSpec{"phonelab trusted test CA", "trusted-ca", &p.trusted_ca, true},
        CaSpec{"phonelab untrusted test CA", "untrusted-ca", &p.untrusted_ca, true},
        CaSpec{"phonelab manufacturer test CA", "manufacturer-ca", &p.manufacturer_ca, false}}) {
    Key k = ecKey();
    Spec s;
    s.cn = c.cn;
    s.ca = true;
    if (c.constrained) s.name_constraints = nc;
    // Expires a day from now: a CA of this run only (see pki.h). Its start lies far back, as a
    // real CA's does, so a phone whose clock is behind judges the server certificate's dates,
    // not the CA's.
    s.not_before = -365L * 24 * 3600;
    s.not_after = 24L * 3600;
    Cert cert = makeCert(s, k.get(), nullptr, nullptr);
    *c.out = save(p, c.stem, cert.get(), k.get());
  }
  return p;
}

CertAndKey makeDeviceCert(const TestPki& pki, const std::string& cn, const std::string& stem) {
  if (cn.empty()) throw Error("test PKI: a device certificate needs a subject name");
  Spec s;
  s.cn = cn;
  s.eku = "clientAuth";
  Key k = ecKey();
  Loaded issuer = load(pki.manufacturer_ca);
  Cert c = makeCert(s, k.get(), issuer.cert.get(), issuer.key.get());
  return save(pki, stem, c.get(), k.get());
}

CertAndKey makeServerCert(const TestPki& pki, const std::string& dns_name, Flaw flaw,
                          const std::string& stem, const std::string& ip) {
  if (dns_name.empty()) throw Error("test PKI: a server certificate needs a name");
  Spec s;
  s.cn = dns_name;
  s.san = dns_name;
  Key k = flaw == Flaw::WeakKey ? rsaKey(1024) : ecKey();
  const CertAndKey* ca = &pki.trusted_ca;
  bool self_signed = false;
  switch (flaw) {
    case Flaw::UntrustedCa:
      ca = &pki.untrusted_ca;
      break;
    case Flaw::SelfSigned:
      self_signed = true;
      break;
    case Flaw::Expired:
      s.not_before = -30L * 24 * 3600;
      s.not_after = -24L * 3600;
      break;
    case Flaw::NotYetValid:
      s.not_before = 24L * 3600;
      s.not_after = 30L * 24 * 3600;
      break;
    case Flaw::NameMismatch:
      s.cn = "wrong-name.invalid";
      s.san = "wrong-name.invalid";
      break;
    case Flaw::CnOnly:
      s.san = "wrong-name.invalid";
      break;
    case Flaw::IpSanOnly:
      if (ip.empty()) throw Error("test PKI: ip-san-only needs the server's address");
      // Not a host name in the CN either (the CA's DNS name constraints would judge one that
      // looks like a name, as OpenSSL does for a certificate without DNS SANs).
      s.cn = "server at " + ip;
      s.san_ip = ip;
      break;
    case Flaw::NoServerAuth:
      s.eku = "clientAuth";
      break;
    case Flaw::NameWithSuffix:
      s.cn = dns_name + ".attacker.invalid";
      s.san = s.cn;
      break;
    case Flaw::WildcardTwoLevels: {
      size_t first = dns_name.find('.');
      size_t second = first == std::string::npos ? first : dns_name.find('.', first + 1);
      std::string rest = second == std::string::npos ? "" : dns_name.substr(second + 1);
      if (rest.find('.') == std::string::npos)
        throw Error(
            "test PKI: wildcard-two-levels needs a name of at least 4 labels (e.g. "
            "sip.edge.lab.example), not '" +
            dns_name + "'");
      s.cn = "*." + rest;
      s.san = s.cn;
      break;
    }
    default:
      break;
  }
  if (self_signed) {
    Cert c = makeCert(s, k.get(), nullptr, nullptr);
    return save(pki, stem, c.get(), k.get());
  }
  Loaded issuer = load(*ca);
  if (flaw == Flaw::LeafAsIntermediate) {
    // An ordinary server certificate of the trusted CA (CA:FALSE, no keyCertSign) signs ours.
    Spec is;
    is.cn = "issuing-leaf.invalid";
    is.san = is.cn;
    Key ik = ecKey();
    Cert ic = makeCert(is, ik.get(), issuer.cert.get(), issuer.key.get());
    Cert c = makeCert(s, k.get(), ic.get(), ik.get());
    CertAndKey out = save(pki, stem, c.get(), k.get());
    out.cert_pem += pem(ic.get());
    writeFile(out.cert_file, out.cert_pem, 0644);
    return out;
  }
  if (flaw == Flaw::IntermediateNameConstraints || flaw == Flaw::PathLengthExceeded) {
    // Intermediates of the trusted CA, each a proper CA (CA:TRUE, keyCertSign); the certificate
    // breaks a constraint one of them sets. The chain file lists them from the leaf up.
    Spec is;
    is.ca = true;
    std::vector<std::pair<Key, Cert>> chain;
    if (flaw == Flaw::IntermediateNameConstraints) {
      is.cn = "phonelab test intermediate CA (other.invalid only)";
      is.name_constraints = "permitted;DNS:other.invalid";
      Key ik = ecKey();
      Cert ic = makeCert(is, ik.get(), issuer.cert.get(), issuer.key.get());
      chain.emplace_back(std::move(ik), std::move(ic));
    } else {
      is.cn = "phonelab test intermediate CA (path length 0)";
      is.path_len = 0;
      Key k1 = ecKey();
      Cert c1 = makeCert(is, k1.get(), issuer.cert.get(), issuer.key.get());
      Spec is2;
      is2.ca = true;
      is2.cn = "phonelab test intermediate CA (below a path length of 0)";
      Key k2 = ecKey();
      Cert c2 = makeCert(is2, k2.get(), c1.get(), k1.get());
      chain.emplace_back(std::move(k2), std::move(c2));
      chain.emplace_back(std::move(k1), std::move(c1));
    }
    Cert c = makeCert(s, k.get(), chain.front().second.get(), chain.front().first.get());
    CertAndKey out = save(pki, stem, c.get(), k.get());
    for (const auto& link : chain) out.cert_pem += pem(link.second.get());
    writeFile(out.cert_file, out.cert_pem, 0644);
    return out;
  }
  Cert c = makeCert(s, k.get(), issuer.cert.get(), issuer.key.get());
  return save(pki, stem, c.get(), k.get());
}

}  // namespace phonelab::fakes::pki
