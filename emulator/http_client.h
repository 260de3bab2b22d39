#pragma once
/// The phone's HTTP client (Boost.Beast; for emulator/*.cc only): one request, Connection: close,
/// one deadline over connect, write and read, a response body of 1 MiB at the most. Used by the
/// provisioning fetch and TR-069 Inform (services.cc) and the web server's resync (web.cc).

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/address_v4.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/system/error_code.hpp>
#include <chrono>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace phonelab::emulator {

struct HttpRequest {
  bool post = false;  // else GET
  std::string host;   // for the Host header (with the port unless it is 80)
  uint16_t port = 80;
  std::string target = "/";
  std::string user_agent;
  // POST only:
  std::string content_type;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
};

struct HttpResponse {
  enum class Step { None, Open, Connect, Send, Read };
  Step failed = Step::None;  // None: a response came
  boost::system::error_code error;
  int status = 0;
  std::string reason;
  std::string body;
  /// The deadline ended the exchange.
  bool timedOut() const;
};

/// Sends `req` to `to` from `bind` (any address when unset) and reads the response.
boost::asio::awaitable<HttpResponse> httpExchange(boost::asio::ip::tcp::endpoint to,
                                                  std::optional<boost::asio::ip::address_v4> bind,
                                                  std::chrono::steady_clock::duration timeout,
                                                  HttpRequest req);

}  // namespace phonelab::emulator
