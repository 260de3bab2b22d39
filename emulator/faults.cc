#include "emulator/faults.h"

namespace phonelab::emulator {

const std::vector<FaultDef>& faultTable() {
  static const std::vector<FaultDef> table = {
      {"static-ip-ignored",
       "Connection_Type \"Static IP\" is stored and shown in cfg.xml, but the network still runs "
       "DHCP"},
      {"web-submit-ignored", "web form POST answers \"Changes submitted\" but stores nothing"},
      {"config-lost-on-reboot",
       "changes are applied in memory but never written to config.xml, so a reboot loses them"},
      {"ignore-option-1", "ignores the offered subnet mask (option 1) and uses 255.255.0.0"},
      {"ignore-option-2", "ignores the time offset (option 2): Time_Offset stays 0"},
      {"ignore-option-3", "ignores the router (option 3): no default route"},
      {"ignore-option-6",
       "ignores the DNS servers (option 6): never sends a DNS query, name lookups fail"},
      {"ignore-option-15",
       "ignores the domain name (option 15): no search domain, queries the bare name"},
      {"ignore-option-42", "ignores the NTP servers (option 42): no NTP request"},
      {"ignore-option-43", "ignores option 43: no TR-069 Inform to its ACS URL"},
      {"ignore-option-66", "ignores the TFTP server name (option 66) as a provisioning source"},
      {"ignore-option-125", "ignores option 125: no TR-069 Inform to its ACS URL"},
      {"ignore-option-150", "ignores the TFTP server list (option 150) as a provisioning source"},
      {"ignore-option-159",
       "ignores the provisioning server IP (option 159) as a provisioning source"},
      {"ignore-option-160", "ignores the provisioning URL (option 160) as a provisioning source"},
      {"no-vendor-class", "sends no vendor class identifier (option 60) in DISCOVER/REQUEST"},
      {"vendor-class-without-model",
       "option 60 is \"Cisco Systems, Inc. IP Phone\" without the model (template never filled "
       "in)"},
      {"vendor-class-discover-only",
       "option 60 is sent in DISCOVER but not in REQUEST (the REQUEST's option list lacks it)"},
      {"option-43-first-suboption",
       "option 43: the first sub-option is taken as the ACS URL, whatever its code"},
      {"option-125-any-enterprise",
       "option 125: sub-option 11 of the first enterprise block is taken, whatever its enterprise "
       "number (not only 3561)"},
      {"option-66-address-only",
       "option 66 is parsed as a dotted address only: a server name is skipped as invalid"},
      {"option-150-last-address",
       "option 150: the last address of the list is used instead of the first"},
      {"option-159-byte-order",
       "option 159: the address is read in host byte order (reversed: 198.18.0.4 -> 4.0.18.198)"},
      {"option-160-scheme-ignored",
       "option 160: the URL's scheme is dropped and the rest fetched by TFTP (http:// too)"},
      {"provisioning-order-by-code",
       "provisioning options are tried in ascending code (66, 150, 159, 160), not in "
       "DHCP_Option_To_Use's order"},
      {"provisioning-last-option-wins",
       "of several provisioning options present, the last in DHCP_Option_To_Use's order wins, "
       "not the first"},
      {"renew-late", "renews at T1 + 50% of T1 instead of at T1"},
      {"no-renew", "never renews or rebinds; starts over from DISCOVER when the lease expires"},
      {"crash-on-malformed-option",
       "a malformed option length in a DHCPOFFER/DHCPACK crashes the firmware: it stops answering "
       "and its watchdog restarts it"},
      {"dhcp-wrong-address", "configures yiaddr + 1 instead of the offered address"},
      {"ignore-restricted-domains",
       "SIP: Restricted_Access_Domains is ignored: requests from every source are answered"},
      {"restricted-domains-semicolon-only",
       "SIP: Restricted_Access_Domains is split on ';' only, so \"a.example, b.example\" is one "
       "bogus name"},
      {"answer-unlisted-403",
       "SIP: requests from sources not in Restricted_Access_Domains are answered 403 instead of "
       "dropped silently"},
      {"no-auth-invite", "SIP: Auth_INVITE_1_ = Yes is ignored: INVITEs are never challenged"},
      {"auth-invite-accepts-any",
       "SIP: Auth INVITE accepts any Authorization whose username is User_ID_1_ (response and "
       "nonce not checked)"},
      {"auth-invite-nonce-replay",
       "SIP: Auth INVITE accepts a nonce that was already used (replayed Authorization)"},
      {"no-dhcp-renew-on-sip-timeout",
       "SIP: a request unanswered for DHCP_Timeout_On_Renewal seconds does not trigger a DHCP "
       "renewal"},
      {"no-reset-on-address-change",
       "SIP: after a SIP-timeout renewal answered NAK or with another address the phone keeps "
       "going instead of resetting"},
      {"reboot-on-unlisted-notify",
       "SIP: a NOTIFY check-sync;reboot=true from a source not in Restricted_Access_Domains "
       "reboots the phone"},
      {"empty-restricted-domains-blocks-all",
       "SIP: an empty Restricted_Access_Domains drops requests from every source instead of "
       "answering everyone"},
      {"default-transport-tcp",
       "SIP: SIP_Transport_1_ UDP (the factory default) is taken as TCP, which the emulator does "
       "not speak: with no transport set the phone never registers"},
      {"crash-on-long-header",
       "SIP: a header value over 4096 bytes crashes the firmware: it stops answering and its "
       "watchdog restarts it"},
      {"tls-accept-any-cert",
       "SIP over TLS: the server certificate is not verified (any chain, any date, any usage)"},
      {"tls-no-name-check",
       "SIP over TLS: the server certificate's name is not checked (TLS_Name_Validate_1_ ignored)"},
      {"tls-allow-tls10", "SIP over TLS: TLS 1.0 and 1.1 are accepted (security level 0)"},
      {"tls-allow-tls11",
       "SIP over TLS: the minimum version is TLS 1.1, not 1.2: TLS 1.0 is refused, 1.1 accepted"},
      {"tls-cn-despite-san",
       "SIP over TLS: the certificate's CN is accepted when its subjectAltName names another "
       "host (RFC 6125: the SAN wins)"},
      {"tls-wildcard-multi-label",
       "SIP over TLS: a wildcard matches several labels (*.lab.example for sip.edge.lab.example)"},
      {"tls-name-prefix-match",
       "SIP over TLS: the certificate's name is compared as a prefix: sip.lab.example.attacker."
       "invalid passes for sip.lab.example"},
      {"tls-no-time-check",
       "SIP over TLS: the certificate's validity dates are not checked (expired or not yet valid "
       "accepted)"},
      {"tls-no-basic-constraints",
       "SIP over TLS: an issuer without basicConstraints CA:TRUE (a leaf certificate) is accepted "
       "as an intermediate"},
      {"tls-fallback-to-udp",
       "SIP over TLS: when the TLS connection fails, REGISTER goes over UDP in cleartext "
       "instead"},
      {"tls-responses-over-udp",
       "SIP over TLS: the phone's responses to requests that came over TLS go out over UDP, in "
       "cleartext, to the sender's address at port 5060"},
      {"sip-cleartext-despite-tls",
       "SIP over TLS: SIP_Transport_1_ = TLS is shown but SIP goes over UDP in cleartext"},
      {"media-srtp-with-tls",
       "SIP over TLS: the call's media is encrypted too (SDP RTP/SAVP, scrambled payloads) instead "
       "of staying plain RTP"},
      {"media-savp-sdp-only",
       "SIP over TLS: the SDP answer says RTP/SAVP (with an a=crypto key) while the media stays "
       "plain RTP"},
      {"audio-one-way",
       "audio: the call's RTP comes back as silence (the microphone path is dead: one-way audio)"},
      {"audio-delay-250ms",
       "audio: the loopback holds the audio 250 ms longer (round trip +250 ms)"},
      {"audio-loss-5pct", "audio: every 20th RTP packet of the loopback is not sent (5 % loss)"},
      {"audio-level-minus-12db", "audio: the looped-back audio is 12 dB quieter"},
      {"audio-wrong-codec",
       "audio: the loopback is sent in the other G.711 law (PCMA for PCMU and back) than the SDP "
       "answer agreed"},
  };
  return table;
}

bool Faults::enable(std::string_view name) {
  for (const auto& f : faultTable()) {
    if (f.name == name) {
      active_.insert(std::string(name));
      return true;
    }
  }
  return false;
}

std::string_view faultArea(std::string_view name) {
  // The folder of scenarios/ whose scenarios must catch the fault (phonelab selftest runs those).
  static const std::vector<std::pair<std::string_view, std::string_view>> areas = {
      {"static-ip-ignored", "network"},
      {"web-submit-ignored", "network"},
      {"config-lost-on-reboot", "network"},
      {"ignore-option-", "dhcp"},  // every ignore-option-<code>
      {"no-vendor-class", "dhcp"},
      {"vendor-class-", "dhcp"},  // every vendor-class-<bug>
      {"option-", "dhcp"},        // every option-<code>-<bug>
      {"provisioning-", "dhcp"},  // every provisioning-<bug>
      {"renew-late", "dhcp"},
      {"no-renew", "dhcp"},
      {"crash-on-malformed-option", "dhcp"},
      {"dhcp-wrong-address", "dhcp"},
      {"ignore-restricted-domains", "sip"},
      {"restricted-domains-semicolon-only", "sip"},
      {"answer-unlisted-403", "sip"},
      {"no-auth-invite", "sip"},
      {"auth-invite-accepts-any", "sip"},
      {"auth-invite-nonce-replay", "sip"},
      {"no-dhcp-renew-on-sip-timeout", "sip"},
      {"no-reset-on-address-change", "sip"},
      {"reboot-on-unlisted-notify", "sip"},
      {"empty-restricted-domains-blocks-all", "sip"},
      {"default-transport-tcp", "sip"},
      {"crash-on-long-header", "robustness"},
      {"tls-", "tls"},  // every tls-<flaw>
      {"tls-responses-over-udp",
       "SIP over TLS: the phone's responses to requests that came over TLS go out over UDP, in "
       "cleartext, to the sender's address at port 5060"},
      {"sip-cleartext-despite-tls", "tls"},
      {"media-srtp-with-tls", "tls"},
      {"media-savp-sdp-only", "tls"},
      {"audio-", "audio"},  // every audio-<impairment>
  };
  for (const auto& [key, area] : areas) {
    if (name == key || (key.back() == '-' && name.substr(0, key.size()) == key)) return area;
  }
  return {};
}

std::string listFaults() {
  std::string out;
  for (const auto& f : faultTable()) {
    out.append(f.name);
    out += '\t';
    out.append(f.description);
    out += '\t';
    auto area = faultArea(f.name);
    out.append(area.empty() ? std::string_view("*") : area);
    out += '\n';
  }
  return out;
}

}  // namespace phonelab::emulator
