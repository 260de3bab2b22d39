#pragma once
/// Calls to the phone: a phone rings until someone picks up. A call that only needs to ring is
/// cancelled a moment after it does; a call that needs an answer (audio_call, sip_call with
/// answer: true) is answered the device profile's way (`answer:`): auto-answer (its setting on
/// during the scenario, its header on the INVITE) or the person at the bench, prompted. Every
/// call ends in one harness.call event.

#include <functional>
#include <map>
#include <string>

#include "base/core/event.h"
#include "fakes/sip/ua.h"
#include "harness/dut/dut.h"
#include "harness/dut/profile.h"
#include "harness/scenario/model.h"

namespace phonelab::runner {

/// How long a call that rings (180/183) waits for a final response before it is cancelled, when
/// the scenario does not need it answered.
inline constexpr double kRingWindow = 1.0;

/// The first step whose call must be answered (audio_call, or sip_call with answer: true, as an
/// act or a probe); nullptr when there is none.
const scenario::Step* firstAnsweredCall(const scenario::Scenario& sc);

/// The settings to apply before the steps: the scenario's dut.settings (`expand`ed), plus the
/// profile's answer setting set to "yes" when the scenario has an answered call, the profile's
/// method is auto_answer and the scenario does not set that setting itself. `added` names it then
/// ("" otherwise).
std::map<std::string, std::string> setupSettings(
    const scenario::Scenario& sc, const dut::DeviceProfile& profile,
    const std::function<std::string(const std::string&)>& expand, std::string& added);

/// Adds the profile's answer method to `o`: its header (expanded) on the INVITE, no ring window,
/// and for method operator the prompt when the phone rings. `within` (the call's setup time,
/// seconds) becomes at least the profile's timeout for operator: a person needs time. Returns
/// the method, or "" (and `why`) when the profile has none.
std::string answerCall(const dut::DeviceProfile& profile, dut::Dut& dut,
                       const std::function<std::string(const std::string&)>& expand,
                       fakes::CallOptions& o, double& within, std::string& why);

/// The harness.call event of a call: `to`, `via`, `status` (the final response, or the ringing
/// 180/183 when the call was cancelled; 0 for none), `final` (the final response itself),
/// `cancelled` (yes/no), `replay` (yes/no), `answer` (the method, or "no"), plus `extra`.
void emitCall(EventLog& log, const std::string& what, const std::string& to, const std::string& via,
              const fakes::CallOutcome& out, const std::string& answer,
              const std::map<std::string, std::string>& extra = {});

}  // namespace phonelab::runner
