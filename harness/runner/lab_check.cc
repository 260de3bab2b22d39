// The lab check: what a scenario needs from the lab (fakes, DUT abilities, an isolated segment,
// the profile's status fields) against what the lab file offers, before anything runs; and the
// not-applicable reasons and timeouts that follow from it.

#include "harness/runner/runner.h"

#include <unistd.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <condition_variable>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <optional>
#include <set>
#include <thread>

#include "base/core/console.h"
#include "base/core/event.h"
#include "base/core/match.h"
#include "base/core/safe_fs.h"
#include "base/core/secrets.h"
#include "base/core/status_fields.h"
#include "base/lab/capture.h"
#include "base/lab/netns.h"
#include "base/lab/preflight.h"
#include "base/lab/silence.h"
#include "fakes/dhcp/kea.h"
#include "fakes/http/http.h"
#include "fakes/sip/fuzz.h"
#include "fakes/sip/hostile.h"
#include "fakes/sip/ua.h"
#include "harness/dut/dut.h"
#include "harness/runner/answer.h"
#include "harness/runner/audio_call.h"
#include "harness/runner/decrypted_capture.h"
#include "harness/runner/lab_fakes.h"
#include "harness/runner/ping.h"
#include "harness/runner/scenario_run.h"
#include "harness/runner/tls_checks.h"
#include "harness/scenario/vars.h"
#include "reports/report.h"
#include "reports/report_folder.h"

namespace phonelab::runner {
namespace fs = std::filesystem;
using scenario::Scenario;
using scenario::Step;
using namespace detail;

double scenarioTimeout(const Scenario& sc, const dut::LabFile& lab) {
  return sc.timeout + (sc.timeout_boots + 1) * lab.boot_timeout;
}

std::vector<Diagnostic> checkAgainstLab(const std::vector<Scenario>& scenarios,
                                        const dut::LabFile& lab) {
  std::vector<Diagnostic> diags;
  for (const auto& sc : scenarios) {
    // Actions that need a fake the scenario does not stand up would only fail at run time.
    for (const auto& step : sc.steps) {
      std::vector<const scenario::Action*> actions;
      if (auto* act = std::get_if<scenario::ActStep>(&step.body)) actions.push_back(&act->action);
      if (auto* ex = std::get_if<scenario::ExpectStep>(&step.body); ex && ex->probe) {
        actions.push_back(&*ex->probe);
      }
      for (const auto* a : actions) {
        const scenario::ActionInfo& info = scenario::actionTable()[a->index()];
        if (*info.needs_fake && !scenario::fakeEnabled(sc.fakes, info.needs_fake)) {
          diags.push_back({step.mark, "step '" + step.name + "' uses " + info.name +
                                          ", which needs fakes." + info.needs_fake + " (" +
                                          info.needs_what + ") in the scenario"});
        }
        if (std::holds_alternative<scenario::AudioCallAction>(*a) &&
            std::find(sc.dut.needs.begin(), sc.dut.needs.end(), "audio_loopback") ==
                sc.dut.needs.end()) {
          diags.push_back({step.mark, "step '" + step.name +
                                          "' uses audio_call: the scenario must declare "
                                          "'dut: {needs: [audio_loopback]}' (a lab without one "
                                          "cannot return audio)"});
        }
      }
    }
    // An answered call needs the profile to say how the phone gets it answered.
    if (const Step* step = firstAnsweredCall(sc); step && lab.profile.answer.method.empty()) {
      diags.push_back(
          {step->mark, "step '" + step->name +
                           "' needs the call answered (audio_call, sip_call with "
                           "answer: true, or sip_fuzz in_dialog), but the device profile " +
                           lab.profile.file +
                           " has no 'answer' section saying how the phone gets "
                           "a call answered"});
    }
    // A replay needs an earlier call that answers a challenge.
    bool answered = false;
    for (const auto& step : sc.steps) {
      auto* act = std::get_if<scenario::ActStep>(&step.body);
      auto* call = act ? std::get_if<scenario::SipCallAction>(&act->action) : nullptr;
      if (!call) continue;
      if (call->replay && !answered) {
        diags.push_back({step.mark, "step '" + step.name +
                                        "' replays the answer to a challenge, but no earlier "
                                        "sip_call answers one (auth_user)"});
      }
      if ((call->auth_reuse_nonce || call->auth_wrong == "nc-replay") && !answered) {
        diags.push_back({step.mark, "step '" + step.name +
                                        "' reuses the nonce of an earlier challenge, but no "
                                        "earlier sip_call answers one (auth_user)"});
      }
      if (!call->auth_user.empty()) answered = true;
    }
    std::set<std::string> reported;
    forEachSetting(sc, [&](const std::string& name, const Mark& where) {
      if (!lab.profile.setting(name) && reported.insert(name).second) {
        diags.push_back({where, "scenario '" + sc.id + "' uses setting '" + name +
                                    "', which the device profile " + lab.profile.file +
                                    " does not define"});
      }
    });
  }
  return diags;
}

std::vector<std::string> hostileFakes(const Scenario& sc) {
  std::vector<std::string> out;
  if (sc.fakes.rogue_dhcp.enabled) out.push_back("rogue_dhcp (a second DHCP server)");
  if (sc.fakes.hostile_sip.enabled) out.push_back("hostile_sip (spoofed SIP requests)");
  if (sc.fakes.tls_proxy.enabled && sc.fakes.tls_proxy.flaw != "none") {
    out.push_back("tls_proxy with flaw " + sc.fakes.tls_proxy.flaw + " (a TLS man in the middle)");
  }
  return out;
}

std::string notApplicableReason(const Scenario& sc, const dut::LabFile& lab) {
  std::string missing;
  for (const auto& need : sc.dut.needs) {
    if (!lab.has(need)) missing += (missing.empty() ? "" : ", ") + need;
  }
  if (!missing.empty()) {
    return "the device profile " + lab.profile.file + " (or the lab file " + lab.file + ") lacks " +
           missing;
  }
  std::string unmapped;
  for (const auto& field : scenario::statusFieldsUsed(sc)) {
    if (isStatusField(field) && !lab.profile.statusField(field)) {
      unmapped += (unmapped.empty() ? "" : ", ") + field;
    }
  }
  if (!unmapped.empty()) {
    return "the device profile " + lab.profile.file + " maps no status.xml element for " +
           unmapped + " (admin.status_fields), which the scenario reads";
  }
  if (!lab.isolated) {
    std::string hostile;
    for (const auto& f : hostileFakes(sc)) hostile += (hostile.empty() ? "" : ", ") + f;
    if (!hostile.empty()) {
      return "the scenario runs hostile fakes (" + hostile + "), which run only on an isolated " +
             "segment, and the lab file " + lab.file + " says isolated: false";
    }
  }
  return "";
}

}  // namespace phonelab::runner
