#include "emulator/netif.h"

#include <arpa/inet.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <net/if_arp.h>
#include <net/route.h>
#include <netinet/in.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "base/core/error.h"

namespace phonelab::emulator {

namespace {

struct Fd {
  int fd;
  Fd() : fd(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0)) {
    if (fd < 0) throw Error(sysError("socket(AF_INET)", errno));
  }
  ~Fd() { ::close(fd); }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
};

ifreq makeReq(const std::string& name) {
  ifreq r{};
  std::strncpy(r.ifr_name, name.c_str(), IFNAMSIZ - 1);
  return r;
}

void putIp(sockaddr* sa, const Ip4& ip) {
  sockaddr_in sin{};
  sin.sin_family = AF_INET;
  std::memcpy(&sin.sin_addr, ip.data(), 4);
  std::memcpy(sa, &sin, sizeof sin);
}

}  // namespace

NetIf::NetIf(std::string name) : name_(std::move(name)) {
  if (name_.empty() || name_.size() >= IFNAMSIZ)
    throw Error("bad interface name \"" + name_ + "\"");
}

void NetIf::ioctlOrThrow(unsigned long req, void* arg, const char* what) const {
  Fd s;
  if (::ioctl(s.fd, req, arg) < 0) throw Error(sysError(std::string(what) + " " + name_, errno));
}

int NetIf::index() const {
  ifreq r = makeReq(name_);
  ioctlOrThrow(SIOCGIFINDEX, &r, "SIOCGIFINDEX");
  return r.ifr_ifindex;
}

void NetIf::setUp(bool up) {
  ifreq r = makeReq(name_);
  ioctlOrThrow(SIOCGIFFLAGS, &r, "SIOCGIFFLAGS");
  if (up)
    r.ifr_flags = static_cast<short>(r.ifr_flags | IFF_UP);
  else
    r.ifr_flags = static_cast<short>(r.ifr_flags & ~IFF_UP);
  ioctlOrThrow(SIOCSIFFLAGS, &r, "SIOCSIFFLAGS");
}

bool NetIf::hasCarrier() const noexcept {
  try {
    ifreq r = makeReq(name_);
    ioctlOrThrow(SIOCGIFFLAGS, &r, "SIOCGIFFLAGS");
    return (r.ifr_flags & IFF_UP) != 0 && (r.ifr_flags & IFF_RUNNING) != 0;
  } catch (const Error&) {
    return false;
  }
}

void NetIf::setMac(const Mac& mac) {
  setUp(false);
  ifreq r = makeReq(name_);
  r.ifr_hwaddr.sa_family = ARPHRD_ETHER;
  std::memcpy(r.ifr_hwaddr.sa_data, mac.data(), 6);
  ioctlOrThrow(SIOCSIFHWADDR, &r, "SIOCSIFHWADDR");
  setUp(true);
}

Mac NetIf::mac() const {
  ifreq r = makeReq(name_);
  ioctlOrThrow(SIOCGIFHWADDR, &r, "SIOCGIFHWADDR");
  Mac m{};
  std::memcpy(m.data(), r.ifr_hwaddr.sa_data, 6);
  return m;
}

void NetIf::setAddress(const Ip4& addr, const Ip4& mask) {
  ifreq r = makeReq(name_);
  putIp(&r.ifr_addr, addr);
  ioctlOrThrow(SIOCSIFADDR, &r, "SIOCSIFADDR");
  r = makeReq(name_);
  putIp(&r.ifr_netmask, mask);
  ioctlOrThrow(SIOCSIFNETMASK, &r, "SIOCSIFNETMASK");
  Ip4 bcast;
  for (int i = 0; i < 4; ++i) bcast[i] = static_cast<uint8_t>(addr[i] | ~mask[i]);
  r = makeReq(name_);
  putIp(&r.ifr_broadaddr, bcast);
  ioctlOrThrow(SIOCSIFBRDADDR, &r, "SIOCSIFBRDADDR");
}

void NetIf::setDefaultRoute(const Ip4& gw) {
  deleteDefaultRoute();
  rtentry rt{};
  putIp(&rt.rt_dst, Ip4{});
  putIp(&rt.rt_genmask, Ip4{});
  putIp(&rt.rt_gateway, gw);
  rt.rt_flags = RTF_UP | RTF_GATEWAY;
  rt.rt_dev = name_.data();
  Fd s;
  if (::ioctl(s.fd, SIOCADDRT, &rt) < 0)
    throw Error(sysError("SIOCADDRT default via " + proto::dhcp::ip4String(gw), errno));
}

void NetIf::deleteDefaultRoute() noexcept {
  try {
    Fd s;
    for (int i = 0; i < 8; ++i) {
      rtentry rt{};
      putIp(&rt.rt_dst, Ip4{});
      putIp(&rt.rt_genmask, Ip4{});
      rt.rt_dev = name_.data();
      if (::ioctl(s.fd, SIOCDELRT, &rt) < 0) break;
    }
  } catch (...) {
  }
}

void NetIf::flushAddresses() noexcept {
  try {
    Fd s;
    // Setting 0.0.0.0 removes the primary address; repeat for secondaries.
    for (int i = 0; i < 16; ++i) {
      ifreq r = makeReq(name_);
      if (::ioctl(s.fd, SIOCGIFADDR, &r) < 0) break;
      r = makeReq(name_);
      putIp(&r.ifr_addr, Ip4{});
      if (::ioctl(s.fd, SIOCSIFADDR, &r) < 0) break;
    }
  } catch (...) {
  }
}

void NetIf::sendFrame(const std::vector<uint8_t>& frame) const {
  if (frame.size() < 14) throw Error("sendFrame: frame shorter than an Ethernet header");
  int fd = ::socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0);
  if (fd < 0) throw Error(sysError("socket(AF_PACKET)", errno));
  sockaddr_ll to{};
  to.sll_family = AF_PACKET;
  to.sll_ifindex = index();
  to.sll_halen = 6;
  std::memcpy(to.sll_addr, frame.data(), 6);
  ssize_t n =
      ::sendto(fd, frame.data(), frame.size(), 0, reinterpret_cast<sockaddr*>(&to), sizeof to);
  int e = errno;
  ::close(fd);
  if (n < 0) throw Error(sysError("sendto(AF_PACKET) on " + name_, e));
}

void NetIf::loopbackUp() {
  NetIf("lo").setUp(true);
}

int prefixLength(const Ip4& mask) {
  uint32_t m =
      (uint32_t{mask[0]} << 24) | (uint32_t{mask[1]} << 16) | (uint32_t{mask[2]} << 8) | mask[3];
  int n = 0;
  while (n < 32 && (m & (0x80000000u >> n))) ++n;
  if (n < 32 && (m << n) != 0) return -1;
  return n;
}

}  // namespace phonelab::emulator
