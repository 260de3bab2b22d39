// The network fakes on a real lab segment: each fake is started in the lab namespace on its
// service address; the test plays the phone from the DUT namespace and checks both what came back
// on the wire and the events the fake logged.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <exception>
#include <thread>

#include "base/core/error.h"
#include "base/core/match.h"
#include "base/lab/netns.h"
#include "base/net/http/http_client.h"
#include "base/proto/dns.h"
#include "base/proto/tftp.h"
#include "fakes/acs/acs.h"
#include "fakes/dns/dns.h"
#include "fakes/http/http.h"
#include "fakes/ntp/ntp.h"
#include "fakes/tftp/tftp.h"
#include "lab_util.h"

using namespace phonelab;
using namespace phonelab::lab;
using phonelab::labtest::Bytes;
using namespace phonelab::fakes;
namespace dns = phonelab::proto::dns;
namespace tftp = phonelab::proto::tftp;

namespace {

constexpr int kLane = 240;  // far from the lanes other tests use
const std::string kDutIp = "198.18.240.50";

/// Runs f on a new thread inside a namespace (sockets it creates live there); rethrows here.
template <class F>
void inNetns(const std::string& ns, F&& f) {
  std::exception_ptr err;
  std::thread t([&] {
    try {
      NetnsScope scope(ns);
      f();
    } catch (...) {
      err = std::current_exception();
    }
  });
  t.join();
  if (err) std::rethrow_exception(err);
}

sockaddr_in endpoint(const std::string& ip, int port) {
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<uint16_t>(port));
  ::inet_pton(AF_INET, ip.c_str(), &a.sin_addr);
  return a;
}

/// A UDP socket of the "phone", in the namespace of the thread that creates it.
class UdpClient {
 public:
  UdpClient() : fd_(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0)) {
    if (fd_ < 0) throw Error(sysError("socket", errno));
  }
  ~UdpClient() { ::close(fd_); }
  UdpClient(const UdpClient&) = delete;
  UdpClient& operator=(const UdpClient&) = delete;

  void send(const std::string& ip, int port, const Bytes& b) {
    auto a = endpoint(ip, port);
    if (::sendto(fd_, b.data(), b.size(), 0, reinterpret_cast<sockaddr*>(&a), sizeof a) !=
        static_cast<ssize_t>(b.size()))
      throw Error(sysError("sendto " + ip, errno));
  }
  /// The next datagram before the deadline (and who sent it), or nullopt.
  std::optional<Bytes> recv(Deadline d, sockaddr_in* from = nullptr) {
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, d.remainingMs()) <= 0) return std::nullopt;
    Bytes b(65536);
    sockaddr_in f{};
    socklen_t len = sizeof f;
    ssize_t n = ::recvfrom(fd_, b.data(), b.size(), 0, reinterpret_cast<sockaddr*>(&f), &len);
    if (n < 0) return std::nullopt;
    b.resize(static_cast<size_t>(n));
    if (from) *from = f;
    return b;
  }

 private:
  int fd_;
};

/// One TCP exchange: connect, send, read until the peer closes or the deadline.
std::string tcpExchange(const std::string& ip, int port, const std::string& out, Deadline d) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  auto a = endpoint(ip, port);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    ::close(fd);
    throw Error(sysError("connect " + ip, errno));
  }
  ::send(fd, out.data(), out.size(), MSG_NOSIGNAL);
  std::string in;
  char buf[4096];
  for (;;) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, d.remainingMs()) <= 0) break;
    ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) break;
    in.append(buf, static_cast<size_t>(n));
  }
  ::close(fd);
  return in;
}

Bytes bytesOf(const std::string& s) {
  return Bytes(s.begin(), s.end());
}

std::optional<Event> waitEvent(const EventLog& log, EventMatcher m, double since = 0) {
  return log.waitFor(m, since, Deadline::in(Seconds(3)));
}

class FakesNet : public ::testing::Test {
 protected:
  void SetUp() override {
    PHL_REQUIRE_ROOT();
    seg_ = std::make_unique<Segment>(runToken(), kLane);
    lab_ns_ = seg_->labNs();
    dut_ns_ = seg_->dutNs();
    ipCommand({"-n", dut_ns_, "addr", "add", kDutIp + "/24", "dev", "eth0"});
    ipCommand({"-n", dut_ns_, "link", "set", "eth0", "up"});
  }

  void TearDown() override {
    seg_.reset();  // also after a failed assertion: gtest runs TearDown either way
    if (lab_ns_.empty()) return;
    for (const auto& ns : listNamespaces()) {
      EXPECT_NE(ns, lab_ns_) << "lab namespace left behind";
      EXPECT_NE(ns, dut_ns_) << "DUT namespace left behind";
    }
  }

  std::string svc(const std::string& name) const { return seg_->addr().services.at(name); }

  /// Constructs a fake inside the lab namespace, as the runner does.
  template <class Fake, class Options>
  std::unique_ptr<Fake> start(const Options& o) {
    std::unique_ptr<Fake> f;
    inNetns(lab_ns_, [&] { f = std::make_unique<Fake>(o, log_); });
    return f;
  }

  /// Destroys a fake and checks it stopped promptly.
  template <class Fake>
  void stopPromptly(std::unique_ptr<Fake>& f) {
    auto t0 = Clock::now();
    f.reset();
    EXPECT_LT(Seconds(Clock::now() - t0).count(), 0.3) << "fake took too long to stop";
  }

  std::unique_ptr<Segment> seg_;
  std::string lab_ns_, dut_ns_;
  EventLog log_;
};

// ---------------------------------------------------------------- DNS

TEST_F(FakesNet, DnsAnswersRefusesAndSurvivesMalformed) {
  DnsOptions o;
  o.address = svc("dns");
  o.a_records["tftp.lab.example"] = {svc("tftp")};
  o.a_records["Prov.Lab.Example."] = {svc("http"), svc("alt")};
  auto fake = start<fakes::DnsFake>(o);
  ASSERT_TRUE(waitEvent(log_, EventMatcher("fake.start").whereEq("name", "dns")));

  inNetns(dut_ns_, [&] {
    UdpClient c;
    auto ask = [&](uint16_t id, const std::string& name, uint16_t type) {
      c.send(svc("dns"), 53, dns::encode(dns::query(id, name, type)));
      auto reply = c.recv(Deadline::in(Seconds(2)));
      EXPECT_TRUE(reply) << "no answer to " << name;
      auto d = reply ? dns::decode(*reply) : dns::DecodeResult{};
      EXPECT_TRUE(d.message) << d.error;
      return d.message.value_or(dns::Message{});
    };

    auto a = ask(0x0101, "TFTP.lab.example", dns::kA);
    EXPECT_EQ(a.header.id, 0x0101);
    EXPECT_TRUE(a.header.qr);
    EXPECT_EQ(a.header.rcode, dns::kNoError);
    ASSERT_EQ(a.answers.size(), 1u);
    EXPECT_EQ(dns::aAddress(a.answers[0]), svc("tftp"));
    EXPECT_EQ(a.answers[0].ttl, 60u);

    auto two = ask(0x0102, "prov.lab.example", dns::kA);
    ASSERT_EQ(two.answers.size(), 2u);
    EXPECT_EQ(dns::aAddress(two.answers[1]), svc("alt"));

    auto nx = ask(0x0103, "nothere.lab.example", dns::kA);
    EXPECT_EQ(nx.header.rcode, dns::kNxDomain);
    EXPECT_TRUE(nx.answers.empty());

    auto aaaa = ask(0x0104, "tftp.lab.example", dns::kAaaa);
    EXPECT_EQ(aaaa.header.rcode, dns::kNoError);
    EXPECT_TRUE(aaaa.answers.empty());

    // Malformed: a compression pointer to itself. The header is readable: FORMERR with its id.
    c.send(svc("dns"), 53, {0x0b, 0xad, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0xc0, 12, 0, 1, 0, 1});
    auto fe = c.recv(Deadline::in(Seconds(2)));
    ASSERT_TRUE(fe);
    auto fd = dns::decode(*fe);
    ASSERT_TRUE(fd.message) << fd.error;
    EXPECT_EQ(fd.message->header.id, 0x0bad);
    EXPECT_EQ(fd.message->header.rcode, dns::kFormErr);

    // A truncated header gets no answer at all; a label past the end gets FORMERR.
    c.send(svc("dns"), 53, {1, 2, 3, 4, 5});
    c.send(svc("dns"), 53, {0, 9, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 40, 'a', 'b'});
    auto fe2 = c.recv(Deadline::in(Seconds(2)));
    ASSERT_TRUE(fe2);
    auto d2 = dns::decode(*fe2);
    ASSERT_TRUE(d2.message) << d2.error;
    EXPECT_EQ(d2.message->header.id, 9);  // the 5-byte one was not answered
    c.send(svc("dns"), 53, {});           // zero-length datagram

    // And it still answers.
    auto again = ask(0x0105, "tftp.lab.example", dns::kA);
    EXPECT_EQ(again.answers.size(), 1u);

    // DNS over TCP.
    auto q = dns::encode(dns::query(0x0106, "tftp.lab.example", dns::kA));
    std::string framed = {static_cast<char>(q.size() >> 8), static_cast<char>(q.size())};
    framed.append(q.begin(), q.end());
    int tfd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    auto ep = endpoint(svc("dns"), 53);
    ASSERT_EQ(::connect(tfd, reinterpret_cast<sockaddr*>(&ep), sizeof ep), 0);
    ::send(tfd, framed.data(), framed.size(), MSG_NOSIGNAL);
    pollfd p{tfd, POLLIN, 0};
    ASSERT_EQ(::poll(&p, 1, 2000), 1);
    uint8_t buf[1024];
    ssize_t n = ::recv(tfd, buf, sizeof buf, 0);
    ::close(tfd);
    ASSERT_GT(n, 2);
    auto td = dns::decode(std::span<const uint8_t>(buf + 2, static_cast<size_t>(n - 2)));
    ASSERT_TRUE(td.message) << td.error;
    EXPECT_EQ(td.message->header.id, 0x0106);
    ASSERT_EQ(td.message->answers.size(), 1u);
  });

  auto e = waitEvent(log_, EventMatcher("dns.query").whereEq("id", std::to_string(0x0101)));
  ASSERT_TRUE(e);
  EXPECT_EQ(e->source, "dns");
  EXPECT_EQ(*e->field("src_ip"), kDutIp);
  EXPECT_EQ(*e->field("name"), "TFTP.lab.example");
  EXPECT_EQ(*e->field("qtype"), "A");
  EXPECT_EQ(*e->field("rcode"), "NOERROR");
  EXPECT_EQ(*e->field("answer"), svc("tftp"));
  EXPECT_EQ(*e->field("transport"), "udp");
  EXPECT_EQ(e->summary, "DNS A? TFTP.lab.example from " + kDutIp + " -> " + svc("tftp"));

  auto two = waitEvent(log_, EventMatcher("dns.query").whereEq("id", std::to_string(0x0102)));
  ASSERT_TRUE(two);
  EXPECT_EQ(*two->field("answer"), svc("http") + "," + svc("alt"));
  auto nx = waitEvent(log_, EventMatcher("dns.query").whereEq("rcode", "NXDOMAIN"));
  ASSERT_TRUE(nx);
  EXPECT_EQ(nx->summary, "DNS A? nothere.lab.example from " + kDutIp + " -> NXDOMAIN");
  auto aaaa = waitEvent(log_, EventMatcher("dns.query").whereEq("qtype", "AAAA"));
  ASSERT_TRUE(aaaa);
  EXPECT_EQ(*aaaa->field("answer"), "");

  auto bad = log_.matching(EventMatcher("dns.malformed"), 0);
  ASSERT_EQ(bad.size(), 4u);
  EXPECT_EQ(*bad[0].field("src_ip"), kDutIp);
  EXPECT_EQ(*bad[0].field("reason"), "compression pointer loop at byte 12 (back to byte 12)");
  EXPECT_EQ(*bad[1].field("reason"), "truncated header: 5 of 12 bytes");
  EXPECT_NE(bad[2].field("reason")->find("label length 40"), std::string::npos);
  EXPECT_EQ(*bad[3].field("reason"), "truncated header: 0 of 12 bytes");

  auto tcp = waitEvent(log_, EventMatcher("dns.query").whereEq("transport", "tcp"));
  ASSERT_TRUE(tcp);
  EXPECT_EQ(*tcp->field("answer"), svc("tftp"));

  stopPromptly(fake);
  EXPECT_TRUE(waitEvent(log_, EventMatcher("fake.stop").whereEq("name", "dns")));
}

TEST_F(FakesNet, BindFailureNamesTheAddress) {
  DnsOptions o;
  o.address = "198.18.241.2";  // not on any interface of the lab namespace
  try {
    auto f = start<fakes::DnsFake>(o);
    FAIL() << "bound to an address that is not there";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("198.18.241.2:53"), std::string::npos) << e.what();
  }
  DnsOptions bad_record;
  bad_record.address = svc("dns");
  bad_record.a_records["tftp.lab.example"] = {"198.18.240"};
  EXPECT_THROW(start<fakes::DnsFake>(bad_record), Error);
  NtpOptions n;
  n.address = "198.18.241.3";
  EXPECT_THROW(start<fakes::NtpFake>(n), Error);
  TftpOptions t;
  t.address = "198.18.241.4";
  EXPECT_THROW(start<fakes::TftpFake>(t), Error);
  HttpOptions h;
  h.address = "198.18.241.5";
  EXPECT_THROW(start<fakes::HttpFake>(h), Error);
  AcsOptions a;
  a.address = "not-an-address";
  EXPECT_THROW(start<fakes::AcsFake>(a), Error);
}

// ---------------------------------------------------------------- NTP

TEST_F(FakesNet, NtpAnswersClientRequests) {
  NtpOptions o;
  o.address = svc("ntp");
  auto fake = start<fakes::NtpFake>(o);

  inNetns(dut_ns_, [&] {
    UdpClient c;
    Bytes req(48, 0);
    req[0] = (4 << 3) | 3;  // v4, client
    const uint8_t xmit[8] = {0xde, 0xad, 0xbe, 0xef, 1, 2, 3, 4};
    std::memcpy(req.data() + 40, xmit, 8);

    c.send(svc("ntp"), 123, Bytes(10, 0x23));  // malformed: too short
    c.send(svc("ntp"), 123, req);
    auto r = c.recv(Deadline::in(Seconds(2)));
    ASSERT_TRUE(r);
    ASSERT_EQ(r->size(), 48u);
    EXPECT_EQ((*r)[0] & 7, 4);         // server
    EXPECT_EQ(((*r)[0] >> 3) & 7, 4);  // same version
    EXPECT_EQ((*r)[1], 2);             // stratum
    EXPECT_EQ(std::string(r->begin() + 12, r->begin() + 16), "PHLB");
    EXPECT_EQ(0, std::memcmp(r->data() + 24, xmit, 8));  // originate = our transmit
    const uint32_t secs = uint32_t{(*r)[40]} << 24 | uint32_t{(*r)[41]} << 16 |
                          uint32_t{(*r)[42]} << 8 | uint32_t{(*r)[43]};
    const double unix_now =
        std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
    EXPECT_NEAR(static_cast<double>(secs) - 2208988800.0, unix_now, 5);

    // A symmetric-active (mode 1) packet is logged, not answered.
    Bytes sym = req;
    sym[0] = (4 << 3) | 1;
    c.send(svc("ntp"), 123, sym);
    EXPECT_FALSE(c.recv(Deadline::in(Seconds(0.5))));
  });

  auto bad = waitEvent(log_, EventMatcher("ntp.malformed"));
  ASSERT_TRUE(bad);
  EXPECT_EQ(*bad->field("src_ip"), kDutIp);
  EXPECT_EQ(*bad->field("reason"), "10 bytes, an NTP packet has at least 48");
  auto e = waitEvent(log_, EventMatcher("ntp.request").whereEq("mode", "3"));
  ASSERT_TRUE(e);
  EXPECT_EQ(e->source, "ntp");
  EXPECT_EQ(*e->field("src_ip"), kDutIp);
  EXPECT_EQ(*e->field("version"), "4");
  EXPECT_EQ(*e->field("answered"), "yes");
  auto sym = waitEvent(log_, EventMatcher("ntp.request").whereEq("mode", "1"));
  ASSERT_TRUE(sym);
  EXPECT_EQ(*sym->field("answered"), "no");
  // One reply, to the client, with the real time it served.
  auto reply = waitEvent(log_, EventMatcher("ntp.reply"));
  ASSERT_TRUE(reply);
  EXPECT_EQ(*reply->field("dst_ip"), kDutIp);
  EXPECT_EQ(*reply->field("stratum"), "2");
  const double served = std::stod(*reply->field("transmit"));
  const double unix_now =
      std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
  EXPECT_NEAR(served, unix_now, 5);
  EXPECT_EQ(reply->field("time")->size(), std::string("2026-12-05T10:11:12.345Z").size());
  EXPECT_EQ(log_.matching(EventMatcher("ntp.reply"), 0).size(), 1u);
  stopPromptly(fake);
}

// ---------------------------------------------------------------- TFTP

TEST_F(FakesNet, TftpServesFilesAndRefusesTheRest) {
  std::string content(1500, '\0');
  for (size_t i = 0; i < content.size(); ++i) content[i] = static_cast<char>('a' + i % 26);
  TftpOptions o;
  o.address = svc("tftp");
  o.files["SEP0200C612000A.cnf.xml"] = content;
  auto fake = start<fakes::TftpFake>(o);

  inNetns(dut_ns_, [&] {
    UdpClient c;
    // RRQ with a leading '/' and options the server ignores: plain 512-byte blocks.
    c.send(svc("tftp"), 69,
           tftp::encode(tftp::Request{tftp::Opcode::Rrq,
                                      "/SEP0200C612000A.cnf.xml",
                                      "octet",
                                      {{"blksize", "1468"}, {"tsize", "0"}}}));
    std::string got;
    int blocks = 0;
    for (;;) {
      sockaddr_in from{};
      auto r = c.recv(Deadline::in(Seconds(3)), &from);
      ASSERT_TRUE(r) << "no block " << blocks + 1;
      EXPECT_NE(ntohs(from.sin_port), 69) << "a transfer runs from its own port";
      auto d = tftp::decode(*r);
      ASSERT_TRUE(d.packet) << d.error;
      auto* data = std::get_if<tftp::Data>(&*d.packet);
      ASSERT_TRUE(data) << tftp::packetName(*d.packet);
      ASSERT_EQ(data->block, blocks + 1);
      ++blocks;
      got.append(data->data.begin(), data->data.end());
      auto ack = tftp::encode(tftp::Ack{data->block});
      char ip[INET_ADDRSTRLEN];
      ::inet_ntop(AF_INET, &from.sin_addr, ip, sizeof ip);
      c.send(ip, ntohs(from.sin_port), ack);
      if (data->data.size() < 512) break;
    }
    EXPECT_EQ(blocks, 3);
    EXPECT_EQ(got, content);

    auto expectError = [&](const Bytes& request, uint16_t code) {
      c.send(svc("tftp"), 69, request);
      auto r = c.recv(Deadline::in(Seconds(2)));
      ASSERT_TRUE(r);
      auto d = tftp::decode(*r);
      ASSERT_TRUE(d.packet) << d.error;
      auto* e = std::get_if<tftp::ErrorPacket>(&*d.packet);
      ASSERT_TRUE(e) << tftp::packetName(*d.packet);
      EXPECT_EQ(e->code, code) << e->message;
    };
    expectError(tftp::encode(tftp::Request{tftp::Opcode::Rrq, "nothere.xml", "octet", {}}),
                tftp::kFileNotFound);
    expectError(tftp::encode(tftp::Request{tftp::Opcode::Wrq, "upload.bin", "octet", {}}),
                tftp::kAccessViolation);
    expectError(bytesOf(std::string("\0\1no-nul-here", 13)), tftp::kIllegalOperation);
    expectError(Bytes{0}, tftp::kIllegalOperation);

    // Still serving after the bad ones; netascii converts line ends.
    c.send(
        svc("tftp"), 69,
        tftp::encode(tftp::Request{tftp::Opcode::Rrq, "SEP0200C612000A.cnf.xml", "netascii", {}}));
    sockaddr_in from{};
    auto r = c.recv(Deadline::in(Seconds(2)), &from);
    ASSERT_TRUE(r);
    auto d = tftp::decode(*r);
    ASSERT_TRUE(d.packet && std::holds_alternative<tftp::Data>(*d.packet));
    // Abandon this one with an ERROR: the transfer ends as "error".
    char ip[INET_ADDRSTRLEN];
    ::inet_ntop(AF_INET, &from.sin_addr, ip, sizeof ip);
    c.send(ip, ntohs(from.sin_port), tftp::encode(tftp::ErrorPacket{0, "changed my mind"}));
  });

  auto rrq = waitEvent(log_, EventMatcher("tftp.rrq").whereEq("found", "yes"));
  ASSERT_TRUE(rrq);
  EXPECT_EQ(rrq->source, "tftp");
  EXPECT_EQ(*rrq->field("src_ip"), kDutIp);
  EXPECT_EQ(*rrq->field("filename"), "/SEP0200C612000A.cnf.xml");
  EXPECT_EQ(*rrq->field("mode"), "octet");
  EXPECT_EQ(*rrq->field("options"), "blksize=1468,tsize=0");
  auto done = waitEvent(log_, EventMatcher("tftp.done").whereEq("result", "complete"));
  ASSERT_TRUE(done);
  EXPECT_EQ(*done->field("bytes"), "1500");
  EXPECT_EQ(*done->field("blocks"), "3");
  auto nf = waitEvent(log_, EventMatcher("tftp.rrq").whereEq("found", "no"));
  ASSERT_TRUE(nf);
  EXPECT_EQ(*nf->field("filename"), "nothere.xml");
  EXPECT_TRUE(waitEvent(log_, EventMatcher("tftp.wrq").whereEq("filename", "upload.bin")));
  auto bad = log_.matching(EventMatcher("tftp.malformed"), 0);
  ASSERT_EQ(bad.size(), 2u);
  EXPECT_EQ(*bad[0].field("reason"), "RRQ filename is not NUL-terminated");
  EXPECT_EQ(*bad[1].field("reason"), "truncated: 1 byte, no opcode");
  auto err = waitEvent(log_, EventMatcher("tftp.done").whereEq("result", "error"));
  ASSERT_TRUE(err);
  EXPECT_EQ(*err->field("reason"), "client sent ERROR 0 \"changed my mind\"");
  stopPromptly(fake);
}

TEST_F(FakesNet, TftpGivesUpAfterThreeRetransmits) {
  TftpOptions o;
  o.address = svc("tftp");
  o.files["f.bin"] = std::string(600, 'x');
  auto fake = start<fakes::TftpFake>(o);
  int copies = 0;
  inNetns(dut_ns_, [&] {
    UdpClient c;
    c.send(svc("tftp"), 69, tftp::encode(tftp::Request{tftp::Opcode::Rrq, "f.bin", "octet", {}}));
    // Never ACK: block 1 comes once and is sent again 3 times, 2 s apart.
    auto d = Deadline::in(Seconds(9.5));
    while (c.recv(d)) ++copies;
  });
  EXPECT_EQ(copies, 4);
  auto done = log_.waitFor(EventMatcher("tftp.done"), 0, Deadline::in(Seconds(1)));
  ASSERT_TRUE(done);
  EXPECT_EQ(*done->field("result"), "timeout");
  EXPECT_EQ(*done->field("blocks"), "0");
  EXPECT_EQ(*done->field("reason"), "no ACK for block 1 after 3 retransmits");
  stopPromptly(fake);
}

// ---------------------------------------------------------------- HTTP

TEST_F(FakesNet, HttpServesProfiles) {
  HttpOptions o;
  o.address = svc("http");
  o.files["/p/0200c612000a.xml"] = {"<flat-profile/>", "application/xml"};
  auto fake = start<fakes::HttpFake>(o);

  inNetns(dut_ns_, [&] {
    net::HttpRequest req;
    req.host = svc("http");
    req.target = "/p/0200c612000a.xml?sn=FCH123";
    req.headers["User-Agent"] = "Cisco-CP-8832-3PCC/11.3.7 (0200c612000a)";
    std::string error;
    auto r = net::httpRequest(req, Deadline::in(Seconds(3)), error);
    ASSERT_TRUE(r) << error;
    EXPECT_EQ(r->status, 200);
    EXPECT_EQ(r->body, "<flat-profile/>");
    ASSERT_TRUE(r->header("content-type"));
    EXPECT_EQ(*r->header("content-type"), "application/xml");

    req.target = "/p/other.xml";
    r = net::httpRequest(req, Deadline::in(Seconds(3)), error);
    ASSERT_TRUE(r) << error;
    EXPECT_EQ(r->status, 404);

    // Not HTTP at all: 400, and the server still serves afterwards.
    std::string raw = tcpExchange(svc("http"), 80, "HELLO THERE\r\n\r\n", Deadline::in(Seconds(3)));
    EXPECT_EQ(raw.rfind("HTTP/1.1 400", 0), 0u) << raw;

    req.target = "/p/0200c612000a.xml";
    r = net::httpRequest(req, Deadline::in(Seconds(3)), error);
    ASSERT_TRUE(r) << error;
    EXPECT_EQ(r->status, 200);
  });

  auto e = waitEvent(log_, EventMatcher("http.request").whereEq("status", "200"));
  ASSERT_TRUE(e);
  EXPECT_EQ(e->source, "http");
  EXPECT_EQ(*e->field("src_ip"), kDutIp);
  EXPECT_EQ(*e->field("method"), "GET");
  EXPECT_EQ(*e->field("target"), "/p/0200c612000a.xml?sn=FCH123");
  EXPECT_EQ(*e->field("host"), svc("http"));
  EXPECT_EQ(*e->field("user_agent"), "Cisco-CP-8832-3PCC/11.3.7 (0200c612000a)");
  EXPECT_EQ(*e->field("bytes"), "15");
  EXPECT_EQ(e->summary, "GET /p/0200c612000a.xml?sn=FCH123 from " + kDutIp + " -> 200");
  auto nf = waitEvent(log_, EventMatcher("http.request").whereEq("status", "404"));
  ASSERT_TRUE(nf);
  EXPECT_EQ(*nf->field("target"), "/p/other.xml");
  auto bad = waitEvent(log_, EventMatcher("http.malformed"));
  ASSERT_TRUE(bad);
  EXPECT_EQ(*bad->field("src_ip"), kDutIp);
  EXPECT_NE(bad->field("reason")->find("bad request"), std::string::npos) << *bad->field("reason");
  EXPECT_EQ(log_.matching(EventMatcher("http.request").whereEq("status", "200"), 0).size(), 2u);
  stopPromptly(fake);
}

TEST_F(FakesNet, HttpReadDeadlineAndPromptStopWithClientsConnected) {
  HttpOptions o;
  o.address = svc("http");
  auto fake = start<fakes::HttpFake>(o);
  int idle_fd = -1;
  inNetns(dut_ns_, [&] {
    // Half a request, then silence: after 5 s the server gives up and says why.
    auto t0 = Clock::now();
    std::string got = tcpExchange(svc("http"), 80, "GET /p/x.xml HTTP/1.1\r\nHost: x\r\n",
                                  Deadline::in(Seconds(8)));
    const double waited = Seconds(Clock::now() - t0).count();
    EXPECT_EQ(got, "");  // closed without an answer
    EXPECT_GT(waited, 4.5);
    EXPECT_LT(waited, 7);
    // A client that connects and stays: the fake must still stop at once.
    idle_fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    auto ep = endpoint(svc("http"), 80);
    ASSERT_EQ(::connect(idle_fd, reinterpret_cast<sockaddr*>(&ep), sizeof ep), 0);
  });
  auto bad = waitEvent(log_, EventMatcher("http.malformed"));
  ASSERT_TRUE(bad);
  EXPECT_EQ(*bad->field("reason"), "request incomplete after 5 s");
  std::this_thread::sleep_for(std::chrono::milliseconds(50));  // let the server accept it
  stopPromptly(fake);
  // The idle client sees its connection closed.
  pollfd p{idle_fd, POLLIN, 0};
  EXPECT_EQ(::poll(&p, 1, 1000), 1);
  char c;
  EXPECT_LE(::recv(idle_fd, &c, 1, 0), 0);
  ::close(idle_fd);
}

// ---------------------------------------------------------------- TR-069 ACS

TEST_F(FakesNet, AcsAnswersInform) {
  AcsOptions o;
  o.address = svc("acs");
  auto fake = start<fakes::AcsFake>(o);
  const std::string inform = R"(<?xml version="1.0" encoding="UTF-8"?>
<SOAP-ENV:Envelope xmlns:SOAP-ENV="http://schemas.xmlsoap.org/soap/envelope/"
    xmlns:cwmp="urn:dslforum-org:cwmp-1-2">
  <SOAP-ENV:Header><cwmp:ID SOAP-ENV:mustUnderstand="1">4711</cwmp:ID></SOAP-ENV:Header>
  <SOAP-ENV:Body>
    <cwmp:Inform>
      <DeviceId>
        <Manufacturer>Cisco</Manufacturer>
        <OUI>0200C6</OUI>
        <ProductClass>CP-8832-3PCC</ProductClass>
        <SerialNumber>FCH2118AAAA</SerialNumber>
      </DeviceId>
      <Event>
        <EventStruct><EventCode>0 BOOTSTRAP</EventCode><CommandKey></CommandKey></EventStruct>
        <EventStruct><EventCode>1 BOOT</EventCode><CommandKey></CommandKey></EventStruct>
      </Event>
      <MaxEnvelopes>1</MaxEnvelopes>
    </cwmp:Inform>
  </SOAP-ENV:Body>
</SOAP-ENV:Envelope>)";

  inNetns(dut_ns_, [&] {
    net::HttpRequest req;
    req.method = "POST";
    req.host = svc("acs");
    req.port = 7547;
    req.target = "/cwmp";
    req.headers["Content-Type"] = "text/xml; charset=\"utf-8\"";
    req.headers["SOAPAction"] = "";
    req.body = inform;
    std::string error;
    auto r = net::httpRequest(req, Deadline::in(Seconds(3)), error);
    ASSERT_TRUE(r) << error;
    EXPECT_EQ(r->status, 200);
    EXPECT_NE(r->body.find("InformResponse"), std::string::npos) << r->body;
    EXPECT_NE(r->body.find("<MaxEnvelopes>1</MaxEnvelopes>"), std::string::npos);
    EXPECT_NE(r->body.find(">4711</cwmp:ID>"), std::string::npos) << r->body;
    EXPECT_NE(r->body.find("urn:dslforum-org:cwmp-1-2"), std::string::npos) << r->body;

    req.body.clear();  // the CPE is done: the ACS ends the session
    r = net::httpRequest(req, Deadline::in(Seconds(3)), error);
    ASSERT_TRUE(r) << error;
    EXPECT_EQ(r->status, 204);

    req.body = "<Envelope><unclosed>";
    r = net::httpRequest(req, Deadline::in(Seconds(3)), error);
    ASSERT_TRUE(r) << error;
    EXPECT_EQ(r->status, 400);
  });

  auto e = waitEvent(log_, EventMatcher("acs.inform"));
  ASSERT_TRUE(e);
  EXPECT_EQ(e->source, "acs");
  EXPECT_EQ(*e->field("src_ip"), kDutIp);
  EXPECT_EQ(*e->field("target"), "/cwmp");
  EXPECT_EQ(*e->field("manufacturer"), "Cisco");
  EXPECT_EQ(*e->field("oui"), "0200C6");
  EXPECT_EQ(*e->field("product_class"), "CP-8832-3PCC");
  EXPECT_EQ(*e->field("serial"), "FCH2118AAAA");
  EXPECT_EQ(*e->field("events"), "0 BOOTSTRAP,1 BOOT");
  EXPECT_EQ(*e->field("cwmp_id"), "4711");
  auto empty = waitEvent(log_, EventMatcher("acs.request").whereEq("bytes", "0"));
  ASSERT_TRUE(empty);
  EXPECT_EQ(*empty->field("status"), "204");
  auto bad = waitEvent(log_, EventMatcher("acs.malformed"));
  ASSERT_TRUE(bad);
  EXPECT_NE(bad->field("reason")->find("not XML"), std::string::npos) << *bad->field("reason");
  stopPromptly(fake);
}

}  // namespace
