#include "base/proto/dns.h"

#include <cctype>
#include <cstdio>
#include <map>
#include <stdexcept>

namespace phonelab::proto::dns {

namespace {

constexpr size_t kHeaderLen = 12;
constexpr size_t kMaxName = 255;  // wire length, RFC 1035 2.3.4
constexpr size_t kMaxLabel = 63;
constexpr int kMaxJumps = 64;  // more pointers than a 255-byte name could need

uint16_t rd16(std::span<const uint8_t> w, size_t at) {
  return static_cast<uint16_t>((w[at] << 8) | w[at + 1]);
}
uint32_t rd32(std::span<const uint8_t> w, size_t at) {
  return (uint32_t{w[at]} << 24) | (uint32_t{w[at + 1]} << 16) | (uint32_t{w[at + 2]} << 8) |
         uint32_t{w[at + 3]};
}
void wr16(std::vector<uint8_t>& v, uint16_t x) {
  v.push_back(static_cast<uint8_t>(x >> 8));
  v.push_back(static_cast<uint8_t>(x));
}
void wr32(std::vector<uint8_t>& v, uint32_t x) {
  wr16(v, static_cast<uint16_t>(x >> 16));
  wr16(v, static_cast<uint16_t>(x));
}

struct DecodeError {
  std::string why;
};

/// Appends one label's bytes in presentation form.
void appendLabel(std::string& out, std::span<const uint8_t> label) {
  for (uint8_t c : label) {
    if (c == '.' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c > ' ' && c < 0x7f) {
      out += static_cast<char>(c);
    } else {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\%03u", static_cast<unsigned>(c));
      out += buf;
    }
  }
}

/// Reads a (possibly compressed) name starting at `at`; advances `at` past it in the message.
std::string readName(std::span<const uint8_t> w, size_t& at) {
  std::string name;
  size_t pos = at;
  size_t wire_len = 1;  // the root label
  bool jumped = false;
  int jumps = 0;
  std::vector<size_t> seen;  // pointer targets followed, for a precise loop message
  for (;;) {
    if (pos >= w.size())
      throw DecodeError{"name at byte " + std::to_string(at) + " runs past the end of the " +
                        std::to_string(w.size()) + "-byte message"};
    const uint8_t len = w[pos];
    if ((len & 0xc0) == 0xc0) {
      if (pos + 1 >= w.size())
        throw DecodeError{"compression pointer at byte " + std::to_string(pos) +
                          " is cut off by the end of the message"};
      const size_t target = rd16(w, pos) & 0x3fff;
      for (size_t s : seen) {
        if (s == target)
          throw DecodeError{"compression pointer loop at byte " + std::to_string(pos) +
                            " (back to byte " + std::to_string(target) + ")"};
      }
      if (++jumps > kMaxJumps)
        throw DecodeError{"more than " + std::to_string(kMaxJumps) +
                          " compression pointers in the name at byte " + std::to_string(at)};
      if (target >= w.size())
        throw DecodeError{"compression pointer at byte " + std::to_string(pos) +
                          " points to byte " + std::to_string(target) + ", past the end of the " +
                          std::to_string(w.size()) + "-byte message"};
      seen.push_back(target);
      if (!jumped) at = pos + 2;
      jumped = true;
      pos = target;
      continue;
    }
    if ((len & 0xc0) != 0) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "0x%02x", len & 0xc0);
      throw DecodeError{"reserved label type " + std::string(buf) + " at byte " +
                        std::to_string(pos)};
    }
    if (len == 0) {
      if (!jumped) at = pos + 1;
      return name;
    }
    if (pos + 1 + len > w.size())
      throw DecodeError{"label length " + std::to_string(len) + " at byte " + std::to_string(pos) +
                        " runs past the end of the " + std::to_string(w.size()) + "-byte message"};
    wire_len += 1 + len;
    if (wire_len > kMaxName)
      throw DecodeError{"name at byte " + std::to_string(at) + " is longer than 255 bytes"};
    if (!name.empty()) name += '.';
    appendLabel(name, w.subspan(pos + 1, len));
    pos += 1 + len;
  }
}

Record readRecord(std::span<const uint8_t> w, size_t& at, const std::string& what) {
  Record r;
  r.name = readName(w, at);
  if (at + 10 > w.size())
    throw DecodeError{what + " at byte " + std::to_string(at) +
                      ": type/class/ttl/length cut off by the end of the message"};
  r.type = rd16(w, at);
  r.klass = rd16(w, at + 2);
  r.ttl = rd32(w, at + 4);
  const size_t rdlen = rd16(w, at + 8);
  at += 10;
  if (at + rdlen > w.size())
    throw DecodeError{what + ": rdata length " + std::to_string(rdlen) + " at byte " +
                      std::to_string(at - 2) + " runs past the end of the " +
                      std::to_string(w.size()) + "-byte message"};
  r.data.assign(w.begin() + static_cast<std::ptrdiff_t>(at),
                w.begin() + static_cast<std::ptrdiff_t>(at + rdlen));
  at += rdlen;
  return r;
}

/// Splits presentation form into raw labels (undoing \DDD, \c). "" and "." are the root.
std::vector<std::string> splitLabels(const std::string& name) {
  std::vector<std::string> labels;
  if (name.empty() || name == ".") return labels;
  std::string cur;
  for (size_t i = 0; i < name.size(); ++i) {
    char c = name[i];
    if (c == '\\' && i + 1 < name.size()) {
      if (i + 3 < name.size() && std::isdigit(static_cast<unsigned char>(name[i + 1])) &&
          std::isdigit(static_cast<unsigned char>(name[i + 2])) &&
          std::isdigit(static_cast<unsigned char>(name[i + 3]))) {
        int v = (name[i + 1] - '0') * 100 + (name[i + 2] - '0') * 10 + (name[i + 3] - '0');
        if (v > 255) throw std::invalid_argument("bad escape in DNS name '" + name + "'");
        cur += static_cast<char>(v);
        i += 3;
      } else {
        cur += name[++i];
      }
    } else if (c == '.') {
      if (cur.empty()) throw std::invalid_argument("empty label in DNS name '" + name + "'");
      labels.push_back(cur);
      cur.clear();
    } else {
      cur += c;
    }
  }
  if (!cur.empty()) labels.push_back(cur);  // a trailing dot leaves cur empty: fine
  return labels;
}

std::string lower(std::string s) {
  for (char& c : s) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return s;
}

class Writer {
 public:
  std::vector<uint8_t> out;

  void name(const std::string& text) {
    auto labels = splitLabels(text);
    size_t total = 1;
    for (const auto& l : labels) {
      if (l.size() > kMaxLabel)
        throw std::invalid_argument("label longer than 63 bytes in DNS name '" + text + "'");
      total += 1 + l.size();
    }
    if (total > kMaxName)
      throw std::invalid_argument("DNS name longer than 255 bytes: '" + text + "'");
    for (size_t i = 0; i < labels.size(); ++i) {
      // Compression: the longest suffix written before becomes a pointer.
      std::string key;
      for (size_t j = i; j < labels.size(); ++j) key += lower(labels[j]) + '\0';
      auto it = offsets_.find(key);
      if (it != offsets_.end()) {
        wr16(out, static_cast<uint16_t>(0xc000 | it->second));
        return;
      }
      if (out.size() < 0x3fff) offsets_[key] = out.size();
      out.push_back(static_cast<uint8_t>(labels[i].size()));
      out.insert(out.end(), labels[i].begin(), labels[i].end());
    }
    out.push_back(0);
  }

  void record(const Record& r) {
    name(r.name);
    wr16(out, r.type);
    wr16(out, r.klass);
    wr32(out, r.ttl);
    if (r.data.size() > 0xffff) throw std::invalid_argument("DNS rdata longer than 65535 bytes");
    wr16(out, static_cast<uint16_t>(r.data.size()));
    out.insert(out.end(), r.data.begin(), r.data.end());
  }

 private:
  std::map<std::string, size_t> offsets_;
};

uint16_t count(size_t n, const char* what) {
  if (n > 0xffff) throw std::invalid_argument(std::string("too many DNS ") + what);
  return static_cast<uint16_t>(n);
}

}  // namespace

DecodeResult decode(std::span<const uint8_t> w) {
  DecodeResult r;
  if (w.size() < kHeaderLen) {
    r.error = "truncated header: " + std::to_string(w.size()) + " of 12 bytes";
    return r;
  }
  Header h;
  h.id = rd16(w, 0);
  const uint16_t flags = rd16(w, 2);
  h.qr = (flags & 0x8000) != 0;
  h.opcode = static_cast<uint8_t>((flags >> 11) & 0xf);
  h.aa = (flags & 0x0400) != 0;
  h.tc = (flags & 0x0200) != 0;
  h.rd = (flags & 0x0100) != 0;
  h.ra = (flags & 0x0080) != 0;
  h.rcode = static_cast<uint8_t>(flags & 0xf);
  h.qdcount = rd16(w, 4);
  h.ancount = rd16(w, 6);
  h.nscount = rd16(w, 8);
  h.arcount = rd16(w, 10);
  r.header = h;

  Message m;
  m.header = h;
  size_t at = kHeaderLen;
  try {
    for (uint16_t i = 0; i < h.qdcount; ++i) {
      Question q;
      q.name = readName(w, at);
      if (at + 4 > w.size())
        throw DecodeError{"question " + std::to_string(i + 1) + " at byte " + std::to_string(at) +
                          ": type/class cut off by the end of the message"};
      q.type = rd16(w, at);
      q.klass = rd16(w, at + 2);
      at += 4;
      m.questions.push_back(std::move(q));
    }
    for (uint16_t i = 0; i < h.ancount; ++i)
      m.answers.push_back(readRecord(w, at, "answer " + std::to_string(i + 1)));
    for (uint16_t i = 0; i < h.nscount; ++i)
      m.authority.push_back(readRecord(w, at, "authority record " + std::to_string(i + 1)));
    for (uint16_t i = 0; i < h.arcount; ++i)
      m.additional.push_back(readRecord(w, at, "additional record " + std::to_string(i + 1)));
  } catch (const DecodeError& e) {
    r.error = e.why;
    return r;
  }
  // Trailing bytes after the last record are tolerated (some stacks pad); nothing reads them.
  r.message = std::move(m);
  return r;
}

std::vector<uint8_t> encode(const Message& m) {
  Writer w;
  const Header& h = m.header;
  wr16(w.out, h.id);
  uint16_t flags = static_cast<uint16_t>(
      (h.qr ? 0x8000 : 0) | ((h.opcode & 0xf) << 11) | (h.aa ? 0x0400 : 0) | (h.tc ? 0x0200 : 0) |
      (h.rd ? 0x0100 : 0) | (h.ra ? 0x0080 : 0) | (h.rcode & 0xf));
  wr16(w.out, flags);
  wr16(w.out, count(m.questions.size(), "questions"));
  wr16(w.out, count(m.answers.size(), "answers"));
  wr16(w.out, count(m.authority.size(), "authority records"));
  wr16(w.out, count(m.additional.size(), "additional records"));
  for (const auto& q : m.questions) {
    w.name(q.name);
    wr16(w.out, q.type);
    wr16(w.out, q.klass);
  }
  for (const auto& r : m.answers) w.record(r);
  for (const auto& r : m.authority) w.record(r);
  for (const auto& r : m.additional) w.record(r);
  return std::move(w.out);
}

Message query(uint16_t id, const std::string& name, uint16_t type) {
  Message m;
  m.header.id = id;
  m.header.rd = true;
  m.questions.push_back(Question{name, type, kClassIn});
  return m;
}

Message responseTo(const Message& q, uint8_t rcode) {
  Message r;
  r.header.id = q.header.id;
  r.header.qr = true;
  r.header.opcode = q.header.opcode;
  r.header.aa = true;
  r.header.rd = q.header.rd;
  r.header.rcode = rcode;
  r.questions = q.questions;
  return r;
}

Record aRecord(const std::string& name, const std::string& ipv4, uint32_t ttl) {
  unsigned a, b, c, d;
  char tail;
  if (std::sscanf(ipv4.c_str(), "%u.%u.%u.%u%c", &a, &b, &c, &d, &tail) != 4 || a > 255 ||
      b > 255 || c > 255 || d > 255)
    throw std::invalid_argument("not an IPv4 address: '" + ipv4 + "'");
  Record r;
  r.name = name;
  r.type = kA;
  r.klass = kClassIn;
  r.ttl = ttl;
  r.data = {static_cast<uint8_t>(a), static_cast<uint8_t>(b), static_cast<uint8_t>(c),
            static_cast<uint8_t>(d)};
  return r;
}

std::optional<std::string> aAddress(const Record& r) {
  if (r.type != kA || r.data.size() != 4) return std::nullopt;
  return std::to_string(r.data[0]) + "." + std::to_string(r.data[1]) + "." +
         std::to_string(r.data[2]) + "." + std::to_string(r.data[3]);
}

std::string typeName(uint16_t type) {
  switch (type) {
    case kA:
      return "A";
    case kNs:
      return "NS";
    case kCname:
      return "CNAME";
    case kSoa:
      return "SOA";
    case kPtr:
      return "PTR";
    case kMx:
      return "MX";
    case kTxt:
      return "TXT";
    case kAaaa:
      return "AAAA";
    case kSrv:
      return "SRV";
    case kNaptr:
      return "NAPTR";
    case kOpt:
      return "OPT";
    case kAny:
      return "ANY";
    default:
      return std::to_string(type);
  }
}

std::string rcodeName(uint8_t rcode) {
  switch (rcode) {
    case kNoError:
      return "NOERROR";
    case kFormErr:
      return "FORMERR";
    case kServFail:
      return "SERVFAIL";
    case kNxDomain:
      return "NXDOMAIN";
    case kNotImp:
      return "NOTIMP";
    case kRefused:
      return "REFUSED";
    default:
      return std::to_string(rcode);
  }
}

std::string canonicalName(const std::string& name) {
  std::string s = lower(name);
  if (!s.empty() && s.back() == '.' && (s.size() < 2 || s[s.size() - 2] != '\\')) s.pop_back();
  return s;
}

}  // namespace phonelab::proto::dns
