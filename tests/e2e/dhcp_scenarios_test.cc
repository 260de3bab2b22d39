// The DHCP scenarios against the conformant emulator (all pass) and against each DHCP fault of the
// emulator (the scenario that targets it fails, and the failing check names what was wrong).

#include <gtest/gtest.h>

#include "tests/e2e/e2e_util.h"

namespace phonelab::e2e {
namespace {

TEST(DhcpScenarios, PassAgainstTheConformantEmulator) {
  PHONELAB_REQUIRE_ROOT();
  auto r = runSuite("dhcp-conformant", {}, {"scenarios/dhcp"});
  EXPECT_EQ(r.exit_code, 0) << r.output;
  ASSERT_TRUE(r.results.is_object()) << r.output;
  EXPECT_GE(r.results["scenarios"].size(), 15u);
  for (const auto& s : r.results["scenarios"]) EXPECT_EQ(s["verdict"], "pass") << s.dump(2);
  EXPECT_EQ(leftoverNamespaces(), std::vector<std::string>{});
}

class DhcpFault : public ::testing::TestWithParam<FaultCase> {};

TEST_P(DhcpFault, IsCaughtByItsScenario) {
  PHONELAB_REQUIRE_ROOT();
  auto r = expectFaultCaught("dhcp", GetParam());
  // A crash is caught on the wire (the phone goes silent and starts over) while the emulator's
  // process lives on: the firmware restarts under its watchdog, as a real phone's does.
  if (std::string(GetParam().fault).rfind("crash-", 0) == 0)
    expectWatchdogRestart(r, /*rebooted=*/true);
}

INSTANTIATE_TEST_SUITE_P(
    Dhcp, DhcpFault,
    ::testing::Values(
        FaultCase{"dhcp-wrong-address", "net-conn-dhcp", "answers-on-leased-address",
                  "expected icmp.echo-reply"},
        FaultCase{"ignore-option-1", "opt-1-subnet-mask", "no-arp-for-off-subnet-host",
                  "got arp.request"},
        FaultCase{"ignore-option-2", "opt-2-time-offset", "offset-applied", "time_offset was '0'"},
        FaultCase{"ignore-option-3", "opt-3-router", "not-via-another-gateway",
                  "got icmp.echo-reply"},
        FaultCase{"ignore-option-6", "opt-6-dns", "asks-offered-dns", "expected dns.query"},
        FaultCase{"ignore-option-15", "opt-15-domain-name", "asks-qualified-name",
                  "name was 'tftp'"},
        FaultCase{"renew-late", "opt-41-lease", "renews-at-t1", "expected dhcp.request"},
        FaultCase{"no-renew", "opt-41-lease", "renews-at-t1", "expected dhcp.request"},
        FaultCase{"keep-address-after-expiry", "opt-41-lease-timers", "address-given-up",
                  "got icmp.echo-reply"},
        FaultCase{"ack-from-any-server", "sec-dhcp-foreign-renewal-answer", "no-reset",
                  "got dhcp.discover"},
        FaultCase{"ignore-option-42", "opt-42-ntp", "asks-offered-ntp", "expected ntp.request"},
        FaultCase{"ignore-option-43", "opt-43-vendor-specific", "informs-acs",
                  "expected acs.inform"},
        FaultCase{"no-vendor-class", "opt-60-vendor-class", "discover-has-vendor-class",
                  "opt_60 was absent"},
        FaultCase{"ignore-option-66", "opt-66-tftp-server-name", "fetches-profile",
                  "expected tftp.done"},
        FaultCase{"ignore-option-125", "opt-125-vivso", "informs-acs", "expected acs.inform"},
        FaultCase{"ignore-option-150", "opt-150-tftp-server-address", "fetches-profile",
                  "expected tftp.done"},
        FaultCase{"ignore-option-159", "opt-159-provisioning-server-ip", "fetches-profile",
                  "expected tftp.done"},
        FaultCase{"ignore-option-160", "opt-160-provisioning-url", "fetches-profile",
                  "expected http.request"},
        FaultCase{"crash-on-malformed-option", "sec-dhcp-robust", "rebinds",
                  "expected dhcp.request"}),
    [](const auto& info) { return testName(info.param); });

}  // namespace
}  // namespace phonelab::e2e
