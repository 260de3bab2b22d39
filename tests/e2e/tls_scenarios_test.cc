// The SIP-over-TLS scenarios (phonelab's TLS proxy in front of a real Kamailio, its MITM variants)
// against the conformant emulator (all pass; the capture decrypts with the proxy's key log, and
// capture-decrypted.pcapng with no key log option; a shared copy holds neither) and
// against each TLS fault of the emulator (the scenario that targets it fails, and the failing
// check names what was wrong).

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <sstream>

#include "base/lab/process.h"
#include "tests/e2e/e2e_util.h"

namespace phonelab::e2e {
namespace {

/// tshark's one-line summary of every SIP packet it finds in `pcap`, with the key log or without.
std::string tsharkSip(const std::string& pcap, const std::string& keylog) {
  lab::ProcessSpec spec;
  spec.name = "tshark";
  spec.argv = {"tshark", "-n",     "-r", pcap,         "-Y", "sip",
               "-T",     "fields", "-e", "sip.Method", "-e", "sip.Status-Code"};
  if (!keylog.empty()) {
    spec.argv.push_back("-o");
    spec.argv.push_back("tls.keylog_file:" + keylog);
  }
  auto r = lab::runToCompletion(spec, Deadline::in(Seconds(60)));
  return r.output;
}

/// tshark's reading of every cleartext SIP message in `pcap` (no key log: what anyone on the
/// wire reads), as "src -> dst method/status" lines. SIP on 5060 and the test UA's 5062 by port,
/// anywhere else by tshark's SIP heuristics (on by default for UDP and TCP).
std::string cleartextSip(const std::string& pcap) {
  lab::ProcessSpec spec;
  spec.name = "tshark";
  spec.argv = {"tshark", "-n",     "-r", pcap,         "-d", "udp.port==5062,sip",
               "-Y",     "sip",    "-T", "fields",     "-e", "ip.src",
               "-e",     "ip.dst", "-e", "sip.Method", "-e", "sip.Status-Code"};
  auto r = lab::runToCompletion(spec, Deadline::in(Seconds(60)));
  EXPECT_TRUE(WIFEXITED(r.status) && WEXITSTATUS(r.status) == 0) << r.output;
  std::string out;
  std::istringstream in(r.output);
  for (std::string line; std::getline(in, line);) {
    // tshark's stderr (the "running as root" warning) is in the same stream: keep packet lines.
    if (!line.empty() && line[0] >= '0' && line[0] <= '9') out += line + "\n";
  }
  return out;
}

unsigned mode(const std::string& path) {
  struct stat st {};
  if (::lstat(path.c_str(), &st) != 0) return 0;
  return st.st_mode & 07777;
}

/// The tls.handshake events of a scenario's events.jsonl.
std::vector<nlohmann::json> handshakes(const std::string& dir) {
  std::vector<nlohmann::json> out;
  std::istringstream in(readFile(dir + "/events.jsonl"));
  for (std::string line; std::getline(in, line);) {
    auto e = nlohmann::json::parse(line, nullptr, false);
    if (e.is_object() && e["kind"] == "tls.handshake") out.push_back(e);
  }
  return out;
}

/// lab/emulated.yaml with the emulator section's extra keys, written under the test's folder.
std::string emulatedLab(const std::string& name, const std::string& extra) {
  std::string lab = readFile(kSrc + "/lab/emulated.yaml");
  auto swap = [&](const std::string& from, const std::string& to) {
    size_t at = lab.find(from);
    EXPECT_NE(at, std::string::npos) << from;
    if (at != std::string::npos) lab.replace(at, from.size(), to);
  };
  swap("profile: devices/", "profile: " + kSrc + "/lab/devices/");
  swap("    tls_refusal: alert\n", "");
  swap("    clock_offset: 0s\n", "");
  swap("    faults: []\n", "    faults: []\n" + extra);
  const std::string path = freshDir(name + "-lab") + "/lab.yaml";
  writeFile(path, lab);
  return path;
}

TEST(TlsScenarios, PassAgainstTheConformantEmulatorAndTheCaptureDecrypts) {
  PHONELAB_REQUIRE_ROOT();
  auto r = runSuite("tls-conformant", {}, {"scenarios/tls"});
  EXPECT_EQ(r.exit_code, 0) << r.output;
  ASSERT_TRUE(r.results.is_object()) << r.output;
  EXPECT_GE(r.results["scenarios"].size(), 12u);
  for (const auto& s : r.results["scenarios"]) EXPECT_EQ(s["verdict"], "pass") << s.dump(2);

  // Wireshark reads the proxy's NSS key log: the REGISTER is in the capture, encrypted.
  const auto* s = scenario(r, "sip-tls-signalling");
  ASSERT_NE(s, nullptr);
  const std::string dir = r.report_dir + "/sip-tls-signalling";
  EXPECT_EQ((*s)["evidence"]["keylog"], "sip-tls-signalling/tls-keys.log") << s->dump(2);
  const std::string clear = tsharkSip(dir + "/capture.pcap", dir + "/tls-keys.log");
  EXPECT_NE(clear.find("REGISTER"), std::string::npos) << clear;
  EXPECT_NE(clear.find("INVITE"), std::string::npos) << clear;
  const std::string hidden = tsharkSip(dir + "/capture.pcap", "");
  EXPECT_EQ(hidden.find("REGISTER"), std::string::npos) << hidden;
  EXPECT_EQ(hidden.find("INVITE"), std::string::npos) << hidden;

  // Beside it, the pcapng with the keys embedded (a decryption secrets block): tshark given only
  // that file, no key log option, reads the SIP inside TLS. A secret file, linked by the report.
  EXPECT_EQ((*s)["evidence"]["capture-decrypted"], "sip-tls-signalling/capture-decrypted.pcapng")
      << s->dump(2);
  const std::string embedded = tsharkSip(dir + "/capture-decrypted.pcapng", "");
  EXPECT_NE(embedded.find("REGISTER"), std::string::npos) << embedded;
  EXPECT_NE(embedded.find("INVITE"), std::string::npos) << embedded;
  EXPECT_EQ(mode(dir + "/capture-decrypted.pcapng"), 0600u);
  EXPECT_NE(readFile(r.report_dir + "/index.html")
                .find("<a href=\"sip-tls-signalling/capture-decrypted.pcapng\">"),
            std::string::npos);
  EXPECT_NE(readFile(r.report_dir + "/index.html").find("opens decrypted in Wireshark"),
            std::string::npos);
  // Kamailio's own TLS listener logs no keys (see docs/architecture.md): no such file there.
  const auto* k = scenario(r, "sip-tls-kamailio");
  ASSERT_NE(k, nullptr);
  EXPECT_FALSE((*k)["evidence"].contains("capture-decrypted")) << k->dump(2);

  // The shared copy holds neither the pcapng nor the key log, nor any of the session keys.
  // A secret of the key log (a line's third field; its second, the client random, is on the wire).
  std::string label, random, key;
  std::istringstream(readFile(dir + "/tls-keys.log")) >> label >> random >> key;
  ASSERT_GE(key.size(), 64u);
  const std::string share = freshDir("tls-share");
  std::filesystem::remove_all(share);
  auto shared = phonelab({"report", r.report_dir, "--share", share});
  ASSERT_EQ(shared.exit_code, 0) << shared.output;
  for (const auto& f : std::filesystem::recursive_directory_iterator(share)) {
    if (!f.is_regular_file()) continue;
    EXPECT_NE(f.path().extension(), ".pcapng") << f.path();
    EXPECT_EQ(f.path().filename().string().find("tls-keys"), std::string::npos) << f.path();
    EXPECT_EQ(readFile(f.path().string()).find(key), std::string::npos) << f.path();
  }
  EXPECT_TRUE(std::filesystem::exists(share + "/sip-tls-signalling/capture.pcap"));

  // With SIP over TLS nothing on the wire reads as SIP, from any host: not the phone, not
  // Kamailio, not the test UA (the call's ACK and BYE go down the phone's TLS connection).
  for (const char* id : {"sip-tls-signalling", "sip-tls-kamailio", "sip-tls-media-clear"}) {
    const std::string pcap = r.report_dir + "/" + id + "/capture.pcap";
    ASSERT_TRUE(std::filesystem::exists(pcap)) << pcap;
    EXPECT_EQ(cleartextSip(pcap), "") << id;
    const auto* sc = scenario(r, id);
    ASSERT_NE(sc, nullptr) << id;
    EXPECT_TRUE(
        hasCheck(*sc, "SIP over TLS: no cleartext SIP on the segment from any host", "pass", ""))
        << sc->dump(2);
  }
  // The conformant emulator refuses a bad certificate with an alert, and the proxy says so.
  for (const auto& e : handshakes(r.report_dir + "/sec-tls-cert-untrusted-ca")) {
    if (e["fields"]["result"] == "failed") {
      EXPECT_EQ(e["fields"]["ended_by"], "phone-alert") << e;
    }
  }
  EXPECT_EQ(leftoverNamespaces(), std::vector<std::string>{});
}

// A phone that refuses a bad certificate by closing the connection without an alert (legal, and
// common in embedded TLS stacks) passes SEC-TLS-CERT: the proxy records phone-close and the
// capture holds no alert from the phone.
TEST(TlsScenarios, ARefusalByClosingPassesSecTlsCert) {
  PHONELAB_REQUIRE_ROOT();
  const std::string lab = emulatedLab("tls-close", "    tls_refusal: close\n");
  const std::string dir = freshDir("tls-close");
  auto r = phonelab({"run", "--lab", lab, "--report", dir, "scenarios/tls/sec-tls-cert.yaml",
                     "scenarios/tls/sec-tls-cert-untrusted-ca.yaml",
                     "scenarios/tls/sec-tls-cert-name-mismatch.yaml"},
                    dir);
  EXPECT_EQ(r.exit_code, 0) << r.output;
  ASSERT_TRUE(r.results.is_object()) << r.output;
  ASSERT_EQ(r.results["scenarios"].size(), 14u);
  for (const auto& s : r.results["scenarios"]) {
    EXPECT_EQ(s["verdict"], "pass") << s.dump(2);
    const std::string sdir = dir + "/" + s["id"].get<std::string>();
    auto hs = handshakes(sdir);
    ASSERT_FALSE(hs.empty()) << s["id"];
    for (const auto& e : hs) {
      EXPECT_EQ(e["fields"]["result"], "failed") << e;
      EXPECT_EQ(e["fields"]["ended_by"], "phone-close") << e;
      EXPECT_EQ(e["fields"]["alert"], "") << e;
    }
    // On the wire: no TLS alert at all (the phone sent none; the proxy had nothing to answer).
    lab::ProcessSpec spec;
    spec.name = "tshark";
    spec.argv = {"tshark", "-n",     "-r", sdir + "/capture.pcap", "-Y", "tls.alert_message",
                 "-T",     "fields", "-e", "frame.number"};
    auto t = lab::runToCompletion(spec, Deadline::in(Seconds(60)));
    std::string frames;
    std::istringstream in(t.output);
    for (std::string line; std::getline(in, line);) {
      if (!line.empty() && line[0] >= '0' && line[0] <= '9') frames += line + " ";
    }
    EXPECT_EQ(frames, "") << s["id"] << ": TLS alerts in frames " << frames;
  }
  EXPECT_EQ(leftoverNamespaces(), std::vector<std::string>{});
}

// The same phone with a broken verifier is still caught: completing the handshake is no refusal.
TEST(TlsScenarios, ARefusalByClosingDoesNotHideAFault) {
  PHONELAB_REQUIRE_ROOT();
  const std::string lab = emulatedLab("tls-close-faults", "    tls_refusal: close\n");
  for (const auto& [fault, file] : std::vector<std::pair<std::string, std::string>>{
           {"tls-accept-any-cert", "sec-tls-cert-untrusted-ca"},
           {"tls-no-name-check", "sec-tls-cert-name-mismatch"}}) {
    const std::string dir = freshDir("tls-close-" + fault);
    auto r = phonelab({"run", "--lab", lab, "--report", dir, "--emulator-fault", fault,
                       "scenarios/tls/" + file + ".yaml"},
                      dir);
    EXPECT_EQ(r.exit_code, 1) << r.output;
    ASSERT_TRUE(r.results.is_object()) << r.output;
    const auto& s = r.results["scenarios"][0];
    EXPECT_EQ(s["verdict"], "fail") << s.dump(2);
    EXPECT_TRUE(hasCheck(s, "handshake-aborted", "fail", "")) << fault << s.dump(2);
  }
  EXPECT_EQ(leftoverNamespaces(), std::vector<std::string>{});
}

// Certificate dates are judged by the phone's clock. A phone whose own clock is ten days behind
// takes the expired certificate (valid until yesterday) for valid; with NTP it rejects it.
TEST(TlsScenarios, CertificateDatesAreJudgedByTheNtpClock) {
  PHONELAB_REQUIRE_ROOT();
  const std::string lab = emulatedLab("tls-clock", "    clock_offset: -240h\n");
  {
    // The scenario as it stands in sec-tls-cert.yaml (NTP offered, synchronisation awaited).
    const std::string all = readFile(kSrc + "/scenarios/tls/sec-tls-cert.yaml");
    const size_t id = all.find("id: sec-tls-cert-expired\n");
    ASSERT_NE(id, std::string::npos);
    const size_t begin = all.rfind("---\n", id) + 4;
    const size_t end = all.find("\n---\n", id);
    const std::string dir = freshDir("tls-clock-ntp");
    writeFile(dir + "/expired.yaml", all.substr(begin, end - begin + 1));
    auto r = phonelab({"run", "--lab", lab, "--report", dir + "/report", dir + "/expired.yaml"},
                      dir + "/report");
    EXPECT_EQ(r.exit_code, 0) << r.output;
    ASSERT_TRUE(r.results.is_object()) << r.output;
    ASSERT_EQ(r.results["scenarios"].size(), 1u) << r.output;
    const auto& s = r.results["scenarios"][0];
    EXPECT_EQ(s["verdict"], "pass") << s.dump(2);
    EXPECT_TRUE(hasCheck(s, "handshake-aborted", "pass", "")) << s.dump(2);
    EXPECT_NE(readFile(dir + "/report/sec-tls-cert-expired/phone-emulator.log").find("(NTP)"),
              std::string::npos);
  }
  {
    // The same MITM without NTP for the phone: its own clock says the certificate is valid.
    const std::string dir = freshDir("tls-clock-no-ntp");
    const std::string file = dir + "/expired-no-ntp.yaml";
    writeFile(file, R"(id: sec-tls-cert-expired-no-ntp
title: "Over TLS - an expired certificate, the phone without NTP"
requirements: [SEC-TLS-CERT]
timeout: 40s
fakes:
  dhcp:
    options:
      - {option: domain-name-servers, value: "${svc.dns}"}
  dns:
    records: {sip.lab.example: "${svc.sip}"}
  http:
    files: {ca.pem: {content: "${pki.trusted_ca}"}}
  sip: {users: {"100": secret}}
  tls_proxy: {name: sip.lab.example, flaw: expired}
dut:
  needs: [sip_tls]
  settings:
    line1.proxy: sip.lab.example
    line1.user_id: "100"
    line1.password: secret
    line1.sip_transport: tls
    ca_rule: "http://${svc.http}/ca.pem"
steps:
  - name: phone-connects
    wait: {event: tls.connect, since: scenario, within: 15s}
  - name: handshake-aborted
    expect: {event: tls.handshake, where: {result: failed, ended_by: {regex: "^phone-(alert|close)$"}}, since: scenario, within: 2s}
)");
    auto r = phonelab({"run", "--lab", lab, "--report", dir + "/report", file}, dir + "/report");
    EXPECT_EQ(r.exit_code, 1) << r.output;
    ASSERT_TRUE(r.results.is_object()) << r.output;
    const auto& s = r.results["scenarios"][0];
    EXPECT_TRUE(hasCheck(s, "handshake-aborted", "fail", "")) << s.dump(2);
  }
  EXPECT_EQ(leftoverNamespaces(), std::vector<std::string>{});
}

class TlsFault : public ::testing::TestWithParam<FaultCase> {};

TEST_P(TlsFault, IsCaughtByItsScenario) {
  PHONELAB_REQUIRE_ROOT();
  expectFaultCaught("tls", GetParam());
}

INSTANTIATE_TEST_SUITE_P(
    Tls, TlsFault,
    ::testing::Values(FaultCase{"tls-accept-any-cert", "sec-tls-cert-untrusted-ca",
                                "handshake-aborted", "result was 'ok'"},
                      FaultCase{"tls-no-name-check", "sec-tls-cert-name-mismatch",
                                "handshake-aborted", "result was 'ok'"},
                      FaultCase{"tls-allow-tls10", "sec-tls-version-tls10", "handshake-aborted",
                                "result was 'ok'"},
                      FaultCase{"tls-fallback-to-udp", "sec-tls-cert-untrusted-ca",
                                "no-cleartext-sip", "REGISTER"},
                      FaultCase{"sip-cleartext-despite-tls", "sip-tls-signalling",
                                "no-cleartext-sip-from-phone", "REGISTER"}),
    [](const auto& info) { return testName(info.param); });

// TLS covers signalling only: media encrypted anyway is a deviation from the document.
INSTANTIATE_TEST_SUITE_P(TlsMedia, TlsFault,
                         ::testing::Values(FaultCase{"media-srtp-with-tls", "sip-tls-media-clear",
                                                     "sdp-says-plain-rtp",
                                                     "sdp_proto was 'RTP/SAVP'"}),
                         [](const auto& info) { return testName(info.param); });

// Kamailio's own TLS listener: the same fault, seen on the wire there too.
INSTANTIATE_TEST_SUITE_P(TlsKamailio, TlsFault,
                         ::testing::Values(FaultCase{"sip-cleartext-despite-tls",
                                                     "sip-tls-kamailio", "no-cleartext-sip",
                                                     "REGISTER"}),
                         [](const auto& info) { return testName(info.param); });

}  // namespace
}  // namespace phonelab::e2e
