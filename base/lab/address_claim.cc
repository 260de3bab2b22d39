#include "base/lab/address_claim.h"

#include <arpa/inet.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "base/core/error.h"
#include "base/lab/netns.h"
#include "base/proto/dhcp.h"

namespace phonelab::lab {

AddressClaimer::AddressClaimer(std::string netns, std::string lab_if, std::string host_if,
                               std::string host_mac, EventLog& log)
    : netns_(std::move(netns)),
      lab_if_(std::move(lab_if)),
      host_if_(std::move(host_if)),
      host_mac_(std::move(host_mac)),
      log_(log) {}

AddressClaimer::~AddressClaimer() {
  while (!claimed_.empty()) {
    const std::string ip = *claimed_.begin();
    try {
      release(ip);
    } catch (const std::exception& e) {
      // The namespace goes with the segment in any case, and its neighbour entries with it.
      claimed_.erase(ip);
      log_.emit("harness", "harness.error", {{"error", e.what()}}, e.what());
    }
  }
}

std::string AddressClaimer::announcement(const std::string& ip, const std::string& mac) {
  const auto a = proto::dhcp::parseIp4(ip);
  const auto m = proto::dhcp::parseMac(mac);
  if (!a || !m) return "";
  std::string f(42, '\0');
  auto put = [&f](size_t at, const auto& bytes) {
    std::memcpy(f.data() + at, bytes.data(), bytes.size());
  };
  std::memset(f.data(), 0xff, 6);  // broadcast
  put(6, *m);
  f[12] = '\x08';  // ARP
  f[13] = '\x06';
  const unsigned char arp[8] = {0, 1, 8, 0, 6, 4, 0, 1};  // Ethernet, IPv4, request
  std::memcpy(f.data() + 14, arp, sizeof arp);
  put(22, *m);  // sender MAC
  put(28, *a);  // sender IP
  // target MAC stays zero (RFC 5227 2.3); target IP = sender IP
  put(38, *a);
  return f;
}

void AddressClaimer::sendAnnouncement(const std::string& ip) {
  const std::string frame = announcement(ip, host_mac_);
  if (frame.empty())
    throw Error("claim_address: the lab host's MAC '" + host_mac_ + "' is not a MAC");
  NetnsScope in(netns_);
  const unsigned index = ::if_nametoindex(host_if_.c_str());
  if (index == 0) throw Error(sysError("claim_address: interface " + host_if_, errno));
  const int fd = ::socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, htons(ETH_P_ARP));
  if (fd < 0) throw Error(sysError("claim_address: socket(AF_PACKET)", errno));
  sockaddr_ll to{};
  to.sll_family = AF_PACKET;
  to.sll_protocol = htons(ETH_P_ARP);
  to.sll_ifindex = static_cast<int>(index);
  to.sll_halen = 6;
  std::memset(to.sll_addr, 0xff, 6);
  const ssize_t n =
      ::sendto(fd, frame.data(), frame.size(), 0, reinterpret_cast<sockaddr*>(&to), sizeof to);
  const int err = errno;
  ::close(fd);
  if (n != static_cast<ssize_t>(frame.size()))
    throw Error(sysError("claim_address: sending the ARP announcement on " + host_if_, err));
}

void AddressClaimer::claim(const std::string& ip) {
  if (!proto::dhcp::parseIp4(ip))
    throw Error("claim_address: 'ip' is '" + ip + "': expected an IPv4 address, e.g. ${dut.ip}");
  sendAnnouncement(ip);
  ipCommand({"-n", netns_, "neigh", "replace", ip, "lladdr", host_mac_, "dev", lab_if_, "nud",
             "permanent"});
  claimed_.insert(ip);
  log_.emit("harness", "harness.claim", {{"ip", ip}, {"mac", host_mac_}},
            "the lab host " + host_mac_ + " claims " + ip +
                " (gratuitous ARP; the lab side sends to it what it addresses to " + ip + ")");
}

void AddressClaimer::release(const std::string& ip) {
  if (!claimed_.count(ip)) {
    throw Error("release_address: " + ip + " is not claimed" +
                (claimed_.empty() ? std::string() : " (claimed: " + *claimed_.begin() + ")"));
  }
  claimed_.erase(ip);
  ipCommand({"-n", netns_, "neigh", "del", ip, "dev", lab_if_});
  log_.emit("harness", "harness.release", {{"ip", ip}},
            "the lab host gives " + ip + " up: the lab side asks ARP for it again");
}

}  // namespace phonelab::lab
