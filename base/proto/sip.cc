#include "base/proto/sip.h"

#include <openssl/evp.h>
#include <openssl/rand.h>

#include <array>
#include <cstdio>
#include <cstring>
#include <random>

namespace phonelab::proto::sip {

namespace {

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

/// RFC 3261 token characters.
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

/// The long form of a compact header name (RFC 3261 7.3.3 and extensions), or the name itself.
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

/// Headers whose values may be comma-separated lists (RFC 3261 7.3.1).
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

/// Splits on `sep` outside double quotes (with backslash escapes) and <...>.
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

/// Where the header parameters start (the first ';' outside quotes and <>), or npos.
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

/// Strictly decimal, at most `max`; nullopt otherwise (no sign, no garbage, no overflow).
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

std::string hex(const unsigned char* p, size_t n) {
  static const char* digits = "0123456789abcdef";
  std::string out;
  out.reserve(n * 2);
  for (size_t i = 0; i < n; ++i) {
    out += digits[p[i] >> 4];
    out += digits[p[i] & 15];
  }
  return out;
}

/// The hash of a digest algorithm name (RFC 7616 / RFC 8760: MD5, SHA-256 and their -sess
/// variants); nullptr for one we do not implement.
const EVP_MD* digestHash(std::string_view algorithm) {
  if (algorithm.empty() || iequals(algorithm, "MD5") || iequals(algorithm, "MD5-sess"))
    return EVP_md5();
  if (iequals(algorithm, "SHA-256") || iequals(algorithm, "SHA-256-sess")) return EVP_sha256();
  return nullptr;
}

bool isSess(std::string_view algorithm) {
  return algorithm.size() > 5 && iequals(algorithm.substr(algorithm.size() - 5), "-sess");
}

std::string hashHex(const EVP_MD* md_type, const std::string& s) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  bool ok = ctx && EVP_DigestInit_ex(ctx, md_type, nullptr) == 1 &&
            EVP_DigestUpdate(ctx, s.data(), s.size()) == 1 &&
            EVP_DigestFinal_ex(ctx, md, &len) == 1;
  EVP_MD_CTX_free(ctx);
  return ok ? hex(md, len) : std::string();
}

/// Parses `Scheme name=value, name="quoted", ...`. Returns false if the scheme is not Digest.
bool parseAuthParams(std::string_view value,
                     std::vector<std::pair<std::string, std::string>>& out) {
  value = trim(value);
  size_t sp = 0;
  while (sp < value.size() && !isWs(value[sp])) ++sp;
  if (!iequals(value.substr(0, sp), "Digest")) return false;
  std::string_view rest = value.substr(sp);
  size_t i = 0;
  while (i < rest.size()) {
    while (i < rest.size() &&
           (isWs(rest[i]) || rest[i] == ',' || rest[i] == '\r' || rest[i] == '\n'))
      ++i;
    if (i >= rest.size()) break;
    size_t ns = i;
    while (i < rest.size() && rest[i] != '=' && rest[i] != ',' && !isWs(rest[i])) ++i;
    std::string name(rest.substr(ns, i - ns));
    while (i < rest.size() && isWs(rest[i])) ++i;
    std::string val;
    if (i < rest.size() && rest[i] == '=') {
      ++i;
      while (i < rest.size() && isWs(rest[i])) ++i;
      if (i < rest.size() && rest[i] == '"') {
        ++i;
        while (i < rest.size() && rest[i] != '"') {
          if (rest[i] == '\\' && i + 1 < rest.size()) ++i;
          val += rest[i++];
        }
        if (i < rest.size()) ++i;  // closing quote
      } else {
        size_t vs = i;
        while (i < rest.size() && rest[i] != ',') ++i;
        val = std::string(trim(rest.substr(vs, i - vs)));
      }
    }
    if (!name.empty()) out.emplace_back(std::move(name), std::move(val));
  }
  return true;
}

std::string quoteString(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

bool qopHasAuth(std::string_view qop) {
  for (auto part : splitOutside(qop, ',')) {
    if (iequals(trim(part), "auth")) return true;
  }
  return false;
}

}  // namespace

// ---- Message ----

const std::string* Message::header(std::string_view name) const {
  for (const auto& h : headers) {
    if (nameMatches(h.name, name)) return &h.value;
  }
  return nullptr;
}

std::vector<std::string> Message::headerValues(std::string_view name) const {
  std::vector<std::string> out;
  const bool list = isListHeader(name);
  for (const auto& h : headers) {
    if (!nameMatches(h.name, name)) continue;
    if (!list) {
      out.push_back(h.value);
      continue;
    }
    for (auto part : splitOutside(h.value, ',')) {
      auto t = trim(part);
      if (!t.empty()) out.emplace_back(t);
    }
  }
  return out;
}

void Message::set(std::string_view name, std::string value) {
  for (auto& h : headers) {
    if (nameMatches(h.name, name)) {
      h.value = std::move(value);
      return;
    }
  }
  add(name, std::move(value));
}

void Message::add(std::string_view name, std::string value) {
  headers.push_back(Header{std::string(name), std::move(value)});
}

void Message::remove(std::string_view name) {
  std::erase_if(headers, [&](const Header& h) { return nameMatches(h.name, name); });
}

std::string Message::callId() const {
  const std::string* v = header("Call-ID");
  return v ? *v : std::string();
}

std::pair<unsigned long, std::string> Message::cseq() const {
  const std::string* v = header("CSeq");
  if (!v) return {0, ""};
  std::string_view s = trim(*v);
  size_t i = 0;
  while (i < s.size() && !isWs(s[i])) ++i;
  auto n = parseDecimal(s.substr(0, i), 0xffffffffULL);
  std::string_view method = trim(s.substr(i));
  if (!n || !isToken(method)) return {0, ""};
  return {static_cast<unsigned long>(*n), std::string(method)};
}

std::string Message::fromTag() const {
  const std::string* v = header("From");
  return v ? headerParam(*v, "tag").value_or("") : "";
}

std::string Message::toTag() const {
  const std::string* v = header("To");
  return v ? headerParam(*v, "tag").value_or("") : "";
}

std::string Message::topViaBranch() const {
  auto vias = headerValues("Via");
  if (vias.empty()) return "";
  return headerParam(vias.front(), "branch").value_or("");
}

std::string Message::startLine() const {
  if (request) return method + " " + uri;
  return std::to_string(status) + (reason.empty() ? "" : " " + reason);
}

std::string Message::summary() const {
  auto [n, m] = cseq();
  return startLine() + " (Call-ID " + callId() + ", CSeq " + std::to_string(n) + " " + m + ")";
}

// ---- parse / serialize ----

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

std::string serialize(const Message& m, bool fix_length) {
  std::string out;
  if (m.request) {
    out = m.method + " " + m.uri + " " + m.version;
  } else {
    out = m.version + " " + std::to_string(m.status) + " " + m.reason;
  }
  out += "\r\n";
  bool has_length = false;
  for (const auto& h : m.headers) {
    if (nameMatches(h.name, "Content-Length")) has_length = true;
    out += h.name;
    out += ": ";
    out += h.value;
    out += "\r\n";
  }
  if (fix_length && !has_length) out += "Content-Length: " + std::to_string(m.body.size()) + "\r\n";
  out += "\r\n";
  out += m.body;
  return out;
}

Message makeResponse(const Message& request, int status, std::string reason,
                     const std::string& to_tag) {
  Message r;
  r.request = false;
  r.status = status;
  r.reason = std::move(reason);
  for (const auto& h : request.headers) {
    if (nameMatches(h.name, "Via")) r.add("Via", h.value);
  }
  if (auto* v = request.header("From")) r.add("From", *v);
  if (auto* v = request.header("To")) {
    std::string to = *v;
    if (!to_tag.empty() && !headerParam(to, "tag")) to += ";tag=" + to_tag;
    r.add("To", to);
  }
  if (auto* v = request.header("Call-ID")) r.add("Call-ID", *v);
  if (auto* v = request.header("CSeq")) r.add("CSeq", *v);
  return r;
}

std::string randomToken(size_t length) {
  static const char* alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
  std::vector<unsigned char> bytes(length);
  if (length > 0 && RAND_bytes(bytes.data(), static_cast<int>(length)) != 1) {
    static thread_local std::mt19937_64 rng{std::random_device{}()};
    for (auto& b : bytes) b = static_cast<unsigned char>(rng());
  }
  std::string out;
  out.reserve(length);
  for (auto b : bytes) out += alphabet[b % 62];
  return out;
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

// ---- Digest ----

std::optional<DigestChallenge> parseChallenge(std::string_view value) {
  std::vector<std::pair<std::string, std::string>> params;
  if (!parseAuthParams(value, params)) return std::nullopt;
  DigestChallenge c;
  bool have_nonce = false;
  for (auto& [n, v] : params) {
    if (iequals(n, "realm")) {
      c.realm = v;
    } else if (iequals(n, "nonce")) {
      c.nonce = v;
      have_nonce = true;
    } else if (iequals(n, "opaque")) {
      c.opaque = v;
    } else if (iequals(n, "algorithm")) {
      c.algorithm = v;
    } else if (iequals(n, "qop")) {
      c.qop = v;
    } else if (iequals(n, "stale")) {
      c.stale = iequals(v, "true");
    }
  }
  if (!have_nonce) return std::nullopt;
  return c;
}

std::string formatChallenge(const DigestChallenge& c) {
  std::string out = "Digest realm=" + quoteString(c.realm) + ", nonce=" + quoteString(c.nonce);
  if (!c.opaque.empty()) out += ", opaque=" + quoteString(c.opaque);
  if (!c.algorithm.empty()) out += ", algorithm=" + c.algorithm;
  if (!c.qop.empty()) out += ", qop=" + quoteString(c.qop);
  if (c.stale) out += ", stale=true";
  return out;
}

std::optional<DigestCredentials> parseCredentials(std::string_view value) {
  std::vector<std::pair<std::string, std::string>> params;
  if (!parseAuthParams(value, params)) return std::nullopt;
  DigestCredentials c;
  c.algorithm.clear();
  bool have_user = false;
  for (auto& [n, v] : params) {
    if (iequals(n, "username")) {
      c.username = v;
      have_user = true;
    } else if (iequals(n, "realm")) {
      c.realm = v;
    } else if (iequals(n, "nonce")) {
      c.nonce = v;
    } else if (iequals(n, "uri")) {
      c.uri = v;
    } else if (iequals(n, "response")) {
      c.response = v;
    } else if (iequals(n, "algorithm")) {
      c.algorithm = v;
    } else if (iequals(n, "cnonce")) {
      c.cnonce = v;
    } else if (iequals(n, "nc")) {
      c.nc = v;
    } else if (iequals(n, "qop")) {
      c.qop = v;
    } else if (iequals(n, "opaque")) {
      c.opaque = v;
    }
  }
  if (!have_user) return std::nullopt;
  if (c.algorithm.empty()) c.algorithm = "MD5";
  return c;
}

std::string formatCredentials(const DigestCredentials& c) {
  std::string out = "Digest username=" + quoteString(c.username) +
                    ", realm=" + quoteString(c.realm) + ", nonce=" + quoteString(c.nonce) +
                    ", uri=" + quoteString(c.uri) + ", response=" + quoteString(c.response);
  if (!c.algorithm.empty()) out += ", algorithm=" + c.algorithm;
  if (!c.qop.empty())
    out += ", qop=" + c.qop + ", nc=" + c.nc + ", cnonce=" + quoteString(c.cnonce);
  if (!c.opaque.empty()) out += ", opaque=" + quoteString(c.opaque);
  return out;
}

std::string digestResponse(const DigestCredentials& c, const std::string& password,
                           const std::string& method) {
  const EVP_MD* h = digestHash(c.algorithm);
  if (!h) return "";
  std::string ha1 = hashHex(h, c.username + ":" + c.realm + ":" + password);
  if (isSess(c.algorithm)) ha1 = hashHex(h, ha1 + ":" + c.nonce + ":" + c.cnonce);
  std::string ha2 = hashHex(h, method + ":" + c.uri);
  if (c.qop.empty()) return hashHex(h, ha1 + ":" + c.nonce + ":" + ha2);
  return hashHex(h, ha1 + ":" + c.nonce + ":" + c.nc + ":" + c.cnonce + ":" + c.qop + ":" + ha2);
}

DigestCredentials answerChallenge(const DigestChallenge& challenge, const std::string& username,
                                  const std::string& password, const std::string& method,
                                  const std::string& uri) {
  DigestCredentials c;
  c.username = username;
  c.realm = challenge.realm;
  c.nonce = challenge.nonce;
  c.uri = uri;
  c.algorithm = challenge.algorithm.empty() ? "MD5" : challenge.algorithm;
  c.opaque = challenge.opaque;
  if (qopHasAuth(challenge.qop)) {
    c.qop = "auth";
    c.nc = "00000001";
    c.cnonce = randomToken(16);
  }
  c.response = digestResponse(c, password, method);
  return c;
}

std::optional<DigestChallenge> pickChallenge(const std::vector<std::string>& values,
                                             std::string_view algorithm) {
  for (const auto& v : values) {
    auto ch = parseChallenge(v);
    if (!ch) continue;
    const std::string a = ch->algorithm.empty() ? "MD5" : ch->algorithm;
    if (algorithm.empty() ? digestHash(a) != nullptr : iequals(a, algorithm)) return ch;
  }
  return std::nullopt;
}

bool digestAlgorithmSupported(std::string_view algorithm) {
  return digestHash(algorithm) != nullptr;
}

std::string digestMismatch(const DigestCredentials& c, const std::string& password,
                           const DigestExpected& want) {
  // What the answer binds, each compared with the server's own value, never with another part of
  // the client's answer (RFC 7616 3.4.6, RFC 3261 22.4).
  bool algorithm_ok = false;
  for (const auto& a : want.algorithms) algorithm_ok = algorithm_ok || iequals(a, c.algorithm);
  if (!algorithm_ok || !digestHash(c.algorithm)) return "algorithm " + c.algorithm + " not offered";
  if (c.realm != want.realm)
    return "realm \"" + c.realm + "\" is not ours (\"" + want.realm + "\")";
  if (c.uri != want.uri)
    return "uri \"" + c.uri + "\" does not match the Request-URI \"" + want.uri + "\"";
  if (!c.qop.empty()) {
    if (!iequals(c.qop, "auth")) return "qop " + c.qop + " not offered";
    if (c.cnonce.empty()) return "qop=auth without cnonce";
    if (c.nc.size() != 8 || c.nc.find_first_not_of("0123456789abcdefABCDEF") != std::string::npos)
      return "nc \"" + c.nc + "\" is not 8 hex digits";
  } else if (want.qop_required) {
    return "no qop (the challenge asked for qop=auth)";
  }
  DigestCredentials bound = c;
  bound.realm = want.realm;
  bound.uri = want.uri;
  const std::string expected = digestResponse(bound, password, want.method);
  if (expected.empty() || expected.size() != c.response.size()) return "wrong digest response";
  unsigned diff = 0;
  for (size_t i = 0; i < expected.size(); ++i)
    diff |= static_cast<unsigned>(lower(expected[i]) ^ lower(c.response[i]));
  return diff == 0 ? "" : "wrong digest response";
}

bool verifyCredentials(const DigestCredentials& c, const std::string& password,
                       const DigestExpected& want) {
  return digestMismatch(c, password, want).empty();
}

}  // namespace phonelab::proto::sip
