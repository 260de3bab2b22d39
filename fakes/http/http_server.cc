#include "fakes/http/http_server.h"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <optional>
#include <thread>

#include "base/core/error.h"
#include "base/lab/privileges.h"

namespace phonelab::fakes {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

std::string HttpExchange::header(const std::string& lower_name) const {
  auto it = headers.find(lower_name);
  return it == headers.end() ? std::string() : it->second;
}

std::string HttpExchange::path() const {
  return target.substr(0, target.find('?'));
}

namespace {

std::string lower(std::string s) {
  for (char& c : s) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return s;
}

struct Shared {
  std::string name;
  Seconds read_timeout;
  size_t body_limit;
  HttpServer::Handler handler;
  HttpServer::MalformedHandler malformed;
};

class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket socket, const Shared& shared) : stream_(std::move(socket)), s_(shared) {
    boost::system::error_code ec;
    auto ep = stream_.socket().remote_endpoint(ec);
    if (!ec) {
      src_ip_ = ep.address().to_string();
      src_port_ = ep.port();
    }
  }

  void start() { readRequest(); }

 private:
  void readRequest() {
    parser_.emplace();
    parser_->body_limit(s_.body_limit);
    stream_.expires_after(
        std::chrono::duration_cast<std::chrono::steady_clock::duration>(s_.read_timeout));
    http::async_read(
        stream_, buffer_, *parser_,
        [self = shared_from_this()](beast::error_code ec, size_t) { self->onRead(ec); });
  }

  void onRead(beast::error_code ec) {
    const bool got_some = parser_->got_some() || buffer_.size() > 0;
    if (ec == beast::error::timeout) {
      if (got_some) report("request incomplete after " + formatSeconds(s_.read_timeout.count()));
      return close();
    }
    if (ec == http::error::end_of_stream || ec == asio::error::connection_reset ||
        ec == asio::error::eof) {
      return close();
    }
    if (ec == http::error::partial_message) {
      report("connection closed in the middle of a request");
      return close();
    }
    if (ec) {
      report("bad request: " + ec.message());
      HttpReply r;
      r.status = 400;
      r.content_type = "text/plain";
      r.body = "bad request: " + ec.message() + "\n";
      return send(r, false, false);
    }
    const auto& req = parser_->get();
    HttpExchange x;
    x.src_ip = src_ip_;
    x.src_port = src_port_;
    x.method = std::string(req.method_string());
    x.target = std::string(req.target());
    for (const auto& f : req) {
      std::string name = lower(std::string(f.name_string()));
      auto& v = x.headers[name];
      v += (v.empty() ? "" : ", ") + std::string(f.value());
    }
    x.body = req.body();
    HttpReply r;
    try {
      r = s_.handler(x);
    } catch (const std::exception& e) {
      r = HttpReply{500, "text/plain", std::string("internal error: ") + e.what() + "\n", {}};
    }
    send(r, req.keep_alive(), req.method() == http::verb::head);
  }

  void send(const HttpReply& r, bool keep_alive, bool head) {
    auto res = std::make_shared<http::response<http::string_body>>();
    res->version(11);
    res->result(static_cast<unsigned>(r.status));
    res->set(http::field::server, "phonelab-" + s_.name);
    if (!r.content_type.empty()) res->set(http::field::content_type, r.content_type);
    for (const auto& [k, v] : r.headers) res->set(k, v);
    res->keep_alive(keep_alive);
    if (head) {
      res->content_length(r.body.size());
    } else {
      res->body() = r.body;
      res->prepare_payload();
    }
    // Writing has a deadline too: a client that does not read does not hold the server.
    stream_.expires_after(
        std::chrono::duration_cast<std::chrono::steady_clock::duration>(s_.read_timeout));
    http::async_write(stream_, *res,
                      [self = shared_from_this(), res, keep_alive](beast::error_code ec, size_t) {
                        if (ec || !keep_alive) return self->close();
                        self->readRequest();
                      });
  }

  void report(const std::string& reason) {
    if (s_.malformed) s_.malformed(src_ip_, src_port_, reason);
  }

  void close() {
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_both, ec);
    stream_.socket().close(ec);
  }

  beast::tcp_stream stream_;
  const Shared& s_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  std::string src_ip_;
  int src_port_ = 0;
};

}  // namespace

struct HttpServer::Impl {
  Shared shared;
  asio::io_context ioc{1};
  std::optional<tcp::acceptor> acceptor;
  int port = 0;
  std::thread thread;

  void accept() {
    acceptor->async_accept([this](beast::error_code ec, tcp::socket socket) {
      if (ec == asio::error::operation_aborted || !acceptor->is_open()) return;
      if (!ec) std::make_shared<Session>(std::move(socket), shared)->start();
      accept();
    });
  }
};

HttpServer::HttpServer(const HttpServerOptions& o, Handler handler, MalformedHandler malformed)
    : impl_(std::make_unique<Impl>()) {
  Impl& im = *impl_;
  im.shared =
      Shared{o.name, o.read_timeout, o.body_limit, std::move(handler), std::move(malformed)};
  const std::string where =
      o.name + ": cannot listen on " + o.address + ":" + std::to_string(o.port);
  boost::system::error_code ec;
  auto addr = asio::ip::make_address_v4(o.address, ec);
  if (ec || o.port < 0 || o.port > 65535) throw Error(where + ": not an IPv4 address and port");
  tcp::endpoint ep(addr, static_cast<unsigned short>(o.port));
  im.acceptor.emplace(im.ioc);
  if (!ec) im.acceptor->open(ep.protocol(), ec);
  if (!ec) im.acceptor->set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) im.acceptor->bind(ep, ec);
  if (!ec) im.acceptor->listen(asio::socket_base::max_listen_connections, ec);
  if (ec) throw Error(where + ": " + ec.message());
  im.port = im.acceptor->local_endpoint().port();
  im.accept();
  // The listener is open and the handlers answer from memory: the thread that parses the
  // phone's requests runs as nobody.
  im.thread = lab::startUnprivilegedThread("phl-" + o.name, [&im] {
    for (;;) {
      try {
        im.ioc.run();
        return;
      } catch (const std::exception&) {
        // A handler threw past its own catch: keep serving (the client's connection is lost).
      }
    }
  });
}

HttpServer::~HttpServer() {
  Impl& im = *impl_;
  asio::post(im.ioc, [&im] {
    boost::system::error_code ec;
    im.acceptor->close(ec);
  });
  im.ioc.stop();
  if (im.thread.joinable()) im.thread.join();
  // Pending handlers (and with them the sessions and their sockets) go with the io_context.
}

int HttpServer::port() const {
  return impl_->port;
}

}  // namespace phonelab::fakes
