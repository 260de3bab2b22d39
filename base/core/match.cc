#include "base/core/match.h"

#include <re2/re2.h>

#include <cstdlib>
#include <stdexcept>

namespace phonelab {

bool globMatch(const std::string& pattern, const std::string& text) {
  size_t p = 0, t = 0, star = std::string::npos, mark = 0;
  while (t < text.size()) {
    if (p < pattern.size() && (pattern[p] == '?' || pattern[p] == text[t])) {
      ++p;
      ++t;
    } else if (p < pattern.size() && pattern[p] == '*') {
      star = p++;
      mark = t;
    } else if (star != std::string::npos) {
      p = star + 1;
      t = ++mark;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  return p == pattern.size();
}

namespace {
bool toNumber(const std::string& s, double& out) {
  if (s.empty()) return false;
  char* end = nullptr;
  // Accept hex (0x..) as written by the decoders for ids.
  out = (s.size() > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
            ? static_cast<double>(std::strtoull(s.c_str(), &end, 16))
            : std::strtod(s.c_str(), &end);
  return end && *end == '\0';
}
}  // namespace

FieldCondition FieldCondition::eq(std::string v) {
  FieldCondition c;
  c.op = Op::Eq;
  c.value = std::move(v);
  return c;
}

FieldCondition FieldCondition::make(const std::string& op, const std::string& operand) {
  FieldCondition c;
  c.value = operand;
  if (op == "eq") {
    c.op = Op::Eq;
  } else if (op == "ne") {
    c.op = Op::Ne;
  } else if (op == "contains") {
    c.op = Op::Contains;
  } else if (op == "regex") {
    c.op = Op::Regex;
    if (operand.size() > kMaxRegexLength) {
      throw std::invalid_argument("regex of " + std::to_string(operand.size()) +
                                  " characters: at most " + std::to_string(kMaxRegexLength));
    }
    RE2::Options o;
    o.set_log_errors(false);
    auto re = std::make_shared<const RE2>(operand, o);
    if (!re->ok()) {
      throw std::invalid_argument("bad regex '" + operand + "': " + re->error() +
                                  " (RE2 syntax: no backreferences or lookaround)");
    }
    c.re = std::move(re);
  } else if (op == "lt" || op == "le" || op == "gt" || op == "ge") {
    c.op = op == "lt" ? Op::Lt : op == "le" ? Op::Le : op == "gt" ? Op::Gt : Op::Ge;
    if (!toNumber(operand, c.number)) {
      throw std::invalid_argument("operator '" + op + "' needs a number, got '" + operand + "'");
    }
  } else if (op == "exists" || op == "absent") {
    c.op = op == "exists" ? Op::Exists : Op::Absent;
    if (operand != "true" && operand != "false" && !operand.empty()) {
      throw std::invalid_argument("operator '" + op + "' takes true or false");
    }
    if (operand == "false") c.op = c.op == Op::Exists ? Op::Absent : Op::Exists;
  } else {
    throw std::invalid_argument("unknown operator '" + op +
                                "' (use eq, ne, regex, lt, le, gt, ge, exists, absent, contains)");
  }
  return c;
}

bool FieldCondition::test(const std::string* actual) const {
  switch (op) {
    case Op::Exists:
      return actual != nullptr;
    case Op::Absent:
      return actual == nullptr;
    case Op::Eq:
      return actual && *actual == value;
    case Op::Ne:
      return !actual || *actual != value;
    case Op::Contains:
      return actual && actual->find(value) != std::string::npos;
    case Op::Regex:
      return actual && re && RE2::PartialMatch(*actual, *re);
    case Op::Lt:
    case Op::Le:
    case Op::Gt:
    case Op::Ge: {
      double v;
      if (!actual || !toNumber(*actual, v)) return false;
      if (op == Op::Lt) return v < number;
      if (op == Op::Le) return v <= number;
      if (op == Op::Gt) return v > number;
      return v >= number;
    }
  }
  return false;
}

std::string FieldCondition::describe(const std::string& field) const {
  switch (op) {
    case Op::Eq:
      return field + " = " + value;
    case Op::Ne:
      return field + " != " + value;
    case Op::Contains:
      return field + " contains '" + value + "'";
    case Op::Regex:
      return field + " matches /" + value + "/";
    case Op::Lt:
      return field + " < " + value;
    case Op::Le:
      return field + " <= " + value;
    case Op::Gt:
      return field + " > " + value;
    case Op::Ge:
      return field + " >= " + value;
    case Op::Exists:
      return field + " present";
    case Op::Absent:
      return field + " absent";
  }
  return field;
}

EventMatcher& EventMatcher::where(std::string field, FieldCondition c) {
  conditions_.emplace_back(std::move(field), std::move(c));
  return *this;
}

bool EventMatcher::kindMatches(const std::string& kind) const {
  return globMatch(kind_, kind);
}

bool EventMatcher::matches(const Event& e) const {
  if (!kindMatches(e.kind)) return false;
  for (const auto& [field, cond] : conditions_) {
    if (!cond.test(e.field(field))) return false;
  }
  return true;
}

std::string EventMatcher::describe() const {
  std::string out = kind_;
  for (size_t i = 0; i < conditions_.size(); ++i) {
    out += i == 0 ? " with " : ", ";
    out += conditions_[i].second.describe(conditions_[i].first);
  }
  return out;
}

std::string EventMatcher::explainMismatch(const Event& e) const {
  std::string out;
  for (const auto& [field, cond] : conditions_) {
    const std::string* actual = e.field(field);
    if (cond.test(actual)) continue;
    if (!out.empty()) out += ", ";
    out += actual ? field + " was '" + *actual + "'" : field + " was absent";
    out += " (wanted " + cond.describe(field) + ")";
  }
  return out;
}

size_t EventMatcher::failedConditions(const Event& e) const {
  size_t n = 0;
  for (const auto& [field, cond] : conditions_) n += cond.test(e.field(field)) ? 0 : 1;
  return n;
}

}  // namespace phonelab
