#include <iostream>

#include "base/core/match.h"
#include "base/core/text.h"
#include "harness/dut/power.h"

namespace phonelab::dut {
namespace {

/// power: manual: the person at the bench is asked on the terminal to power cycle the phone; the
/// harness waits (boot timeout) for its DHCP DISCOVER.
class ManualPowerDriver : public BenchPower {
 public:
  using BenchPower::BenchPower;

  void on() override {
    const Deadline boot = Deadline::in(Seconds(lab_.boot_timeout));
    std::cerr << "\nphonelab: power: manual: switch the phone " << lab_.mac
              << " off and on again now (unplug it, plug it in); waiting up to "
              << formatSeconds(lab_.boot_timeout) << " for its DHCP DISCOVER" << std::endl;
    env_.log->emit("dut", "dut.power", {{"state", "prompted"}, {"power", "manual"}},
                   "power: manual: the operator was asked to power cycle the phone");
    auto seen = env_.log->waitFor(EventMatcher("dhcp.discover").whereEq("chaddr", lab_.mac),
                                  env_.log->now(), boot);
    env_.log->emit("dut", "dut.power",
                   {{"state", seen ? "on" : "no-discover"}, {"power", "manual"}},
                   seen ? "power: manual: the phone asks for an address"
                        : "power: manual: no DHCP DISCOVER from the phone within " +
                              formatSeconds(lab_.boot_timeout));
  }
};

}  // namespace

std::unique_ptr<PowerDriver> makeManualPower(const LabFile& lab, const DutEnv& env) {
  return std::make_unique<ManualPowerDriver>(lab, env);
}

}  // namespace phonelab::dut
