#pragma once
/// The event catalogue: every kind of event the harness, the fakes and the capture decoder emit,
/// with its source, its fields and what it means, in one table (like a DHCP server's message
/// catalogue). The scenario loader refuses an `event:` kind or a `where:` field the catalogue does
/// not know, so a misspelt kind cannot make an `expect_none` pass silently; docs/scenario-format.md
/// lists the same table (a unit test keeps them equal), and tests check that what the code emits
/// is catalogued.

#include <string>
#include <vector>

namespace phonelab {

struct EventKindInfo {
  std::string kind;    // exact: "dhcp.discover"
  std::string source;  // who emits it: "capture", "dut", "harness", a fake's name
  /// Field names; one ending in '*' is a prefix ("opt_*": opt_1, opt_51, ...).
  std::vector<std::string> fields;
  /// The fields are data whose names vary (cfg.xml elements, a phone's status.xml): any name is
  /// accepted besides those listed.
  bool open = false;
  std::string meaning;  // one line
};

/// Every kind, in documentation order.
const std::vector<EventKindInfo>& eventCatalog();
/// The entry of an exact kind, or nullptr.
const EventKindInfo* findEventKind(const std::string& kind);
/// The entries a kind pattern (exact, or a glob with '*' and '?') matches.
std::vector<const EventKindInfo*> eventKindsMatching(const std::string& pattern);
/// Does the entry have this field (exactly, by a prefix entry, or because its fields are open)?
bool eventHasField(const EventKindInfo& info, const std::string& field);
/// The catalogue as a Markdown table (kind, source, fields, meaning): `phonelab list --events`
/// prints it, and docs/scenario-format.md holds the same table.
std::string eventCatalogMarkdown();

}  // namespace phonelab
