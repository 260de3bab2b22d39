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
  DutResult waitReady(Dut& dut, Deadline deadline, bool booting = true, double since = 0);
  /// ready -> reset: reset: factory on a bench, once per run, before anything is configured.
  /// nullopt when it is not due (another lab file, or done already).
  std::optional<DutResult> resetIfDue(Dut& dut, Deadline deadline);
  /// -> configured: the scenario's settings through the web UI.
  DutResult configure(Dut& dut, const std::map<std::string, std::string>& settings,
                      Deadline deadline);
  /// -> off: a bench phone outlives the scenario: what the scenario configured is put back and
  /// where the phone is is remembered for the next one (and what could not be put back: the next
  /// scenario puts it back first, restorePending). Nothing to do for a process.
  DutResult teardown(Dut& dut, Deadline deadline);
  /// Before a scenario configures the phone: what the scenario before could not put back (its
  /// restore failed, it timed out), put back now. nullopt when nothing is pending.
  std::optional<DutResult> restorePending(Dut& dut, Deadline deadline);

  State state() const { return state_; }

  // ---- a planned run: the phone kept running between the scenarios of a group ----

  /// May a scenario of `group` run on the boot the phone is on now? Yes when the scenario before
  /// it ran in the same group on this boot and left the phone as it should (it passed, its
  /// settings were put back). The scenario still checks the phone answers before it relies on it.
  bool mayKeep(const std::string& group) const {
    return !group.empty() && group == group_ && refusal_.empty();
  }
  /// The boot the phone is on (1 = the run's first), and the scenario that booted it.
  int boot() const { return boots_; }
  const std::string& bootedBy() const { return booted_by_; }
  /// A fresh boot for `scenario` (power on, or restart where the lab file's power does that).
  void countBoot(const std::string& scenario) {
    ++boots_;
    booted_by_ = scenario;
  }
  /// The Kea leases the group's last scenario left (its lease file), for the next scenario's Kea:
  /// the phone keeps the address, the new server knows it. "" if none or another group.
  std::string leasesFor(const std::string& group) const { return mayKeep(group) ? leases_ : ""; }
  /// After a scenario that ran (group "" = not to be shared): "" if the next scenario of its
  /// group may keep the phone as it is, else why not; and its Kea's lease file.
  void finished(const std::string& group, std::string refusal, std::string leases) {
    group_ = group;
    ran_ = true;
    refusal_ = std::move(refusal);
    leases_ = std::move(leases);
  }
  /// May a scenario start the phone's network afresh with a link bounce instead of a boot? Yes
  /// when the phone has been booted in this run, the scenario before left it as it should and no
  /// bounce of this run has failed (lab file link_bounce, profile expect.link_restored).
  bool mayRelink() const {
    return boots_ > 0 && ran_ && refusal_.empty() && relink_failed_.empty();
  }
  /// A bounce the phone did not answer with a DISCOVER: the rest of the run boots instead.
  void relinkFailed(std::string why) { relink_failed_ = std::move(why); }
  const std::string& relinkFailure() const { return relink_failed_; }

  /// The group of the scenario before, and why it may not keep the phone ("" if it may).
  const std::string& lastGroup() const { return group_; }
  const std::string& refusal() const { return refusal_; }

 private:
  const LabFile& lab_;
  State state_ = State::off;
  std::string phone_ip_;
  bool reset_done_ = false;
  std::map<std::string, std::string> pending_restore_;
  int boots_ = 0;
  std::string booted_by_;
  std::string group_;
  bool ran_ = false;
  std::string relink_failed_;
  std::string refusal_;
  std::string leases_;
};

}  // namespace phonelab::dut
