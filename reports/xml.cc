#include "reports/xml.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>

#include "base/core/error.h"
#include "base/core/text.h"

namespace phonelab::reports {
namespace {

void appendHexByte(std::string& out, unsigned char b) {
  static const char* digits = "0123456789ABCDEF";
  out += "\\x";
  out += digits[b >> 4];
  out += digits[b & 0xF];
}

/// Length of the valid UTF-8 sequence starting at s[i] and its code point, or 0 if invalid
/// (overlong forms, surrogates and code points above U+10FFFF are invalid).
size_t decodeUtf8(std::string_view s, size_t i, uint32_t& cp) {
  auto b0 = static_cast<unsigned char>(s[i]);
  size_t len;
  uint32_t min;
  if (b0 < 0x80) {
    cp = b0;
    return 1;
  } else if ((b0 & 0xE0) == 0xC0) {
    len = 2, cp = b0 & 0x1F, min = 0x80;
  } else if ((b0 & 0xF0) == 0xE0) {
    len = 3, cp = b0 & 0x0F, min = 0x800;
  } else if ((b0 & 0xF8) == 0xF0) {
    len = 4, cp = b0 & 0x07, min = 0x10000;
  } else {
    return 0;
  }
  if (i + len > s.size()) return 0;
  for (size_t k = 1; k < len; ++k) {
    auto b = static_cast<unsigned char>(s[i + k]);
    if ((b & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (b & 0x3F);
  }
  if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
  return len;
}

bool xmlAllowed(uint32_t cp) {
  if (cp < 0x20) return cp == 0x9 || cp == 0xA || cp == 0xD;
  if (cp == 0xFFFE || cp == 0xFFFF) return false;
  return true;
}

}  // namespace

std::string xmlEscape(std::string_view s) {
  std::string out;
  out.reserve(s.size() + s.size() / 8);
  for (size_t i = 0; i < s.size();) {
    uint32_t cp = 0;
    size_t len = decodeUtf8(s, i, cp);
    if (len == 0 || !xmlAllowed(cp)) {
      // Invalid UTF-8: one byte at a time; a forbidden code point: all of its bytes.
      size_t n = len == 0 ? 1 : len;
      for (size_t k = 0; k < n; ++k) appendHexByte(out, static_cast<unsigned char>(s[i + k]));
      i += n;
      continue;
    }
    if (cp < 0x80 && appendMarkupEntity(out, static_cast<char>(cp))) {
      i += len;
      continue;
    }
    switch (cp) {
      case '\t':
        out += "&#9;";
        break;
      case '\n':
        out += "&#10;";
        break;
      case '\r':
        out += "&#13;";
        break;
      default:
        out.append(s.substr(i, len));
    }
    i += len;
  }
  return out;
}

std::string hrefPath(std::string_view path) {
  static const std::string_view safe =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~/:@!$&'()*+,;=";
  std::string out;
  // "//host/x" would be a link to another host, "/x" one out of the report: both stay relative.
  if (!path.empty() && path.front() == '/') out += ".";
  auto colon = path.find(':');
  if (colon != std::string_view::npos && path.substr(0, colon).find('/') == std::string_view::npos)
    out += "./";
  for (char c : path) {
    if (safe.find(c) != std::string_view::npos) {
      out += c;
    } else {
      char buf[4];
      std::snprintf(buf, sizeof buf, "%%%02X", static_cast<unsigned char>(c));
      out += buf;
    }
  }
  return out;
}

void writeFileAtomic(const std::string& path, std::string_view content, mode_t mode) {
  // A fresh name made with O_EXCL (mkostemp): a file or link someone left under a fixed ".tmp"
  // name is never opened, so never followed.
  std::string tmp = path + ".tmp-XXXXXX";
  int fd = ::mkostemp(tmp.data(), O_CLOEXEC);
  if (fd < 0) throw Error(sysError("cannot write a temporary file beside " + path, errno));
  ::fchmod(fd, mode);
  const char* p = content.data();
  size_t left = content.size();
  while (left > 0) {
    ssize_t n = ::write(fd, p, left);
    if (n < 0) {
      if (errno == EINTR) continue;
      int err = errno;
      ::close(fd);
      ::unlink(tmp.c_str());
      throw Error(sysError("cannot write " + tmp, err));
    }
    p += n;
    left -= static_cast<size_t>(n);
  }
  int err = ::fsync(fd) != 0 ? errno : 0;
  if (::close(fd) != 0 && err == 0) err = errno;
  if (err != 0) {
    ::unlink(tmp.c_str());
    throw Error(sysError("cannot write " + tmp, err));
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    int err = errno;
    ::unlink(tmp.c_str());
    throw Error(sysError("cannot rename " + tmp + " to " + path, err));
  }
}

}  // namespace phonelab::reports
