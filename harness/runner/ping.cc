#include "harness/runner/ping.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/ip_icmp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstring>

#include "base/core/error.h"

namespace phonelab::runner {
namespace {
uint16_t checksum(const uint8_t* data, size_t len) {
  uint32_t sum = 0;
  for (size_t i = 0; i + 1 < len; i += 2) sum += static_cast<uint32_t>(data[i] << 8 | data[i + 1]);
  if (len & 1) sum += static_cast<uint32_t>(data[len - 1] << 8);
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  return static_cast<uint16_t>(~sum);
}
}  // namespace

std::string sendEchoRequest(const std::string& from, const std::string& to, uint16_t id,
                            uint16_t seq) {
  sockaddr_in dst{};
  dst.sin_family = AF_INET;
  if (inet_pton(AF_INET, to.c_str(), &dst.sin_addr) != 1) return "bad address '" + to + "'";
  int fd = socket(AF_INET, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_ICMP);
  if (fd < 0) return sysError("raw ICMP socket", errno);
  if (!from.empty()) {
    sockaddr_in src{};
    src.sin_family = AF_INET;
    if (inet_pton(AF_INET, from.c_str(), &src.sin_addr) != 1 ||
        bind(fd, reinterpret_cast<sockaddr*>(&src), sizeof src) != 0) {
      std::string err = sysError("bind ICMP socket to " + from, errno);
      close(fd);
      return err;
    }
  }
  uint8_t pkt[8 + 32] = {};
  pkt[0] = 8;  // echo request
  pkt[4] = static_cast<uint8_t>(id >> 8);
  pkt[5] = static_cast<uint8_t>(id);
  pkt[6] = static_cast<uint8_t>(seq >> 8);
  pkt[7] = static_cast<uint8_t>(seq);
  std::memcpy(pkt + 8, "phonelab echo probe, 32 bytes!!", 32);
  uint16_t sum = checksum(pkt, sizeof pkt);
  pkt[2] = static_cast<uint8_t>(sum >> 8);
  pkt[3] = static_cast<uint8_t>(sum);
  ssize_t n = sendto(fd, pkt, sizeof pkt, 0, reinterpret_cast<sockaddr*>(&dst), sizeof dst);
  std::string err = n < 0 ? sysError("send ICMP echo to " + to, errno) : "";
  close(fd);
  return err;
}

}  // namespace phonelab::runner
