#pragma once
/// Run-wide checks of a scenario that sets SIP over TLS (the DUT setting line1.sip_transport: tls):
/// the runner adds them after the scenario's own steps, from the event log alone.
///
///   "SIP over TLS: no cleartext SIP on the segment from any host"
///       no capture `sip.*` event (SIP over UDP or TCP, any port) from the phone, Kamailio, the
///       test UA or anyone else: with TLS configured, every SIP message crosses the wire encrypted.
///   "SIP over TLS: call N (Call-ID X): the ACK reached the phone"
///       for each call the test UA placed and the phone answered (2xx): the UA's ACK went down to
///       the phone over TLS. Through phonelab's TLS proxy the decrypted ACK is seen
///       (tls.sip.request to-phone); through a TLS server we cannot decrypt (Kamailio's own
///       listener) the capture shows that server writing to the phone's TLS connection after the
///       phone's 2xx reached the test UA, once for the ACK and once more for the BYE, and no ICMP
///       unreachable from the phone. (The UA logs ua.sent after sending, so a fast relay can put
///       the ACK on the wire before that time: the window starts at the 2xx's ua.received.)
///   "SIP over TLS: call N (Call-ID X): the BYE was answered 200"
///       the test UA's BYE got a 200 from the phone (through the same connection).

#include <string>
#include <vector>

#include "base/core/event.h"
#include "base/core/verdict.h"

namespace phonelab {

struct TlsRunInfo {
  std::string dut_mac;  // the phone
  std::string sip_ip;   // the SIP server's lab address (${svc.sip})
};

/// The checks above, decided from what `log` holds now (t: when decided; step: "run-wide").
std::vector<CheckResult> sipOverTlsChecks(const EventLog& log, const TlsRunInfo& info);

}  // namespace phonelab
