#include "fakes/sip/hostile.h"

#include <algorithm>
#include <optional>

#include "base/core/error.h"
#include "base/proto/sdp.h"
#include "fakes/sip/udp.h"

namespace phonelab::fakes {
namespace {

namespace sip = proto::sip;

constexpr double kT1 = 0.5;
constexpr double kT2 = 4.0;

std::string peerOf(const std::string& ip, int port) {
  return ip + ":" + std::to_string(port);
}

Clock::time_point after(double seconds) {
  return Clock::now() + std::chrono::duration_cast<Clock::duration>(Seconds(seconds));
}

std::string hostOf(const std::string& value) {
  auto hp = sipudp::uriHostPort(value);
  return hp ? hp->first : "";
}

}  // namespace

struct HostileSip::Impl {
  HostileOptions opt;
  EventLog* log = nullptr;
  std::unique_ptr<sipudp::Socket> sock;

  std::string local() const { return peerOf(opt.address, sock->port()); }

  void emitSent(const sip::Message& m, const std::string& peer, bool retransmission) {
    auto [cseq, cseq_method] = m.cseq();
    std::map<std::string, std::string> f = {
        {"method", m.method},
        {"call_id", m.callId()},
        {"cseq", std::to_string(cseq)},
        {"peer", peer},
        {"local", local()},
        {"from_host", hostOf(m.header("From") ? *m.header("From") : "")},
        {"event", m.header("Event") ? *m.header("Event") : ""}};
    if (retransmission) f["retransmission"] = "yes";
    log->emit("hostile", "hostile.sent", std::move(f),
              m.startLine() + " to " + peer + (retransmission ? " (retransmission)" : ""));
  }

  void sendMsg(const sip::Message& m, const std::string& ip, int port, bool retx = false) {
    sock->send(ip, port, sip::serialize(m));
    emitSent(m, peerOf(ip, port), retx);
  }

  sip::Message base(const std::string& method, const std::string& uri, const std::string& from,
                    const std::string& to, const std::string& call_id, unsigned long cseq,
                    const std::string& branch) const {
    sip::Message m;
    m.method = method;
    m.uri = uri;
    m.add("Via", "SIP/2.0/UDP " + local() + ";branch=" + branch + ";rport");
    m.add("Max-Forwards", "70");
    m.add("From", from);
    m.add("To", to);
    m.add("Call-ID", call_id);
    m.add("CSeq", std::to_string(cseq) + " " + method);
    return m;
  }
};

HostileSip::HostileSip(const HostileOptions& o, EventLog& log) : impl_(std::make_unique<Impl>()) {
  impl_->opt = o;
  impl_->log = &log;
  impl_->sock = std::make_unique<sipudp::Socket>(o.netns, o.address, o.port);
  log.emit("harness", "fake.start",
           {{"name", "hostile-sip"},
            {"address", o.address},
            {"port", std::to_string(impl_->sock->port())}},
           "hostile SIP server on " + impl_->local());
}

HostileSip::~HostileSip() {
  impl_->log->emit("harness", "fake.stop", {{"name", "hostile-sip"}},
                   "hostile SIP server on " + impl_->local() + " stopped");
}

void HostileSip::setTargetUser(const std::string& user) {
  impl_->opt.target_user = user;
}

sip::Message HostileSip::buildRequest(const std::string& method, const std::string& phone_ip,
                                      int phone_port, const std::string& spoof_from_domain,
                                      const std::string& event,
                                      const std::vector<std::string>& extra_headers,
                                      bool in_dialog) const {
  const Impl& im = *impl_;
  const std::string user = im.opt.target_user.empty() ? "" : im.opt.target_user + "@";
  const std::string uri = "sip:" + user + peerOf(phone_ip, phone_port);
  const std::string from_host = spoof_from_domain.empty() ? im.opt.address : spoof_from_domain;
  const std::string branch = "z9hG4bK" + sip::randomToken(16);
  sip::Message m =
      im.base(method, uri, "<sip:hostile@" + from_host + ">;tag=" + sip::randomToken(10),
              "<sip:" + user + phone_ip + ">" + (in_dialog ? ";tag=" + sip::randomToken(10) : ""),
              sip::randomToken(16) + "@" + im.opt.address, 1, branch);
  const std::string port = std::to_string(im.sock->port());
  if (!spoof_from_domain.empty()) {
    // Every header a sender writes names the listed server; only the packet's source does not.
    for (auto& h : m.headers) {
      if (h.name == "Via") {
        h.value = "SIP/2.0/UDP " + spoof_from_domain + ":" + port + ";branch=" + branch + ";rport";
      }
    }
  }
  m.add("Contact", "<sip:hostile@" + from_host + ":" + port + ">");
  m.add("User-Agent", "phonelab-hostile");
  if (method == "NOTIFY") {
    m.add("Event", event.empty() ? "check-sync" : event);
    m.add("Subscription-State", "active");
  } else if (method == "SUBSCRIBE") {
    m.add("Event", event.empty() ? "dialog" : event);
    m.add("Expires", "60");
  } else if (!event.empty()) {
    m.add("Event", event);
  }
  if (method == "REFER") m.add("Refer-To", "<sip:hostile@" + from_host + ":" + port + ">");
  for (const auto& h : extra_headers) {
    size_t colon = h.find(':');
    std::string name = h.substr(0, colon);
    std::string value = colon == std::string::npos ? "" : h.substr(colon + 1);
    value.erase(0, std::min(value.find_first_not_of(" \t"), value.size()));
    m.add(name, value);
  }
  if (method == "INVITE") {
    m.add("Content-Type", "application/sdp");
    proto::sdp::Session offer;
    offer.origin_user = "hostile";
    offer.origin_id = offer.origin_version = "1";
    offer.origin_address = offer.address = im.opt.address;
    offer.media.push_back(proto::sdp::audio(40100, {0, 8}));
    m.body = proto::sdp::build(offer);
  } else if (method == "MESSAGE") {
    m.add("Content-Type", "text/plain");
    m.body = "phonelab hostile message";
  }
  return m;
}

std::vector<sip::Message> HostileSip::send(const std::string& method, const std::string& phone_ip,
                                           int phone_port, Deadline deadline,
                                           const std::string& spoof_from_domain,
                                           const std::string& event,
                                           const std::vector<std::string>& extra_headers,
                                           bool in_dialog) {
  Impl& im = *impl_;
  const sip::Message req = buildRequest(method, phone_ip, phone_port, spoof_from_domain, event,
                                        extra_headers, in_dialog);
  const std::string bytes = sip::serialize(req);
  const std::string call_id = req.callId();
  const unsigned long cseq = req.cseq().first;
  const std::string from = *req.header("From");
  const std::string peer = peerOf(phone_ip, phone_port);
  const bool invite = method == "INVITE";

  im.sendMsg(req, phone_ip, phone_port);
  double interval = kT1;
  auto next = after(interval);
  bool any_response = false, final_seen = false, bye_sent = false;
  std::vector<sip::Message> out;

  auto handle = [&](const sipudp::Datagram& d) {
    const std::string from_peer = peerOf(d.ip, d.port);
    auto parsed = sip::parse(d.data, false);
    if (!parsed.message) {
      im.log->emit("hostile", "hostile.malformed", {{"peer", from_peer}, {"reason", parsed.error}},
                   "unparseable message from " + from_peer + ": " + parsed.error);
      return;
    }
    sip::Message& m = *parsed.message;
    if (m.request) {
      im.log->emit("hostile", "hostile.received",
                   {{"method", m.method}, {"call_id", m.callId()}, {"peer", from_peer}},
                   m.startLine() + " from " + from_peer);
      if (m.method != "ACK") {
        sip::Message r = sip::makeResponse(m, 200, "OK", sip::randomToken(8));
        im.sock->send(d.ip, d.port, sip::serialize(r));
      }
      return;
    }
    auto [rcseq, rmethod] = m.cseq();
    im.log->emit("hostile", "hostile.response",
                 {{"status", std::to_string(m.status)},
                  {"reason", m.reason},
                  {"method", rmethod},
                  {"call_id", m.callId()},
                  {"cseq", std::to_string(rcseq)},
                  {"peer", from_peer}},
                 m.startLine() + " (" + rmethod + ") from " + from_peer);
    const bool ours = m.callId() == call_id;
    if (ours && rcseq == cseq && rmethod == method) {
      any_response = true;
      if (m.status >= 200) final_seen = true;
    }
    if (ours && invite && rmethod == "INVITE" && rcseq == cseq && m.status >= 200) {
      const std::string* to = m.header("To");
      const std::string to_hdr = to ? *to : *req.header("To");
      if (m.status >= 300) {
        im.sendMsg(im.base("ACK", req.uri, from, to_hdr, call_id, cseq, req.topViaBranch()), d.ip,
                   d.port);
      } else {
        const std::string* contact = m.header("Contact");
        const std::string target = contact ? sipudp::addrSpec(*contact) : req.uri;
        im.sendMsg(
            im.base("ACK", target, from, to_hdr, call_id, cseq, "z9hG4bK" + sip::randomToken(16)),
            d.ip, d.port);
        if (!bye_sent) {  // the phone answered: hang up again at once
          bye_sent = true;
          im.sendMsg(im.base("BYE", target, from, to_hdr, call_id, cseq + 1,
                             "z9hG4bK" + sip::randomToken(16)),
                     d.ip, d.port);
        }
      }
    }
    out.push_back(std::move(m));
  };

  while (!deadline.expired() && !im.log->cancelled()) {
    const bool retransmit = invite ? !any_response : !final_seen;
    auto until = retransmit ? std::min(next, deadline.when()) : deadline.when();
    int ms = static_cast<int>(
        std::chrono::duration_cast<std::chrono::milliseconds>(until - Clock::now()).count());
    if (auto d = im.sock->receive(std::clamp(ms, 0, 200))) handle(*d);
    if (retransmit && (invite ? !any_response : !final_seen) && Clock::now() >= next &&
        !deadline.expired()) {
      im.sock->send(phone_ip, phone_port, bytes);
      im.emitSent(req, peer, true);
      interval = invite ? interval * 2 : std::min(interval * 2, kT2);
      next = after(interval);
    }
  }
  if (invite && any_response && !final_seen) {
    // Still ringing at the deadline: CANCEL, and ACK the 487 (collected for up to 2 s).
    sip::Message cancel =
        im.base("CANCEL", req.uri, from, *req.header("To"), call_id, cseq, req.topViaBranch());
    im.sendMsg(cancel, phone_ip, phone_port);
    auto grace = Deadline::in(Seconds(2));
    while (!final_seen && !grace.expired()) {
      if (auto d = im.sock->receive(std::min(200, grace.remainingMs()))) handle(*d);
    }
  }
  return out;
}

}  // namespace phonelab::fakes
