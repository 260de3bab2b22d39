#include "base/proto/sip_stream.h"

#include <cctype>

namespace phonelab::proto {
namespace {

constexpr size_t kMaxHeaders = size_t{64} * 1024;
constexpr size_t kMaxBody = size_t{1024} * 1024;

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

/// The body length the header block buf[at, end) declares (0 if none); false and `error` if the
/// Content-Length is not a number or too large.
bool bodyLength(const std::string& buf, size_t at, size_t end, size_t& body_len,
                std::string& error) {
  body_len = 0;
  size_t pos = buf.find("\r\n", at);
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
      return false;
    }
    body_len = std::stoul(v);
    if (body_len > kMaxBody) {
      error = "Content-Length " + v + " over 1 MiB";
      return false;
    }
  }
  return true;
}

}  // namespace

std::vector<std::string> takeSipMessages(std::string& buf, SipStreamScan& scan,
                                         std::string& error) {
  std::vector<std::string> out;
  size_t at = 0;  // where the front message starts; what is before it is erased once, at the end
  while (scan.size == 0 || buf.size() - at >= scan.size) {
    if (scan.size == 0) {
      if (scan.searched == 0) {
        const size_t start = buf.find_first_not_of("\r\n", at);
        if (start == std::string::npos) {
          at = buf.size();
          break;
        }
        at = start;
      }
      // The end may straddle what was searched before and what is new.
      const size_t from = at + (scan.searched >= 3 ? scan.searched - 3 : 0);
      const size_t end = buf.find("\r\n\r\n", from);
      if (end == std::string::npos) {
        scan.searched = buf.size() - at;
        if (scan.searched > kMaxHeaders) error = "no end of the header block within 64 KiB";
        break;
      }
      if (end - at > kMaxHeaders) {
        error = "header block over 64 KiB";
        break;
      }
      size_t body_len = 0;
      if (!bodyLength(buf, at, end, body_len, error)) break;
      scan.size = end - at + 4 + body_len;
      if (buf.size() - at < scan.size) break;
    }
    out.push_back(buf.substr(at, scan.size));
    at += scan.size;
    scan = {};
  }
  buf.erase(0, at);
  return out;
}

std::vector<std::string> takeSipMessages(std::string& buf, std::string& error) {
  SipStreamScan scan;
  return takeSipMessages(buf, scan, error);
}

}  // namespace phonelab::proto
