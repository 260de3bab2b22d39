// The test UA's calls: INVITE (answering digest challenges right or wrong as a scenario asks,
// replaying an earlier answer), CANCEL of a call that only rings, ACK, and BYE.

#include <algorithm>
#include <cstdio>

#include "fakes/sip/ua_impl.h"

namespace phonelab::fakes {

using namespace ua_detail;

namespace {

/// The same Request-URI for another user: what a digest computed for another request names.
std::string otherRequestUri(const std::string& uri) {
  const size_t colon = uri.find(':');
  const size_t at = uri.find('@');
  if (colon == std::string::npos) return uri + "-other";
  if (at == std::string::npos || at < colon)
    return uri.substr(0, colon + 1) + "other@" + uri.substr(colon + 1);
  return uri.substr(0, colon + 1) + "other" + uri.substr(at);
}

/// Credentials for `ch` as `o` asks: right, or wrong in the one part o.auth_wrong names.
sip::DigestCredentials credentialsFor(const sip::DigestChallenge& ch, const CallOptions& o,
                                      const std::string& uri, unsigned long nc) {
  sip::DigestChallenge c = ch;
  std::string method = "INVITE", digest_uri = uri;
  if (o.auth_wrong == "realm") c.realm = "other." + c.realm;
  if (o.auth_wrong == "nonce") c.nonce = sip::randomToken(32);
  if (o.auth_wrong == "uri") digest_uri = otherRequestUri(uri);
  if (o.auth_wrong == "method") method = "BYE";
  auto cred = sip::answerChallenge(c, o.auth_user, o.auth_password, method, digest_uri);
  if (!cred.qop.empty()) {
    char buf[16];
    std::snprintf(buf, sizeof buf, "%08lx", nc & 0xffffffffUL);
    cred.nc = buf;
    cred.response = sip::digestResponse(cred, o.auth_password, method);
  }
  if (o.auth_wrong == "response" && !cred.response.empty()) {
    char& last = cred.response.back();
    last = last == '0' ? '1' : '0';
  }
  return cred;
}

}  // namespace

int TestUa::call(const std::string& target_uri, const std::string& via, Deadline deadline,
                 std::string& why, const std::string& auth_user, const std::string& auth_password) {
  CallOptions o;
  o.auth_user = auth_user;
  o.auth_password = auth_password;
  CallOutcome out = invite(target_uri, via, deadline, o, "", "");
  why = out.why;
  return out.status;
}

CallOutcome TestUa::call(const std::string& target_uri, const std::string& via, Deadline deadline,
                         const CallOptions& options) {
  return invite(target_uri, via, deadline, options, "", "");
}

int TestUa::replayCall(const std::string& target_uri, const std::string& via, Deadline deadline,
                       std::string& why) {
  CallOutcome out = replayCall(target_uri, via, deadline, CallOptions{});
  why = out.why;
  return out.status;
}

CallOutcome TestUa::replayCall(const std::string& target_uri, const std::string& via,
                               Deadline deadline, const CallOptions& options) {
  std::string header, value;
  {
    std::lock_guard<std::mutex> lk(impl_->mu);
    header = impl_->last_auth_header;
    value = impl_->last_auth_value;
  }
  if (header.empty()) {
    impl_->last_status = 0;
    CallOutcome out;
    out.replay = true;
    out.why = "nothing to replay: no earlier call answered a challenge";
    return out;
  }
  CallOptions o = options;
  o.auth_user.clear();  // a new challenge is not answered
  o.auth_password.clear();
  CallOutcome out = invite(target_uri, via, deadline, o, header, value);
  out.replay = true;
  return out;
}

CallOutcome TestUa::invite(const std::string& target_uri, const std::string& via, Deadline deadline,
                           const CallOptions& options, const std::string& preset_header,
                           const std::string& preset_value) {
  Impl& im = *impl_;
  im.last_status = 0;
  CallOutcome out;
  const auto hop = sipudp::splitHostPort(via);
  const std::string from =
      "<sip:" + im.opt.user + "@" + im.domain() + ">;tag=" + sip::randomToken(10);
  const std::string to = "<" + target_uri + ">";
  const std::string call_id = sip::randomToken(16) + "@" + im.opt.address;
  unsigned long cseq = 1;
  std::string auth_header = preset_header, auth_value = preset_value;
  const bool reuse = options.auth_reuse_nonce || options.auth_wrong == "nc-replay";
  if (reuse) {
    std::lock_guard<std::mutex> lk(im.mu);
    if (!im.last_challenge) {
      out.why = "no nonce to reuse: no earlier call answered a challenge";
      return out;
    }
    // nc-replay: the count already sent for this nonce again; reuse: the next count.
    const unsigned long nc = options.auth_wrong == "nc-replay" ? im.last_nc : im.last_nc + 1;
    auth_header = im.last_auth_method;
    auth_value =
        sip::formatCredentials(credentialsFor(*im.last_challenge, options, target_uri, nc));
    im.last_nc = std::max(im.last_nc, nc);
  }
  bool rang = false;     // on_ringing runs once per call, not once per INVITE of it
  bool crossed = false;  // a 2xx crossed our CANCEL
  for (int attempt = 0; attempt < 3; ++attempt) {
    const std::string br = branch();
    sip::Message inv = im.request("INVITE", target_uri, from, to, call_id, cseq, br);
    inv.add("Contact", "<" + im.contact() + ">");
    inv.add("Allow", "INVITE, ACK, CANCEL, BYE, OPTIONS, NOTIFY, MESSAGE, INFO, UPDATE");
    for (const auto& h : options.headers) {
      const size_t colon = h.find(':');
      if (colon == std::string::npos) continue;
      std::string value = h.substr(colon + 1);
      value.erase(0, value.find_first_not_of(" \t"));
      inv.add(h.substr(0, colon), value);
    }
    inv.add("Content-Type", "application/sdp");
    if (!auth_header.empty()) inv.add(auth_header, auth_value);
    std::vector<int> offer;
    {
      std::lock_guard<std::mutex> lk(im.mu);
      offer = im.offer;
    }
    // The session-level c= may name another lab address and the audio stream its own c=: a phone
    // must send its RTP to the media-level one (RFC 4566 5.7).
    inv.body = sdp(im.opt.address, im.opt.rtp_port, std::to_string(cseq), offer,
                   im.opt.sdp_session_address);
    Impl::Provisional prov;
    auto on_ringing = [&](int status) {
      if (!rang && options.on_ringing) options.on_ringing(status);
      rang = true;
    };
    auto r =
        im.transact(inv, hop.first, hop.second, deadline, &prov, options.ring_window, on_ringing);
    if (prov.ringing) out.ringing = prov.ringing;
    if (!r && prov.any) {
      // Ringing past the ring window or the deadline: stop it. CANCEL (RFC 3261 9.1), then the
      // INVITE's final response: 487 (ACKed), or a 2xx that crossed the CANCEL (a dialog).
      sip::Message cancel = im.request("CANCEL", target_uri, from, to, call_id, cseq, br);
      im.transact(cancel, hop.first, hop.second, Deadline::in(Seconds(2)));
      out.cancelled = true;
      out.why = prov.ring_window_passed
                    ? "rang (" + std::to_string(prov.ringing) + ") and was not answered within " +
                          formatSeconds(options.ring_window) + ": cancelled"
                    : "no final response to INVITE " + target_uri + " via " + via +
                          " before the deadline: cancelled";
      r = im.awaitFinal(call_id, {cseq, "INVITE"}, Deadline::in(Seconds(2)));
      if (!r) {
        out.why += " (no final response to the INVITE after the CANCEL)";
        return out;
      }
      if (r->status < 300) {
        out.cancelled = false;
        crossed = true;
        out.why = "answered as it was cancelled";
      }
    } else if (!r) {
      out.why = "no response to INVITE " + target_uri + " via " + via + " before the deadline";
      return out;
    }
    im.last_status = r->status;
    out.status = r->status;
    const std::string* rto = r->header("To");
    if (r->status >= 300) {
      // ACK of a non-2xx final response: same branch and Request-URI, hop by hop.
      sip::Message ack = im.request("ACK", target_uri, from, rto ? *rto : to, call_id, cseq, br);
      im.send(ack, hop.first, hop.second);
      if (out.cancelled) {
        out.why += " (" + r->startLine() + ")";
        return out;
      }
      const bool challenged = r->status == 401 || r->status == 407;
      if (!challenged || options.auth_user.empty() || attempt > 0 || reuse) {
        out.why = r->startLine();
        return out;
      }
      auto ch = sip::pickChallenge(
          r->headerValues(r->status == 401 ? "WWW-Authenticate" : "Proxy-Authenticate"),
          options.auth_algorithm);
      if (!ch) {
        out.why = r->startLine() + " without a usable challenge" +
                  (options.auth_algorithm.empty() ? "" : " for " + options.auth_algorithm);
        return out;
      }
      auth_header = r->status == 401 ? "Authorization" : "Proxy-Authorization";
      auth_value = sip::formatCredentials(credentialsFor(*ch, options, target_uri, 1));
      {
        std::lock_guard<std::mutex> lk(im.mu);
        im.last_auth_header = auth_header;
        im.last_auth_value = auth_value;
        im.last_challenge = *ch;
        im.last_auth_method = auth_header;
        im.last_nc = 1;
      }
      ++cseq;
      continue;
    }
    // 2xx: the dialog, then an ACK to the remote target through the route set.
    Impl::Dialog d;
    d.active = true;
    d.caller = true;
    d.call_id = call_id;
    d.from_hdr = from;
    d.to_hdr = rto ? *rto : to;
    const std::string* contact = r->header("Contact");
    d.remote_target = contact ? sipudp::addrSpec(*contact) : target_uri;
    d.route_set = r->headerValues("Record-Route");
    std::reverse(d.route_set.begin(), d.route_set.end());
    d.local_cseq = cseq;
    d.remote_sdp = r->body;
    sip::Message ack =
        im.request("ACK", d.remote_target, d.from_hdr, d.to_hdr, call_id, cseq, branch());
    for (const auto& rr : d.route_set) ack.add("Route", rr);
    d.ack_hop = im.nextHop(d.route_set, d.remote_target, hop);
    d.ack_bytes = sip::serialize(ack);
    im.send(ack, d.ack_hop.first, d.ack_hop.second);
    {
      std::lock_guard<std::mutex> lk(im.mu);
      im.dialog = std::move(d);
    }
    if (!crossed) out.why.clear();
    return out;
  }
  out.why = "INVITE challenged too often";
  out.status = im.last_status;
  return out;
}

bool TestUa::hangup(Deadline deadline, std::string& why) {
  Impl& im = *impl_;
  im.last_status = 0;
  Impl::Dialog d;
  unsigned long cseq;
  {
    std::lock_guard<std::mutex> lk(im.mu);
    if (!im.dialog.active) {
      why = "no call to hang up";
      return false;
    }
    d = im.dialog;
    cseq = ++im.dialog.local_cseq;
  }
  sip::Message bye =
      im.request("BYE", d.remote_target, d.from_hdr, d.to_hdr, d.call_id, cseq, branch());
  for (const auto& rr : d.route_set) bye.add("Route", rr);
  const auto fallback =
      im.opt.proxy.empty() ? std::make_pair(std::string(), 0) : sipudp::splitHostPort(im.opt.proxy);
  const auto hop = im.nextHop(d.route_set, d.remote_target, fallback);
  if (hop.first.empty()) {
    why = "no address to send the BYE to";
    return false;
  }
  auto r = im.transact(bye, hop.first, hop.second, deadline);
  if (!r) {
    why = "no final response to BYE before the deadline";
    return false;
  }
  im.last_status = r->status;
  {
    std::lock_guard<std::mutex> lk(im.mu);
    if (im.dialog.call_id == d.call_id) im.dialog.active = false;
  }
  if (r->status >= 200 && r->status < 300) {
    why.clear();
    return true;
  }
  why = r->startLine();
  return false;
}

}  // namespace phonelab::fakes
