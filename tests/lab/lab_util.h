#pragma once
/// Helpers for the lab tests: root check, a temporary folder, hand-built frames.

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#define PHL_REQUIRE_ROOT() \
  if (::geteuid() != 0) GTEST_SKIP() << "needs root (network namespaces)"

namespace phonelab::labtest {

/// A folder under /tmp removed at the end of the test.
class TempDir {
 public:
  TempDir() {
    std::string tmpl = "/tmp/phl-labtest-XXXXXX";
    if (!::mkdtemp(tmpl.data())) throw std::runtime_error("mkdtemp failed");
    // Searchable by the accounts Kea and Kamailio run as (their folders inside are theirs).
    ::chmod(tmpl.c_str(), 0711);
    path_ = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  const std::string& path() const { return path_; }
  std::string operator/(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

inline std::string readFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

using Bytes = std::vector<uint8_t>;

inline void put16(Bytes& b, uint16_t v) {
  b.push_back(static_cast<uint8_t>(v >> 8));
  b.push_back(static_cast<uint8_t>(v));
}

/// Ethernet + IPv4 + UDP around payload (UDP checksum 0 = none).
inline Bytes udpFrame(const Bytes& dst_mac, const Bytes& src_mac, const Bytes& src_ip,
                      const Bytes& dst_ip, uint16_t sport, uint16_t dport, const Bytes& payload) {
  // Reserved up front: growing a 6-byte vector by insert() trips GCC 12's -Warray-bounds false
  // positive at -O3 (GCC bug 107852).
  Bytes f;
  f.reserve(14 + 28 + payload.size());
  f.insert(f.end(), dst_mac.begin(), dst_mac.end());
  f.insert(f.end(), src_mac.begin(), src_mac.end());
  put16(f, 0x0800);
  const size_t ip_at = f.size();
  f.push_back(0x45);
  f.push_back(0);
  put16(f, static_cast<uint16_t>(28 + payload.size()));
  put16(f, 0);
  put16(f, 0);
  f.push_back(64);
  f.push_back(17);
  put16(f, 0);
  f.insert(f.end(), src_ip.begin(), src_ip.end());
  f.insert(f.end(), dst_ip.begin(), dst_ip.end());
  uint32_t sum = 0;
  for (size_t i = 0; i < 20; i += 2)
    sum += static_cast<uint32_t>(f[ip_at + i] << 8 | f[ip_at + i + 1]);
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  f[ip_at + 10] = static_cast<uint8_t>(~sum >> 8);
  f[ip_at + 11] = static_cast<uint8_t>(~sum);
  put16(f, sport);
  put16(f, dport);
  put16(f, static_cast<uint16_t>(8 + payload.size()));
  put16(f, 0);
  f.insert(f.end(), payload.begin(), payload.end());
  return f;
}

}  // namespace phonelab::labtest
