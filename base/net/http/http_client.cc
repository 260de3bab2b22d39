#include "base/net/http/http_client.h"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/core/detail/base64.hpp>
#include <boost/beast/http.hpp>
#include <cctype>

#include "base/net/http/http_response_beast.h"

namespace phonelab::net {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;

namespace {
constexpr const char* kCancelled = "cancelled (scenario timeout or interrupt)";
constexpr const char* kTooLarge = "refused a response body over the limit";
}  // namespace

bool failedForGood(const std::string& error) {
  return error.find(kCancelled) != std::string::npos || error.find(kTooLarge) != std::string::npos;
}

const std::string* HttpResponse::header(const std::string& lower_name) const {
  auto it = headers.find(lower_name);
  return it == headers.end() ? nullptr : &it->second;
}

std::optional<HttpResponse> httpRequest(const HttpRequest& req, Deadline deadline,
                                        std::string& error) {
  const std::string where = req.host + ":" + std::to_string(req.port);
  boost::system::error_code ec;
  auto address = asio::ip::make_address(req.host, ec);
  if (ec) {
    error = "bad address '" + req.host + "'";
    return std::nullopt;
  }
  asio::io_context ioc;
  beast::tcp_stream stream(ioc);
  stream.expires_at(deadline.when());

  http::request<http::string_body> hreq;
  hreq.method_string(req.method);
  hreq.target(req.target);
  hreq.version(11);
  hreq.set(http::field::host, req.host);
  hreq.set(http::field::user_agent, "phonelab/" PHONELAB_VERSION);
  hreq.set(http::field::connection, "close");
  for (const auto& [k, v] : req.headers) hreq.set(k, v);
  if (!req.body.empty() || req.method == "POST") {
    hreq.body() = req.body;
    hreq.prepare_payload();
  }

  beast::flat_buffer buffer;
  ResponseParser parser;
  limitResponse(parser);
  parser.body_limit(req.max_body);  // an admin page: the request's own cap, not the client's
  std::string stage = "connect to " + where;
  boost::system::error_code result;
  bool done = false, cancelled = false;
  // Cancellation: checked every 50 ms while the request is under way.
  asio::steady_timer poll(ioc);
  std::function<void()> arm = [&] {
    poll.expires_after(std::chrono::milliseconds(50));
    poll.async_wait([&](boost::system::error_code e) {
      if (e || done) return;
      if (req.cancelled()) {
        cancelled = true;
        stream.cancel();
        return;
      }
      arm();
    });
  };
  if (req.cancelled) arm();
  auto finish = [&](boost::system::error_code e) {
    result = e;
    done = true;
    poll.cancel();
  };

  stream.async_connect(asio::ip::tcp::endpoint(address, static_cast<unsigned short>(req.port)),
                       [&](boost::system::error_code e) {
                         if (e) {
                           finish(e);
                           return;
                         }
                         stage = "send request to " + where;
                         http::async_write(stream, hreq, [&](boost::system::error_code e2, size_t) {
                           if (e2) {
                             finish(e2);
                             return;
                           }
                           stage = "read response from " + where;
                           // The header first: a Content-Length over the limit is refused
                           // before any of the body is read.
                           http::async_read_header(
                               stream, buffer, parser, [&](boost::system::error_code e3, size_t) {
                                 if (e3) {
                                   finish(e3);
                                   return;
                                 }
                                 http::async_read(
                                     stream, buffer, parser,
                                     [&](boost::system::error_code e4, size_t) { finish(e4); });
                               });
                         });
                       });
  ioc.run();
  if (cancelled) {
    error = stage + ": " + kCancelled;
    return std::nullopt;
  }
  if (result) {
    if (result == http::error::body_limit) {
      error = stage + ": " + kTooLarge + " of " + std::to_string(req.max_body / 1024) + " KiB";
    } else if (result == beast::error::timeout) {
      error = stage + ": no answer before the deadline";
    } else {
      error = stage + ": " + result.message();
    }
    return std::nullopt;
  }
  HttpResponse out = toHttpResponse(parser);
  beast::error_code ignore;
  stream.socket().shutdown(asio::ip::tcp::socket::shutdown_both, ignore);
  return out;
}

std::string formEncode(const std::string& s) {
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else if (c == ' ') {
      out += '+';
    } else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  return out;
}

std::string basicAuth(const std::string& user, const std::string& password) {
  std::string in = user + ":" + password;
  std::string out(beast::detail::base64::encoded_size(in.size()), '\0');
  out.resize(beast::detail::base64::encode(out.data(), in.data(), in.size()));
  return "Basic " + out;
}

}  // namespace phonelab::net
