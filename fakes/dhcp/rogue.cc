#include "fakes/dhcp/rogue.h"

#include <arpa/inet.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <optional>

#include "base/core/error.h"
#include "base/lab/netns.h"
#include "base/proto/dhcp.h"
#include "base/proto/dhcp_options.h"
#include "fakes/common/server_thread.h"

namespace phonelab::fakes {
namespace {

namespace d = proto::dhcp;
using Bytes = std::vector<uint8_t>;

constexpr d::Mac kBroadcastMac = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
constexpr d::Ip4 kBroadcastIp = {255, 255, 255, 255};
constexpr size_t kCookieEnd = 240;  // fixed header (236) + magic cookie

const std::vector<std::pair<std::string, std::string>>& caseTable() {
  static const std::vector<std::pair<std::string, std::string>> cases = {
      {"option-length-past-end", "option 66 claims 200 bytes; the message ends 3 bytes later"},
      {"truncated-header", "200 bytes: cut inside the 236-byte BOOTP header, no magic cookie"},
      {"bad-magic-cookie", "magic cookie de:ad:be:ef instead of 63:82:53:63"},
      {"no-end-option", "options run to the end of the message without an end option (255)"},
      {"zero-length-option-1", "option 1 (subnet mask) with length 0"},
      {"overlong-option-66", "option 66 (TFTP server name) of 255 bytes of 'A'"},
      {"option-overload-52",
       "option 52 = 3 (options continue in sname and file), which hold garbage TLVs"},
      {"message-type-missing", "no option 53: a BOOTP reply where a DHCPOFFER is due"},
      {"message-type-bogus", "option 53 = 0xff, not a DHCP message type"},
      {"huge-lease", "option 51 = 0xffffffff (infinite lease)"},
      {"router-list-not-multiple-of-4", "option 3 (routers) of 5 bytes"},
      {"subnet-mask-zero-length", "option 1 = 0.0.0.0, a mask of prefix length zero"},
      {"nested-43-garbage", "option 43 whose sub-option 1 claims 255 bytes of a 5-byte option"},
      {"125-length-mismatch", "option 125 whose data-len says 64 bytes, 6 follow"},
      {"server-id-missing", "no option 54 (server identifier)"},
      {"bad-ip-checksum", "a well-formed OFFER in an IPv4 header with a wrong checksum"},
      {"bad-udp-checksum", "a well-formed OFFER in a UDP datagram with a wrong checksum"},
  };
  return cases;
}

const std::vector<std::string>& modeTable() {
  static const std::vector<std::string> modes = {"offer",  "malformed",         "nak",
                                                 "silent", "ack-other-address", "nak-renewal"};
  return modes;
}

std::string hex32(uint32_t v) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "0x%08x", v);
  return buf;
}

uint16_t checksum(const uint8_t* p, size_t n, uint32_t sum = 0) {
  for (size_t i = 0; i + 1 < n; i += 2) sum += static_cast<uint32_t>(p[i] << 8 | p[i + 1]);
  if (n % 2) sum += static_cast<uint32_t>(p[n - 1] << 8);
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  return static_cast<uint16_t>(~sum);
}

void put16(Bytes& b, uint16_t v) {
  b.push_back(static_cast<uint8_t>(v >> 8));
  b.push_back(static_cast<uint8_t>(v));
}

struct Addressing {
  d::Mac src_mac{}, dst_mac{};
  d::Ip4 src_ip{}, dst_ip{};
};

/// Ethernet II + IPv4 (TTL 64) + UDP 67 -> 68, both checksums correct.
Bytes buildFrame(const Addressing& a, const Bytes& payload) {
  Bytes f(a.dst_mac.begin(), a.dst_mac.end());
  f.insert(f.end(), a.src_mac.begin(), a.src_mac.end());
  put16(f, 0x0800);
  const size_t ip = f.size();
  f.push_back(0x45);
  f.push_back(0x10);  // low delay, like ISC servers
  put16(f, static_cast<uint16_t>(20 + 8 + payload.size()));
  put16(f, 0);
  put16(f, 0);
  f.push_back(64);
  f.push_back(17);
  put16(f, 0);
  f.insert(f.end(), a.src_ip.begin(), a.src_ip.end());
  f.insert(f.end(), a.dst_ip.begin(), a.dst_ip.end());
  const uint16_t ipsum = checksum(f.data() + ip, 20);
  f[ip + 10] = static_cast<uint8_t>(ipsum >> 8);
  f[ip + 11] = static_cast<uint8_t>(ipsum);
  const size_t udp = f.size();
  const auto ulen = static_cast<uint16_t>(8 + payload.size());
  put16(f, 67);
  put16(f, 68);
  put16(f, ulen);
  put16(f, 0);
  f.insert(f.end(), payload.begin(), payload.end());
  // Pseudo header: source, destination, protocol, UDP length.
  uint32_t pseudo = 17u + ulen;
  for (size_t i = 0; i < 8; i += 2)
    pseudo += static_cast<uint32_t>(f[ip + 12 + i] << 8 | f[ip + 13 + i]);
  uint16_t usum = checksum(f.data() + udp, ulen, pseudo);
  if (usum == 0) usum = 0xffff;
  f[udp + 6] = static_cast<uint8_t>(usum >> 8);
  f[udp + 7] = static_cast<uint8_t>(usum);
  return f;
}

/// Where a reply goes (RFC 2131 4.1): to a client with an address at that address, else to
/// the broadcast address if it asked or for a NAK, else unicast to chaddr at yiaddr.
Addressing replyAddressing(const d::Mac& mac, const d::Ip4& ip, const d::Message& req,
                           const d::Message& reply) {
  Addressing a;
  a.src_mac = mac;
  a.src_ip = ip;
  const d::Ip4 zero{};
  const bool nak = reply.type() == d::MessageType::Nak;
  if (!nak && req.ciaddr != zero) {
    a.dst_mac = req.chaddr;
    a.dst_ip = req.ciaddr;
  } else if (nak || (req.flags & 0x8000) || reply.yiaddr == zero) {
    a.dst_mac = kBroadcastMac;
    a.dst_ip = kBroadcastIp;
  } else {
    a.dst_mac = req.chaddr;
    a.dst_ip = reply.yiaddr;
  }
  return a;
}

/// Encodes the configured options (table rows by their type, other codes as hex).
std::vector<d::Option> encodeOptions(const std::vector<KeaOption>& opts) {
  std::vector<d::Option> out;
  for (const auto& o : opts) {
    const d::OptionDef* def = d::findOption(o.code);
    d::OptionDef binary{o.code, "unknown", d::OptionType::Binary};
    std::string err;
    auto bytes = d::encodeOptionValue(def ? *def : binary, o.value, err);
    if (!bytes) throw Error("rogue-dhcp: " + err);
    out.push_back(d::Option{o.code, std::move(*bytes)});
  }
  return out;
}

d::Ip4 parseIpOrThrow(const std::string& s, const char* what) {
  auto ip = d::parseIp4(s);
  if (!ip) throw Error(std::string("rogue-dhcp: ") + what + " '" + s + "' is not an IPv4 address");
  return *ip;
}

/// The well-formed reply: 53, 54, then 1 and 51 unless configured, then the configured options.
d::Message baseReply(const d::Message& req, d::MessageType type, const d::Ip4& server,
                     const d::Ip4& yiaddr, const std::vector<d::Option>& options) {
  d::Message m;
  m.op = 2;
  m.xid = req.xid;
  m.flags = req.flags;
  m.giaddr = req.giaddr;
  m.chaddr = req.chaddr;
  m.yiaddr = yiaddr;
  m.setOption(53, {static_cast<uint8_t>(type)});
  m.setOption(54, d::ip4Bytes(server));
  if (type == d::MessageType::Nak) {
    m.yiaddr = {};
    const std::string msg = "rogue NAK";
    m.setOption(56, Bytes(msg.begin(), msg.end()));
    return m;
  }
  auto listed = [&](uint8_t code) {
    return std::any_of(options.begin(), options.end(),
                       [&](const d::Option& o) { return o.code == code; });
  };
  if (!listed(51)) m.setOption(51, {0, 0, 0x0e, 0x10});
  if (!listed(1)) m.setOption(1, {255, 255, 255, 0});
  for (const auto& o : options) m.setOption(o.code, o.data);
  return m;
}

void removeOption(d::Message& m, uint8_t code) {
  std::erase_if(m.options, [&](const d::Option& o) { return o.code == code; });
}

/// Position of the end option in an encoded message (encode writes no pad before it).
size_t endAt(const Bytes& p) {
  size_t i = kCookieEnd;
  while (i < p.size() && p[i] != 255) i += 2 + p[i + 1];
  return i;
}

struct CaseFrame {
  Bytes frame;
  std::string type;  // what the message claims to be: offer, none, 0xff
  size_t payload_bytes = 0;
};

/// A malformed case shaped as `shape` (an OFFER, an ACK or a NAK): the well-formed reply of that
/// type with the case's flaw.
CaseFrame buildCase(const std::string& name, const d::Message& req, const d::Mac& mac,
                    const d::Ip4& server, const d::Ip4& yiaddr,
                    const std::vector<d::Option>& options,
                    d::MessageType shape = d::MessageType::Offer) {
  d::Message m = baseReply(req, shape, server, yiaddr, options);
  std::string type(d::messageTypeName(shape));
  enum class Post { None, CutAtEnd, BadIp, BadUdp } post = Post::None;
  Bytes tail;
  size_t truncate = 0;
  const Bytes cookie = {0xde, 0xad, 0xbe, 0xef};
  bool bad_cookie = false;
  if (name == "option-length-past-end") {
    post = Post::CutAtEnd;
    tail = {66, 200, 'A', 'A', 'A'};
  } else if (name == "truncated-header") {
    truncate = 200;
  } else if (name == "bad-magic-cookie") {
    bad_cookie = true;
  } else if (name == "no-end-option") {
    post = Post::CutAtEnd;
  } else if (name == "zero-length-option-1") {
    m.setOption(1, {});
  } else if (name == "overlong-option-66") {
    m.setOption(66, Bytes(255, 'A'));
  } else if (name == "option-overload-52") {
    m.setOption(52, {3});
    m.sname = std::string("\x01\xff", 2) + std::string(62, '\xee');
    m.file = std::string("\x03\xfe", 2) + std::string(126, '\xee');
  } else if (name == "message-type-missing") {
    removeOption(m, 53);
    type = "none";
  } else if (name == "message-type-bogus") {
    m.setOption(53, {0xff});
    type = "0xff";
  } else if (name == "huge-lease") {
    m.setOption(51, {0xff, 0xff, 0xff, 0xff});
  } else if (name == "router-list-not-multiple-of-4") {
    Bytes r = d::ip4Bytes(server);
    r.push_back(1);
    m.setOption(3, r);
  } else if (name == "subnet-mask-zero-length") {
    m.setOption(1, {0, 0, 0, 0});
  } else if (name == "nested-43-garbage") {
    m.setOption(43, {0x01, 0xff, 'A', 'A', 0x02});
  } else if (name == "125-length-mismatch") {
    m.setOption(125, {0x00, 0x00, 0x0d, 0xe9, 0x40, 0x01, 0x04, 'h', 't', 't', 'p'});
  } else if (name == "server-id-missing") {
    removeOption(m, 54);
  } else if (name == "bad-ip-checksum") {
    post = Post::BadIp;
  } else if (name == "bad-udp-checksum") {
    post = Post::BadUdp;
  } else {
    throw Error("rogue-dhcp: unknown malformed case '" + name + "'");
  }
  Bytes payload = d::encode(m);
  if (post == Post::CutAtEnd) {
    payload.resize(endAt(payload));
    payload.insert(payload.end(), tail.begin(), tail.end());
  }
  if (bad_cookie) std::copy(cookie.begin(), cookie.end(), payload.begin() + 236);
  if (truncate) payload.resize(truncate);
  CaseFrame c;
  c.type = type;
  c.payload_bytes = payload.size();
  c.frame = buildFrame(replyAddressing(mac, server, req, m), payload);
  if (post == Post::BadIp) c.frame[14 + 10] ^= 0x5a;
  if (post == Post::BadUdp) c.frame[14 + 20 + 6] ^= 0x5a;
  return c;
}

/// The DHCP payload of a frame to UDP port 67, or nullopt.
std::optional<Bytes> dhcpRequestPayload(const uint8_t* f, size_t n) {
  if (n < 14 + 20 + 8 || f[12] != 0x08 || f[13] != 0x00) return std::nullopt;
  const uint8_t* ip = f + 14;
  const size_t ihl = static_cast<size_t>(ip[0] & 0x0f) * 4;
  if ((ip[0] >> 4) != 4 || ihl < 20 || ip[9] != 17 || 14 + ihl + 8 > n) return std::nullopt;
  if ((ip[6] & 0x3f) != 0 || ip[7] != 0) return std::nullopt;  // fragment
  const uint8_t* udp = ip + ihl;
  if ((udp[2] << 8 | udp[3]) != 67) return std::nullopt;
  const size_t ulen = static_cast<size_t>(udp[4] << 8 | udp[5]);
  if (ulen < 8 || 14 + ihl + ulen > n) return std::nullopt;
  return Bytes(udp + 8, udp + ulen);
}

}  // namespace

struct RogueDhcpServer::Impl {
  RogueOptions opt;
  EventLog* log = nullptr;
  int fd = -1;
  int ifindex = 0;
  d::Mac mac{};
  d::Ip4 server{}, offer{};
  std::vector<std::string> cases;
  /// Malformed mode, OFFER position: the cases from here on have yet to meet the phone while it
  /// is selecting (see answerMalformed). cases.size() = every case has.
  size_t offer_from = 0;
  bool ack_done = false;    // malformed mode: every case has been sent in the ack position
  uint32_t forged_xid = 0;  // the transaction that got the forged offer (ack position)
  /// Malformed mode: what the client's renewals told (it renews with `trusted`, for `leased`);
  /// until then the rogue lets it get its lease.
  bool renewal_seen = false;
  d::Ip4 trusted{}, leased{};
  /// The transaction (xid) the rogue last answered with cases or offers while the client was
  /// getting an address, until it ended: by a NAK of the rogue's or a renewal of the client's
  /// (it had a lease). 0 = none (see rogue.seen's `restarted`).
  uint32_t open_xid = 0;
  std::vector<d::Option> options;
  std::vector<Event> pending;  // rogue.sent events of the request being answered
  bool realtime = false;       // written by the thread before it drops root (see the constructor)
  ServerThread thread{"rogue-dhcp", "rogue"};

  ~Impl() {
    thread.stop();  // before the sockets close
    if (fd >= 0) ::close(fd);
  }

  /// `stage` and `last` (malformed mode): the position the case was sent in (offer, ack, renew)
  /// and "yes" for the last case of the list (every case has been sent once in that position).
  void send(const Bytes& frame, const std::string& case_name, const std::string& type, uint32_t xid,
            size_t payload_bytes, const d::Ip4& yiaddr, const std::string& last = "",
            const std::string& stage = "") {
    sockaddr_ll ll{};
    ll.sll_family = AF_PACKET;
    ll.sll_ifindex = ifindex;
    ll.sll_halen = 6;
    std::copy_n(frame.begin(), 6, ll.sll_addr);
    ssize_t w =
        ::sendto(fd, frame.data(), frame.size(), 0, reinterpret_cast<sockaddr*>(&ll), sizeof ll);
    const int err = errno;
    const std::string dst_mac =
        d::macString(d::Mac{frame[0], frame[1], frame[2], frame[3], frame[4], frame[5]});
    const std::string dst_ip = d::ip4String(d::Ip4{frame[30], frame[31], frame[32], frame[33]});
    std::map<std::string, std::string> f = {{"case", case_name},
                                            {"type", type},
                                            {"xid", hex32(xid)},
                                            {"bytes", std::to_string(payload_bytes)},
                                            {"dst_mac", dst_mac},
                                            {"dst_ip", dst_ip},
                                            {"yiaddr", d::ip4String(yiaddr)}};
    if (!last.empty()) f["last"] = last;
    if (!stage.empty()) f["stage"] = stage;
    const bool ok = w == static_cast<ssize_t>(frame.size());
    if (!ok) f["error"] = errnoText(err);
    // Logged after the answer is out (see handle): the race with Kea is won by microseconds.
    Event e;
    e.t = log->now();
    e.source = "rogue";
    e.kind = "rogue.sent";
    e.fields = std::move(f);
    e.summary = "rogue DHCP sent " + case_name + " (" + type +
                (stage.empty() ? std::string() : ", at " + stage) + ") xid " + hex32(xid) + " to " +
                dst_ip + ", " + std::to_string(payload_bytes) + " bytes" +
                (ok ? std::string() : " FAILED: " + errnoText(err));
    pending.push_back(std::move(e));
  }

  void sendReply(const d::Message& req, const d::Message& reply, const std::string& case_name) {
    if (reply.type() == d::MessageType::Nak && req.xid == open_xid) open_xid = 0;
    Bytes payload = d::encode(reply);
    std::string type(d::messageTypeName(*reply.type()));
    send(buildFrame(replyAddressing(mac, server, req, reply), payload), case_name, type, req.xid,
         payload.size(), reply.yiaddr);
  }

  void handle(const d::Message& req, const d::Ip4& dst_ip) {
    Event seen;
    seen.t = log->now();  // stamped on arrival, logged once the answer is out
    seen.source = "rogue";
    seen.kind = "rogue.seen";
    auto type = req.type();
    const std::string tname = type ? std::string(d::messageTypeName(*type)) : "bootp";
    std::map<std::string, std::string> f = {{"type", tname},
                                            {"xid", hex32(req.xid)},
                                            {"chaddr", d::macString(req.chaddr)},
                                            {"ciaddr", d::ip4String(req.ciaddr)}};
    if (auto* o = req.option(50); o && o->data.size() == 4)
      f["requested_ip"] = d::ip4String({o->data[0], o->data[1], o->data[2], o->data[3]});
    if (auto* o = req.option(54); o && o->data.size() == 4)
      f["server_id"] = d::ip4String({o->data[0], o->data[1], o->data[2], o->data[3]});
    // A client starts a transaction from scratch with a DISCOVER, or an INIT-REBOOT REQUEST (no
    // ciaddr, no server identifier). Doing so while a transaction the rogue answered has not
    // ended (no NAK of the rogue's, no renewal since) means it dropped it: it restarted.
    std::string restarted;
    const bool starts =
        type == d::MessageType::Discover ||
        (type == d::MessageType::Request && req.ciaddr == d::Ip4{} && !req.option(54));
    if (type == d::MessageType::Request && req.ciaddr != d::Ip4{}) open_xid = 0;
    if (starts && open_xid != 0 && req.xid != open_xid) {
      f["restarted"] = "yes";
      restarted = ", dropping transaction " + hex32(open_xid);
      open_xid = 0;
    }
    const std::string seen_summary = "rogue DHCP saw " + tname + " xid " + hex32(req.xid) +
                                     " from " + f["chaddr"] + restarted + " (mode " + opt.mode +
                                     ")";
    pending.clear();
    if (type) answer(req, *type, f["server_id"], dst_ip);
    seen.fields = std::move(f);
    seen.summary = seen_summary;
    log->add(std::move(seen));
    for (auto& e : pending) log->add(std::move(e));
    pending.clear();
  }

  /// Sends what the mode answers to this request, at once.
  void answer(const d::Message& req, d::MessageType type, const std::string& server_id,
              const d::Ip4& dst_ip) {
    const d::Ip4 zero{};
    const bool renewal = req.ciaddr != zero;
    const std::string& mode = opt.mode;
    if (mode == "offer") {
      if (type == d::MessageType::Discover) {
        sendReply(req, baseReply(req, d::MessageType::Offer, server, offer, options), mode);
      } else if (type == d::MessageType::Request &&
                 (server_id == opt.address || (renewal && dst_ip == server))) {
        sendReply(
            req, baseReply(req, d::MessageType::Ack, server, renewal ? req.ciaddr : offer, options),
            mode);
      }
    } else if (mode == "malformed") {
      answerMalformed(req, type, server_id, dst_ip);
    } else if (mode == "nak") {
      if (type == d::MessageType::Request)
        sendReply(req, baseReply(req, d::MessageType::Nak, server, zero, options), mode);
    } else if (mode == "nak-renewal") {
      // Lets the phone get its lease from the trusted server, then refuses to renew it.
      if (type == d::MessageType::Request && renewal)
        sendReply(req, baseReply(req, d::MessageType::Nak, server, zero, options), mode);
    } else if (mode == "ack-other-address") {
      if (type == d::MessageType::Request && renewal)
        sendReply(req, baseReply(req, d::MessageType::Ack, server, offer, options), mode);
    }
    // silent: seen, never answered.
  }

  /// The address the rogue offers (and ACKs) with case `i`: its offer address + i, so that a
  /// REQUEST for one of them tells which case the phone took.
  d::Ip4 caseAddress(size_t i) const {
    d::Ip4 a = offer;
    a[3] = static_cast<uint8_t>(std::min<size_t>(254, a[3] + i));
    return a;
  }

  /// Malformed mode: every case reaches the phone in each of three positions, each request of the
  /// phone answered at once with a burst of cases (same xid), one frame after the other. The
  /// rogue lets the phone get its lease first and learns from its renewal (unicast) which server
  /// it trusts and its address; from then on (the scenario keeps that server quiet, so the lease
  /// runs out and the phone starts over):
  ///  - renew: a renewal (ciaddr, unicast to another server) gets every case as a DHCPACK of the
  ///    phone's address and again as a DHCPNAK; a rebinding (broadcast) nothing;
  ///  - offer: a DISCOVER gets every case as a DHCPOFFER, while the phone is selecting. A phone
  ///    may take one that is only partly malformed (a bad option it ignores); the rogue then
  ///    learns which (its REQUEST names the rogue and that case's address), withdraws it with a
  ///    DHCPNAK and sends the cases after it again at the next DISCOVER, so those meet the phone
  ///    while it is selecting too;
  ///  - ack: once every case has been offered, the next DISCOVER gets a well-formed OFFER forged
  ///    in the trusted server's name for the phone's address ("forged-offer"), and the REQUEST
  ///    for it every case as a DHCPACK with the rogue's own server identifier and address: not
  ///    the server the REQUEST names.
  /// Offer and ack positions are answered once: a phone that a case crashes comes up again.
  void answerMalformed(const d::Message& req, d::MessageType type, const std::string& server_id,
                       const d::Ip4& dst_ip) {
    if (cases.empty()) return;
    const d::Ip4 zero{};
    const d::Ip4 broadcast{255, 255, 255, 255};
    auto burst = [&](const char* stage, size_t from, d::MessageType shape, bool per_case_address,
                     const std::string& last_shape) {
      for (size_t i = from; i < cases.size(); ++i) {
        const d::Ip4 yiaddr = per_case_address ? caseAddress(i) : req.ciaddr;
        CaseFrame c = buildCase(cases[i], req, mac, server, yiaddr, options, shape);
        const bool last = i + 1 == cases.size() &&
                          (last_shape.empty() || last_shape == d::messageTypeName(shape));
        send(c.frame, cases[i], c.type, req.xid, c.payload_bytes,
             shape == d::MessageType::Nak ? zero : yiaddr, last ? "yes" : "no", stage);
      }
    };
    if (type == d::MessageType::Request && req.ciaddr != zero) {
      if (dst_ip == broadcast || dst_ip == server) return;  // rebinding, or a renewal with us
      renewal_seen = true;
      trusted = dst_ip;
      leased = req.ciaddr;
      burst("renew", 0, d::MessageType::Ack, false, "nak");
      burst("renew", 0, d::MessageType::Nak, false, "nak");
      return;
    }
    if (!renewal_seen) return;
    if (type == d::MessageType::Discover) {
      if (offer_from < cases.size()) {
        const size_t from = offer_from;
        offer_from = cases.size();
        open_xid = req.xid;
        burst("offer", from, d::MessageType::Offer, true, "");
      } else if (!ack_done && req.xid != forged_xid) {
        // A well-formed OFFER in the trusted server's name (its identifier and source address),
        // so that the phone's REQUEST names that server.
        open_xid = forged_xid = req.xid;
        d::Message m = baseReply(req, d::MessageType::Offer, trusted, leased, options);
        Bytes payload = d::encode(m);
        send(buildFrame(replyAddressing(mac, trusted, req, m), payload), "forged-offer", "offer",
             req.xid, payload.size(), leased, "", "ack");
      }
      return;
    }
    if (type != d::MessageType::Request) return;
    if (server_id == opt.address) {
      // The phone took one of the rogue's offers: which one its requested address says. The
      // cases after it met the phone while it was requesting, not selecting: sent again.
      if (auto* o = req.option(50); o && o->data.size() == 4) {
        for (size_t i = 0; i < cases.size(); ++i) {
          if (!std::equal(o->data.begin(), o->data.end(), caseAddress(i).begin())) continue;
          offer_from = std::min(offer_from, i + 1);
          break;
        }
      }
      sendReply(req, baseReply(req, d::MessageType::Nak, server, zero, options), "nak-own-offer");
      return;
    }
    if (ack_done || req.xid != forged_xid) return;
    ack_done = true;
    burst("ack", 0, d::MessageType::Ack, true, "");
  }

  /// On the thread, before it drops root. Beating Kea to the phone is a race of a few hundred
  /// microseconds on a shared machine: a real-time priority makes this thread run as soon as the
  /// frame arrives. Best effort (it needs CAP_SYS_NICE, which the thread then gives up; the
  /// priority stays); the thread only ever blocks or answers one frame.
  void raisePriority() {
    sched_param sp{};
    sp.sched_priority = 1;
    realtime = ::pthread_setschedparam(::pthread_self(), SCHED_FIFO, &sp) == 0;
  }

  void run() {
    uint8_t buf[4096];
    for (;;) {
      pollfd p[2] = {{fd, POLLIN, 0}, {thread.stopFd(), POLLIN, 0}};
      int n = ::poll(p, 2, -1);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0 || (p[1].revents & POLLIN)) return;
      if (!(p[0].revents & POLLIN)) {
        if (p[0].revents & POLLNVAL) return;
        if (p[0].revents & POLLERR) {
          // Reading the socket's error clears it. ENETDOWN: the interface went down (a planned
          // bench run takes its NIC down for the phone to see its link go); the server answers
          // again once it is up. A short pause keeps a repeated error from spinning.
          int err = 0;
          socklen_t elen = sizeof err;
          if (::getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &elen) != 0 || err != ENETDOWN) return;
          pollfd stop = {thread.stopFd(), POLLIN, 0};
          if (::poll(&stop, 1, 50) > 0) return;
        }
        continue;
      }
      sockaddr_ll from{};
      socklen_t len = sizeof from;
      ssize_t r =
          ::recvfrom(fd, buf, sizeof buf, MSG_DONTWAIT, reinterpret_cast<sockaddr*>(&from), &len);
      if (r <= 0 || from.sll_pkttype == PACKET_OUTGOING) continue;
      auto payload = dhcpRequestPayload(buf, static_cast<size_t>(r));
      if (!payload) continue;
      auto dec = d::decode(*payload);
      if (!dec.message || dec.message->op != 1) continue;  // the capture reports malformed ones
      try {
        handle(*dec.message, d::Ip4{buf[30], buf[31], buf[32], buf[33]});
      } catch (const std::exception& e) {
        log->emit("rogue", "rogue.error", {{"error", e.what()}},
                  std::string("rogue DHCP: ") + e.what());
      }
    }
  }
};

const std::vector<std::pair<std::string, std::string>>& RogueDhcpServer::malformedCases() {
  return caseTable();
}

const std::vector<std::string>& RogueDhcpServer::modes() {
  return modeTable();
}

std::vector<uint8_t> RogueDhcpServer::malformedFrame(const RogueOptions& o, const std::string& name,
                                                     const std::vector<uint8_t>& request_payload) {
  auto req = d::decode(request_payload);
  if (!req.message) throw Error("rogue-dhcp: request does not decode: " + req.error);
  auto mac = d::parseMac(o.lab_mac);
  if (!mac) throw Error("rogue-dhcp: lab_mac '" + o.lab_mac + "' is not a MAC address");
  return buildCase(name, *req.message, *mac, parseIpOrThrow(o.address, "address"),
                   parseIpOrThrow(o.offer_ip, "offer_ip"), encodeOptions(o.options))
      .frame;
}

RogueDhcpServer::RogueDhcpServer(const RogueOptions& o, EventLog& log)
    : impl_(std::make_unique<Impl>()) {
  Impl& im = *impl_;
  im.opt = o;
  im.log = &log;
  if (std::find(modeTable().begin(), modeTable().end(), o.mode) == modeTable().end())
    throw Error("rogue-dhcp: unknown mode '" + o.mode +
                "' (offer, malformed, nak, silent, ack-other-address, nak-renewal)");
  im.server = parseIpOrThrow(o.address, "address");
  if (o.mode == "offer" || o.mode == "malformed" || o.mode == "ack-other-address")
    im.offer = parseIpOrThrow(o.offer_ip, "offer_ip");
  for (const auto& c : o.cases) {
    const auto& t = caseTable();
    if (std::none_of(t.begin(), t.end(), [&](const auto& row) { return row.first == c; }))
      throw Error("rogue-dhcp: unknown malformed case '" + c + "'");
  }
  im.cases = o.cases;
  if (im.cases.empty())
    for (const auto& row : caseTable()) im.cases.push_back(row.first);
  im.options = encodeOptions(o.options);

  {
    std::optional<lab::NetnsScope> scope;
    if (!o.netns.empty()) scope.emplace(o.netns);
    im.fd = ::socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, htons(ETH_P_IP));
    if (im.fd < 0) throw Error(sysError("rogue-dhcp: AF_PACKET socket", errno));
    im.ifindex = static_cast<int>(::if_nametoindex(o.iface.c_str()));
    if (im.ifindex == 0) throw Error(sysError("rogue-dhcp: interface " + o.iface, errno));
    if (o.lab_mac.empty()) {
      ifreq ifr{};
      std::snprintf(ifr.ifr_name, sizeof ifr.ifr_name, "%s", o.iface.c_str());
      if (::ioctl(im.fd, SIOCGIFHWADDR, &ifr) != 0)
        throw Error(sysError("rogue-dhcp: MAC of " + o.iface, errno));
      std::copy_n(reinterpret_cast<const uint8_t*>(ifr.ifr_hwaddr.sa_data), 6, im.mac.begin());
    } else {
      auto mac = d::parseMac(o.lab_mac);
      if (!mac) throw Error("rogue-dhcp: lab_mac '" + o.lab_mac + "' is not a MAC address");
      im.mac = *mac;
    }
    sockaddr_ll ll{};
    ll.sll_family = AF_PACKET;
    ll.sll_protocol = htons(ETH_P_IP);
    ll.sll_ifindex = im.ifindex;
    if (::bind(im.fd, reinterpret_cast<sockaddr*>(&ll), sizeof ll) != 0)
      throw Error(sysError("rogue-dhcp: bind to " + o.iface, errno));
  }
  // The socket is open: the thread that parses the phone's frames runs as nobody.
  im.thread.start(
      log, "harness", [&im] { im.run(); }, [&im] { im.raisePriority(); });
  log.emit(
      "harness", "fake.start",
      {{"name", "rogue-dhcp"}, {"mode", o.mode}, {"iface", o.iface}, {"address", o.address}},
      "rogue DHCP server started on " + o.iface + " as " + o.address + " (mode " + o.mode + ")");
}

RogueDhcpServer::~RogueDhcpServer() {
  if (!impl_) return;
  impl_->thread.stop();
  try {
    impl_->log->emit("harness", "fake.stop", {{"name", "rogue-dhcp"}, {"mode", impl_->opt.mode}},
                     "rogue DHCP server stopped");
  } catch (...) {
  }
}

}  // namespace phonelab::fakes
