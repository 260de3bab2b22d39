#include "fakes/sip/ua.h"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstdio>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <thread>

#include "base/core/error.h"
#include "base/lab/privileges.h"
#include "base/proto/sdp.h"
#include "fakes/sip/udp.h"

namespace phonelab::fakes {
namespace {

namespace sip = proto::sip;

constexpr double kT1 = 0.5;  // RFC 3261 timer T1, seconds
constexpr double kT2 = 4.0;
constexpr size_t kMaxQueued = 128;

std::string branch() {
  return "z9hG4bK" + sip::randomToken(16);
}

std::string peerOf(const std::string& ip, int port) {
  return ip + ":" + std::to_string(port);
}

/// Our SDP: PCMU (0), PCMA (8) and telephone-event (101), or only the payload types in `offer`.
/// The audio stream's own (media-level) c= is `address`; the session-level c= is
/// `session_address` ("" = `address`): RFC 4566 5.7 lets the media-level one override it.
std::string sdp(const std::string& address, int rtp_port, const std::string& session,
                const std::vector<int>& offer = {0, 8, 101},
                const std::string& session_address = "") {
  proto::sdp::Session s;
  s.origin_user = s.name = "phonelab";
  s.origin_id = session;
  s.origin_version = "1";
  s.origin_address = s.address = address;
  auto m = proto::sdp::audio(static_cast<uint16_t>(rtp_port), offer, /*telephone_event=*/101);
  if (!session_address.empty() && session_address != address) {
    s.address = session_address;
    m.address = address;
  }
  m.ptime = 20;
  m.direction = proto::sdp::Direction::SendRecv;
  s.media.push_back(std::move(m));
  return proto::sdp::build(s);
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

}  // namespace

struct TestUa::Impl {
  struct Dialog {
    bool active = false;
    bool caller = false;
    std::string call_id;
    std::string from_hdr;  // our side, with our tag (From of our in-dialog requests)
    std::string to_hdr;    // their side, with their tag
    std::string remote_target;
    std::vector<std::string> route_set;  // Route values in the order we send them
    unsigned long local_cseq = 0;
    std::string remote_sdp;
    std::string ack_bytes;  // our ACK of their 2xx (resent on a retransmitted 2xx)
    std::pair<std::string, int> ack_hop;
  };
  /// An INVITE we answered: its final response is retransmitted until the ACK.
  struct ServerInvite {
    std::string call_id, branch;
    std::string response;  // serialized final response
    std::string ip;
    int port = 0;
    bool acked = false;
    bool reliable = false;  // 2xx: retransmit (Timer G) until ACK
    Clock::time_point next;
    double interval = kT1;
    Clock::time_point give_up;
  };

  UaOptions opt;
  EventLog* log = nullptr;
  std::unique_ptr<sipudp::Socket> sock;
  std::thread thread;
  std::atomic<bool> stop{false};
  std::atomic<int> last_status{0};

  mutable std::mutex mu;
  std::condition_variable cv;
  std::deque<sip::Message> responses;
  Dialog dialog;
  std::map<std::string, ServerInvite> server_invites;  // by Call-ID
  std::vector<sip::Message> received_requests;
  std::vector<int> offer = {0, 8, 101};  // payload types our INVITEs offer
  std::string reg_call_id;
  std::string last_auth_header, last_auth_value;       // the last answer to a challenge in call()
  std::optional<sip::DigestChallenge> last_challenge;  // the challenge that answer was for
  std::string last_auth_method;                        // Authorization or Proxy-Authorization
  unsigned long last_nc = 0;                           // the nonce count last sent for it
  unsigned long reg_cseq = 0;
  std::string reg_tag;

  std::string self() const { return opt.user + "@" + peerOf(opt.address, sock->port()); }
  std::string contact() const {
    return "sip:" + opt.user + "@" + peerOf(opt.address, sock->port());
  }
  std::string domain() const {
    if (!opt.domain.empty()) return opt.domain;
    if (!opt.proxy.empty()) return sipudp::splitHostPort(opt.proxy).first;
    return opt.address;
  }

  void emit(const char* kind, const sip::Message& m, const std::string& peer, bool out) {
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

  void send(const sip::Message& m, const std::string& ip, int port) {
    sock->send(ip, port, sip::serialize(m));
    emit("ua.sent", m, peerOf(ip, port), true);
  }

  sip::Message request(const std::string& method, const std::string& uri, const std::string& from,
                       const std::string& to, const std::string& call_id, unsigned long cseq,
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

  /// How a transaction's provisional responses went (INVITE).
  struct Provisional {
    bool any = false;  // any provisional (stops Timer A)
    int ringing = 0;   // the last one above 100 (180, 183)
    bool ring_window_passed = false;
  };

  /// Sends `req` and waits for its final response, retransmitting per RFC 3261 17.1 (INVITE:
  /// Timer A until a provisional; others: Timer E). Provisional responses are noted in *prov;
  /// with ring_window >= 0 the wait ends that long after the first one above 100 (nullopt,
  /// prov->ring_window_passed), and on_ringing runs (without the lock) when it arrives.
  std::optional<sip::Message> transact(const sip::Message& req, const std::string& ip, int port,
                                       Deadline deadline, Provisional* prov = nullptr,
                                       double ring_window = -1,
                                       const std::function<void(int)>& on_ringing = {}) {
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

  /// Waits (without sending) for the final response of a transaction already sent.
  std::optional<sip::Message> awaitFinal(const std::string& call_id,
                                         const std::pair<unsigned long, std::string>& cseq,
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

  void reply(const sip::Message& req, int status, const std::string& ip, int port,
             const std::string& to_tag = "", const std::string& body = "") {
    sip::Message r = sip::makeResponse(req, status, reasonFor(status), to_tag);
    r.add("Server", "phonelab-ua");
    // RFC 3261 12.1.1: responses that establish (or refresh) a dialog carry the Record-Route.
    if (req.method == "INVITE" && status > 100 && status < 300) {
      for (const auto& rr : req.headerValues("Record-Route")) r.add("Record-Route", rr);
    }
    if (!body.empty()) {
      r.add("Contact", "<" + contact() + ">");
      r.add("Content-Type", "application/sdp");
      r.body = body;
    }
    send(r, ip, port);
  }

  void handleRequest(const sip::Message& req, const std::string& ip, int port) {
    const std::string call_id = req.callId();
    {
      std::lock_guard<std::mutex> lk(mu);
      received_requests.push_back(req);
      if (received_requests.size() > 1024) received_requests.erase(received_requests.begin());
    }
    const std::string& m = req.method;
    if (m == "ACK") {
      std::lock_guard<std::mutex> lk(mu);
      auto it = server_invites.find(call_id);
      if (it != server_invites.end()) it->second.acked = true;
      return;
    }
    if (m == "INVITE") {
      handleInvite(req, ip, port);
      return;
    }
    if (m == "BYE") {
      bool known;
      {
        std::lock_guard<std::mutex> lk(mu);
        known = dialog.active && dialog.call_id == call_id;
        if (known) dialog.active = false;
      }
      reply(req, known ? 200 : 481, ip, port);
      return;
    }
    if (m == "CANCEL") {
      // We answer INVITEs at once, so there is never anything left to cancel.
      reply(req, 200, ip, port);
      return;
    }
    if (m == "OPTIONS" || m == "NOTIFY" || m == "MESSAGE" || m == "INFO" || m == "UPDATE") {
      reply(req, 200, ip, port);
      return;
    }
    reply(req, 501, ip, port);
  }

  void handleInvite(const sip::Message& req, const std::string& ip, int port) {
    const std::string call_id = req.callId();
    const std::string br = req.topViaBranch();
    std::unique_lock<std::mutex> lk(mu);
    if (!req.toTag().empty()) {  // re-INVITE
      bool known = dialog.active && dialog.call_id == call_id;
      if (known) dialog.remote_sdp = req.body;
      lk.unlock();
      if (known) {
        reply(req, 200, ip, port, "", sdp(opt.address, opt.rtp_port, "2"));
      } else {
        reply(req, 481, ip, port);
      }
      return;
    }
    auto it = server_invites.find(call_id);
    if (it != server_invites.end() && it->second.branch == br) {  // retransmission
      std::string bytes = it->second.response;
      lk.unlock();
      sock->send(ip, port, bytes);
      return;
    }
    const std::string tag = sip::randomToken(10);
    const bool busy = dialog.active;
    const int status = busy ? 486 : opt.answer_status;
    if (!busy && status >= 200 && status < 300) {
      dialog = Dialog{};
      dialog.active = true;
      dialog.caller = false;
      dialog.call_id = call_id;
      const std::string* to = req.header("To");
      dialog.from_hdr = (to ? *to : "<" + contact() + ">") + ";tag=" + tag;
      const std::string* from = req.header("From");
      dialog.to_hdr = from ? *from : "";
      const std::string* c = req.header("Contact");
      dialog.remote_target = c ? sipudp::addrSpec(*c) : req.uri;
      dialog.route_set = req.headerValues("Record-Route");
      dialog.local_cseq = 1;
      dialog.remote_sdp = req.body;
    }
    lk.unlock();

    reply(req, 100, ip, port);
    if (status >= 200 && status < 300) reply(req, 180, ip, port, tag);
    sip::Message r = sip::makeResponse(req, status, reasonFor(status), tag);
    r.add("Server", "phonelab-ua");
    if (status >= 200 && status < 300) {
      for (const auto& rr : req.headerValues("Record-Route")) r.add("Record-Route", rr);
      r.add("Contact", "<" + contact() + ">");
      r.add("Content-Type", "application/sdp");
      r.body = sdp(opt.address, opt.rtp_port, "1");
    }
    send(r, ip, port);
    ServerInvite si;
    si.call_id = call_id;
    si.branch = br;
    si.response = sip::serialize(r);
    si.ip = ip;
    si.port = port;
    si.reliable = status >= 200 && status < 300;
    si.next = Clock::now() + std::chrono::duration_cast<Clock::duration>(Seconds(kT1));
    si.give_up = Clock::now() + std::chrono::duration_cast<Clock::duration>(Seconds(64 * kT1));
    lk.lock();
    server_invites[call_id] = std::move(si);
  }

  /// Timer G: our 2xx to an INVITE again until its ACK (or 64*T1).
  void retransmitResponses() {
    std::lock_guard<std::mutex> lk(mu);
    const auto now = Clock::now();
    for (auto it = server_invites.begin(); it != server_invites.end();) {
      ServerInvite& si = it->second;
      if (now >= si.give_up) {
        it = server_invites.erase(it);
        continue;
      }
      if (si.reliable && !si.acked && now >= si.next) {
        sock->send(si.ip, si.port, si.response);
        si.interval = std::min(si.interval * 2, kT2);
        si.next = now + std::chrono::duration_cast<Clock::duration>(Seconds(si.interval));
      }
      ++it;
    }
  }

  void run() {
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

  std::pair<std::string, int> nextHop(const std::vector<std::string>& route_set,
                                      const std::string& target,
                                      const std::pair<std::string, int>& fallback) {
    if (!route_set.empty()) {
      if (auto hp = sipudp::uriHostPort(route_set.front())) return *hp;
    }
    if (auto hp = sipudp::uriHostPort(target)) return *hp;
    return fallback;
  }
};

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

bool TestUa::registerNow(Deadline deadline, std::string& why) {
  Impl& im = *impl_;
  im.last_status = 0;
  if (im.opt.proxy.empty()) {
    why = "no proxy to register with";
    return false;
  }
  const auto [ip, port] = sipudp::splitHostPort(im.opt.proxy);
  const std::string domain = im.domain();
  const std::string aor = "sip:" + im.opt.user + "@" + domain;
  const std::string uri = "sip:" + domain;
  std::string auth_header, auth_value;
  for (int attempt = 0; attempt < 3; ++attempt) {
    unsigned long cseq;
    {
      std::lock_guard<std::mutex> lk(im.mu);
      cseq = ++im.reg_cseq;
    }
    sip::Message req = im.request("REGISTER", uri, "<" + aor + ">;tag=" + im.reg_tag,
                                  "<" + aor + ">", im.reg_call_id, cseq, branch());
    req.add("Contact", "<" + im.contact() + ">");
    req.add("Expires", "3600");
    req.add("Allow", "INVITE, ACK, CANCEL, BYE, OPTIONS, NOTIFY, MESSAGE, INFO, UPDATE");
    if (!auth_header.empty()) req.add(auth_header, auth_value);
    auto r = im.transact(req, ip, port, deadline);
    if (!r) {
      why = "no final response to REGISTER from " + im.opt.proxy + " before the deadline";
      return false;
    }
    im.last_status = r->status;
    if (r->status >= 200 && r->status < 300) {
      why.clear();
      return true;
    }
    if (r->status != 401 && r->status != 407) {
      why = r->startLine();
      return false;
    }
    const bool www = r->status == 401;
    const std::string* chal = r->header(www ? "WWW-Authenticate" : "Proxy-Authenticate");
    if (!chal) {
      why = r->startLine() + " without a challenge header";
      return false;
    }
    auto ch = sip::parseChallenge(*chal);
    if (!ch) {
      why = r->startLine() + " with an unparseable challenge: " + *chal;
      return false;
    }
    if (im.opt.password.empty()) {
      why = r->startLine() + " and no password to answer it";
      return false;
    }
    if (!auth_header.empty() && !ch->stale) {
      why = r->startLine() + " again after answering the challenge";
      return false;
    }
    auth_header = www ? "Authorization" : "Proxy-Authorization";
    auth_value = sip::formatCredentials(
        sip::answerChallenge(*ch, im.opt.user, im.opt.password, "REGISTER", uri));
  }
  why = "REGISTER challenged too often";
  return false;
}

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
