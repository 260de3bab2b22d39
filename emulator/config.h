#pragma once
/// The phone's configuration: a table of known parameters (flat-profile element names, Cisco MPP)
/// and a store of their values, persisted as a flat profile in <state-dir>/config.xml.

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace phonelab::emulator {

/// How a value is checked and how its web control looks.
enum class ParamKind {
  Text,      // free text
  Password,  // free text, rendered as <input type="password">
  Ip4,       // dotted quad or empty
  Uint,      // decimal unsigned integer
  Select,    // one of `allowed`
};

/// One row of the parameter table. Adding a parameter is adding one row to paramTable().
struct ParamDef {
  std::string_view name;     // flat-profile element name, also the web form field name
  std::string_view page;     // web page: "system" | "ext1" | "user"
  std::string_view section;  // section heading on that page
  std::string_view label;    // label in the web UI
  ParamKind kind = ParamKind::Text;
  std::string_view def;                   // factory default
  std::vector<std::string_view> allowed;  // for Select
  bool restart = false;                   // changing it reboots the phone
};

/// All known parameters, in display order.
const std::vector<ParamDef>& paramTable();
/// The row for `name`, or nullptr.
const ParamDef* findParam(std::string_view name);

/// Why `value` is not acceptable for `p` ("" when it is).
std::string validateParam(const ParamDef& p, const std::string& value);

/// One element of a flat profile.
struct ProfileElement {
  std::string name;
  std::string value;
};

/// Parses a flat profile (`<flat-profile><Name ua="na">value</Name>...</flat-profile>`, optionally
/// with an XML declaration, comments and self-closing elements). Returns nullopt and sets `error`
/// on malformed input.
std::optional<std::vector<ProfileElement>> parseFlatProfile(std::string_view xml,
                                                            std::string* error);

std::string xmlEscape(std::string_view s);

class ConfigStore {
 public:
  /// Factory defaults.
  ConfigStore();

  void resetToDefaults();
  /// The value of a known parameter ("" for an unknown one).
  const std::string& get(std::string_view name) const;
  /// Sets a known parameter after validation. Returns "" or why it was refused.
  std::string set(std::string_view name, const std::string& value);
  const std::map<std::string, std::string, std::less<>>& values() const { return values_; }

  /// The whole store as a flat profile, in table order, values XML-escaped.
  std::string toFlatProfile() const;

  /// Loads `path`: factory defaults, then every known, valid element of the file. A missing file
  /// gives defaults and returns true. Returns false with `error` for an unreadable or malformed
  /// file (the store then holds defaults). Unknown or invalid elements are reported in `skipped`.
  bool load(const std::string& path, std::string* error,
            std::vector<std::string>* skipped = nullptr);
  /// Writes atomically (temp file + rename). Returns false with `error` on failure.
  bool save(const std::string& path, std::string* error) const;

 private:
  std::map<std::string, std::string, std::less<>> values_;
};

/// The outcome of applying a flat profile's elements to the store (resync, DHCP provisioning).
struct ProfileApplyResult {
  int applied = 0;                   // known elements with a valid value
  std::vector<std::string> changed;  // names whose value changed
  std::vector<std::string> notes;    // one log line each: unknown/invalid elements, changes
  bool restart = false;              // a changed parameter needs a reboot
};
/// Applies every known, valid element; unknown and invalid ones are skipped (and noted).
ProfileApplyResult applyProfileElements(ConfigStore& config,
                                        const std::vector<ProfileElement>& elements);

}  // namespace phonelab::emulator
