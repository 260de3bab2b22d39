#include <gtest/gtest.h>

#include <thread>

#include "base/core/event.h"
#include "base/core/match.h"
#include "base/core/verdict.h"

namespace phonelab {
namespace {

Event ev(double t, std::string kind, std::map<std::string, std::string> f = {}) {
  Event e;
  e.t = t;
  e.kind = std::move(kind);
  e.fields = std::move(f);
  return e;
}

TEST(Glob, MatchesStarsAndQuestionMarks) {
  EXPECT_TRUE(globMatch("dhcp.*", "dhcp.discover"));
  EXPECT_TRUE(globMatch("*", "anything"));
  EXPECT_TRUE(globMatch("icmp.echo-?eply", "icmp.echo-reply"));
  EXPECT_FALSE(globMatch("dhcp.*", "dns.query"));
  EXPECT_FALSE(globMatch("dhcp.discover", "dhcp.discoverx"));
}

TEST(Matcher, AppliesEachComparisonOperatorToAField) {
  Event e = ev(1, "dut.status", {{"uptime", "12"}, {"mac", "02:00:c6:12:00:0a"}, {"xid", "0x10"}});
  EXPECT_TRUE(
      EventMatcher("dut.status").where("uptime", FieldCondition::make("lt", "30")).matches(e));
  EXPECT_FALSE(
      EventMatcher("dut.status").where("uptime", FieldCondition::make("gt", "30")).matches(e));
  EXPECT_TRUE(
      EventMatcher("dut.*").where("mac", FieldCondition::make("regex", "^02:00")).matches(e));
  EXPECT_TRUE(EventMatcher("*").where("xid", FieldCondition::make("ge", "16")).matches(e));
  EXPECT_TRUE(
      EventMatcher("*").where("missing", FieldCondition::make("absent", "true")).matches(e));
  EXPECT_FALSE(
      EventMatcher("*").where("missing", FieldCondition::make("exists", "true")).matches(e));
  EXPECT_TRUE(EventMatcher("*").where("missing", FieldCondition::make("ne", "x")).matches(e));
  EXPECT_FALSE(EventMatcher("*").whereEq("mac", "02:00:c6:12:00:0b").matches(e));
}

TEST(Matcher, BadOperatorsAreRejectedWithAReason) {
  EXPECT_THROW(FieldCondition::make("lt", "soon"), std::invalid_argument);
  EXPECT_THROW(FieldCondition::make("regex", "(unclosed"), std::invalid_argument);
  EXPECT_THROW(FieldCondition::make("like", "x"), std::invalid_argument);
}

TEST(Matcher, DescribeNamesKindAndConditions) {
  auto m = EventMatcher("dhcp.*").whereEq("src_mac", "02:00:c6:12:00:0a");
  EXPECT_EQ(m.describe(), "dhcp.* with src_mac = 02:00:c6:12:00:0a");
}

TEST(EventLog, MatchingRespectsWindow) {
  EventLog log;
  log.add(ev(1.0, "dhcp.discover"));
  log.add(ev(5.0, "dhcp.discover"));
  log.add(ev(3.0, "arp.reply"));
  EXPECT_EQ(log.matching(EventMatcher("dhcp.*"), 0, 2).size(), 1u);
  EXPECT_EQ(log.matching(EventMatcher("dhcp.*"), 2).size(), 1u);
  EXPECT_EQ(log.matching(EventMatcher("*"), 0).size(), 3u);
  // Sorted by time even when added out of order.
  auto all = log.matching(EventMatcher("*"), 0);
  EXPECT_EQ(all[1].kind, "arp.reply");
}

TEST(EventLog, WaitForSeesEventsAddedLater) {
  EventLog log;
  std::thread producer([&] { log.emit("test", "dut.status", {{"uptime", "3"}}, "status"); });
  auto got = log.waitFor(EventMatcher("dut.status"), 0, Deadline::in(Seconds(5)));
  producer.join();
  ASSERT_TRUE(got.has_value());
  EXPECT_EQ(*got->field("uptime"), "3");
}

TEST(EventLog, WaitForTimesOutAndIgnoresEarlierEvents) {
  EventLog log;
  log.add(ev(0.0, "dhcp.discover"));
  auto got = log.waitFor(EventMatcher("dhcp.discover"), 0.5, Deadline::in(Seconds(0.05)));
  EXPECT_FALSE(got.has_value());
}

TEST(EventLog, CancelWakesWaiters) {
  EventLog log;
  std::thread canceller([&] { log.cancel(); });
  auto got = log.waitFor(EventMatcher("never"), 0, Deadline::in(Seconds(30)));
  canceller.join();
  EXPECT_FALSE(got.has_value());
  EXPECT_TRUE(log.cancelled());
  EXPECT_FALSE(log.waitUntil(Deadline::in(Seconds(30))));
}

TEST(Verdicts, FailBeatsErrorBeatsInconclusiveBeatsPass) {
  auto check = [](Verdict v) { return CheckResult{"c", v, "", 0, "", {}}; };
  EXPECT_EQ(combineChecks({check(Verdict::Pass), check(Verdict::Fail), check(Verdict::Error)}),
            Verdict::Fail);
  EXPECT_EQ(combineChecks({check(Verdict::Pass), check(Verdict::Error)}), Verdict::Error);
  EXPECT_EQ(combineChecks({check(Verdict::Inconclusive), check(Verdict::Pass)}),
            Verdict::Inconclusive);
  EXPECT_EQ(combineChecks({check(Verdict::Pass), check(Verdict::NotApplicable)}), Verdict::Pass);
  EXPECT_EQ(combineChecks({check(Verdict::NotApplicable)}), Verdict::NotApplicable);
  EXPECT_EQ(combineChecks({}), Verdict::Inconclusive);
}

TEST(Verdicts, AnyFailExitsOneElseAnErrorOrInconclusiveExitsThree) {
  EXPECT_EQ(exitCodeFor({Verdict::Pass, Verdict::NotApplicable}), 0);
  EXPECT_EQ(exitCodeFor({Verdict::Pass, Verdict::Fail, Verdict::Error}), 1);
  EXPECT_EQ(exitCodeFor({Verdict::Pass, Verdict::Inconclusive}), 3);
  EXPECT_EQ(exitCodeFor({Verdict::Error}), 3);
  EXPECT_EQ(exitCodeFor({}), 0);
}

TEST(Verdicts, StringsRoundTrip) {
  for (Verdict v : {Verdict::Pass, Verdict::Fail, Verdict::Inconclusive, Verdict::Error,
                    Verdict::NotApplicable}) {
    EXPECT_EQ(parseVerdict(toString(v)), v);
  }
  EXPECT_FALSE(parseVerdict("passed").has_value());
}

}  // namespace
}  // namespace phonelab

namespace phonelab {
namespace {
TEST(Matcher, ExplainMismatchSaysWhatTheEventHad) {
  Event e;
  e.kind = "dut.config";
  e.fields = {{"Station_Name", ""}, {"Connection_Type", "DHCP"}};
  auto m = EventMatcher("dut.config")
               .whereEq("Station_Name", "lab-1")
               .whereEq("Connection_Type", "DHCP")
               .whereEq("Missing", "x");
  EXPECT_EQ(m.explainMismatch(e),
            "Station_Name was '' (wanted Station_Name = lab-1), Missing was absent (wanted "
            "Missing = x)");
}
}  // namespace
}  // namespace phonelab

namespace phonelab {
namespace {

// A flooding phone cannot grow a scenario's event log without bound: beyond the limit events are
// dropped, and one harness.overflow event (kept beyond the limit) says so.
TEST(EventLogLimit, DropsBeyondTheLimitWithOneOverflowEvent) {
  EventLog log;
  log.setLimit(100);
  size_t sunk = 0;
  log.setSink([&](const Event&) { ++sunk; });
  for (int i = 0; i < 10000; ++i)
    log.emit("capture", "arp.request", {{"i", std::to_string(i)}}, "");
  EXPECT_EQ(log.size(), 101u);
  EXPECT_EQ(sunk, 101u) << "events.jsonl is fed by the sink: it stops growing too";
  const auto all = log.snapshot();
  EXPECT_EQ(all.back().kind, "harness.overflow");
  EXPECT_EQ(*all.back().field("what"), "events");
  EXPECT_EQ(*all.back().field("limit"), "100");
  EXPECT_EQ(all[99].fields.at("i"), "99");
  EXPECT_EQ(log.overflows(), std::vector<std::string>{"events"});
  // Another resource's overflow is recorded once, also when the log is full.
  EXPECT_TRUE(log.overflow("pcap", "4096", "capture.pcap is full"));
  EXPECT_FALSE(log.overflow("pcap", "4096", "capture.pcap is full"));
  EXPECT_EQ(log.size(), 102u);
  EXPECT_EQ(log.overflows(), (std::vector<std::string>{"events", "pcap"}));
}

TEST(EventLogLimit, NoLimitByDefault) {
  EventLog log;
  for (int i = 0; i < 5000; ++i) log.emit("capture", "arp.request", {}, "");
  EXPECT_EQ(log.size(), 5000u);
  EXPECT_TRUE(log.overflows().empty());
}

}  // namespace
}  // namespace phonelab
