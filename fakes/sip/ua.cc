#include "fakes/sip/ua.h"

#include <algorithm>
#include <chrono>
#include <cstdio>

#include "base/core/error.h"
#include "base/lab/privileges.h"
#include "fakes/sip/ua_impl.h"

namespace phonelab::fakes {

using namespace ua_detail;

namespace ua_detail {

std::string branch() {
  return "z9hG4bK" + sip::randomToken(16);
}

std::string peerOf(const std::string& ip, int port) {
  return ip + ":" + std::to_string(port);
}

std::string reasonFor(int status) {
  switch (status) {
    case 100:
      return "Trying";
    case 180:
      return "Ringing";
    case 200:
      return "OK";
    case 403:
      return "Forbidden";
    case 404:
      return "Not Found";
    case 481:
      return "Call/Transaction Does Not Exist";
    case 486:
      return "Busy Here";
    case 487:
      return "Request Terminated";
    case 488:
      return "Not Acceptable Here";
    case 501:
      return "Not Implemented";
    case 603:
      return "Decline";
    default:
      return status < 300 ? "OK" : "Error";
  }
}

}  // namespace ua_detail

void TestUa::Impl::emit(const char* kind, const sip::Message& m, const std::string& peer,
                        bool out) {
  auto [cseq, cseq_method] = m.cseq();
  std::map<std::string, std::string> f = {{"call_id", m.callId()},
                                          {"cseq", cseq ? std::to_string(cseq) : ""},
                                          {"cseq_method", cseq_method},
                                          {"peer", peer},
                                          {"ua", self()}};
  if (m.request) {
    f["method"] = m.method;
  } else {
    f["status"] = std::to_string(m.status);
    f["reason"] = m.reason;
  }
  log->emit("ua", kind, std::move(f), m.startLine() + (out ? " to " : " from ") + peer);
}

void TestUa::Impl::send(const sip::Message& m, const std::string& ip, int port) {
  sock->send(ip, port, sip::serialize(m));
  emit("ua.sent", m, peerOf(ip, port), true);
}

sip::Message TestUa::Impl::request(const std::string& method, const std::string& uri,
                                   const std::string& from, const std::string& to,
                                   const std::string& call_id, unsigned long cseq,
                                   const std::string& via_branch) const {
  sip::Message m;
  m.request = true;
  m.method = method;
  m.uri = uri;
  m.add("Via",
        "SIP/2.0/UDP " + peerOf(opt.address, sock->port()) + ";branch=" + via_branch + ";rport");
  m.add("Max-Forwards", "70");
  m.add("From", from);
  m.add("To", to);
  m.add("Call-ID", call_id);
  m.add("CSeq", std::to_string(cseq) + " " + method);
  m.add("User-Agent", "phonelab-ua");
  return m;
}

std::optional<sip::Message> TestUa::Impl::transact(const sip::Message& req, const std::string& ip,
                                                   int port, Deadline deadline, Provisional* prov,
                                                   double ring_window,
                                                   const std::function<void(int)>& on_ringing) {
  const bool invite = req.method == "INVITE";
  const std::string call_id = req.callId();
  const auto cseq = req.cseq();
  const std::string bytes = sip::serialize(req);
  send(req, ip, port);
  double interval = kT1;
  auto next = Clock::now() + std::chrono::duration_cast<Clock::duration>(Seconds(interval));
  Provisional local;
  Provisional& p = prov ? *prov : local;
  std::optional<Deadline> ring_end;
  std::unique_lock<std::mutex> lk(mu);
  for (;;) {
    for (auto it = responses.begin(); it != responses.end();) {
      if (it->callId() != call_id || it->cseq() != cseq) {
        ++it;
        continue;
      }
      sip::Message r = std::move(*it);
      it = responses.erase(it);
      if (r.status >= 200) return r;
      p.any = true;
      if (r.status > 100) {
        const bool first = p.ringing == 0;
        p.ringing = r.status;
        if (first && ring_window >= 0) ring_end = Deadline::in(Seconds(ring_window));
        if (first && on_ringing) {
          lk.unlock();
          on_ringing(r.status);
          lk.lock();
          it = responses.begin();  // the queue may have changed meanwhile
        }
      }
    }
    if (deadline.expired() || log->cancelled()) return std::nullopt;
    if (ring_end && ring_end->expired()) {
      p.ring_window_passed = true;
      return std::nullopt;
    }
    // Retransmit until a provisional (INVITE) or final (others) response.
    if (Clock::now() >= next && !(invite && p.any)) {
      lk.unlock();
      sock->send(ip, port, bytes);
      emit("ua.sent", req, peerOf(ip, port), true);
      lk.lock();
      interval = invite ? interval * 2 : std::min(interval * 2, kT2);
      next = Clock::now() + std::chrono::duration_cast<Clock::duration>(Seconds(interval));
    }
    auto until = std::min(deadline.when(), next);
    if (invite && p.any) until = deadline.when();  // nothing to retransmit
    if (ring_end) until = std::min(until, ring_end->when());
    cv.wait_until(lk, until);
  }
}

std::optional<sip::Message> TestUa::Impl::awaitFinal(
    const std::string& call_id, const std::pair<unsigned long, std::string>& cseq,
    Deadline deadline) {
  std::unique_lock<std::mutex> lk(mu);
  for (;;) {
    for (auto it = responses.begin(); it != responses.end();) {
      if (it->callId() == call_id && it->cseq() == cseq) {
        sip::Message r = std::move(*it);
        it = responses.erase(it);
        if (r.status >= 200) return r;
      } else {
        ++it;
      }
    }
    if (deadline.expired() || log->cancelled()) return std::nullopt;
    cv.wait_until(lk, deadline.when());
  }
}

void TestUa::Impl::run() {
  while (!stop.load()) {
    auto d = sock->receive(50);
    try {
      retransmitResponses();
    } catch (const std::exception&) {
    }
    if (!d) continue;
    const std::string peer = peerOf(d->ip, d->port);
    auto parsed = sip::parse(d->data, false);
    if (!parsed.message) {
      std::string first = d->data.substr(0, std::min<size_t>(d->data.find('\n'), 120));
      log->emit("ua", "ua.received",
                {{"malformed", parsed.error}, {"start", first}, {"peer", peer}, {"ua", self()}},
                "unparseable message from " + peer + ": " + parsed.error);
      continue;
    }
    sip::Message& m = *parsed.message;
    emit("ua.received", m, peer, false);
    try {
      if (m.request) {
        handleRequest(m, d->ip, d->port);
        continue;
      }
      std::string resend_ack;
      std::pair<std::string, int> hop;
      {
        std::lock_guard<std::mutex> lk(mu);
        // A retransmitted 2xx of our INVITE: our ACK was lost; send it again.
        if (m.cseq().second == "INVITE" && m.status >= 200 && m.status < 300 && dialog.caller &&
            dialog.call_id == m.callId() && !dialog.ack_bytes.empty()) {
          resend_ack = dialog.ack_bytes;
          hop = dialog.ack_hop;
        }
        responses.push_back(std::move(m));
        while (responses.size() > kMaxQueued) responses.pop_front();
      }
      cv.notify_all();
      if (!resend_ack.empty()) sock->send(hop.first, hop.second, resend_ack);
    } catch (const std::exception& e) {
      log->emit("ua", "ua.error", {{"error", e.what()}, {"ua", self()}},
                std::string("test UA error: ") + e.what());
    }
  }
}

std::pair<std::string, int> TestUa::Impl::nextHop(const std::vector<std::string>& route_set,
                                                  const std::string& target,
                                                  const std::pair<std::string, int>& fallback) {
  if (!route_set.empty()) {
    if (auto hp = sipudp::uriHostPort(route_set.front())) return *hp;
  }
  if (auto hp = sipudp::uriHostPort(target)) return *hp;
  return fallback;
}

TestUa::TestUa(const UaOptions& o, EventLog& log) : impl_(std::make_unique<Impl>()) {
  Impl& im = *impl_;
  im.opt = o;
  im.log = &log;
  if (o.user.empty()) throw Error("test UA: no user");
  im.sock = std::make_unique<sipudp::Socket>(o.netns, o.address, o.port);
  im.reg_call_id = sip::randomToken(16) + "@" + o.address;
  im.reg_tag = sip::randomToken(10);
  // The socket is bound: the thread that parses what reaches the UA runs as nobody.
  im.thread = lab::startUnprivilegedThread("phl-ua", [&im] { im.run(); });
  log.emit("harness", "fake.start",
           {{"name", "sip-ua"},
            {"user", o.user},
            {"address", o.address},
            {"port", std::to_string(im.sock->port())}},
           "test UA " + im.self() + " started");
}

TestUa::~TestUa() {
  impl_->stop = true;
  impl_->sock->wake();
  if (impl_->thread.joinable()) impl_->thread.join();
  impl_->log->emit("harness", "fake.stop", {{"name", "sip-ua"}, {"user", impl_->opt.user}},
                   "test UA " + impl_->self() + " stopped");
}

std::vector<sip::Message> TestUa::sendRaw(const std::string& dst_ip, int dst_port,
                                          const std::string& bytes, Deadline deadline) {
  Impl& im = *impl_;
  auto parsed = sip::parse(bytes, false);
  const std::string call_id = parsed.message ? parsed.message->callId() : "";
  im.sock->send(dst_ip, dst_port, bytes);
  const std::string peer = peerOf(dst_ip, dst_port);
  if (parsed.message) {
    im.emit("ua.sent", *parsed.message, peer, true);
  } else {
    std::string first = bytes.substr(0, std::min<size_t>(bytes.find_first_of("\r\n"), 120));
    im.log->emit("ua", "ua.sent", {{"peer", peer}, {"malformed", parsed.error}, {"ua", im.self()}},
                 first + " to " + peer);
  }
  std::vector<sip::Message> out;
  std::unique_lock<std::mutex> lk(im.mu);
  for (;;) {
    for (auto it = im.responses.begin(); it != im.responses.end();) {
      if (call_id.empty() || it->callId() == call_id) {
        out.push_back(std::move(*it));
        it = im.responses.erase(it);
      } else {
        ++it;
      }
    }
    if (deadline.expired() || im.log->cancelled()) return out;
    im.cv.wait_until(lk, deadline.when());
  }
}

int TestUa::lastStatus() const {
  return impl_->last_status.load();
}
bool TestUa::inCall() const {
  std::lock_guard<std::mutex> lk(impl_->mu);
  return impl_->dialog.active;
}
std::string TestUa::remoteSdp() const {
  std::lock_guard<std::mutex> lk(impl_->mu);
  return impl_->dialog.remote_sdp;
}
std::vector<sip::Message> TestUa::receivedRequests() const {
  std::lock_guard<std::mutex> lk(impl_->mu);
  return impl_->received_requests;
}
void TestUa::setOffer(std::vector<int> payload_types) {
  std::lock_guard<std::mutex> lk(impl_->mu);
  impl_->offer = payload_types.empty() ? std::vector<int>{0, 8, 101} : std::move(payload_types);
}
const UaOptions& TestUa::options() const {
  return impl_->opt;
}
std::string TestUa::contactUri() const {
  return impl_->contact();
}

}  // namespace phonelab::fakes
