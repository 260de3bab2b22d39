#include "fakes/tftp/tftp.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <list>

#include "base/core/error.h"
#include "base/proto/tftp.h"
#include "fakes/common/server_thread.h"
#include "fakes/common/socket.h"

namespace phonelab::fakes {
namespace {

namespace tftp = proto::tftp;

const Seconds kAckTimeout(2);
constexpr int kMaxRetransmits = 3;
constexpr size_t kMaxTransfers = 32;

std::string ipOf(const sockaddr_in& a) {
  char buf[INET_ADDRSTRLEN] = {};
  ::inet_ntop(AF_INET, &a.sin_addr, buf, sizeof buf);
  return buf;
}

bool samePeer(const sockaddr_in& a, const sockaddr_in& b) {
  return a.sin_addr.s_addr == b.sin_addr.s_addr && a.sin_port == b.sin_port;
}

std::string stripSlashes(const std::string& name) {
  size_t i = 0;
  while (i < name.size() && name[i] == '/') ++i;
  return name.substr(i);
}

Clock::time_point after(Seconds s) {
  return Clock::now() + std::chrono::duration_cast<Clock::duration>(s);
}

struct Transfer {
  int fd = -1;
  sockaddr_in peer{};
  std::string filename;
  std::string data;    // as sent (netascii already converted)
  uint16_t block = 1;  // the block in flight (wraps after 65535, as most stacks do)
  size_t offset = 0;   // of the block in flight
  size_t blocks_acked = 0;
  size_t bytes_acked = 0;
  int retransmits = 0;
  Clock::time_point deadline;
  Clock::time_point started;

  size_t blockLen() const { return std::min(tftp::kBlockSize, data.size() - offset); }
  bool lastBlock() const { return blockLen() < tftp::kBlockSize; }
};

}  // namespace

struct TftpFake::Impl {
  EventLog* log = nullptr;
  std::string address;
  int port = 0;
  std::map<std::string, std::string> files;  // keys without leading '/'
  int sock = -1;
  std::list<Transfer> transfers;
  ServerThread thread{"tftp"};

  ~Impl() {
    thread.stop();  // before the sockets close
    for (auto& t : transfers) ::close(t.fd);
    for (int fd : {sock}) {
      if (fd >= 0) ::close(fd);
    }
  }

  void send(int fd, const sockaddr_in& to, const tftp::Packet& p) {
    auto wire = tftp::encode(p);
    ::sendto(fd, wire.data(), wire.size(), 0, reinterpret_cast<const sockaddr*>(&to), sizeof to);
  }

  void malformed(const sockaddr_in& from, const std::string& reason) {
    log->emit("tftp", "tftp.malformed",
              {{"src_ip", ipOf(from)},
               {"src_port", std::to_string(ntohs(from.sin_port))},
               {"reason", reason}},
              "TFTP malformed from " + ipOf(from) + ": " + reason);
  }

  void sendBlock(Transfer& t) {
    tftp::Data d;
    d.block = t.block;
    const auto* p = reinterpret_cast<const uint8_t*>(t.data.data()) + t.offset;
    d.data.assign(p, p + t.blockLen());
    send(t.fd, t.peer, d);
    t.deadline = after(kAckTimeout);
  }

  void finish(const Transfer& t, const std::string& result, const std::string& reason) {
    const std::string src = ipOf(t.peer);
    const double secs = Seconds(Clock::now() - t.started).count();
    std::map<std::string, std::string> f = {{"src_ip", src},
                                            {"src_port", std::to_string(ntohs(t.peer.sin_port))},
                                            {"filename", t.filename},
                                            {"bytes", std::to_string(t.bytes_acked)},
                                            {"blocks", std::to_string(t.blocks_acked)},
                                            {"result", result},
                                            {"seconds", std::to_string(secs)}};
    if (!reason.empty()) f["reason"] = reason;
    log->emit("tftp", "tftp.done", std::move(f),
              "TFTP " + t.filename + " to " + src + ": " + result + ", " +
                  std::to_string(t.bytes_acked) + " bytes in " + std::to_string(t.blocks_acked) +
                  " blocks" + (reason.empty() ? "" : " (" + reason + ")"));
  }

  void onRequest(const uint8_t* p, size_t n, const sockaddr_in& from) {
    auto d = tftp::decode(std::span<const uint8_t>(p, n));
    if (!d.packet) {
      malformed(from, d.error);
      send(sock, from, tftp::ErrorPacket{tftp::kIllegalOperation, "Illegal TFTP operation"});
      return;
    }
    const auto* req = std::get_if<tftp::Request>(&*d.packet);
    if (!req) {
      malformed(from, tftp::packetName(*d.packet) + " sent to the request port");
      // Never answer an ERROR with an ERROR.
      if (!std::holds_alternative<tftp::ErrorPacket>(*d.packet))
        send(sock, from, tftp::ErrorPacket{tftp::kIllegalOperation, "Illegal TFTP operation"});
      return;
    }
    const std::string src = ipOf(from);
    const std::string sport = std::to_string(ntohs(from.sin_port));
    if (req->op == tftp::Opcode::Wrq) {
      log->emit(
          "tftp", "tftp.wrq",
          {{"src_ip", src}, {"src_port", sport}, {"filename", req->filename}, {"mode", req->mode}},
          "TFTP WRQ " + req->filename + " from " + src + " -> access violation");
      send(sock, from, tftp::ErrorPacket{tftp::kAccessViolation, "Access violation"});
      return;
    }
    auto mode = tftp::normalizedMode(req->mode);
    if (!mode) {
      malformed(from, "RRQ " + req->filename + " in unsupported mode '" + req->mode + "'");
      send(sock, from, tftp::ErrorPacket{tftp::kIllegalOperation, "Illegal TFTP operation"});
      return;
    }
    std::string options;
    for (const auto& [k, v] : req->options) options += (options.empty() ? "" : ",") + k + "=" + v;
    auto it = files.find(stripSlashes(req->filename));
    const bool found = it != files.end();
    log->emit("tftp", "tftp.rrq",
              {{"src_ip", src},
               {"src_port", sport},
               {"filename", req->filename},
               {"mode", *mode},
               {"found", found ? "yes" : "no"},
               {"options", options}},
              "TFTP RRQ " + req->filename + " (" + *mode + ") from " + src + " -> " +
                  (found ? std::to_string(it->second.size()) + " bytes" : "file not found"));
    if (!found) {
      send(sock, from, tftp::ErrorPacket{tftp::kFileNotFound, "File not found"});
      return;
    }
    if (transfers.size() >= kMaxTransfers) {
      send(sock, from, tftp::ErrorPacket{tftp::kNotDefined, "Server busy"});
      return;
    }
    Transfer t;
    t.peer = from;
    t.filename = req->filename;
    t.data = *mode == "netascii" ? tftp::toNetascii(it->second) : it->second;
    t.started = Clock::now();
    t.fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    ::inet_pton(AF_INET, address.c_str(), &a.sin_addr);
    if (t.fd < 0 || ::bind(t.fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
      const std::string why = sysError("transfer socket", errno);
      if (t.fd >= 0) ::close(t.fd);
      t.fd = -1;
      send(sock, from, tftp::ErrorPacket{tftp::kNotDefined, "Server error"});
      finish(t, "error", why);
      return;
    }
    transfers.push_back(std::move(t));
    sendBlock(transfers.back());
  }

  /// A packet on a transfer's port. False when the transfer is over.
  bool onTransferPacket(Transfer& t, const uint8_t* p, size_t n, const sockaddr_in& from) {
    if (!samePeer(from, t.peer)) {
      // RFC 1350: a packet from another TID gets ERROR 5; the transfer goes on.
      send(t.fd, from, tftp::ErrorPacket{tftp::kUnknownTid, "Unknown transfer ID"});
      return true;
    }
    auto d = tftp::decode(std::span<const uint8_t>(p, n));
    if (!d.packet) {
      malformed(from, "during transfer of " + t.filename + ": " + d.error);
      send(t.fd, t.peer, tftp::ErrorPacket{tftp::kIllegalOperation, "Illegal TFTP operation"});
      finish(t, "error", d.error);
      return false;
    }
    if (const auto* e = std::get_if<tftp::ErrorPacket>(&*d.packet)) {
      finish(t, "error",
             "client sent ERROR " + std::to_string(e->code) + " \"" + e->message + "\"");
      return false;
    }
    const auto* ack = std::get_if<tftp::Ack>(&*d.packet);
    if (!ack) {
      const std::string why = tftp::packetName(*d.packet) + " where an ACK was expected";
      malformed(from, "during transfer of " + t.filename + ": " + why);
      send(t.fd, t.peer, tftp::ErrorPacket{tftp::kIllegalOperation, "Illegal TFTP operation"});
      finish(t, "error", why);
      return false;
    }
    // A duplicate ACK of an earlier block is ignored (no resend: the Sorcerer's Apprentice bug).
    if (ack->block != t.block) return true;
    t.blocks_acked++;
    t.bytes_acked += t.blockLen();
    if (t.lastBlock()) {
      finish(t, "complete", "");
      return false;
    }
    t.offset += tftp::kBlockSize;
    t.block = static_cast<uint16_t>(t.block + 1);
    t.retransmits = 0;
    sendBlock(t);
    return true;
  }

  void run() {
    uint8_t buf[2048];
    for (;;) {
      std::vector<pollfd> fds = {{thread.stopFd(), POLLIN, 0}, {sock, POLLIN, 0}};
      for (const auto& t : transfers) fds.push_back({t.fd, POLLIN, 0});
      int rc = ::poll(fds.data(), fds.size(), 100);
      if (rc < 0 && errno != EINTR) return;
      if (fds[0].revents) return;
      if (fds[1].revents) {
        for (int i = 0; i < 64; ++i) {
          sockaddr_in from{};
          socklen_t len = sizeof from;
          ssize_t n =
              ::recvfrom(sock, buf, sizeof buf, 0, reinterpret_cast<sockaddr*>(&from), &len);
          if (n < 0) break;
          onRequest(buf, static_cast<size_t>(n), from);
        }
      }
      size_t i = 2;
      for (auto it = transfers.begin(); it != transfers.end(); ++i) {
        bool keep = true;
        // Transfers added by onRequest above have no pollfd yet: i runs past fds for them.
        if (i < fds.size() && fds[i].revents) {
          for (int k = 0; keep && k < 16; ++k) {
            sockaddr_in from{};
            socklen_t len = sizeof from;
            ssize_t n =
                ::recvfrom(it->fd, buf, sizeof buf, 0, reinterpret_cast<sockaddr*>(&from), &len);
            if (n < 0) break;
            keep = onTransferPacket(*it, buf, static_cast<size_t>(n), from);
          }
        }
        if (keep && Clock::now() >= it->deadline) {
          if (it->retransmits < kMaxRetransmits) {
            it->retransmits++;
            sendBlock(*it);
          } else {
            finish(*it, "timeout",
                   "no ACK for block " + std::to_string(it->block) + " after " +
                       std::to_string(kMaxRetransmits) + " retransmits");
            keep = false;
          }
        }
        if (keep) {
          ++it;
        } else {
          ::close(it->fd);
          it = transfers.erase(it);
        }
      }
    }
  }
};

TftpFake::TftpFake(const TftpOptions& o, EventLog& log) : impl_(std::make_unique<Impl>()) {
  Impl& im = *impl_;
  im.log = &log;
  im.address = o.address;
  for (const auto& [name, content] : o.files) im.files[stripSlashes(name)] = content;
  im.sock = bindInet("tftp", SOCK_DGRAM, o.address, o.port, &im.port);
  // The request socket is bound and the files are in memory (each transfer's socket is on an
  // ephemeral port): the thread that parses the phone's packets runs as nobody.
  im.thread.start(log, "tftp", [&im] { im.run(); });
  log.emit("tftp", "fake.start",
           {{"name", "tftp"}, {"address", o.address}, {"port", std::to_string(im.port)}},
           "tftp listening on " + o.address + ":" + std::to_string(im.port) + ", " +
               std::to_string(im.files.size()) + " files");
}

TftpFake::~TftpFake() {
  impl_->thread.stop();
  for (const auto& t : impl_->transfers) impl_->finish(t, "error", "server stopped");
  impl_->log->emit(
      "tftp", "fake.stop",
      {{"name", "tftp"}, {"address", impl_->address}, {"port", std::to_string(impl_->port)}},
      "tftp stopped on " + impl_->address + ":" + std::to_string(impl_->port));
}

int TftpFake::port() const {
  return impl_->port;
}

}  // namespace phonelab::fakes
