#pragma once
/// Event matching: a kind pattern plus conditions on fields, as scenarios write them.

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/core/event.h"

namespace re2 {
class RE2;
}

namespace phonelab {

/// One condition on one field.
/// The longest `regex:` operand accepted (a scenario's patterns are short; RE2 bounds memory too).
inline constexpr size_t kMaxRegexLength = 1000;

struct FieldCondition {
  enum class Op { Eq, Ne, Regex, Lt, Le, Gt, Ge, Exists, Absent, Contains };
  Op op = Op::Eq;
  std::string value;  // operand as written (for Eq/Ne/Contains/Regex and messages)
  double number = 0;  // for Lt/Le/Gt/Ge
  /// For Regex: RE2 syntax (linear time, no backtracking, no recursion), compiled once.
  std::shared_ptr<const re2::RE2> re;

  static FieldCondition eq(std::string v);
  /// Builds from an operator name as written in YAML: eq, ne, regex, lt, le, gt, ge, exists,
  /// absent, contains. Throws std::invalid_argument with a reason on a bad operator or operand
  /// (a regex that RE2 cannot compile, or one longer than kMaxRegexLength).
  static FieldCondition make(const std::string& op, const std::string& operand);

  bool test(const std::string* actual) const;
  /// "src_mac = 02:..", "uptime < 30", "xid matches ^0x"
  std::string describe(const std::string& field) const;
};

class EventMatcher {
 public:
  EventMatcher() = default;
  /// kind: exact ("dhcp.discover"), glob with '*' ("dhcp.*"), or "*".
  explicit EventMatcher(std::string kind) : kind_(std::move(kind)) {}

  EventMatcher& where(std::string field, FieldCondition c);
  EventMatcher& whereEq(std::string field, std::string value) {
    return where(std::move(field), FieldCondition::eq(std::move(value)));
  }

  bool matches(const Event& e) const;
  /// Does the kind pattern match (ignoring field conditions)?
  bool kindMatches(const std::string& kind) const;
  /// "dhcp.* with src_mac = 02:00:c6:12:00:0a"
  std::string describe() const;
  /// For an event of a matching kind that failed conditions: what it had instead,
  /// e.g. "Station_Name was '' (wanted Station_Name = lab-1)".
  std::string explainMismatch(const Event& e) const;
  /// How many field conditions the event fails (0 = it matches, given a matching kind).
  size_t failedConditions(const Event& e) const;

  const std::string& kind() const { return kind_; }

 private:
  std::string kind_ = "*";
  std::vector<std::pair<std::string, FieldCondition>> conditions_;
};

/// Glob with '*' (any run) and '?' (one char).
bool globMatch(const std::string& pattern, const std::string& text);

}  // namespace phonelab
