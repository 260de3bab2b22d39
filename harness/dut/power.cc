#include "harness/dut/power.h"

namespace phonelab::dut {

std::string BenchPower::method() const {
  return powerName(lab_.physical()->power);
}

void BenchPower::off() {
  if (!env_.log) return;
  env_.log->emit("dut", "dut.power", {{"state", "left-on"}, {"power", method()}},
                 "the bench phone stays on (power: " + method() + ")");
}

std::unique_ptr<PowerDriver> makePowerDriver(const LabFile& lab, const DutEnv& env,
                                             PhoneAccess phone) {
  const PhysicalDevice* phys = lab.physical();
  if (!phys) return makeProcessPower(lab, env);
  if (const auto* snmp = std::get_if<SnmpPower>(&phys->power)) {
    return makeSnmpPower(lab, *snmp, env);
  }
  if (std::holds_alternative<WebPower>(phys->power)) {
    return makeWebPower(lab, env, std::move(phone));
  }
  return makeManualPower(lab, env);
}

}  // namespace phonelab::dut
