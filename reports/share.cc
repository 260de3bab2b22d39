#include "reports/share.h"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "base/core/error.h"
#include "base/core/safe_fs.h"
#include "base/core/secrets.h"
#include "reports/json_report.h"
#include "reports/report.h"
#include "reports/report_folder.h"
#include "reports/xml.h"

namespace phonelab::reports {
namespace fs = std::filesystem;

namespace {

char lower(char c) {
  return static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
}

// Case-insensitive find of the lowercase `needle` in s from `from`.
size_t ifind(const std::string& s, std::string_view needle, size_t from) {
  if (needle.empty() || s.size() < needle.size()) return std::string::npos;
  for (size_t i = from; i + needle.size() <= s.size(); ++i) {
    size_t k = 0;
    while (k < needle.size() && lower(s[i + k]) == needle[k]) ++k;
    if (k == needle.size()) return i;
  }
  return std::string::npos;
}

bool nameChar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.' || c == '-';
}

// Overwrites s[from, to) with '*'; counts a value if anything was there.
void star(std::string& s, size_t from, size_t to, size_t& n) {
  to = std::min(to, s.size());
  if (from >= to) return;
  bool changed = false;
  for (size_t i = from; i < to; ++i) {
    if (s[i] != '*') changed = true;
    s[i] = '*';
  }
  if (changed) ++n;
}

size_t valueEnd(const std::string& s, size_t from, std::string_view stops) {
  size_t i = from;
  while (i < s.size() && stops.find(s[i]) == std::string_view::npos) ++i;
  return i;
}

// "Authorization: Basic xxx" / "Proxy-Authorization: Digest username=..., response=..."
void maskAuthHeaders(std::string& s, size_t& n) {
  constexpr std::string_view kHeader = "authorization:";
  for (size_t at = ifind(s, kHeader, 0); at != std::string::npos;
       at = ifind(s, kHeader, at + kHeader.size())) {
    size_t i = at + kHeader.size();
    while (i < s.size() && (s[i] == ' ' || s[i] == '\t')) ++i;
    const size_t scheme = i;
    while (i < s.size() && std::isalpha(static_cast<unsigned char>(s[i]))) ++i;
    // Digest: its secret is the response= value (masked above); the rest tells what was asked.
    if (i - scheme == 6 && ifind(s.substr(scheme, 6), "digest", 0) == 0) continue;
    while (i < s.size() && (s[i] == ' ' || s[i] == '\t')) ++i;
    star(s, i, valueEnd(s, i, std::string_view("\r\n\"\\\0", 5)), n);
  }
}

// response="..." (a digest response outside a header we recognised, e.g. a split segment)
void maskDigestResponses(std::string& s, size_t& n) {
  constexpr std::string_view kKey = "response=";
  for (size_t at = ifind(s, kKey, 0); at != std::string::npos;
       at = ifind(s, kKey, at + kKey.size())) {
    size_t i = at + kKey.size();
    if (i < s.size() && s[i] == '"') ++i;
    star(s, i, valueEnd(s, i, std::string_view("\",; \r\n\\\0", 8)), n);
  }
}

// <Admin_Passwd ua="na">value</Admin_Passwd>
void maskXmlElements(std::string& s, size_t& n) {
  for (size_t lt = s.find('<'); lt != std::string::npos; lt = s.find('<', lt + 1)) {
    size_t i = lt + 1;
    while (i < s.size() && nameChar(s[i])) ++i;
    if (i == lt + 1 || !isSecretName(std::string_view(s).substr(lt + 1, i - lt - 1))) continue;
    size_t gt = s.find('>', i);
    if (gt == std::string::npos || s[gt - 1] == '/') continue;
    star(s, gt + 1, valueEnd(s, gt + 1, "<"), n);
  }
}

// <input name="Admin_Passwd" value="x">: a form page that shows the current value
void maskInputValues(std::string& s, size_t& n) {
  constexpr std::string_view kName = "name=\"";
  for (size_t at = ifind(s, kName, 0); at != std::string::npos;
       at = ifind(s, kName, at + kName.size())) {
    const size_t b = at + kName.size();
    const size_t e = valueEnd(s, b, "\"");
    if (e >= s.size() || !isSecretName(std::string_view(s).substr(b, e - b))) continue;
    const size_t gt = valueEnd(s, e, ">");
    const size_t v = ifind(s.substr(0, gt), "value=\"", e);
    if (v == std::string::npos) continue;
    star(s, v + 7, valueEnd(s, v + 7, "\""), n);
  }
}

// Admin_Passwd=value (forms, URLs, logs) and "Admin_Passwd": "value" (JSON)
void maskNamedValues(std::string& s, size_t& n) {
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '=' && s[i] != ':') continue;
    size_t name_end = i;
    bool quoted = false;
    if (s[i] == ':') {  // JSON: "name": "value"
      size_t q = i;
      while (q > 0 && s[q - 1] == ' ') --q;
      if (q == 0 || s[q - 1] != '"') continue;
      name_end = q - 1;
      quoted = true;
    }
    size_t b = name_end;
    while (b > 0 && nameChar(s[b - 1])) --b;
    if (b == name_end || !isSecretName(std::string_view(s).substr(b, name_end - b))) continue;
    if (quoted && (b == 0 || s[b - 1] != '"')) continue;
    size_t v = i + 1;
    if (quoted) {
      while (v < s.size() && s[v] == ' ') ++v;
      if (v >= s.size() || s[v] != '"') continue;
      ++v;
      size_t e = v;
      while (e < s.size() && s[e] != '"') e += s[e] == '\\' ? 2 : 1;
      star(s, v, e, n);
    } else if (v < s.size() && (s[v] == '"' || s[v] == '\'')) {  // name="value" in a log line
      const std::string stops = std::string(1, s[v]) + "\r\n";
      star(s, v + 1, valueEnd(s, v + 1, stops), n);
    } else {
      star(s, v, valueEnd(s, v, std::string_view("&\r\n \t\"';,<>\\\0", 13)), n);
    }
  }
}

uint16_t rd16(const std::string& b, size_t at) {
  return static_cast<uint16_t>((static_cast<uint8_t>(b[at]) << 8) |
                               static_cast<uint8_t>(b[at + 1]));
}

void wr16(std::string& b, size_t at, uint16_t v) {
  b[at] = static_cast<char>(v >> 8);
  b[at + 1] = static_cast<char>(v & 0xff);
}

uint32_t sum16(const std::string& b, size_t from, size_t len, uint32_t acc) {
  for (size_t i = 0; i + 1 < len; i += 2) acc += rd16(b, from + i);
  if (len % 2) acc += static_cast<uint32_t>(static_cast<uint8_t>(b[from + len - 1])) << 8;
  return acc;
}

uint16_t fold(uint32_t acc) {
  while (acc >> 16) acc = (acc & 0xffff) + (acc >> 16);
  return static_cast<uint16_t>(~acc & 0xffff);
}

uint32_t rdle(const std::string& b, size_t at, bool swap) {
  uint32_t v = 0;
  for (int k = 0; k < 4; ++k) {
    v |= static_cast<uint32_t>(static_cast<uint8_t>(b[at + k])) << (swap ? 8 * (3 - k) : 8 * k);
  }
  return v;
}

// One Ethernet frame at b[off, off+len): masks its TCP/UDP payload, fixes the checksum.
void maskFrame(std::string& b, size_t off, size_t len, size_t& n) {
  size_t p = off + 14;
  if (len < 14) return;
  uint16_t type = rd16(b, off + 12);
  while ((type == 0x8100 || type == 0x88a8) && p + 4 <= off + len) {
    type = rd16(b, p + 2);
    p += 4;
  }
  const size_t end = off + len;
  size_t l4 = 0, l4_len = 0;
  uint8_t proto = 0;
  uint32_t pseudo = 0;
  if (type == 0x0800) {
    if (p + 20 > end) return;
    size_t ihl = static_cast<size_t>(static_cast<uint8_t>(b[p]) & 0x0f) * 4;
    size_t total = rd16(b, p + 2);
    if (ihl < 20 || p + total > end || total < ihl) return;  // truncated: left as captured
    if ((rd16(b, p + 6) & 0x3fff) != 0) return;              // a fragment
    proto = static_cast<uint8_t>(b[p + 9]);
    l4 = p + ihl;
    l4_len = total - ihl;
    pseudo = sum16(b, p + 12, 8, 0) + proto + static_cast<uint32_t>(l4_len);
  } else if (type == 0x86dd) {
    if (p + 40 > end) return;
    size_t plen = rd16(b, p + 4);
    proto = static_cast<uint8_t>(b[p + 6]);  // extension headers: not followed
    l4 = p + 40;
    l4_len = plen;
    if (l4 + l4_len > end) return;
    pseudo = sum16(b, p + 8, 32, 0) + proto + static_cast<uint32_t>(l4_len);
  } else {
    return;
  }
  size_t hdr = 0, csum_at = 0;
  if (proto == 6 && l4_len >= 20) {
    hdr = static_cast<size_t>(static_cast<uint8_t>(b[l4 + 12]) >> 4) * 4;
    csum_at = l4 + 16;
  } else if (proto == 17 && l4_len >= 8) {
    hdr = 8;
    csum_at = l4 + 6;
  } else {
    return;
  }
  if (hdr > l4_len || hdr == l4_len) return;
  std::string payload = b.substr(l4 + hdr, l4_len - hdr);
  if (maskCredentials(payload) == 0) return;
  ++n;
  b.replace(l4 + hdr, payload.size(), payload);
  wr16(b, csum_at, 0);
  uint16_t c = fold(sum16(b, l4, l4_len, pseudo));
  if (proto == 17 && c == 0) c = 0xffff;
  wr16(b, csum_at, c);
}

bool secretFile(const fs::path& rel, const std::string& bytes, std::string& why) {
  const std::string name = rel.filename().string();
  if (name == "kamailio.cfg" || name == "tls.cfg") {
    why = "a configuration holding passwords or key paths";
    return true;
  }
  for (const auto& part : rel) {
    if (part == "dut-state") {
      why = "the phone's flash (its passwords)";
      return true;
    }
  }
  if (evidenceKind(name) == "TLS key log") {
    why = "TLS session keys (they decrypt the capture)";
    return true;
  }
  if (evidenceKind(name) == kDecryptedCaptureKind) {
    why = "TLS session keys (a capture that opens decrypted)";
    return true;
  }
  // Only a pcapng (its Section Header Block's type) is read again, not every capture copied.
  if (std::istringstream in(bytes.compare(0, 4, "\x0a\x0d\x0d\x0a", 4) == 0 ? bytes : "");
      pcapngHasDecryptionSecrets(in)) {
    why = "TLS session keys (a pcapng decryption secrets block)";
    return true;
  }
  const std::string ext = rel.extension().string();
  if (ext == ".key" || ext == ".p12" || ext == ".pfx" ||
      bytes.find("PRIVATE KEY") != std::string::npos) {
    why = "a private key";
    return true;
  }
  return false;
}

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace

size_t maskCredentials(std::string& bytes) {
  size_t n = 0;
  maskDigestResponses(bytes, n);  // first: a header's value may stop at its first quote
  maskAuthHeaders(bytes, n);
  maskXmlElements(bytes, n);
  maskInputValues(bytes, n);
  maskNamedValues(bytes, n);
  return n;
}

bool maskPcap(std::string& b, size_t& masked, std::string& why) {
  masked = 0;
  if (b.size() < 24) {
    why = "not a pcap file (too short)";
    return false;
  }
  const uint32_t magic = rdle(b, 0, false);
  bool swap = false;
  if (magic == 0xa1b2c3d4 || magic == 0xa1b23c4d) {
    swap = false;
  } else if (magic == 0xd4c3b2a1 || magic == 0x4d3cb2a1) {
    swap = true;
  } else {
    why = "not a classic pcap file (pcapng is not masked)";
    return false;
  }
  if (rdle(b, 20, swap) != 1) {
    why = "not an Ethernet capture";
    return false;
  }
  size_t off = 24;
  while (off + 16 <= b.size()) {
    const size_t incl = rdle(b, off + 8, swap);
    if (incl > b.size() - off - 16) {
      why = "a packet record runs past the end of the file";
      return false;
    }
    maskFrame(b, off + 16, incl, masked);
    off += 16 + incl;
  }
  return true;
}

void writeShareCopy(const std::string& report_dir, const std::string& out_dir,
                    std::vector<std::string>& notes) {
  RunResults r = readJson(report_dir + "/results.json");
  std::error_code ec;
  if (fs::exists(fs::symlink_status(out_dir, ec)) && !fs::is_empty(out_dir, ec)) {
    throw Error("refusing --share " + out_dir + ": it exists and is not empty");
  }
  if (fs::weakly_canonical(out_dir, ec) == fs::weakly_canonical(report_dir, ec)) {
    throw Error("--share needs a folder other than the report's");
  }
  const std::string tmp = out_dir + ".copy-" + std::to_string(::getpid());
  fs::remove_all(tmp, ec);
  std::vector<std::string> skipped;
  copyTreeNoFollow(report_dir, tmp, skipped);  // the same files, no link followed
  for (const auto& s : skipped) notes.push_back("left out " + s);
  std::vector<std::string> removed;  // paths relative to the report
  std::vector<fs::path> files, flash;
  for (fs::recursive_directory_iterator it(tmp, ec), end; !ec && it != end; it.increment(ec)) {
    const auto type = it->symlink_status(ec).type();
    if (type == fs::file_type::regular) files.push_back(it->path());
    if (type == fs::file_type::directory && it->path().filename() == "dut-state") {
      flash.push_back(it->path());
    }
  }
  for (const auto& path : files) {
    const fs::path rel = fs::relative(path, tmp);
    std::string bytes = slurp(path);
    std::string why;
    if (secretFile(rel, bytes, why)) {
      fs::remove(path, ec);
      removed.push_back(rel.generic_string());
      notes.push_back("left out " + rel.generic_string() + ": " + why);
      continue;
    }
    std::string ext = rel.extension().string();
    std::transform(ext.begin(), ext.end(), ext.begin(), lower);
    size_t masked = 0;
    if (ext == ".pcap") {
      if (!maskPcap(bytes, masked, why)) {
        fs::remove(path, ec);
        removed.push_back(rel.generic_string());
        notes.push_back("left out " + rel.generic_string() + ": " + why);
        continue;
      }
    } else if (ext == ".pcapng") {
      fs::remove(path, ec);
      removed.push_back(rel.generic_string());
      notes.push_back("left out " + rel.generic_string() + ": pcapng is not masked");
      continue;
    } else if (ext != ".wav" && ext != ".png" && ext != ".pdf") {
      masked = maskCredentials(bytes);
    }
    if (masked > 0) {
      writeFileAtomic(path.string(), bytes, 0600);
      notes.push_back("masked " + std::to_string(masked) + " credential(s) in " +
                      rel.generic_string());
    }
  }
  for (const auto& d : flash) fs::remove_all(d, ec);  // its files were left out above
  // The pages again, from the masked results, without links to what was left out.
  r = readJson(tmp + "/results.json");
  for (auto& s : r.scenarios) {
    for (const auto& rel : removed) {
      for (auto it = s.evidence.begin(); it != s.evidence.end();) {
        it = it->second == rel ? s.evidence.erase(it) : std::next(it);
      }
    }
  }
  writeAll(r, tmp);
  fs::remove(tmp + "/report.pdf", ec);  // printed from the unmasked page
  if (fs::exists(fs::symlink_status(out_dir, ec))) fs::remove(out_dir, ec);  // empty
  fs::rename(tmp, out_dir, ec);
  if (ec) throw Error("cannot move the shareable copy to " + out_dir + ": " + ec.message());
}

}  // namespace phonelab::reports
