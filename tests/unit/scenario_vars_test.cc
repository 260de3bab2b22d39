#include <gtest/gtest.h>

#include "harness/scenario/vars.h"

namespace phonelab::scenario {
namespace {

TEST(Vars, FindsReferencesInOrder) {
  bool bad = true;
  EXPECT_EQ(variablesIn("ping ${net.static_ip} from ${lab.ip}", &bad),
            (std::vector<std::string>{"net.static_ip", "lab.ip"}));
  EXPECT_FALSE(bad);
  EXPECT_TRUE(variablesIn("no variables, $ or { alone", &bad).empty());
  EXPECT_FALSE(bad);
  EXPECT_EQ(variablesIn("${}"), std::vector<std::string>{""});
}

TEST(Vars, UnclosedIsMalformed) {
  bool bad = false;
  EXPECT_EQ(variablesIn("${dut.mac} and ${dut.ip", &bad), std::vector<std::string>{"dut.mac"});
  EXPECT_TRUE(bad);
  EXPECT_NO_THROW(variablesIn("${"));  // without the flag
}

TEST(Vars, ExpandKnownLeavesUnknown) {
  std::map<std::string, std::string> v = {{"net.static_ip", "198.18.0.50"}, {"dut.mac", "02:00"}};
  EXPECT_EQ(expand("${net.static_ip}/24", v), "198.18.0.50/24");
  EXPECT_EQ(expand("a ${dut.mac} b ${lab.ip} c", v), "a 02:00 b ${lab.ip} c");
  EXPECT_EQ(expand("${dut.mac}${dut.mac}", v), "02:0002:00");
  EXPECT_EQ(expand("tail ${dut.mac", v), "tail ${dut.mac");
  EXPECT_EQ(expand("", v), "");
}

TEST(Vars, KnownSetIsClosed) {
  const auto& k = knownVariables();
  for (const char* n :
       {"lab.ip", "lab.mac", "lab.remote_ip", "net.prefix", "net.netmask", "net.static_ip",
        "net.pool_from", "net.pool_to", "dut.mac", "dut.ip", "pki.trusted_ca", "dut.model",
        "dut.psn", "dut.boot_timeout", "lab.host_ip", "lab.host_mac"}) {
    EXPECT_NE(std::find(k.begin(), k.end(), n), k.end()) << n;
  }
  // Boot_Count was the emulator's: a reboot is judged on the wire.
  for (const char* gone : {"dut.boot_count", "dut.boot_count_next"}) {
    EXPECT_EQ(std::find(k.begin(), k.end(), gone), k.end()) << gone;
  }
  // ${expect.NAME} are the device profile's (loader.h, Expectations), not built in.
  for (const auto& n : k) EXPECT_NE(n.rfind("expect.", 0), 0u) << n;
  EXPECT_EQ(k.size(), 25u);
}

}  // namespace
}  // namespace phonelab::scenario
