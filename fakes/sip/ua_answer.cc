// What the test UA answers by itself: INVITE (100, 180, then its final status with an SDP
// answer, repeated until the ACK), ACK, BYE, CANCEL, OPTIONS and the like, 501 otherwise.

#include <algorithm>
#include <chrono>

#include "base/proto/sdp.h"
#include "fakes/sip/ua_impl.h"

namespace phonelab::fakes {

using namespace ua_detail;

namespace ua_detail {

std::string sdp(const std::string& address, int rtp_port, const std::string& session,
                const std::vector<int>& offer, const std::string& session_address) {
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

}  // namespace ua_detail

void TestUa::Impl::reply(const sip::Message& req, int status, const std::string& ip, int port,
                         const std::string& to_tag, const std::string& body) {
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

void TestUa::Impl::handleRequest(const sip::Message& req, const std::string& ip, int port) {
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

void TestUa::Impl::handleInvite(const sip::Message& req, const std::string& ip, int port) {
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

void TestUa::Impl::retransmitResponses() {
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

}  // namespace phonelab::fakes
