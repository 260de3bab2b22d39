#include "reports/report_folder.h"

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>

#include "base/core/safe_fs.h"

namespace phonelab::reports {
namespace fs = std::filesystem;

std::string WireEvent::field(const std::string& k) const {
  auto it = fields.find(k);
  return it == fields.end() ? std::string() : it->second;
}

std::vector<WireEvent> readWireEvents(const ScenarioResult& s, const std::string& report_dir,
                                      int& skipped) {
  std::vector<WireEvent> out;
  skipped = 0;
  auto ev = s.evidence.find("events");
  if (report_dir.empty() || ev == s.evidence.end() || !isSafeRelativePath(ev->second)) return out;
  std::ifstream in(fs::path(report_dir) / ev->second);
  for (std::string line; std::getline(in, line);) {
    if (line.empty()) continue;
    auto j = nlohmann::json::parse(line, nullptr, false);
    if (!j.is_object() || !j.contains("kind") || !j["kind"].is_string()) {
      ++skipped;
      continue;
    }
    const std::string kind = j["kind"].get<std::string>();
    if (kind.rfind("sip.", 0) != 0 && kind.rfind("dhcp.", 0) != 0 && kind.rfind("bootp.", 0) != 0) {
      continue;
    }
    if (j.value("source", std::string()) != "capture") continue;
    WireEvent w;
    w.kind = kind;
    if (auto t = j.find("t"); t != j.end() && t->is_number()) w.t = t->get<double>();
    if (auto sm = j.find("summary"); sm != j.end() && sm->is_string()) w.summary = *sm;
    if (auto f = j.find("fields"); f != j.end() && f->is_object()) {
      for (const auto& [k, v] : f->items()) {
        if (v.is_string()) w.fields[k] = v.get<std::string>();
      }
    }
    out.push_back(std::move(w));
  }
  return out;
}

bool pcapngHasDecryptionSecrets(std::istream& in) {
  // pcapng (draft-ietf-opsawg-pcapng): blocks of {type, total length, body, total length}; the
  // Section Header Block's byte-order magic says how to read the numbers.
  constexpr uint32_t kShb = 0x0A0D0D0A, kDsb = 0x0000000A, kMagic = 0x1A2B3C4D;
  constexpr uint32_t kEpb = 6, kSpb = 3, kObsoletePacket = 2;
  unsigned char h[12];
  if (!in.read(reinterpret_cast<char*>(h), sizeof h)) return false;
  auto le = [](const unsigned char* b) {
    return static_cast<uint32_t>(b[0]) | static_cast<uint32_t>(b[1]) << 8 |
           static_cast<uint32_t>(b[2]) << 16 | static_cast<uint32_t>(b[3]) << 24;
  };
  auto be = [](const unsigned char* b) {
    return static_cast<uint32_t>(b[3]) | static_cast<uint32_t>(b[2]) << 8 |
           static_cast<uint32_t>(b[1]) << 16 | static_cast<uint32_t>(b[0]) << 24;
  };
  if (le(h) != kShb) return false;
  bool big = false;
  if (le(h + 8) == kMagic) {
    big = false;
  } else if (be(h + 8) == kMagic) {
    big = true;
  } else {
    return false;
  }
  auto rd = [&](const unsigned char* b) { return big ? be(b) : le(b); };
  uint32_t type = kShb, len = rd(h + 4);
  std::streamoff at = 0;
  for (int blocks = 0; blocks < 100000; ++blocks) {
    if (type == kDsb) return true;
    if (type == kEpb || type == kSpb || type == kObsoletePacket) return false;
    if (len < 12 || len % 4 != 0) return false;
    at += len;
    in.clear();
    if (!in.seekg(at) || !in.read(reinterpret_cast<char*>(h), 8)) return false;
    type = rd(h);
    len = rd(h + 4);
    if (type == kShb) return false;  // a second section: only the first one is read
  }
  return false;
}

std::string evidenceKind(const std::string& filename) {
  std::string name = fs::path(filename).filename().string();
  std::string ext = fs::path(filename).extension().string();
  std::transform(name.begin(), name.end(), name.begin(), ::tolower);
  std::transform(ext.begin(), ext.end(), ext.begin(), ::tolower);
  // Key logs first: "sslkeylog.log" and "tls-keys.txt" are key logs, not logs or text.
  if (name.find("keylog") != std::string::npos || ext == ".keys" ||
      name.find("tls-keys") != std::string::npos) {
    return "TLS key log";
  }
  if (ext == ".pcapng" && name.find("decrypted") != std::string::npos) {
    return kDecryptedCaptureKind;
  }
  if (ext == ".pcap" || ext == ".pcapng") return "capture (pcap)";
  if (ext == ".jsonl") return "events (JSON lines)";
  if (ext == ".wav") return "audio (WAV)";
  if (ext == ".png" || ext == ".svg") return "image / spectrogram";
  if (ext == ".log") return "log";
  if (ext == ".cfg" || ext == ".conf") return "configuration";
  if (ext == ".json") return "data (JSON)";
  if (ext == ".xml") return "phone state (XML)";
  if (ext == ".csv") return "table (CSV)";
  if (ext == ".pem" || ext == ".crt" || ext == ".der") return "certificate";
  if (ext == ".txt") return "text";
  return "";
}

std::vector<EvidenceFile> listEvidence(const ScenarioResult& s, const std::string& report_dir) {
  std::map<std::string, EvidenceFile> by_path;
  for (const auto& [key, path] : s.evidence) {
    if (!isSafeRelativePath(path)) continue;  // never a link out of the report folder
    std::string kind = evidenceKind(path);
    by_path[path] = EvidenceFile{path, kind.empty() ? key : kind, key};
  }
  if (!report_dir.empty() && isScenarioId(s.id)) {
    std::error_code ec;
    const fs::path root(report_dir);
    for (fs::recursive_directory_iterator it(root / s.id, ec), end; !ec && it != end;
         it.increment(ec)) {
      if (it->symlink_status(ec).type() != fs::file_type::regular) continue;  // no links
      std::string rel = fs::relative(it->path(), root, ec).generic_string();
      if (ec || by_path.count(rel)) continue;
      std::string kind = evidenceKind(rel);
      if (kind.empty()) continue;
      by_path[rel] = EvidenceFile{rel, kind, ""};
    }
  }
  std::vector<EvidenceFile> out;
  for (auto& [p, f] : by_path) out.push_back(std::move(f));
  return out;
}

}  // namespace phonelab::reports
