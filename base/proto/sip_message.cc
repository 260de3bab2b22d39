// SIP messages: header access, serialisation, responses, random tokens.

#include <openssl/rand.h>

#include <random>

#include "base/proto/sip.h"
#include "base/proto/sip_text.h"

namespace phonelab::proto::sip {

using namespace detail;

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

// ---- serialize ----

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

}  // namespace phonelab::proto::sip
