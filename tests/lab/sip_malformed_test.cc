// The SIP fakes never crash on malformed input: the RFC 4475 torture corpus, every truncation of
// it, seeded random byte flips and plain garbage are thrown at the test UA and at the hostile
// server (while it collects answers), and each datagram is also decoded the way the capture does
// (sipEvent). Afterwards both fakes still work: the hostile server's OPTIONS to the UA is answered
// 200. Real namespace (lane 228), so root is needed.

#include <gtest/gtest.h>

#include <filesystem>
#include <random>
#include <thread>

#include "base/core/match.h"
#include "base/lab/netns.h"
#include "base/proto/sip_event.h"
#include "fakes/sip/hostile.h"
#include "fakes/sip/ua.h"
#include "fakes/sip/udp.h"
#include "lab_util.h"

using namespace phonelab;
using namespace phonelab::lab;

namespace {

/// The datagrams to throw: each corpus file whole, cut at every 7th byte, with 20 random flips
/// each, plus some garbage that is not SIP at all.
std::vector<std::string> malformedInputs() {
  std::vector<std::string> out;
  std::mt19937 rng(4475);
  const std::string dir = std::string(PHONELAB_SOURCE_DIR) + "/fixtures/sip-torture";
  std::vector<std::string> files;
  for (const auto& e : std::filesystem::directory_iterator(dir)) files.push_back(e.path());
  std::sort(files.begin(), files.end());
  for (const auto& f : files) {
    const std::string data = labtest::readFile(f);
    if (data.empty()) continue;
    out.push_back(data);
    for (size_t n = 1; n < data.size(); n += 7) out.push_back(data.substr(0, n));
    for (int i = 0; i < 20; ++i) {
      std::string m = data;
      for (int k = 0; k < 1 + static_cast<int>(rng() % 4); ++k)
        m[rng() % m.size()] = static_cast<char>(rng() & 0xff);
      out.push_back(m);
    }
  }
  out.push_back(std::string(1, '\0'));
  out.push_back(std::string(1400, '\xff'));
  out.push_back("SIP/2.0 200\r\n\r\n");
  out.push_back("INVITE sip:x SIP/2.0\r\nContent-Length: 99999999999999999999\r\n\r\n");
  out.push_back("SIP/2.0 100 Trying\r\nVia: SIP/2.0/UDP ;;;;\r\nCSeq: -1 \r\n\r\n");
  out.push_back(std::string("OPTIONS sip:a SIP/2.0\r\nVia: SIP/2.0/UDP h\r\n") +
                std::string(60000, 'A') + "\r\n\r\n");
  return out;
}

}  // namespace

TEST(SipLab, FakesSurviveMalformedDatagrams) {
  if (geteuid() != 0) GTEST_SKIP() << "needs root (network namespaces)";
  Segment seg(runToken(), 228);
  EventLog log;
  fakes::UaOptions uo;
  uo.netns = seg.labNs();
  uo.address = seg.addr().lab_ip;
  uo.port = 5062;
  uo.user = "1001";
  fakes::TestUa ua(uo, log);
  fakes::HostileOptions ho;
  ho.netns = seg.labNs();
  ho.address = seg.addr().services.at("hostile");
  ho.target_user = "1001";
  fakes::HostileSip hostile(ho, log);
  // The blaster: a socket of its own, on another lab address.
  fakes::sipudp::Socket blaster(seg.labNs(), seg.addr().services.at("alt"), 0);

  const auto inputs = malformedInputs();
  ASSERT_GT(inputs.size(), 1000u);
  size_t events = 0;
  std::thread thrower([&] {
    for (const auto& in : inputs) {
      blaster.send(uo.address, uo.port, in);
      blaster.send(ho.address, 5060, in);
      // The capture's reading of the same bytes: an event or nothing, never a crash.
      std::span<const uint8_t> bytes(reinterpret_cast<const uint8_t*>(in.data()), in.size());
      if (auto e = proto::sipEvent(bytes, ho.address, 5060, uo.address, 5062)) {
        EXPECT_TRUE(e->kind == "sip.request" || e->kind == "sip.response" ||
                    e->kind == "sip.malformed")
            << e->kind;
        ++events;
      }
    }
  });
  // The hostile server collects answers (to a port nobody listens on) while the garbage arrives.
  auto during = hostile.send("OPTIONS", uo.address, 5999, Deadline::in(Seconds(1.5)));
  thrower.join();
  EXPECT_GT(events, inputs.size() / 2);
  for (const auto& m : during) EXPECT_FALSE(m.request);  // only what parsed as a response

  // Both are still alive and still right.
  auto r = hostile.send("OPTIONS", uo.address, uo.port, Deadline::in(Seconds(1)));
  ASSERT_FALSE(r.empty()) << "the test UA no longer answers after the malformed input";
  EXPECT_EQ(r.back().status, 200);
  // And they said what they dropped.
  EXPECT_TRUE(log.waitFor(
      EventMatcher("ua.received").where("malformed", FieldCondition::make("exists", "true")), 0,
      Deadline::in(Seconds(0))));
  EXPECT_TRUE(log.waitFor(EventMatcher("hostile.malformed"), 0, Deadline::in(Seconds(0))));
}
