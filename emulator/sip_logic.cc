#include "emulator/sip_logic.h"

#include <algorithm>
#include <cctype>
#include <cstdint>

namespace sip = phonelab::proto::sip;
namespace sdp = phonelab::proto::sdp;

namespace phonelab::emulator {

namespace {

std::string trimmed(const std::string& s) {
  size_t b = s.find_first_not_of(" \t");
  if (b == std::string::npos) return "";
  size_t e = s.find_last_not_of(" \t");
  return s.substr(b, e - b + 1);
}

std::string lowered(std::string s) {
  for (auto& c : s) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return s;
}

}  // namespace

std::vector<std::string> parseDomainList(const std::string& value, bool semicolon_only) {
  std::vector<std::string> out;
  std::string cur;
  auto flush = [&] {
    auto t = trimmed(cur);
    if (!t.empty()) out.push_back(t);
    cur.clear();
  };
  for (char c : value) {
    if (c == ';' || (c == ',' && !semicolon_only)) {
      flush();
    } else {
      cur += c;
    }
  }
  flush();
  return out;
}

void RestrictedDomains::configure(std::vector<std::string> names) {
  names_ = std::move(names);
  allowed_.clear();
}

bool RestrictedDomains::listsHost(const std::string& host) const {
  if (host.empty()) return false;
  const std::string h = lowered(host);
  for (const auto& n : names_) {
    if (lowered(n) == h) return true;
  }
  return allowed_.count(host) != 0;
}

namespace {

/// "host", "host:port", "[v6]:port" -> host.
std::string hostOfHostPort(std::string hp) {
  hp = trimmed(hp);
  if (!hp.empty() && hp.front() == '[') return hp.substr(0, hp.find(']') + 1);
  return hp.substr(0, hp.find(':'));
}

}  // namespace

std::string topViaHost(const sip::Message& m) {
  const std::string* via = m.header("Via");
  if (!via) return "";
  // "SIP/2.0/UDP host:port;branch=..., SIP/2.0/UDP ..." : the first value's sent-by.
  std::string v = via->substr(0, via->find(','));
  v = trimmed(v.substr(0, v.find(';')));
  const size_t sp = v.find_first_of(" \t");
  if (sp == std::string::npos) return "";
  return hostOfHostPort(v.substr(sp + 1));
}

std::string fromHost(const sip::Message& m) {
  const std::string* from = m.header("From");
  if (!from) return "";
  std::string uri = sip::headerUri(*from);
  if (auto colon = uri.find(':'); colon != std::string::npos) uri = uri.substr(colon + 1);
  uri = uri.substr(0, uri.find_first_of(";?>"));
  if (auto at = uri.rfind('@'); at != std::string::npos) uri = uri.substr(at + 1);
  return hostOfHostPort(uri);
}

RadDecision radAdmits(const RestrictedDomains& rad, const sip::Message& request,
                      const std::string& ip, const RadFaults& f) {
  RadDecision d;
  if (f.in_dialog_bypass && !request.toTag().empty()) {
    // The request carries a To tag, so the stack hands it to the dialog layer, which never
    // looks at Restricted Access Domains (only new requests go through the filter).
    d.allowed = true;
    d.fault = "restricted-domains-in-dialog-bypass";
    return d;
  }
  if (f.invite_only && request.method != "INVITE") {
    d.allowed = true;
    d.fault = "restricted-domains-invite-only";
    return d;
  }
  if (f.trusts_headers) {
    // Who the request says it is from, not where it came from.
    d.allowed = rad.listsHost(topViaHost(request)) || rad.listsHost(fromHost(request));
    if (d.allowed && !rad.allows(ip)) d.fault = "restricted-domains-trusts-headers";
    return d;
  }
  d.allowed = rad.allows(ip);
  if (!d.allowed && f.address_prefix) {
    // strncmp(source, listed, strlen(listed)): "198.18.0.66" begins with "198.18.0.6".
    for (const auto& a : rad.addresses()) {
      if (ip.compare(0, a.size(), a) == 0) {
        d.allowed = true;
        d.fault = "restricted-domains-address-prefix";
      }
    }
  }
  return d;
}

UnlistedAction unlistedAction(const sip::Message& request, const UnlistedFaults& f) {
  if (f.ignore) return UnlistedAction::Process;
  if (f.reboot_on_notify && request.method == "NOTIFY" && classifyNotify(request).resync) {
    return UnlistedAction::Process;  // the event package's handler runs before the filter
  }
  if (f.answer_403) return UnlistedAction::Answer403;
  return UnlistedAction::Drop;
}

NotifyAction classifyNotify(const sip::Message& notify) {
  NotifyAction a;
  const std::string* ev = notify.header("Event");
  if (!ev) return a;
  size_t semi = ev->find(';');
  a.event = trimmed(ev->substr(0, semi));
  if (lowered(a.event) != "check-sync") return a;
  a.resync = true;
  auto reboot = sip::headerParam(*ev, "reboot");
  a.reboot = reboot && lowered(*reboot) == "true";
  return a;
}

std::string InviteAuth::issueNonce(double now) {
  // Forget nonces long past their lifetime, so a flood of INVITEs cannot grow the table.
  for (auto it = nonces_.begin(); it != nonces_.end();) {
    it = now - it->second.issued > 2 * policy_.nonce_lifetime ? nonces_.erase(it) : std::next(it);
  }
  std::string n = sip::randomToken(32);
  nonces_[n] = NonceState{now, 0};
  return n;
}

InviteAuth::Decision InviteAuth::challenge(const std::string& realm, std::string why, double now,
                                           bool stale) {
  Decision d;
  d.verdict = Verdict::Challenge;
  const std::string nonce = issueNonce(now);
  for (const auto& a : policy_.algorithms) {
    sip::DigestChallenge c;
    c.realm = realm;
    c.nonce = nonce;
    c.algorithm = a;
    c.qop = "auth";
    c.stale = stale;
    d.challenges.push_back(sip::formatChallenge(c));
  }
  d.why = std::move(why);
  return d;
}

InviteAuth::Decision InviteAuth::decide(const sip::Message& invite, const std::string& user,
                                        const std::string& password, const std::string& realm,
                                        double now) {
  if (faults_.first_call_only && authenticated_) {
    Decision d;
    d.verdict = Verdict::Accept;
    d.why = "fault auth-invite-first-call-only: a call was authenticated already";
    return d;
  }
  const std::string* auth = invite.header("Authorization");
  if (!auth) return challenge(realm, "no Authorization", now);
  auto cred = sip::parseCredentials(*auth);
  if (!cred) return challenge(realm, "Authorization is not Digest", now);
  if (faults_.accepts_any && cred->username == user) {
    Decision d;
    d.verdict = Verdict::Accept;
    d.why = "fault auth-invite-accepts-any: username " + user + " accepted without checking";
    authenticated_ = true;
    return d;
  }
  auto it = nonces_.find(cred->nonce);
  if (it == nonces_.end()) return challenge(realm, "nonce not issued by us", now);
  if (now - it->second.issued > policy_.nonce_lifetime && !faults_.nonce_never_expires) {
    return challenge(realm, "nonce expired", now, true);
  }
  unsigned long nc = 0;
  if (cred->nc.size() == 8 &&
      cred->nc.find_first_not_of("0123456789abcdefABCDEF") == std::string::npos) {
    nc = std::stoul(cred->nc, nullptr, 16);
  }
  if (nc <= it->second.last_nc && !faults_.nonce_replay) {
    return challenge(realm, "nonce count " + cred->nc + " not above the last accepted", now);
  }
  sip::DigestExpected want;
  want.method = invite.method;
  want.uri = faults_.uri_unchecked ? cred->uri : invite.uri;
  want.realm = faults_.client_realm ? cred->realm : realm;
  want.algorithms = policy_.algorithms;
  Decision d;
  if (cred->username != user && !faults_.any_username) {
    d.verdict = Verdict::Forbidden;
    d.why = "unknown username \"" + cred->username + "\"";
  } else if (auto bad = sip::digestMismatch(*cred, password, want); !bad.empty()) {
    d.verdict = Verdict::Forbidden;
    d.why = bad;
  } else {
    it->second.last_nc = std::max(it->second.last_nc, nc);
    authenticated_ = true;
    d.verdict = Verdict::Accept;
    d.why = std::string("credentials of ") + user + " verified (" + cred->algorithm + ", nc " +
            cred->nc + ")";
  }
  return d;
}

RenewReaction renewReaction(DhcpRenewOutcome outcome, bool no_reset_fault) {
  switch (outcome) {
    case DhcpRenewOutcome::SameAddress:
      return RenewReaction::Reregister;
    case DhcpRenewOutcome::Changed:
    case DhcpRenewOutcome::Nak:
      return no_reset_fault ? RenewReaction::CarryOn : RenewReaction::Reset;
    case DhcpRenewOutcome::Timeout:
      return RenewReaction::CarryOn;
  }
  return RenewReaction::CarryOn;
}

const char* renewOutcomeName(DhcpRenewOutcome o) {
  switch (o) {
    case DhcpRenewOutcome::SameAddress:
      return "same address";
    case DhcpRenewOutcome::Changed:
      return "different address";
    case DhcpRenewOutcome::Nak:
      return "DHCPNAK";
    case DhcpRenewOutcome::Timeout:
      return "no answer";
  }
  return "?";
}

std::optional<ProxyAddress> parseProxy(const std::string& value) {
  std::string v = trimmed(value);
  if (lowered(v.substr(0, 4)) == "sip:") v = v.substr(4);
  v = v.substr(0, v.find_first_of(";?>"));
  if (auto at = v.find('@'); at != std::string::npos) v = v.substr(at + 1);
  if (v.empty()) return std::nullopt;
  ProxyAddress p;
  size_t colon = v.find(':');
  p.host = v.substr(0, colon);
  if (p.host.empty()) return std::nullopt;
  for (char c : p.host) {
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.')) return std::nullopt;
  }
  if (colon != std::string::npos) {
    std::string port = v.substr(colon + 1);
    if (port.empty() || port.size() > 5) return std::nullopt;
    unsigned n = 0;
    for (char c : port) {
      if (c < '0' || c > '9') return std::nullopt;
      n = n * 10 + static_cast<unsigned>(c - '0');
    }
    if (n == 0 || n > 65535) return std::nullopt;
    p.port = static_cast<uint16_t>(n);
    p.port_given = true;
  }
  return p;
}

std::optional<sdp::Session> sdpAnswerSession(const std::string& offer, const std::string& own_ip,
                                             uint16_t rtp_port, uint64_t session_id) {
  std::vector<int> payloads = {0, 8};
  if (!offer.empty()) {
    const auto in = sdp::parse(offer);
    const auto audio = std::find_if(in.media.begin(), in.media.end(),
                                    [](const sdp::Media& m) { return m.type == "audio"; });
    if (audio == in.media.end()) return std::nullopt;
    payloads.clear();
    for (const auto& f : audio->formats) {
      if ((f == "0" || f == "8") && payloads.size() < 2) payloads.push_back(f == "0" ? 0 : 8);
    }
    if (payloads.empty()) return std::nullopt;
  }
  sdp::Session s;
  s.origin_id = s.origin_version = std::to_string(session_id);
  s.origin_address = s.address = own_ip;
  s.name = "phone-emulator";
  s.media.push_back(sdp::audio(rtp_port, payloads));
  s.media.back().ptime = 20;
  s.media.back().direction = sdp::Direction::SendRecv;
  return s;
}

std::optional<std::string> sdpAnswer(const std::string& offer, const std::string& own_ip,
                                     uint16_t rtp_port, uint64_t session_id) {
  auto s = sdpAnswerSession(offer, own_ip, rtp_port, session_id);
  if (!s) return std::nullopt;
  return sdp::build(*s);
}

bool hasHeaderLongerThan(const sip::Message& m, size_t limit) {
  for (const auto& h : m.headers) {
    if (h.value.size() > limit) return true;
  }
  return false;
}

std::string inDialogNullField(const sip::Message& m) {
  if (m.toTag().empty()) return "the To tag";
  const std::string* cseq = m.header("CSeq");
  const std::string v = cseq ? trimmed(*cseq) : "";
  const size_t digits = v.find_first_not_of("0123456789");
  if (digits == 0 || v.empty()) return "the CSeq number";
  return "";
}

bool contentLengthOverruns(std::string_view datagram, size_t buffer) {
  size_t end = datagram.find("\r\n\r\n");
  size_t body_at = end == std::string_view::npos ? std::string_view::npos : end + 4;
  if (body_at == std::string_view::npos) {
    end = datagram.find("\n\n");
    if (end == std::string_view::npos) return false;
    body_at = end + 2;
  }
  const std::string_view head = datagram.substr(0, end);
  size_t pos = 0;
  while (pos < head.size()) {
    size_t eol = head.find('\n', pos);
    if (eol == std::string_view::npos) eol = head.size();
    std::string_view line = head.substr(pos, eol - pos);
    pos = eol + 1;
    const size_t colon = line.find(':');
    if (colon == std::string_view::npos) continue;
    const std::string name = lowered(trimmed(std::string(line.substr(0, colon))));
    if (name != "content-length" && name != "l") continue;
    const std::string value = trimmed(std::string(line.substr(colon + 1)));
    // As atoi would: the leading digits; a huge value saturates.
    size_t n = 0;
    bool any = false;
    for (char c : value) {
      if (c < '0' || c > '9' || c == '\r') break;
      any = true;
      n = n > (SIZE_MAX - 9) / 10 ? SIZE_MAX : n * 10 + static_cast<size_t>(c - '0');
    }
    if (!any) continue;
    const size_t available = datagram.size() - body_at;
    return n > available && (n >= buffer || body_at + n > buffer);
  }
  return false;
}

std::optional<long> autoAnswerAfter(const sip::Message& invite) {
  for (const auto& v : invite.headerValues("Call-Info")) {
    auto after = sip::headerParam(v, "answer-after");
    if (!after) continue;
    const std::string n = trimmed(*after);
    if (n.empty() || n.size() > 4 || n.find_first_not_of("0123456789") != std::string::npos) {
      continue;  // not a delta-seconds value: not a request we understand
    }
    return std::stol(n);
  }
  return std::nullopt;
}

}  // namespace phonelab::emulator
