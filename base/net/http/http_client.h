#pragma once
/// A small blocking HTTP/1.1 client with a deadline on every request (Beast underneath, kept out of
/// this header). Sockets are created on the calling thread, so a thread inside a lab namespace
/// (lab::NetnsScope) talks from that namespace.

#include <cstddef>
#include <functional>
#include <map>
#include <optional>
#include <string>

#include "base/core/deadline.h"

namespace phonelab::net {

struct HttpRequest {
  std::string method = "GET";
  std::string host;  // IPv4 literal
  int port = 80;
  std::string target = "/";
  std::map<std::string, std::string> headers;
  std::string body;
  /// The largest response body accepted; a larger one is an error ("... larger than 1 MiB").
  size_t max_body = size_t{1024} * 1024;
  /// Polled while the request is under way (every 50 ms): true stops it at once with an error
  /// (the scenario's timeout, Ctrl-C).
  std::function<bool()> cancelled;
};

struct HttpResponse {
  int status = 0;
  std::map<std::string, std::string> headers;  // names lower-cased
  std::string body;
  const std::string* header(const std::string& lower_name) const;
};

/// Performs the request. Returns nullopt and sets `error` ("connect to 198.18.0.20:80: timed out
/// after 5 s", "connection refused", ...) when no HTTP response arrived before the deadline.
std::optional<HttpResponse> httpRequest(const HttpRequest& req, Deadline deadline,
                                        std::string& error);

/// Did httpRequest fail because the body was over max_body or because it was cancelled? Either
/// is final: asking again would not help.
bool failedForGood(const std::string& error);

/// application/x-www-form-urlencoded encoding of one value.
std::string formEncode(const std::string& s);

/// "Basic <base64(user:password)>"
std::string basicAuth(const std::string& user, const std::string& password);

}  // namespace phonelab::net
