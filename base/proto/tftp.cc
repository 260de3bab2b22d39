#include "base/proto/tftp.h"

namespace phonelab::proto::tftp {

namespace {

uint16_t rd16(std::span<const uint8_t> w, size_t at) {
  return static_cast<uint16_t>((w[at] << 8) | w[at + 1]);
}
void wr16(std::vector<uint8_t>& v, uint16_t x) {
  v.push_back(static_cast<uint8_t>(x >> 8));
  v.push_back(static_cast<uint8_t>(x));
}
void wrString(std::vector<uint8_t>& v, const std::string& s) {
  v.insert(v.end(), s.begin(), s.end());
  v.push_back(0);
}

/// Reads a NUL-terminated string at `at`; false if the NUL is missing.
bool readString(std::span<const uint8_t> w, size_t& at, std::string& out) {
  for (size_t i = at; i < w.size(); ++i) {
    if (w[i] == 0) {
      out.assign(reinterpret_cast<const char*>(w.data() + at), i - at);
      at = i + 1;
      return true;
    }
  }
  return false;
}

DecodeResult fail(std::string why) {
  DecodeResult r;
  r.error = std::move(why);
  return r;
}

std::string lower(std::string s) {
  for (char& c : s) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return s;
}

}  // namespace

DecodeResult decode(std::span<const uint8_t> w) {
  if (w.size() < 2)
    return fail("truncated: " + std::to_string(w.size()) + " byte" + (w.size() == 1 ? "" : "s") +
                ", no opcode");
  const uint16_t op = rd16(w, 0);
  DecodeResult r;
  switch (op) {
    case 1:
    case 2: {
      const char* name = op == 1 ? "RRQ" : "WRQ";
      Request q;
      q.op = static_cast<Opcode>(op);
      size_t at = 2;
      if (!readString(w, at, q.filename))
        return fail(std::string(name) + " filename is not NUL-terminated");
      if (q.filename.empty()) return fail(std::string(name) + " with an empty filename");
      if (!readString(w, at, q.mode))
        return fail(std::string(name) + " mode is missing or not NUL-terminated");
      if (q.mode.empty()) return fail(std::string(name) + " with an empty mode");
      while (at < w.size()) {
        std::string k, v;
        if (!readString(w, at, k) || !readString(w, at, v))
          return fail(std::string(name) + " option at byte " + std::to_string(at) +
                      " is not NUL-terminated or has no value");
        q.options.emplace_back(std::move(k), std::move(v));
      }
      r.packet = std::move(q);
      return r;
    }
    case 3: {
      if (w.size() < 4)
        return fail("DATA of " + std::to_string(w.size()) + " bytes, no block number");
      Data d;
      d.block = rd16(w, 2);
      if (w.size() - 4 > kBlockSize)
        return fail("DATA block of " + std::to_string(w.size() - 4) + " bytes (more than 512)");
      d.data.assign(w.begin() + 4, w.end());
      r.packet = std::move(d);
      return r;
    }
    case 4: {
      if (w.size() < 4)
        return fail("ACK of " + std::to_string(w.size()) + " bytes, no block number");
      r.packet = Ack{rd16(w, 2)};
      return r;
    }
    case 5: {
      if (w.size() < 4) return fail("ERROR of " + std::to_string(w.size()) + " bytes, no code");
      ErrorPacket e;
      e.code = rd16(w, 2);
      size_t at = 4;
      if (!readString(w, at, e.message)) {
        // Tolerated: some stacks omit the final NUL. Take what is there.
        e.message.assign(reinterpret_cast<const char*>(w.data() + 4), w.size() - 4);
      }
      r.packet = std::move(e);
      return r;
    }
    default:
      return fail("unknown opcode " + std::to_string(op));
  }
}

std::vector<uint8_t> encode(const Packet& p) {
  std::vector<uint8_t> v;
  if (const auto* q = std::get_if<Request>(&p)) {
    wr16(v, static_cast<uint16_t>(q->op));
    wrString(v, q->filename);
    wrString(v, q->mode);
    for (const auto& [k, val] : q->options) {
      wrString(v, k);
      wrString(v, val);
    }
  } else if (const auto* d = std::get_if<Data>(&p)) {
    wr16(v, 3);
    wr16(v, d->block);
    v.insert(v.end(), d->data.begin(), d->data.end());
  } else if (const auto* a = std::get_if<Ack>(&p)) {
    wr16(v, 4);
    wr16(v, a->block);
  } else if (const auto* e = std::get_if<ErrorPacket>(&p)) {
    wr16(v, 5);
    wr16(v, e->code);
    wrString(v, e->message);
  }
  return v;
}

std::optional<std::string> normalizedMode(const std::string& mode) {
  std::string m = lower(mode);
  if (m == "octet" || m == "netascii") return m;
  return std::nullopt;
}

std::string toNetascii(const std::string& content) {
  std::string out;
  out.reserve(content.size() + content.size() / 16);
  for (char c : content) {
    if (c == '\n') {
      out += "\r\n";
    } else if (c == '\r') {
      out += '\r';
      out += '\0';
    } else {
      out += c;
    }
  }
  return out;
}

std::string packetName(const Packet& p) {
  if (const auto* q = std::get_if<Request>(&p)) return q->op == Opcode::Wrq ? "WRQ" : "RRQ";
  if (std::holds_alternative<Data>(p)) return "DATA";
  if (std::holds_alternative<Ack>(p)) return "ACK";
  return "ERROR";
}

}  // namespace phonelab::proto::tftp
