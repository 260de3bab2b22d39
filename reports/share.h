#pragma once
/// `phonelab report DIR --share OUT`: a copy of a report that is safe to publish (a ticket, a CI
/// artifact, a vendor). Left out: the secret files (kamailio.cfg and tls.cfg, the phone's flash
/// dut-state/, TLS key logs, a pcapng with TLS session keys embedded (capture-decrypted.pcapng),
/// anything holding a PRIVATE KEY; any other pcapng too, as it is not masked). Masked in place,
/// length kept ('*'): Authorization and Proxy-Authorization header values (HTTP Basic, SIP
/// digest), digest response= values, and values of password-like names (base/core/secrets.h)
/// as XML elements, form fields or JSON members: in every capture's TCP/UDP payloads (checksums
/// recomputed, so the pcap stays valid) and in every text file. index.html and junit.xml are
/// rendered again from the masked results.json. A credential split across two TCP segments is not
/// recognised.

#include <string>
#include <vector>

namespace phonelab::reports {

/// Masks, in place and keeping the length, the credentials described above in `bytes`. Returns
/// how many values were masked.
size_t maskCredentials(std::string& bytes);

/// The same for every TCP/UDP payload of a classic pcap file (Ethernet, optional VLAN tag, IPv4
/// or IPv6), fixing the TCP/UDP checksums of the packets it changed. false and `why` if the bytes
/// are not such a pcap (the caller leaves the file out). Returns true otherwise.
bool maskPcap(std::string& bytes, size_t& masked, std::string& why);

/// Writes the shareable copy of report_dir to out_dir (a new folder, or an empty one of ours).
/// `notes` gets one line per file left out and why. Throws phonelab::Error / ConfigError.
void writeShareCopy(const std::string& report_dir, const std::string& out_dir,
                    std::vector<std::string>& notes);

}  // namespace phonelab::reports
