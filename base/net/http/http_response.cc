#include "base/net/http/http_response.h"

#include <boost/asio/buffer.hpp>
#include <boost/beast/http/error.hpp>
#include <cctype>

#include "base/net/http/http_response_beast.h"

namespace phonelab::net {

namespace http = boost::beast::http;

void limitResponse(ResponseParser& parser) {
  parser.header_limit(static_cast<std::uint32_t>(kMaxResponseHeader));
  parser.body_limit(kMaxResponseBody);
}

HttpResponse toHttpResponse(const ResponseParser& parser) {
  HttpResponse out;
  const auto& res = parser.get();
  out.status = static_cast<int>(res.result_int());
  for (const auto& f : res) {
    std::string name(f.name_string());
    for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    out.headers[name] = std::string(f.value());
  }
  out.body = res.body();
  return out;
}

std::optional<HttpResponse> parseHttpResponse(std::string_view wire, std::string& error) {
  ResponseParser parser;
  limitResponse(parser);
  parser.eager(true);
  boost::beast::error_code ec;
  size_t used = 0;
  while (used < wire.size() && !parser.is_done()) {
    const size_t n = parser.put(boost::asio::buffer(wire.data() + used, wire.size() - used), ec);
    if (ec == http::error::need_more) {
      ec = {};
      break;
    }
    if (ec) {
      error = "bad HTTP response: " + ec.message();
      return std::nullopt;
    }
    if (n == 0) break;
    used += n;
  }
  if (!parser.got_some()) {
    error = "no HTTP response (the connection closed without a byte)";
    return std::nullopt;
  }
  if (!parser.is_done()) {
    // The server closed the connection here: the end of a body without a length, else too soon.
    parser.put_eof(ec);
    if (ec) {
      error = "bad HTTP response: " + ec.message();
      return std::nullopt;
    }
  }
  if (!parser.is_done()) {
    error = "bad HTTP response: incomplete";
    return std::nullopt;
  }
  return toHttpResponse(parser);
}

}  // namespace phonelab::net
