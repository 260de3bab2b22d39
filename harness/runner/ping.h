#pragma once
/// ICMP echo requests from the lab side (a raw socket created on the calling thread, i.e. in the
/// lab namespace when called from a lane). Replies are observed by the capture, not here.

#include <string>

namespace phonelab::runner {

/// Sends one echo request from `from` ("" = any) to `to`. Returns "" or the reason it failed.
std::string sendEchoRequest(const std::string& from, const std::string& to, uint16_t id,
                            uint16_t seq);

}  // namespace phonelab::runner
