#pragma once
/// How the HTTP client reads a response, apart from the socket: Beast's parser with the client's
/// limits, then our HttpResponse. parseHttpResponse reads one from bytes (tests, fuzzing); the
/// client reads its socket through the same parser settings (http_response_beast.h).

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "base/net/http/http_client.h"

namespace phonelab::net {

/// The largest response body the client accepts (a phone's admin page, cfg.xml, status.xml).
constexpr size_t kMaxResponseBody = size_t{8} * 1024 * 1024;
/// The largest status line and header block the client accepts.
constexpr size_t kMaxResponseHeader = size_t{8} * 1024;

/// Reads one HTTP/1.1 response from `wire` (everything the server sent before closing the
/// connection), with the client's limits. nullopt and `error` when it does not parse, exceeds a
/// limit or is incomplete.
std::optional<HttpResponse> parseHttpResponse(std::string_view wire, std::string& error);

}  // namespace phonelab::net
