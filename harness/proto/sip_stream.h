#pragma once
/// SIP over a byte stream (TCP, TLS): RFC 3261 18.3 framing by Content-Length.

#include <string>
#include <vector>

namespace phonelab::proto {

/// Splits complete SIP messages off the front of `buf` (leading CRLF keepalives skipped; the
/// compact form "l:" counts) and leaves the rest. Sets `error` (returning what came before) when
/// the stream cannot be SIP: a header block over 64 KiB, or a Content-Length that is not a
/// number or is over 1 MiB.
std::vector<std::string> takeSipMessages(std::string& buf, std::string& error);

}  // namespace phonelab::proto
