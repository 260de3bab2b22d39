// The SIP scenarios (a real Kamailio as the trusted peer, a test UA, a hostile server) against the
// conformant emulator (all pass) and against each DHCP fault of the emulator (the scenario that
// targets it fails, and the failing check names what was wrong).

#include <gtest/gtest.h>

#include "tests/e2e/e2e_util.h"

namespace phonelab::e2e {
namespace {

TEST(SipScenarios, PassAgainstTheConformantEmulator) {
  PHONELAB_REQUIRE_ROOT();
  auto r = runSuite("sip-conformant", {}, {"scenarios/sip"});
  EXPECT_EQ(r.exit_code, 0) << r.output;
  ASSERT_TRUE(r.results.is_object()) << r.output;
  EXPECT_GE(r.results["scenarios"].size(), 11u);
  for (const auto& s : r.results["scenarios"]) EXPECT_EQ(s["verdict"], "pass") << s.dump(2);
  // The profile's choice for the outcome the document leaves open is named in the report: the
  // expected side of the check, and the step for the other choice is not run.
  const auto* block = scenario(r, "sip-rad-block");
  ASSERT_NE(block, nullptr);
  EXPECT_TRUE(hasCheck(*block, "no-response-to-unlisted-server", "pass",
                       "expect.unlisted_sip_request = drop (the vendor's document does not say)"))
      << block->dump(2);
  EXPECT_TRUE(stepOutcomeStarts(*block, "only-403-to-unlisted-server",
                                "not run: expect.unlisted_sip_request is 'drop'"))
      << block->dump(2);
  EXPECT_EQ(leftoverNamespaces(), std::vector<std::string>{});
}

// A device profile that says an unlisted server gets 403: the same scenarios then want the 403
// (and nothing else), so the conformant emulator, which drops, fails them, and a phone that
// answers 403 (the emulator with answer-unlisted-403, a correct phone for this profile) passes:
// SIP-RAD-BLOCK's INVITE and SEC-NOTIFY-UNLISTED's check-sync NOTIFY alike.
TEST(UnlistedServer, AProfileSaying403WantsA403) {
  PHONELAB_REQUIRE_ROOT();
  std::string dir = freshDir("unlisted-403-lab");
  std::filesystem::create_directories(dir + "/devices");
  std::string profile = readFile(kSrc + "/lab/devices/cisco-8832-mpp.yaml");
  const std::string drop = "unlisted_sip_request:\n    value: drop";
  ASSERT_NE(profile.find(drop), std::string::npos);
  profile.replace(profile.find(drop), drop.size(), "unlisted_sip_request:\n    value: \"403\"");
  writeFile(dir + "/devices/cisco-8832-mpp.yaml", profile);
  writeFile(dir + "/lab.yaml", readFile(kSrc + "/lab/emulated.yaml"));

  struct Case {
    const char* id;
    const char* file;
    const char* drop_step;
    const char* step_403;
  };
  for (const Case& c : {Case{"sip-rad-block", "scenarios/sip/sip-rad-block.yaml",
                             "no-response-to-unlisted-server", "only-403-to-unlisted-server"},
                        Case{"sec-notify-unlisted", "scenarios/sip/sec-notify-unlisted.yaml",
                             "no-response", "only-403"}}) {
    SCOPED_TRACE(c.id);
    for (bool answers_403 : {false, true}) {
      std::string out =
          freshDir(std::string(c.id) + (answers_403 ? "-403-profile-fault" : "-403-profile"));
      std::vector<std::string> args = {"run", "--lab", dir + "/lab.yaml", "--report", out};
      if (answers_403) args.insert(args.end(), {"--emulator-fault", "answer-unlisted-403"});
      args.push_back(c.file);
      auto r = phonelab(args, out);
      ASSERT_TRUE(r.results.is_object()) << r.output;
      const auto* s = scenario(r, c.id);
      ASSERT_NE(s, nullptr);
      EXPECT_TRUE(
          stepOutcomeStarts(*s, c.drop_step, "not run: expect.unlisted_sip_request is '403'"))
          << s->dump(2);
      if (answers_403) {
        EXPECT_EQ(r.exit_code, 0) << r.output;
        EXPECT_EQ((*s)["verdict"], "pass") << s->dump(2);
      } else {
        EXPECT_EQ(r.exit_code, 1) << r.output;
        EXPECT_TRUE(hasCheck(*s, c.step_403, "fail", "expect.unlisted_sip_request = 403"))
            << s->dump(2);
      }
    }
  }
  EXPECT_EQ(leftoverNamespaces(), std::vector<std::string>{});
}

class SipFault : public ::testing::TestWithParam<FaultCase> {};

TEST_P(SipFault, IsCaughtByItsScenario) {
  PHONELAB_REQUIRE_ROOT();
  expectFaultCaught("sip", GetParam());
}

INSTANTIATE_TEST_SUITE_P(
    Sip, SipFault,
    ::testing::Values(FaultCase{"ignore-restricted-domains", "sip-rad-block",
                                "no-response-to-unlisted-server", "got sip.response"},
                      FaultCase{"answer-unlisted-403", "sip-rad-block",
                                "no-response-to-unlisted-server", "403 Forbidden"},
                      FaultCase{"restricted-domains-semicolon-only", "sip-rad-allow",
                                "phone-answers-listed-server",
                                "expected sip.response with status matches /^(180|200)$/"},
                      FaultCase{"reboot-on-unlisted-notify", "sec-notify-unlisted", "not-rebooted",
                                "got dhcp.discover"},
                      FaultCase{"no-auth-invite", "sip-auth-invite-on", "initial-invite-challenged",
                                "status was '100'"},
                      FaultCase{"auth-invite-accepts-any", "sip-auth-invite-on",
                                "wrong-answer-rejected", "wanted status = 403"},
                      FaultCase{"auth-invite-nonce-replay", "sip-auth-invite-on",
                                "replay-never-rings", "got sip.response"},
                      FaultCase{"auth-invite-client-realm", "sip-auth-invite-digest",
                                "wrong-realm-refused", "wanted status = 403"},
                      FaultCase{"empty-restricted-domains-blocks-all", "sip-rad-empty",
                                "options-answered", "expected sip.response with status = 200"},
                      FaultCase{"default-transport-tcp", "sip-udp-default", "registers-over-udp",
                                "expected sip.request with method = REGISTER"},
                      FaultCase{"no-dhcp-renew-on-sip-timeout", "net-dhcp-renew-same",
                                "renewal-requested", "expected dhcp.request"},
                      FaultCase{"no-reset-on-address-change", "net-dhcp-renew-changed", "resets",
                                "expected dhcp.*"}),
    [](const auto& info) { return testName(info.param); });

// A NAK is the other answer that must reset the phone.
TEST(SipFaultOtherScenario, NoResetOnAddressChangeIsCaughtByRenewNak) {
  PHONELAB_REQUIRE_ROOT();
  expectFaultCaught("sip", FaultCase{"no-reset-on-address-change", "net-dhcp-renew-nak", "resets",
                                     "expected dhcp.*"});
}

// The same fault seen from the other outcome: without the renewal there is no reset either.
TEST(SipFaultOtherScenario, NoDhcpRenewOnSipTimeoutIsCaughtByRenewChanged) {
  PHONELAB_REQUIRE_ROOT();
  expectFaultCaught("sip", FaultCase{"no-dhcp-renew-on-sip-timeout", "net-dhcp-renew-changed",
                                     "renewal-requested", "expected dhcp.request"});
}

}  // namespace
}  // namespace phonelab::e2e
