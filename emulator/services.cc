#include "emulator/services.h"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ip/udp.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <chrono>
#include <random>
#include <set>

#include "emulator/coro.h"
#include "emulator/http_client.h"
#include "emulator/log.h"
#include "emulator/netproto.h"

namespace asio = boost::asio;
namespace dhcp = phonelab::proto::dhcp;
using asio::awaitable;
using asio::use_awaitable;
using asio::ip::tcp;
using asio::ip::udp;
using std::chrono::steady_clock;

namespace phonelab::emulator {

namespace {

asio::ip::address_v4 v4(const Ip4& a) {
  return asio::ip::address_v4(asio::ip::address_v4::bytes_type{a[0], a[1], a[2], a[3]});
}

double unixNow() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

struct Received {
  bool timed_out = false;
  std::string error;  // a socket error
  size_t size = 0;
  udp::endpoint from;
};

/// One receive with a deadline: the timer cancels the socket's pending receive.
awaitable<Received> receiveUntil(udp::socket& sock, std::vector<uint8_t>& buf,
                                 steady_clock::time_point deadline) {
  Received r;
  asio::steady_timer timer(sock.get_executor());
  timer.expires_at(deadline);
  // Shared with the timer's handler, which may run after this frame is gone (its completion
  // can already be queued when the receive finishes): it touches `sock` only while we wait.
  struct Flags {
    bool done = false, fired = false;
  };
  auto flags = std::make_shared<Flags>();
  timer.async_wait([&sock, flags](const boost::system::error_code& ec) {
    if (ec || flags->done) return;
    flags->fired = true;
    boost::system::error_code ignored;
    sock.cancel(ignored);
  });
  boost::system::error_code ec;
  r.size = co_await sock.async_receive_from(asio::buffer(buf), r.from,
                                            asio::redirect_error(use_awaitable, ec));
  flags->done = true;
  timer.cancel();
  const bool fired = flags->fired;
  if (ec == asio::error::operation_aborted && fired) {
    r.timed_out = true;
  } else if (ec) {
    r.error = ec.message();
  }
  co_return r;
}

struct HttpResult {
  int status = 0;
  std::string body;
  std::string error;  // non-empty: no response
};

}  // namespace

struct NetServices::Impl : std::enable_shared_from_this<NetServices::Impl> {
  asio::io_context& io;
  ServicesConfig cfg;
  ServicesCallbacks cb;
  bool stopped = false;
  std::mt19937 rng{std::random_device{}()};

  Impl(asio::io_context& io_, ServicesConfig c, ServicesCallbacks cbs)
      : io(io_), cfg(std::move(c)), cb(std::move(cbs)) {}

  /// A UDP socket on the phone's own address, or an error message.
  std::string openUdp(udp::socket& s) {
    boost::system::error_code ec;
    s.open(udp::v4(), ec);
    if (!ec) s.bind(udp::endpoint(v4(cfg.own_ip), 0), ec);
    return ec ? "cannot open a UDP socket on " + dhcp::ip4String(cfg.own_ip) + ": " + ec.message()
              : "";
  }

  // ---- DNS ----

  struct Resolved {
    std::optional<Ip4> address;
    std::vector<Ip4> all;  // every A record of the answer, in its order (address: the first)
    std::string error;
  };

  awaitable<Resolved> resolve(std::string host) {
    Resolved out;
    if (auto ip = dhcp::parseIp4(host)) {
      out.address = *ip;
      out.all = {*ip};
      co_return out;
    }
    if (cfg.info.dns.empty()) {
      out.error = "cannot resolve \"" + host + "\": no DNS server (option 6)";
      logLine("dns: " + out.error);
      co_return out;
    }
    udp::socket sock(io);
    if (auto e = openUdp(sock); !e.empty()) {
      out.error = e;
      co_return out;
    }
    std::vector<uint8_t> buf(4096);
    std::string last = "no answer";
    for (const auto& name : dnsCandidates(host, cfg.info.domain, cfg.join_domain_without_dot,
                                          cfg.append_domain_always)) {
      for (const auto& server : cfg.info.dns) {
        for (int attempt = 1; attempt <= 2; ++attempt) {
          auto id = static_cast<uint16_t>(rng());
          auto q = buildDnsQuery(id, name);
          if (!q) {
            out.error = "\"" + name + "\" is not a valid host name";
            logLine("dns: " + out.error);
            co_return out;
          }
          udp::endpoint to(v4(server), 53);
          boost::system::error_code ec;
          sock.send_to(asio::buffer(*q), to, 0, ec);
          logLine("dns: A? " + name + " to " + dhcp::ip4String(server) + " (try " +
                  std::to_string(attempt) + ")");
          if (ec) {
            last = "send to " + dhcp::ip4String(server) + ": " + ec.message();
            continue;
          }
          auto deadline = steady_clock::now() + ms(cfg.dns_timeout);
          bool next_server = false;
          while (!next_server) {
            auto r = co_await receiveUntil(sock, buf, deadline);
            if (stopped) co_return out;
            if (r.timed_out || !r.error.empty()) {
              last = r.timed_out ? "no answer from " + dhcp::ip4String(server) + " within " +
                                       formatSecs(cfg.dns_timeout)
                                 : r.error;
              break;
            }
            if (r.from != to) continue;  // not from the server we asked
            std::string err;
            auto a = parseDnsResponse(std::span<const uint8_t>(buf.data(), r.size), id, &err);
            if (!a) {
              logLine("dns: ignoring a malformed answer from " + dhcp::ip4String(server) + ": " +
                      err);
              continue;
            }
            if (a->rcode == 0 && !a->addresses.empty()) {
              out.address = a->addresses.front();
              out.all = a->addresses;
              logLine("dns: " + name + " is " + dhcp::ip4String(*out.address) + " (from " +
                      dhcp::ip4String(server) + ")");
              co_return out;
            }
            last = dhcp::ip4String(server) + " answered " +
                   (a->rcode == 3   ? std::string("NXDOMAIN")
                    : a->rcode == 0 ? std::string("no A record")
                                    : "rcode " + std::to_string(a->rcode)) +
                   " for " + name;
            logLine("dns: " + last);
            next_server = true;
          }
          if (next_server) break;  // an authoritative "no": ask the next server
        }
      }
    }
    out.error = "cannot resolve \"" + host + "\": " + last;
    logLine("dns: " + out.error);
    co_return out;
  }

  static std::string formatSecs(double s) {
    char b[32];
    std::snprintf(b, sizeof b, "%g s", s);
    return b;
  }

  // ---- SNTP ----

  static awaitable<void> ntpLoop(std::shared_ptr<Impl> self) {
    const Ip4 server = self->cfg.info.ntp.front();
    udp::socket sock(self->io);
    if (auto e = self->openUdp(sock); !e.empty()) {
      logLine("ntp: " + e);
      co_return;
    }
    udp::endpoint to(v4(server), 123);
    std::vector<uint8_t> buf(512);
    for (int attempt = 1; !self->stopped; ++attempt) {
      double now = unixNow();
      auto req = buildNtpRequest(now);
      uint64_t ts = ntpTimestamp(now);
      boost::system::error_code ec;
      sock.send_to(asio::buffer(req), to, 0, ec);
      logLine("ntp: SNTP request to " + dhcp::ip4String(server) + " (attempt " +
              std::to_string(attempt) + ")" + (ec ? ": " + ec.message() : std::string()));
      auto deadline = steady_clock::now() + ms(self->cfg.ntp_retry);
      for (;;) {
        auto r = co_await receiveUntil(sock, buf, deadline);
        if (self->stopped) co_return;
        if (r.timed_out) break;
        if (!r.error.empty()) {
          // e.g. ICMP port unreachable: wait for the rest of the interval anyway.
          asio::steady_timer t(self->io, deadline);
          co_await t.async_wait(asio::redirect_error(use_awaitable, ec));
          break;
        }
        if (r.from != to) continue;
        std::string err;
        auto reply = parseNtpReply(std::span<const uint8_t>(buf.data(), r.size), ts, &err);
        if (!reply) {
          logLine("ntp: ignoring an answer from " + dhcp::ip4String(server) + ": " + err);
          continue;
        }
        logLine("ntp: synchronised with " + dhcp::ip4String(server) + " (stratum " +
                std::to_string(reply->stratum) + "), time " + isoTime(reply->transmit_unix));
        if (self->cb.ntp_synced) self->cb.ntp_synced(reply->transmit_unix);
        co_return;
      }
      if (self->stopped) co_return;
      logLine("ntp: no answer from " + dhcp::ip4String(server) + ", asking again");
    }
  }

  // ---- TFTP ----

  struct Fetch {
    bool ok = false;
    std::string body_or_error;
  };

  awaitable<Fetch> tftpGet(Ip4 server, uint16_t port, std::string file) {
    Fetch out;
    udp::socket sock(io);
    if (auto e = openUdp(sock); !e.empty()) {
      out.body_or_error = e;
      co_return out;
    }
    auto rrq = buildTftpRrq(file);
    if (!rrq) {
      out.body_or_error = "bad TFTP file name \"" + file + "\"";
      co_return out;
    }
    udp::endpoint dest(v4(server), port);
    std::optional<udp::endpoint> tid;
    std::vector<uint8_t> last = *rrq;
    std::vector<uint8_t> buf(1024);
    std::string body;
    uint16_t expected = 1;
    int retries = 0;
    boost::system::error_code ec;
    sock.send_to(asio::buffer(last), dest, 0, ec);
    logLine("tftp: RRQ " + file + " (octet) to " + dhcp::ip4String(server) + ":" +
            std::to_string(port));
    auto deadline = steady_clock::now() + ms(cfg.tftp_timeout);
    for (;;) {
      auto r = co_await receiveUntil(sock, buf, deadline);
      if (stopped) co_return out;
      if (r.timed_out || !r.error.empty()) {
        if (!r.error.empty()) {
          // ICMP errors (port unreachable) surface here; treat them like a lost packet but
          // wait out the block's time first so a refusing server is not flooded.
          asio::steady_timer t(io, deadline);
          co_await t.async_wait(asio::redirect_error(use_awaitable, ec));
          if (stopped) co_return out;
        }
        if (++retries > 3) {
          out.body_or_error = "TFTP timeout waiting for block " + std::to_string(expected) +
                              " of " + file + " from " + dhcp::ip4String(server) +
                              (r.error.empty() ? "" : " (" + r.error + ")");
          co_return out;
        }
        sock.send_to(asio::buffer(last), tid ? *tid : dest, 0, ec);
        logLine("tftp: no block " + std::to_string(expected) + " within " +
                formatSecs(cfg.tftp_timeout) + ", retry " + std::to_string(retries));
        deadline = steady_clock::now() + ms(cfg.tftp_timeout);
        continue;
      }
      if (r.from.address() != v4(server)) continue;
      if (tid && r.from != *tid) continue;  // another transfer ID: not ours
      std::string err;
      auto p = parseTftpPacket(std::span<const uint8_t>(buf.data(), r.size), &err);
      if (!p) {
        logLine("tftp: ignoring a malformed packet: " + err);
        continue;
      }
      if (p->kind == TftpPacket::Kind::Error) {
        out.body_or_error = "TFTP error " + std::to_string(p->error_code) + " \"" +
                            p->error_message + "\" for " + file;
        co_return out;
      }
      if (!tid) tid = r.from;
      if (p->block == expected) {
        body.append(p->data.begin(), p->data.end());
        last = buildTftpAck(expected);
        sock.send_to(asio::buffer(last), *tid, 0, ec);
        if (body.size() > size_t{1024} * 1024) {
          out.body_or_error = "TFTP file " + file + " is larger than 1 MiB";
          co_return out;
        }
        if (p->data.size() < 512) {
          logLine("tftp: " + file + " done, " + std::to_string(body.size()) + " bytes in " +
                  std::to_string(expected) + " blocks");
          out.ok = true;
          out.body_or_error = std::move(body);
          co_return out;
        }
        ++expected;
        retries = 0;
        deadline = steady_clock::now() + ms(cfg.tftp_timeout);
      } else if (p->block == static_cast<uint16_t>(expected - 1)) {
        sock.send_to(asio::buffer(last), *tid, 0, ec);  // our ACK was lost: repeat it
      }
    }
  }

  // ---- HTTP ----

  awaitable<HttpResult> httpRequest(bool post, Ip4 ip, const ServiceUrl& url, std::string body,
                                    std::string content_type) {
    HttpRequest req;
    req.post = post;
    req.host = url.host;
    req.port = url.port;
    req.target = url.path;
    req.user_agent = "Cisco-" + cfg.id.model + "/12.0.1 (phone-emulator)";
    req.content_type = std::move(content_type);
    req.headers = {{"SOAPAction", ""}};
    req.body = std::move(body);
    const tcp::endpoint ep(v4(ip), url.port);
    auto r = co_await httpExchange(ep, v4(cfg.own_ip), ms(cfg.http_timeout), std::move(req));
    HttpResult out;
    using Step = HttpResponse::Step;
    if (r.failed == Step::Open) {
      out.error = "cannot open a TCP socket: " + r.error.message();
    } else if (r.failed != Step::None) {
      out.error =
          std::string(r.failed == Step::Connect ? "connect to"
                      : r.failed == Step::Send  ? "sending to"
                                                : "reading from") +
          " " + ep.address().to_string() + ":" + std::to_string(url.port) + ": " +
          (r.timedOut() ? "timed out after " + formatSecs(cfg.http_timeout) : r.error.message());
    } else {
      out.status = r.status;
      out.body = std::move(r.body);
    }
    co_return out;
  }

  // ---- provisioning ----

  static awaitable<void> provision(std::shared_ptr<Impl> self) {
    const auto& c = self->cfg;
    auto profile = profileName(c.profile_rule, c.id);
    const auto& pf = c.prov_faults;
    for (auto [on, name] : {std::pair{pf.order_by_code, "provisioning-order-by-code"},
                            std::pair{pf.last_wins, "provisioning-last-option-wins"},
                            std::pair{pf.address_only_66, "option-66-address-only"},
                            std::pair{pf.scheme_160_ignored, "option-160-scheme-ignored"}}) {
      if (on) logLine(std::string("provision: fault ") + name);
    }
    auto choice = chooseProvisioning(c.option_order, c.info, profile, c.id, pf);
    if (!choice) {
      logLine("provision: no provisioning location in DHCP (order " + c.option_order + ")");
      if (self->cb.no_provisioning) self->cb.no_provisioning("no provisioning option in DHCP");
      co_return;
    }
    const std::string source = choice->describe();
    logLine("provision: " + source + " (order " + c.option_order + ", Profile_Rule " +
            c.profile_rule + ")");
    if (self->cb.provisioning_started) self->cb.provisioning_started(source);
    auto fetched = co_await self->fetch(choice->url);
    if (self->stopped) co_return;
    if (!fetched.ok) logLine("provision: " + choice->url + " failed: " + fetched.body_or_error);
    if (self->cb.profile_fetched)
      self->cb.profile_fetched(source, fetched.ok, fetched.body_or_error);
  }

  awaitable<Fetch> fetch(std::string url_text) {
    Fetch out;
    std::string err;
    auto url = parseServiceUrl(url_text, &err);
    if (!url) {
      out.body_or_error = "bad URL \"" + url_text + "\": " + err;
      co_return out;
    }
    auto ip = co_await resolve(url->host);
    if (stopped) co_return out;
    if (!ip.address) {
      out.body_or_error = ip.error;
      co_return out;
    }
    if (url->scheme == "tftp")
      co_return co_await tftpGet(*ip.address, url->port, url->path.substr(1));
    logLine("http: GET " + url_text);
    auto r = co_await httpRequest(false, *ip.address, *url, "", "");
    if (!r.error.empty()) {
      out.body_or_error = r.error;
    } else if (r.status != 200) {
      out.body_or_error = "HTTP " + std::to_string(r.status);
    } else {
      out.ok = true;
      out.body_or_error = std::move(r.body);
    }
    co_return out;
  }

  // ---- TR-069 ----

  static awaitable<void> inform(std::shared_ptr<Impl> self, int option, std::string url_text) {
    std::string err;
    auto url = parseServiceUrl(url_text, &err);
    if (!url || url->scheme != "http") {
      logLine("tr069: option " + std::to_string(option) + " ACS URL \"" + url_text +
              "\" not usable: " + (url ? "only http:// is supported" : err));
      co_return;
    }
    auto ip = co_await self->resolve(url->host);
    if (self->stopped || !ip.address) co_return;
    InformParams p;
    p.oui = ouiOf(self->cfg.id.mac);
    p.product_class = self->cfg.id.model;
    p.serial = self->cfg.id.serial;
    p.current_time = isoTime(unixNow());
    p.software_version = self->cfg.firmware;
    p.ip = dhcp::ip4String(self->cfg.own_ip);
    logLine("tr069: Inform (1 BOOT) to " + url_text + " (option " + std::to_string(option) + ")");
    auto r = co_await self->httpRequest(true, *ip.address, *url, buildCwmpInform(p),
                                        "text/xml; charset=\"utf-8\"");
    if (self->stopped) co_return;
    if (!r.error.empty()) {
      logLine("tr069: Inform to " + url_text + " failed: " + r.error);
    } else {
      logLine("tr069: Inform to " + url_text + " answered HTTP " + std::to_string(r.status));
    }
  }

  void start() {
    auto self = shared_from_this();
    if (!cfg.info.ntp.empty()) {
      asio::co_spawn(io, ntpLoop(self), asio::detached);
    } else {
      logLine("ntp: no NTP server (option 42): not synchronising");
    }
    asio::co_spawn(io, provision(self), asio::detached);
    std::set<std::string> informed;
    for (auto [option, url] : {std::pair<int, std::string>{43, cfg.info.acs_url_43},
                               std::pair<int, std::string>{125, cfg.info.acs_url_125}}) {
      if (url.empty() || !informed.insert(url).second) continue;
      asio::co_spawn(io, inform(self, option, url), asio::detached);
    }
  }
};

NetServices::NetServices(asio::io_context& io, ServicesConfig config, ServicesCallbacks callbacks)
    : impl_(std::make_shared<Impl>(io, std::move(config), std::move(callbacks))) {}

NetServices::~NetServices() {
  stop();
}

void NetServices::start() {
  impl_->start();
}

void NetServices::stop() {
  if (impl_) impl_->stopped = true;
}

void NetServices::fetch(const std::string& url,
                        std::function<void(bool ok, const std::string& body_or_error)> done) {
  auto self = impl_;
  asio::co_spawn(
      self->io,
      [self, url, done = std::move(done)]() -> awaitable<void> {
        auto r = co_await self->fetch(url);
        if (self->stopped) co_return;
        done(r.ok, r.body_or_error);
      },
      asio::detached);
}

void NetServices::resolve(const std::string& host,
                          std::function<void(std::optional<Ip4>, const std::string&)> done) {
  auto self = impl_;
  asio::co_spawn(
      self->io,
      [self, host, done = std::move(done)]() -> awaitable<void> {
        auto r = co_await self->resolve(host);
        if (self->stopped) co_return;
        done(r.address, r.error);
      },
      asio::detached);
}

void NetServices::resolveAll(const std::string& host,
                             std::function<void(std::vector<Ip4>, const std::string&)> done) {
  auto self = impl_;
  asio::co_spawn(
      self->io,
      [self, host, done = std::move(done)]() -> awaitable<void> {
        auto r = co_await self->resolve(host);
        if (self->stopped) co_return;
        done(r.all, r.error);
      },
      asio::detached);
}

void NetServices::resync() {
  if (impl_->stopped) return;
  asio::co_spawn(impl_->io, Impl::provision(impl_), asio::detached);
}

}  // namespace phonelab::emulator
