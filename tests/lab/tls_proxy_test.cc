// The TLS proxy and its MITM variants on loopback, with a plain OpenSSL client playing the phone
// and a UDP socket playing Kamailio: relaying both ways, decrypted messages as events, the NSS
// key log, every certificate flaw rejected by a verifying client (with the alert recorded), the
// version-pinned variants, and a proxy that survives resets, stalls and garbage mid-handshake.

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>
#include <sstream>
#include <string>

#include "base/core/error.h"
#include "base/core/match.h"
#include "fakes/sip/pki.h"
#include "fakes/sip/tls_proxy.h"

using namespace phonelab;
using namespace phonelab::fakes;
namespace fs = std::filesystem;

namespace {

const std::string kName = "sip.lab.example";

std::string tempDir(const std::string& name) {
  std::string d = fs::temp_directory_path().string() + "/phonelab-tls-" + name + "-" +
                  std::to_string(::getpid());
  fs::remove_all(d);
  fs::create_directories(d);
  return d;
}

int tcpConnect(int port) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<uint16_t>(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  timeval tv{3, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

/// A TLS client like the phone: the CA, the host name, TLS 1.2 at least (unless `old`).
struct Client {
  SSL_CTX* ctx = nullptr;
  SSL* ssl = nullptr;
  int fd = -1;
  long verify = X509_V_OK;

  Client(int port, const std::string& ca_file, bool old = false) {
    ctx = SSL_CTX_new(TLS_client_method());
    if (old) {
      SSL_CTX_set_security_level(ctx, 0);
      SSL_CTX_set_cipher_list(ctx, "DEFAULT:@SECLEVEL=0");
      SSL_CTX_set_min_proto_version(ctx, TLS1_VERSION);
    } else {
      SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
    }
    SSL_CTX_load_verify_locations(ctx, ca_file.c_str(), nullptr);
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, nullptr);
    fd = tcpConnect(port);
    ssl = SSL_new(ctx);
    SSL_set_tlsext_host_name(ssl, kName.c_str());
    SSL_set1_host(ssl, kName.c_str());
    SSL_set_fd(ssl, fd);
  }
  ~Client() {
    if (ssl) SSL_free(ssl);
    if (fd >= 0) ::close(fd);
    SSL_CTX_free(ctx);
    ERR_clear_error();
  }
  bool handshake() {
    bool ok = SSL_connect(ssl) == 1;
    verify = SSL_get_verify_result(ssl);
    return ok;
  }
  void write(const std::string& s) {
    ASSERT_EQ(SSL_write(ssl, s.data(), static_cast<int>(s.size())), static_cast<int>(s.size()));
  }
  std::string read() {
    char buf[4096];
    int n = SSL_read(ssl, buf, sizeof buf);
    return n > 0 ? std::string(buf, static_cast<size_t>(n)) : "";
  }
};

struct Upstream {
  int fd = -1;
  int port = 0;
  Upstream() {
    fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
    socklen_t len = sizeof a;
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
    port = ntohs(a.sin_port);
  }
  ~Upstream() { ::close(fd); }
  /// One datagram within 3 s, and where it came from.
  std::string receive(sockaddr_in& from) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 3000) != 1) return "";
    char buf[65536];
    socklen_t len = sizeof from;
    ssize_t n = ::recvfrom(fd, buf, sizeof buf, 0, reinterpret_cast<sockaddr*>(&from), &len);
    return n > 0 ? std::string(buf, static_cast<size_t>(n)) : "";
  }
};

const std::string kRegister =
    "REGISTER sip:sip.lab.example SIP/2.0\r\n"
    "Via: SIP/2.0/TLS 127.0.0.1:40000;branch=z9hG4bKtls1;rport\r\n"
    "Max-Forwards: 70\r\nFrom: <sip:100@sip.lab.example>;tag=a1\r\nTo: "
    "<sip:100@sip.lab.example>\r\n"
    "Call-ID: tls-test-1\r\nCSeq: 1 REGISTER\r\nContact: "
    "<sip:100@127.0.0.1:40000;transport=tls>\r\n"
    "Content-Length: 0\r\n\r\n";
const std::string kOk =
    "SIP/2.0 200 OK\r\n"
    "Via: SIP/2.0/TLS 127.0.0.1:40000;branch=z9hG4bKtls1;rport=40000\r\n"
    "From: <sip:100@sip.lab.example>;tag=a1\r\nTo: <sip:100@sip.lab.example>;tag=b2\r\n"
    "Call-ID: tls-test-1\r\nCSeq: 1 REGISTER\r\nContent-Length: 0\r\n\r\n";

std::optional<Event> waitEvent(EventLog& log, const std::string& kind, const std::string& field,
                               const std::string& value, double since = 0) {
  EventMatcher m(kind);
  if (!field.empty()) m.whereEq(field, value);
  return log.waitFor(m, since, Deadline::in(Seconds(5)));
}

struct ProxyFixture : ::testing::Test {
  std::string dir;
  pki::TestPki p;
  void SetUp() override {
    ::signal(SIGPIPE, SIG_IGN);  // a write to a connection the proxy closed fails, not kills
    dir = tempDir(::testing::UnitTest::GetInstance()->current_test_info()->name());
    p = pki::makePki(dir + "/pki", dir + "/keys", {kName});
  }
  void TearDown() override { fs::remove_all(dir); }
  TlsProxyOptions options(const std::string& flaw, int upstream_port = 0) {
    // ip-san-only: an address of the lab's range (the CA's constraints permit it), not the
    // loopback the proxy listens on here.
    auto c = pki::makeServerCert(p, kName, *pki::parseFlaw(flaw), "server-" + flaw, "198.18.0.10");
    TlsProxyOptions o;
    o.address = "127.0.0.1";
    o.port = 0;
    o.cert_file = c.cert_file;
    o.key_file = c.key_file;
    o.flaw = flaw;
    if (upstream_port) {
      o.upstream_ip = "127.0.0.1";
      o.upstream_port = upstream_port;
    }
    o.keylog_file = dir + "/keys.log";
    o.handshake_timeout = 0.5;
    return o;
  }
};

TEST_F(ProxyFixture, KeysAreWrittenOwnerOnly) {
  struct stat st {};
  ASSERT_EQ(::stat(p.trusted_ca.key_file.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  auto c = pki::makeServerCert(p, kName, pki::Flaw::WeakKey, "weak");
  ASSERT_EQ(::stat(c.key_file.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  EXPECT_NE(c.key_pem.find("PRIVATE KEY"), std::string::npos);
}

TEST_F(ProxyFixture, HonestProxyRelaysBothWaysAndLogsKeys) {
  Upstream up;
  EventLog log;
  TlsProxy proxy(options("none", up.port), log);
  Client c(proxy.port(), p.trusted_ca.cert_file);
  ASSERT_TRUE(c.handshake()) << X509_verify_cert_error_string(c.verify);
  // Two messages in one write, the second split: framing by Content-Length.
  c.write(kRegister + kRegister.substr(0, 30));
  c.write(kRegister.substr(30));
  sockaddr_in from{};
  EXPECT_EQ(up.receive(from), kRegister);
  EXPECT_EQ(up.receive(from), kRegister);
  ASSERT_EQ(
      ::sendto(up.fd, kOk.data(), kOk.size(), 0, reinterpret_cast<sockaddr*>(&from), sizeof from),
      static_cast<ssize_t>(kOk.size()));
  EXPECT_EQ(c.read(), kOk);

  auto hs = waitEvent(log, "tls.handshake", "result", "ok");
  ASSERT_TRUE(hs);
  EXPECT_EQ(*hs->field("sni"), kName);
  auto req = waitEvent(log, "tls.sip.request", "method", "REGISTER");
  ASSERT_TRUE(req);
  EXPECT_EQ(*req->field("direction"), "from-phone");
  EXPECT_EQ(*req->field("call_id"), "tls-test-1");
  auto resp = waitEvent(log, "tls.sip.response", "status", "200");
  ASSERT_TRUE(resp);
  EXPECT_EQ(*resp->field("direction"), "to-phone");

  std::ifstream in(dir + "/keys.log");
  std::stringstream ss;
  ss << in.rdbuf();
  EXPECT_NE(ss.str().find("CLIENT_TRAFFIC_SECRET_0 "), std::string::npos) << ss.str();
  struct stat st {};
  ASSERT_EQ(::stat((dir + "/keys.log").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
}

TEST_F(ProxyFixture, EveryCertificateFlawIsRejectedByAVerifyingClient) {
  for (const char* flaw :
       {"untrusted-ca", "self-signed", "expired", "not-yet-valid", "name-mismatch", "cn-only",
        "no-server-auth", "weak-key", "name-with-suffix", "leaf-as-intermediate",
        "intermediate-name-constraints", "path-length-exceeded", "ip-san-only"}) {
    SCOPED_TRACE(flaw);
    EventLog log;
    TlsProxy proxy(options(flaw), log);
    Client c(proxy.port(), p.trusted_ca.cert_file);
    EXPECT_FALSE(c.handshake());
    EXPECT_NE(c.verify, X509_V_OK);
    auto hs = waitEvent(log, "tls.handshake", "result", "failed");
    ASSERT_TRUE(hs);
    EXPECT_EQ(*hs->field("flaw"), flaw);
    EXPECT_NE(*hs->field("alert"), "") << hs->summary;
  }
  // And each is a working server: a client that checks nothing completes the handshake.
  EventLog log;
  TlsProxy proxy(options("expired"), log);
  Client c(proxy.port(), p.trusted_ca.cert_file);
  SSL_set_verify(c.ssl, SSL_VERIFY_NONE, nullptr);
  EXPECT_TRUE(c.handshake());
}

TEST_F(ProxyFixture, WildcardTwoLevelsCoversOnlyOneLabelBelowIt) {
  EXPECT_THROW(pki::makeServerCert(p, kName, pki::Flaw::WildcardTwoLevels, "w3"), Error);
  auto c = pki::makeServerCert(p, "sip.edge.lab.example", pki::Flaw::WildcardTwoLevels, "w4");
  std::unique_ptr<BIO, decltype(&BIO_free)> b(BIO_new_mem_buf(c.cert_pem.data(), -1), BIO_free);
  std::unique_ptr<X509, decltype(&X509_free)> x(
      PEM_read_bio_X509(b.get(), nullptr, nullptr, nullptr), X509_free);
  ASSERT_TRUE(x);
  const std::string host = "sip.edge.lab.example";
  EXPECT_EQ(X509_check_host(x.get(), host.data(), host.size(), 0, nullptr), 0);
  EXPECT_EQ(X509_check_host(x.get(), host.data(), host.size(),
                            X509_CHECK_FLAG_MULTI_LABEL_WILDCARDS, nullptr),
            1);
  EXPECT_EQ(X509_check_host(x.get(), kName.data(), kName.size(), 0, nullptr), 1);
}

TEST_F(ProxyFixture, OldVersionsOnlyAreOfferedAndRefusedByAModernClient) {
  for (const char* flaw : {"tls1.0-only", "tls1.1-only"}) {
    SCOPED_TRACE(flaw);
    EventLog log;
    TlsProxy proxy(options(flaw), log);
    {
      Client c(proxy.port(), p.trusted_ca.cert_file);
      EXPECT_FALSE(c.handshake());
      auto hs = waitEvent(log, "tls.handshake", "result", "failed");
      ASSERT_TRUE(hs);
      EXPECT_EQ(*hs->field("alert_sent"), "protocol version") << hs->summary;
    }
    Client old(proxy.port(), p.trusted_ca.cert_file, true);
    EXPECT_TRUE(old.handshake());
    auto ok = waitEvent(log, "tls.handshake", "result", "ok");
    ASSERT_TRUE(ok);
    EXPECT_EQ(*ok->field("version"), std::string(flaw) == "tls1.0-only" ? "TLSv1" : "TLSv1.1");
  }
}

TEST_F(ProxyFixture, NullCipherOnlyIsOfferedAndRefusedByAModernClient) {
  EventLog log;
  TlsProxy proxy(options("null-cipher"), log);
  {
    Client c(proxy.port(), p.trusted_ca.cert_file);
    EXPECT_FALSE(c.handshake());
    auto hs = waitEvent(log, "tls.handshake", "result", "failed");
    ASSERT_TRUE(hs);
    EXPECT_EQ(*hs->field("alert_sent"), "handshake failure") << hs->summary;
  }
  // A client that lets the NULL suites in gets TLS 1.2 with no encryption at all.
  Client weak(proxy.port(), p.trusted_ca.cert_file);
  SSL_set_security_level(weak.ssl, 0);
  ASSERT_EQ(SSL_set_cipher_list(weak.ssl, "ALL:COMPLEMENTOFALL:!aNULL:@SECLEVEL=0"), 1);
  EXPECT_TRUE(weak.handshake());
  auto ok = waitEvent(log, "tls.handshake", "result", "ok");
  ASSERT_TRUE(ok);
  EXPECT_EQ(*ok->field("version"), "TLSv1.2");
  EXPECT_EQ(*ok->field("cipher"), "ECDHE-ECDSA-NULL-SHA");
}

TEST_F(ProxyFixture, AskedForAClientCertificateRecordsWhatThePhonePresented) {
  auto device = pki::makeDeviceCert(p, "CP-8832-3PCC-SEP0200C612000A", "device");
  EXPECT_THROW(pki::makeDeviceCert(p, "", "nameless"), Error);
  auto o = options("none");
  o.request_client_cert = true;
  o.client_ca_file = p.manufacturer_ca.cert_file;
  EventLog log;
  TlsProxy proxy(o, log);
  // A client presenting `cert` (none: nullptr); the proxy's tls.handshake event for it.
  auto presenting = [&](const pki::CertAndKey* cert) -> std::optional<Event> {
    const double since = log.now();
    Client c(proxy.port(), p.trusted_ca.cert_file);
    if (cert) {
      EXPECT_EQ(SSL_use_certificate_file(c.ssl, cert->cert_file.c_str(), SSL_FILETYPE_PEM), 1);
      EXPECT_EQ(SSL_use_PrivateKey_file(c.ssl, cert->key_file.c_str(), SSL_FILETYPE_PEM), 1);
    }
    EXPECT_TRUE(c.handshake());  // the certificate is asked for, never required
    c.write(kRegister);
    return waitEvent(log, "tls.handshake", "result", "ok", since);
  };
  auto hs = presenting(&device);
  ASSERT_TRUE(hs);
  EXPECT_EQ(*hs->field("client_cert"), "CN=CP-8832-3PCC-SEP0200C612000A,O=phonelab test PKI");
  EXPECT_EQ(*hs->field("client_cert_issuer"),
            "CN=phonelab manufacturer test CA,O=phonelab test PKI");
  EXPECT_EQ(*hs->field("client_cert_verify"), "ok");
  // A certificate of another CA is recorded as such.
  auto stranger = pki::makeServerCert(p, kName, pki::Flaw::None, "stranger");
  hs = presenting(&stranger);
  ASSERT_TRUE(hs);
  EXPECT_NE(*hs->field("client_cert_verify"), "ok");
  EXPECT_NE(*hs->field("client_cert_verify"), "");
  hs = presenting(nullptr);
  ASSERT_TRUE(hs);
  EXPECT_EQ(*hs->field("client_cert"), "");
  EXPECT_EQ(*hs->field("client_cert_verify"), "");
}

TEST_F(ProxyFixture, SurvivesResetStallAndGarbageMidHandshake) {
  Upstream up;
  EventLog log;
  TlsProxy proxy(options("none", up.port), log);
  {  // reset right after connecting
    int fd = tcpConnect(proxy.port());
    ASSERT_GE(fd, 0);
    linger l{1, 0};
    ::setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof l);
    ::close(fd);
  }
  {  // half a ClientHello, then a reset
    Client c(proxy.port(), p.trusted_ca.cert_file);
    const unsigned char part[] = {0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, 0xfc, 0x03};
    ASSERT_EQ(::write(c.fd, part, sizeof part), static_cast<ssize_t>(sizeof part));
    linger l{1, 0};
    ::setsockopt(c.fd, SOL_SOCKET, SO_LINGER, &l, sizeof l);
  }
  {  // garbage instead of a ClientHello
    int fd = tcpConnect(proxy.port());
    const std::string junk = "REGISTER sip:x SIP/2.0\r\n\r\n";
    ASSERT_EQ(::write(fd, junk.data(), junk.size()), static_cast<ssize_t>(junk.size()));
    auto hs = waitEvent(log, "tls.handshake", "result", "failed");
    ASSERT_TRUE(hs);
    ::close(fd);
  }
  const double before_stall = log.now();
  int stalled = tcpConnect(proxy.port());  // says nothing: closed at the handshake deadline
  auto hs = waitEvent(log, "tls.handshake", "error", "timed out after the handshake deadline",
                      before_stall);
  ASSERT_TRUE(hs);
  ::close(stalled);
  // Garbage after a good handshake: the connection is closed, the proxy carries on.
  {
    Client c(proxy.port(), p.trusted_ca.cert_file);
    ASSERT_TRUE(c.handshake());
    c.write("INVITE sip:x SIP/2.0\r\nContent-Length: lots\r\n\r\n");
    ASSERT_TRUE(
        waitEvent(log, "tls.close", "reason", "not SIP: Content-Length 'lots' is not a number"));
  }
  // Still serving.
  Client c(proxy.port(), p.trusted_ca.cert_file);
  ASSERT_TRUE(c.handshake());
  c.write(kRegister);
  sockaddr_in from{};
  EXPECT_EQ(up.receive(from), kRegister);
}

}  // namespace
