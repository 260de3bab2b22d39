#include "base/proto/sdp.h"

#include <algorithm>
#include <iterator>
#include <string>

namespace phonelab::proto::sdp {

namespace {

constexpr std::string_view kSpace = " \t\r\n\v\f";

/// The whitespace-separated words of `s`.
std::vector<std::string_view> words(std::string_view s) {
  std::vector<std::string_view> out;
  size_t i = 0;
  while (i < s.size()) {
    const size_t b = s.find_first_not_of(kSpace, i);
    if (b == std::string_view::npos) break;
    const size_t e = std::min(s.find_first_of(kSpace, b), s.size());
    out.push_back(s.substr(b, e - b));
    i = e;
  }
  return out;
}

/// The line at `pos` without its LF and one CR before it; `pos` moves past the LF.
std::string_view nextLine(std::string_view text, size_t& pos) {
  const size_t end = std::min(text.find('\n', pos), text.size());
  std::string_view line = text.substr(pos, end - pos);
  pos = end + 1;
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  return line;
}

/// A decimal of 1 to `digits` digits (no sign, no other character); nullopt otherwise.
std::optional<long> decimal(std::string_view s, size_t digits) {
  if (s.empty() || s.size() > digits) return std::nullopt;
  long n = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    n = n * 10 + (c - '0');
  }
  return n;
}

std::optional<int> payloadType(std::string_view s) {
  const auto n = decimal(s, 3);
  if (!n || *n > 127) return std::nullopt;
  return static_cast<int>(*n);
}

/// The direction attributes' names, in the order of enum Direction.
constexpr const char* kDirections[] = {"sendrecv", "sendonly", "recvonly", "inactive"};

std::optional<Direction> directionOf(std::string_view attribute) {
  for (size_t i = 0; i < std::size(kDirections); ++i) {
    if (attribute == kDirections[i]) return static_cast<Direction>(i);
  }
  return std::nullopt;
}

/// m=<media> <port> <proto> <fmt> ... The media name ends at the first space; an m= line without
/// one has no fields (type "").
Media mediaLine(std::string_view value) {
  Media m;
  m.type.clear();
  m.proto.clear();
  const size_t sp = value.find(' ');
  if (sp == std::string_view::npos) return m;
  m.type = value.substr(0, sp);
  const auto f = words(value.substr(sp + 1));
  if (!f.empty()) {
    const auto port = decimal(f[0], 5);
    if (port && *port > 0 && *port <= 65535) m.port = static_cast<uint16_t>(*port);
  }
  if (f.size() > 1) m.proto = f[1];
  for (size_t i = 2; i < f.size(); ++i) {
    m.formats.emplace_back(f[i]);
    if (auto pt = payloadType(f[i])) m.payloads.push_back(*pt);
  }
  return m;
}

/// a=rtpmap:<pt> <encoding>/<rate>[/<channels>]
std::optional<Rtpmap> rtpmapOf(std::string_view value) {
  const auto w = words(value);
  if (w.size() != 2) return std::nullopt;
  const auto pt = payloadType(w[0]);
  const size_t slash = w[1].find('/');
  if (!pt || slash == 0 || slash == std::string_view::npos) return std::nullopt;
  std::string_view rate = w[1].substr(slash + 1), channels;
  if (const size_t s2 = rate.find('/'); s2 != std::string_view::npos) {
    channels = rate.substr(s2 + 1);
    rate = rate.substr(0, s2);
    if (!decimal(channels, 3)) return std::nullopt;
  }
  const auto r = decimal(rate, 9);
  if (!r || *r == 0) return std::nullopt;
  return Rtpmap{*pt, std::string(w[1].substr(0, slash)), static_cast<int>(*r),
                std::string(channels)};
}

/// a=crypto:<tag> <suite> <key-params>[ <session-params>...] (the rest kept verbatim).
std::optional<Crypto> cryptoOf(std::string_view value) {
  const auto w = words(value);
  if (w.size() < 3) return std::nullopt;
  const auto tag = decimal(w[0], 9);
  if (!tag) return std::nullopt;
  const size_t at = static_cast<size_t>(w[2].data() - value.data());
  std::string_view rest = value.substr(at);
  rest = rest.substr(0, rest.find_last_not_of(kSpace) + 1);
  return Crypto{static_cast<int>(*tag), std::string(w[1]), std::string(rest)};
}

void attribute(std::string_view a, std::optional<Direction>& direction, Media* m) {
  if (auto d = directionOf(a)) {
    direction = d;
    return;
  }
  if (!m) return;
  const size_t colon = a.find(':');
  if (colon == std::string_view::npos) return;
  const std::string_view name = a.substr(0, colon), value = a.substr(colon + 1);
  if (name == "rtpmap") {
    if (auto r = rtpmapOf(value)) m->rtpmaps.push_back(std::move(*r));
  } else if (name == "fmtp") {
    const size_t sp = value.find(' ');
    const auto pt = payloadType(value.substr(0, sp));
    if (pt && sp != std::string_view::npos)
      m->fmtps.emplace_back(*pt, std::string(value.substr(sp + 1)));
  } else if (name == "ptime") {
    if (auto n = decimal(value, 5)) m->ptime = static_cast<int>(*n);
  } else if (name == "crypto") {
    if (auto c = cryptoOf(value)) m->crypto.push_back(std::move(*c));
  }
}

}  // namespace

const char* directionName(Direction d) {
  return kDirections[static_cast<size_t>(d)];
}

Session parse(std::string_view text) {
  Session s;
  s.origin_user.clear();
  s.origin_id.clear();
  s.origin_version.clear();
  s.name.clear();
  for (size_t pos = 0; pos < text.size();) {
    const std::string_view line = nextLine(text, pos);
    if (line.size() < 2 || line[1] != '=') continue;
    const std::string_view value = line.substr(2);
    Media* m = s.media.empty() ? nullptr : &s.media.back();
    switch (line[0]) {
      case 'm':
        s.media.push_back(mediaLine(value));
        break;
      case 'c':
        // c=IN IP4 <address>[/<ttl>[/<count>]]
        if (value.rfind("IN IP4 ", 0) == 0) {
          std::string_view a = value.substr(7);
          a = a.substr(0, a.find('/'));
          if (!a.empty() && a.find_first_of(kSpace) == std::string_view::npos)
            (m ? m->address : s.address) = a;
        }
        break;
      case 'o':
        if (!m) {
          const auto w = words(value);
          if (w.size() >= 3) {
            s.origin_user = w[0];
            s.origin_id = w[1];
            s.origin_version = w[2];
          }
          if (w.size() == 6 && w[3] == "IN" && w[4] == "IP4") s.origin_address = w[5];
        }
        break;
      case 's':
        if (!m) s.name = value;
        break;
      case 'a':
        attribute(value, m ? m->direction : s.direction, m);
        break;
      default:
        break;
    }
  }
  return s;
}

std::string build(const Session& s) {
  std::string out = "v=0\r\no=" + s.origin_user + " " + s.origin_id + " " + s.origin_version +
                    " IN IP4 " + s.origin_address + "\r\ns=" + s.name + "\r\n";
  if (!s.address.empty()) out += "c=IN IP4 " + s.address + "\r\n";
  out += "t=0 0\r\n";
  if (s.direction) out += std::string("a=") + directionName(*s.direction) + "\r\n";
  for (const auto& m : s.media) {
    out += "m=" + m.type + " " + std::to_string(m.port) + " " + m.proto;
    for (const auto& f : m.formats) out += " " + f;
    out += "\r\n";
    if (!m.address.empty()) out += "c=IN IP4 " + m.address + "\r\n";
    auto fmtps = [&](int pt, bool mapped) {
      for (const auto& [p, params] : m.fmtps) {
        bool has_map = false;
        for (const auto& r : m.rtpmaps) has_map = has_map || r.payload_type == p;
        if ((mapped && p == pt) || (!mapped && !has_map))
          out += "a=fmtp:" + std::to_string(p) + " " + params + "\r\n";
      }
    };
    for (const auto& r : m.rtpmaps) {
      out += "a=rtpmap:" + std::to_string(r.payload_type) + " " + r.encoding + "/" +
             std::to_string(r.clock_rate) + (r.channels.empty() ? "" : "/" + r.channels) + "\r\n";
      fmtps(r.payload_type, true);
    }
    fmtps(-1, false);
    if (m.ptime > 0) out += "a=ptime:" + std::to_string(m.ptime) + "\r\n";
    if (m.direction) out += std::string("a=") + directionName(*m.direction) + "\r\n";
    for (const auto& c : m.crypto)
      out += "a=crypto:" + std::to_string(c.tag) + " " + c.suite + " " + c.key_params + "\r\n";
  }
  return out;
}

std::optional<Rtpmap> staticRtpmap(int payload_type) {
  if (payload_type == 0) return Rtpmap{0, "PCMU", 8000, ""};
  if (payload_type == 8) return Rtpmap{8, "PCMA", 8000, ""};
  return std::nullopt;
}

Media audio(uint16_t port, const std::vector<int>& payloads, int telephone_event) {
  Media m;
  m.port = port;
  for (int pt : payloads) {
    m.formats.push_back(std::to_string(pt));
    m.payloads.push_back(pt);
    if (auto r = staticRtpmap(pt)) m.rtpmaps.push_back(*r);
    if (pt == telephone_event) {
      m.rtpmaps.push_back({pt, "telephone-event", 8000, ""});
      m.fmtps.emplace_back(pt, "0-15");
    }
  }
  return m;
}

std::string connectionAddress(const Session& s, const Media& m) {
  return m.address.empty() ? s.address : m.address;
}

std::optional<AudioStream> firstAudio(const Session& s) {
  for (const auto& m : s.media) {
    if (m.type != "audio") continue;
    AudioStream a;
    a.ip = connectionAddress(s, m);
    a.session_ip = s.address;
    a.port = m.port;
    a.proto = m.proto;
    a.payloads = m.payloads;
    if (a.port == 0 || a.ip.empty()) return std::nullopt;
    return a;
  }
  return std::nullopt;
}

std::optional<AudioStream> firstAudio(std::string_view text) {
  return firstAudio(parse(text));
}

}  // namespace phonelab::proto::sdp
