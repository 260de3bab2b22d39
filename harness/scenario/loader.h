#pragma once
/// Loading and validating scenario files and the requirement catalog. Everything is validated
/// before anything runs; every problem is reported as file:line:col: message.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/core/error.h"
#include "base/core/result.h"
#include "base/core/safe_fs.h"
#include "harness/scenario/model.h"

namespace phonelab::scenario {

/// The device profile's expected outcomes a scenario may name (their names:
/// "unlisted_sip_request"), as ${expect.NAME} and as `when:` keys; another expect.NAME is an error
/// (file:line:col, did you mean). nullopt: no profile is known, any expect.NAME is taken (`phonelab
/// validate`, `run` and `selftest` pass the lab's profile; a test of the loader alone, `phonelab
/// list` do not).
using Expectations = std::optional<std::vector<std::string>>;

/// Loads scenarios/requirements.yaml. Throws ConfigError with every problem found.
std::vector<Requirement> loadRequirements(const std::string& path);
/// The same, appending problems to `diags` instead of throwing.
std::vector<Requirement> loadRequirements(const std::string& path, std::vector<Diagnostic>& diags);

/// Parses one scenario file. Appends problems to `diags` (does not throw for content errors).
/// Returns the scenarios in the file (one document per scenario; several documents allowed).
std::vector<Scenario> loadScenarioFile(const std::string& path, std::vector<Diagnostic>& diags,
                                       const Expectations& expectations = std::nullopt);

/// Collects *.yaml under each path (a file or a directory, recursively, sorted), skipping
/// requirements.yaml. Nonexistent path -> diagnostic.
std::vector<std::string> findScenarioFiles(const std::vector<std::string>& paths,
                                           std::vector<Diagnostic>& diags);

/// Loads every scenario under paths and cross-checks them: duplicate ids, unknown requirement ids
/// (against `catalog`); ${expect.NAME} and `when:` keys against `expectations`. Throws ConfigError
/// listing every diagnostic if there is any.
std::vector<Scenario> loadSuite(const std::vector<std::string>& paths,
                                const std::vector<Requirement>& catalog,
                                const Expectations& expectations = std::nullopt);

/// The requirement coverage gate, over a whole suite: a scenario naming a requirement the catalog
/// lacks, a requirement no scenario names unless it carries `planned:` (an issue that will test
/// it), and a `planned:` marker on a requirement a scenario already tests (stale). Returns every
/// problem, placed at the catalog entry or the scenario's requirement.
std::vector<Diagnostic> checkCoverage(const std::vector<Requirement>& catalog,
                                      const std::vector<Scenario>& scenarios);

}  // namespace phonelab::scenario

namespace phonelab::scenario {

using phonelab::isScenarioId;  // base/core/safe_fs.h

}  // namespace phonelab::scenario
