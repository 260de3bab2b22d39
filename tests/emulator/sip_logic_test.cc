// The SIP UA's decisions without networking: Restricted Access Domains, Auth INVITE, NOTIFY,
// the reaction to a SIP-timeout DHCP renewal, proxy parsing and the SDP answer.

#include "emulator/sip_logic.h"

#include <cstdio>

#include <gtest/gtest.h>

#include "emulator/faults.h"

namespace sip = phonelab::proto::sip;
using namespace phonelab::emulator;

namespace {

sip::Message request(const std::string& method, const std::string& extra = "") {
  auto r = sip::parse(method +
                      " sip:100@198.18.252.2 SIP/2.0\r\n"
                      "Via: SIP/2.0/UDP 198.18.252.10;branch=z9hG4bK1\r\n"
                      "From: <sip:a@198.18.252.10>;tag=f\r\n"
                      "To: <sip:100@198.18.252.2>\r\n"
                      "Call-ID: c1\r\n"
                      "CSeq: 1 " +
                      method + "\r\n" + extra + "\r\n");
  EXPECT_TRUE(r.message) << r.error;
  return *r.message;
}

TEST(SipDomains, SemicolonCommaAndSpaces) {
  EXPECT_EQ(parseDomainList(""), std::vector<std::string>{});
  EXPECT_EQ(parseDomainList("  ; , "), std::vector<std::string>{});
  EXPECT_EQ(parseDomainList("voiceip.com; voiceip1.com"),
            (std::vector<std::string>{"voiceip.com", "voiceip1.com"}));
  EXPECT_EQ(parseDomainList("a.example,b.example , c.example;d.example ;;"),
            (std::vector<std::string>{"a.example", "b.example", "c.example", "d.example"}));
  EXPECT_EQ(parseDomainList("198.18.252.10"), std::vector<std::string>{"198.18.252.10"});
  // Fault restricted-domains-semicolon-only: the comma list becomes one bogus name.
  EXPECT_EQ(parseDomainList("a.example, b.example", true),
            std::vector<std::string>{"a.example, b.example"});
  EXPECT_EQ(parseDomainList("a.example; b.example", true),
            (std::vector<std::string>{"a.example", "b.example"}));
}

TEST(SipDomains, AllowsOnlyResolvedListedAddressesAndDropsTheRest) {
  RestrictedDomains rad;
  EXPECT_TRUE(rad.allows("198.18.252.66"));  // empty list: everyone
  rad.configure({"proxy.lab.example"});
  EXPECT_FALSE(rad.allows("198.18.252.10"));  // not resolved yet: nobody
  rad.addAddress("198.18.252.10");
  EXPECT_TRUE(rad.allows("198.18.252.10"));
  EXPECT_FALSE(rad.allows("198.18.252.66"));
  rad.configure({"other.example"});  // a change forgets the old addresses
  EXPECT_FALSE(rad.allows("198.18.252.10"));

  auto invite = request("INVITE");
  EXPECT_EQ(unlistedAction(invite, {}), UnlistedAction::Drop);
  EXPECT_EQ(unlistedAction(invite, {true, false, false}), UnlistedAction::Process);
  EXPECT_EQ(unlistedAction(invite, {false, true, false}), UnlistedAction::Answer403);
  auto reboot = request("NOTIFY", "Event: check-sync;reboot=true\r\n");
  EXPECT_EQ(unlistedAction(reboot, {}), UnlistedAction::Drop);
  // Fault reboot-on-unlisted-notify: the check-sync handler runs before the filter, for a resync
  // as for a reboot; other NOTIFYs and other methods still meet the filter.
  EXPECT_EQ(unlistedAction(reboot, {false, false, true}), UnlistedAction::Process);
  EXPECT_EQ(unlistedAction(request("NOTIFY", "Event: check-sync\r\n"), {false, false, true}),
            UnlistedAction::Process);
  EXPECT_EQ(unlistedAction(request("NOTIFY", "Event: dialog\r\n"), {false, false, true}),
            UnlistedAction::Drop);
  EXPECT_EQ(unlistedAction(invite, {false, false, true}), UnlistedAction::Drop);
}

TEST(SipDomains, WhoARequestIsFrom) {
  RestrictedDomains rad;
  rad.configure({"sip.lab.example"});
  rad.addAddress("198.18.252.10");
  const std::string listed = "198.18.252.10", unlisted = "198.18.252.66";
  // A sender that writes the listed name into its Via and From.
  auto spoofed = request("OPTIONS");
  spoofed.headers.clear();
  spoofed.add("Via", "SIP/2.0/UDP SIP.lab.example:5060;branch=z9hG4bK2;rport");
  spoofed.add("From", "\"x\" <sip:hostile@sip.lab.example;user=phone>;tag=1");
  spoofed.add("To", "<sip:100@198.18.252.2>");
  spoofed.add("Call-ID", "c2");
  spoofed.add("CSeq", "1 OPTIONS");
  EXPECT_EQ(topViaHost(spoofed), "SIP.lab.example");
  EXPECT_EQ(fromHost(spoofed), "sip.lab.example");
  EXPECT_EQ(topViaHost(request("BYE")), "198.18.252.10");

  // Conformant: the packet's source decides, for every method, in a dialog or not.
  for (const char* method : {"INVITE", "OPTIONS", "MESSAGE", "SUBSCRIBE", "REFER", "NOTIFY"}) {
    EXPECT_FALSE(radAdmits(rad, request(method), unlisted, {}).allowed) << method;
    EXPECT_TRUE(radAdmits(rad, request(method), listed, {}).allowed) << method;
  }
  EXPECT_FALSE(radAdmits(rad, spoofed, unlisted, {}).allowed);
  auto bye = request("BYE");
  bye.headers[2].value += ";tag=t1";  // To
  ASSERT_EQ(bye.toTag(), "t1");
  EXPECT_FALSE(radAdmits(rad, bye, unlisted, {}).allowed);

  // restricted-domains-invite-only
  const RadFaults invite_only{true, false, false};
  EXPECT_FALSE(radAdmits(rad, request("INVITE"), unlisted, invite_only).allowed);
  auto d = radAdmits(rad, request("OPTIONS"), unlisted, invite_only);
  EXPECT_TRUE(d.allowed);
  EXPECT_EQ(d.fault, "restricted-domains-invite-only");
  // restricted-domains-trusts-headers: the spoofed request passes, a plain one does not, and the
  // listed proxy (its own address in the Via) still does.
  const RadFaults headers{false, true, false};
  d = radAdmits(rad, spoofed, unlisted, headers);
  EXPECT_TRUE(d.allowed);
  EXPECT_EQ(d.fault, "restricted-domains-trusts-headers");
  auto honest = request("OPTIONS");  // from the unlisted host, saying so
  honest.headers[0].value = "SIP/2.0/UDP 198.18.252.66;branch=z9hG4bK3";
  honest.headers[1].value = "<sip:a@198.18.252.66>;tag=f";
  EXPECT_FALSE(radAdmits(rad, honest, unlisted, headers).allowed);
  d = radAdmits(rad, request("INVITE"), listed, headers);
  EXPECT_TRUE(d.allowed);
  EXPECT_EQ(d.fault, "");
  // restricted-domains-in-dialog-bypass
  const RadFaults in_dialog{false, false, true};
  d = radAdmits(rad, bye, unlisted, in_dialog);
  EXPECT_TRUE(d.allowed);
  EXPECT_EQ(d.fault, "restricted-domains-in-dialog-bypass");
  EXPECT_FALSE(radAdmits(rad, request("BYE"), unlisted, in_dialog).allowed);
  // restricted-domains-address-prefix: the source compared as text over the listed address's
  // length; the conformant check compares the whole address.
  RestrictedDomains six;
  six.configure({"sip2.lab.example"});
  six.addAddress("198.18.252.6");
  EXPECT_FALSE(radAdmits(six, request("OPTIONS"), "198.18.252.66", {}).allowed);
  const RadFaults prefix{false, false, false, true};
  d = radAdmits(six, request("OPTIONS"), "198.18.252.66", prefix);
  EXPECT_TRUE(d.allowed);
  EXPECT_EQ(d.fault, "restricted-domains-address-prefix");
  EXPECT_FALSE(radAdmits(six, request("OPTIONS"), "198.18.252.7", prefix).allowed);
}

TEST(SipRobust, ContentLengthOverrun) {
  const std::string head =
      "OPTIONS sip:100@198.18.252.2 SIP/2.0\r\nVia: SIP/2.0/UDP 198.18.252.66;branch=z9hG4bK1\r\n";
  EXPECT_FALSE(contentLengthOverruns(head + "Content-Length: 0\r\n\r\n", 4096));
  EXPECT_FALSE(contentLengthOverruns(head + "Content-Length: 4\r\n\r\nbody", 4096));
  // Longer than the datagram but inside the buffer: the copy reads garbage, no crash.
  EXPECT_FALSE(contentLengthOverruns(head + "Content-Length: 40\r\n\r\nbody", 4096));
  // RFC 4475 3.1.2.7 (clerr): 9999 bytes announced.
  EXPECT_TRUE(contentLengthOverruns(head + "Content-Length: 9999\r\n\r\nbody", 4096));
  EXPECT_TRUE(contentLengthOverruns(head + "l: 99999999999999999999999\r\n\r\n", 4096));
  EXPECT_TRUE(contentLengthOverruns(head + "content-length :5000\n\n", 4096));
  EXPECT_FALSE(contentLengthOverruns(head + "Content-Length: -1\r\n\r\n", 4096));
  EXPECT_FALSE(contentLengthOverruns(head + "Content-Length: 9999\r\n", 4096));  // no body
}

TEST(SipNotify, ReadsResyncAndRebootFromTheEventHeader) {
  auto a = classifyNotify(request("NOTIFY", "Event: check-sync\r\n"));
  EXPECT_TRUE(a.resync);
  EXPECT_FALSE(a.reboot);
  a = classifyNotify(request("NOTIFY", "o: Check-Sync ; reboot = TRUE\r\n"));
  EXPECT_TRUE(a.resync);
  EXPECT_TRUE(a.reboot);
  a = classifyNotify(request("NOTIFY", "Event: check-sync;reboot=false\r\n"));
  EXPECT_TRUE(a.resync);
  EXPECT_FALSE(a.reboot);
  a = classifyNotify(request("NOTIFY", "Event: message-summary\r\n"));
  EXPECT_EQ(a.event, "message-summary");
  EXPECT_FALSE(a.resync);
  EXPECT_FALSE(classifyNotify(request("NOTIFY")).resync);
}

/// The INVITE again with credentials answering `challenge` (the first of a 401's values), for
/// `uri` and `method`, with nonce count `nc`.
sip::Message answered(const std::string& challenge, const std::string& user,
                      const std::string& password, unsigned long nc = 1,
                      const std::string& uri = "sip:100@198.18.252.2",
                      const std::string& method = "INVITE") {
  auto ch = sip::parseChallenge(challenge);
  EXPECT_TRUE(ch);
  auto cred = sip::answerChallenge(*ch, user, password, method, uri);
  char buf[16];
  std::snprintf(buf, sizeof buf, "%08lx", nc);
  cred.nc = buf;
  cred.response = sip::digestResponse(cred, password, method);
  return request("INVITE", "Authorization: " + sip::formatCredentials(cred) + "\r\n");
}

using V = InviteAuth::Verdict;

TEST(SipAuthInvite, RightWrongReplayedCredentials) {
  InviteAuth auth;
  double t = 1000;
  auto d = auth.decide(request("INVITE"), "100", "secret", "198.18.252.2", t);
  ASSERT_EQ(d.verdict, V::Challenge);
  ASSERT_EQ(d.challenges.size(), 2u);  // SHA-256 first, then MD5 (RFC 8760 2.4)
  auto ch = sip::parseChallenge(d.challenges[0]);
  ASSERT_TRUE(ch);
  EXPECT_EQ(ch->realm, "198.18.252.2");
  EXPECT_EQ(ch->algorithm, "SHA-256");
  EXPECT_EQ(sip::parseChallenge(d.challenges[1])->algorithm, "MD5");
  EXPECT_EQ(sip::parseChallenge(d.challenges[1])->nonce, ch->nonce);
  EXPECT_EQ(ch->qop, "auth");
  EXPECT_GE(ch->nonce.size(), 16u);

  // Right credentials (either algorithm): accepted.
  auto good = answered(d.challenges[0], "100", "secret");
  EXPECT_EQ(auth.decide(good, "100", "secret", "198.18.252.2", t).verdict, V::Accept);
  // The same Authorization again (replay, same nonce count): challenged, never accepted.
  auto replay = auth.decide(good, "100", "secret", "198.18.252.2", t);
  EXPECT_EQ(replay.verdict, V::Challenge);
  EXPECT_NE(sip::parseChallenge(replay.challenges[0])->nonce, ch->nonce);
  // The nonce again with the count incremented, within its lifetime (MD5 this time): accepted.
  EXPECT_EQ(auth.decide(answered(d.challenges[1], "100", "secret", 2), "100", "secret",
                        "198.18.252.2", t + 5)
                .verdict,
            V::Accept);
  // Past its lifetime: a new challenge with stale=true.
  auto stale = auth.decide(answered(d.challenges[1], "100", "secret", 3), "100", "secret",
                           "198.18.252.2", t + 11);
  EXPECT_EQ(stale.verdict, V::Challenge);
  EXPECT_TRUE(sip::parseChallenge(stale.challenges[0])->stale);

  // Wrong password, user, realm, uri, method: 403, and the count is not advanced.
  auto d2 = auth.decide(request("INVITE"), "100", "secret", "r", t);
  EXPECT_EQ(
      auth.decide(answered(d2.challenges[0], "100", "guess"), "100", "secret", "r", t).verdict,
      V::Forbidden);
  EXPECT_EQ(
      auth.decide(answered(d2.challenges[0], "999", "secret"), "100", "secret", "r", t).verdict,
      V::Forbidden);
  auto other_realm = *sip::parseChallenge(d2.challenges[0]);
  other_realm.realm = "other.r";
  EXPECT_EQ(auth.decide(answered(sip::formatChallenge(other_realm), "100", "secret"), "100",
                        "secret", "r", t)
                .verdict,
            V::Forbidden);
  EXPECT_EQ(auth.decide(answered(d2.challenges[0], "100", "secret", 1, "sip:other@198.18.252.2"),
                        "100", "secret", "r", t)
                .verdict,
            V::Forbidden);
  EXPECT_EQ(
      auth.decide(answered(d2.challenges[0], "100", "secret", 1, "sip:100@198.18.252.2", "BYE"),
                  "100", "secret", "r", t)
          .verdict,
      V::Forbidden);
  EXPECT_EQ(
      auth.decide(answered(d2.challenges[0], "100", "secret"), "100", "secret", "r", t).verdict,
      V::Accept);
  // A nonce we never issued: challenged.
  sip::DigestChallenge foreign{"r", "made-up-nonce", "", "MD5", "auth"};
  EXPECT_EQ(
      auth.decide(answered(sip::formatChallenge(foreign), "100", "secret"), "100", "secret", "r", t)
          .verdict,
      V::Challenge);
  // Not Digest: challenged.
  EXPECT_EQ(auth.decide(request("INVITE", "Authorization: Basic MTAwOnNlY3JldA==\r\n"), "100",
                        "secret", "r", t)
                .verdict,
            V::Challenge);
}

TEST(SipAuthInvite, EachAuthFaultAcceptsWhatTheCorrectCheckRefuses) {
  const double t = 1000;
  InviteAuth::Faults f;
  f.accepts_any = true;
  InviteAuth any(f);
  sip::DigestChallenge foreign{"r", "made-up-nonce", "", "MD5", "auth"};
  EXPECT_EQ(any.decide(answered(sip::formatChallenge(foreign), "100", "nonsense"), "100", "secret",
                       "r", t)
                .verdict,
            V::Accept);
  EXPECT_EQ(any.decide(answered(sip::formatChallenge(foreign), "999", "x"), "100", "secret", "r", t)
                .verdict,
            V::Challenge);

  f = {};
  f.nonce_replay = true;
  InviteAuth replay(f);
  auto d = replay.decide(request("INVITE"), "100", "secret", "r", t);
  auto good = answered(d.challenges[0], "100", "secret");
  EXPECT_EQ(replay.decide(good, "100", "secret", "r", t).verdict, V::Accept);
  EXPECT_EQ(replay.decide(good, "100", "secret", "r", t).verdict, V::Accept);

  f = {};
  f.client_realm = true;
  InviteAuth realm(f);
  d = realm.decide(request("INVITE"), "100", "secret", "r", t);
  auto other = *sip::parseChallenge(d.challenges[0]);
  other.realm = "other.r";
  EXPECT_EQ(
      realm.decide(answered(sip::formatChallenge(other), "100", "secret"), "100", "secret", "r", t)
          .verdict,
      V::Accept);

  f = {};
  f.uri_unchecked = true;
  InviteAuth uri(f);
  d = uri.decide(request("INVITE"), "100", "secret", "r", t);
  EXPECT_EQ(uri.decide(answered(d.challenges[0], "100", "secret", 1, "sip:other@198.18.252.2"),
                       "100", "secret", "r", t)
                .verdict,
            V::Accept);

  f = {};
  f.nonce_never_expires = true;
  InviteAuth forever(f);
  d = forever.decide(request("INVITE"), "100", "secret", "r", t);
  EXPECT_EQ(
      forever.decide(answered(d.challenges[0], "100", "secret"), "100", "secret", "r", t + 3600)
          .verdict,
      V::Accept);

  f = {};
  f.first_call_only = true;
  InviteAuth once(f);
  d = once.decide(request("INVITE"), "100", "secret", "r", t);
  EXPECT_EQ(
      once.decide(answered(d.challenges[0], "100", "secret"), "100", "secret", "r", t).verdict,
      V::Accept);
  EXPECT_EQ(once.decide(request("INVITE"), "100", "secret", "r", t).verdict, V::Accept);

  // auth-invite-any-username: another user's right answer (same password) passes; the
  // conformant check refuses it.
  const auto other_user = [&](InviteAuth& a) {
    const auto c = a.decide(request("INVITE"), "100", "secret", "r", t);
    return a.decide(answered(c.challenges[0], "200", "secret"), "100", "secret", "r", t).verdict;
  };
  f = {};
  f.any_username = true;
  InviteAuth anyone(f), right;
  EXPECT_EQ(other_user(anyone), V::Accept);
  EXPECT_EQ(other_user(right), V::Forbidden);
}

TEST(SipDhcpTimeout, ResetsOnAChangedOrRefusedAddressAndReregistersOnTheSame) {
  EXPECT_EQ(renewReaction(DhcpRenewOutcome::SameAddress, false), RenewReaction::Reregister);
  EXPECT_EQ(renewReaction(DhcpRenewOutcome::Changed, false), RenewReaction::Reset);
  EXPECT_EQ(renewReaction(DhcpRenewOutcome::Nak, false), RenewReaction::Reset);
  EXPECT_EQ(renewReaction(DhcpRenewOutcome::Timeout, false), RenewReaction::CarryOn);
  // Fault no-reset-on-address-change.
  EXPECT_EQ(renewReaction(DhcpRenewOutcome::Changed, true), RenewReaction::CarryOn);
  EXPECT_EQ(renewReaction(DhcpRenewOutcome::Nak, true), RenewReaction::CarryOn);
  EXPECT_EQ(renewReaction(DhcpRenewOutcome::SameAddress, true), RenewReaction::Reregister);
}

TEST(SipProxy, ReadsHostAndPortDefaultingTo5060AndRefusesBadOnes) {
  auto p = parseProxy("proxy.lab.example");
  ASSERT_TRUE(p);
  EXPECT_EQ(p->host, "proxy.lab.example");
  EXPECT_EQ(p->port, 5060);
  EXPECT_FALSE(p->port_given);  // 5060, or 5061 over TLS
  p = parseProxy(" sip:198.18.252.1:5070;lr ");
  ASSERT_TRUE(p);
  EXPECT_EQ(p->host, "198.18.252.1");
  EXPECT_EQ(p->port, 5070);
  EXPECT_TRUE(p->port_given);
  EXPECT_FALSE(parseProxy(""));
  EXPECT_FALSE(parseProxy("host:0"));
  EXPECT_FALSE(parseProxy("host:99999"));
  EXPECT_FALSE(parseProxy("bad host"));
}

TEST(SipSdp, AnswersWithTheOfferedG711CodecsOnlyOrOffersItsOwn) {
  auto offer = "v=0\r\nc=IN IP4 198.18.252.10\r\nm=audio 4000 RTP/AVP 18 8 0 101\r\n";
  auto a = sdpAnswer(offer, "198.18.252.2", 16384, 7);
  ASSERT_TRUE(a);
  EXPECT_NE(a->find("c=IN IP4 198.18.252.2\r\n"), std::string::npos);
  EXPECT_NE(a->find("m=audio 16384 RTP/AVP 8 0\r\n"), std::string::npos);
  EXPECT_NE(a->find("a=rtpmap:8 PCMA/8000"), std::string::npos);
  EXPECT_EQ(*a,
            "v=0\r\no=- 7 7 IN IP4 198.18.252.2\r\ns=phone-emulator\r\nc=IN IP4 198.18.252.2\r\n"
            "t=0 0\r\nm=audio 16384 RTP/AVP 8 0\r\na=rtpmap:8 PCMA/8000\r\n"
            "a=rtpmap:0 PCMU/8000\r\na=ptime:20\r\na=sendrecv\r\n");
  EXPECT_FALSE(sdpAnswer("v=0\r\nm=video 4000 RTP/AVP 0\r\n", "198.18.252.2", 16384, 7));
  EXPECT_FALSE(sdpAnswer("v=0\r\nm=audio 4000 RTP/AVP 18\r\n", "198.18.252.2", 16384, 7));
  auto own = sdpAnswer("", "198.18.252.2", 16386, 7);
  ASSERT_TRUE(own);
  EXPECT_NE(own->find("m=audio 16386 RTP/AVP 0 8\r\n"), std::string::npos);
}

// The SAVP faults change the answer before it is written: the same bytes as editing the text.
TEST(SipSdp, AnswerSessionTakesTheSavpFaultsChanges) {
  const auto offer = "v=0\r\nc=IN IP4 198.18.252.10\r\nm=audio 4000 RTP/AVP 0\r\n";
  std::string edited = *sdpAnswer(offer, "198.18.252.2", 16384, 7);
  edited.replace(edited.find(" RTP/AVP"), 8, " RTP/SAVP");
  edited += "a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:KEY\r\n";
  auto s = sdpAnswerSession(offer, "198.18.252.2", 16384, 7);
  ASSERT_TRUE(s);
  s->media.at(0).proto = "RTP/SAVP";
  s->media.at(0).crypto.push_back({1, "AES_CM_128_HMAC_SHA1_80", "inline:KEY"});
  EXPECT_EQ(phonelab::proto::sdp::build(*s), edited);
}

TEST(SipFaults, EveryRowExists) {
  Faults f;
  for (auto name :
       {"ignore-restricted-domains", "restricted-domains-semicolon-only", "answer-unlisted-403",
        "no-auth-invite", "auth-invite-accepts-any", "auth-invite-nonce-replay",
        "no-dhcp-renew-on-sip-timeout", "no-reset-on-address-change", "reboot-on-unlisted-notify",
        "crash-on-long-header", "restricted-domains-invite-only",
        "restricted-domains-trusts-headers", "restricted-domains-in-dialog-bypass",
        "restricted-domains-first-name-only", "check-sync-ignored",
        "empty-restricted-domains-proxy-only", "default-transport-contact-tcp",
        "crash-on-content-length-overflow", "crash-in-dialog-matcher"})
    EXPECT_TRUE(f.enable(name)) << name;
  auto m = request("OPTIONS", "X-Long: " + std::string(4097, 'a') + "\r\n");
  EXPECT_TRUE(hasHeaderLongerThan(m, 4096));
  EXPECT_FALSE(hasHeaderLongerThan(request("OPTIONS"), 4096));
}

// Fault crash-in-dialog-matcher: what the dialog matcher would read through a null pointer.
TEST(SipFaults, InDialogNullField) {
  auto parse = [](const std::string& to, const std::string& cseq) {
    auto r = sip::parse(
        "BYE sip:100@198.18.252.2 SIP/2.0\r\nVia: SIP/2.0/UDP 198.18.252.10\r\n"
        "From: <sip:a@198.18.252.10>;tag=f\r\nTo: " +
        to + "\r\nCall-ID: c1\r\n" + cseq + "\r\n");
    EXPECT_TRUE(r.message) << r.error;
    return *r.message;
  };
  const std::string to = "<sip:100@198.18.252.2>;tag=t";
  EXPECT_EQ(inDialogNullField(parse(to, "CSeq: 2 BYE\r\n")), "");
  EXPECT_EQ(inDialogNullField(parse(to, "CSeq: 4294967296 BYE\r\n")), "");  // parsed, wraps
  EXPECT_EQ(inDialogNullField(parse("<sip:100@198.18.252.2>", "CSeq: 2 BYE\r\n")), "the To tag");
  EXPECT_EQ(inDialogNullField(parse("<sip:100@198.18.252.2>;tag=", "CSeq: 2 BYE\r\n")),
            "the To tag");
  EXPECT_EQ(inDialogNullField(parse(to, "")), "the CSeq number");
  EXPECT_EQ(inDialogNullField(parse(to, "CSeq: BYE\r\n")), "the CSeq number");
  EXPECT_EQ(inDialogNullField(parse(to, "CSeq: -1 BYE\r\n")), "the CSeq number");
  EXPECT_EQ(inDialogNullField(parse(to, "CSeq:\r\n")), "the CSeq number");
}

}  // namespace

namespace {}  // namespace

// Auto-answer is asked for by Call-Info's answer-after (MPP paging/intercom); anything else rings.
TEST(SipAutoAnswer, CallInfoAnswerAfter) {
  EXPECT_EQ(autoAnswerAfter(request("INVITE")), std::nullopt);
  EXPECT_EQ(autoAnswerAfter(request("INVITE", "Call-Info: <sip:198.18.252.10>;answer-after=0\r\n")),
            std::optional<long>(0));
  EXPECT_EQ(autoAnswerAfter(request("INVITE", "Call-Info: <sip:p>; Answer-After = 3\r\n")),
            std::optional<long>(3));
  // A Call-Info for something else (an icon), then the one that asks.
  EXPECT_EQ(autoAnswerAfter(request("INVITE",
                                    "Call-Info: <http://x/i.png>;purpose=icon, "
                                    "<sip:p>;answer-after=1\r\n")),
            std::optional<long>(1));
  EXPECT_EQ(autoAnswerAfter(request("INVITE", "Call-Info: <http://x/i.png>;purpose=icon\r\n")),
            std::nullopt);
  // Not a number of seconds: not understood, so it rings.
  EXPECT_EQ(autoAnswerAfter(request("INVITE", "Call-Info: <sip:p>;answer-after=soon\r\n")),
            std::nullopt);
  EXPECT_EQ(autoAnswerAfter(request("INVITE", "Call-Info: <sip:p>;answer-after=-1\r\n")),
            std::nullopt);
  EXPECT_EQ(autoAnswerAfter(request("INVITE", "Call-Info: <sip:p>;answer-after=100000\r\n")),
            std::nullopt);
  // RFC 5373's Answer-Mode is not what this phone's profile asks for.
  EXPECT_EQ(autoAnswerAfter(request("INVITE", "Answer-Mode: Auto\r\n")), std::nullopt);
}
