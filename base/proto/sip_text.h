#pragma once
/// The lexical rules of SIP text (RFC 3261 25) that the parser (sip.cc), the message accessors
/// and builders (sip_message.cc) and digest authentication (sip_digest.cc) share: case-blind
/// comparison, whitespace, tokens, header names and their compact forms, splitting outside quotes
/// and angle brackets, strict decimals. Internal to base/proto/sip*.cc.

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace phonelab::proto::sip::detail {

char lower(char c);
bool iequals(std::string_view a, std::string_view b);
bool isWs(char c);
std::string_view trim(std::string_view s);
/// RFC 3261 token characters.
bool isTokenChar(char c);
bool isToken(std::string_view s);
/// The long form of a compact header name (RFC 3261 7.3.3 and extensions), or the name itself.
std::string_view canonicalName(std::string_view name);
bool nameMatches(std::string_view have, std::string_view want);
/// Headers whose values may be comma-separated lists (RFC 3261 7.3.1).
bool isListHeader(std::string_view name);
/// Splits on `sep` outside double quotes (with backslash escapes) and <...>.
std::vector<std::string_view> splitOutside(std::string_view s, char sep);
/// Where the header parameters start (the first ';' outside quotes and <>), or npos.
size_t paramStart(std::string_view v);
std::string unquote(std::string_view v);
/// Strictly decimal, at most `max`; nullopt otherwise (no sign, no garbage, no overflow).
std::optional<unsigned long long> parseDecimal(std::string_view s, unsigned long long max);

}  // namespace phonelab::proto::sip::detail
