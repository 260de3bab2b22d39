#pragma once
/// The test UA's inside (fakes/sip/ua.h), shared by its parts: ua.cc (the socket, the receive
/// thread, client transactions, the accessors), ua_answer.cc (what it answers by itself),
/// ua_register.cc (REGISTER) and ua_calls.cc (calls, answers to digest challenges, hangup).
/// Private to fakes/sip/ua*.cc.

#include <atomic>
#include <condition_variable>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "fakes/sip/ua.h"
#include "fakes/sip/udp.h"

namespace phonelab::fakes {
namespace ua_detail {

namespace sip = proto::sip;

constexpr double kT1 = 0.5;  // RFC 3261 timer T1, seconds
constexpr double kT2 = 4.0;
constexpr size_t kMaxQueued = 128;

/// "z9hG4bK" and a random token: a new transaction's Via branch.
std::string branch();
std::string peerOf(const std::string& ip, int port);
/// Our SDP: PCMU (0), PCMA (8) and telephone-event (101), or only the payload types in `offer`.
/// The audio stream's own (media-level) c= is `address`; the session-level c= is
/// `session_address` ("" = `address`): RFC 4566 5.7 lets the media-level one override it.
std::string sdp(const std::string& address, int rtp_port, const std::string& session,
                const std::vector<int>& offer = {0, 8, 101},
                const std::string& session_address = "");
/// The reason phrase of our responses.
std::string reasonFor(int status);

}  // namespace ua_detail

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
    double interval = ua_detail::kT1;
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
  std::deque<proto::sip::Message> responses;
  Dialog dialog;
  std::map<std::string, ServerInvite> server_invites;  // by Call-ID
  std::vector<proto::sip::Message> received_requests;
  std::vector<int> offer = {0, 8, 101};  // payload types our INVITEs offer
  std::string reg_call_id;
  std::string last_auth_header, last_auth_value;  // the last answer to a challenge in call()
  std::optional<proto::sip::DigestChallenge> last_challenge;  // the challenge that answer was for
  std::string last_auth_method;  // Authorization or Proxy-Authorization
  unsigned long last_nc = 0;     // the nonce count last sent for it
  unsigned long reg_cseq = 0;
  std::string reg_tag;

  std::string self() const { return opt.user + "@" + ua_detail::peerOf(opt.address, sock->port()); }
  std::string contact() const {
    return "sip:" + opt.user + "@" + ua_detail::peerOf(opt.address, sock->port());
  }
  std::string domain() const {
    if (!opt.domain.empty()) return opt.domain;
    if (!opt.proxy.empty()) return sipudp::splitHostPort(opt.proxy).first;
    return opt.address;
  }

  void emit(const char* kind, const proto::sip::Message& m, const std::string& peer, bool out);
  void send(const proto::sip::Message& m, const std::string& ip, int port);
  proto::sip::Message request(const std::string& method, const std::string& uri,
                              const std::string& from, const std::string& to,
                              const std::string& call_id, unsigned long cseq,
                              const std::string& via_branch) const;

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
  std::optional<proto::sip::Message> transact(const proto::sip::Message& req, const std::string& ip,
                                              int port, Deadline deadline,
                                              Provisional* prov = nullptr, double ring_window = -1,
                                              const std::function<void(int)>& on_ringing = {});

  /// Waits (without sending) for the final response of a transaction already sent.
  std::optional<proto::sip::Message> awaitFinal(const std::string& call_id,
                                                const std::pair<unsigned long, std::string>& cseq,
                                                Deadline deadline);

  // What it answers by itself (ua_answer.cc).
  void reply(const proto::sip::Message& req, int status, const std::string& ip, int port,
             const std::string& to_tag = "", const std::string& body = "");
  void handleRequest(const proto::sip::Message& req, const std::string& ip, int port);
  void handleInvite(const proto::sip::Message& req, const std::string& ip, int port);
  /// Timer G: our 2xx to an INVITE again until its ACK (or 64*T1).
  void retransmitResponses();

  /// The receive thread: parses what arrives, answers requests, queues responses.
  void run();
  /// Where an in-dialog request goes: the first route, else the target, else `fallback`.
  std::pair<std::string, int> nextHop(const std::vector<std::string>& route_set,
                                      const std::string& target,
                                      const std::pair<std::string, int>& fallback);
};

}  // namespace phonelab::fakes
