#include "base/proto/sip.h"

#include <array>
#include <cstdio>
#include <cstring>

#include "base/proto/sip_text.h"

namespace phonelab::proto::sip {

using namespace detail;

namespace {

struct Line {
  std::string_view text;  // without CR/LF
  size_t next = 0;        // offset after the line end
  bool terminated = false;
};

Line lineAt(std::string_view data, size_t pos) {
  Line l;
  const void* nl = std::memchr(data.data() + pos, '\n', data.size() - pos);
  size_t end = nl ? static_cast<size_t>(static_cast<const char*>(nl) - data.data()) : data.size();
  l.text = data.substr(pos, end - pos);
  if (!l.text.empty() && l.text.back() == '\r') l.text.remove_suffix(1);
  l.terminated = nl != nullptr;
  l.next = nl ? end + 1 : data.size();
  return l;
}

std::string lineError(size_t n, const std::string& what) {
  return "line " + std::to_string(n) + ": " + what;
}

/// Printable rendering of a short piece of input for error messages.
std::string show(std::string_view s) {
  std::string out;
  for (char c : s.substr(0, 40)) {
    auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f) {
      char b[8];
      std::snprintf(b, sizeof b, "\\x%02x", u);
      out += b;
    } else {
      out += c;
    }
  }
  if (s.size() > 40) out += "...";
  return out;
}

std::string parseStartLine(std::string_view line, Message& m) {
  if (line.find('\0') != std::string_view::npos) return "NUL byte in the start line";
  for (char c : line) {
    auto u = static_cast<unsigned char>(c);
    if ((u < 0x20 && c != '\t') || u == 0x7f) return "control character in the start line";
  }
  if (line.size() >= 4 && iequals(line.substr(0, 4), "SIP/")) {
    m.request = false;
    size_t sp = line.find(' ');
    if (sp == std::string_view::npos) return "status line without a status code";
    m.version = std::string(line.substr(0, sp));
    std::string_view rest = line.substr(sp + 1);
    while (!rest.empty() && rest.front() == ' ') rest.remove_prefix(1);
    size_t end = rest.find(' ');
    std::string_view code = rest.substr(0, end);
    if (code.size() != 3 || !parseDecimal(code, 999) || code[0] < '1' || code[0] > '6')
      return "bad status code \"" + show(code) + "\"";
    m.status = static_cast<int>(*parseDecimal(code, 999));
    m.reason = end == std::string_view::npos ? "" : std::string(trim(rest.substr(end + 1)));
    return "";
  }
  std::vector<std::string_view> parts;
  size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && isWs(line[i])) ++i;
    size_t s = i;
    while (i < line.size() && !isWs(line[i])) ++i;
    if (i > s) parts.push_back(line.substr(s, i - s));
    if (parts.size() > 3) break;
  }
  if (parts.empty()) return "no start line";
  if (parts.size() != 3)
    return "malformed request line (expected Method SP Request-URI SP SIP-Version): \"" +
           show(line) + "\"";
  if (!isToken(parts[0])) return "bad method \"" + show(parts[0]) + "\"";
  if (parts[1].front() == '<') return "Request-URI enclosed in <>";
  size_t colon = parts[1].find(':');
  if (colon == std::string_view::npos || colon == 0)
    return "Request-URI without a scheme: \"" + show(parts[1]) + "\"";
  if (parts[2].size() < 5 || !iequals(parts[2].substr(0, 4), "SIP/"))
    return "bad SIP version \"" + show(parts[2]) + "\"";
  m.request = true;
  m.method = std::string(parts[0]);
  m.uri = std::string(parts[1]);
  m.version = std::string(parts[2]);
  return "";
}

}  // namespace

// ---- parse ----

ParseResult parse(std::string_view data, bool stream) {
  ParseResult r;
  Message m;
  size_t pos = 0;
  // RFC 3261 7.5: CRLFs before the start line are ignored (keep-alives on streams).
  while (pos < data.size() && (data[pos] == '\r' || data[pos] == '\n')) ++pos;
  if (pos >= data.size()) {
    r.error = stream ? "incomplete" : "no start line (empty message)";
    return r;
  }
  Line first = lineAt(data, pos);
  if (stream && !first.terminated) {
    r.error = "incomplete";
    return r;
  }
  size_t lineno = 1;
  if (auto e = parseStartLine(first.text, m); !e.empty()) {
    r.error = lineError(lineno, e);
    return r;
  }
  pos = first.next;
  bool ended = false;  // blank line seen
  while (pos < data.size()) {
    Line l = lineAt(data, pos);
    ++lineno;
    if (!l.terminated && stream) {
      r.error = "incomplete";
      return r;
    }
    pos = l.next;
    if (l.text.empty()) {
      ended = true;
      break;
    }
    if (isWs(l.text.front())) {
      if (m.headers.empty()) {
        r.error = lineError(lineno, "continuation line without a header");
        return r;
      }
      auto t = trim(l.text);
      if (!t.empty()) {
        std::string& v = m.headers.back().value;
        if (!v.empty()) v += ' ';
        v.append(t);
      }
      continue;
    }
    size_t colon = l.text.find(':');
    if (colon == std::string_view::npos) {
      r.error = lineError(lineno, "header without a colon: \"" + show(l.text) + "\"");
      return r;
    }
    auto name = trim(l.text.substr(0, colon));
    if (!isToken(name)) {
      r.error = lineError(lineno, "bad header name \"" + show(name) + "\"");
      return r;
    }
    m.headers.push_back(Header{std::string(name), std::string(trim(l.text.substr(colon + 1)))});
  }
  if (!ended && stream) {
    r.error = "incomplete";
    return r;
  }
  // Header values are trimmed again after folding (a fold may have left trailing spaces).
  size_t body_start = ended ? pos : data.size();
  std::optional<unsigned long long> length;
  for (const auto& h : m.headers) {
    if (!nameMatches(h.name, "Content-Length")) continue;
    auto v = parseDecimal(trim(h.value), 0x7fffffffULL);
    if (!v) {
      r.error = "bad Content-Length \"" + show(h.value) + "\"";
      return r;
    }
    if (length && *length != *v) {
      r.error = "conflicting Content-Length values " + std::to_string(*length) + " and " +
                std::to_string(*v);
      return r;
    }
    length = v;
  }
  const size_t available = data.size() - body_start;
  if (length) {
    if (*length > available) {
      if (stream) {
        r.error = "incomplete";
        return r;
      }
      r.error = "Content-Length " + std::to_string(*length) + " is larger than the " +
                std::to_string(available) + " bytes of body";
      return r;
    }
    m.body = std::string(data.substr(body_start, static_cast<size_t>(*length)));
    r.consumed = body_start + static_cast<size_t>(*length);
  } else {
    if (stream) {
      r.error = "no Content-Length (required over a stream transport)";
      return r;
    }
    m.body = std::string(data.substr(body_start));
    r.consumed = data.size();
  }
  r.message = std::move(m);
  return r;
}

std::optional<std::string> headerParam(std::string_view value, std::string_view name) {
  size_t start = paramStart(value);
  if (start == std::string_view::npos) return std::nullopt;
  for (auto piece : splitOutside(value.substr(start + 1), ';')) {
    size_t eq = piece.find('=');
    auto n = trim(piece.substr(0, eq));
    if (!iequals(n, name)) continue;
    if (eq == std::string_view::npos) return std::string();
    return unquote(piece.substr(eq + 1));
  }
  return std::nullopt;
}

std::string headerUri(std::string_view value) {
  size_t lt = std::string_view::npos;
  bool quoted = false;
  for (size_t i = 0; i < value.size(); ++i) {
    if (quoted) {
      if (value[i] == '\\') {
        ++i;
      } else if (value[i] == '"') {
        quoted = false;
      }
    } else if (value[i] == '"') {
      quoted = true;
    } else if (value[i] == '<') {
      lt = i;
      break;
    }
  }
  if (lt != std::string_view::npos) {
    size_t gt = value.find('>', lt);
    if (gt == std::string_view::npos) return "";
    return std::string(trim(value.substr(lt + 1, gt - lt - 1)));
  }
  size_t p = paramStart(value);
  return std::string(trim(value.substr(0, p)));
}

std::string checkMessage(const Message& m) {
  static constexpr std::array<std::string_view, 5> kRequired = {"To", "From", "Call-ID", "CSeq",
                                                                "Via"};
  for (auto name : kRequired) {
    if (!m.header(name)) return "missing " + std::string(name);
  }
  if (m.version != "SIP/2.0") return "unsupported version " + m.version;
  static constexpr std::array<std::string_view, 5> kSingle = {"To", "From", "Call-ID", "CSeq",
                                                              "Max-Forwards"};
  for (auto name : kSingle) {
    int count = 0;
    for (const auto& h : m.headers) count += nameMatches(h.name, name) ? 1 : 0;
    if (count > 1) return "more than one " + std::string(name) + " header";
  }
  auto [n, method] = m.cseq();
  if (method.empty()) return "malformed CSeq \"" + show(*m.header("CSeq")) + "\"";
  if (m.request && method != m.method)
    return "CSeq method " + method + " does not match the request method " + m.method;
  if (auto* mf = m.header("Max-Forwards"); mf && !parseDecimal(trim(*mf), 255))
    return "bad Max-Forwards \"" + show(*mf) + "\"";
  for (auto name : {"To", "From"}) {
    const std::string& v = *m.header(name);
    bool quoted = false;
    for (size_t i = 0; i < v.size(); ++i) {
      if (quoted && v[i] == '\\') {
        ++i;
      } else if (v[i] == '"') {
        quoted = !quoted;
      }
    }
    if (quoted) return std::string(name) + ": unterminated quoted string";
    std::string uri = headerUri(v);
    if (uri.empty()) return std::string(name) + ": no URI";
    size_t lt = v.find('<');
    if (lt != std::string::npos && v.find('"') == std::string::npos) {
      // An unquoted display name is a sequence of tokens.
      for (char c : std::string_view(v).substr(0, lt)) {
        if (!isTokenChar(c) && !isWs(c)) return std::string(name) + ": display name needs quotes";
      }
    }
    if (lt != std::string::npos) {
      size_t gt = v.find('>', lt);
      if (gt != std::string::npos && (isWs(v[lt + 1]) || isWs(v[gt - 1])))
        return std::string(name) + ": spaces within the addr-spec";
    }
  }
  for (const auto& via : m.headerValues("Via")) {
    if (!trim(via).empty() && paramStart(via) != std::string::npos) {
      for (auto p : splitOutside(std::string_view(via).substr(paramStart(via) + 1), ';')) {
        if (trim(p).empty()) return "Via: empty parameter";
      }
    }
  }
  for (const auto& h : m.headers) {
    if (nameMatches(h.name, "Via")) {
      for (auto part : splitOutside(h.value, ',')) {
        if (trim(part).empty()) return "Via: empty value";
      }
    }
  }
  for (const auto& c : m.headerValues("Contact")) {
    size_t p = paramStart(c);
    if (p != std::string::npos) {
      for (auto piece : splitOutside(std::string_view(c).substr(p + 1), ';')) {
        if (trim(piece).empty()) return "Contact: empty parameter";
      }
    }
    if (c.find('<') == std::string::npos && c != "*" && c.find('?') != std::string::npos)
      return "Contact: a URI with headers must be enclosed in <>";
  }
  if (auto* d = m.header("Date")) {
    auto t = trim(*d);
    if (t.size() < 3 || t.substr(t.size() - 3) != "GMT") return "Date: time zone is not GMT";
  }
  return "";
}

}  // namespace phonelab::proto::sip
