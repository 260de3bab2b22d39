#include "base/proto/sip_event.h"

#include <algorithm>
#include <cctype>
#include <string_view>

#include "base/proto/sip.h"

namespace phonelab::proto {
namespace {

std::string_view firstLine(std::string_view s) {
  size_t end = s.find_first_of("\r\n");
  return end == std::string_view::npos ? s : s.substr(0, end);
}

/// Printable, bounded: for summaries and the malformed event's "start".
std::string printable(std::string_view s, size_t max) {
  std::string out;
  for (char c : s.substr(0, std::min(s.size(), max))) {
    unsigned char u = static_cast<unsigned char>(c);
    out += (u >= 0x20 && u < 0x7f) ? c : '.';
  }
  if (s.size() > max) out += "...";
  return out;
}

bool isToken(std::string_view s) {
  if (s.empty()) return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) ||
           std::string_view("-.!%*_+`'~").find(c) != std::string_view::npos;
  });
}

/// The URI of a From/To/Contact value: inside <...> if present, else up to the first ';'.
std::string_view addrUri(std::string_view v) {
  size_t lt = v.find('<');
  if (lt != std::string_view::npos) {
    size_t gt = v.find('>', lt);
    return v.substr(lt + 1, gt == std::string_view::npos ? std::string_view::npos : gt - lt - 1);
  }
  size_t semi = v.find(';');
  std::string_view u = v.substr(0, semi);
  while (!u.empty() && std::isspace(static_cast<unsigned char>(u.back()))) u.remove_suffix(1);
  while (!u.empty() && std::isspace(static_cast<unsigned char>(u.front()))) u.remove_prefix(1);
  return u;
}

/// user and host of a SIP URI ("sip:alice@host:5060;transport=udp" -> alice, host).
void userHost(std::string_view uri, std::string& user, std::string& host) {
  user.clear();
  host.clear();
  size_t colon = uri.find(':');
  if (colon == std::string_view::npos) return;
  std::string_view scheme = uri.substr(0, colon);
  std::string lower;
  for (char c : scheme) lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (lower != "sip" && lower != "sips" && lower != "tel") return;
  std::string_view rest = uri.substr(colon + 1);
  if (lower == "tel") {
    user = std::string(rest.substr(0, rest.find(';')));
    return;
  }
  size_t at = rest.rfind('@');
  std::string_view hostport = rest;
  if (at != std::string_view::npos) {
    user = std::string(rest.substr(0, at));
    hostport = rest.substr(at + 1);
  }
  if (!hostport.empty() && hostport.front() == '[') {
    size_t close = hostport.find(']');
    host = std::string(
        hostport.substr(0, close == std::string_view::npos ? hostport.size() : close + 1));
    return;
  }
  size_t end = hostport.find_first_of(":;?>");
  host = std::string(hostport.substr(0, end));
}

std::string headerOr(const sip::Message& m, std::string_view name) {
  const std::string* v = m.header(name);
  return v ? *v : std::string();
}

std::string where(const std::string& ip, int port) {
  return ip + ":" + std::to_string(port);
}

}  // namespace

bool looksLikeSip(std::span<const uint8_t> udp_payload) {
  std::string_view s(reinterpret_cast<const char*>(udp_payload.data()), udp_payload.size());
  std::string_view line = firstLine(s);
  if (line.rfind("SIP/2.0 ", 0) == 0) return true;
  // METHOD SP Request-URI SP SIP/2.0
  size_t sp1 = line.find(' ');
  if (sp1 == std::string_view::npos || !isToken(line.substr(0, sp1))) return false;
  size_t sp2 = line.rfind(' ');
  return sp2 > sp1 && line.substr(sp2 + 1) == "SIP/2.0";
}

std::optional<Event> sipEvent(std::span<const uint8_t> udp_payload, const std::string& src_ip,
                              int src_port, const std::string& dst_ip, int dst_port) {
  std::string_view data(reinterpret_cast<const char*>(udp_payload.data()), udp_payload.size());
  if (data.find_first_not_of("\r\n") == std::string_view::npos) return std::nullopt;

  Event e;
  e.t = -1;
  e.fields = {{"src_ip", src_ip},
              {"src_port", std::to_string(src_port)},
              {"dst_ip", dst_ip},
              {"dst_port", std::to_string(dst_port)},
              {"length", std::to_string(udp_payload.size())}};
  const std::string route = " from " + where(src_ip, src_port) + " to " + where(dst_ip, dst_port);

  sip::ParseResult parsed = sip::parse(data, false);
  if (!parsed.message) {
    e.kind = "sip.malformed";
    e.fields["reason"] = parsed.error.empty() ? "unparseable" : parsed.error;
    e.fields["start"] = printable(firstLine(data), 120);
    e.summary = "malformed SIP" + route + ": " + e.fields["reason"];
    return e;
  }
  const sip::Message& m = *parsed.message;
  auto& f = e.fields;

  const auto [cseq_num, cseq_method] = m.cseq();
  f["call_id"] = m.callId();
  f["cseq"] = cseq_num ? std::to_string(cseq_num) : "";
  f["cseq_method"] = cseq_method;
  f["from"] = headerOr(m, "From");
  f["to"] = headerOr(m, "To");
  f["from_tag"] = m.fromTag();
  f["to_tag"] = m.toTag();
  f["branch"] = m.topViaBranch();
  if (const std::string* via = m.header("Via")) {
    // The top Via: the first value of the first Via header.
    std::string top = via->substr(0, via->find(','));
    const size_t b = top.find_first_not_of(" \t");
    top = b == std::string::npos ? "" : top.substr(b);
    f["via"] = printable(top.substr(0, top.find_last_not_of(" \t") + 1), 200);
  } else {
    f["via"] = "";
  }
  f["contact"] = headerOr(m, "Contact");
  f["expires"] = headerOr(m, "Expires");
  f["content_type"] = headerOr(m, "Content-Type");

  std::string missing;
  for (const char* h : {"Via", "From", "To", "Call-ID", "CSeq"}) {
    if (!m.header(h)) missing += (missing.empty() ? "" : ",") + std::string(h);
  }
  if (!missing.empty()) f["missing"] = missing;

  if (m.request) {
    e.kind = "sip.request";
    f["method"] = m.method;
    f["uri"] = m.uri;
    std::string user, host;
    userHost(addrUri(f["from"]), user, host);
    f["from_user"] = user;
    f["from_host"] = host;
    userHost(addrUri(f["to"]), user, host);
    f["to_user"] = user;
    f["to_host"] = host;
    f["user_agent"] = headerOr(m, "User-Agent");
    f["event"] = headerOr(m, "Event");
    f["authorization"] = m.header("Authorization") ? "yes" : "no";
    f["proxy_authorization"] = m.header("Proxy-Authorization") ? "yes" : "no";
    e.summary = printable(m.method + " " + m.uri, 200) + route;
  } else {
    e.kind = "sip.response";
    f["status"] = std::to_string(m.status);
    f["reason"] = m.reason;
    f["server"] = headerOr(m, "Server");
    f["www_authenticate"] = m.header("WWW-Authenticate") ? "yes" : "no";
    f["proxy_authenticate"] = m.header("Proxy-Authenticate") ? "yes" : "no";
    e.summary = printable(std::to_string(m.status) + " " + m.reason, 200) +
                (cseq_method.empty() ? "" : " (" + printable(cseq_method, 32) + ")") + route;
  }
  return e;
}

}  // namespace phonelab::proto
