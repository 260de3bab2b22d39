#pragma once
/// Small text helpers shared by the harness, the fakes and the emulator.

#include <string>
#include <string_view>

namespace phonelab {

/// Escapes & < > " for XML and HTML text and attribute values; an apostrophe becomes
/// `apostrophe` ("&#39;" works in both; flat-profile XML uses "&apos;"; "'" leaves it as is).
/// Bytes are passed through otherwise (reports/xml.h also checks UTF-8 and control characters).
std::string escapeMarkup(std::string_view s, std::string_view apostrophe = "&#39;");

}  // namespace phonelab
