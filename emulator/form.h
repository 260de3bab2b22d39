#pragma once
/// Small HTTP helpers without any networking: form and query decoding, cookies, Basic auth.

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace phonelab::emulator {

/// Decodes `+` as space and `%XX`. A malformed escape is kept literally.
std::string urlDecode(std::string_view s);

/// application/x-www-form-urlencoded: "a=1&b=x+y" -> {{"a","1"},{"b","x y"}}, in order.
std::vector<std::pair<std::string, std::string>> parseForm(std::string_view body);

/// The value of cookie `name` in a Cookie header, or nullopt.
std::optional<std::string> cookieValue(std::string_view header, std::string_view name);

/// Decodes "Basic dXNlcjpwYXNz" into {"user","pass"}; nullopt when it is not valid Basic auth.
std::optional<std::pair<std::string, std::string>> parseBasicAuth(std::string_view header);

std::string base64Decode(std::string_view s, bool* ok);

/// HTML-escapes text for element content and attribute values.
std::string htmlEscape(std::string_view s);

}  // namespace phonelab::emulator
