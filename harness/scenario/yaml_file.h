#pragma once
/// Reading the harness's YAML input files (scenarios, the requirement catalogue, lab files,
/// device profiles) safely: a regular file of bounded size, no anchors or aliases, every
/// problem a diagnostic with file:line:col.

#include <yaml-cpp/yaml.h>

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "base/core/error.h"

namespace phonelab::scenario {

/// The largest YAML file the harness reads (the biggest of ours is a few tens of KiB).
inline constexpr size_t kMaxYamlFileBytes = size_t{1024} * 1024;

/// Reads a file that must be a regular file (after symlinks) of at most `max_bytes`. Returns
/// false with `error` ("not a regular file (a character device)", "larger than 1 MiB", ...).
bool readRegularFile(const std::string& path, size_t max_bytes, std::string& content,
                     std::string& error);

/// Every YAML document of a file. nullopt with a diagnostic if the file cannot be read, is not a
/// regular file, is too large, has a syntax error, uses an anchor or alias, or holds nothing.
std::optional<std::vector<YAML::Node>> readYamlFile(const std::string& path,
                                                    std::vector<Diagnostic>& diags);

}  // namespace phonelab::scenario
