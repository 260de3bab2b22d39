#pragma once
/// The DUT's strategy (labgrid's word): it walks one scenario's DUT through its bring-up states,
/// off -> powered -> ready -> reset -> configured, and back to off at the end, and it owns what
/// outlives a scenario on a bench: where the phone was last seen (power: web reboots it there) and
/// whether the lab file's reset: factory was done (once per run). One per lane: a bench has one.

#include <map>
#include <optional>
#include <string>

#include "base/core/deadline.h"
#include "harness/dut/dut.h"
#include "harness/dut/lab_file.h"

namespace phonelab::dut {

class DutStrategy {
 public:
  enum class State { off, powered, ready, reset, configured };

  explicit DutStrategy(const LabFile& lab) : lab_(lab) {}

  /// Where the bench phone was last seen, for the next scenario's DutEnv ("" if unknown).
  const std::string& knownAddress() const { return phone_ip_; }
  /// power: web and nowhere known yet: the caller looks for the phone (an ARP sweep) first.
  bool wantsSweep() const;

  /// off -> powered: the lab file's power driver switches the DUT on (a bench phone: restarts it).
  void powerOn(Dut& dut);
  /// powered -> ready: addressed and answering its admin interface.
  DutResult waitReady(Dut& dut, Deadline deadline);
  /// ready -> reset: reset: factory on a bench, once per run, before anything is configured.
  /// nullopt when it is not due (another lab file, or done already).
  std::optional<DutResult> resetIfDue(Dut& dut, Deadline deadline);
  /// -> configured: the scenario's settings through the web UI.
  DutResult configure(Dut& dut, const std::map<std::string, std::string>& settings,
                      Deadline deadline);
  /// -> off: a bench phone outlives the scenario: what the scenario configured is put back and
  /// where the phone is is remembered for the next one. Nothing to do for a process.
  DutResult teardown(Dut& dut, Deadline deadline);

  State state() const { return state_; }

 private:
  const LabFile& lab_;
  State state_ = State::off;
  std::string phone_ip_;
  bool reset_done_ = false;
};

}  // namespace phonelab::dut
