// The SIP-over-TLS scenarios (phonelab's TLS proxy in front of a real Kamailio, its MITM variants)
// against the conformant emulator (all pass; the capture decrypts with the proxy's key log) and
// against each TLS fault of the emulator (the scenario that targets it fails, and the failing
// check names what was wrong).

#include <gtest/gtest.h>

#include "harness/lab/process.h"
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
