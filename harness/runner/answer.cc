#include "harness/runner/answer.h"

#include <algorithm>

namespace phonelab::runner {

namespace {

bool answered(const scenario::Action& a) {
  if (std::holds_alternative<scenario::AudioCallAction>(a)) return true;
  if (auto* fuzz = std::get_if<scenario::SipFuzzAction>(&a)) return fuzz->in_dialog;
  auto* call = std::get_if<scenario::SipCallAction>(&a);
  return call && call->answer;
}

}  // namespace

const scenario::Step* firstAnsweredCall(const scenario::Scenario& sc) {
  for (const auto& step : sc.steps) {
    if (auto* act = std::get_if<scenario::ActStep>(&step.body); act && answered(act->action)) {
      return &step;
    }
    if (auto* ex = std::get_if<scenario::ExpectStep>(&step.body);
        ex && ex->probe && answered(*ex->probe)) {
      return &step;
    }
  }
  return nullptr;
}

std::map<std::string, std::string> setupSettings(
    const scenario::Scenario& sc, const dut::DeviceProfile& profile,
    const std::function<std::string(const std::string&)>& expand, std::string& added) {
  added.clear();
  std::map<std::string, std::string> out;
  for (const auto& [k, v] : sc.dut.settings) out[k] = expand(v);
  const dut::AnswerMethod& a = profile.answer;
  if (a.method == "auto_answer" && !a.setting.empty() && !out.count(a.setting) &&
      firstAnsweredCall(sc)) {
    out[a.setting] = "yes";
    added = a.setting;
  }
  return out;
}

std::string answerCall(const dut::DeviceProfile& profile, dut::Dut& dut,
                       const std::function<std::string(const std::string&)>& expand,
                       fakes::CallOptions& o, double& within, std::string& why) {
  const dut::AnswerMethod& a = profile.answer;
  if (a.method.empty()) {
    why = "the device profile " + profile.file +
          " has no 'answer' section: nothing says how the phone gets this call answered";
    return "";
  }
  o.ring_window = -1;
  if (!a.header.empty()) o.headers.push_back(expand(a.header));
  if (a.method == "operator") {
    within = std::max(within, a.timeout);
    const double timeout = within;
    o.on_ringing = [&dut, timeout](int) { dut.promptAnswer(timeout); };
  }
  return a.method;
}

void emitCall(EventLog& log, const std::string& what, const std::string& to, const std::string& via,
              const fakes::CallOutcome& out, const std::string& answer,
              const std::map<std::string, std::string>& extra) {
  std::map<std::string, std::string> f = extra;
  f["to"] = to;
  f["via"] = via;
  f["status"] = std::to_string(out.reported());
  f["final"] = std::to_string(out.status);
  f["cancelled"] = out.cancelled ? "yes" : "no";
  f["replay"] = out.replay ? "yes" : "no";
  f["answer"] = answer.empty() ? "no" : answer;
  std::string result;
  if (out.cancelled) {
    result = out.why;  // "rang (180) and was not answered within 1 s: cancelled (487 ...)"
  } else {
    result = out.status ? std::to_string(out.status) : std::string("no final response");
    if (!out.why.empty() && out.why != result) result += " (" + out.why + ")";
  }
  log.emit("harness", "harness.call", std::move(f),
           what + " to " + to + " via " + via + ": " + result);
}

}  // namespace phonelab::runner
