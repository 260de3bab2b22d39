#pragma once
/// The small HTTP/1.1 server under the HTTP fakes (provisioning, TR-069 ACS): Beast underneath,
/// kept out of this header. One thread, a deadline on reading every request, 400 for requests
/// that do not parse, keep-alive as the client asks.

#include <functional>
#include <map>
#include <memory>
#include <string>

#include "base/core/deadline.h"

namespace phonelab::fakes {

/// One request as the server saw it.
struct HttpExchange {
  std::string src_ip;
  int src_port = 0;
  std::string method;                          // as sent: "GET", "POST", ...
  std::string target;                          // as sent: "/p/0200c612000a.xml?x=1"
  std::map<std::string, std::string> headers;  // names lower-cased
  std::string body;
  /// The header's value, or "" if absent.
  std::string header(const std::string& lower_name) const;
  /// target without the query string.
  std::string path() const;
};

struct HttpReply {
  int status = 200;
  std::string content_type;  // "" = no Content-Type header
  std::string body;
  std::map<std::string, std::string> headers;
};

struct HttpServerOptions {
  std::string name;     // "http", "acs": in error messages and the Server header
  std::string address;  // IPv4 to bind
  int port = 80;
  Seconds read_timeout{5};  // per request, from the first byte awaited
  size_t body_limit = size_t{4} * 1024 * 1024;
};

class HttpServer {
 public:
  /// Called on the server thread for every request that parsed; its reply is sent as is (HEAD
  /// gets the headers only). An exception becomes a 500.
  using Handler = std::function<HttpReply(const HttpExchange&)>;
  /// Called on the server thread for a request that did not parse (the client got 400) or did not
  /// arrive completely before the deadline (the connection was closed).
  using MalformedHandler =
      std::function<void(const std::string& src_ip, int src_port, const std::string& reason)>;

  /// Binds and listens on the calling thread (its network namespace); serves on a thread of its
  /// own ("phl-<name>", as nobody without capabilities: base/lab/privileges.h). Throws Error
  /// ("http: cannot listen on 198.18.0.5:80: Address already in use").
  HttpServer(const HttpServerOptions& o, Handler handler, MalformedHandler malformed);
  /// Closes the listener and every connection, stops and joins the thread (no waiting on clients).
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  int port() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace phonelab::fakes
