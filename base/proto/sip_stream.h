#pragma once
/// SIP over a byte stream (TCP, TLS): RFC 3261 18.3 framing by Content-Length.

#include <cstddef>
#include <string>
#include <vector>

namespace phonelab::proto {

/// How far the front message of a stream's buffer has been looked at, kept between calls of
/// takeSipMessages so that a message arriving a few bytes at a time is scanned once, not again
/// from its start on every arrival. Reset it ({}) whenever the buffer is emptied by other means.
struct SipStreamScan {
  size_t searched = 0;  // bytes of the front message searched for the end of its header block
  size_t size = 0;      // the front message's whole size (header block + body), 0 until known
};

/// Splits complete SIP messages off the front of `buf` (leading CRLF keepalives skipped; the
/// compact form "l:" counts) and leaves the rest. Sets `error` (returning what came before, the
/// offending message left at the front of `buf`) when the stream cannot be SIP: a header block
/// over 64 KiB, or a Content-Length that is not a number or is over 1 MiB. Linear in what is new
/// in `buf` when `scan` is carried between calls and `buf` is only appended to in between.
std::vector<std::string> takeSipMessages(std::string& buf, SipStreamScan& scan, std::string& error);
/// The same for a buffer looked at from its start (no scan carried over).
std::vector<std::string> takeSipMessages(std::string& buf, std::string& error);

}  // namespace phonelab::proto
