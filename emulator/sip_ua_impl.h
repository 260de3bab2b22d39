#pragma once
/// The state the parts of the SIP UA share (Asio; included by the emulator/sip_ua_*.cc files
/// only): sip_ua_transport.cc (UDP socket, the TLS connection to the proxy, sending),
/// sip_ua_registration.cc (REGISTER, refresh, digest auth, the DHCP renewal on a SIP timeout),
/// sip_ua_calls.cc (INVITE/ACK/BYE/CANCEL, the call, its media) and sip_ua_dispatch.cc (start and
/// stop, incoming requests and responses, Restricted Access Domains, NOTIFY, status). Each wait is
/// a coroutine on a Task: whatever ends a registration, a call or a connection stops its task or
/// closes its connection, and the coroutine acts no more.

#include <array>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/udp.hpp>
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "base/proto/sip.h"
#include "emulator/coro.h"
#include "emulator/rtp_loop.h"
#include "emulator/sip_ua.h"

namespace phonelab::emulator {

namespace sip = proto::sip;

namespace sip_ua {

using boost::asio::ip::udp;
using std::chrono::steady_clock;

constexpr const char* kAllow = "INVITE, ACK, BYE, CANCEL, OPTIONS, NOTIFY";

std::string epString(const udp::endpoint& e);
long toLong(const std::string& s, long def);

/// One TLS connection to the proxy (sip_ua_transport.cc). Its coroutines end once it is closed.
struct TlsConn;

}  // namespace sip_ua

struct SipUa::Impl : std::enable_shared_from_this<SipUa::Impl> {
  using udp = boost::asio::ip::udp;
  using steady_clock = std::chrono::steady_clock;

  boost::asio::io_context& io;
  const ConfigStore& cfg;
  const Faults& faults;
  SipUaConfig c;
  SipUaHooks hooks;
  bool running = false;
  std::string own_ip;
  uint16_t port = 5060;
  int malformed_logged = 0;
  Task poll_task;

  // Transport: the UDP socket; SIP over TLS (SIP_Transport_1_ = TLS): one connection to the
  // proxy, opened before the REGISTER; requests and responses from the proxy arrive on it as from
  // *proxy_ep.
  udp::socket sock;
  std::array<char, 65536> buf{};
  udp::endpoint from;
  bool tls_mode = false;  // this registration runs over TLS
  std::shared_ptr<sip_ua::TlsConn> tls;
  std::string tls_local;  // "ip:port" of our end (Via, Contact)

  // Restricted Access Domains.
  RestrictedDomains rad;
  std::string rad_value;
  Task rad_task;  // the lookups of the current list

  // Registration.
  Task reg_task;   // its next step: resolve and connect, timer E/F, the refresh, the retry
  Task dhcp_task;  // DHCP_Timeout_On_Renewal armed
  bool renewing = false;
  std::string reg_snapshot;
  std::optional<udp::endpoint> proxy_ep;
  std::string proxy_host, reg_user, reg_callid, reg_tag, reg_branch, answered_nonce;
  unsigned long reg_cseq = 0;
  long reg_expires_req = 3600;
  sip::Message reg_req;
  bool reg_pending = false;  // a REGISTER transaction is waiting for its final response
  steady_clock::time_point reg_started;
  double reg_interval = 0.5;
  // status.xml
  std::string reg_state = "Not Registered", reg_proxy;
  long reg_expires = 0;

  // Calls.
  struct Call {
    std::string call_id, local_tag, invite_branch;
    udp::endpoint peer;
    sip::Message invite;
    enum class State { Ringing, Answered, Confirmed } state = State::Ringing;
    std::string answer_sdp;
    std::string last_response;  // serialized, for INVITE retransmissions
    steady_clock::time_point answered_at;
    double retx = 0.5;
    uint16_t rtp_port = 0;
    std::unique_ptr<RtpLoop> media;  // the audio loopback, from the 200 OK to the end of the call
  };
  std::optional<Call> call;
  Task call_task;  // the call's timer: ringing, auto-answer, 200 OK retransmissions
  InviteAuth auth;
  bool auth_invite_at_start = false;  // fault auth-invite-read-at-start
  uint16_t next_rtp = 16384;
  long calls_received = 0, calls_answered = 0;
  std::string last_call_from, last_sip_request;

  Impl(boost::asio::io_context& io_, const ConfigStore& config, const Faults& f, SipUaConfig conf,
       SipUaHooks h);

  /// Runs a coroutine of this UA; the UA lives at least as long.
  void spawn(boost::asio::awaitable<void> a);

  // ---- dispatch (sip_ua_dispatch.cc) ----
  void start();
  void stop();
  boost::asio::awaitable<void> pollConfig(Task::Ref t);
  void configureRad();
  bool admitted(const sip::Message& m, const udp::endpoint& src);
  void onDatagram(std::string_view data, const udp::endpoint& src);
  void onNotify(const sip::Message& m, const udp::endpoint& src);
  sip::Message response(const sip::Message& req, int status, const std::string& reason,
                        const std::string& tag);
  void respond(const sip::Message& req, int status, const std::string& reason,
               const udp::endpoint& to);
  void fillStatus(PhoneStatus& s) const;

  // ---- transport (sip_ua_transport.cc) ----
  boost::asio::awaitable<void> receiveUdp();
  void send(const sip::Message& m, const udp::endpoint& to);
  void sendRaw(const std::string& data, const udp::endpoint& to, const sip::Message& m);
  bool viaTls(const udp::endpoint& to) const;
  boost::system::error_code transmit(const std::string& data, const udp::endpoint& to);
  bool tlsUp() const;
  void closeTls();
  boost::asio::awaitable<void> connectTls(std::string ca_pem);
  void tlsFailed(const std::string& why);
  void loadDeviceCert(struct ssl_ctx_st* ctx);  // SSL_CTX
  void tlsEstablished(const std::shared_ptr<sip_ua::TlsConn>& conn);
  boost::asio::awaitable<void> tlsReadLoop(std::shared_ptr<sip_ua::TlsConn> conn);
  boost::asio::awaitable<void> tlsWriteLoop(std::shared_ptr<sip_ua::TlsConn> conn);
  void tlsLost(const std::shared_ptr<sip_ua::TlsConn>& conn, const std::string& why);
  std::string ownContact() const;

  // ---- registration (sip_ua_registration.cc) ----
  std::string regSnapshot() const;
  void startRegistration();
  boost::asio::awaitable<void> registerWith(Task::Ref t, std::string host, uint16_t pport);
  void retryLater();
  boost::asio::awaitable<void> retryAfter(Task::Ref t);
  void sendRegister(const std::string& authorization, const std::string& auth_header = "");
  boost::asio::awaitable<void> registerTransaction(Task::Ref t);
  boost::asio::awaitable<void> refreshAfter(Task::Ref t, double seconds);
  void onResponse(const sip::Message& m, const udp::endpoint& src);
  void failRegistration(const sip::Message& m, const std::string& why);
  void armDhcpTimer(const std::string& what);
  boost::asio::awaitable<void> dhcpTimeout(Task::Ref t, std::string what, long seconds);
  void onSipTimeout(const std::string& what, long t);

  // ---- calls (sip_ua_calls.cc) ----
  bool authInviteOn() const;
  void onInvite(const sip::Message& m, const udp::endpoint& src);
  boost::asio::awaitable<void> ringing(Task::Ref t, std::optional<int> answer_after);
  void pickUp();
  void answer();
  bool srtpFault() const;
  void startMedia(Call& cl);
  boost::asio::awaitable<void> retransmitOk(Task::Ref t);
  void onAck(const sip::Message& m);
  void onBye(const sip::Message& m, const udp::endpoint& src);
  void onCancel(const sip::Message& m, const udp::endpoint& src);
  void endCall();
};

}  // namespace phonelab::emulator
