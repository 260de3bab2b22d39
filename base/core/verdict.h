#pragma once
/// Verdicts and the rules that combine them.

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace phonelab {

/// pass; fail (the phone did not behave as documented); inconclusive (a precondition was not met,
/// e.g. the phone never got an address); error (the harness broke); not-applicable (the device
/// lacks the capability).
enum class Verdict { Pass, Fail, Inconclusive, Error, NotApplicable };

std::string_view toString(Verdict v);
std::optional<Verdict> parseVerdict(std::string_view s);

/// The result of one check (one expect/expect_none step, or an implicit check such as setup).
struct CheckResult {
  std::string name;  // "phone answers on its static address"
  Verdict verdict = Verdict::Pass;
  std::string message;  // what was expected and what was observed, for a person
  double t = 0;         // seconds since scenario start when decided
  std::string step;     // the step that produced it ("" for setup/teardown)
  /// Further facts for a person (e.g. the device profile's choice: unlisted: drop|403).
  std::map<std::string, std::string> details;
  /// What the check wanted, with the device profile's choice named where it decided
  /// ("status = 401 (device profile expect.auth_invite_challenge: 401)"), and what the capture
  /// or the phone showed instead ("status = 100 in sip.response at 2.310 s"). Empty when the
  /// check has nothing to compare (setup, timeouts).
  std::string expected;
  std::string observed;
};

/// A scenario's verdict from its checks: fail beats error beats inconclusive beats pass; a
/// scenario with only not-applicable checks is not-applicable; no checks at all is inconclusive.
Verdict combineChecks(const std::vector<CheckResult>& checks);

/// A requirement's verdict from its scenarios' verdicts (same precedence; none -> not-applicable).
Verdict combineScenarios(const std::vector<Verdict>& verdicts);

/// Process exit code for a run: 0 all pass or not-applicable, 1 any fail, 3 error or inconclusive
/// without a fail. (2 is for usage and validation errors, decided before anything runs.)
int exitCodeFor(const std::vector<Verdict>& scenario_verdicts);

}  // namespace phonelab
