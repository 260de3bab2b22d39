#include "emulator/web.h"

#include <cctype>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <random>
#include <set>

#include "base/core/error.h"
#include "base/proto/dhcp.h"
#include "emulator/form.h"
#include "emulator/http_client.h"
#include "emulator/log.h"

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using asio::awaitable;
using asio::use_awaitable;
using tcp = asio::ip::tcp;

namespace phonelab::emulator {

namespace {

constexpr auto kReadTimeout = std::chrono::seconds(10);
constexpr auto kResyncTimeout = std::chrono::seconds(10);

struct Reply {
  http::status status = http::status::ok;
  std::string content_type = "text/html; charset=utf-8";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
  bool reboot = false;
  std::string reboot_why;
};

Reply html(http::status s, std::string body) {
  Reply r;
  r.status = s;
  r.body = std::move(body);
  return r;
}

Reply xml(std::string body) {
  Reply r;
  r.content_type = "text/xml; charset=utf-8";
  r.body = std::move(body);
  return r;
}

Reply plain(http::status s, std::string body) {
  Reply r;
  r.status = s;
  r.content_type = "text/plain; charset=utf-8";
  r.body = std::move(body) + "\n";
  return r;
}

struct Fetched {
  std::string body;
  std::string error;  // non-empty on failure
};

/// GET http://host:port/target with one deadline over connect, write and read.
awaitable<Fetched> httpGet(HttpUrl url) {
  Fetched out;
  boost::system::error_code ec;
  auto addr = asio::ip::make_address(url.host, ec);
  if (ec) {
    out.error = "cannot resolve \"" + url.host + "\": host names are not supported, use an address";
    co_return out;
  }
  HttpRequest req;
  req.host = url.host;
  req.port = url.port;
  req.target = url.target;
  req.user_agent = "Cisco-CP-8832-3PCC/12.0.1 (phone-emulator)";
  const tcp::endpoint ep(addr, url.port);
  auto r = co_await httpExchange(ep, std::nullopt, kResyncTimeout, std::move(req));
  const std::string timed_out = "timed out after 10 s";
  switch (r.failed) {
    case HttpResponse::Step::None:
      break;
    case HttpResponse::Step::Open:
    case HttpResponse::Step::Connect:
      out.error = "connect to " + ep.address().to_string() + ":" + std::to_string(url.port) + ": " +
                  (r.timedOut() ? timed_out : r.error.message());
      co_return out;
    case HttpResponse::Step::Send:
      out.error = "sending the request: " + r.error.message();
      co_return out;
    case HttpResponse::Step::Read:
      out.error = "reading the response: " + (r.timedOut() ? timed_out : r.error.message());
      co_return out;
  }
  if (r.status != 200) {
    out.error = "HTTP " + std::to_string(r.status) + " " + r.reason;
    co_return out;
  }
  out.body = std::move(r.body);
  co_return out;
}

}  // namespace

std::optional<HttpUrl> parseHttpUrl(const std::string& url, std::string* error) {
  auto fail = [&](const std::string& why) -> std::optional<HttpUrl> {
    if (error) *error = why;
    return std::nullopt;
  };
  const std::string scheme = "http://";
  if (url.compare(0, scheme.size(), scheme) != 0) {
    auto colon = url.find("://");
    return fail(colon == std::string::npos
                    ? "\"" + url + "\" is not a URL"
                    : "scheme \"" + url.substr(0, colon) + "\" is not supported (only http)");
  }
  std::string rest = url.substr(scheme.size());
  size_t slash = rest.find('/');
  std::string hostport = rest.substr(0, slash);
  HttpUrl u;
  u.target = slash == std::string::npos ? "/" : rest.substr(slash);
  if (hostport.empty()) return fail("\"" + url + "\" has no host");
  if (hostport.find('@') != std::string::npos) return fail("user info in URLs is not supported");
  size_t colon = hostport.rfind(':');
  if (colon != std::string::npos) {
    std::string p = hostport.substr(colon + 1);
    unsigned long port = 0;
    bool ok = !p.empty() && p.size() <= 5;
    for (char c : p) ok = ok && c >= '0' && c <= '9';
    if (ok) port = std::stoul(p);
    if (!ok || port == 0 || port > 65535) return fail("bad port \"" + p + "\" in \"" + url + "\"");
    u.port = static_cast<uint16_t>(port);
    hostport.resize(colon);
  }
  for (char c : u.target) {
    if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7f)
      return fail("the path of \"" + url + "\" contains spaces or control characters");
  }
  u.host = hostport;
  return u;
}

struct WebServer::Impl : std::enable_shared_from_this<WebServer::Impl> {
  asio::io_context& io;
  PhoneControl& phone;
  uint16_t port;
  tcp::acceptor acceptor;
  bool stopped = false;
  std::set<std::shared_ptr<beast::tcp_stream>> conns;
  std::set<std::string> sessions;  // login cookies; a reboot forgets them
  std::mt19937_64 rng{std::random_device{}()};

  Impl(asio::io_context& io_, PhoneControl& p, uint16_t port_)
      : io(io_), phone(p), port(port_), acceptor(io_) {}

  void start() {
    boost::system::error_code ec;
    tcp::endpoint ep(tcp::v4(), port);
    acceptor.open(ep.protocol(), ec);
    if (!ec) acceptor.set_option(asio::socket_base::reuse_address(true), ec);
    if (!ec) acceptor.bind(ep, ec);
    if (!ec) acceptor.listen(64, ec);
    if (ec) throw Error("web: cannot listen on port " + std::to_string(port) + ": " + ec.message());
    asio::co_spawn(io, accept(shared_from_this()), asio::detached);
  }

  void stop() {
    stopped = true;
    boost::system::error_code ec;
    acceptor.close(ec);
    for (auto& c : conns) {
      c->socket().shutdown(tcp::socket::shutdown_both, ec);
      c->socket().close(ec);
    }
    conns.clear();
  }

  static awaitable<void> accept(std::shared_ptr<Impl> self) {
    for (;;) {
      boost::system::error_code ec;
      tcp::socket sock =
          co_await self->acceptor.async_accept(asio::redirect_error(use_awaitable, ec));
      if (self->stopped || ec == asio::error::operation_aborted) co_return;
      if (ec) {
        // EMFILE and friends: back off briefly rather than spin.
        logLine("web: accept: " + ec.message());
        asio::steady_timer t(self->io, std::chrono::milliseconds(100));
        co_await t.async_wait(asio::redirect_error(use_awaitable, ec));
        continue;
      }
      auto stream = std::make_shared<beast::tcp_stream>(std::move(sock));
      self->conns.insert(stream);
      asio::co_spawn(self->io, session(self, stream), asio::detached);
    }
  }

  static awaitable<void> session(std::shared_ptr<Impl> self,
                                 std::shared_ptr<beast::tcp_stream> stream) {
    beast::flat_buffer buf;
    boost::system::error_code ec;
    std::string peer;
    {
      auto ep = stream->socket().remote_endpoint(ec);
      peer = ec ? "?" : ep.address().to_string() + ":" + std::to_string(ep.port());
    }
    for (;;) {
      http::request_parser<http::string_body> parser;
      parser.header_limit(std::uint32_t{16} * 1024);
      parser.body_limit(std::uint64_t{64} * 1024);
      stream->expires_after(kReadTimeout);
      co_await http::async_read(*stream, buf, parser, asio::redirect_error(use_awaitable, ec));
      if (self->stopped) break;
      if (ec) {
        if (ec.category() == http::make_error_code(http::error::bad_method).category() &&
            ec != http::error::end_of_stream && ec != http::error::partial_message) {
          // A malformed request: answer 400 and close.
          logLine("web: " + peer + ": bad request: " + ec.message());
          http::response<http::string_body> res{http::status::bad_request, 11};
          res.set(http::field::content_type, "text/plain");
          res.set(http::field::connection, "close");
          res.body() = "Bad request: " + ec.message() + "\n";
          res.prepare_payload();
          stream->expires_after(kReadTimeout);
          co_await http::async_write(*stream, res, asio::redirect_error(use_awaitable, ec));
        }
        break;
      }
      auto req = parser.release();
      Reply r = co_await self->handle(req, peer);
      if (self->stopped) break;
      http::response<http::string_body> res{r.status, req.version()};
      res.set(http::field::server, "phone-emulator");
      res.set(http::field::content_type, r.content_type);
      res.set(http::field::cache_control, "no-store");
      for (auto& [k, v] : r.headers) res.set(k, v);
      res.body() = std::move(r.body);
      res.keep_alive(req.keep_alive() && !r.reboot);
      res.prepare_payload();
      stream->expires_after(kReadTimeout);
      co_await http::async_write(*stream, res, asio::redirect_error(use_awaitable, ec));
      if (r.reboot && !self->stopped) {
        stream->socket().shutdown(tcp::socket::shutdown_send, ec);
        self->phone.requestReboot(r.reboot_why);
        break;
      }
      if (ec || !res.keep_alive()) break;
    }
    stream->socket().shutdown(tcp::socket::shutdown_both, ec);
    stream->socket().close(ec);
    self->conns.erase(stream);
  }

  std::string newSession() {
    char buf[33];
    std::snprintf(buf, sizeof buf, "%016llx%016llx", static_cast<unsigned long long>(rng()),
                  static_cast<unsigned long long>(rng()));
    sessions.insert(buf);
    return buf;
  }

  bool authorized(const http::request<http::string_body>& req) {
    const std::string& pw = phone.config().get("Admin_Passwd");
    if (pw.empty()) return true;
    if (auto it = req.find(http::field::authorization); it != req.end()) {
      auto creds = parseBasicAuth(std::string_view(it->value().data(), it->value().size()));
      if (creds && creds->first == "admin" && creds->second == pw) return true;
    }
    if (auto it = req.find(http::field::cookie); it != req.end()) {
      auto v = cookieValue(std::string_view(it->value().data(), it->value().size()), "session");
      if (v && sessions.count(*v)) return true;
    }
    return false;
  }

  static Reply unauthorized() {
    Reply r = html(http::status::unauthorized, renderLoginPage("Authentication required."));
    r.headers.emplace_back("WWW-Authenticate", "Basic realm=\"phone\"");
    return r;
  }

  awaitable<Reply> handle(const http::request<http::string_body>& req, const std::string& peer) {
    std::string target(req.target());
    std::string path = target.substr(0, target.find('?'));
    std::string query = target.size() > path.size() ? target.substr(path.size() + 1) : "";
    const auto method = req.method();
    const bool get = method == http::verb::get || method == http::verb::head;
    const bool post = method == http::verb::post;
    logLine("web: " + peer + " " + std::string(req.method_string()) + " " + path);

    if (path == "/" || path == "/index.html") {
      if (!get) co_return plain(http::status::method_not_allowed, "Method not allowed");
      co_return html(http::status::ok, renderInfoPage(phone.status()));
    }
    if (path == "/admin/login") {
      if (get) co_return html(http::status::ok, renderLoginPage(""));
      if (!post) co_return plain(http::status::method_not_allowed, "Method not allowed");
      std::string user, password;
      for (auto& [k, v] : parseForm(req.body())) {
        if (k == "user") user = v;
        if (k == "password") password = v;
      }
      const std::string& pw = phone.config().get("Admin_Passwd");
      if (user == "admin" && password == pw) {
        Reply r = html(http::status::ok, renderMessagePage("Logged in", "Logged in as admin."));
        r.headers.emplace_back("Set-Cookie", "session=" + newSession() + "; Path=/; HttpOnly");
        logLine("web: admin logged in from " + peer);
        co_return r;
      }
      logLine("web: failed login for \"" + user + "\" from " + peer);
      Reply r = html(http::status::unauthorized, renderLoginPage("Wrong user name or password."));
      r.headers.emplace_back("WWW-Authenticate", "Basic realm=\"phone\"");
      co_return r;
    }
    if (path.rfind("/admin", 0) != 0 || (path.size() > 6 && path[6] != '/')) {
      co_return plain(http::status::not_found, "Not found: " + path);
    }
    if (!authorized(req)) {
      logLine("web: " + peer + " not authorised for " + path);
      co_return unauthorized();
    }
    if (path == "/admin" || path == "/admin/" || path == "/admin/advanced") {
      if (!get) co_return plain(http::status::method_not_allowed, "Method not allowed");
      co_return html(http::status::ok, renderAdvancedIndex());
    }
    if (const VoicePage* page = findVoicePage(path)) {
      if (get) co_return html(http::status::ok, renderVoicePage(*page, phone.config()));
      if (!post) co_return plain(http::status::method_not_allowed, "Method not allowed");
      co_return submit(*page, req);
    }
    if (path == "/admin/cfg.xml") {
      if (!get) co_return plain(http::status::method_not_allowed, "Method not allowed");
      co_return xml(phone.config().toFlatProfile());
    }
    if (path == "/admin/status.xml") {
      if (!get) co_return plain(http::status::method_not_allowed, "Method not allowed");
      co_return xml(renderStatusXml(phone.status()));
    }
    if (path == "/admin/reboot") {
      if (!get && !post) co_return plain(http::status::method_not_allowed, "Method not allowed");
      Reply r = html(http::status::ok, renderMessagePage("Rebooting", "Rebooting"));
      r.reboot = true;
      r.reboot_why = "/admin/reboot from " + peer;
      co_return r;
    }
    if (path == "/admin/resync") {
      if (!get && !post) co_return plain(http::status::method_not_allowed, "Method not allowed");
      co_return co_await resync(urlDecode(query));
    }
    co_return plain(http::status::not_found, "Not found: " + path);
  }

  Reply submit(const VoicePage& page, const http::request<http::string_body>& req) {
    auto ct = req[http::field::content_type];
    if (!ct.empty() && ct.find("application/x-www-form-urlencoded") == beast::string_view::npos) {
      return plain(http::status::unsupported_media_type,
                   "Expected application/x-www-form-urlencoded, got " + std::string(ct));
    }
    auto fields = parseForm(req.body());
    if (phone.faults().has("web-form-percent-undecoded")) {
      // A decoder that only knows '+' for a space: %XX escapes are stored as they came.
      fields.clear();
      std::string_view body = req.body();
      while (!body.empty()) {
        const size_t amp = body.find('&');
        std::string part(body.substr(0, amp));
        body = amp == std::string_view::npos ? std::string_view() : body.substr(amp + 1);
        for (auto& c : part) c = c == '+' ? ' ' : c;
        const size_t eq = part.find('=');
        if (!part.empty()) {
          fields.emplace_back(urlDecode(part.substr(0, eq)),
                              eq == std::string::npos ? "" : part.substr(eq + 1));
        }
      }
    }
    if (phone.faults().has("web-value-case-folded")) {
      // Field names matched case-insensitively by lower-casing each "name=value" pair whole.
      for (auto& [name, value] : fields) {
        for (auto& c : value) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      }
    }
    if (phone.faults().has("web-field-truncated")) {
      // Text fields copied into a fixed 32-byte buffer: 31 characters and the terminator.
      for (auto& [name, value] : fields) {
        if (value.size() > 31) {
          logLine("web: fault web-field-truncated: " + name + " cut to 31 characters");
          value.resize(31);
        }
      }
    }
    if (phone.faults().has("web-submit-ignored")) {
      logLine("web: fault web-submit-ignored: discarding the " + std::string(page.title) +
              " form (" + std::to_string(fields.size()) + " fields)");
      return html(http::status::ok, renderSubmitted({}, false));
    }
    FormResult fr = applyForm(page, fields, phone.config());
    for (auto& n : fr.ignored) logLine("web: ignoring field \"" + n + "\" not on this page");
    if (!fr.error.empty()) {
      logLine("web: rejected " + std::string(page.path) + ": " + fr.error);
      return plain(http::status::bad_request, "Invalid value: " + fr.error);
    }
    std::string changed;
    for (auto& c : fr.changed) changed += " " + c + "=\"" + phone.config().get(c) + "\"";
    logLine("web: " + std::string(page.path) +
            " submitted, changed:" + (changed.empty() ? std::string(" nothing") : changed));
    std::string err;
    if (!fr.changed.empty() && !phone.persist(&err)) {
      logLine("web: cannot save config: " + err);
      return plain(http::status::internal_server_error, "Cannot save the configuration: " + err);
    }
    Reply r = html(http::status::ok, renderSubmitted(fr.changed, fr.restart));
    if (fr.restart) {
      r.reboot = true;
      r.reboot_why = "changed a parameter that needs a restart";
    }
    return r;
  }

  awaitable<Reply> resync(std::string url) {
    std::string err;
    auto u = parseHttpUrl(url, &err);
    if (!u) {
      logLine("resync: bad URL: " + err);
      co_return plain(http::status::bad_request, "Bad resync URL: " + err);
    }
    logLine("resync: fetching " + url);
    Fetched f = co_await httpGet(*u);
    if (stopped) co_return plain(http::status::service_unavailable, "Rebooting");
    if (!f.error.empty()) {
      logLine("resync: " + url + " failed: " + f.error);
      phone.resyncDone("resync " + url, "Failed: " + f.error);
      co_return plain(http::status::bad_gateway, "Resync failed: " + f.error);
    }
    auto elements = parseFlatProfile(f.body, &err);
    if (!elements) {
      logLine("resync: " + url + " is not a flat profile: " + err);
      phone.resyncDone("resync " + url, "Failed: not a flat profile: " + err);
      co_return plain(http::status::bad_gateway, "Resync failed: not a flat profile: " + err);
    }
    ProfileApplyResult ar = applyProfileElements(phone.config(), *elements);
    for (auto& n : ar.notes) logLine("resync: " + n);
    const auto& changed = ar.changed;
    const bool restart = ar.restart;
    const int applied = ar.applied;
    if (!changed.empty() && !phone.persist(&err)) {
      logLine("resync: cannot save config: " + err);
      co_return plain(http::status::internal_server_error, "Cannot save the configuration: " + err);
    }
    logLine("resync: applied " + std::to_string(applied) + " elements, " +
            std::to_string(changed.size()) + " changed");
    phone.resyncDone("resync " + url, "Success: " + std::to_string(applied) + " applied, " +
                                          std::to_string(changed.size()) + " changed");
    Reply r = plain(http::status::ok, "Resync done: " + std::to_string(applied) + " applied, " +
                                          std::to_string(changed.size()) + " changed");
    if (restart) {
      r.reboot = true;
      r.reboot_why = "resync changed a parameter that needs a restart";
    }
    co_return r;
  }
};

WebServer::WebServer(asio::io_context& io, PhoneControl& phone, uint16_t port)
    : impl_(std::make_shared<Impl>(io, phone, port)) {}

WebServer::~WebServer() {
  stop();
}

void WebServer::start() {
  impl_->start();
}

void WebServer::stop() {
  if (impl_ && !impl_->stopped) impl_->stop();
}

}  // namespace phonelab::emulator
