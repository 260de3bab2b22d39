#include "base/core/event_catalog.h"

#include <algorithm>

#include "base/core/match.h"

namespace phonelab {

namespace {

using Fields = std::vector<std::string>;

/// Concatenates field groups: the catalogue's rows share the layers of a packet.
Fields join(std::initializer_list<Fields> parts) {
  Fields out;
  for (const auto& p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}

// Every capture event: the frame.
const Fields kFrame = {"src_mac", "dst_mac", "from", "frame", "ethertype", "length"};
const Fields kIp = {"src_ip", "dst_ip", "ttl", "proto", "bad_checksum"};
const Fields kPorts = {"src_port", "dst_port", "payload"};
const Fields kArp = {"op", "sender_ip", "sender_mac", "target_ip", "target_mac", "gratuitous"};
const Fields kIcmp = {"type", "code", "id", "seq"};
const Fields kDhcp = {
    "type",    "op",          "xid",         "chaddr",       "ciaddr",         "yiaddr",
    "siaddr",  "giaddr",      "flags",       "broadcast",    "server_id",      "requested_ip",
    "lease",   "t1",          "t2",          "renewal_time", "rebinding_time", "subnet_mask",
    "routers", "dns_servers", "domain_name", "hostname",     "vendor_class",   "params",
    "options", "message",     "file",        "sname",        "opt_*"};
const Fields kSip = {"branch",      "call_id", "contact", "content_type", "cseq",
                     "cseq_method", "expires", "from",    "from_tag",     "to",
                     "to_tag",      "missing", "start",   "via"};
const Fields kSipRequest = {"method",  "uri",       "authorization", "proxy_authorization",
                            "event",   "from_host", "from_user",     "to_host",
                            "to_user", "user_agent"};
const Fields kSipResponse = {"status", "reason", "www_authenticate", "proxy_authenticate",
                             "server"};
const Fields kTls = {"flaw",   "peer",     "direction", "src_ip",
                     "dst_ip", "src_port", "dst_port",  "length"};
const Fields kMalformed = {"src_ip", "src_port", "reason"};

}  // namespace

// One row per kind, in the order docs/scenario-format.md lists them.
const std::vector<EventKindInfo>& eventCatalog() {
  static const std::vector<EventKindInfo> kinds = {
      {"ether", "capture", join({kFrame}), false, "a frame of another ethertype"},
      {"arp", "capture", join({kFrame, kArp}), false,
       "an ARP packet that is neither request nor reply"},
      {"arp.request", "capture", join({kFrame, kArp}), false,
       "ARP who-has (gratuitous: sender = target)"},
      {"arp.reply", "capture", join({kFrame, kArp}), false, "ARP is-at"},
      {"ipv4", "capture", join({kFrame, kIp, {"fragment_offset", "more_fragments"}}), false,
       "an IPv4 packet of another protocol, or a fragment"},
      {"ipv6", "capture", join({kFrame}), false, "an IPv6 packet (the lab disables IPv6)"},
      {"icmp.echo-request", "capture", join({kFrame, kIp, kIcmp}), false,
       "ICMP echo request (ping)"},
      {"icmp.echo-reply", "capture", join({kFrame, kIp, kIcmp}), false, "ICMP echo reply"},
      {"icmp.dest-unreachable", "capture", join({kFrame, kIp, kIcmp}), false,
       "ICMP destination unreachable (code 3: port unreachable)"},
      {"icmp.redirect", "capture", join({kFrame, kIp, kIcmp}), false, "ICMP redirect"},
      {"icmp.time-exceeded", "capture", join({kFrame, kIp, kIcmp}), false, "ICMP time exceeded"},
      {"icmp.parameter-problem", "capture", join({kFrame, kIp, kIcmp}), false,
       "ICMP parameter problem"},
      {"udp", "capture", join({kFrame, kIp, kPorts}), false, "a UDP datagram no decoder claims"},
      {"tcp", "capture", join({kFrame, kIp, kPorts, {"flags", "tls_records"}}), false,
       "a TCP segment (flags: S, SA, F, R, P, A...; tls_records: TLS application-data records "
       "starting in it)"},
      {"dhcp.discover", "capture", join({kFrame, kIp, kPorts, kDhcp}), false,
       "DHCPDISCOVER (every option as opt_<code>, formatted by the option table)"},
      {"dhcp.offer", "capture", join({kFrame, kIp, kPorts, kDhcp}), false,
       "DHCPOFFER (every option as opt_<code>, formatted by the option table)"},
      {"dhcp.request", "capture", join({kFrame, kIp, kPorts, kDhcp}), false,
       "DHCPREQUEST (every option as opt_<code>, formatted by the option table)"},
      {"dhcp.decline", "capture", join({kFrame, kIp, kPorts, kDhcp}), false,
       "DHCPDECLINE (every option as opt_<code>, formatted by the option table)"},
      {"dhcp.ack", "capture", join({kFrame, kIp, kPorts, kDhcp}), false,
       "DHCPACK (every option as opt_<code>, formatted by the option table)"},
      {"dhcp.nak", "capture", join({kFrame, kIp, kPorts, kDhcp}), false,
       "DHCPNAK (every option as opt_<code>, formatted by the option table)"},
      {"dhcp.release", "capture", join({kFrame, kIp, kPorts, kDhcp}), false,
       "DHCPRELEASE (every option as opt_<code>, formatted by the option table)"},
      {"dhcp.inform", "capture", join({kFrame, kIp, kPorts, kDhcp}), false,
       "DHCPINFORM (every option as opt_<code>, formatted by the option table)"},
      {"bootp.request", "capture", join({kFrame, kIp, kPorts, kDhcp}), false,
       "a BOOTP request (no option 53)"},
      {"bootp.reply", "capture", join({kFrame, kIp, kPorts, kDhcp}), false,
       "a BOOTP reply (no option 53)"},
      {"sip.request", "capture", join({kFrame, kIp, kPorts, kSip, kSipRequest, {"transport"}}),
       false, "a SIP request on the wire (UDP, or TCP: transport tcp)"},
      {"sip.response", "capture", join({kFrame, kIp, kPorts, kSip, kSipResponse, {"transport"}}),
       false, "a SIP response on the wire"},
      {"sip.malformed", "capture", join({kFrame, kIp, kPorts, {"reason", "start", "transport"}}),
       false, "SIP-looking bytes that do not parse"},
      {"capture.malformed", "capture", join({kFrame, kIp, kPorts, {"reason"}}), true,
       "a frame the decoder could not decode: reason, and the fields it decoded before it failed"},
      {"capture.error", "capture", {"iface", "reason"}, false, "the capture failed"},
      {"capture.stats",
       "capture",
       {"received", "dropped", "if_dropped"},
       false,
       "at the end: frames received and dropped by the kernel"},
      {"fake.start",
       "*",
       {"name", "address", "port", "iface", "pid", "mode", "domain", "upstream", "user", "flaw"},
       false,
       "a fake started"},
      {"fake.stop",
       "*",
       {"name", "address", "port", "mode", "status", "user", "flaw"},
       false,
       "a fake stopped"},
      {"fake.error", "*", {"name", "error"}, false, "a fake failed"},
      {"dns.query",
       "dns",
       {"src_ip", "src_port", "transport", "id", "name", "qtype", "rcode", "answer"},
       false,
       "a DNS query to the dns fake and its answer"},
      {"dns.malformed", "dns", join({kMalformed, {"transport"}}), false,
       "a DNS message that does not parse"},
      {"ntp.request",
       "ntp",
       {"src_ip", "src_port", "version", "mode", "answered"},
       false,
       "an (S)NTP request to the ntp fake"},
      {"ntp.reply",
       "ntp",
       {"dst_ip", "dst_port", "version", "stratum", "transmit", "time", "offset"},
       false,
       "the ntp fake's answer (transmit: the time served)"},
      {"ntp.malformed", "ntp", kMalformed, false, "an NTP packet that does not parse"},
      {"tftp.rrq",
       "tftp",
       {"src_ip", "src_port", "filename", "mode", "options", "found"},
       false,
       "a TFTP read request"},
      {"tftp.wrq",
       "tftp",
       {"src_ip", "src_port", "filename", "mode"},
       false,
       "a TFTP write request (refused)"},
      {"tftp.done",
       "tftp",
       {"src_ip", "src_port", "filename", "result", "blocks", "bytes", "seconds", "reason"},
       false,
       "a TFTP transfer ended (result complete, ...; reason: why one did not)"},
      {"tftp.malformed", "tftp", kMalformed, false, "a TFTP packet that does not parse"},
      {"http.request",
       "http",
       {"src_ip", "src_port", "method", "target", "host", "user_agent", "status", "bytes"},
       false,
       "an HTTP request to a provisioning server and its status"},
      {"http.malformed", "http", kMalformed, false, "an HTTP request that does not parse"},
      {"acs.inform",
       "acs",
       {"src_ip", "src_port", "target", "events", "serial", "oui", "manufacturer", "product_class",
        "cwmp_id"},
       false,
       "a TR-069 Inform to the ACS"},
      {"acs.request",
       "acs",
       {"src_ip", "src_port", "method", "target", "rpc", "status", "bytes"},
       false,
       "another request to the ACS"},
      {"acs.malformed", "acs", kMalformed, false, "an ACS request that does not parse"},
      {"rogue.seen",
       "rogue",
       {"type", "xid", "chaddr", "ciaddr", "requested_ip", "server_id", "restarted"},
       false,
       "a DHCP message the rogue DHCP server heard (restarted: yes on a DISCOVER or INIT-REBOOT "
       "REQUEST starting a new transaction while one it answered with cases had not ended)"},
      {"rogue.sent",
       "rogue",
       {"type", "xid", "case", "stage", "last", "yiaddr", "dst_ip", "dst_mac", "bytes"},
       false,
       "what the rogue DHCP server sent (case: the malformed case or mode; stage: offer, ack or "
       "renew, where a malformed case was sent; last: yes on the last case of that stage)"},
      {"rogue.error", "rogue", {"error"}, false, "the rogue DHCP server failed"},
      {"ua.sent", "ua", join({kSip, kSipRequest, {"status", "reason", "peer", "ua", "malformed"}}),
       false, "a SIP message the test UA sent"},
      {"ua.received", "ua",
       join({kSip, kSipResponse, {"method", "uri", "peer", "ua", "malformed"}}), false,
       "a SIP message the test UA received"},
      {"ua.error", "ua", {"ua", "error"}, false, "the test UA failed"},
      {"hostile.sent", "hostile", join({kSip, kSipRequest, {"peer", "local", "retransmission"}}),
       false, "a request the hostile SIP server sent"},
      {"hostile.response", "hostile", join({kSip, kSipResponse, {"method", "peer"}}), false,
       "a response the hostile SIP server got"},
      {"hostile.received", "hostile", join({kSip, kSipRequest, {"peer"}}), false,
       "a request the hostile SIP server got"},
      {"hostile.malformed",
       "hostile",
       {"peer", "reason"},
       false,
       "bytes to the hostile server that do not parse"},
      {"kamailio.registrations",
       "kamailio",
       {"count", "aors"},
       false,
       "Kamailio's location table (kamcmd ul.dump)"},
      {"tls.connect",
       "tls_proxy",
       {"flaw", "peer"},
       false,
       "the phone opened a TCP connection to the TLS proxy"},
      {"tls.handshake",
       "tls_proxy",
       {"flaw", "peer", "result", "ended_by", "alert", "alert_sent", "error", "version", "cipher",
        "sni", "client_cert", "client_cert_issuer", "client_cert_verify"},
       false,
       "how a TLS handshake ended (ended_by: completed, phone-alert, phone-close, proxy-alert, "
       "timeout, error); with client_cert: request, the certificate the phone presented (subject, "
       "issuer, verify: ok or why not)"},
      {"tls.sip.request", "tls_proxy", join({kTls, kSip, kSipRequest}), false,
       "a decrypted SIP request through the TLS proxy"},
      {"tls.sip.response", "tls_proxy", join({kTls, kSip, kSipResponse}), false,
       "a decrypted SIP response through the TLS proxy"},
      {"tls.sip.malformed", "tls_proxy", join({kTls, {"reason", "start"}}), false,
       "decrypted bytes that do not parse as SIP"},
      {"tls.close",
       "tls_proxy",
       {"flaw", "peer", "reason", "messages"},
       false,
       "a TLS connection closed"},
      {"audio.result",
       "audio",
       {"call",         "codec",        "sdp_codec",        "sdp_proto",    "offered_codec",
        "payload_type", "packets_sent", "packets_received", "packets_lost", "loss_pct",
        "jitter_ms",    "latency_ms",   "level_dbfs",       "level_dbm0",   "peak_hz",
        "snr_db",       "thdn_db",      "one_way",          "one_way_why",  "remote",
        "tone_from",    "tone_samples"},
       false,
       "the audio analyser's measures of one audio_call"},
      {"dut.power",
       "dut",
       {"state", "pid", "power", "host", "oid", "value", "ip", "error"},
       false,
       "the DUT powered on or off (emulator process, operator, PoE port)"},
      {"dut.configure",
       "dut",
       {"url", "page"},
       true,
       "settings submitted (web form per page, or a profile resync): the element values"},
      {"dut.verify",
       "dut",
       {"result"},
       true,
       "cfg.xml read back after configure: each element's value and result ok/mismatch"},
      {"dut.config", "dut", {}, true, "GET cfg.xml: every element as a field"},
      {"dut.status",
       "dut",
       {"model", "serial", "mac", "firmware", "ip", "netmask", "gateway", "connection_type",
        "uptime", "dns", "domain", "ntp_server", "ntp_synced", "time_offset", "registration_state",
        "registered_proxy", "call_state"},
       true,
       "GET status.xml: the abstract status fields (and the raw elements, evidence only)"},
      {"dut.answer",
       "dut",
       {"state", "method"},
       false,
       "answer: operator: the person at the bench was asked to pick up"},
      {"dut.exit",
       "dut",
       {"status"},
       false,
       "a device process (emulator, driver: program) ended by itself: evidence only, never a "
       "verdict"},
      {"dut.reboot", "dut", {}, false, "/admin/reboot requested"},
      {"dut.restarted", "dut", {}, true, "the phone is back after a restart (its status fields)"},
      {"dut.reset", "dut", {}, true, "factory values set back before a bench run"},
      {"dut.restore", "dut", {}, true, "a bench phone's settings put back after a scenario"},
      {"harness.segment",
       "harness",
       {"lab_ns", "dut_ns", "iface", "lab_ip"},
       false,
       "the lab segment is up"},
      {"harness.preflight",
       "harness",
       {"iface", "findings", "discovers"},
       false,
       "the bench preflight's findings"},
      {"harness.boot",
       "harness",
       {"boot", "fresh", "why", "since", "link"},
       false,
       "which boot of the phone the scenario runs on: a fresh one (why) or the one it was kept "
       "running on since an earlier scenario (link: bounced when the harness made its network "
       "start afresh by taking the lab NIC down and up)"},
      {"harness.link",
       "harness",
       {"state", "iface", "seconds"},
       false,
       "a planned bench run takes the lab NIC down (state: down) and up (state: up, after "
       "seconds) so that the phone sees its link go and starts its network afresh"},
      {"harness.health",
       "harness",
       {"sip", "to"},
       false,
       "a planned run, after a scenario: does the phone answer (status.xml, no call up, a SIP "
       "OPTIONS) so that the next scenario may keep it running"},
      {"harness.sweep",
       "harness",
       {"subnet", "found"},
       false,
       "an ARP sweep for a phone that kept its lease"},
      {"harness.ping",
       "harness",
       {"src_ip", "dst_ip", "seq"},
       false,
       "an ICMP echo request the harness sent"},
      {"harness.answer",
       "harness",
       {"method", "setting", "header"},
       false,
       "the scenario has answered calls: how (the profile's answer method) and the setting it "
       "sets"},
      {"harness.call",
       "harness",
       {"to", "via", "status", "final", "cancelled", "replay", "answer", "codec"},
       false,
       "the outcome of a sip_call or audio_call (status: the final response, or 180 for a call "
       "that rang and was cancelled; answer: how it was answered)"},
      {"harness.sip-send", "harness", {"method", "answers"}, false, "the outcome of sip_send"},
      {"harness.sip-fuzz-start",
       "harness",
       {"cases", "in_dialog"},
       false,
       "the SIP robustness campaign starts"},
      {"harness.sip-fuzz",
       "harness",
       {"cases", "sent", "answered", "alive", "killer", "in_dialog", "calls"},
       false,
       "the outcome of sip_fuzz (in_dialog yes/no; calls: the calls the in-dialog cases went "
       "into)"},
      {"harness.silence",
       "harness",
       {"to", "dut_mac"},
       false,
       "a peer goes silent for the DUT (nftables)"},
      {"harness.unsilence", "harness", {"to", "dropped"}, false, "a peer is heard again"},
      {"harness.claim",
       "harness",
       {"ip", "mac"},
       false,
       "the lab host claims an address (gratuitous ARP; the lab side sends to its MAC)"},
      {"harness.release",
       "harness",
       {"ip"},
       false,
       "the lab host gives a claimed address up (the lab side asks ARP again)"},
      {"harness.dhcp-pause", "harness", {}, false, "Kea stops answering (dhcp-disable)"},
      {"harness.dhcp-resume", "harness", {}, false, "Kea answers again (dhcp-enable)"},
      {"harness.power-cycle", "harness", {"t"}, false, "a power cycle of the DUT"},
      {"harness.warning",
       "harness",
       {"what"},
       false,
       "something the harness noticed that is not a verdict"},
      {"harness.error", "harness", {"error"}, false, "the harness itself failed"},
      {"harness.overflow",
       "harness",
       {"what", "limit"},
       false,
       "a resource of the scenario hit its limit (what: events, pcap, rtp): the evidence is "
       "incomplete and the verdict inconclusive"},
  };
  return kinds;
}

const EventKindInfo* findEventKind(const std::string& kind) {
  for (const auto& k : eventCatalog()) {
    if (k.kind == kind) return &k;
  }
  return nullptr;
}

std::vector<const EventKindInfo*> eventKindsMatching(const std::string& pattern) {
  std::vector<const EventKindInfo*> out;
  for (const auto& k : eventCatalog()) {
    if (globMatch(pattern, k.kind)) out.push_back(&k);
  }
  return out;
}

bool eventHasField(const EventKindInfo& info, const std::string& field) {
  if (info.open) return true;
  return std::any_of(info.fields.begin(), info.fields.end(), [&](const std::string& f) {
    if (!f.empty() && f.back() == '*') return field.rfind(f.substr(0, f.size() - 1), 0) == 0;
    return f == field;
  });
}

std::string eventCatalogMarkdown() {
  std::string out = "| kind | source | fields | meaning |\n|---|---|---|---|\n";
  for (const auto& k : eventCatalog()) {
    std::string fields;
    for (const auto& f : k.fields) fields += (fields.empty() ? "`" : ", `") + f + "`";
    if (k.open) fields += fields.empty() ? "any (data)" : ", and any other (data)";
    out += "| `" + k.kind + "` | " + (k.source == "*" ? "each fake" : k.source) + " | " + fields +
           " | " + k.meaning + " |\n";
  }
  return out;
}

}  // namespace phonelab
