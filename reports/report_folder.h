#pragma once
/// What the HTML and JUnit writers read from the report folder besides results.json: a
/// scenario's captured wire events (events.jsonl) and its evidence files. Both are files the run
/// left in the folder, so `phonelab report DIR` re-renders the same bytes.

#include <istream>
#include <map>
#include <string>
#include <vector>

#include "base/core/result.h"

namespace phonelab::reports {

/// One captured SIP or DHCP message (an events.jsonl line with source "capture").
struct WireEvent {
  double t = 0;
  std::string kind;  // sip.request, sip.response, sip.malformed, dhcp.discover, bootp.request...
  std::string summary;
  std::map<std::string, std::string> fields;
  std::string field(const std::string& k) const;
};

/// The scenario's captured sip.*, dhcp.* and bootp.* events, in file order, from
/// <report_dir>/<evidence "events">. Missing file or no "events" evidence: empty. Lines that are
/// not JSON objects are skipped and counted in `skipped`.
std::vector<WireEvent> readWireEvents(const ScenarioResult& s, const std::string& report_dir,
                                      int& skipped);

/// One evidence file of a scenario: path relative to the report folder, and its kind for a person
/// ("capture (pcap)", "TLS key log", "audio (WAV)", ...).
struct EvidenceFile {
  std::string path;
  std::string kind;
  std::string key;  // the results.json evidence key, or "" for a file found in the folder
};

/// A TLS scenario's capture with the run's TLS session keys embedded (a pcapng Decryption Secrets
/// Block): Wireshark and tshark open it decrypted, with no key log option. Beside capture.pcap; a
/// secret file (0600, never in a shared copy).
inline constexpr const char* kDecryptedCaptureName = "capture-decrypted.pcapng";
/// Its kind for a person, the one-line explanation the report shows beside the link.
inline constexpr const char* kDecryptedCaptureKind =
    "capture with the TLS session keys: opens decrypted in Wireshark";

/// True if `in` is a pcapng file (either byte order) holding a Decryption Secrets Block before its
/// first packet. Reads block headers only, skipping block bodies. false for anything else.
bool pcapngHasDecryptionSecrets(std::istream& in);

/// The kind of an evidence file from its name; "" for a kind we do not know (not listed).
std::string evidenceKind(const std::string& filename);

/// The scenario's evidence: the files results.json names, plus every file of a known kind under
/// <report_dir>/<scenario id>/ (other engineers add key logs, WAV and PNG files there), sorted by
/// path. With an empty report_dir only results.json's entries.
std::vector<EvidenceFile> listEvidence(const ScenarioResult& s, const std::string& report_dir);

}  // namespace phonelab::reports
