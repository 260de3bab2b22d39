#include "harness/dut/strategy.h"

namespace phonelab::dut {

bool DutStrategy::wantsSweep() const {
  const PhysicalDevice* phys = lab_.physical();
  return phys && std::holds_alternative<WebPower>(phys->power) && phone_ip_.empty();
}

void DutStrategy::powerOn(Dut& dut) {
  dut.powerOn();
  state_ = State::powered;
}

DutResult DutStrategy::waitReady(Dut& dut, Deadline deadline, bool booting, double since) {
  auto r = dut.waitReady(deadline, booting, since);
  if (r.ok) state_ = State::ready;
  return r;
}

std::optional<DutResult> DutStrategy::resetIfDue(Dut& dut, Deadline deadline) {
  const PhysicalDevice* phys = lab_.physical();
  if (!phys || !phys->factory_reset || reset_done_) return std::nullopt;
  auto r = dut.resetToFactory(deadline);
  if (r.ok) {
    reset_done_ = true;
    state_ = State::reset;
  }
  return r;
}

DutResult DutStrategy::configure(Dut& dut, const std::map<std::string, std::string>& settings,
                                 Deadline deadline) {
  auto r = dut.configure(settings, deadline);
  if (r.ok) state_ = State::configured;
  return r;
}

DutResult DutStrategy::teardown(Dut& dut, Deadline deadline) {
  state_ = State::off;
  if (!lab_.physical()) return {};
  auto r = dut.restoreSettings(deadline);
  if (!r.ok) {
    // Left as they are, they would be the next scenario's "before" values, and every later one's.
    for (const auto& [k, v] : dut.unrestored()) pending_restore_.try_emplace(k, v);
  }
  if (!dut.address().empty()) phone_ip_ = dut.address();
  return r;
}

std::optional<DutResult> DutStrategy::restorePending(Dut& dut, Deadline deadline) {
  if (pending_restore_.empty()) return std::nullopt;
  auto r = dut.putBack(pending_restore_, deadline);
  if (r.ok) pending_restore_.clear();
  return r;
}

}  // namespace phonelab::dut
