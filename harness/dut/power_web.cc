#include "harness/dut/power.h"

#include "base/core/match.h"

namespace phonelab::dut {
namespace {

/// power: web: the phone's own /admin/reboot at its last known address; nothing if none is known
/// (the phone is expected to be asking for an address already).
class WebPowerDriver : public BenchPower {
 public:
  WebPowerDriver(const LabFile& lab, DutEnv env, PhoneAccess phone)
      : BenchPower(lab, std::move(env)), phone_(std::move(phone)) {}

  void on() override {
    const Deadline boot = Deadline::in(Seconds(lab_.boot_timeout));
    std::string addr = phone_.address();
    if (addr.empty()) {
      env_.log->emit("dut", "dut.power", {{"state", "waiting"}, {"power", "web"}},
                     "power: web: where the phone is is not known yet: waiting for it to ask for "
                     "an address (DHCP)");
      return;
    }
    const std::string& reboot = lab_.profile.admin.reboot;
    // Asks for the reboot at addr: false when the phone took it, else true (an event says why).
    auto refused = [&](const std::string& then) {
      std::string why;
      auto status = phone_.get(reboot, boot.min(Deadline::in(Seconds(10))), why);
      if (status && *status == 200) return false;
      env_.log->emit("dut", "dut.power", {{"state", "unreachable"}, {"power", "web"}},
                     "power: web: could not reboot the phone at " + addr + " (" +
                         (status ? "HTTP " + std::to_string(*status) : why) + "): " + then);
      return true;
    };
    if (refused("waiting for it to take an address, to reboot it there")) {
      // A phone that lost its address (its lease expired with no server to renew it) looks for
      // one by itself, but taking one is no boot: once it has one, it is rebooted there.
      const double since = env_.log->now();
      if (!env_.log->waitFor(EventMatcher("dhcp.ack").whereEq("chaddr", lab_.mac), since, boot)) {
        return;
      }
      addr = phone_.address();
      if (refused("taking it as it is")) return;
    }
    env_.log->emit("dut", "dut.power", {{"state", "rebooting"}, {"power", "web"}, {"ip", addr}},
                   "power: web: reboot requested at http://" + addr + reboot);
  }

 private:
  PhoneAccess phone_;
};

}  // namespace

std::unique_ptr<PowerDriver> makeWebPower(const LabFile& lab, const DutEnv& env,
                                          PhoneAccess phone) {
  return std::make_unique<WebPowerDriver>(lab, env, std::move(phone));
}

}  // namespace phonelab::dut
