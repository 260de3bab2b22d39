// Steps of a scenario: wait, expect and expect_none, their events and conditions.

#include "harness/scenario/checker.h"

#include <set>
#include <sstream>

#include "base/core/deadline.h"
#include "base/core/event_catalog.h"
#include "base/core/match.h"
#include "base/core/status_fields.h"
#include "base/proto/dhcp_options.h"
#include "harness/scenario/vars.h"

namespace phonelab::scenario::detail {

void Checker::steps(const Entry& e, std::vector<Step>& out) {
  if (!expect(e, YAML::NodeType::Sequence, "a list")) return;
  if (e.v.size() == 0) {
    error(e.v, "'steps' is empty: a scenario needs at least one step");
    return;
  }
  std::map<std::string, std::pair<size_t, Mark>> names;  // name -> (index, where)
  for (size_t i = 0; i < e.v.size(); ++i) {
    step_index_ = i;
    Mark name_mark;  // the explicit name's value, else the step
    auto st = step(e.v[i], i, name_mark);
    if (!st) continue;
    auto [it, fresh] = names.emplace(st->name, std::pair{i, st->mark});
    if (!fresh) {
      error(name_mark, "duplicate step name '" + st->name + "' (first at line " +
                           std::to_string(it->second.second.line) + ")");
    }
    out.push_back(std::move(*st));
  }
  for (const auto& ref : since_refs_) {
    if (ref.name == "scenario") continue;
    auto it = names.find(ref.name);
    if (it == names.end()) {
      error(ref.node, "'since: " + ref.name +
                          "' names no step; use 'scenario' or the name of an earlier step");
    } else if (it->second.first >= ref.step) {
      error(ref.node, "'since: " + ref.name + "' names a step that is not earlier (line " +
                          std::to_string(it->second.second.line) + ")");
    }
  }
}

std::optional<Step> Checker::step(const YAML::Node& item, size_t index, Mark& name_mark) {
  if (!item.IsMap()) {
    error(item, std::string("expected a step (a map with one of ") + join(kStepKinds) + "), got " +
                    typeName(item));
    return std::nullopt;
  }
  Step st;
  st.mark = mark(item);
  name_mark = st.mark;
  std::optional<Entry> kind, name;
  bool reported = false;
  for (auto it = item.begin(); it != item.end(); ++it) {
    std::string key = it->first.IsScalar() ? it->first.Scalar() : "";
    Entry e{key, it->first, it->second};
    if (key == "name") {
      if (name) error(e.k, "duplicate key 'name'");
      name.emplace(e);
    } else if (key == "when") {
      when(e, st.when);
    } else if (contains(kStepKinds, key)) {
      if (kind) {
        error(e.k, "step has two kinds, '" + kind->key + "' and '" + key +
                       "': a step does one thing (split it into two steps)");
        reported = true;
      } else {
        kind.emplace(e);
      }
    } else {
      error(e.k, "unknown step kind '" + key + "'" + suggest(key, kStepKinds) +
                     "; a step is one of " + join(kStepKinds) + ", with an optional name and when");
      reported = true;
    }
  }
  if (!kind) {
    if (!reported) error(item, "step has no kind: give it one of " + join(kStepKinds));
    return std::nullopt;
  }
  // A broken step is still returned so that its name counts for duplicates and `since`.
  if (kind->key == "act") {
    if (auto a = action(*kind)) st.body = ActStep{std::move(*a)};
  } else if (kind->key == "expect") {
    ExpectStep x;
    if (auto spec = eventSpec(*kind, &x)) x.spec = std::move(*spec);
    st.body = std::move(x);
  } else {
    auto spec = eventSpec(*kind, nullptr);
    if (spec && kind->key == "wait") st.body = WaitStep{std::move(*spec)};
    if (spec && kind->key == "expect_none") st.body = ExpectNoneStep{std::move(*spec)};
  }
  st.name = std::string(st.kindName()) + "-" + std::to_string(index + 1);
  if (name) {
    auto t = text(*name);
    if (t && (t->empty() || *t == "scenario")) {
      error(name->v, "step name '" + *t + "' is reserved or empty; choose another");
    } else if (t && !validStepName(*t)) {
      // Step names reach evidence file names (e.g. the audio of a call).
      error(name->v, "bad step name '" + echo(*t) +
                         "': use letters, digits, '-', '_' and '.' ([A-Za-z0-9][A-Za-z0-9_.-]*, "
                         "no '..'), at most " +
                         std::to_string(kMaxIdLength) + " characters");
    } else if (t) {
      st.name = *t;
      name_mark = mark(name->v);
    }
  }
  return st;
}

void Checker::when(const Entry& e, std::map<std::string, std::string>& out) {
  if (!expect(e, YAML::NodeType::Map,
              "a map of device-profile choices, e.g. "
              "{expect.unlisted_sip_request: drop}")) {
    return;
  }
  // The device profile's expectations; with no profile known, any expect.NAME.
  Names choices = expectationNames();
  if (!expectations_) {
    for (auto it = e.v.begin(); it != e.v.end(); ++it) {
      if (it->first.IsScalar() && knownExpectation(it->first.Scalar())) {
        choices.push_back(it->first.Scalar());
      }
    }
  }
  for (const auto& f : fields(e.v, choices, "'when'").entries) {
    if (auto t = text(f)) out[f.key] = *t;
  }
}

void Checker::checkEventSpec(const EventSpec& spec, const YAML::Node& event_node) {
  // Against the event catalogue: a misspelt kind or field would otherwise match nothing, and an
  // expect_none on it would pass whatever the phone did.
  const auto kinds = eventKindsMatching(spec.event);
  if (kinds.empty()) {
    Names all;
    for (const auto& k : eventCatalog()) all.push_back(k.kind);
    const bool glob = spec.event.find_first_of("*?") != std::string::npos;
    error(event_node, (glob ? "no event kind matches '" : "unknown event kind '") + spec.event +
                          "'" + suggest(spec.event, all) +
                          " (the event kinds are listed in docs/scenario-format.md)");
    return;
  }
  for (const auto& c : spec.where) {
    if (std::any_of(kinds.begin(), kinds.end(),
                    [&](const EventKindInfo* k) { return eventHasField(*k, c.field); })) {
      continue;
    }
    Names fields;
    for (const auto* k : kinds) {
      for (const auto& f : k->fields) {
        if (!contains(fields, f)) fields.push_back(f);
      }
    }
    error(c.mark, "'" + spec.event + "' events have no field '" + c.field + "'" +
                      suggest(c.field, fields) + "; fields: " + join(fields));
  }
}

std::optional<EventSpec> Checker::eventSpec(const Entry& e, ExpectStep* expect_step) {
  if (!expect(e, YAML::NodeType::Map, "a map with 'event'")) return std::nullopt;
  Names keys = {"event", "where", "within", "since"};
  if (expect_step) keys.insert(keys.end(), {"probe", "every"});
  Fields f = fields(e.v, keys, e.key);
  require(e.v, f, {"event"}, "'" + e.key + "'");
  EventSpec spec;
  spec.mark = mark(e.v);
  if (const Entry* x = f.get("event")) {
    spec.event = text(*x).value_or("");
    if (x->v.IsScalar() && spec.event.empty()) error(x->v, "'event' is empty");
  }
  if (const Entry* x = f.get("where"); x && expect(*x, YAML::NodeType::Map, "a map")) {
    for (auto it = x->v.begin(); it != x->v.end(); ++it) {
      if (!it->first.IsScalar()) {
        error(it->first, "expected a field name, got " + std::string(typeName(it->first)));
        continue;
      }
      Entry cond{it->first.Scalar(), it->first, it->second};
      auto first = std::find_if(spec.where.begin(), spec.where.end(),
                                [&](const Condition& c) { return c.field == cond.key; });
      if (first != spec.where.end()) {
        error(cond.k, "duplicate key '" + cond.key + "' (first at line " +
                          std::to_string(first->mark.line) + ")");
      } else if (auto c = condition(cond)) {
        spec.where.push_back(std::move(*c));
      }
    }
  }
  if (!spec.event.empty()) checkEventSpec(spec, f.get("event")->v);
  // status.xml is read through the device profile's abstract status fields, never by a raw
  // element name that only one firmware (or the emulator) has.
  if (spec.event == "dut.status") {
    for (const auto& c : spec.where) {
      if (isStatusField(c.field)) continue;
      error(c.mark, "'" + c.field + "' is not a status field" +
                        suggest(c.field, statusFieldNames()) +
                        " (dut.status is matched on the device profile's abstract status "
                        "fields: " +
                        join(statusFieldNames()) + ")");
    }
  }
  if (const Entry* x = f.get("within")) {
    int boots = 0;
    if (auto d = bootDuration(*x, boots)) {
      spec.within = *d;
      spec.within_boots = boots;
    }
  }
  if (const Entry* x = f.get("since")) {
    if (auto t = text(*x)) {
      spec.since = *t;
      since_refs_.push_back({step_index_, *t, x->v});
    }
  }
  if (expect_step) {
    if (const Entry* x = f.get("probe")) expect_step->probe = action(*x);
    if (const Entry* x = f.get("every")) {
      expect_step->every = duration(*x).value_or(expect_step->every);
      if (!f.get("probe")) error(x->k, "'every' without 'probe' has no effect");
    }
  }
  return spec;
}

std::optional<Condition> Checker::condition(const Entry& e) {
  Condition c;
  c.field = e.key;
  c.mark = mark(e.k);
  if (e.v.IsMap()) {
    if (e.v.size() != 1) {
      error(e.v, "condition on '" + e.key + "': expected one {operator: operand}, e.g. {lt: 30}");
      return std::nullopt;
    }
    auto it = e.v.begin();
    c.op = it->first.IsScalar() ? it->first.Scalar() : "";
    if (!contains(kOperators, c.op)) {
      error(it->first, "unknown operator '" + c.op + "'" + suggest(c.op, kOperators) +
                           "; operators: " + join(kOperators));
      return std::nullopt;
    }
  } else if (!e.v.IsScalar()) {
    if (e.v.IsNull()) {
      error(e.k, "condition on '" + e.key + "' has no value");
    } else {
      error(e.v, "condition on '" + e.key + "': expected a value or {operator: operand}, got " +
                     typeName(e.v));
    }
    return std::nullopt;
  }
  const YAML::Node operand = e.v.IsMap() ? YAML::Node(e.v.begin()->second) : e.v;
  auto t = text(Entry{c.op, operand, operand});
  if (!t) return std::nullopt;
  c.operand = *t;
  // Validate exactly as the runner will build it. Variables are expanded per lane, so a regex is
  // checked with them replaced by plain text.
  std::string probe_operand = c.operand;
  if (c.op == "regex") {
    std::map<std::string, std::string> plain;
    for (const auto& n : variablesIn(c.operand)) {
      if (knownVariable(n)) plain[n] = "x";
    }
    probe_operand = expand(c.operand, plain);
  }
  try {
    auto built = FieldCondition::make(c.op, probe_operand);
    if (variablesIn(c.operand).empty()) {
      c.compiled = std::make_shared<const FieldCondition>(std::move(built));
    }
  } catch (const std::invalid_argument& ex) {
    error(operand, "condition on '" + e.key + "': " + ex.what());
    return std::nullopt;
  }
  return c;
}

}  // namespace phonelab::scenario::detail
