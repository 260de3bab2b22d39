#include "emulator/faults.h"

namespace phonelab::emulator {

const std::vector<FaultDef>& faultTable() {
  static const std::vector<FaultDef> table = {
      {"static-ip-ignored",
       "Connection_Type \"Static IP\" is stored and shown in cfg.xml, but the network still runs "
       "DHCP",
       {"NET-CONN-STATIC"}},
      {"web-submit-ignored",
       "web form POST answers \"Changes submitted\" but stores nothing",
       {"WEB-CONFIG"}},
      {"web-form-percent-undecoded",
       "web form decoder turns '+' into a space but leaves %XX escapes undecoded: '&', '+', '%', "
       "';' and non-ASCII characters are stored as %26, %2B, %25, %3B, %C3%BC",
       {"WEB-CONFIG"}},
      {"web-value-case-folded",
       "web form: each name=value pair is lower-cased to match field names case-insensitively, "
       "so the values are stored lower-case too",
       {"WEB-CONFIG"}},
      {"web-field-truncated",
       "web form text values are copied into a 32-byte buffer: anything past 31 characters is "
       "cut off",
       {"WEB-CONFIG"}},
      {"config-lost-on-reboot",
       "changes are applied in memory but never written to config.xml, so a reboot loses them",
       {"WEB-CONFIG"}},
      {"ignore-option-1",
       "ignores the offered subnet mask (option 1) and falls back to the classful one (/24 for "
       "198.18.x.x)",
       {"DHCP-OPT-1"}},
      {"ignore-option-2",
       "ignores the time offset (option 2): Time_Offset stays 0",
       {"DHCP-OPT-2"}},
      {"time-offset-unsigned",
       "reads the time offset (option 2) as an unsigned number: -18000 becomes 4294949296",
       {"DHCP-OPT-2"}},
      {"time-offset-whole-hours",
       "converts the time offset (option 2) to whole hours (integer division): the minutes are "
       "lost, -12600 (UTC-3:30) becomes -10800",
       {"DHCP-OPT-2"}},
      {"mask-not-applied",
       "shows the offered subnet mask on its status page but sets the interface up with the "
       "classful mask",
       {"DHCP-OPT-1"}},
      {"no-default-route",
       "takes the router (option 3) but never installs a default route",
       {"DHCP-OPT-3"}},
      {"router-last-address",
       "of several routers in option 3 the last is used, not the first (the most preferred, RFC "
       "2132 3.5)",
       {"DHCP-OPT-3"}},
      {"dns-first-server-only",
       "keeps only the first DNS server of option 6: when it does not answer, names never "
       "resolve",
       {"DHCP-OPT-6"}},
      {"dns-last-server-only",
       "keeps only the last DNS server of option 6 (each address overwrites one field): when it "
       "does not answer, the others are never asked",
       {"DHCP-OPT-6"}},
      {"domain-joined-without-dot",
       "completes a bare name with the domain (option 15) without the dot between them "
       "(\"tftp\" + \"lab.example\" = \"tftplab.example\")",
       {"DHCP-OPT-15"}},
      {"domain-appended-to-every-name",
       "appends the domain name (option 15) to every name, qualified ones too, and never asks for "
       "the name as it is: tftp.lab.example becomes tftp.lab.example.lab.example",
       {"DHCP-OPT-15"}},
      {"ntp-from-option-4",
       "takes the NTP servers from option 4 (RFC 868 time servers) instead of option 42",
       {"DHCP-OPT-42"}},
      {"ntp-last-server",
       "of several NTP servers in option 42 the last is used, not the first (each address "
       "overwrites one field)",
       {"DHCP-OPT-42"}},
      {"static-netmask-ignored",
       "Static IP: the NetMask field is ignored, the interface gets 255.255.255.0",
       {"NET-CONN-STATIC"}},
      {"crash-on-malformed-renewal",
       "a malformed option length in a DHCPACK/DHCPNAK to a renewal crashes the firmware (the "
       "renewal path has a parser of its own); at OFFER and at the first ACK it is ignored",
       {"SEC-DHCP-ROBUST"}},
      {"crash-on-overloaded-offer",
       "while selecting, the server identifier of a DHCPOFFER with option 52 (overload) is also "
       "looked for in sname/file, by a walker that trusts the lengths there: an option running "
       "past the field crashes the firmware (the ACK and renewal paths do not follow overload)",
       {"SEC-DHCP-ROBUST"}},
      {"ack-from-unselected-server",
       "while requesting, takes the first DHCPACK with its xid whichever server sent it (the "
       "server identifier is compared on NAKs only): another server's ACK, however malformed its "
       "options, gives the phone that server's address",
       {"SEC-DHCP-ROBUST"}},
      {"ignore-option-3",
       "ignores the router (option 3) and routes through the DHCP server (its server "
       "identifier, option 54) instead",
       {"DHCP-OPT-3"}},
      {"ignore-option-6",
       "ignores the DNS servers (option 6): never sends a DNS query, name lookups fail",
       {"DHCP-OPT-6"}},
      {"ignore-option-15",
       "ignores the domain name (option 15): no search domain, queries the bare name",
       {"DHCP-OPT-15"}},
      {"ignore-option-42", "ignores the NTP servers (option 42): no NTP request", {"DHCP-OPT-42"}},
      {"ignore-option-58",
       "ignores the renewal time T1 (option 58) and renews at half the lease, as if it were "
       "absent",
       {"DHCP-OPT-41"}},
      {"ignore-option-59",
       "ignores the rebinding time T2 (option 59) and rebinds at 7/8 of the lease, as if it were "
       "absent",
       {"DHCP-OPT-41"}},
      {"ignore-option-43", "ignores option 43: no TR-069 Inform to its ACS URL", {"DHCP-OPT-43"}},
      {"ignore-option-66",
       "ignores the TFTP server name (option 66) as a provisioning source",
       {"DHCP-OPT-66"}},
      {"ignore-option-125",
       "ignores option 125: no TR-069 Inform to its ACS URL",
       {"DHCP-OPT-125"}},
      {"ignore-option-150",
       "ignores the TFTP server list (option 150) as a provisioning source",
       {"DHCP-OPT-150"}},
      {"ignore-option-159",
       "ignores the provisioning server IP (option 159) as a provisioning source",
       {"DHCP-OPT-159"}},
      {"ignore-option-160",
       "ignores the provisioning URL (option 160) as a provisioning source",
       {"DHCP-OPT-160"}},
      {"no-vendor-class",
       "sends no vendor class identifier (option 60) in DISCOVER/REQUEST",
       {"DHCP-OPT-60"}},
      {"vendor-class-without-model",
       "option 60 is \"Cisco Systems, Inc. IP Phone\" without the model (template never filled "
       "in)",
       {"DHCP-OPT-60"}},
      {"vendor-class-discover-only",
       "option 60 is sent in DISCOVER but not in REQUEST (the REQUEST's option list lacks it)",
       {"DHCP-OPT-60"}},
      {"option-43-first-suboption",
       "option 43: the first sub-option is taken as the ACS URL, whatever its code",
       {"DHCP-OPT-43"}},
      {"option-125-any-enterprise",
       "option 125: sub-option 11 of the first enterprise block is taken, whatever its enterprise "
       "number (not only 3561)",
       {"DHCP-OPT-125"}},
      {"option-66-address-only",
       "option 66 is parsed as a dotted address only: a server name is skipped as invalid",
       {"DHCP-OPT-66"}},
      {"option-150-last-address",
       "option 150: the last address of the list is used instead of the first",
       {"DHCP-OPT-150"}},
      {"option-159-byte-order",
       "option 159: the address is read in host byte order (reversed: 198.18.0.4 -> 4.0.18.198)",
       {"DHCP-OPT-159"}},
      {"option-160-scheme-ignored",
       "option 160: the URL's scheme is dropped and the rest fetched by TFTP (http:// too)",
       {"DHCP-OPT-160"}},
      {"provisioning-order-by-code",
       "provisioning options are tried in ascending code (66, 150, 159, 160), not in "
       "DHCP_Option_To_Use's order",
       {"DHCP-OPT-150", "DHCP-OPT-159", "DHCP-OPT-160"}},
      {"provisioning-last-option-wins",
       "of several provisioning options present, the last in DHCP_Option_To_Use's order wins, "
       "not the first",
       {"DHCP-OPT-159", "DHCP-OPT-160"}},
      {"renew-late", "renews at T1 + 50% of T1 instead of at T1", {"DHCP-OPT-41"}},
      {"no-renew",
       "never renews or rebinds; starts over from DISCOVER when the lease expires",
       {"DHCP-OPT-41"}},
      {"renew-at-t2",
       "the renewal timer is armed with T2 instead of T1: no unicast renewal, the first REQUEST "
       "is the broadcast at T2",
       {"DHCP-OPT-41"}},
      {"lease-in-ms",
       "lease time, T1 and T2 are handed to a millisecond timer as they are (seconds taken as "
       "milliseconds): renews, rebinds and expires at once, over and over",
       {"DHCP-OPT-41"}},
      {"no-rebind",
       "never rebinds: keeps unicasting renewals to its server past T2 until the lease expires",
       {"DHCP-OPT-41"}},
      {"rebind-at-three-quarters",
       "without option 59 it rebinds at 3/4 of the lease instead of 7/8 (RFC 2131 4.4.5: 0.875)",
       {"DHCP-OPT-41"}},
      {"keep-address-after-expiry",
       "at lease expiry it starts over from DISCOVER but keeps the expired address configured "
       "(still answers ARP and traffic on it)",
       {"NET-CONN-DHCP", "DHCP-OPT-41"}},
      {"ack-from-any-server",
       "while renewing, takes a DHCPACK or DHCPNAK from any server (another server identifier "
       "than its lease's): a third party on the segment can change its address or make it "
       "reset",
       {"SEC-DHCP-FOREIGN-ANSWER"}},
      {"nak-from-any-server",
       "while renewing, checks the server identifier of a DHCPACK but not of a DHCPNAK: any "
       "server on the segment can take its address away",
       {"SEC-DHCP-FOREIGN-ANSWER"}},
      {"sip-timeout-renewal-any-server",
       "the renewal a SIP timeout asks for takes a DHCPACK or DHCPNAK from any server (the "
       "renewal at T1 checks the server identifier, this path does not): a third party on the "
       "segment can make the phone reset",
       {"SEC-DHCP-FOREIGN-ANSWER"}},
      {"reset-on-sip-timeout-renewal",
       "SIP: after the renewal a SIP timeout asked for, it resets even when the same address "
       "comes back (the answer is compared with a lease already cleared)",
       {"NET-DHCP-RENEW-SAME"}},
      {"crash-on-malformed-option",
       "a malformed option length in a DHCPOFFER/DHCPACK crashes the firmware: it stops answering "
       "and its watchdog restarts it",
       {"SEC-DHCP-ROBUST"}},
      {"dhcp-wrong-address",
       "configures yiaddr + 1 instead of the offered address",
       {"NET-CONN-DHCP"}},
      {"ignore-restricted-domains",
       "SIP: Restricted_Access_Domains is ignored: requests from every source are answered",
       {"SIP-RAD-BLOCK", "SEC-NOTIFY-UNLISTED"}},
      {"restricted-domains-semicolon-only",
       "SIP: Restricted_Access_Domains is split on ';' only, so \"a.example, b.example\" is one "
       "bogus name",
       {"SIP-RAD-ALLOW"}},
      {"answer-unlisted-403",
       "SIP: requests from sources not in Restricted_Access_Domains are answered 403 instead of "
       "dropped silently",
       {"SIP-RAD-BLOCK"}},
      {"no-auth-invite",
       "SIP: Auth_INVITE_1_ = Yes is ignored: INVITEs are never challenged",
       {"SIP-AUTH-INVITE-ON"}},
      {"auth-invite-accepts-any",
       "SIP: Auth INVITE accepts any Authorization whose username is User_ID_1_ (response and "
       "nonce not checked)",
       {"SIP-AUTH-INVITE-ON"}},
      {"auth-invite-nonce-replay",
       "SIP: Auth INVITE never checks the nonce count: an Authorization replayed with a count "
       "already accepted for its nonce is accepted again",
       {"SIP-AUTH-INVITE-ON"}},
      {"auth-invite-client-realm",
       "SIP: Auth INVITE recomputes the digest with the realm the client sent instead of its own, "
       "so an answer computed for another realm (another server's credentials) is accepted",
       {"SIP-AUTH-INVITE-ON"}},
      {"auth-invite-uri-unchecked",
       "SIP: Auth INVITE never compares the digest's uri with the INVITE's Request-URI: an answer "
       "computed for another request is accepted",
       {"SIP-AUTH-INVITE-ON"}},
      {"auth-invite-nonce-never-expires",
       "SIP: Auth INVITE nonces never expire: a nonce issued long ago still answers a challenge",
       {"SIP-AUTH-INVITE-ON"}},
      {"auth-invite-first-call-only",
       "SIP: Auth INVITE keeps an \"authenticated\" flag until reboot: once one call passed the "
       "challenge, later INVITEs are not challenged",
       {"SIP-AUTH-INVITE-ON"}},
      {"auth-invite-any-value",
       "SIP: Auth_INVITE_1_ is tested for being set rather than for Yes, so the factory value No "
       "turns Auth INVITE on",
       {"SIP-AUTH-INVITE-OFF"}},
      {"auth-invite-read-at-start",
       "SIP: Auth_INVITE_1_ is read once when the SIP stack starts: a change submitted later takes "
       "effect only after a reboot",
       {"SIP-AUTH-INVITE-ON", "SIP-AUTH-INVITE-OFF"}},
      {"no-dhcp-renew-on-sip-timeout",
       "SIP: a request unanswered for DHCP_Timeout_On_Renewal seconds does not trigger a DHCP "
       "renewal",
       {"NET-DHCP-RENEW-SAME", "NET-DHCP-RENEW-CHANGED"}},
      {"arp-conflict-drops-lease",
       "DHCP: watches ARP for its address (RFC 5227 ongoing conflict detection) and, when another "
       "MAC announces it, gives the lease up at once and starts over from DISCOVER, without "
       "asking its server first: one forged ARP packet takes the phone off its address",
       {"NET-DHCP-RENEW-SAME"}},
      {"sip-timeout-renewal-at-t1",
       "SIP: the renewal a SIP timeout asks for is started at the request's first retransmission "
       "(SIP timer T1, 500 ms), not after DHCP_Timeout_On_Renewal seconds without a response",
       {"NET-DHCP-RENEW-SAME"}},
      {"no-reset-on-address-change",
       "SIP: after a SIP-timeout renewal answered NAK or with another address the phone keeps "
       "going instead of resetting",
       {"NET-DHCP-RENEW-CHANGED"}},
      {"reboot-on-unlisted-notify",
       "SIP: the check-sync event handler runs before the Restricted_Access_Domains filter: a "
       "NOTIFY check-sync from an unlisted source is answered 200 and resyncs the phone "
       "(reboot=true: reboots it)",
       {"SEC-NOTIFY-UNLISTED"}},
      {"restricted-domains-invite-only",
       "SIP: Restricted_Access_Domains is enforced for INVITE only: OPTIONS, MESSAGE, SUBSCRIBE, "
       "REFER, NOTIFY and BYE from unlisted sources are served",
       {"SIP-RAD-BLOCK", "SEC-NOTIFY-UNLISTED"}},
      {"restricted-domains-trusts-headers",
       "SIP: who a request is from is taken from the top Via's sent-by host or the From host "
       "(a listed name or address lets it in), not from the packet's source address",
       {"SIP-RAD-BLOCK", "SEC-NOTIFY-UNLISTED"}},
      {"restricted-domains-in-dialog-bypass",
       "SIP: a request with a To tag goes straight to the dialog layer, which skips "
       "Restricted_Access_Domains: in-dialog requests (BYE, re-INVITE, NOTIFY) from unlisted "
       "sources are served",
       {"SIP-RAD-BLOCK"}},
      {"restricted-domains-first-name-only",
       "SIP: only the first name of Restricted_Access_Domains is used (the list cut at the first "
       "separator): servers listed after it are refused",
       {"SIP-RAD-ALLOW"}},
      {"check-sync-ignored",
       "SIP: a NOTIFY check-sync is answered 200 but never acted on, from any server (no resync, "
       "no reboot)",
       {"SEC-NOTIFY-UNLISTED"}},
      {"empty-restricted-domains-blocks-all",
       "SIP: an empty Restricted_Access_Domains drops requests from every source instead of "
       "answering everyone",
       {"SIP-RAD-EMPTY"}},
      {"empty-restricted-domains-proxy-only",
       "SIP: an empty Restricted_Access_Domains serves only the registered proxy's address (as "
       "Block Nonproxy SIP would) instead of every source",
       {"SIP-RAD-EMPTY"}},
      {"default-transport-tcp",
       "SIP: SIP_Transport_1_ UDP (the factory default) is taken as TCP, which the emulator does "
       "not speak: with no transport set the phone never registers",
       {"SIP-UDP-DEFAULT"}},
      {"default-transport-contact-tcp",
       "SIP: with SIP_Transport_1_ UDP the REGISTER goes over UDP but its Contact says "
       "transport=tcp (the stack-wide default), so calls to the phone are sent over TCP and never "
       "reach it",
       {"SIP-UDP-DEFAULT"}},
      {"restricted-domains-stop-at-unresolved",
       "SIP: the Restricted_Access_Domains names are resolved one after the other and the loop "
       "stops at the first that does not resolve: names listed after it are never trusted",
       {"SIP-RAD-ALLOW"}},
      {"restricted-domains-first-address-only",
       "SIP: of a Restricted_Access_Domains name with several addresses (A records) only the "
       "first is trusted: requests from the server's other addresses are dropped",
       {"SIP-RAD-ALLOW"}},
      {"restricted-domains-lowercase-only",
       "SIP: Restricted_Access_Domains names are checked as host names of [a-z0-9.-] only: a name "
       "written with capitals is skipped as invalid (DNS names are case-insensitive, RFC 4343)",
       {"SIP-RAD-ALLOW"}},
      {"restricted-domains-address-prefix",
       "SIP: the source address is compared with the listed names' addresses as text over the "
       "listed address's length (strncmp): 198.18.0.6 listed lets 198.18.0.60-69 in",
       {"SIP-RAD-BLOCK"}},
      {"auth-invite-any-username",
       "SIP: Auth INVITE computes the digest with the username the client sent and never "
       "compares it with User_ID_1_: any username with the line's password passes",
       {"SIP-AUTH-INVITE-ON"}},
      {"auth-invite-to-tag-skips",
       "SIP: Auth INVITE takes an INVITE with a To tag for a re-INVITE and does not challenge it; "
       "when no dialog matches, it is handled as a new call",
       {"SIP-AUTH-INVITE-ON"}},
      {"default-transport-via-tcp",
       "SIP: with SIP_Transport_1_ UDP the requests go over UDP but their Via says SIP/2.0/TCP "
       "(the stack-wide default), so a server that answers as the Via says (RFC 3261 18.2.2) "
       "answers over TCP, where the phone does not listen",
       {"SIP-UDP-DEFAULT"}},
      {"crash-on-long-header",
       "SIP: a header value over 4096 bytes crashes the firmware: it stops answering and its "
       "watchdog restarts it",
       {"SEC-SIP-ROBUST"}},
      {"hang-on-long-header",
       "SIP: a header value over 4096 bytes sends the SIP task's parser into an endless loop: SIP "
       "stops answering for good, while the web UI and the rest of the firmware run on (no crash, "
       "so no watchdog restart)",
       {"SEC-SIP-ROBUST"}},
      {"crash-on-content-length-overflow",
       "SIP: the body is copied by its Content-Length out of a 4096-byte packet buffer: a length "
       "beyond the datagram and the buffer reads past it and crashes the firmware (watchdog "
       "restart)",
       {"SEC-SIP-ROBUST"}},
      {"crash-in-dialog-matcher",
       "SIP: a request with an established call's Call-ID goes to the dialog matcher before the "
       "message checks; it reads the To tag and the CSeq number through pointers left null when "
       "the To header has no tag or the CSeq has no number, and crashes the firmware (watchdog "
       "restart). Out of a dialog the same request is refused by the checks",
       {"SEC-SIP-ROBUST"}},
      {"tls-accept-any-cert",
       "SIP over TLS: the server certificate is not verified (any chain, any date, any usage)",
       {"SEC-TLS-CERT"}},
      {"tls-no-name-check",
       "SIP over TLS: the server certificate's name is not checked (TLS_Name_Validate_1_ ignored)",
       {"SEC-TLS-CERT"}},
      {"tls-allow-tls10",
       "SIP over TLS: TLS 1.0 and 1.1 are accepted (security level 0)",
       {"SEC-TLS-VERSION"}},
      {"tls-allow-tls11",
       "SIP over TLS: the minimum version is TLS 1.1, not 1.2: TLS 1.0 is refused, 1.1 accepted",
       {"SEC-TLS-CERT", "SEC-TLS-VERSION"}},
      {"tls-cn-despite-san",
       "SIP over TLS: the certificate's CN is accepted when its subjectAltName names another "
       "host (RFC 6125: the SAN wins)",
       {"SEC-TLS-CERT"}},
      {"tls-wildcard-multi-label",
       "SIP over TLS: a wildcard matches several labels (*.lab.example for sip.edge.lab.example)",
       {"SEC-TLS-CERT"}},
      {"tls-name-prefix-match",
       "SIP over TLS: the certificate's name is compared as a prefix: sip.lab.example.attacker."
       "invalid passes for sip.lab.example",
       {"SEC-TLS-CERT"}},
      {"tls-no-time-check",
       "SIP over TLS: the certificate's validity dates are not checked (expired or not yet valid "
       "accepted)",
       {"SEC-TLS-CERT"}},
      {"tls-no-basic-constraints",
       "SIP over TLS: an issuer without basicConstraints CA:TRUE (a leaf certificate) is accepted "
       "as an intermediate",
       {"SEC-TLS-CERT"}},
      {"tls-name-or-address",
       "SIP over TLS: a certificate whose name does not match the proxy's host name is accepted "
       "when it names the address the phone connected to (an IP-only certificate passes for a "
       "name)",
       {"SEC-TLS-CERT"}},
      {"tls-no-name-constraints",
       "SIP over TLS: nameConstraints are not enforced (a TLS stack built without them): an "
       "intermediate CA's permitted names do not limit what it issues",
       {"SEC-TLS-CERT"}},
      {"tls-no-path-length",
       "SIP over TLS: a chain walker that checks each issuer's CA flag but not its "
       "pathLenConstraint: a CA below a path length of 0 is accepted",
       {"SEC-TLS-CERT"}},
      {"tls-no-client-cert",
       "SIP over TLS: the device certificate is never loaded into the TLS context: asked for a "
       "client certificate, the phone sends an empty Certificate message",
       {"SEC-TLS-CLIENT-CERT"}},
      {"tls-client-cert-by-ca-list",
       "SIP over TLS: the device certificate is presented only to a server whose "
       "CertificateRequest names its issuer; to one that lists no CAs (any issuer) it sends none",
       {"SEC-TLS-CLIENT-CERT"}},
      {"tls-null-cipher-allowed",
       "SIP over TLS: the cipher list is ALL:COMPLEMENTOFALL:!aNULL at security level 0: the NULL "
       "suites (no encryption) are accepted",
       {"SEC-TLS-VERSION"}},
      {"tls-fallback-to-udp",
       "SIP over TLS: when the TLS connection fails, REGISTER goes over UDP in cleartext "
       "instead",
       {"SEC-TLS-CERT"}},
      {"tls-responses-over-udp",
       "SIP over TLS: the phone's responses to requests that came over TLS go out over UDP, in "
       "cleartext, to the sender's address at port 5060",
       {"SIP-TLS-SIGNALLING"}},
      {"sip-cleartext-despite-tls",
       "SIP over TLS: SIP_Transport_1_ = TLS is shown but SIP goes over UDP in cleartext",
       {"SIP-TLS-SIGNALLING"}},
      {"media-srtp-with-tls",
       "SIP over TLS: the call's media is encrypted too (SDP RTP/SAVP, scrambled payloads) instead "
       "of staying plain RTP",
       {"SIP-TLS-MEDIA-CLEAR"}},
      {"media-savp-sdp-only",
       "SIP over TLS: the SDP answer says RTP/SAVP (with an a=crypto key) while the media stays "
       "plain RTP",
       {"SIP-TLS-MEDIA-CLEAR"}},
      {"audio-one-way",
       "audio: the call's RTP comes back as silence (the microphone path is dead: one-way audio)",
       {"AUDIO-LOOPBACK"}},
      {"audio-delay-250ms",
       "audio: the loopback holds the audio 250 ms longer (round trip +250 ms)",
       {"AUDIO-LOOPBACK"}},
      {"audio-loss-5pct",
       "audio: every 20th RTP packet of the loopback is not sent (5 % loss)",
       {"AUDIO-LOOPBACK"}},
      {"audio-level-minus-12db",
       "audio: the looped-back audio is 12 dB quieter",
       {"AUDIO-LOOPBACK"}},
      {"auth-invite-media-released",
       "Auth INVITE: the call record and its media session are made by the first INVITE; the 401 "
       "frees the media session and the authenticated INVITE (same Call-ID) is answered as that "
       "call's continuation, with an SDP answer but no RTP",
       {"AUDIO-LOOPBACK", "SIP-TLS-MEDIA-CLEAR"}},
      {"media-to-signalling-peer",
       "SIP over TLS: RTP goes to the address the INVITE came from (the TLS proxy), at the SDP's "
       "port, instead of the SDP's c= address: a signalling NAT heuristic applied to media",
       {"AUDIO-LOOPBACK", "SIP-TLS-MEDIA-CLEAR"}},
      {"restricted-domains-udp-only",
       "SIP: Restricted_Access_Domains is checked in the UDP receive path only: requests that "
       "come down the TLS connection from an unlisted proxy are served",
       {"SIP-RAD-BLOCK"}},
      {"restricted-domains-default-port",
       "SIP: Restricted_Access_Domains entries are kept as address:5060 (SIP's default port) and "
       "matched against the source address and port: a listed proxy's requests over its TLS "
       "connection (port 5061) are dropped, so no call over TLS gets through",
       {"AUDIO-LOOPBACK", "SIP-TLS-MEDIA-CLEAR"}},
      {"audio-session-c-line",
       "audio: RTP is sent to the offer's session-level c= address even when the audio stream has "
       "its own media-level c= (RFC 4566 5.7: the media-level one wins): one-way audio",
       {"AUDIO-LOOPBACK"}},
      {"audio-wrong-codec",
       "audio: the loopback is sent in the other G.711 law (PCMA for PCMU and back) than the SDP "
       "answer agreed",
       {"AUDIO-LOOPBACK"}},
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
      {"web-form-percent-undecoded", "network"},
      {"web-field-truncated", "network"},
      {"web-value-case-folded", "network"},
      {"config-lost-on-reboot", "network"},
      {"ignore-option-", "dhcp"},  // every ignore-option-<code>
      {"no-vendor-class", "dhcp"},
      {"vendor-class-", "dhcp"},  // every vendor-class-<bug>
      {"option-", "dhcp"},        // every option-<code>-<bug>
      {"provisioning-", "dhcp"},  // every provisioning-<bug>
      {"renew-late", "dhcp"},
      {"no-renew", "dhcp"},
      {"renew-at-t2", "dhcp"},
      {"lease-in-ms", "dhcp"},
      {"no-rebind", "dhcp"},
      {"keep-address-after-expiry", "dhcp"},
      {"ack-from-any-server", "dhcp"},
      {"nak-from-any-server", "dhcp"},
      {"sip-timeout-renewal-any-server", "sip"},
      {"time-offset-unsigned", "dhcp"},
      {"time-offset-whole-hours", "dhcp"},
      {"router-last-address", "dhcp"},
      {"dns-last-server-only", "dhcp"},
      {"domain-appended-to-every-name", "dhcp"},
      {"ntp-last-server", "dhcp"},
      {"rebind-at-three-quarters", "dhcp"},
      {"mask-not-applied", "dhcp"},
      {"no-default-route", "dhcp"},
      {"dns-first-server-only", "dhcp"},
      {"domain-joined-without-dot", "dhcp"},
      {"ntp-from-option-4", "dhcp"},
      {"static-netmask-ignored", "network"},
      {"crash-on-malformed-renewal", "dhcp"},
      {"crash-on-overloaded-offer", "dhcp"},
      {"ack-from-unselected-server", "dhcp"},
      {"reset-on-sip-timeout-renewal", "sip"},
      {"crash-on-malformed-option", "dhcp"},
      {"dhcp-wrong-address", "dhcp"},
      {"ignore-restricted-domains", "sip"},
      {"restricted-domains-semicolon-only", "sip"},
      {"answer-unlisted-403", "sip"},
      {"no-auth-invite", "sip"},
      {"auth-invite-", "sip"},  // every auth-invite-<flaw>
      {"no-dhcp-renew-on-sip-timeout", "sip"},
      {"no-reset-on-address-change", "sip"},
      {"arp-conflict-drops-lease", "sip"},
      {"sip-timeout-renewal-at-t1", "sip"},
      {"reboot-on-unlisted-notify", "sip"},
      {"restricted-domains-", "sip"},  // every restricted-domains-<flaw>
      {"check-sync-ignored", "sip"},
      {"empty-restricted-domains-blocks-all", "sip"},
      {"empty-restricted-domains-proxy-only", "sip"},
      {"default-transport-tcp", "sip"},
      {"default-transport-contact-tcp", "sip"},
      {"default-transport-via-tcp", "sip"},
      {"crash-on-long-header", "robustness"},
      {"hang-on-long-header", "robustness"},
      {"crash-on-content-length-overflow", "robustness"},
      {"crash-in-dialog-matcher", "robustness"},
      {"tls-", "tls"},  // every tls-<flaw>
      {"sip-cleartext-despite-tls", "tls"},
      {"media-srtp-with-tls", "tls"},
      {"media-savp-sdp-only", "tls"},
      {"media-to-signalling-peer", "tls"},
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
    out += '\t';
    bool first = true;
    for (auto r : f.breaks) {
      if (!first) out += ' ';
      out.append(r);
      first = false;
    }
    out += '\n';
  }
  return out;
}

}  // namespace phonelab::emulator
