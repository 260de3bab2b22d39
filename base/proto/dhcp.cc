#include "base/proto/dhcp.h"

#include <algorithm>
#include <cstdio>
#include <string>

namespace phonelab::proto::dhcp {

namespace {

constexpr size_t kFixedLen = 236;  // op .. file, before the magic cookie
constexpr size_t kCookieLen = 4;
constexpr uint8_t kCookie[4] = {99, 130, 83, 99};
constexpr size_t kMinLen = 300;  // BOOTP minimum (RFC 951 / RFC 1542)

uint32_t rd32(const uint8_t* p) {
  return (uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16) | (uint32_t{p[2]} << 8) | uint32_t{p[3]};
}
uint16_t rd16(const uint8_t* p) {
  return static_cast<uint16_t>((p[0] << 8) | p[1]);
}
void wr32(std::vector<uint8_t>& v, uint32_t x) {
  v.push_back(static_cast<uint8_t>(x >> 24));
  v.push_back(static_cast<uint8_t>(x >> 16));
  v.push_back(static_cast<uint8_t>(x >> 8));
  v.push_back(static_cast<uint8_t>(x));
}
void wr16(std::vector<uint8_t>& v, uint16_t x) {
  v.push_back(static_cast<uint8_t>(x >> 8));
  v.push_back(static_cast<uint8_t>(x));
}

/// A NUL-terminated (or full-width) fixed field as a string.
std::string fixedString(const uint8_t* p, size_t n) {
  size_t len = 0;
  while (len < n && p[len] != 0) ++len;
  return std::string(reinterpret_cast<const char*>(p), len);
}

void writeFixed(std::vector<uint8_t>& v, const std::string& s, size_t n) {
  size_t len = std::min(s.size(), n);
  v.insert(v.end(), s.begin(), s.begin() + static_cast<std::ptrdiff_t>(len));
  v.insert(v.end(), n - len, 0);
}

DecodeResult fail(std::string why) {
  DecodeResult r;
  r.error = std::move(why);
  return r;
}

}  // namespace

std::string_view messageTypeName(MessageType t) {
  switch (t) {
    case MessageType::Discover:
      return "discover";
    case MessageType::Offer:
      return "offer";
    case MessageType::Request:
      return "request";
    case MessageType::Decline:
      return "decline";
    case MessageType::Ack:
      return "ack";
    case MessageType::Nak:
      return "nak";
    case MessageType::Release:
      return "release";
    case MessageType::Inform:
      return "inform";
  }
  return "unknown";
}

std::optional<MessageType> Message::type() const {
  const Option* o = option(53);
  if (!o || o->data.size() != 1) return std::nullopt;
  uint8_t v = o->data[0];
  if (v < 1 || v > 8) return std::nullopt;
  return static_cast<MessageType>(v);
}

const Option* Message::option(uint8_t code) const {
  for (const auto& o : options)
    if (o.code == code) return &o;
  return nullptr;
}

void Message::setOption(uint8_t code, std::vector<uint8_t> data) {
  for (auto& o : options) {
    if (o.code == code) {
      o.data = std::move(data);
      return;
    }
  }
  options.push_back(Option{code, std::move(data)});
}

DecodeResult decode(std::span<const uint8_t> payload) {
  const size_t n = payload.size();
  if (n < kFixedLen + kCookieLen) {
    return fail("truncated: " + std::to_string(n) + " bytes, a DHCP message needs at least " +
                std::to_string(kFixedLen + kCookieLen) + " (fixed header + magic cookie)");
  }
  const uint8_t* p = payload.data();
  Message m;
  m.op = p[0];
  m.htype = p[1];
  m.hlen = p[2];
  m.hops = p[3];
  if (m.op != 1 && m.op != 2) return fail("bad op " + std::to_string(m.op) + " at byte 0");
  m.xid = rd32(p + 4);
  m.secs = rd16(p + 8);
  m.flags = rd16(p + 10);
  std::copy_n(p + 12, 4, m.ciaddr.begin());
  std::copy_n(p + 16, 4, m.yiaddr.begin());
  std::copy_n(p + 20, 4, m.siaddr.begin());
  std::copy_n(p + 24, 4, m.giaddr.begin());
  std::copy_n(p + 28, 6, m.chaddr.begin());  // chaddr is 16 bytes; Ethernet uses the first 6
  m.sname = fixedString(p + 44, 64);
  m.file = fixedString(p + 108, 128);
  if (!std::equal(kCookie, kCookie + 4, p + kFixedLen)) {
    char buf[96];
    std::snprintf(buf, sizeof buf, "bad magic cookie %02x%02x%02x%02x at byte %zu (want 63825363)",
                  p[236], p[237], p[238], p[239], kFixedLen);
    return fail(buf);
  }
  size_t i = kFixedLen + kCookieLen;
  bool ended = false;
  while (i < n) {
    uint8_t code = p[i];
    if (code == 0) {  // pad
      ++i;
      continue;
    }
    if (code == 255) {
      ended = true;
      break;
    }
    if (i + 1 >= n) {
      return fail("option " + std::to_string(code) + " at byte " + std::to_string(i) +
                  " has no length byte (message ends at byte " + std::to_string(n) + ")");
    }
    size_t len = p[i + 1];
    if (i + 2 + len > n) {
      return fail("option " + std::to_string(code) + " length " + std::to_string(len) +
                  " runs past the end at byte " + std::to_string(i) + " (message is " +
                  std::to_string(n) + " bytes)");
    }
    m.options.push_back(Option{code, std::vector<uint8_t>(p + i + 2, p + i + 2 + len)});
    i += 2 + len;
  }
  if (!ended) {
    return fail("no end option (255) before the end of the message at byte " + std::to_string(n));
  }
  DecodeResult r;
  r.message = std::move(m);
  return r;
}

std::vector<uint8_t> encode(const Message& m) {
  std::vector<uint8_t> v;
  v.reserve(kMinLen + 64);
  v.push_back(m.op);
  v.push_back(m.htype);
  v.push_back(m.hlen);
  v.push_back(m.hops);
  wr32(v, m.xid);
  wr16(v, m.secs);
  wr16(v, m.flags);
  for (const Ip4* a : {&m.ciaddr, &m.yiaddr, &m.siaddr, &m.giaddr})
    v.insert(v.end(), a->begin(), a->end());
  v.insert(v.end(), m.chaddr.begin(), m.chaddr.end());
  v.insert(v.end(), 10, 0);  // rest of chaddr (16 bytes)
  writeFixed(v, m.sname, 64);
  writeFixed(v, m.file, 128);
  v.insert(v.end(), kCookie, kCookie + 4);
  for (const auto& o : m.options) {
    if (o.code == 0 || o.code == 255) continue;
    // Options longer than 255 bytes are split into several instances (RFC 3396).
    size_t off = 0;
    do {
      size_t chunk = std::min<size_t>(255, o.data.size() - off);
      v.push_back(o.code);
      v.push_back(static_cast<uint8_t>(chunk));
      v.insert(v.end(), o.data.begin() + static_cast<std::ptrdiff_t>(off),
               o.data.begin() + static_cast<std::ptrdiff_t>(off + chunk));
      off += chunk;
    } while (off < o.data.size());
  }
  v.push_back(255);
  if (v.size() < kMinLen) v.resize(kMinLen, 0);
  return v;
}

std::vector<uint8_t> ip4Bytes(const Ip4& ip) {
  return std::vector<uint8_t>(ip.begin(), ip.end());
}

std::string ip4String(const Ip4& ip) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%u.%u.%u.%u", ip[0], ip[1], ip[2], ip[3]);
  return buf;
}

std::optional<Ip4> parseIp4(std::string_view s) {
  Ip4 ip{};
  size_t part = 0, i = 0;
  while (part < 4) {
    if (i >= s.size() || s[i] < '0' || s[i] > '9') return std::nullopt;
    unsigned v = 0;
    size_t digits = 0;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') {
      v = v * 10 + static_cast<unsigned>(s[i] - '0');
      if (++digits > 3 || v > 255) return std::nullopt;
      ++i;
    }
    ip[part++] = static_cast<uint8_t>(v);
    if (part < 4) {
      if (i >= s.size() || s[i] != '.') return std::nullopt;
      ++i;
    }
  }
  if (i != s.size()) return std::nullopt;
  return ip;
}

std::string macString(const Mac& mac) {
  char buf[18];
  std::snprintf(buf, sizeof buf, "%02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1], mac[2], mac[3],
                mac[4], mac[5]);
  return buf;
}

std::optional<Mac> parseMac(std::string_view s) {
  if (s.size() != 17) return std::nullopt;
  Mac mac{};
  auto hex = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  for (size_t k = 0; k < 6; ++k) {
    int hi = hex(s[k * 3]), lo = hex(s[k * 3 + 1]);
    if (hi < 0 || lo < 0) return std::nullopt;
    if (k < 5 && s[k * 3 + 2] != ':' && s[k * 3 + 2] != '-') return std::nullopt;
    mac[k] = static_cast<uint8_t>(hi * 16 + lo);
  }
  return mac;
}

std::optional<uint32_t> u32Of(const Option* o) {
  if (!o || o->data.size() != 4) return std::nullopt;
  return rd32(o->data.data());
}

}  // namespace phonelab::proto::dhcp
