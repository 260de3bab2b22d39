// PeerSilencer: the real nft in a real lab namespace (lane 229) drops what the DUT side sends to a
// silenced address, and only that; unsilence lets it through again; the table goes with the
// object. Root is needed.

#include <gtest/gtest.h>

#include "base/core/error.h"
#include "base/core/match.h"
#include "base/lab/netns.h"
#include "base/lab/process.h"
#include "base/lab/silence.h"
#include "fakes/sip/udp.h"
#include "lab_util.h"

using namespace phonelab;
using namespace phonelab::lab;

namespace {

constexpr const char* kDutMac = "02:00:c6:12:e5:0a";

std::string nftTables(const Segment& seg) {
  ProcessSpec spec;
  spec.name = "nft";
  spec.argv = {"nft", "list", "tables"};
  spec.netns = seg.labNs();
  return runToCompletion(spec, Deadline::in(Seconds(5))).output;
}

/// Did `to` receive `what` (from the DUT side) within 300 ms?
bool arrives(fakes::sipudp::Socket& from, fakes::sipudp::Socket& to, const std::string& to_ip,
             const std::string& what) {
  from.send(to_ip, to.port(), what);
  for (;;) {
    auto d = to.receive(300);
    if (!d) return false;
    if (d->data == what) return true;
  }
}

}  // namespace

TEST(Silence, DropsOnlyTheSilencedAddressUntilUnsilenced) {
  if (geteuid() != 0) GTEST_SKIP() << "needs root (network namespaces)";
  labtest::TempDir tmp;
  Segment seg(runToken(), 229);
  ipCommand({"-n", seg.dutNs(), "link", "set", "eth0", "address", kDutMac});
  ipCommand({"-n", seg.dutNs(), "addr", "add", seg.addr().static_ip + "/24", "dev", "eth0"});
  ipCommand({"-n", seg.dutNs(), "link", "set", "eth0", "up"});
  const std::string sip = seg.addr().services.at("sip"), dns = seg.addr().services.at("dns");
  fakes::sipudp::Socket dut(seg.dutNs(), seg.addr().static_ip, 0);
  fakes::sipudp::Socket sip_server(seg.labNs(), sip, 0);
  fakes::sipudp::Socket dns_server(seg.labNs(), dns, 0);
  EventLog log;
  {
    PeerSilencer silencer(seg.labNs(), seg.labIf(), kDutMac, tmp.path(), log);
    // Nothing is made before the first silence.
    EXPECT_EQ(nftTables(seg).find("phonelab_silence"), std::string::npos);
    EXPECT_TRUE(arrives(dut, sip_server, sip, "before"));

    silencer.silence(sip);
    EXPECT_NE(nftTables(seg).find("phonelab_silence"), std::string::npos);
    EXPECT_FALSE(arrives(dut, sip_server, sip, "silenced"));
    EXPECT_TRUE(arrives(dut, dns_server, dns, "other peer"));  // only that address
    EXPECT_EQ(silencer.dropped(), 1);
    EXPECT_TRUE(log.waitFor(EventMatcher("harness.silence").whereEq("to", sip), 0,
                            Deadline::in(Seconds(0))));

    silencer.unsilence(sip);
    EXPECT_TRUE(arrives(dut, sip_server, sip, "after"));
    EXPECT_TRUE(log.waitFor(EventMatcher("harness.unsilence").whereEq("dropped", "1"), 0,
                            Deadline::in(Seconds(0))));

    // Bad input is named.
    try {
      silencer.unsilence(sip);
      ADD_FAILURE() << "unsilence of an address that is not silenced";
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find("is not silenced"), std::string::npos) << e.what();
    }
    try {
      silencer.silence("sip.lab.example");
      ADD_FAILURE() << "silence of a name";
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find("expected an IPv4 address"), std::string::npos)
          << e.what();
    }
    silencer.silence(sip);  // left silenced: the destructor cleans up
  }
  EXPECT_EQ(nftTables(seg).find("phonelab_silence"), std::string::npos);
  EXPECT_TRUE(arrives(dut, sip_server, sip, "after the end"));
}

TEST(Silence, RulesetNamesTheInterfaceAndMac) {
  const std::string r = PeerSilencer::ruleset("lab0", kDutMac);
  EXPECT_NE(r.find("table ip phonelab_silence"), std::string::npos);
  EXPECT_NE(
      r.find("iifname \"lab0\" ether saddr 02:00:c6:12:e5:0a ip daddr @silenced counter drop"),
      std::string::npos)
      << r;
  EXPECT_NE(r.find("hook input"), std::string::npos);
  EXPECT_NE(r.find("hook forward"), std::string::npos);
}
