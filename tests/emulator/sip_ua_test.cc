// The emulator's SIP user agent on 127.0.0.1, driven by a caller of this test: a call rings until
// someone picks up. Without auto-answer it rings and a CANCEL ends it with 487 (RFC 3261 9.2);
// with Auto_Answer_Page Yes and the INVITE asking (Call-Info answer-after) it answers with SDP;
// with the setting on but no such header it only rings; the answer key picks up; a call nobody
// answers or cancels stops ringing with 480 after the ring timeout.

#include "emulator/sip_ua.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <chrono>
#include <future>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "base/proto/sip.h"

#include "tests/emulator/loopback_udp.h"

namespace phonelab::emulator {
namespace {

namespace sip = proto::sip;
using Clock = std::chrono::steady_clock;

/// The phone's SIP UA on 127.0.0.1 (no proxy: it does not register) and a caller socket.
class Phone {
 public:
  explicit Phone(const std::string& auto_answer_page, double ring_timeout = 180) {
    uint16_t phone_port = 0;
    ::close(boundUdp(phone_port));  // a free port for the phone
    phone_port_ = phone_port;
    EXPECT_EQ(cfg_.set("SIP_Port_1_", std::to_string(phone_port)), "");
    EXPECT_EQ(cfg_.set("Auto_Answer_Page", auto_answer_page), "");
    caller_ = boundUdp(caller_port_);
    SipUaConfig c;
    c.own_ip = *proto::dhcp::parseIp4("127.0.0.1");
    c.ring_timeout = ring_timeout;
    SipUaHooks h;
    h.resolve = [](const std::string&, SipUaHooks::Resolved done) { done(std::nullopt, "none"); };
    // Made before the io thread runs; destroyed after it stopped: no handler races it.
    ua_ = std::make_unique<SipUa>(io_, cfg_, faults_, c, h);
    ua_->start();
    thread_ = std::thread([this] { io_.run(); });
  }
  ~Phone() {
    work_.reset();
    io_.stop();
    thread_.join();
    ua_.reset();
    ::close(caller_);
  }

  /// The answer key, pressed on the phone's own thread.
  void pickUp() {
    std::promise<void> done;
    boost::asio::post(io_, [&] {
      ua_->pickUp();
      done.set_value();
    });
    done.get_future().wait();
  }

  void send(const std::string& text) {
    sockaddr_in to{};
    to.sin_family = AF_INET;
    to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    to.sin_port = htons(phone_port_);
    ASSERT_EQ(
        ::sendto(caller_, text.data(), text.size(), 0, reinterpret_cast<sockaddr*>(&to), sizeof to),
        static_cast<ssize_t>(text.size()));
  }

  /// The next message from the phone within `seconds`, or nullopt.
  std::optional<sip::Message> receive(double seconds) {
    const auto end = Clock::now() + std::chrono::milliseconds(static_cast<int>(seconds * 1000));
    for (;;) {
      const auto left =
          std::chrono::duration_cast<std::chrono::milliseconds>(end - Clock::now()).count();
      if (left <= 0) return std::nullopt;
      pollfd p{caller_, POLLIN, 0};
      if (::poll(&p, 1, static_cast<int>(left)) <= 0) continue;
      char buf[65536];
      ssize_t n = ::recv(caller_, buf, sizeof buf, 0);
      if (n <= 0) continue;
      auto r = sip::parse(std::string_view(buf, static_cast<size_t>(n)));
      EXPECT_TRUE(r.message) << r.error;
      if (r.message) return r.message;
    }
  }

  /// Responses with this status (to `method`) within `seconds`; stops at the first one.
  std::optional<sip::Message> awaitStatus(int status, const std::string& method, double seconds) {
    const auto end = Clock::now() + std::chrono::milliseconds(static_cast<int>(seconds * 1000));
    while (Clock::now() < end) {
      const double left = std::chrono::duration<double>(end - Clock::now()).count();
      auto m = receive(left);
      if (!m) break;
      seen_.push_back(m->request ? m->method : std::to_string(m->status) + " " + m->cseq().second);
      if (!m->request && m->status == status && m->cseq().second == method) return m;
    }
    return std::nullopt;
  }

  /// Every status the phone sent to `method` during `seconds` (a quiet window shows absence).
  std::vector<int> statusesDuring(const std::string& method, double seconds) {
    std::vector<int> out;
    const auto end = Clock::now() + std::chrono::milliseconds(static_cast<int>(seconds * 1000));
    while (Clock::now() < end) {
      const double left = std::chrono::duration<double>(end - Clock::now()).count();
      auto m = receive(left);
      if (!m) break;
      if (!m->request && m->cseq().second == method) out.push_back(m->status);
    }
    return out;
  }

  std::string phoneUri() const { return "sip:100@127.0.0.1:" + std::to_string(phone_port_); }
  std::string callerHost() const { return "127.0.0.1:" + std::to_string(caller_port_); }
  const std::vector<std::string>& seen() const { return seen_; }

 private:
  boost::asio::io_context io_;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work_ =
      boost::asio::make_work_guard(io_);
  ConfigStore cfg_;
  Faults faults_;
  std::unique_ptr<SipUa> ua_;
  std::thread thread_;
  int caller_ = -1;
  uint16_t caller_port_ = 0;
  uint16_t phone_port_ = 0;
  std::vector<std::string> seen_;
};

/// A request of the caller's call `call_id`, transaction `branch`.
std::string request(const Phone& ph, const std::string& method, const std::string& call_id,
                    const std::string& branch, const std::string& extra = "",
                    const std::string& to_tag = "") {
  std::string body;
  if (method == "INVITE") {
    body =
        "v=0\r\no=t 1 1 IN IP4 127.0.0.1\r\ns=t\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
        "m=audio 40000 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n";
  }
  const unsigned cseq = method == "BYE" ? 2 : 1;
  return method + " " + ph.phoneUri() + " SIP/2.0\r\n" + "Via: SIP/2.0/UDP " + ph.callerHost() +
         ";branch=" + branch + "\r\nMax-Forwards: 70\r\nFrom: <sip:200@127.0.0.1>;tag=caller\r\n" +
         "To: <" + ph.phoneUri() + ">" + (to_tag.empty() ? "" : ";tag=" + to_tag) +
         "\r\nCall-ID: " + call_id + "\r\nCSeq: " + std::to_string(cseq) + " " + method + "\r\n" +
         "Contact: <sip:200@" + ph.callerHost() + ">\r\n" + extra +
         (body.empty() ? "" : "Content-Type: application/sdp\r\n") +
         "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
}

const std::string kAsk = "Call-Info: <sip:127.0.0.1>;answer-after=0\r\n";

/// INVITE, then the phone's 180 (its To tag returned).
std::string ring(Phone& ph, const std::string& call_id, const std::string& extra) {
  ph.send(request(ph, "INVITE", call_id, "z9hG4bK-" + call_id, extra));
  auto ringing = ph.awaitStatus(180, "INVITE", 5);
  EXPECT_TRUE(ringing) << "no 180 Ringing";
  return ringing ? ringing->toTag() : "";
}

/// CANCEL of the ringing INVITE: 200 to the CANCEL, 487 to the INVITE, which the caller ACKs.
void cancelAndExpect487(Phone& ph, const std::string& call_id) {
  const std::string branch = "z9hG4bK-" + call_id;
  ph.send(request(ph, "CANCEL", call_id, branch));
  std::optional<sip::Message> ok, terminated;
  for (int i = 0; i < 4 && !(ok && terminated); ++i) {
    auto m = ph.receive(5);
    if (!m) break;
    if (!m->request && m->status == 200 && m->cseq().second == "CANCEL") ok = m;
    if (!m->request && m->cseq().second == "INVITE" && m->status >= 200) terminated = m;
  }
  ASSERT_TRUE(ok) << "no 200 to the CANCEL";
  ASSERT_TRUE(terminated) << "no final response to the INVITE after the CANCEL";
  EXPECT_EQ(terminated->status, 487);
  ph.send(request(ph, "ACK", call_id, branch, "", terminated->toTag()));
}

TEST(SipUaCalls, WithoutAutoAnswerTheCallRingsAndACancelEndsItWith487) {
  Phone ph("No");
  ring(ph, "c-no-auto", kAsk);  // it asks, but Auto_Answer_Page is No
  EXPECT_EQ(ph.statusesDuring("INVITE", 1.5), std::vector<int>{}) << "the phone answered";
  cancelAndExpect487(ph, "c-no-auto");
  // The line is free again: a new call rings (no 486 Busy Here).
  ring(ph, "c-next", "");
  cancelAndExpect487(ph, "c-next");
}

TEST(SipUaCalls, AutoAnswerOnAndAskedForAnswersWithSdp) {
  Phone ph("Yes");
  const std::string tag = ring(ph, "c-auto", kAsk);
  auto ok = ph.awaitStatus(200, "INVITE", 5);
  ASSERT_TRUE(ok) << "no 200 OK";
  EXPECT_EQ(ok->toTag(), tag);
  ASSERT_NE(ok->header("Content-Type"), nullptr);
  EXPECT_EQ(*ok->header("Content-Type"), "application/sdp");
  EXPECT_NE(ok->body.find("m=audio "), std::string::npos) << ok->body;
  EXPECT_NE(ok->body.find("RTP/AVP 0"), std::string::npos) << ok->body;
  ph.send(request(ph, "ACK", "c-auto", "z9hG4bK-ack", "", tag));
  ph.send(request(ph, "BYE", "c-auto", "z9hG4bK-bye", "", tag));
  EXPECT_TRUE(ph.awaitStatus(200, "BYE", 5)) << "no 200 to the BYE";
}

TEST(SipUaCalls, AutoAnswerOnButNotAskedForOnlyRings) {
  Phone ph("Yes");
  ring(ph, "c-plain", "");
  EXPECT_EQ(ph.statusesDuring("INVITE", 1.5), std::vector<int>{}) << "the phone answered";
  cancelAndExpect487(ph, "c-plain");
}

TEST(SipUaCalls, TheAnswerKeyPicksUpTheRingingCall) {
  Phone ph("No");
  const std::string tag = ring(ph, "c-key", "");
  ph.pickUp();
  auto ok = ph.awaitStatus(200, "INVITE", 5);
  ASSERT_TRUE(ok) << "no 200 OK after the answer key";
  EXPECT_EQ(ok->toTag(), tag);
  EXPECT_NE(ok->body.find("m=audio "), std::string::npos) << ok->body;
  ph.send(request(ph, "ACK", "c-key", "z9hG4bK-ack", "", tag));
  ph.send(request(ph, "BYE", "c-key", "z9hG4bK-bye", "", tag));
  EXPECT_TRUE(ph.awaitStatus(200, "BYE", 5));
}

TEST(SipUaCalls, AnUnansweredCallStopsRingingAfterTheRingTimeout) {
  Phone ph("No", 0.5);
  ring(ph, "c-timeout", "");
  auto unavailable = ph.awaitStatus(480, "INVITE", 5);
  EXPECT_TRUE(unavailable) << "no 480 after the ring timeout";
}

}  // namespace
}  // namespace phonelab::emulator
