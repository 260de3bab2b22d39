#include "base/core/result.h"

#include <ctime>

namespace phonelab {

std::vector<RequirementResult> RunResults::requirementResults() const {
  std::vector<RequirementResult> out;
  for (const auto& req : catalog) {
    RequirementResult rr;
    rr.requirement = req;
    std::vector<Verdict> vs;
    for (const auto& s : scenarios) {
      for (const auto& r : s.requirements) {
        if (r == req.id) {
          rr.scenarios.push_back(s.id);
          vs.push_back(s.verdict);
        }
      }
    }
    rr.verdict = combineScenarios(vs);
    out.push_back(std::move(rr));
  }
  return out;
}

std::string RequirementResult::status() const {
  return std::string(tested() ? toString(verdict) : kNotTested);
}

std::map<Verdict, int> RunResults::counts() const {
  std::map<Verdict, int> c;
  for (const auto& s : scenarios) c[s.verdict]++;
  return c;
}

std::string isoTimeUtcNow() {
  std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

}  // namespace phonelab
