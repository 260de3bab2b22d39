#include "base/core/verdict.h"

#include <algorithm>

namespace phonelab {

std::string_view toString(Verdict v) {
  switch (v) {
    case Verdict::Pass:
      return "pass";
    case Verdict::Fail:
      return "fail";
    case Verdict::Inconclusive:
      return "inconclusive";
    case Verdict::Error:
      return "error";
    case Verdict::NotApplicable:
      return "not-applicable";
  }
  return "error";
}

std::optional<Verdict> parseVerdict(std::string_view s) {
  for (Verdict v : {Verdict::Pass, Verdict::Fail, Verdict::Inconclusive, Verdict::Error,
                    Verdict::NotApplicable}) {
    if (toString(v) == s) return v;
  }
  return std::nullopt;
}

namespace {
int rank(Verdict v) {
  switch (v) {
    case Verdict::Fail:
      return 4;
    case Verdict::Error:
      return 3;
    case Verdict::Inconclusive:
      return 2;
    case Verdict::Pass:
      return 1;
    case Verdict::NotApplicable:
      return 0;
  }
  return 3;
}

Verdict worst(const std::vector<Verdict>& vs, Verdict if_empty) {
  if (vs.empty()) return if_empty;
  return *std::max_element(vs.begin(), vs.end(),
                           [](Verdict a, Verdict b) { return rank(a) < rank(b); });
}
}  // namespace

Verdict combineChecks(const std::vector<CheckResult>& checks) {
  std::vector<Verdict> vs;
  vs.reserve(checks.size());
  for (const auto& c : checks) vs.push_back(c.verdict);
  return worst(vs, Verdict::Inconclusive);
}

Verdict combineScenarios(const std::vector<Verdict>& verdicts) {
  return worst(verdicts, Verdict::NotApplicable);
}

int exitCodeFor(const std::vector<Verdict>& vs) {
  bool fail = false, other = false;
  for (Verdict v : vs) {
    if (v == Verdict::Fail) fail = true;
    if (v == Verdict::Error || v == Verdict::Inconclusive) other = true;
  }
  if (fail) return 1;
  if (other) return 3;
  return 0;
}

}  // namespace phonelab
