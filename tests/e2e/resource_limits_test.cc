// A phone that floods the lab cannot grow a scenario's evidence without bound: past the (here
// lowered) limits the events and capture.pcap stop growing, one harness.overflow event per
// resource says so, and a scenario that would pass is inconclusive instead.

#include <gtest/gtest.h>

#include <filesystem>

#include "tests/e2e/e2e_util.h"

namespace phonelab::e2e {
namespace {

TEST(ResourceLimits, OverflowMakesAPassingScenarioInconclusive) {
  PHONELAB_REQUIRE_ROOT();
  const std::string dir = freshDir("resource-limits");
  // sip-udp-default passes with the default limits (the suite's own test); its DHCP, ARP and SIP
  // traffic is far more than 30 events and 3000 bytes of capture.
  auto r = phonelab({"run", "--max-events", "30", "--max-pcap-bytes", "3000", "--report", dir,
                     "scenarios/sip/sip-udp-default.yaml"},
                    dir);
  ASSERT_TRUE(r.results.is_object()) << r.output;
  ASSERT_EQ(r.results["scenarios"].size(), 1u) << r.output;
  const auto& s = r.results["scenarios"][0];
  EXPECT_EQ(s["verdict"], "inconclusive") << s.dump(2);
  EXPECT_TRUE(hasCheck(s, "resources", "inconclusive", "")) << s.dump(2);
  EXPECT_NE(r.exit_code, 0) << r.output;

  const std::string events = readFile(dir + "/sip-udp-default/events.jsonl");
  size_t lines = 0, overflow_events = 0, overflow_pcap = 0;
  std::istringstream in(events);
  for (std::string line; std::getline(in, line);) {
    ++lines;
    auto j = nlohmann::json::parse(line, nullptr, false);
    if (!j.is_object() || j.value("kind", "") != "harness.overflow") continue;
    const std::string what = j["fields"].value("what", "");
    overflow_events += what == "events";
    overflow_pcap += what == "pcap";
  }
  EXPECT_EQ(overflow_events, 1u) << events;
  EXPECT_EQ(overflow_pcap, 1u) << events;
  // 30 events and at most one overflow event per resource (events, pcap, rtp).
  EXPECT_LE(lines, 33u);
  EXPECT_LE(std::filesystem::file_size(dir + "/sip-udp-default/capture.pcap"), 3000u);
}

}  // namespace
}  // namespace phonelab::e2e
