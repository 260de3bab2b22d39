#pragma once
/// SIP messages seen on the wire (a UDP payload from the capture) as harness events.
///
/// Kinds and fields (every event also has src_ip src_port dst_ip dst_port length):
///   sip.request    method uri call_id cseq (number) cseq_method from to from_tag to_tag from_user
///                  from_host to_user to_host branch user_agent contact expires event
///                  authorization ("yes" | "no": Authorization header present)
///                  proxy_authorization ("yes" | "no") content_type
///                  missing (mandatory headers absent, "Via,CSeq"; only when some are)
///   sip.response   status reason call_id cseq cseq_method from to from_tag to_tag branch
///                  contact expires server content_type
///                  www_authenticate ("yes" | "no") proxy_authenticate ("yes" | "no")
///                  missing (as above)
///   sip.malformed  reason (the parser's), start (the first line, up to 120 bytes, printable)
/// Fields of absent headers are "" (header fields) so checks can compare them; the *_tag,
/// branch and *_user/host fields likewise.
/// summary: "REGISTER sip:sip.lab.example from 198.18.0.100:5060 to 198.18.0.10:5060" or
/// "401 Unauthorized (REGISTER) from 198.18.0.10:5060 to 198.18.0.100:5060".
/// t is -1 and source is empty: the caller stamps them.

#include <cstdint>
#include <optional>
#include <span>
#include <string>

#include "base/core/event.h"

namespace phonelab::proto {

/// Does this payload look like SIP (a SIP/2.0 status line, or a request line "METHOD uri
/// SIP/2.0")? Cheap: only the first line is looked at. Keepalives (CRLFs only) are not SIP.
bool looksLikeSip(std::span<const uint8_t> udp_payload);

/// Decodes one UDP payload as a SIP message. nullopt for an empty payload or a keepalive (only
/// CR/LF bytes); sip.malformed for anything else the parser rejects.
std::optional<Event> sipEvent(std::span<const uint8_t> udp_payload, const std::string& src_ip,
                              int src_port, const std::string& dst_ip, int dst_port);

}  // namespace phonelab::proto
