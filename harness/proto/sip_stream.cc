#include "harness/proto/sip_stream.h"

#include <cctype>

namespace phonelab::proto {
namespace {

constexpr size_t kMaxHeaders = 64 * 1024;
constexpr size_t kMaxBody = 1024 * 1024;

std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::string trim(const std::string& s) {
  size_t a = s.find_first_not_of(" \t");
  if (a == std::string::npos) return "";
  size_t b = s.find_last_not_of(" \t");
  return s.substr(a, b - a + 1);
}

}  // namespace

std::vector<std::string> takeSipMessages(std::string& buf, std::string& error) {
  std::vector<std::string> out;
  while (true) {
    size_t start = buf.find_first_not_of("\r\n");
    if (start == std::string::npos) {
      buf.clear();
      return out;
    }
    if (start > 0) buf.erase(0, start);
    size_t end = buf.find("\r\n\r\n");
    if (end == std::string::npos) {
      if (buf.size() > kMaxHeaders) error = "no end of the header block within 64 KiB";
      return out;
    }
    if (end > kMaxHeaders) {
      error = "header block over 64 KiB";
      return out;
    }
    size_t body_len = 0;
    size_t pos = buf.find("\r\n");
    while (pos < end) {
      size_t next = buf.find("\r\n", pos + 2);
      std::string line = buf.substr(pos + 2, next - pos - 2);
      pos = next;
      size_t colon = line.find(':');
      if (colon == std::string::npos) continue;
      std::string name = lower(trim(line.substr(0, colon)));
      if (name != "content-length" && name != "l") continue;
      std::string v = trim(line.substr(colon + 1));
      if (v.empty() || v.size() > 7 || v.find_first_not_of("0123456789") != std::string::npos) {
        error = "Content-Length '" + v + "' is not a number";
        return out;
      }
      body_len = std::stoul(v);
      if (body_len > kMaxBody) {
        error = "Content-Length " + v + " over 1 MiB";
        return out;
      }
    }
    const size_t total = end + 4 + body_len;
    if (buf.size() < total) return out;
    out.push_back(buf.substr(0, total));
    buf.erase(0, total);
  }
}

}  // namespace phonelab::proto
