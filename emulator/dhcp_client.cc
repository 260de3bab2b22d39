// Over 600 lines on purpose: one RFC 2131 client state machine (section 4.4: SELECTING,
// REQUESTING, BOUND, RENEWING, REBINDING), whose states, timers and receive path share every
// field of DhcpClient::Impl and read top to bottom as the RFC's state diagram does.
#include "emulator/dhcp_client.h"

#include <arpa/inet.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <sys/socket.h>
#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/udp.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>

#include "base/core/error.h"
#include "emulator/frames.h"
#include "emulator/log.h"

namespace asio = boost::asio;
namespace dhcp = phonelab::proto::dhcp;

namespace phonelab::emulator {

using dhcp::MessageType;
using std::chrono::steady_clock;

namespace {

std::string hex32(uint32_t x) {
  char b[16];
  std::snprintf(b, sizeof b, "0x%08x", x);
  return b;
}

Ip4 classfulMask(const Ip4& a) {
  if (a[0] < 128) return {255, 0, 0, 0};
  if (a[0] < 192) return {255, 255, 0, 0};
  return {255, 255, 255, 0};
}

std::chrono::milliseconds ms(double seconds) {
  return std::chrono::milliseconds(static_cast<long long>(seconds * 1000.0));
}

}  // namespace

dhcp::Message makeClientMessage(const DhcpClientConfig& c, MessageType type, uint32_t xid,
                                uint16_t secs) {
  dhcp::Message m;
  m.op = 1;
  m.xid = xid;
  m.secs = secs;
  m.chaddr = c.mac;
  m.setOption(53, {static_cast<uint8_t>(type)});
  std::vector<uint8_t> cid{1};
  cid.insert(cid.end(), c.mac.begin(), c.mac.end());
  m.setOption(61, cid);
  // Fault vendor-class-discover-only: the REQUEST's option list is built on its own and lacks 60.
  if (!c.vendor_class.empty() && !(c.vendor_class_discover_only && type == MessageType::Request))
    m.setOption(60, std::vector<uint8_t>(c.vendor_class.begin(), c.vendor_class.end()));
  if (!c.hostname.empty())
    m.setOption(12, std::vector<uint8_t>(c.hostname.begin(), c.hostname.end()));
  m.setOption(57, {0x05, 0xdc});  // max message size 1500
  m.setOption(55, {1, 2, 3, 6, 15, 42, 43, 51, 58, 59, 66, 125, 150, 159, 160});
  return m;
}

struct DhcpClient::Impl : std::enable_shared_from_this<DhcpClient::Impl> {
  enum class State { Stopped, Selecting, Requesting, Bound, Renewing, Rebinding };

  asio::io_context& io;
  DhcpClientConfig cfg;
  DhcpCallbacks cb;
  asio::posix::stream_descriptor raw;
  asio::posix::stream_descriptor arp;  // fault arp-conflict-drops-lease: its conflict monitor
  asio::ip::udp::socket udp68;
  asio::steady_timer timer;  // the one timer of the state machine
  std::mt19937 rng{std::random_device{}()};
  std::array<uint8_t, 2048> udp_sink{};

  State state = State::Stopped;
  bool running = false;
  uint32_t xid = 0;
  int attempt = 0;  // retransmissions of the current message
  steady_clock::time_point exchange_start;
  int nak_streak = 0;
  int malformed_logged = 0;

  // Offer being requested / lease held.
  Ip4 offered{};
  Ip4 offer_server{};
  DhcpLease lease;
  bool have_lease = false;
  Mac server_mac{};  // L2 source of the last ACK: next hop for unicast renewals
  std::function<void(DhcpRenewResult)> renew_cb;  // renewNow() in progress
  steady_clock::time_point renew_deadline;
  steady_clock::time_point bound_at, t1_at, t2_at, expiry_at;

  Impl(asio::io_context& io_, DhcpClientConfig c, DhcpCallbacks cbs)
      : io(io_),
        cfg(std::move(c)),
        cb(std::move(cbs)),
        raw(io_),
        arp(io_),
        udp68(io_),
        timer(io_) {}

  uint16_t secsSinceStart() const {
    auto s = std::chrono::duration_cast<std::chrono::seconds>(steady_clock::now() - exchange_start)
                 .count();
    return static_cast<uint16_t>(std::min<long long>(s, 0xffff));
  }

  /// An AF_PACKET socket for one ethertype, bound to our interface (non-blocking).
  int packetSocket(uint16_t ethertype, const std::string& what) const {
    int fd = ::socket(AF_PACKET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, htons(ethertype));
    if (fd < 0) throw Error(sysError("socket(AF_PACKET" + what + ")", errno));
    sockaddr_ll sll{};
    sll.sll_family = AF_PACKET;
    sll.sll_protocol = htons(ethertype);
    sll.sll_ifindex = cfg.ifindex;
    if (::bind(fd, reinterpret_cast<sockaddr*>(&sll), sizeof sll) < 0) {
      int e = errno;
      ::close(fd);
      throw Error(sysError("bind(AF_PACKET" + what + ") to " + cfg.iface, e));
    }
    return fd;
  }

  void open() {
    const int fd = packetSocket(ETH_P_IP, "");
    // Tells recvmsg whether a frame's checksum is still to be filled in (see readFrames).
    int one = 1;
    ::setsockopt(fd, SOL_PACKET, PACKET_AUXDATA, &one, sizeof one);
    raw.assign(fd);
    // A UDP socket on port 68 so the kernel does not answer server replies with ICMP port
    // unreachable once we have an address. Everything it receives is discarded: the AF_PACKET
    // socket sees the same packets.
    boost::system::error_code ec;
    udp68.open(asio::ip::udp::v4(), ec);
    if (!ec) {
      udp68.set_option(asio::socket_base::reuse_address(true), ec);
      ::setsockopt(udp68.native_handle(), SOL_SOCKET, SO_BINDTODEVICE, cfg.iface.c_str(),
                   static_cast<socklen_t>(cfg.iface.size()));
      udp68.bind(asio::ip::udp::endpoint(asio::ip::address_v4::any(), 68), ec);
    }
    if (ec) logLine("dhcp: cannot bind UDP port 68 (" + ec.message() + "); continuing without it");
    if (cfg.arp_conflict_drops_lease) openArp();
  }

  /// Fault arp-conflict-drops-lease: an ARP conflict monitor (RFC 5227 2.4) whose answer to a
  /// conflict is to give the address up (its option (a)) before anything else.
  void openArp() { arp.assign(packetSocket(ETH_P_ARP, ", ARP")); }

  /// A frame of the ARP socket: a conflict is an ARP packet from another MAC whose sender address
  /// is the one we hold.
  void onArp(std::span<const uint8_t> f) {
    if (f.size() < 42) return;
    // Ethernet/IPv4 ARP (RFC 826): sender MAC at 22, sender IP at 28.
    const uint8_t* a = f.data() + 14;
    if (a[0] != 0 || a[1] != 1 || a[2] != 8 || a[3] != 0 || a[4] != 6 || a[5] != 4) return;
    Mac sender_mac;
    Ip4 sender_ip;
    std::copy(f.begin() + 22, f.begin() + 28, sender_mac.begin());
    std::copy(f.begin() + 28, f.begin() + 32, sender_ip.begin());
    const bool holding =
        state == State::Bound || state == State::Renewing || state == State::Rebinding;
    if (!have_lease || !holding || sender_ip != lease.address || sender_mac == cfg.mac) return;
    logLine("dhcp: fault arp-conflict-drops-lease: " + dhcp::macString(sender_mac) + " claims " +
            dhcp::ip4String(sender_ip) + " (ARP): giving the address up");
    timer.cancel();
    renew_cb = nullptr;
    have_lease = false;
    if (cb.lost) cb.lost("address conflict with " + dhcp::macString(sender_mac));
    if (running) startDiscover("address conflict");
  }

  void start() {
    open();
    running = true;
    readFrames(raw,
               [](Impl& s, std::span<const uint8_t> f, bool pending) { s.onFrame(f, pending); });
    if (arp.is_open())
      readFrames(arp, [](Impl& s, std::span<const uint8_t> f, bool) { s.onArp(f); });
    drainUdp();
    startDiscover("start");
  }

  void stop() {
    running = false;
    renew_cb = nullptr;
    state = State::Stopped;
    timer.cancel();
    boost::system::error_code ec;
    raw.close(ec);
    arp.close(ec);
    udp68.close(ec);
  }

  // ---- I/O ----

  /// Waits for frames on `sock` (an AF_PACKET socket) and hands each one we did not send to `on`,
  /// up to 64 per wake-up, with whether its checksum is still to be filled in.
  template <class On>
  void readFrames(asio::posix::stream_descriptor& sock, On on) {
    sock.async_wait(asio::posix::stream_descriptor::wait_read,
                    [self = shared_from_this(), &sock, on](const boost::system::error_code& ec) {
                      if (ec || !self->running) return;
                      self->drainFrames(sock, on);
                      if (self->running) self->readFrames(sock, on);
                    });
  }

  template <class On>
  void drainFrames(asio::posix::stream_descriptor& sock, On on) {
    std::array<uint8_t, 2048> buf;
    alignas(cmsghdr) std::array<uint8_t, CMSG_SPACE(sizeof(tpacket_auxdata))> control;
    for (int i = 0; i < 64 && running; ++i) {
      sockaddr_ll from{};
      iovec iov{buf.data(), buf.size()};
      msghdr msg{};
      msg.msg_name = &from;
      msg.msg_namelen = sizeof from;
      msg.msg_iov = &iov;
      msg.msg_iovlen = 1;
      msg.msg_control = control.data();
      msg.msg_controllen = control.size();
      ssize_t n = ::recvmsg(sock.native_handle(), &msg, 0);
      if (n < 0) return;  // EAGAIN or error: wait again
      if (from.sll_pkttype == PACKET_OUTGOING) continue;
      // A frame from this host whose UDP checksum the NIC was to fill in (a veth peer's kernel
      // socket) carries a partial one: the kernel says so, and it is not checked.
      bool pending = false;
      for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
        if (c->cmsg_level != SOL_PACKET || c->cmsg_type != PACKET_AUXDATA) continue;
        tpacket_auxdata aux{};
        std::memcpy(&aux, CMSG_DATA(c), sizeof aux);
        pending = (aux.tp_status & TP_STATUS_CSUMNOTREADY) != 0;
      }
      on(*this, std::span<const uint8_t>(buf.data(), static_cast<size_t>(n)), pending);
    }
  }

  void drainUdp() {
    if (!udp68.is_open()) return;
    udp68.async_receive(asio::buffer(udp_sink),
                        [self = shared_from_this()](const boost::system::error_code& ec, size_t) {
                          if (ec == asio::error::operation_aborted || !self->running) return;
                          self->drainUdp();
                        });
  }

  void sendFrame(const std::vector<uint8_t>& frame, const Mac& dst) {
    sockaddr_ll to{};
    to.sll_family = AF_PACKET;
    to.sll_protocol = htons(ETH_P_IP);
    to.sll_ifindex = cfg.ifindex;
    to.sll_halen = 6;
    std::memcpy(to.sll_addr, dst.data(), 6);
    if (::sendto(raw.native_handle(), frame.data(), frame.size(), 0,
                 reinterpret_cast<sockaddr*>(&to), sizeof to) < 0) {
      logLine(sysError("dhcp: sendto", errno));
    }
  }

  void send(const dhcp::Message& m, const Ip4& src, const Ip4& dst, const Mac& dst_mac) {
    UdpFrame f;
    f.src_mac = cfg.mac;
    f.dst_mac = dst_mac;
    f.src_ip = src;
    f.dst_ip = dst;
    f.src_port = 68;
    f.dst_port = 67;
    f.payload = dhcp::encode(m);
    sendFrame(buildUdpFrame(f), dst_mac);
  }

  // ---- timers ----

  /// RFC 2131 4.1: 4, 8, 16, 32, 64 s, randomised by +-1 s.
  double backoff() {
    double base = cfg.first_retry_seconds;
    for (int i = 0; i < attempt && base < 64; ++i) base *= 2;
    if (base > 64) base = 64;
    std::uniform_real_distribution<double> jitter(-1.0, 1.0);
    double d = base + (base >= 4 ? jitter(rng) : 0);
    return d < 0.5 ? 0.5 : d;
  }

  template <class F>
  void after(std::chrono::milliseconds d, F f) {
    timer.expires_after(d);
    timer.async_wait([self = shared_from_this(), f](const boost::system::error_code& ec) {
      if (ec || !self->running) return;
      f(*self);
    });
  }
  template <class F>
  void at(steady_clock::time_point t, F f) {
    timer.expires_at(t);
    timer.async_wait([self = shared_from_this(), f](const boost::system::error_code& ec) {
      if (ec || !self->running) return;
      f(*self);
    });
  }

  // ---- states ----

  void startDiscover(const std::string& why) {
    state = State::Selecting;
    xid = rng();
    attempt = 0;
    exchange_start = steady_clock::now();
    logLine("dhcp: INIT (" + why + "): looking for a server");
    if (nak_streak >= 3) {
      // A server that NAKs everything should not make us spin.
      nak_streak = 0;
      logLine("dhcp: 3 NAKs in a row, waiting 4 s before DISCOVER");
      after(ms(4.0), [](Impl& s) { s.sendDiscover(); });
      return;
    }
    sendDiscover();
  }

  void sendDiscover() {
    auto m = makeClientMessage(cfg, MessageType::Discover, xid, secsSinceStart());
    m.flags = 0x8000;  // broadcast: we cannot receive unicast before we have an address
    send(m, Ip4{}, Ip4{255, 255, 255, 255}, kBroadcastMac);
    double d = backoff();
    logLine("dhcp: DHCPDISCOVER xid " + hex32(xid) + " (attempt " + std::to_string(attempt + 1) +
            ", next in " + std::to_string(static_cast<int>(d * 1000)) + " ms)");
    ++attempt;
    after(ms(d), [](Impl& s) { s.sendDiscover(); });
  }

  void sendRequestSelecting() {
    if (attempt >= 4) {
      startDiscover("no ACK after 4 REQUESTs");
      return;
    }
    auto m = makeClientMessage(cfg, MessageType::Request, xid, secsSinceStart());
    m.flags = 0x8000;
    m.setOption(50, dhcp::ip4Bytes(offered));
    m.setOption(54, dhcp::ip4Bytes(offer_server));
    send(m, Ip4{}, Ip4{255, 255, 255, 255}, kBroadcastMac);
    double d = backoff();
    logLine("dhcp: DHCPREQUEST xid " + hex32(xid) + " for " + dhcp::ip4String(offered) +
            " from server " + dhcp::ip4String(offer_server) + " (attempt " +
            std::to_string(attempt + 1) + ")");
    ++attempt;
    after(ms(d), [](Impl& s) { s.sendRequestSelecting(); });
  }

  /// RENEWING: unicast to the server; REBINDING: broadcast. Retries at half the remaining time
  /// (RFC 2131 says at least 60 s; lab leases are short, so at least 1 s here).
  void sendRequestBound() {
    const bool renewing = state == State::Renewing;
    auto now = steady_clock::now();
    // Fault no-rebind: RENEWING lasts until the lease expires, never a broadcast.
    auto limit = renewing && !cfg.no_rebind ? t2_at : expiry_at;
    if (now >= limit) {
      if (renewing && !cfg.no_rebind) {
        enterRebinding();
      } else {
        expire();
      }
      return;
    }
    auto m = makeClientMessage(cfg, MessageType::Request, xid, secsSinceStart());
    m.ciaddr = lease.address;
    if (renewing) {
      send(m, lease.address, lease.server, server_mac);
    } else {
      send(m, lease.address, Ip4{255, 255, 255, 255}, kBroadcastMac);
    }
    logLine(std::string("dhcp: DHCPREQUEST xid ") + hex32(xid) + " " +
            (renewing ? "renewing (unicast to " + dhcp::ip4String(lease.server) + ")"
                      : std::string("rebinding (broadcast)")) +
            " for " + dhcp::ip4String(lease.address));
    double left = std::chrono::duration<double>(limit - now).count();
    double d = std::max(1.0, left / 2);
    auto next = now + ms(d);
    if (next > limit) next = limit;
    at(next, [](Impl& s) { s.sendRequestBound(); });
  }

  void enterRenewing() {
    state = State::Renewing;
    xid = rng();
    exchange_start = steady_clock::now();
    logLine("dhcp: T1 reached, RENEWING " + dhcp::ip4String(lease.address));
    sendRequestBound();
  }

  void enterRebinding() {
    state = State::Rebinding;
    xid = rng();
    logLine("dhcp: T2 reached, REBINDING " + dhcp::ip4String(lease.address));
    sendRequestBound();
  }

  void expire() {
    logLine("dhcp: lease on " + dhcp::ip4String(lease.address) + " expired");
    have_lease = false;
    if (cfg.keep_after_expiry) {
      logLine("dhcp: fault keep-address-after-expiry: the address stays configured");
    } else if (cb.lost) {
      cb.lost("lease expired");
    }
    if (running) startDiscover("lease expired");
  }

  void scheduleLeaseTimers() {
    state = State::Bound;
    if (lease.lease_seconds == 0xffffffffu) {
      logLine("dhcp: infinite lease, no renewal");
      timer.cancel();
      return;
    }
    if (cfg.no_renew) {
      logLine("dhcp: fault no-renew: no renewal, starting over when the lease expires in " +
              std::to_string(lease.lease_seconds) + " s");
      at(expiry_at, [](Impl& s) { s.expire(); });
      return;
    }
    if (cfg.renew_late) {
      auto late =
          bound_at + std::chrono::milliseconds(static_cast<long long>(lease.t1_seconds) * 1500);
      logLine("dhcp: fault renew-late: renewing at T1 + 50% (" +
              std::to_string(lease.t1_seconds * 3 / 2) + " s) instead of " +
              std::to_string(lease.t1_seconds) + " s");
      at(late, [](Impl& s) { s.enterRenewing(); });
      return;
    }
    if (cfg.renew_at_t2) {
      logLine("dhcp: fault renew-at-t2: the renewal timer is armed with T2 (" +
              std::to_string(lease.t2_seconds) + " s) instead of T1 (" +
              std::to_string(lease.t1_seconds) + " s)");
      at(t2_at, [](Impl& s) { s.enterRenewing(); });
      return;
    }
    at(t1_at, [](Impl& s) { s.enterRenewing(); });
  }

  // ---- renewal on demand (SIP timeout) ----

  void renewNow(std::function<void(DhcpRenewResult)> done) {
    if (!running || !have_lease ||
        (state != State::Bound && state != State::Renewing && state != State::Rebinding)) {
      logLine("dhcp: renewal requested but there is no lease to renew");
      if (done) done(DhcpRenewResult::Timeout);
      return;
    }
    renew_cb = std::move(done);
    state = State::Renewing;
    xid = rng();
    exchange_start = steady_clock::now();
    renew_deadline = exchange_start + ms(cfg.renew_now_timeout);
    logLine("dhcp: renewing " + dhcp::ip4String(lease.address) + " now (requested)");
    sendRenewNow();
  }

  void sendRenewNow() {
    if (steady_clock::now() >= renew_deadline) {
      finishRenewNow(DhcpRenewResult::Timeout, "no answer to the requested renewal");
      return;
    }
    auto m = makeClientMessage(cfg, MessageType::Request, xid, secsSinceStart());
    m.ciaddr = lease.address;
    send(m, lease.address, lease.server, server_mac);
    logLine("dhcp: DHCPREQUEST xid " + hex32(xid) + " renewing (unicast to " +
            dhcp::ip4String(lease.server) + ") for " + dhcp::ip4String(lease.address));
    auto next = std::min(steady_clock::now() + ms(2.0), renew_deadline);
    at(next, [](Impl& s) { s.sendRenewNow(); });
  }

  /// Ends a renewNow() that did not extend the lease: back to Bound with the old timers.
  void finishRenewNow(DhcpRenewResult result, const std::string& why) {
    auto done = std::move(renew_cb);
    renew_cb = nullptr;
    logLine("dhcp: requested renewal: " + why);
    if (steady_clock::now() >= expiry_at) {
      expire();
    } else if (steady_clock::now() >= t2_at) {
      enterRebinding();
    } else {
      state = State::Bound;
      if (steady_clock::now() >= t1_at) {
        at(steady_clock::now(), [](Impl& s) { s.enterRenewing(); });
      } else {
        scheduleLeaseTimers();
      }
    }
    if (done) done(result);
  }

  /// Fault crash-on-malformed-option: the parser's bug takes the firmware down. The client halts
  /// at once (no further frame is read, no timer fires) and the phone's watchdog restarts it.
  void crash(const std::string& what) {
    logLine("dhcp: fault: " + what + ": the firmware crashes");
    stop();
    if (cb.crash) cb.crash("DHCP client: " + what);
  }

  // ---- receive ----

  /// Fault crash-on-overloaded-offer: while selecting, an OFFER whose option 52 says sname/file
  /// hold options has its server identifier looked for there too, by a walker that trusts each
  /// length: a TLV running past the 64-byte sname (or 128-byte file) reads beyond the field.
  /// Returns what it ran past, or "".
  static std::string overloadOverrun(std::span<const uint8_t> payload, const dhcp::Message& m) {
    const auto* o = m.option(52);
    if (!o || o->data.size() != 1 || payload.size() < 236) return "";
    auto walk = [&](size_t at, size_t len, const char* field) -> std::string {
      for (size_t i = 0; i < len;) {
        const uint8_t code = payload[at + i];
        if (code == 0) {
          ++i;
          continue;
        }
        if (code == 255) return "";
        if (i + 1 >= len || i + 2 + payload[at + i + 1] > len)
          return std::string("option ") + std::to_string(code) + " in " + field + " (overload " +
                 std::to_string(o->data[0]) + ") runs past the field";
        i += 2 + payload[at + i + 1];
      }
      return "";
    };
    std::string r;
    if (o->data[0] & 1) r = walk(108, 128, "file");
    if (r.empty() && (o->data[0] & 2)) r = walk(44, 64, "sname");
    return r;
  }

  void onFrame(std::span<const uint8_t> frame, bool udp_checksum_pending = false) {
    auto udp = parseUdpFrame(frame, udp_checksum_pending);
    if (!udp || udp->dst_port != 68 || udp->src_port != 67) return;
    auto r = dhcp::decode(udp->payload);
    // Fault crash-on-malformed-renewal: only the parser of the renewal path has the bug.
    const bool crashes =
        cfg.crash_on_malformed ||
        (cfg.crash_on_malformed_renewal && (state == State::Renewing || state == State::Rebinding));
    if (!r.message && crashes && r.error.rfind("option ", 0) == 0) {
      crash(r.error);
      return;
    }
    if (!r.message) {
      if (malformed_logged < 20) {
        ++malformed_logged;
        logLine("dhcp: ignoring malformed packet from " + dhcp::ip4String(udp->src_ip) + ": " +
                r.error + (malformed_logged == 20 ? " (further ones are not logged)" : ""));
      }
      return;
    }
    const dhcp::Message& m = *r.message;
    if (m.op != 2 || m.xid != xid || m.chaddr != cfg.mac) return;
    auto type = m.type();
    if (!type) {
      logLine("dhcp: ignoring reply xid " + hex32(m.xid) + " without a valid message type");
      return;
    }
    if (crashes && (*type == MessageType::Offer || *type == MessageType::Ack)) {
      for (const auto& p : decodeDhcpInfo(m).problems) {
        if (!p.bad_length) continue;
        crash(describe(p));
        return;
      }
    }
    if (cfg.crash_on_overloaded_offer && state == State::Selecting && *type == MessageType::Offer) {
      if (auto what = overloadOverrun(udp->payload, m); !what.empty()) {
        crash(what);
        return;
      }
    }
    // RFC 2131 table 3: a server MUST put its identifier in every OFFER, ACK and NAK. Without
    // one, the message names nobody the phone could request from or renew with.
    auto* sid = m.option(54);
    if (!sid || sid->data.size() != 4) {
      logLine("dhcp: ignoring " + std::string(dhcp::messageTypeName(*type)) + " from " +
              dhcp::ip4String(udp->src_ip) + " without a server identifier");
      return;
    }
    Ip4 server;
    std::copy(sid->data.begin(), sid->data.end(), server.begin());
    const std::string from = " from " + dhcp::ip4String(server);

    auto answer = [&] {
      if (*type == MessageType::Nak) {
        onNak(m, from);
      } else if (*type == MessageType::Ack) {
        onAck(m, server, udp->src_mac, from);
      }
    };
    switch (state) {
      case State::Selecting:
        if (*type != MessageType::Offer) return;
        if (m.yiaddr == Ip4{}) {
          logLine("dhcp: ignoring DHCPOFFER with yiaddr 0.0.0.0" + from);
          return;
        }
        offered = m.yiaddr;
        offer_server = server;
        logLine("dhcp: DHCPOFFER " + dhcp::ip4String(offered) + from);
        state = State::Requesting;
        attempt = 0;
        sendRequestSelecting();
        return;
      case State::Requesting:
        // The REQUEST named the server whose offer the phone took: only that server answers it
        // (RFC 2131 3.1: the others take it as the client declining their offers). An ACK or
        // NAK from another server is not an answer to it.
        if (server != offer_server && (*type == MessageType::Nak || *type == MessageType::Ack)) {
          if (!(cfg.ack_from_unselected_server && *type == MessageType::Ack)) {
            logLine("dhcp: ignoring " + std::string(dhcp::messageTypeName(*type)) + from +
                    ": the REQUEST is for " + dhcp::ip4String(offer_server) + "'s offer");
            return;
          }
          logLine("dhcp: fault ack-from-unselected-server: taking the DHCPACK" + from +
                  " (the REQUEST is for " + dhcp::ip4String(offer_server) + "'s offer)");
        }
        answer();
        return;
      case State::Renewing:
        // RENEWING asks the server that holds the lease (unicast to it): an answer that names
        // another server identifier is not an answer to this request (another server on the
        // segment that saw it, or one that forges it). REBINDING takes any server's answer.
        if (server != lease.server && (*type == MessageType::Nak || *type == MessageType::Ack)) {
          // Fault sip-timeout-renewal-any-server: the requested renewal's answer is matched on
          // the transaction id and MAC only, as a handler of its own would.
          const bool taken = cfg.ack_from_any_server ||
                             (cfg.nak_from_any_server && *type == MessageType::Nak) ||
                             (cfg.renew_now_any_server && renew_cb);
          if (!taken) {
            logLine("dhcp: ignoring " + std::string(dhcp::messageTypeName(*type)) + from +
                    " to a renewal: the lease is from " + dhcp::ip4String(lease.server));
            return;
          }
          logLine(std::string("dhcp: fault ") +
                  (cfg.ack_from_any_server    ? "ack-from-any-server"
                   : cfg.renew_now_any_server ? "sip-timeout-renewal-any-server"
                                              : "nak-from-any-server") +
                  ": taking " + std::string(dhcp::messageTypeName(*type)) + from +
                  " (the lease is from " + dhcp::ip4String(lease.server) + ")");
        }
        answer();
        return;
      case State::Rebinding:
        answer();
        return;
      default:
        return;
    }
  }

  void onNak(const dhcp::Message& m, const std::string& from) {
    std::string msg;
    if (auto* o = m.option(56)) msg = " (\"" + std::string(o->data.begin(), o->data.end()) + "\")";
    logLine("dhcp: DHCPNAK" + from + msg);
    if (renew_cb) {
      finishRenewNow(DhcpRenewResult::Nak, "DHCPNAK" + from);
      return;
    }
    ++nak_streak;
    timer.cancel();
    if (have_lease) {
      have_lease = false;
      if (cb.lost) cb.lost("DHCPNAK" + from);
    }
    if (running) startDiscover("DHCPNAK");
  }

  void onAck(const dhcp::Message& m, const Ip4& server, const Mac& src_mac,
             const std::string& from) {
    nak_streak = 0;
    DhcpLease l;
    l.address = m.yiaddr;
    if (l.address == Ip4{}) {
      logLine("dhcp: ignoring DHCPACK with yiaddr 0.0.0.0" + from);
      return;
    }
    l.server = server;
    l.info = decodeDhcpInfo(m, cfg.ignore_options, cfg.decode_faults);
    const DhcpInfo& info = l.info;
    for (const auto& p : info.problems) logLine("dhcp: ignoring malformed " + describe(p));
    for (const auto& n : info.fault_notes) logLine("dhcp: fault " + n);
    for (auto code : info.ignored)
      logLine("dhcp: fault ignore-option-" + std::to_string(code) + ": ignoring option " +
              std::to_string(code) + " of the DHCPACK");
    // Without option 1 (or with fault ignore-option-1) the mask of the address's class.
    l.netmask = info.netmask.value_or(classfulMask(l.address));
    l.router = info.router.value_or(Ip4{});
    if (cfg.ntp_from_option_4) {
      // Option 4 is the RFC 868 time server; this stack takes it for the NTP servers (42).
      l.info.ntp.clear();
      if (auto* o = m.option(4))
        for (size_t i = 0; i + 4 <= o->data.size(); i += 4)
          l.info.ntp.push_back({o->data[i], o->data[i + 1], o->data[i + 2], o->data[i + 3]});
      logLine("dhcp: fault ntp-from-option-4: NTP servers from option 4 (" +
              std::to_string(l.info.ntp.size()) + "), not option 42");
    }
    if (cfg.router_from_server) {
      l.router = server;
      logLine("dhcp: fault ignore-option-3: using the server identifier " +
              dhcp::ip4String(server) + " as the router");
    }
    l.dns = info.dns;
    l.lease_seconds = info.lease.value_or(3600);
    if (l.lease_seconds == 0) l.lease_seconds = 1;
    const bool infinite = l.lease_seconds == 0xffffffffu;
    l.t1_seconds = info.t1.value_or(l.lease_seconds / 2);
    // Fault rebind-at-three-quarters: the default T2 written as 0.75 of the lease, not 0.875.
    const uint64_t t2_eighths = cfg.t2_three_quarters ? 6 : 7;
    l.t2_seconds = info.t2.value_or(
        static_cast<uint32_t>(static_cast<uint64_t>(l.lease_seconds) * t2_eighths / 8));
    if (!infinite) {
      if (l.t2_seconds > l.lease_seconds) l.t2_seconds = l.lease_seconds;
      if (l.t1_seconds > l.t2_seconds) l.t1_seconds = l.t2_seconds;
    }

    const State was = state;
    const bool renewal = was == State::Renewing || was == State::Rebinding;
    if (renewal && l.address != lease.address && renew_cb) {
      logLine("dhcp: DHCPACK" + from + " to the requested renewal offers " +
              dhcp::ip4String(l.address) + " instead of " + dhcp::ip4String(lease.address));
      finishRenewNow(DhcpRenewResult::Changed, "another address offered");
      return;
    }
    if (renewal && l.address != lease.address) {
      logLine("dhcp: DHCPACK" + from + " to a renewal offers " + dhcp::ip4String(l.address) +
              " instead of " + dhcp::ip4String(lease.address));
      stop();
      if (cb.reset)
        cb.reset("renewal answered with " + dhcp::ip4String(l.address) + " instead of " +
                 dhcp::ip4String(lease.address));
      return;
    }
    auto now = steady_clock::now();
    bound_at = now;
    // Fault lease-in-ms: the timer API counts milliseconds and is handed the seconds as they are.
    const long long unit_ms = cfg.lease_in_ms ? 1 : 1000;
    if (cfg.lease_in_ms) logLine("dhcp: fault lease-in-ms: lease, T1 and T2 taken as milliseconds");
    t1_at = now + std::chrono::milliseconds(static_cast<long long>(l.t1_seconds) * unit_ms);
    t2_at = now + std::chrono::milliseconds(static_cast<long long>(l.t2_seconds) * unit_ms);
    expiry_at = now + std::chrono::milliseconds(static_cast<long long>(l.lease_seconds) * unit_ms);
    lease = l;
    have_lease = true;
    server_mac = src_mac;
    logLine("dhcp: DHCPACK " + dhcp::ip4String(l.address) + "/" + dhcp::ip4String(l.netmask) +
            " router " + dhcp::ip4String(l.router) + from + ", lease " +
            std::to_string(l.lease_seconds) + " s, T1 " + std::to_string(l.t1_seconds) + " s, T2 " +
            std::to_string(l.t2_seconds) + " s");
    scheduleLeaseTimers();
    auto renew_done = std::move(renew_cb);
    renew_cb = nullptr;
    if (renewal) {
      if (cb.renewed) cb.renewed(lease);
    } else if (cb.bound) {
      cb.bound(lease);
    }
    if (renew_done) renew_done(DhcpRenewResult::SameAddress);
  }
};

DhcpClient::DhcpClient(asio::io_context& io, DhcpClientConfig config, DhcpCallbacks callbacks)
    : impl_(std::make_shared<Impl>(io, std::move(config), std::move(callbacks))) {}

DhcpClient::~DhcpClient() {
  stop();
}

void DhcpClient::start() {
  impl_->start();
}

void DhcpClient::stop() {
  if (impl_) impl_->stop();
}

void DhcpClient::renewNow(std::function<void(DhcpRenewResult)> done) {
  impl_->renewNow(std::move(done));
}

}  // namespace phonelab::emulator
