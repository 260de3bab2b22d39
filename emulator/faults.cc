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
      {"renew-late", "renews at T1 + 50% of T1 instead of at T1"},
      {"no-renew", "never renews or rebinds; starts over from DISCOVER when the lease expires"},
      {"crash-on-malformed-option",
       "a malformed option length in a DHCPOFFER/DHCPACK makes the process abort() (a firmware "
       "crash)"},
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
      {"crash-on-long-header",
       "SIP: a header value over 4096 bytes makes the process abort() (a firmware crash)"},
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

std::string listFaults() {
  std::string out;
  for (const auto& f : faultTable()) {
    out.append(f.name);
    out += '\t';
    out.append(f.description);
    out += '\n';
  }
  return out;
}

}  // namespace phonelab::emulator
