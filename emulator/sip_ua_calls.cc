// The SIP UA's calls: INVITE (Auth INVITE, busy, codec choice, ringing, auto-answer), the answer
// key, the 200 OK until the ACK (RFC 3261 13.3.1.4), BYE and CANCEL, and the call's audio loopback.

#include <algorithm>

#include "base/core/deadline.h"
#include "emulator/log.h"
#include "emulator/sip_ua_impl.h"

namespace asio = boost::asio;

namespace phonelab::emulator {

using namespace sip_ua;

/// Auth_INVITE_1_ as the firmware reads it: per INVITE, the stored value compared with Yes.
bool SipUa::Impl::authInviteOn() const {
  if (faults.has("auth-invite-read-at-start")) return auth_invite_at_start;
  const std::string v = cfg.get("Auth_INVITE_1_");
  if (faults.has("auth-invite-any-value")) return !v.empty();
  return v == "Yes";
}

void SipUa::Impl::onInvite(const sip::Message& m, const udp::endpoint& src) {
  const std::string ip = src.address().to_string();
  // Fault auth-invite-to-tag-skips: "initial" is decided by the absence of a To tag, so an INVITE
  // with one is not challenged; when no dialog of ours matches, it is set up as a new call.
  const bool tag_skips = !m.toTag().empty() && faults.has("auth-invite-to-tag-skips") &&
                         !(call && call->call_id == m.callId());
  if (tag_skips) {
    logLine("sip: fault auth-invite-to-tag-skips: INVITE with a To tag from " + ip +
            " not challenged, handled as a new call");
  } else if (!m.toTag().empty()) {
    // A re-INVITE inside our dialog: not challenged.
    if (call && call->call_id == m.callId() && m.toTag() == call->local_tag) {
      auto r = response(m, 200, "OK", call->local_tag);
      r.add("Contact", ownContact());
      r.add("Content-Type", "application/sdp");
      r.body = call->answer_sdp;
      send(r, src);
    } else {
      respond(m, 481, "Call/Transaction Does Not Exist", src);
    }
    return;
  }
  if (call && call->call_id == m.callId() && call->invite_branch == m.topViaBranch()) {
    // Retransmission of the INVITE being answered.
    if (!call->last_response.empty()) sendRaw(call->last_response, src, m);
    return;
  }
  if (authInviteOn() && !tag_skips) {
    if (faults.has("no-auth-invite")) {
      logLine("sip: fault no-auth-invite: INVITE from " + ip + " not challenged");
    } else {
      const std::string station = cfg.get("Station_Name");
      const double now =
          std::chrono::duration<double>(steady_clock::now().time_since_epoch()).count();
      auto d = auth.decide(m, cfg.get("User_ID_1_"), cfg.get("Password_1_"),
                           station.empty() ? own_ip : station, now);
      if (d.verdict == InviteAuth::Verdict::Challenge) {
        logLine("sip: Auth INVITE: challenging INVITE from " + ip + " (" + d.why + ")");
        challenged_call_id = m.callId();
        auto r = response(m, 401, "Unauthorized", sip::randomToken(10));
        for (const auto& ch : d.challenges) r.add("WWW-Authenticate", ch);
        send(r, src);
        return;
      }
      if (d.verdict == InviteAuth::Verdict::Forbidden) {
        logLine("sip: Auth INVITE: INVITE from " + ip + " refused (" + d.why + ")");
        respond(m, 403, "Forbidden", src);
        return;
      }
      logLine("sip: Auth INVITE: " + d.why);
    }
  }
  ++calls_received;
  if (call) {
    logLine("sip: busy (call " + call->call_id + " in progress): 486 to " + ip);
    respond(m, 486, "Busy Here", src);
    return;
  }
  uint16_t rtp = next_rtp;
  next_rtp = static_cast<uint16_t>(next_rtp + 2 > 32766 ? 16384 : next_rtp + 2);
  auto answer = sdpAnswerSession(m.body, own_ip, rtp, static_cast<uint64_t>(calls_received) + 1000);
  if (!answer) {
    logLine("sip: INVITE from " + ip + " offers neither PCMU nor PCMA: 488");
    respond(m, 488, "Not Acceptable Here", src);
    return;
  }
  proto::sdp::Media& audio = answer->media.front();
  if (srtpFault()) {
    audio.proto = "RTP/SAVP";
  } else if (tls_mode && faults.has("media-savp-sdp-only")) {
    // The SDP layer marks the call secure because the signalling is (RTP/SAVP with an SDES
    // key), while the media engine was never told: the packets stay plain RTP.
    audio.proto = "RTP/SAVP";
    audio.crypto.push_back({1, "AES_CM_128_HMAC_SHA1_80", "inline:" + sip::randomToken(40)});
    logLine("sip: fault media-savp-sdp-only: SDP answer RTP/SAVP, media stays plain RTP");
  }
  const std::string sdp = proto::sdp::build(*answer);
  Call cl;
  cl.call_id = m.callId();
  cl.local_tag = sip::randomToken(10);
  cl.invite_branch = m.topViaBranch();
  cl.peer = src;
  cl.invite = m;
  cl.answer_sdp = sdp;
  cl.rtp_port = rtp;
  // The firmware's call record is made by the first INVITE of a Call-ID, with its media session;
  // the 401 ends that transaction and frees the session, and the authenticated INVITE is taken as
  // the same call's continuation, whose media was "already set up".
  cl.media_released = faults.has("auth-invite-media-released") && !challenged_call_id.empty() &&
                      m.callId() == challenged_call_id;
  call = std::move(cl);
  send(response(m, 100, "Trying", ""), src);
  auto ringing_response = response(m, 180, "Ringing", call->local_tag);
  call->last_response = sip::serialize(ringing_response);
  send(ringing_response, src);
  // A phone rings until someone picks up. It answers by itself only for an INVITE that asks
  // for auto-answer (a page or intercom call), and only when Auto_Answer_Page allows it.
  const std::string& id = call->call_id;
  const auto after = autoAnswerAfter(m);
  const bool allowed = cfg.get("Auto_Answer_Page") == "Yes";
  if (after && allowed) {
    logLine("sip: call " + id + " from " + ip +
            " asks for auto-answer (Call-Info answer-after=" + std::to_string(*after) +
            "), Auto_Answer_Page is Yes: answering after " + std::to_string(*after) + " s");
    spawn(ringing(call_task.restart(), after));
    return;
  }
  logLine("sip: call " + id + " from " + ip + " ringing" +
          (after ? " (it asks for auto-answer, but Auto_Answer_Page is No)" : "") +
          ": until someone answers or the caller cancels");
  spawn(ringing(call_task.restart(), std::nullopt));
}

/// The ringing call: answered after `answer_after` seconds (auto-answer), else given up after
/// the ring timeout (480). The call's end stops it.
asio::awaitable<void> SipUa::Impl::ringing(Task::Ref t, std::optional<int> answer_after) {
  if (answer_after) {
    const bool waited = co_await sleepFor(t, std::chrono::seconds(*answer_after));
    if (!waited) co_return;
    if (call->state == Call::State::Ringing) answer();
    co_return;
  }
  const bool waited = co_await sleepFor(t, ms(c.ring_timeout));
  if (!waited) co_return;
  if (call->state != Call::State::Ringing) co_return;
  logLine("sip: call " + call->call_id + " rang " + formatSeconds(c.ring_timeout) +
          " without an answer: 480");
  send(response(call->invite, 480, "Temporarily Unavailable", call->local_tag), call->peer);
  endCall();
}

/// The answer key: the ringing call is answered as a person would pick it up.
void SipUa::Impl::pickUp() {
  if (!running || !call || call->state != Call::State::Ringing) {
    logLine("sip: answer key: no call is ringing");
    return;
  }
  logLine("sip: answer key: picking up call " + call->call_id);
  answer();
}

void SipUa::Impl::answer() {
  Call& cl = *call;
  auto ok = response(cl.invite, 200, "OK", cl.local_tag);
  ok.add("Contact", ownContact());
  ok.add("Allow", kAllow);
  ok.add("Content-Type", "application/sdp");
  ok.body = cl.answer_sdp;
  cl.last_response = sip::serialize(ok);
  cl.state = Call::State::Answered;
  cl.answered_at = steady_clock::now();
  cl.retx = c.t1;
  ++calls_answered;
  const std::string* f = cl.invite.header("From");
  last_call_from = f ? sip::headerUri(*f) : "";
  logLine("sip: answering call " + cl.call_id + " from " + last_call_from);
  sendRaw(cl.last_response, cl.peer, ok);
  startMedia(cl);
  spawn(retransmitOk(call_task.restart()));
}

/// Fault media-srtp-with-tls: with SIP over TLS the media is encrypted too (RTP/SAVP), which the
/// vendor's document says it is not.
bool SipUa::Impl::srtpFault() const {
  return tls_mode && faults.has("media-srtp-with-tls");
}

/// The audio loopback of an answered call: to the offer's media address, in the answer's codec.
void SipUa::Impl::startMedia(Call& cl) {
  if (cl.media_released) {
    logLine("media: fault auth-invite-media-released: call " + cl.call_id +
            " was challenged first: its media session went with the 401, no RTP");
    return;
  }
  auto offer = proto::sdp::firstAudio(cl.invite.body);
  auto answer = proto::sdp::firstAudio(cl.answer_sdp);
  if (!offer || !answer || answer->payloads.empty()) {
    logLine("sip: call " + cl.call_id + ": no media address in the offer, no audio");
    return;
  }
  RtpLoopConfig rc;
  rc.own_ip = own_ip;
  rc.own_port = cl.rtp_port;
  rc.peer_ip = offer->ip;
  if (faults.has("audio-session-c-line") && !offer->session_ip.empty()) {
    rc.peer_ip = offer->session_ip;
    logLine("media: fault audio-session-c-line: RTP to the session-level c= " + rc.peer_ip);
  }
  if (faults.has("media-to-signalling-peer") && viaTls(cl.peer)) {
    // A NAT heuristic meant for signalling (answer where the request came from) applied to
    // media: the address the INVITE came from over TLS, the SDP's port.
    rc.peer_ip = cl.peer.address().to_string();
    logLine("media: fault media-to-signalling-peer: RTP to " + rc.peer_ip +
            ", where the INVITE came from, not to the SDP's " + offer->ip);
  }
  rc.peer_port = offer->port;
  rc.payload_type = answer->payloads.front();
  rc.scramble = srtpFault();
  if (rc.scramble) logLine("media: fault media-srtp-with-tls: payloads scrambled (as SRTP)");
  cl.media = std::make_unique<RtpLoop>(io, faults, rc);
}

/// RFC 3261 13.3.1.4: the 200 OK is repeated (T1 doubling up to T2) until the ACK, 64*T1 max.
asio::awaitable<void> SipUa::Impl::retransmitOk(Task::Ref t) {
  for (;;) {
    const bool waited = co_await sleepFor(t, ms(call->retx));
    if (!waited) co_return;
    Call& cl = *call;
    if (cl.state != Call::State::Answered) co_return;
    if (steady_clock::now() - cl.answered_at >= ms(c.transaction_timeout)) {
      logLine("sip: no ACK for call " + cl.call_id + ": ending it");
      endCall();
      co_return;
    }
    transmit(cl.last_response, cl.peer);
    logLine("sip: -> 200 OK (retransmission) to " + epString(cl.peer));
    cl.retx = std::min(cl.retx * 2, c.t2);
  }
}

void SipUa::Impl::onAck(const sip::Message& m) {
  if (!call || call->call_id != m.callId()) return;
  if (call->state == Call::State::Answered) {
    call->state = Call::State::Confirmed;
    call_task.stop();
    logLine("sip: call " + call->call_id + " established");
  }
}

void SipUa::Impl::onBye(const sip::Message& m, const udp::endpoint& src) {
  // RFC 3261 12.2.2: the dialog is the Call-ID and both tags; a BYE that matches no dialog (a
  // foreign or missing tag) ends nothing.
  if (!call || call->call_id != m.callId() || m.toTag() != call->local_tag ||
      m.fromTag() != call->invite.fromTag()) {
    respond(m, 481, "Call/Transaction Does Not Exist", src);
    return;
  }
  send(response(m, 200, "OK", call->local_tag), src);
  logLine("sip: call " + call->call_id + " ended by BYE");
  endCall();
}

void SipUa::Impl::onCancel(const sip::Message& m, const udp::endpoint& src) {
  if (!call || call->call_id != m.callId() || call->invite_branch != m.topViaBranch()) {
    respond(m, 481, "Call/Transaction Does Not Exist", src);
    return;
  }
  send(response(m, 200, "OK", call->local_tag), src);
  if (call->state == Call::State::Ringing) {
    send(response(call->invite, 487, "Request Terminated", call->local_tag), call->peer);
    logLine("sip: call " + call->call_id + " cancelled");
    endCall();
  }
}

/// The call ends, and with it its timer and its audio.
void SipUa::Impl::endCall() {
  call_task.stop();
  call.reset();
}

}  // namespace phonelab::emulator
