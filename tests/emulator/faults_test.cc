#include "emulator/faults.h"

#include <gtest/gtest.h>

#include <set>

using namespace phonelab::emulator;

TEST(EmuFaults, ListsEveryNamedFaultOnceWithADescription) {
  std::set<std::string> names;
  for (const auto& f : faultTable()) {
    EXPECT_TRUE(names.insert(std::string(f.name)).second) << "duplicate " << f.name;
    EXPECT_FALSE(f.description.empty()) << f.name;
    EXPECT_EQ(f.name.find_first_of(" \t"), std::string_view::npos) << f.name;
  }
  for (const char* n : {"static-ip-ignored",
                        "web-submit-ignored",
                        "config-lost-on-reboot",
                        "ignore-option-1",
                        "ignore-option-2",
                        "ignore-option-3",
                        "ignore-option-6",
                        "ignore-option-15",
                        "ignore-option-42",
                        "ignore-option-43",
                        "ignore-option-125",
                        "ignore-option-66",
                        "ignore-option-150",
                        "ignore-option-159",
                        "ignore-option-160",
                        "no-vendor-class",
                        "renew-late",
                        "no-renew",
                        "ignore-option-58",
                        "ignore-option-59",
                        "renew-at-t2",
                        "lease-in-ms",
                        "no-rebind",
                        "keep-address-after-expiry",
                        "ack-from-any-server",
                        "nak-from-any-server",
                        "time-offset-unsigned",
                        "mask-not-applied",
                        "no-default-route",
                        "dns-first-server-only",
                        "domain-joined-without-dot",
                        "ntp-from-option-4",
                        "static-netmask-ignored",
                        "crash-on-malformed-renewal",
                        "crash-on-overloaded-offer",
                        "ack-from-unselected-server",
                        "reset-on-sip-timeout-renewal",
                        "crash-on-malformed-option",
                        "dhcp-wrong-address",
                        "ignore-restricted-domains",
                        "restricted-domains-semicolon-only",
                        "answer-unlisted-403",
                        "no-auth-invite",
                        "auth-invite-accepts-any",
                        "auth-invite-nonce-replay",
                        "auth-invite-client-realm",
                        "auth-invite-uri-unchecked",
                        "auth-invite-nonce-never-expires",
                        "auth-invite-first-call-only",
                        "auth-invite-any-value",
                        "auth-invite-read-at-start",
                        "web-form-percent-undecoded",
                        "web-field-truncated",
                        "web-value-case-folded",
                        "no-dhcp-renew-on-sip-timeout",
                        "no-reset-on-address-change",
                        "arp-conflict-drops-lease",
                        "reboot-on-unlisted-notify",
                        "restricted-domains-invite-only",
                        "restricted-domains-trusts-headers",
                        "restricted-domains-in-dialog-bypass",
                        "restricted-domains-first-name-only",
                        "check-sync-ignored",
                        "empty-restricted-domains-blocks-all",
                        "empty-restricted-domains-proxy-only",
                        "default-transport-tcp",
                        "default-transport-contact-tcp",
                        "default-transport-via-tcp",
                        "restricted-domains-stop-at-unresolved",
                        "restricted-domains-lowercase-only",
                        "restricted-domains-first-address-only",
                        "restricted-domains-address-prefix",
                        "auth-invite-any-username",
                        "auth-invite-to-tag-skips",
                        "crash-on-long-header",
                        "crash-on-content-length-overflow",
                        "crash-in-dialog-matcher",
                        "tls-accept-any-cert",
                        "tls-no-name-check",
                        "tls-allow-tls10",
                        "tls-allow-tls11",
                        "tls-cn-despite-san",
                        "tls-wildcard-multi-label",
                        "tls-name-prefix-match",
                        "tls-no-time-check",
                        "tls-no-basic-constraints",
                        "tls-no-name-constraints",
                        "tls-no-path-length",
                        "tls-name-or-address",
                        "tls-no-client-cert",
                        "tls-client-cert-by-ca-list",
                        "tls-null-cipher-allowed",
                        "media-savp-sdp-only",
                        "vendor-class-without-model",
                        "vendor-class-discover-only",
                        "option-43-first-suboption",
                        "option-125-any-enterprise",
                        "option-66-address-only",
                        "option-150-last-address",
                        "option-159-byte-order",
                        "option-160-scheme-ignored",
                        "provisioning-order-by-code",
                        "provisioning-last-option-wins",
                        "tls-fallback-to-udp",
                        "tls-responses-over-udp",
                        "sip-cleartext-despite-tls",
                        "media-srtp-with-tls",
                        "audio-one-way",
                        "audio-delay-250ms",
                        "audio-loss-5pct",
                        "audio-level-minus-12db",
                        "audio-wrong-codec",
                        "audio-session-c-line",
                        "auth-invite-media-released",
                        "media-to-signalling-peer",
                        "restricted-domains-default-port",
                        "restricted-domains-udp-only",
                        "hang-on-long-header"})
    EXPECT_TRUE(names.count(n)) << n;
  EXPECT_EQ(names.size(), 126u) << "a fault was added: name it in this test and the README";
}

TEST(EmuFaults, EnableAndHas) {
  Faults f;
  EXPECT_FALSE(f.has("static-ip-ignored"));
  EXPECT_TRUE(f.enable("static-ip-ignored"));
  EXPECT_TRUE(f.has("static-ip-ignored"));
  EXPECT_FALSE(f.has("web-submit-ignored"));
  EXPECT_FALSE(f.enable("no-such-fault"));
  EXPECT_FALSE(f.has("no-such-fault"));
  EXPECT_EQ(f.active().size(), 1u);
}

TEST(EmuFaults, ListsOneTabSeparatedLinePerFault) {
  std::string list = listFaults();
  size_t lines = 0;
  for (size_t pos = 0; pos < list.size();) {
    size_t nl = list.find('\n', pos);
    ASSERT_NE(nl, std::string::npos);
    std::string line = list.substr(pos, nl - pos);
    EXPECT_NE(line.find('\t'), std::string::npos) << line;
    ++lines;
    pos = nl + 1;
  }
  EXPECT_EQ(lines, faultTable().size());
  EXPECT_EQ(list.rfind("static-ip-ignored\t", 0), 0u);
}

TEST(EmuFaults, EveryFaultHasTheAreaWhoseScenariosMustCatchIt) {
  // The area (scenarios/<area>/) is the table's column in `phonelab selftest`; --exhaustive runs a
  // fault against all of it, after the scenarios of the requirements the fault breaks.
  for (const auto& f : faultTable()) {
    auto area = faultArea(f.name);
    EXPECT_FALSE(area.empty()) << f.name << " has no area in faultArea()";
  }
  EXPECT_EQ(faultArea("ignore-option-150"), "dhcp");
  EXPECT_EQ(faultArea("no-such-fault"), "");
  EXPECT_NE(listFaults().find("static-ip-ignored\t"), std::string::npos);
  // name, description, area, the requirements it breaks
  EXPECT_NE(listFaults().substr(0, listFaults().find('\n')).find("\tnetwork\tNET-CONN-STATIC"),
            std::string::npos);
}
