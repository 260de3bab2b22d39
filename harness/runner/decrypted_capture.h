#pragma once
/// The capture that opens decrypted: at the end of a scenario with a TLS key log, capture.pcap
/// and the key log become one pcapng with the keys embedded as a Decryption Secrets Block
/// (`editcap --inject-secrets tls,KEYLOG`, from Wireshark's tools), so Wireshark and tshark show
/// the SIP inside TLS with no key log option.
///
/// editcap parses bytes the phone chose, so it never runs as root: it runs as an unprivileged
/// account (`nobody`) with no capabilities, in a private folder of the run's own
/// (/run/phonelab/<token>/...) that holds copies of its two inputs and nothing else; the harness
/// copies its output into the report (mode 0600: the file holds the session keys) and removes the
/// folder.

#include <string>

#include "base/core/deadline.h"

namespace phonelab::runner {

/// Writes `out` (a pcapng) from `pcap` and the NSS key log `keylog`. true when `out` is written
/// and holds a decryption secrets block; false with `why` otherwise (editcap missing or failing,
/// no unprivileged account, an empty key log...), and then `out` does not exist. Never throws.
bool writeDecryptedCapture(const std::string& pcap, const std::string& keylog,
                           const std::string& out, Deadline deadline, std::string& why);

}  // namespace phonelab::runner
