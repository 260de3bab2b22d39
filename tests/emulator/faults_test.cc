#include "emulator/faults.h"

#include <gtest/gtest.h>

#include <set>

using namespace phonelab::emulator;

TEST(EmuFaults, Registry) {
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
                        "crash-on-malformed-option",
                        "dhcp-wrong-address",
                        "ignore-restricted-domains",
                        "restricted-domains-semicolon-only",
                        "answer-unlisted-403",
                        "no-auth-invite",
                        "auth-invite-accepts-any",
                        "auth-invite-nonce-replay",
                        "no-dhcp-renew-on-sip-timeout",
                        "no-reset-on-address-change",
                        "reboot-on-unlisted-notify",
                        "empty-restricted-domains-blocks-all",
                        "default-transport-tcp",
                        "crash-on-long-header",
                        "tls-accept-any-cert",
                        "tls-no-name-check",
                        "tls-allow-tls10",
                        "tls-allow-tls11",
                        "tls-cn-despite-san",
                        "tls-wildcard-multi-label",
                        "tls-name-prefix-match",
                        "tls-no-time-check",
                        "tls-no-basic-constraints",
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
                        "audio-wrong-codec"})
    EXPECT_TRUE(names.count(n)) << n;
  EXPECT_EQ(names.size(), 61u) << "a fault was added: name it in this test and the README";
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

TEST(EmuFaults, ListFormat) {
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
  // phonelab selftest runs a fault against the scenarios of its area (scenarios/<area>/).
  for (const auto& f : faultTable()) {
    auto area = faultArea(f.name);
    EXPECT_FALSE(area.empty()) << f.name << " has no area in faultArea()";
  }
  EXPECT_EQ(faultArea("ignore-option-150"), "dhcp");
  EXPECT_EQ(faultArea("no-such-fault"), "");
  EXPECT_NE(listFaults().find("static-ip-ignored\t"), std::string::npos);
  EXPECT_EQ(listFaults().substr(0, listFaults().find('\n')).rfind("\tnetwork"),
            listFaults().find('\n') - std::string("\tnetwork").size());
}
