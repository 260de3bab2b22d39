#include "emulator/form.h"

#include <cctype>

#include "base/core/text.h"

namespace phonelab::emulator {

namespace {
int hexVal(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}
std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}
}  // namespace

std::string urlDecode(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (c == '+') {
      out += ' ';
    } else if (c == '%' && i + 2 < s.size() && hexVal(s[i + 1]) >= 0 && hexVal(s[i + 2]) >= 0) {
      out += static_cast<char>(hexVal(s[i + 1]) * 16 + hexVal(s[i + 2]));
      i += 2;
    } else {
      out += c;
    }
  }
  return out;
}

std::vector<std::pair<std::string, std::string>> parseForm(std::string_view body) {
  std::vector<std::pair<std::string, std::string>> out;
  while (!body.empty()) {
    size_t amp = body.find('&');
    std::string_view part = body.substr(0, amp);
    body = amp == std::string_view::npos ? std::string_view() : body.substr(amp + 1);
    if (part.empty()) continue;
    size_t eq = part.find('=');
    if (eq == std::string_view::npos) {
      out.emplace_back(urlDecode(part), "");
    } else {
      out.emplace_back(urlDecode(part.substr(0, eq)), urlDecode(part.substr(eq + 1)));
    }
  }
  return out;
}

std::optional<std::string> cookieValue(std::string_view header, std::string_view name) {
  while (!header.empty()) {
    size_t semi = header.find(';');
    std::string_view part = trim(header.substr(0, semi));
    header = semi == std::string_view::npos ? std::string_view() : header.substr(semi + 1);
    size_t eq = part.find('=');
    if (eq != std::string_view::npos && trim(part.substr(0, eq)) == name)
      return std::string(trim(part.substr(eq + 1)));
  }
  return std::nullopt;
}

std::string base64Decode(std::string_view s, bool* ok) {
  std::string out;
  unsigned buf = 0;
  int bits = 0;
  bool good = true;
  size_t pad = 0;
  for (char c : s) {
    int v;
    if (c >= 'A' && c <= 'Z')
      v = c - 'A';
    else if (c >= 'a' && c <= 'z')
      v = c - 'a' + 26;
    else if (c >= '0' && c <= '9')
      v = c - '0' + 52;
    else if (c == '+')
      v = 62;
    else if (c == '/')
      v = 63;
    else if (c == '=') {
      ++pad;
      continue;
    } else {
      good = false;
      break;
    }
    if (pad) {  // data after padding
      good = false;
      break;
    }
    buf = (buf << 6) | static_cast<unsigned>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((buf >> bits) & 0xff);
    }
  }
  if (pad > 2) good = false;
  if (ok) *ok = good;
  return out;
}

std::optional<std::pair<std::string, std::string>> parseBasicAuth(std::string_view header) {
  header = trim(header);
  if (header.size() < 6) return std::nullopt;
  std::string scheme(header.substr(0, 6));
  for (auto& c : scheme) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (scheme != "basic ") return std::nullopt;
  bool ok = false;
  std::string decoded = base64Decode(trim(header.substr(6)), &ok);
  if (!ok) return std::nullopt;
  size_t colon = decoded.find(':');
  if (colon == std::string::npos) return std::nullopt;
  return std::make_pair(decoded.substr(0, colon), decoded.substr(colon + 1));
}

std::string htmlEscape(std::string_view s) {
  return escapeMarkup(s);
}

}  // namespace phonelab::emulator
