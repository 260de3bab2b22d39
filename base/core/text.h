#pragma once
/// Small text helpers shared by the harness, the fakes and the emulator.

#include <string>
#include <string_view>
#include <vector>

namespace phonelab {

/// Escapes & < > " for XML and HTML text and attribute values; an apostrophe becomes
/// `apostrophe` ("&#39;" works in both; flat-profile XML uses "&apos;"; "'" leaves it as is).
/// Bytes are passed through otherwise (reports/xml.h also checks UTF-8 and control characters).
std::string escapeMarkup(std::string_view s, std::string_view apostrophe = "&#39;");
/// Appends the entity of c if it is one of & < > " ' (the apostrophe as `apostrophe`) and says
/// so; escapeMarkup and reports/xml.h's checked escaper share it.
bool appendMarkupEntity(std::string& out, char c, std::string_view apostrophe = "&#39;");

/// At most `max` bytes of `s` (not cutting a UTF-8 sequence), with "..." if anything was cut.
std::string shorten(std::string_view s, size_t max = 200);

/// Text made safe for an operator's terminal: control characters (C0 but newline and tab, DEL,
/// C1 such as U+009B CSI, bidirectional overrides) and invalid UTF-8 become `\xNN` per byte,
/// and a value in single quotes longer than `quoted_max` characters is cut to that many plus
/// "...". Plain ASCII and valid UTF-8 text pass unchanged.
std::string terminalSafe(std::string_view s, size_t quoted_max = 200);

/// " (did you mean 'x'?)" for the candidate nearest to `word` within edit distance 2, else "".
/// Linear in the lengths (only the band within 2 of the diagonal is computed).
std::string didYouMean(const std::string& word, const std::vector<std::string>& candidates);

}  // namespace phonelab
