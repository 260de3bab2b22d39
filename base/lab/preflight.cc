#include "base/lab/preflight.h"

#include <arpa/inet.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <random>
#include <set>

#include "base/core/error.h"
#include "base/proto/dhcp.h"
#include "base/proto/packet.h"

namespace phonelab::lab {
namespace d = proto::dhcp;

namespace {

using Bytes = std::vector<uint8_t>;

uint16_t checksum(const uint8_t* p, size_t n, uint32_t sum = 0) {
  for (size_t i = 0; i + 1 < n; i += 2) sum += static_cast<uint32_t>(p[i] << 8 | p[i + 1]);
  if (n & 1) sum += static_cast<uint32_t>(p[n - 1] << 8);
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  return static_cast<uint16_t>(~sum);
}

/// Ethernet broadcast + IPv4 0.0.0.0 -> 255.255.255.255 + UDP 68 -> 67 around a DISCOVER.
Bytes discoverFrame(const d::Mac& mac, uint32_t xid) {
  d::Message m;
  m.op = 1;
  m.xid = xid;
  m.flags = 0x8000;  // broadcast: the OFFER comes back to every MAC, ours is a throwaway
  m.chaddr = mac;
  m.setOption(53, {static_cast<uint8_t>(d::MessageType::Discover)});
  m.setOption(55, {1, 3, 6, 15, 51, 54, 66, 150});
  m.setOption(12, {'p', 'h', 'l', '-', 'p', 'r', 'e', 'f', 'l', 'i', 'g', 'h', 't'});
  Bytes payload = d::encode(m);

  const size_t ulen = 8 + payload.size();
  Bytes f(14 + 20 + ulen, 0);
  std::fill_n(f.begin(), 6, 0xff);
  std::copy(mac.begin(), mac.end(), f.begin() + 6);
  f[12] = 0x08;
  f[13] = 0x00;
  uint8_t* ip = f.data() + 14;
  ip[0] = 0x45;
  ip[2] = static_cast<uint8_t>((20 + ulen) >> 8);
  ip[3] = static_cast<uint8_t>(20 + ulen);
  ip[8] = 64;
  ip[9] = 17;
  std::fill_n(ip + 16, 4, 0xff);  // to 255.255.255.255 from 0.0.0.0
  const uint16_t ipsum = checksum(ip, 20);
  ip[10] = static_cast<uint8_t>(ipsum >> 8);
  ip[11] = static_cast<uint8_t>(ipsum);
  uint8_t* udp = ip + 20;
  udp[1] = 68;
  udp[3] = 67;
  udp[4] = static_cast<uint8_t>(ulen >> 8);
  udp[5] = static_cast<uint8_t>(ulen);
  std::copy(payload.begin(), payload.end(), udp + 8);
  // Pseudo-header: addresses, protocol, UDP length.
  uint32_t pseudo = 0xffff + 0xffff + 17 + static_cast<uint32_t>(ulen);
  uint16_t usum = checksum(udp, ulen, pseudo);
  if (usum == 0) usum = 0xffff;
  udp[6] = static_cast<uint8_t>(usum >> 8);
  udp[7] = static_cast<uint8_t>(usum);
  return f;
}

std::string field(const Event& e, const std::string& name) {
  const std::string* v = e.field(name);
  return v ? *v : "";
}

}  // namespace

std::string PreflightFinding::describe() const {
  if (kind == "dhcp-server") {
    return "DHCP server " + (ip.empty() ? std::string("?") : ip) + " (MAC " + mac + ") " + details;
  }
  return "unknown host " + mac + (ip.empty() ? "" : " (" + ip + ")") + " " + details;
}

std::string PreflightResult::describe(const std::string& iface) const {
  if (findings.empty()) return "nothing but the phone on " + iface;
  std::string out = std::to_string(findings.size()) + " problem" +
                    (findings.size() == 1 ? "" : "s") + " on " + iface + ": ";
  for (size_t i = 0; i < findings.size(); ++i) out += (i ? "; " : "") + findings[i].describe();
  return out;
}

PreflightResult runPreflight(const PreflightOptions& o, Deadline deadline) {
  const int ifindex = static_cast<int>(::if_nametoindex(o.iface.c_str()));
  if (ifindex == 0) throw Error("preflight: no interface '" + o.iface + "' here");
  int fd = ::socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, htons(ETH_P_ALL));
  if (fd < 0) throw Error(sysError("preflight: AF_PACKET socket", errno));
  struct Closer {
    int fd;
    ~Closer() { ::close(fd); }
  } closer{fd};
  sockaddr_ll bind_to{};
  bind_to.sll_family = AF_PACKET;
  bind_to.sll_protocol = htons(ETH_P_ALL);
  bind_to.sll_ifindex = ifindex;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&bind_to), sizeof bind_to) != 0) {
    throw Error(sysError("preflight: bind to " + o.iface, errno));
  }
  // Promiscuous for the socket's lifetime: see what other hosts send to each other too.
  packet_mreq mr{};
  mr.mr_ifindex = ifindex;
  mr.mr_type = PACKET_MR_PROMISC;
  if (::setsockopt(fd, SOL_PACKET, PACKET_ADD_MEMBERSHIP, &mr, sizeof mr) != 0) {
    throw Error(sysError("preflight: promiscuous mode on " + o.iface, errno));
  }

  PreflightResult res;
  std::random_device rd;
  std::mt19937 rng(rd());
  d::Mac mac{0x02, 0x50, 0x46};  // locally administered, "PF"
  for (size_t i = 3; i < 6; ++i) mac[i] = static_cast<uint8_t>(rng());
  res.throwaway_mac = d::macString(mac);
  const uint32_t xid = static_cast<uint32_t>(rng());

  std::set<std::pair<std::string, std::string>> seen;  // (kind, mac)
  auto add = [&](PreflightFinding f) {
    if (seen.insert({f.kind, f.mac}).second) res.findings.push_back(std::move(f));
  };

  const Deadline end = Deadline::in(Seconds(o.listen)).min(deadline);
  Deadline next_discover = Deadline::in(Seconds(0));
  std::vector<uint8_t> buf(65536);
  while (!end.expired()) {
    if (next_discover.expired()) {
      Bytes f = discoverFrame(mac, xid);
      sockaddr_ll to{};
      to.sll_family = AF_PACKET;
      to.sll_ifindex = ifindex;
      to.sll_halen = 6;
      std::fill_n(to.sll_addr, 6, 0xff);
      if (::sendto(fd, f.data(), f.size(), 0, reinterpret_cast<sockaddr*>(&to), sizeof to) < 0) {
        throw Error(sysError("preflight: send DHCP DISCOVER on " + o.iface, errno));
      }
      ++res.discovers_sent;
      next_discover = Deadline::in(Seconds(1));
    }
    const auto wait = std::min(end.remaining(), next_discover.remaining());
    pollfd p{fd, POLLIN, 0};
    int ms = static_cast<int>(std::chrono::duration_cast<std::chrono::milliseconds>(wait).count());
    int r = ::poll(&p, 1, std::max(1, ms));
    if (r < 0 && errno != EINTR) throw Error(sysError("preflight: poll", errno));
    // Drain what arrived, but a busy wire must not hold us past the deadline.
    while (!end.expired()) {
      sockaddr_ll from{};
      socklen_t fl = sizeof from;
      ssize_t n =
          ::recvfrom(fd, buf.data(), buf.size(), 0, reinterpret_cast<sockaddr*>(&from), &fl);
      if (n < 0) break;
      if (from.sll_pkttype == PACKET_OUTGOING) continue;  // our own DISCOVERs
      auto ev = proto::decodeFrame({buf.data(), static_cast<size_t>(n)}, o.phone_mac);
      if (!ev) continue;
      const std::string src = field(*ev, "src_mac");
      if (src == o.phone_mac || src == res.throwaway_mac) continue;
      if (ev->kind == "dhcp.offer" || ev->kind == "dhcp.ack" || ev->kind == "dhcp.nak") {
        std::string server = field(*ev, "server_id");
        if (server.empty()) server = field(*ev, "src_ip");
        std::string what = ev->kind.substr(5);
        std::transform(what.begin(), what.end(), what.begin(), ::toupper);
        std::string details = "answered";
        if (field(*ev, "chaddr") == res.throwaway_mac) details += " our DISCOVER";
        details += " with a DHCP " + what;
        if (const std::string y = field(*ev, "yiaddr"); !y.empty() && y != "0.0.0.0") {
          details += " of " + y;
        }
        add({"dhcp-server", src, server, details});
      } else if (ev->kind == "arp.request" || ev->kind == "arp.reply") {
        std::string about = ev->kind == "arp.request"
                                ? "asked who has " + field(*ev, "target_ip") + " (ARP)"
                                : "answered an ARP request";
        add({"unknown-host", src, field(*ev, "sender_ip"), about});
      }
    }
  }
  return res;
}

}  // namespace phonelab::lab
