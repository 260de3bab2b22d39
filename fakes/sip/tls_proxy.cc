#include "fakes/sip/tls_proxy.h"

#include <fcntl.h>
#include <openssl/ssl.h>
#include <unistd.h>

#include <array>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ip/udp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <cerrno>
#include <cstdio>
#include <deque>
#include <mutex>
#include <span>
#include <thread>

#include "base/core/error.h"
#include "base/lab/privileges.h"
#include "base/proto/sip_event.h"
#include "base/proto/sip_stream.h"
#include "fakes/sip/pki.h"

namespace phonelab::fakes {

namespace asio = boost::asio;
namespace ssl = boost::asio::ssl;
using asio::ip::tcp;
using asio::ip::udp;

namespace {

// Our pointers ride in OpenSSL ex_data: Asio keeps its verify callback in the app data slots.
int connIndex() {
  static const int i = SSL_get_ex_new_index(0, nullptr, nullptr, nullptr, nullptr);
  return i;
}
int proxyIndex() {
  static const int i = SSL_CTX_get_ex_new_index(0, nullptr, nullptr, nullptr, nullptr);
  return i;
}

std::string epString(const tcp::endpoint& e) {
  return e.address().to_string() + ":" + std::to_string(e.port());
}

}  // namespace

struct TlsProxy::Impl {
  // Declaration order matters: the io_context is destroyed after the acceptor and before
  // everything its pending handlers (the connections) use.
  EventLog& log;
  TlsProxyOptions o;
  std::string flaw;
  ssl::context ctx{ssl::context::tls_server};
  std::mutex keylog_mu;
  std::FILE* keylog = nullptr;
  int port = 0;
  asio::io_context io;
  tcp::acceptor acceptor{io};
  std::thread thread;

  Impl(const TlsProxyOptions& opts, EventLog& l) : log(l), o(opts), flaw(opts.flaw) {}
  ~Impl() {
    if (keylog) std::fclose(keylog);
  }

  void emit(const std::string& kind, std::map<std::string, std::string> fields,
            const std::string& summary) {
    fields["flaw"] = flaw;
    log.emit("tls_proxy", kind, std::move(fields), summary);
  }

  void writeKeylog(const char* line) {
    std::lock_guard lock(keylog_mu);
    if (!keylog) return;
    std::fputs(line, keylog);
    std::fputc('\n', keylog);
    std::fflush(keylog);
  }

  void accept();
};

namespace {

struct Conn : std::enable_shared_from_this<Conn> {
  TlsProxy::Impl& p;
  ssl::stream<tcp::socket> tls;
  udp::socket up;
  udp::endpoint upstream, from;
  asio::steady_timer timer;
  std::string peer, peer_ip;
  int peer_port = 0;
  std::string local_ip;
  int local_port = 0;
  std::string alert_received, alert_sent;
  std::string inbuf;
  proto::SipStreamScan inscan;  // how far inbuf's front message was looked at
  std::array<char, 16384> rbuf{};
  std::array<char, 65536> ubuf{};
  std::deque<std::string> outq;
  bool writing = false;
  bool closed = false;
  int messages = 0;

  Conn(TlsProxy::Impl& impl, tcp::socket s)
      : p(impl), tls(std::move(s), impl.ctx), up(impl.io), timer(impl.io) {
    boost::system::error_code ec;
    auto re = tls.next_layer().remote_endpoint(ec);
    peer = ec ? "?" : epString(re);
    peer_ip = ec ? "" : re.address().to_string();
    peer_port = ec ? 0 : re.port();
    auto le = tls.next_layer().local_endpoint(ec);
    local_ip = ec ? "" : le.address().to_string();
    local_port = ec ? 0 : le.port();
    SSL_set_ex_data(tls.native_handle(), connIndex(), this);
  }

  void start() {
    p.emit("tls.connect", {{"peer", peer}}, "TLS connection from " + peer);
    timer.expires_after(std::chrono::milliseconds(static_cast<long>(p.o.handshake_timeout * 1000)));
    timer.async_wait([self = shared_from_this()](const boost::system::error_code& ec) {
      if (ec) return;
      boost::system::error_code e;
      self->tls.next_layer().close(e);  // the pending handshake ends with an error
    });
    tls.async_handshake(ssl::stream_base::server,
                        [self = shared_from_this()](const boost::system::error_code& ec) {
                          self->onHandshake(ec);
                        });
  }

  void onHandshake(const boost::system::error_code& ec) {
    const bool timed_out = timer.expiry() <= asio::steady_timer::clock_type::now();
    timer.cancel();
    SSL* s = tls.native_handle();
    std::map<std::string, std::string> f{
        {"peer", peer}, {"alert", alert_received}, {"alert_sent", alert_sent}};
    if (ec) {
      f["result"] = "failed";
      f["error"] = timed_out ? "timed out after the handshake deadline" : ec.message();
      f["ended_by"] = endedBy(ec, timed_out);
      p.emit("tls.handshake", f,
             "TLS handshake with " + peer + " failed: " + f["error"] + " (" +
                 describeEnd(f["ended_by"]) + ")");
      close(timed_out ? "handshake timed out" : "handshake failed");
      return;
    }
    const char* sni = SSL_get_servername(s, TLSEXT_NAMETYPE_host_name);
    if (p.o.request_client_cert) clientCert(s, f);
    f["result"] = "ok";
    f["error"] = "";
    f["ended_by"] = "completed";
    f["version"] = SSL_get_version(s);
    f["cipher"] = SSL_get_cipher_name(s);
    f["sni"] = sni ? sni : "";
    p.emit("tls.handshake", f,
           "TLS handshake with " + peer + " completed: " + f["version"] + " " + f["cipher"] +
               (!p.o.request_client_cert ? std::string()
                : f["client_cert"].empty()
                    ? std::string(", the phone presented no certificate")
                    : ", the phone's certificate: " + f["client_cert"] + " (issuer " +
                          f["client_cert_issuer"] + ", " + f["client_cert_verify"] + ")"));
    if (!p.o.upstream_ip.empty()) {
      boost::system::error_code e;
      upstream = udp::endpoint(asio::ip::make_address(p.o.upstream_ip, e),
                               static_cast<uint16_t>(p.o.upstream_port));
      if (!e) up.open(udp::v4(), e);
      if (!e) up.bind(udp::endpoint(asio::ip::make_address(p.o.address, e), 0), e);
      if (e) {
        close("cannot open the upstream socket: " + e.message());
        return;
      }
      receiveUpstream();
    }
    read();
  }

  /// The certificate the phone presented (client authentication): subject, issuer and whether it
  /// verifies against client_ca_file.
  static void clientCert(SSL* s, std::map<std::string, std::string>& f) {
    f["client_cert"] = "";
    f["client_cert_issuer"] = "";
    f["client_cert_verify"] = "";
    X509* c = SSL_get0_peer_certificate(s);
    if (!c) return;
    f["client_cert"] = nameText(X509_get_subject_name(c));
    f["client_cert_issuer"] = nameText(X509_get_issuer_name(c));
    const long v = SSL_get_verify_result(s);
    f["client_cert_verify"] = v == X509_V_OK ? "ok" : X509_verify_cert_error_string(v);
  }

  static std::string nameText(const X509_NAME* n) {
    BIO* b = BIO_new(BIO_s_mem());
    if (!b) return "?";
    X509_NAME_print_ex(b, n, 0, XN_FLAG_RFC2253);
    char* data = nullptr;
    const long len = BIO_get_mem_data(b, &data);
    std::string out(data, static_cast<size_t>(len > 0 ? len : 0));
    BIO_free(b);
    return out;
  }

  /// How a failed handshake ended, from the proxy's side: the phone refused with an alert
  /// (phone-alert) or by closing the connection without one (phone-close: a FIN or a reset, legal
  /// and common in embedded TLS stacks); we refused with an alert of ours (proxy-alert); the phone
  /// stalled until our deadline (timeout); anything else (error).
  std::string endedBy(const boost::system::error_code& ec, bool timed_out) const {
    if (!alert_received.empty()) return "phone-alert";
    if (timed_out) return "timeout";
    if (!alert_sent.empty()) return "proxy-alert";
    if (ec == asio::error::eof || ec == ssl::error::stream_truncated ||
        ec == asio::error::connection_reset || ec == asio::error::broken_pipe ||
        ec == asio::error::connection_aborted)
      return "phone-close";
    return "error";
  }

  std::string describeEnd(const std::string& ended_by) const {
    if (ended_by == "phone-alert") return "the phone sent alert '" + alert_received + "'";
    if (ended_by == "phone-close") return "the phone closed the connection without an alert";
    if (ended_by == "proxy-alert") return "we sent alert '" + alert_sent + "'";
    if (ended_by == "timeout") return "the phone neither finished nor refused";
    return "no alert either way";
  }

  void read() {
    tls.async_read_some(asio::buffer(rbuf),
                        [self = shared_from_this()](const boost::system::error_code& ec, size_t n) {
                          if (self->closed) return;
                          if (ec) {
                            self->close(ec == asio::error::eof || ec == ssl::error::stream_truncated
                                            ? "closed by the phone"
                                            : ec.message());
                            return;
                          }
                          self->inbuf.append(self->rbuf.data(), n);
                          std::string err;
                          for (auto& m : proto::takeSipMessages(self->inbuf, self->inscan, err))
                            self->fromPhone(m);
                          if (!err.empty()) {
                            self->record("from-phone", self->inbuf.substr(0, 200), true);
                            self->close("not SIP: " + err);
                            return;
                          }
                          self->read();
                        });
  }

  void record(const std::string& direction, const std::string& msg, bool force_malformed = false) {
    auto span = std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(msg.data()), msg.size());
    const bool up_dir = direction == "from-phone";
    const std::string& sip = up_dir ? peer_ip : local_ip;
    const std::string& dip = up_dir ? local_ip : peer_ip;
    const int sport = up_dir ? peer_port : local_port;
    const int dport = up_dir ? local_port : peer_port;
    std::optional<Event> e;
    if (!force_malformed) e = proto::sipEvent(span, sip, sport, dip, dport);
    if (!e) {
      Event m;
      m.kind = "sip.malformed";
      m.fields = {{"reason", "not SIP"}, {"src_ip", sip}, {"dst_ip", dip}};
      m.summary = "bytes that are not SIP " + direction;
      e = m;
    }
    e->source = "tls_proxy";
    e->kind = "tls." + e->kind;
    e->fields["direction"] = direction;
    e->fields["flaw"] = p.flaw;
    e->fields["peer"] = peer;
    e->summary = "[TLS, " + direction + "] " + e->summary;
    e->t = -1;
    p.log.add(*e);
  }

  void fromPhone(const std::string& m) {
    ++messages;
    record("from-phone", m);
    if (!up.is_open()) return;
    boost::system::error_code ec;
    up.send_to(asio::buffer(m), upstream, 0, ec);
  }

  void receiveUpstream() {
    up.async_receive_from(
        asio::buffer(ubuf), from,
        [self = shared_from_this()](const boost::system::error_code& ec, size_t n) {
          if (self->closed || ec) return;
          std::string m(self->ubuf.data(), n);
          if (m.find_first_not_of("\r\n") != std::string::npos) {
            ++self->messages;
            self->record("to-phone", m);
            self->send(std::move(m));
          }
          self->receiveUpstream();
        });
  }

  void send(std::string m) {
    outq.push_back(std::move(m));
    if (!writing) writeNext();
  }

  void writeNext() {
    if (outq.empty() || closed) {
      writing = false;
      return;
    }
    writing = true;
    asio::async_write(tls, asio::buffer(outq.front()),
                      [self = shared_from_this()](const boost::system::error_code& ec, size_t) {
                        if (self->closed) return;
                        self->outq.pop_front();
                        if (ec) {
                          self->close("write failed: " + ec.message());
                          return;
                        }
                        self->writeNext();
                      });
  }

  void close(const std::string& reason) {
    if (closed) return;
    closed = true;
    boost::system::error_code ec;
    timer.cancel();
    up.close(ec);
    tls.next_layer().shutdown(tcp::socket::shutdown_both, ec);
    tls.next_layer().close(ec);
    p.emit("tls.close",
           {{"peer", peer}, {"reason", reason}, {"messages", std::to_string(messages)}},
           "TLS connection from " + peer + " closed: " + reason + " (" + std::to_string(messages) +
               " SIP messages relayed)");
  }
};

void infoCallback(const SSL* ssl, int where, int ret) {
  if (!(where & SSL_CB_ALERT)) return;
  auto* c = static_cast<Conn*>(SSL_get_ex_data(ssl, connIndex()));
  if (!c) return;
  const std::string desc = SSL_alert_desc_string_long(ret);
  if (where & SSL_CB_READ) {
    if (c->alert_received.empty()) c->alert_received = desc;
  } else if (c->alert_sent.empty()) {
    c->alert_sent = desc;
  }
}

void keylogCallback(const SSL* ssl, const char* line) {
  auto* p = static_cast<TlsProxy::Impl*>(SSL_CTX_get_ex_data(SSL_get_SSL_CTX(ssl), proxyIndex()));
  if (p) p->writeKeylog(line);
}

}  // namespace

void TlsProxy::Impl::accept() {
  acceptor.async_accept([this](const boost::system::error_code& ec, tcp::socket s) {
    if (ec == asio::error::operation_aborted || !acceptor.is_open()) return;
    if (!ec) std::make_shared<Conn>(*this, std::move(s))->start();
    accept();
  });
}

TlsProxy::TlsProxy(const TlsProxyOptions& o, EventLog& log)
    : impl_(std::make_unique<Impl>(o, log)) {
  Impl& im = *impl_;
  auto parsed = pki::parseFlaw(o.flaw);
  if (!parsed) throw Error("tls_proxy: unknown flaw '" + o.flaw + "'");
  SSL_CTX* c = im.ctx.native_handle();
  SSL_CTX_set_ex_data(c, proxyIndex(), &im);
  // Version pinning, weak keys and NULL ciphers need security level 0 on Debian 12's OpenSSL 3.
  if (*parsed == pki::Flaw::Tls10Only || *parsed == pki::Flaw::Tls11Only ||
      *parsed == pki::Flaw::WeakKey || *parsed == pki::Flaw::NullCipher) {
    SSL_CTX_set_security_level(c, 0);
    SSL_CTX_set_cipher_list(c, "DEFAULT:@SECLEVEL=0");
  }
  if (*parsed == pki::Flaw::NullCipher) {
    // TLS 1.3 has no NULL suites: 1.2 only, with the one NULL suite our EC certificate can sign.
    if (SSL_CTX_set_cipher_list(c, "ECDHE-ECDSA-NULL-SHA:@SECLEVEL=0") != 1)
      throw Error("tls_proxy: OpenSSL has no NULL cipher suite (ECDHE-ECDSA-NULL-SHA)");
    SSL_CTX_set_min_proto_version(c, TLS1_2_VERSION);
    SSL_CTX_set_max_proto_version(c, TLS1_2_VERSION);
  } else if (*parsed == pki::Flaw::Tls10Only) {
    SSL_CTX_set_min_proto_version(c, TLS1_VERSION);
    SSL_CTX_set_max_proto_version(c, TLS1_VERSION);
  } else if (*parsed == pki::Flaw::Tls11Only) {
    SSL_CTX_set_min_proto_version(c, TLS1_1_VERSION);
    SSL_CTX_set_max_proto_version(c, TLS1_1_VERSION);
  } else {
    SSL_CTX_set_min_proto_version(c, TLS1_2_VERSION);
  }
  boost::system::error_code ec;
  im.ctx.use_certificate_chain_file(o.cert_file, ec);
  if (!ec) im.ctx.use_private_key_file(o.key_file, ssl::context::pem, ec);
  if (ec) throw Error("tls_proxy: cannot load " + o.cert_file + ": " + ec.message());
  SSL_CTX_set_info_callback(c, infoCallback);
  if (o.request_client_cert) {
    // Asked for, recorded, never required: whether the phone presented one is the check's to say.
    if (!o.client_ca_file.empty() &&
        SSL_CTX_load_verify_locations(c, o.client_ca_file.c_str(), nullptr) != 1)
      throw Error("tls_proxy: cannot load the client CA " + o.client_ca_file);
    SSL_CTX_set_verify(c, SSL_VERIFY_PEER, [](int, X509_STORE_CTX*) { return 1; });
  }
  if (!o.keylog_file.empty()) {
    int fd = ::open(o.keylog_file.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    if (fd < 0) throw Error(sysError("tls_proxy: cannot open " + o.keylog_file, errno));
    im.keylog = ::fdopen(fd, "a");
    if (!im.keylog) {
      ::close(fd);
      throw Error("tls_proxy: fdopen " + o.keylog_file);
    }
    SSL_CTX_set_keylog_callback(c, keylogCallback);
  }
  auto addr = asio::ip::make_address(o.address, ec);
  if (ec) throw Error("tls_proxy: bad address '" + o.address + "'");
  tcp::endpoint ep(addr, static_cast<uint16_t>(o.port));
  im.acceptor.open(ep.protocol(), ec);
  if (!ec) im.acceptor.set_option(tcp::acceptor::reuse_address(true), ec);
  if (!ec) im.acceptor.bind(ep, ec);
  if (!ec) im.acceptor.listen(16, ec);
  if (ec)
    throw Error("tls_proxy: cannot listen on " + o.address + ":" + std::to_string(o.port) + ": " +
                ec.message());
  im.port = im.acceptor.local_endpoint().port();
  im.accept();
  // The certificate and key are loaded, the key log is open and the listener bound (each
  // connection's upstream socket is on an ephemeral port): the thread that decrypts and parses
  // the phone's traffic runs as nobody.
  im.thread = lab::startUnprivilegedThread("phl-tls", [&im] {
    try {
      im.io.run();
    } catch (const std::exception& e) {
      im.log.emit("tls_proxy", "fake.error", {{"name", "tls_proxy"}, {"error", e.what()}},
                  std::string("TLS proxy stopped on an internal error: ") + e.what());
    }
  });
  im.emit("fake.start",
          {{"name", "tls_proxy"},
           {"address", o.address},
           {"port", std::to_string(im.port)},
           {"upstream",
            o.upstream_ip.empty() ? "" : o.upstream_ip + ":" + std::to_string(o.upstream_port)}},
          "TLS proxy listening on " + o.address + ":" + std::to_string(im.port) +
              (o.flaw == "none" ? "" : " (MITM, flaw " + o.flaw + ")") +
              (o.upstream_ip.empty()
                   ? ""
                   : ", relaying to " + o.upstream_ip + ":" + std::to_string(o.upstream_port)));
}

TlsProxy::~TlsProxy() {
  Impl& im = *impl_;
  im.io.stop();
  if (im.thread.joinable()) im.thread.join();
  im.emit("fake.stop", {{"name", "tls_proxy"}, {"address", im.o.address}},
          "TLS proxy stopped on " + im.o.address + ":" + std::to_string(im.port));
}

int TlsProxy::port() const {
  return impl_->port;
}

}  // namespace phonelab::fakes
