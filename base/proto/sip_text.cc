#include "base/proto/sip_text.h"

#include <array>
#include <cstring>

namespace phonelab::proto::sip::detail {

char lower(char c) {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (lower(a[i]) != lower(b[i])) return false;
  }
  return true;
}

bool isWs(char c) {
  return c == ' ' || c == '\t';
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (isWs(s.front()) || s.front() == '\r' || s.front() == '\n'))
    s.remove_prefix(1);
  while (!s.empty() && (isWs(s.back()) || s.back() == '\r' || s.back() == '\n')) s.remove_suffix(1);
  return s;
}

bool isTokenChar(char c) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
  return std::strchr("-.!%*_+`'~", c) != nullptr && c != '\0';
}

bool isToken(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (!isTokenChar(c)) return false;
  }
  return true;
}

std::string_view canonicalName(std::string_view name) {
  if (name.size() != 1) return name;
  switch (lower(name[0])) {
    case 'i':
      return "Call-ID";
    case 'f':
      return "From";
    case 't':
      return "To";
    case 'v':
      return "Via";
    case 'm':
      return "Contact";
    case 'l':
      return "Content-Length";
    case 'c':
      return "Content-Type";
    case 'k':
      return "Supported";
    case 's':
      return "Subject";
    case 'e':
      return "Content-Encoding";
    case 'o':
      return "Event";
    case 'u':
      return "Allow-Events";
    case 'r':
      return "Refer-To";
    case 'b':
      return "Referred-By";
    case 'x':
      return "Session-Expires";
    default:
      return name;
  }
}

bool nameMatches(std::string_view have, std::string_view want) {
  return iequals(canonicalName(have), canonicalName(want));
}

bool isListHeader(std::string_view name) {
  static constexpr std::array<std::string_view, 17> kList = {
      "Via",          "Contact",          "Route",           "Record-Route",
      "Allow",        "Supported",        "Require",         "Proxy-Require",
      "Unsupported",  "Accept",           "Accept-Encoding", "Accept-Language",
      "Allow-Events", "Content-Encoding", "In-Reply-To",     "Alert-Info",
      "Call-Info"};
  std::string_view c = canonicalName(name);
  for (auto n : kList) {
    if (iequals(c, n)) return true;
  }
  return false;
}

std::vector<std::string_view> splitOutside(std::string_view s, char sep) {
  std::vector<std::string_view> out;
  bool quoted = false, angle = false;
  size_t start = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (quoted) {
      if (c == '\\') {
        ++i;
      } else if (c == '"') {
        quoted = false;
      }
      continue;
    }
    if (c == '"') {
      quoted = true;
    } else if (c == '<') {
      angle = true;
    } else if (c == '>') {
      angle = false;
    } else if (c == sep && !angle) {
      out.push_back(s.substr(start, i - start));
      start = i + 1;
    }
  }
  out.push_back(s.substr(start));
  return out;
}

size_t paramStart(std::string_view v) {
  auto parts = splitOutside(v, ';');
  return parts.size() > 1 ? parts.front().size() : std::string_view::npos;
}

std::string unquote(std::string_view v) {
  v = trim(v);
  if (v.size() < 2 || v.front() != '"' || v.back() != '"') return std::string(v);
  std::string out;
  for (size_t i = 1; i + 1 < v.size(); ++i) {
    if (v[i] == '\\' && i + 2 < v.size()) ++i;
    out += v[i];
  }
  return out;
}

std::optional<unsigned long long> parseDecimal(std::string_view s, unsigned long long max) {
  if (s.empty() || s.size() > 20) return std::nullopt;
  unsigned long long v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    unsigned d = static_cast<unsigned>(c - '0');
    if (v > (max - d) / 10) return std::nullopt;
    v = v * 10 + d;
  }
  return v;
}

}  // namespace phonelab::proto::sip::detail
