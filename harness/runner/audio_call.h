#pragma once
/// The audio_call action: a call from the test UA offering one codec, the stimulus sent as RTP,
/// what the phone returns recorded and analysed (fakes/audio), the evidence written to the
/// scenario's report folder, and one "audio.result" event with the measures.

#include <map>
#include <string>

#include "base/core/deadline.h"
#include "base/core/event.h"
#include "fakes/sip/ua.h"
#include "harness/dut/dut.h"

namespace phonelab::runner {

struct AudioCallRequest {
  std::string to;     // SIP URI (expanded)
  std::string via;    // "ip:port" of the next hop
  std::string codec;  // PCMU | PCMA
  std::string label;  // names the call's event and files: the step name
  Deadline setup;     // the call must be answered by then
  Deadline end;       // nothing of the call may outlast it (the scenario's deadline)
  std::string dir;    // the scenario's report folder
  std::string scenario_id;
  /// How the phone gets it answered (runner/answer.h): the INVITE's extra header, the prompt.
  fakes::CallOptions call;
  std::string answer;  // the profile's answer method, for harness.call
};

/// Fails (with why) if the phone did not answer (it rang and the call was cancelled at the setup
/// deadline, or it refused) or its answer has no audio stream; otherwise the
/// measures are in the "audio.result" event, whatever they are. Evidence files are added to
/// `evidence` as "<scenario-id>/<file>".
dut::DutResult runAudioCall(const AudioCallRequest& r, fakes::TestUa& ua, EventLog& log,
                            std::map<std::string, std::string>& evidence);

}  // namespace phonelab::runner
