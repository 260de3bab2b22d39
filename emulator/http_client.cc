#include "emulator/http_client.h"

#include <boost/asio/redirect_error.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using asio::use_awaitable;
using asio::ip::tcp;

namespace phonelab::emulator {

bool HttpResponse::timedOut() const {
  return error == beast::error::timeout;
}

asio::awaitable<HttpResponse> httpExchange(tcp::endpoint to,
                                           std::optional<asio::ip::address_v4> bind,
                                           std::chrono::steady_clock::duration timeout,
                                           HttpRequest req) {
  HttpResponse out;
  beast::tcp_stream stream(co_await asio::this_coro::executor);
  stream.expires_after(timeout);
  auto& ec = out.error;
  if (bind) {
    stream.socket().open(tcp::v4(), ec);
    if (!ec) stream.socket().bind(tcp::endpoint(*bind, 0), ec);
    if (ec) {
      out.failed = HttpResponse::Step::Open;
      co_return out;
    }
  }
  co_await stream.async_connect(to, asio::redirect_error(use_awaitable, ec));
  if (ec) {
    out.failed = HttpResponse::Step::Connect;
    co_return out;
  }
  http::request<http::string_body> r{req.post ? http::verb::post : http::verb::get, req.target, 11};
  r.set(http::field::host, req.host + (req.port == 80 ? "" : ":" + std::to_string(req.port)));
  r.set(http::field::user_agent, req.user_agent);
  r.set(http::field::connection, "close");
  if (req.post) {
    r.set(http::field::content_type, req.content_type);
    for (const auto& [name, value] : req.headers) r.set(name, value);
    r.body() = std::move(req.body);
    r.prepare_payload();
  }
  co_await http::async_write(stream, r, asio::redirect_error(use_awaitable, ec));
  if (ec) {
    out.failed = HttpResponse::Step::Send;
    co_return out;
  }
  beast::flat_buffer buf;
  http::response_parser<http::string_body> parser;
  parser.body_limit(std::uint64_t{1024} * 1024);
  co_await http::async_read(stream, buf, parser, asio::redirect_error(use_awaitable, ec));
  if (ec) {
    out.failed = HttpResponse::Step::Read;
    co_return out;
  }
  out.status = static_cast<int>(parser.get().result_int());
  out.reason = std::string(parser.get().reason());
  out.body = std::move(parser.get().body());
  boost::system::error_code ignored;
  stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
  co_return out;
}

}  // namespace phonelab::emulator
