#pragma once
/// What the lab's TR-069 ACS (acs.h) answers to one request from the phone, apart from the
/// socket: pure functions of the request, with their events emitted to the log.

#include <string>

#include "base/core/event.h"
#include "fakes/http/http_server.h"

namespace phonelab::fakes {

/// The ACS's reply to one request, as documented on AcsFake; emits acs.inform, acs.request or
/// acs.malformed (source "acs").
HttpReply answerCwmp(const HttpExchange& x, EventLog& log);

/// acs.malformed {src_ip, src_port, reason}.
void emitCwmpMalformed(EventLog& log, const std::string& src_ip, int src_port,
                       const std::string& reason);

}  // namespace phonelab::fakes
