// `phonelab report DIR --share OUT`: the copy holds no password, digest response, private key or
// TLS session key (no key log, no pcapng with a decryption secrets block), and its capture is
// still a valid pcap with correct TCP/UDP checksums.

#include <gtest/gtest.h>
#include <pcap/pcap.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "base/core/result.h"
#include "reports/json_report.h"
#include "reports/report_folder.h"
#include "reports/share.h"

namespace phonelab::reports {
namespace {

namespace fs = std::filesystem;

const std::string kAdminPassword = "hunter2-admin";
const std::string kBasic = "YWRtaW46aHVudGVyMi1hZG1pbg==";  // admin:hunter2-admin
const std::string kSipPassword = "s3cret-sip";
const std::string kDigestResponse = "6629fae49393a05397450978507c4ef1";
const std::string kSessionKey =
    "CLIENT_RANDOM 5ca1ab1e5ca1ab1e5ca1ab1e5ca1ab1e5ca1ab1e5ca1ab1e5ca1ab1e5ca1ab1e "
    "0ddba11c0ffee0ddba11c0ffee0ddba11c0ffee0ddba11c0ffee0ddba11c0ffee0ddba11c0ffee0ddba11c0ffee";

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

void spit(const fs::path& p, const std::string& text) {
  fs::create_directories(p.parent_path());
  std::ofstream(p, std::ios::binary) << text;
}

uint32_t sum(const std::string& b, size_t from, size_t len, uint32_t acc = 0) {
  for (size_t i = 0; i + 1 < len; i += 2)
    acc += (static_cast<uint8_t>(b[from + i]) << 8) | static_cast<uint8_t>(b[from + i + 1]);
  if (len % 2) acc += static_cast<uint8_t>(b[from + len - 1]) << 8;
  return acc;
}

uint16_t fold(uint32_t acc) {
  while (acc >> 16) acc = (acc & 0xffff) + (acc >> 16);
  return static_cast<uint16_t>(~acc);
}

void put16(std::string& b, size_t at, uint16_t v) {
  b[at] = static_cast<char>(v >> 8);
  b[at + 1] = static_cast<char>(v);
}

// An Ethernet/IPv4 frame carrying payload over TCP (proto 6) or UDP (17), checksums right.
std::string frame(uint8_t proto, const std::string& payload) {
  std::string f(14, '\0');
  f[12] = 0x08;
  const size_t l4 = proto == 6 ? 20 : 8;
  std::string ip(20, '\0');
  ip[0] = 0x45;
  put16(ip, 2, static_cast<uint16_t>(20 + l4 + payload.size()));
  ip[8] = 64;
  ip[9] = static_cast<char>(proto);
  ip.replace(12, 8, std::string("\xc6\x12\x00\x01\xc6\x12\x00\x0a", 8));
  put16(ip, 10, fold(sum(ip, 0, 20)));
  std::string seg(l4, '\0');
  put16(seg, 0, 5060);
  put16(seg, 2, 80);
  if (proto == 6) {
    seg[12] = 0x50;
    seg[13] = 0x18;
  } else {
    put16(seg, 4, static_cast<uint16_t>(8 + payload.size()));
  }
  seg += payload;
  uint32_t pseudo = sum(ip, 12, 8) + proto + static_cast<uint32_t>(seg.size());
  put16(seg, proto == 6 ? 16 : 6, fold(sum(seg, 0, seg.size(), pseudo)));
  return f + ip + seg;
}

// True when every TCP/UDP checksum of the Ethernet/IPv4 frames in the pcap is right.
bool checksumsRight(const std::string& path, int& packets) {
  char err[PCAP_ERRBUF_SIZE];
  pcap_t* p = pcap_open_offline(path.c_str(), err);
  if (!p) return false;
  packets = 0;
  bool ok = true;
  pcap_pkthdr* h = nullptr;
  const u_char* data = nullptr;
  while (pcap_next_ex(p, &h, &data) == 1) {
    ++packets;
    std::string b(reinterpret_cast<const char*>(data), h->caplen);
    const uint8_t proto = static_cast<uint8_t>(b[14 + 9]);
    const size_t len = b.size() - 34;
    uint32_t pseudo = sum(b, 26, 8) + proto + static_cast<uint32_t>(len);
    ok = ok && fold(sum(b, 34, len, pseudo)) == 0;
  }
  pcap_close(p);
  return ok;
}

std::string pcapFile(const std::vector<std::string>& frames) {
  std::string out;
  auto le32 = [&out](uint32_t v) {
    for (int k = 0; k < 4; ++k) out += static_cast<char>(v >> (8 * k));
  };
  le32(0xa1b2c3d4);
  out += std::string("\x02\x00\x04\x00", 4);
  le32(0);
  le32(0);
  le32(65535);
  le32(1);
  for (const auto& f : frames) {
    le32(1);
    le32(0);
    le32(static_cast<uint32_t>(f.size()));
    le32(static_cast<uint32_t>(f.size()));
    out += f;
  }
  return out;
}

/// A pcapng file (draft-ietf-opsawg-pcapng) as editcap --inject-secrets writes one: a Section
/// Header Block, then (with `secrets`) a TLS key log Decryption Secrets Block, then an Interface
/// Description Block and one Enhanced Packet Block; `dsb_after_idb` puts the secrets later.
std::string pcapngFile(const std::string& secrets, bool big_endian = false,
                       bool dsb_after_idb = false) {
  auto u32 = [big_endian](uint32_t v) {
    std::string b(4, '\0');
    for (int k = 0; k < 4; ++k) b[big_endian ? 3 - k : k] = static_cast<char>(v >> (8 * k));
    return b;
  };
  auto u16 = [big_endian](uint16_t v) {
    std::string b(2, '\0');
    b[big_endian ? 1 : 0] = static_cast<char>(v & 0xff);
    b[big_endian ? 0 : 1] = static_cast<char>(v >> 8);
    return b;
  };
  auto block = [&u32](uint32_t type, std::string body) {
    while (body.size() % 4) body += '\0';
    const auto len = static_cast<uint32_t>(body.size() + 12);
    return u32(type) + u32(len) + body + u32(len);
  };
  std::string shb = block(0x0A0D0D0A, u32(0x1A2B3C4D) + u16(1) + u16(0) + std::string(8, '\xff'));
  std::string dsb =
      secrets.empty()
          ? ""
          : block(0x0A, u32(0x544c534b) + u32(static_cast<uint32_t>(secrets.size())) + secrets);
  std::string idb = block(1, u16(1) + u16(0) + u32(65535));
  std::string epb = block(6, u32(0) + u32(0) + u32(0) + u32(4) + u32(4) + "abcd");
  return dsb_after_idb ? shb + idb + dsb + epb : shb + dsb + idb + epb;
}

TEST(ReportShare, APcapngWithDecryptionSecretsIsRecognised) {
  for (bool big : {false, true}) {
    for (bool late : {false, true}) {
      std::istringstream with(pcapngFile(kSessionKey, big, late));
      EXPECT_TRUE(pcapngHasDecryptionSecrets(with)) << big << late;
      std::istringstream without(pcapngFile("", big, late));
      EXPECT_FALSE(pcapngHasDecryptionSecrets(without)) << big << late;
    }
  }
  // Truncated, a block length of 0 or a classic pcap: no secrets read, no loop.
  std::string cut = pcapngFile(kSessionKey).substr(0, 30);
  std::istringstream truncated(cut);
  EXPECT_FALSE(pcapngHasDecryptionSecrets(truncated));
  std::string zero = pcapngFile(kSessionKey);
  zero.replace(28 + 4, 4, std::string(4, '\0'));  // the DSB's total length
  zero[28] = 0x0B;                                // and not a DSB
  std::istringstream zero_len(zero);
  EXPECT_FALSE(pcapngHasDecryptionSecrets(zero_len));
  std::istringstream pcap(pcapFile({}));
  EXPECT_FALSE(pcapngHasDecryptionSecrets(pcap));
  EXPECT_EQ(evidenceKind("sip-x/capture-decrypted.pcapng"), kDecryptedCaptureKind);
  EXPECT_EQ(evidenceKind("sip-x/other.pcapng"), "capture (pcap)");
}

TEST(ReportShare, TheCopyHoldsNoPasswordDigestResponseOrPrivateKey) {
  const fs::path base =
      fs::temp_directory_path() / ("phonelab-share-test-" + std::to_string(::getpid()));
  fs::remove_all(base);
  const fs::path dir = base / "report";
  RunResults r;
  r.run.started_at = r.run.finished_at = "2026-12-01T00:00:00Z";
  ScenarioResult s;
  s.id = "sip-x";
  s.title = "t";
  s.verdict = Verdict::Pass;
  s.evidence = {{"capture", "sip-x/capture.pcap"},
                {"events", "sip-x/events.jsonl"},
                {"config:kamailio", "sip-x/kamailio/kamailio.cfg"},
                {"keylog", "sip-x/tls-keys.log"},
                {"capture-decrypted", "sip-x/capture-decrypted.pcapng"},
                {"dut-config", "sip-x/dut-state/config.xml"},
                {"profile:a", "sip-x/profile-a.xml"}};
  s.checks = {{"c", Verdict::Pass, "submitted Admin_Passwd=" + kAdminPassword, 0, "a", {}}};
  r.scenarios.push_back(s);
  spit(dir / "results.json", toJsonText(r));
  spit(dir / "sip-x" / "capture.pcap",
       pcapFile({frame(6, "GET /admin/ HTTP/1.1\r\nHost: x\r\nAuthorization: Basic " + kBasic +
                              "\r\n\r\n"),
                 frame(6, "Admin_Passwd=" + kAdminPassword + "&Station_Name=lab"),
                 frame(6, "HTTP/1.1 200 OK\r\n\r\n<flat-profile><Password_1_ ua=\"na\">" +
                              kSipPassword + "</Password_1_></flat-profile>"),
                 frame(17,
                       "INVITE sip:100@x SIP/2.0\r\nProxy-Authorization: Digest "
                       "username=\"200\", realm=\"x\", response=\"" +
                           kDigestResponse + "\"\r\n\r\n")}));
  spit(dir / "sip-x" / "events.jsonl", "{\"kind\":\"dut.config\",\"fields\":{\"Admin_Passwd\":\"" +
                                           kAdminPassword + "\",\"Password_1_\":\"" + kSipPassword +
                                           "\"},\"summary\":\"x\"}\n");
  spit(dir / "sip-x" / "kamailio" / "kamailio.cfg", "modparam(\"auth\", \"" + kSipPassword + "\")");
  spit(dir / "sip-x" / "tls-keys.log", kSessionKey + "\n");
  spit(dir / "sip-x" / "capture-decrypted.pcapng", pcapngFile(kSessionKey + "\n"));
  // Under another name, the secrets block alone makes it secret.
  spit(dir / "sip-x" / "wireshark-export.pcapng", pcapngFile(kSessionKey + "\n", true, true));
  spit(dir / "sip-x" / "dut-state" / "config.xml", "<Admin_Passwd>" + kAdminPassword + "<");
  spit(dir / "sip-x" / "profile-a.xml",
       "<flat-profile><Password_1_ ua=\"na\">" + kSipPassword + "</Password_1_></flat-profile>");
  spit(dir / "sip-x" / "pki" / "trusted-ca.key", "-----BEGIN PRIVATE KEY-----\nabc\n");
  spit(dir / "sip-x" / "phone-emulator.log",
       "web: submitted, changed: User_ID_1_=\"100\" Password_1_=\"" + kSipPassword + "\"\n");
  spit(dir / "sip-x" / "kamailio" / "kamailio.log",
       "auth: Authorization: Digest response=\"" + kDigestResponse + "\"\n");

  const std::string cmd = std::string(PHONELAB_BIN_DIR) + "/phonelab report " + dir.string() +
                          " --share " + (base / "share").string() + " >/dev/null 2>&1";
  int rc = std::system(cmd.c_str());
  ASSERT_TRUE(WIFEXITED(rc) && WEXITSTATUS(rc) == 0) << cmd;

  size_t files = 0;
  for (const auto& e : fs::recursive_directory_iterator(base / "share")) {
    if (!e.is_regular_file()) continue;
    ++files;
    const std::string text = slurp(e.path());
    for (const std::string& secret : {kAdminPassword, kBasic, kSipPassword, kDigestResponse,
                                      std::string("PRIVATE KEY"), kSessionKey.substr(14, 64)}) {
      EXPECT_EQ(text.find(secret), std::string::npos) << e.path() << " holds " << secret;
    }
  }
  EXPECT_GE(files, 5u);  // results.json, index.html, junit.xml, capture, events, log...
  EXPECT_FALSE(fs::exists(base / "share" / "sip-x" / "kamailio" / "kamailio.cfg"));
  EXPECT_FALSE(fs::exists(base / "share" / "sip-x" / "tls-keys.log"));
  EXPECT_FALSE(fs::exists(base / "share" / "sip-x" / "capture-decrypted.pcapng"));
  EXPECT_FALSE(fs::exists(base / "share" / "sip-x" / "wireshark-export.pcapng"));
  // Nor is it linked from the pages rendered again.
  EXPECT_EQ(slurp(base / "share" / "results.json").find("capture-decrypted"), std::string::npos);
  EXPECT_EQ(slurp(base / "share" / "index.html").find(".pcapng"), std::string::npos);
  EXPECT_FALSE(fs::exists(base / "share" / "sip-x" / "dut-state"));
  // Still a valid capture, same packets, same lengths, checksums recomputed.
  int packets = 0;
  EXPECT_TRUE(checksumsRight((base / "share" / "sip-x" / "capture.pcap").string(), packets));
  EXPECT_EQ(packets, 4);
  EXPECT_EQ(fs::file_size(base / "share" / "sip-x" / "capture.pcap"),
            fs::file_size(dir / "sip-x" / "capture.pcap"));
  // The original report is untouched.
  EXPECT_NE(slurp(dir / "sip-x" / "capture.pcap").find(kBasic), std::string::npos);
  fs::remove_all(base);
}

TEST(ReportShare, MaskingKeepsTheLengthAndTheNamesVisible) {
  std::string s = "Authorization: Basic " + kBasic + "\r\nX: y\r\n";
  const size_t n = s.size();
  EXPECT_EQ(maskCredentials(s), 1u);
  EXPECT_EQ(s.size(), n);
  EXPECT_EQ(s.find(kBasic), std::string::npos);
  EXPECT_NE(s.find("Authorization: Basic ***"), std::string::npos);
  EXPECT_NE(s.find("\r\nX: y\r\n"), std::string::npos);
  std::string digest =
      "Authorization: Digest username=\"100\", response=\"" + kDigestResponse + "\"\r\n";
  maskCredentials(digest);
  EXPECT_NE(digest.find("username=\"100\", response=\"***"), std::string::npos) << digest;
  std::string page = "<input type=\"password\" name=\"Admin_Passwd\" value=\"" + kAdminPassword +
                     "\"><input name=\"Station_Name\" value=\"lab\">";
  maskCredentials(page);
  EXPECT_EQ(page.find(kAdminPassword), std::string::npos) << page;
  EXPECT_NE(page.find("value=\"lab\""), std::string::npos) << page;
  std::string form = "Station_Name=lab&Admin_Passwd=" + kAdminPassword + "&User_ID_1_=100";
  maskCredentials(form);
  EXPECT_EQ(form, "Station_Name=lab&Admin_Passwd=" + std::string(kAdminPassword.size(), '*') +
                      "&User_ID_1_=100");
}

}  // namespace
}  // namespace phonelab::reports
