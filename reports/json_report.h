#pragma once
/// results.json: RunResults one to one. Schema "phonelab-results/1":
///
/// {
///   "schema": "phonelab-results/1",
///   "run": {"started_at", "finished_at", "harness_version", "lab", "lab_file", "command", "host":
///           string, "dut": {string: string}, "emulator_faults": [string], "complete": bool,
///           "interrupted": string},
///   "scenarios": [{"id", "title", "file": string, "requirements": [string], "tags": [string],
///                  "verdict": verdict, "started_at": string, "duration": number,
///                  "steps": [{"name", "kind": string, "started", "duration": number,
///                             "outcome": string}],
///                  "checks": [{"name": string, "verdict": verdict, "message": string,
///                              "t": number, "step": string, "details": {string: string},
///                              "expected", "observed": string}],
///                  "evidence": {string: path relative to the report folder},
///                  "error": string}],
///   "requirements": [{"id", "title", "kind", "spec", "notes", "planned": string,  <- the catalog
///                     "verdict": verdict or "not-tested",                 <- derived
///                     "scenarios": [scenario id]}],                       <- derived
///   "counts": {"pass", "fail", "inconclusive", "error", "not-applicable": int}  <- derived
/// }
///
/// verdict is one of "pass", "fail", "inconclusive", "error", "not-applicable". A requirement no
/// scenario of the run names is "not-tested" (its "planned" says which issue will test it, if the
/// catalog marks it); "not-applicable" is only for scenarios whose device lacks a capability.
/// checks[].expected/observed: what the check wanted (naming the device profile's choice where it
/// decided) and what was seen instead; "" where there is nothing to compare. Times are ISO 8601
/// UTC strings; durations and offsets are seconds (numbers; null stands for a non-finite value).
/// Every field is written, always, in this order. Reading requires every field except
/// "checks[].expected", "checks[].observed" and "requirements[].planned" (added later; "" when
/// absent) and the derived ones ("requirements[].verdict", "requirements[].scenarios", "counts"),
/// which are type-checked when present and otherwise ignored: they are recomputed from the
/// scenarios and the catalog, so writing what was read gives the same bytes. Unknown fields are
/// ignored. Strings that are not valid UTF-8 are written with U+FFFD in place of the bad bytes.

#include <string>
#include <string_view>

#include "base/core/result.h"

namespace phonelab::reports {

inline constexpr std::string_view kResultsSchema = "phonelab-results/1";

/// The text of results.json (pretty-printed, two-space indent, trailing newline).
std::string toJsonText(const RunResults& r);
/// Parses the text of results.json; file is used in diagnostics only. Throws ConfigError:
/// "file:line:col: ..." for malformed JSON, "file: scenarios[2].checks[0].verdict: ..." for a
/// missing or wrong-typed field (all such problems at once).
RunResults fromJsonText(std::string_view text, const std::string& file);

}  // namespace phonelab::reports
