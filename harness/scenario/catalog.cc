// The requirement catalog (scenarios/requirements.yaml).

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

std::vector<Requirement> Checker::requirements(const YAML::Node& doc) {
  std::vector<Requirement> out;
  // Any file may be named with --catalog: one that is not a catalogue gets one diagnostic that
  // quotes none of its content.
  if (!doc.IsMap() || !doc["requirements"]) {
    error(doc, std::string("not a requirement catalogue: expected a map with a 'requirements' "
                           "list, got ") +
                   (doc.IsMap() ? "a map without it" : typeName(doc)));
    return out;
  }
  Fields top = fields(doc, {"requirements"}, "catalog");
  require(doc, top, {"requirements"}, "the requirement catalog");
  const Entry* list = top.get("requirements");
  if (!list || !expect(*list, YAML::NodeType::Sequence, "a list")) return out;
  std::map<std::string, int> seen;  // id -> line
  for (const auto& item : list->v) {
    if (!item.IsMap()) {
      error(item, std::string("expected a requirement (a map), got ") + typeName(item));
      continue;
    }
    Fields f = fields(item, {"id", "title", "kind", "spec", "notes", "planned", "wrong_ways"},
                      "requirement");
    require(item, f, {"id", "title", "kind", "spec"}, "requirement");
    Requirement r;
    r.mark = mark(item);
    if (const Entry* x = f.get("id"); x && text(*x)) {
      r.id = x->v.Scalar();
      if (!validRequirementId(r.id)) {
        error(x->v, "bad requirement id '" + echo(r.id) + "': use A-Z, 0-9 and '-', at most " +
                        std::to_string(kMaxIdLength) + " characters");
      }
      auto [it, fresh] = seen.emplace(r.id, mark(x->v).line);
      if (!fresh) {
        error(x->v, "duplicate requirement id '" + r.id + "' (first at line " +
                        std::to_string(it->second) + ")");
      }
    }
    if (const Entry* x = f.get("title")) r.title = text(*x).value_or("");
    if (const Entry* x = f.get("kind"); x && text(*x)) {
      r.kind = x->v.Scalar();
      if (r.kind != "documented" && r.kind != "hardening") {
        error(x->v, "'kind' is '" + r.kind + "': expected documented or hardening");
      }
    }
    if (const Entry* x = f.get("spec")) r.spec = text(*x).value_or("");
    if (const Entry* x = f.get("notes")) r.notes = text(*x).value_or("");
    if (const Entry* x = f.get("planned")) {
      r.planned = text(*x).value_or("");
      if (r.planned.empty()) {
        error(x->v, "'planned' is empty: name the issue that will test it (e.g. \"#5 TLS\")");
      }
    }
    if (const Entry* x = f.get("wrong_ways"); x && expect(*x, YAML::NodeType::Sequence, "a list")) {
      std::map<std::string, int> faults;  // fault -> line
      for (const auto& w : x->v) {
        if (!w.IsMap()) {
          error(w,
                std::string("expected a wrong way {fault: <emulator fault>, how: <text>}, got ") +
                    typeName(w));
          continue;
        }
        Fields wf = fields(w, {"fault", "how"}, "wrong way");
        require(w, wf, {"fault", "how"}, "wrong way");
        WrongWay ww;
        if (const Entry* y = wf.get("fault"); y && text(*y)) {
          ww.fault = y->v.Scalar();
          const bool ok = !ww.fault.empty() && ww.fault.size() <= 64 &&
                          std::all_of(ww.fault.begin(), ww.fault.end(), [](char c) {
                            return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
                          });
          if (!ok) error(y->v, "bad fault name '" + ww.fault + "': use a-z, 0-9 and '-'");
          auto [it, fresh] = faults.emplace(ww.fault, mark(y->v).line);
          if (!fresh) {
            error(y->v, "fault '" + ww.fault + "' is listed twice (first at line " +
                            std::to_string(it->second) + ")");
          }
        }
        if (const Entry* y = wf.get("how")) ww.how = text(*y).value_or("");
        r.wrong_ways.push_back(std::move(ww));
      }
    }
    out.push_back(std::move(r));
  }
  return out;
}

}  // namespace phonelab::scenario::detail
