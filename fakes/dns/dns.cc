#include "fakes/dns/dns.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <list>

#include "base/core/error.h"
#include "base/proto/dns.h"
#include "fakes/common/server_thread.h"
#include "fakes/common/socket.h"

namespace phonelab::fakes {
namespace {

namespace dns = proto::dns;

constexpr uint32_t kTtl = 60;
constexpr size_t kUdpMax = 512;  // without EDNS0
constexpr int kMaxTcpConnections = 16;
const Seconds kTcpIdle(5);  // deadline for a TCP client to send its (next) query

std::string ipOf(const sockaddr_in& a) {
  char buf[INET_ADDRSTRLEN] = {};
  ::inet_ntop(AF_INET, &a.sin_addr, buf, sizeof buf);
  return buf;
}

struct TcpConn {
  int fd = -1;
  sockaddr_in peer{};
  std::vector<uint8_t> buf;
  Clock::time_point deadline;
};

}  // namespace

struct DnsFake::Impl {
  EventLog* log = nullptr;
  std::string address;
  int port = 0;
  std::map<std::string, std::vector<std::string>> records;  // canonical name -> IPv4s
  int udp = -1, tcp = -1;
  std::list<TcpConn> conns;
  ServerThread thread{"dns"};

  ~Impl() {
    thread.stop();  // before the sockets close
    for (auto& c : conns) ::close(c.fd);
    for (int fd : {udp, tcp}) {
      if (fd >= 0) ::close(fd);
    }
  }

  void emitMalformed(const sockaddr_in& from, const char* transport, const std::string& reason) {
    log->emit("dns", "dns.malformed",
              {{"src_ip", ipOf(from)},
               {"src_port", std::to_string(ntohs(from.sin_port))},
               {"transport", transport},
               {"reason", reason}},
              "DNS malformed from " + ipOf(from) + " (" + transport + "): " + reason);
  }

  /// The response to one message, or empty for no response at all.
  std::vector<uint8_t> answer(std::span<const uint8_t> wire, const sockaddr_in& from,
                              const char* transport) {
    auto d = dns::decode(wire);
    if (!d.message) {
      emitMalformed(from, transport, d.error);
      if (!d.header || d.header->qr) return {};
      dns::Message r;
      r.header.id = d.header->id;
      r.header.qr = true;
      r.header.opcode = d.header->opcode;
      r.header.rd = d.header->rd;
      r.header.rcode = dns::kFormErr;
      return dns::encode(r);
    }
    const dns::Message& q = *d.message;
    if (q.header.qr) {
      // Never answer a response: two servers would ping-pong forever.
      emitMalformed(from, transport, "a response (QR set) where a query was expected");
      return {};
    }
    if (q.header.opcode == 0 && q.questions.size() != 1) {
      emitMalformed(from, transport,
                    std::to_string(q.questions.size()) + " questions (a query has exactly 1)");
      auto r = dns::responseTo(q, dns::kFormErr);
      r.questions.clear();
      return dns::encode(r);
    }
    auto r = dns::responseTo(q, dns::kNoError);
    std::string name, qtype, addrs;
    if (!q.questions.empty()) {
      name = q.questions[0].name;
      qtype = dns::typeName(q.questions[0].type);
    }
    if (q.header.opcode != 0) {
      r.header.rcode = dns::kNotImp;
    } else {
      const auto& question = q.questions[0];
      auto it = records.find(dns::canonicalName(question.name));
      if (it == records.end()) {
        r.header.rcode = dns::kNxDomain;
      } else if (question.type == dns::kA &&
                 (question.klass == dns::kClassIn || question.klass == dns::kAny)) {
        for (const auto& ip : it->second) {
          r.answers.push_back(dns::aRecord(question.name, ip, kTtl));
          addrs += (addrs.empty() ? "" : ",") + ip;
        }
      }
    }
    std::vector<uint8_t> out;
    try {
      out = dns::encode(r);
    } catch (const std::invalid_argument& e) {
      // A name that decodes but cannot be re-encoded (cannot happen for names we decoded, but
      // the phone's input must never take the server down).
      emitMalformed(from, transport, e.what());
      return {};
    }
    if (out.size() > kUdpMax && std::strcmp(transport, "udp") == 0) {
      r.answers.clear();
      r.header.tc = true;
      out = dns::encode(r);
    }
    const std::string rcode = dns::rcodeName(r.header.rcode);
    const std::string src = ipOf(from);
    std::string shown = !addrs.empty()       ? addrs
                        : rcode == "NOERROR" ? "NOERROR (no records)"
                                             : rcode;
    log->emit("dns", "dns.query",
              {{"src_ip", src},
               {"src_port", std::to_string(ntohs(from.sin_port))},
               {"transport", transport},
               {"id", std::to_string(q.header.id)},
               {"name", name},
               {"qtype", qtype},
               {"rcode", rcode},
               {"answer", addrs}},
              "DNS " + qtype + "? " + name + " from " + src + " -> " + shown);
    return out;
  }

  void onUdp() {
    uint8_t buf[65536];
    for (int i = 0; i < 64; ++i) {  // drain, but let the stop fd be seen
      sockaddr_in from{};
      socklen_t len = sizeof from;
      ssize_t n = ::recvfrom(udp, buf, sizeof buf, 0, reinterpret_cast<sockaddr*>(&from), &len);
      if (n < 0) return;
      auto out = answer(std::span<const uint8_t>(buf, static_cast<size_t>(n)), from, "udp");
      if (!out.empty())
        ::sendto(udp, out.data(), out.size(), 0, reinterpret_cast<sockaddr*>(&from), sizeof from);
    }
  }

  void onAccept() {
    for (;;) {
      sockaddr_in from{};
      socklen_t len = sizeof from;
      int fd =
          ::accept4(tcp, reinterpret_cast<sockaddr*>(&from), &len, SOCK_CLOEXEC | SOCK_NONBLOCK);
      if (fd < 0) return;
      if (static_cast<int>(conns.size()) >= kMaxTcpConnections) {
        ::close(fd);
        continue;
      }
      conns.push_back(TcpConn{
          fd, from, {}, Clock::now() + std::chrono::duration_cast<Clock::duration>(kTcpIdle)});
    }
  }

  /// Reads what is there; answers complete messages. False when the connection is done.
  bool onTcp(TcpConn& c) {
    uint8_t buf[4096];
    for (;;) {
      ssize_t n = ::recv(c.fd, buf, sizeof buf, 0);
      if (n == 0) {
        if (!c.buf.empty())
          emitMalformed(c.peer, "tcp",
                        "connection closed after " + std::to_string(c.buf.size()) +
                            " bytes of an incomplete message");
        return false;
      }
      if (n < 0) {
        if (errno != EAGAIN && errno != EWOULDBLOCK) return false;
        break;
      }
      c.buf.insert(c.buf.end(), buf, buf + n);
    }
    while (c.buf.size() >= 2) {
      const size_t len = static_cast<size_t>((c.buf[0] << 8) | c.buf[1]);
      if (len == 0) {
        emitMalformed(c.peer, "tcp", "zero-length message");
        return false;
      }
      if (c.buf.size() < 2 + len) break;
      auto out = answer(std::span<const uint8_t>(c.buf.data() + 2, len), c.peer, "tcp");
      c.buf.erase(c.buf.begin(), c.buf.begin() + static_cast<std::ptrdiff_t>(2 + len));
      if (!out.empty()) {
        std::vector<uint8_t> framed = {static_cast<uint8_t>(out.size() >> 8),
                                       static_cast<uint8_t>(out.size())};
        framed.insert(framed.end(), out.begin(), out.end());
        // A reply fits the socket buffer; a client that does not read is not waited for.
        if (::send(c.fd, framed.data(), framed.size(), MSG_NOSIGNAL) !=
            static_cast<ssize_t>(framed.size()))
          return false;
      }
      c.deadline = Clock::now() + std::chrono::duration_cast<Clock::duration>(kTcpIdle);
    }
    return true;
  }

  void run() {
    for (;;) {
      std::vector<pollfd> fds = {{thread.stopFd(), POLLIN, 0}, {udp, POLLIN, 0}};
      if (tcp >= 0) fds.push_back({tcp, POLLIN, 0});
      const size_t first_conn = fds.size();
      for (const auto& c : conns) fds.push_back({c.fd, POLLIN, 0});
      int rc = ::poll(fds.data(), fds.size(), 200);
      if (rc < 0 && errno != EINTR) return;
      if (fds[0].revents) return;
      if (fds[1].revents) onUdp();
      if (tcp >= 0 && fds[2].revents) onAccept();
      const auto now = Clock::now();
      size_t i = first_conn;
      for (auto it = conns.begin(); it != conns.end(); ++i) {
        bool keep = true;
        if (i < fds.size() && fds[i].revents) keep = onTcp(*it);
        if (keep && now > it->deadline) {
          if (!it->buf.empty())
            emitMalformed(it->peer, "tcp",
                          "incomplete message after " + formatSeconds(kTcpIdle.count()));
          keep = false;
        }
        if (keep) {
          ++it;
        } else {
          ::close(it->fd);
          it = conns.erase(it);
        }
      }
    }
  }
};

DnsFake::DnsFake(const DnsOptions& o, EventLog& log) : impl_(std::make_unique<Impl>()) {
  Impl& im = *impl_;
  im.log = &log;
  im.address = o.address;
  for (const auto& [name, ips] : o.a_records) {
    for (const auto& ip : ips) {
      try {
        (void)dns::aRecord("x", ip, kTtl);
      } catch (const std::invalid_argument& e) {
        throw Error("dns: record for '" + name + "': " + e.what());
      }
    }
    try {
      (void)dns::encode(dns::query(0, name, dns::kA));
    } catch (const std::invalid_argument& e) {
      throw Error(std::string("dns: record name: ") + e.what());
    }
    auto& list = im.records[dns::canonicalName(name)];
    list.insert(list.end(), ips.begin(), ips.end());
  }
  im.udp = bindInet("dns", SOCK_DGRAM, o.address, o.port, &im.port);
  if (o.tcp) im.tcp = bindInet("dns", SOCK_STREAM, o.address, im.port);
  // The sockets are bound: the thread that parses the phone's queries runs as nobody.
  im.thread.start(log, "dns", [&im] { im.run(); });
  const std::string where = o.address + ":" + std::to_string(im.port);
  log.emit("dns", "fake.start",
           {{"name", "dns"}, {"address", o.address}, {"port", std::to_string(im.port)}},
           "dns listening on " + where + (o.tcp ? " (udp, tcp)" : " (udp)") + ", " +
               std::to_string(im.records.size()) + " names");
}

DnsFake::~DnsFake() {
  impl_->thread.stop();
  impl_->log->emit(
      "dns", "fake.stop",
      {{"name", "dns"}, {"address", impl_->address}, {"port", std::to_string(impl_->port)}},
      "dns stopped on " + impl_->address + ":" + std::to_string(impl_->port));
}

int DnsFake::port() const {
  return impl_->port;
}

}  // namespace phonelab::fakes
