// Where the harness finds the phone (${dut.ip}, the web UI's address): the last address the wire
// shows it was given or is using. A DHCP ACK the phone does not take (another server's, answering
// the same retransmitted REQUEST a moment after its own server's) must not move it once the phone
// sends from the address it kept.

#include <gtest/gtest.h>

#include "base/core/event.h"
#include "harness/dut/dut.h"
#include "harness/dut/lab_file.h"

namespace phonelab::dut {
namespace {

const std::string kSrc = PHONELAB_SOURCE_DIR;

Event at(double t, std::string kind, std::map<std::string, std::string> fields) {
  Event e;
  e.t = t;
  e.source = "capture";
  e.kind = std::move(kind);
  e.fields = std::move(fields);
  return e;
}

TEST(DutAddress, ThePhonesOwnPacketsOverruleAnAckItDidNotTake) {
  const LabFile lab = loadLabFile(kSrc + "/lab/emulated.yaml");
  EventLog log;
  DutEnv env;
  env.log = &log;
  Dut dut(lab, env);
  EXPECT_EQ(dut.address(), "");
  log.add(at(1, "dhcp.ack", {{"chaddr", lab.mac}, {"yiaddr", "198.18.0.100"}}));
  EXPECT_EQ(dut.address(), "198.18.0.100");
  // Its own server's ACK to the renewal, then a rogue's to the same REQUEST.
  log.add(at(10.800, "dhcp.ack", {{"chaddr", lab.mac}, {"yiaddr", "198.18.0.100"}}));
  log.add(at(10.801, "dhcp.ack", {{"chaddr", lab.mac}, {"yiaddr", "198.18.0.150"}}));
  EXPECT_EQ(dut.address(), "198.18.0.150") << "nothing from the phone yet says otherwise";
  // A packet from another host or from no address yet (a DHCP DISCOVER) says nothing.
  log.add(at(10.9, "sip.request", {{"src_mac", "02:00:c6:12:00:99"}, {"src_ip", "198.18.0.7"}}));
  log.add(at(10.95, "dhcp.discover", {{"src_mac", lab.mac}, {"src_ip", "0.0.0.0"}}));
  EXPECT_EQ(dut.address(), "198.18.0.150");
  // The phone registers again from the address it kept.
  log.add(at(11.0, "sip.request", {{"src_mac", lab.mac}, {"src_ip", "198.18.0.100"}}));
  EXPECT_EQ(dut.address(), "198.18.0.100");
}

}  // namespace
}  // namespace phonelab::dut
