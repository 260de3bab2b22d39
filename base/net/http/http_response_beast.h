#pragma once
/// The Beast side of http_response.h, for the two files that hold a Beast parser (the client and
/// parseHttpResponse). Not to be included anywhere else: it pulls in Beast.

#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>

#include "base/net/http/http_client.h"

namespace phonelab::net {

using ResponseParser = boost::beast::http::response_parser<boost::beast::http::string_body>;

/// Sets the client's limits (kMaxResponseHeader, kMaxResponseBody) on a fresh parser.
void limitResponse(ResponseParser& parser);
/// The parsed response as ours: status, header names lower-cased (the last of a repeated header
/// wins), body.
HttpResponse toHttpResponse(const ResponseParser& parser);

}  // namespace phonelab::net
