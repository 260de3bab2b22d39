#pragma once
/// Escaping shared by the XML (JUnit) and HTML writers, and the atomic file write they all use.

#include <sys/types.h>

#include <string>
#include <string_view>

namespace phonelab::reports {

/// Text made safe for XML 1.0 element content and attribute values (double or single quoted):
/// & < > " ' become entities; tab, LF and CR become &#9; &#10; &#13; so attribute values keep them.
/// Characters XML 1.0 forbids (C0 controls other than tab/LF/CR, U+FFFE, U+FFFF, surrogates) are
/// replaced by the visible text "\xNN" (the offending byte in hex), and bytes that are not valid
/// UTF-8 likewise, so a report never becomes unparsable because a phone sent garbage.
std::string xmlEscape(std::string_view s);

/// The same escaping for HTML text and attribute values (XML's rules are stricter, so they fit).
inline std::string htmlEscape(std::string_view s) {
  return xmlEscape(s);
}

/// A relative path made safe for an href: bytes outside the URL-safe set are percent-encoded,
/// and a path that would read as a URL scheme ("javascript:...") gets a "./" prefix.
/// The result still needs htmlEscape (for '&' and '\'').
std::string hrefPath(std::string_view path);

/// Writes content to path atomically: a new temporary file beside it (created O_EXCL with a fresh
/// name, so a planted link is never followed), flushed to disk, given `mode`, then renamed over
/// path (which replaces a link at path rather than writing through it). Throws phonelab::Error
/// naming the file on failure.
void writeFileAtomic(const std::string& path, std::string_view content, mode_t mode = 0600);

}  // namespace phonelab::reports
