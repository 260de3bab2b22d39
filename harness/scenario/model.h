#pragma once
/// The scenario model: what a scenario YAML file means once loaded and validated.
/// The format is documented in docs/scenario-format.md. Strings may hold ${variables}
/// (see vars.h); they are checked at load time and expanded by the runner per lane.

#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "base/core/error.h"
#include "base/core/match.h"

namespace phonelab::scenario {

/// A condition on one event field as written: `field: value` (op "eq") or
/// `field: {op: operand}` with op one of eq ne regex lt le gt ge exists absent contains.
struct Condition {
  std::string field;
  std::string op = "eq";
  std::string operand;
  Mark mark;
  /// Built once by the loader when the operand has no ${variables} (a regex is compiled once);
  /// otherwise the runner builds it per lane with the variables expanded.
  std::shared_ptr<const FieldCondition> compiled;
};

/// Which events a step looks for and over which time.
struct EventSpec {
  std::string event;  // kind or glob: "dhcp.discover", "dhcp.*"
  std::vector<Condition> where;
  double within = 10;  // seconds: deadline for expect/wait, window length for expect_none
  /// How many times the lab file's dut.boot_timeout is added to `within` (written
  /// `"${dut.boot_timeout} + 5s"`): a wait that spans a restart of the phone.
  int within_boots = 0;
  /// Anchor of the time window: "" = the start of this step, "scenario" = scenario start, or the
  /// name of an earlier step (its start).
  std::string since;
  Mark mark;
};

// ---- actions (the closed set of things a step can do) ----

/// Configure the DUT through its own admin interface, with abstract setting names from the device
/// profile: {connection_type: static, static_ip: ${net.static_ip}}. via web: the web UI ("Submit
/// All Changes"); via profile: a flat profile the harness serves and /admin/resync?URL.
struct ConfigureAction {
  std::map<std::string, std::string> settings;
  std::string via = "web";  // web | profile
};
/// Reboot through the phone's own /admin/reboot.
struct RebootAction {};
/// Power off and on (emulator: stop and spawn again; bench: the lab's power driver).
struct PowerCycleAction {};
/// GET /admin/cfg.xml; emits a "dut.config" event whose fields are the element values.
struct FetchConfigAction {
  double within = 30;  // how long the phone may take to answer (e.g. while rebooting)
};
/// GET /admin/status.xml; emits "dut.status" (model, mac, firmware, ip, uptime).
struct FetchStatusAction {
  double within = 30;
};
/// ICMP echo from the lab side; replies show up as "icmp.echo-reply" capture events.
struct PingAction {
  std::string to;
  std::string from;  // source address on the lab side; "" = the segment address
  int count = 1;
};

/// The test UA (fakes.sip_ua) calls: INVITE `to`, sent through the trusted proxy ("proxy") or
/// straight to the phone ("phone"); answers a challenge with auth_user/auth_password when given;
/// waits up to `within` for a final response, ACKs it and (on 2xx) hangs up. A call that rings
/// and is not answered a moment later is CANCELled (unless `answer`). The outcome is events
/// (ua.sent, ua.received, sip.*, harness.call); the action itself fails only if the harness
/// could not send.
struct SipCallAction {
  std::string to;
  std::string via = "proxy";
  std::string auth_user, auth_password;
  /// Answer the challenge wrongly in one part the digest binds: "" (right), realm, uri, method,
  /// nonce, nc-replay, response (fakes::CallOptions::auth_wrong).
  std::string auth_wrong;
  /// Answer the challenge that uses this algorithm (MD5, SHA-256); "" = the first we implement.
  std::string auth_algorithm;
  /// `auth_nonce: reuse`: send credentials at once for the nonce of the last challenge a call
  /// answered, the nonce count incremented; a new challenge is not answered.
  bool auth_reuse_nonce = false;
  /// Send the Authorization the UA answered the last challenge with again, on a new INVITE (new
  /// Call-ID and branch), and do not answer a new challenge: a replay.
  bool replay = false;
  /// Have the phone answer the call the device profile's way (`answer:`); otherwise a call that
  /// rings is cancelled after a moment.
  bool answer = false;
  double within = 10;
};
/// The hostile SIP server (fakes.hostile_sip) sends one request to the phone and collects answers
/// for `within` seconds.
struct SipSendAction {
  std::string method;
  std::string event;              // NOTIFY Event header, e.g. "check-sync;reboot=true"
  std::string spoof_from_domain;  // Via sent-by, From and Contact host: a listed server's name
  bool in_dialog = false;         // a To tag, as a request inside a dialog carries
  /// "phone": straight to the phone; "proxy": to the trusted proxy (Kamailio) for `user`, which
  /// relays it to the phone's registration (over its TLS connection when it has one).
  std::string via = "phone";
  std::string user;  // the Request-URI's user with via: proxy
  std::vector<std::string> headers;
  double within = 3;
};

/// The SIP robustness campaign (fakes/sip/fuzz.h) from the hostile server's address: generated
/// PROTOS-style cases plus the *.sip files of `corpus`, each followed by an OPTIONS probe. The
/// step fails, naming the case, when a probe goes unanswered for `probe_within` seconds.
/// With `in_dialog`, the cases are malformed requests inside a call the phone has answered (the
/// device profile's answer method), not the out-of-dialog INVITEs and the corpus.
struct SipFuzzAction {
  std::string corpus;  // folder, relative to the scenario file ("" = generated cases only)
  double probe_within = 1;
  int limit = 0;  // first N cases only (0 = all)
  bool in_dialog = false;
  double setup_within = 10;  // in_dialog: seconds for each call to be answered
};

/// A lab-side peer goes silent for the DUT: nftables rules in the lab namespace drop what the DUT
/// sends to `to` (an address, e.g. ${svc.sip}) until `unsilence` or the end of the scenario.
struct SilenceAction {
  std::string to;
};
/// Ends a `silence` of `to`.
struct UnsilenceAction {
  std::string to;
};
/// The second lab host (${lab.host_mac}) claims the address `ip` (e.g. ${dut.ip}): a gratuitous ARP
/// on the segment, and the lab side sends what it addresses to `ip` to the host's MAC, until
/// `release_address` or the end of the scenario (lab::AddressClaimer).
struct ClaimAddressAction {
  std::string ip;
};
/// Ends a `claim_address` of `ip`: the lab side asks ARP for it again.
struct ReleaseAddressAction {
  std::string ip;
};
/// The trusted DHCP server (Kea) stops answering anyone, or answers again: for a scenario in which
/// only the rogue server may answer (nftables cannot silence Kea: it reads the wire through raw
/// sockets).
struct PauseDhcpAction {};
struct ResumeDhcpAction {};

/// The test UA (fakes.sip_ua) calls offering only `codec`; once answered it sends the audio
/// stimulus as RTP to the phone, which loops it back (lab file `audio_loopback`), records what
/// returns, hangs up and emits an "audio.result" event with the analyser's measures (checked by
/// later expect steps). Fails if the call is not answered within `within`.
struct AudioCallAction {
  std::string to;
  std::string codec = "PCMU";  // PCMU | PCMA
  std::string via = "proxy";
  std::string auth_user, auth_password;  // answer the phone's challenge (Auth INVITE)
  double within = 10;                    // call setup
};

using Action =
    std::variant<ConfigureAction, RebootAction, PowerCycleAction, FetchConfigAction,
                 FetchStatusAction, PingAction, SipCallAction, SipSendAction, SipFuzzAction,
                 SilenceAction, UnsilenceAction, AudioCallAction, PauseDhcpAction, ResumeDhcpAction,
                 ClaimAddressAction, ReleaseAddressAction>;

/// One row per action, in the order of the Action variant: its YAML key and the fake it needs in
/// the scenario. The loader takes the names from it, the lab check the fakes, and a unit test
/// holds docs/scenario-format.md's table of actions to it.
struct ActionInfo {
  const char* name;        // "sip_call"
  const char* needs_fake;  // the `fakes:` key it needs ("sip_ua"), "" for none
  const char* needs_what;  // that fake in words ("the test UA")
};
std::span<const ActionInfo> actionTable();
/// The names of actionTable(), in its order.
std::vector<std::string> actionNames();

/// The action's YAML key (actionTable()[a.index()].name).
const char* actionName(const Action& a);

// ---- steps ----

/// Wait for an event (a precondition): on timeout the scenario is inconclusive.
struct WaitStep {
  EventSpec spec;
};
/// Do something. If the DUT does not respond to it, the scenario fails.
struct ActStep {
  Action action;
};
/// Expect an event within a deadline (a check). With a probe, the probe action is repeated every
/// `every` seconds until the event is seen or the deadline passes.
struct ExpectStep {
  EventSpec spec;
  std::optional<Action> probe;
  double every = 1.0;
};
/// Expect no matching event during a window (a check). Also how a scenario lets time pass.
struct ExpectNoneStep {
  EventSpec spec;
};

struct Step {
  std::string name;  // unique within the scenario; defaulted to "<kind>-<n>" (1-based)
  std::variant<WaitStep, ActStep, ExpectStep, ExpectNoneStep> body;
  /// `when: {expect.NAME: value}`: the step runs only if the device profile chose these values for
  /// the outcomes the vendor's document leaves open; otherwise it is recorded as not run.
  std::map<std::string, std::string> when;
  Mark mark;
  /// "wait", "act", "expect", "expect_none"
  const char* kindName() const;
};

/// One DHCP option a DHCP server offers: `{option: 66, value: "tftp.lab.example"}`.
struct DhcpOptionSpec {
  std::string option;        // code or table name, as written; checked against the option table
  std::string value;         // text, encoded by the table's type (may hold ${variables})
  bool always_send = false;  // send even when the client's parameter request list does not ask
  Mark mark;
};

/// The fakes a scenario stands up on the lab side. Grows with each fake.
struct DhcpFake {
  bool enabled = false;
  std::string pool_from;  // default ${net.pool_from}
  std::string pool_to;    // default ${net.pool_to}
  double lease = 3600;    // seconds (option 51)
  /// Length of the prefix Kea serves, on the segment's network (its option 1): 24 = the segment;
  /// 25 its lower half (.0 to .127: the lab side and its services; .128 and up are off-subnet).
  int prefix_len = 24;
  /// false: no T1 and T2 (options 58 and 59) unless `options` lists them, as many servers
  /// offer a lease: the phone derives them from the lease (RFC 2131 4.4.5).
  bool send_timers = true;
  /// Options offered besides the subnet's mask and the lease timers. The router (3) is
  /// ${lab.ip} unless listed here.
  std::vector<DhcpOptionSpec> options;
};

/// A file a provisioning fake serves: inline content, or a file relative to the scenario.
struct ServedFile {
  std::string name;     // TFTP file name or HTTP path
  std::string content;  // inline (may hold ${variables})
  std::string path;     // or a file to read, relative to the scenario file
  Mark mark;
};

/// A fake on one lab-side address (default: its service address, ${svc.<name>}).
struct ServiceFake {
  bool enabled = false;
  std::string address;
  int port = 0;                                // 0 = the protocol's port
  std::map<std::string, std::string> records;  // dns: name -> IPv4 (comma list for several)
  std::vector<ServedFile> files;               // tftp, http
};

/// A DHCP server of our own for what Kea will not do: malformed or hostile offers, NAKs,
/// silence, an ACK with another address.
struct RogueDhcpFake {
  bool enabled = false;
  std::string address;  // default ${svc.rogue}
  /// offer (hostile but well-formed options) | malformed (the cases below) | nak | silent |
  /// ack-other-address | nak-renewal
  std::string mode = "malformed";
  std::vector<std::string> cases;  // malformed cases by name; empty = every case
  std::vector<DhcpOptionSpec> options;
  Mark mark;
};

/// The trusted SIP peer: a real Kamailio (registrar with digest auth, proxy).
struct SipProxyFake {
  bool enabled = false;
  std::string address;  // default ${svc.sip}
  int port = 5060;
  std::string domain;                        // SIP domain and realm; default the address
  std::map<std::string, std::string> users;  // user -> password
  int tls_port = 0;  // Kamailio's own TLS listener (certificate from the run's test PKI); 0 = none
  std::string tls_name = "sip.lab.example";  // the name of that certificate
  /// Initial requests to a registered user keep the caller's Request-URI (the binding only says
  /// where they go): a caller can answer the phone's Auth INVITE challenge through the proxy.
  bool keep_request_uri = false;
};
/// The test UA, the far end of calls; registers to the proxy at start.
struct SipUaFake {
  bool enabled = false;
  std::string address;  // default ${svc.sip}
  int port = 5062;
  std::string user, password;
};

/// The TLS front of the trusted proxy (fakes.tls_proxy): the phone's SIP proxy over TLS, relaying
/// to `sip` (Kamailio). With a flaw it is a man in the middle presenting that one flaw.
struct TlsProxyFake {
  bool enabled = false;
  std::string address;  // default ${svc.sip}
  int port = 5061;
  std::string name = "sip.lab.example";  // the DNS name its certificate is issued for
  std::string flaw = "none";             // fakes::pki::flawNames()
  /// client_cert: request: the handshake asks the phone for its certificate (TLS client
  /// authentication) and tls.handshake records it; "none" (default): not asked.
  std::string client_cert = "none";
};

struct Fakes {
  DhcpFake dhcp;
  ServiceFake dns, ntp, tftp, http, acs;
  RogueDhcpFake rogue_dhcp;
  SipProxyFake sip;
  SipUaFake sip_ua;
  ServiceFake hostile_sip;  // address default ${svc.hostile}, port 5060
  TlsProxyFake tls_proxy;
};

/// Whether the fake under `fakes:` key `key` ("dhcp", "sip_ua", "hostile_sip", ...) is stood up.
bool fakeEnabled(const Fakes& fakes, std::string_view key);

/// How the DUT is brought up before the steps.
struct DutSetup {
  /// Settings applied through the admin interface during setup, before the steps (a failure
  /// here makes the scenario inconclusive).
  std::map<std::string, std::string> settings;
  /// Capabilities the device must have (profile `capabilities`), else not-applicable.
  std::vector<std::string> needs;
  /// `start: boot | running` as written ("" = not declared): whether the scenario must watch the
  /// phone boot, or a running phone in its configuration will do (a planned bench run shares one
  /// boot among such scenarios). Derived from the steps where not declared (startNeed).
  std::string start;
  Mark start_mark;
};

struct Scenario {
  std::string id;  // unique across the suite
  std::string title;
  std::string file;  // path as loaded
  std::vector<std::string> requirements;
  std::vector<std::string> tags;
  /// Seconds for the whole scenario, plus `timeout_boots` times the lab file's dut.boot_timeout
  /// (`"60s + ${dut.boot_timeout}"`: a scenario that restarts the phone). The runner also adds one
  /// boot timeout for the power-on before the steps (runner::scenarioTimeout).
  double timeout = 120;
  int timeout_boots = 0;
  Fakes fakes;
  DutSetup dut;
  std::vector<Step> steps;
  Mark mark;  // where the scenario's mapping starts
  Mark id_mark;
  std::vector<Mark> requirement_marks;  // parallel to `requirements`, for catalog diagnostics
};

/// What a scenario needs from the phone at its start: to watch it boot, or only a running phone.
struct StartNeed {
  bool boot = false;
  bool declared = false;  // `dut.start` says so (else derived from the steps)
  /// Why a boot: the step that watches what only a boot shows ("step 'offered' watches dhcp.ack
  /// from the scenario's start"), or "declared".
  std::string why;
  Mark mark;  // the step (derived) or the declaration
};

/// Event kinds only a boot shows at a scenario's start: the DHCP exchange that gets the first
/// lease, provisioning and the ACS contact it leads to, the first NTP synchronisation.
bool isBootEvent(const std::string& pattern);

/// Derived from the steps: a step that watches a boot event (isBootEvent) from the scenario's
/// start (`since: scenario`, or the steps before the first action, which start with it). The
/// declaration, where there is one, decides; validation (the loader) refuses `start: running` on
/// a scenario whose steps watch the boot.
StartNeed derivedStartNeed(const Scenario& sc);
StartNeed startNeed(const Scenario& sc);

/// The abstract status fields (base/core/status_fields.h) the scenario reads: the `where`
/// fields of its steps on `dut.status` events. The phone's device profile must map each, or the
/// scenario is not applicable to that phone.
std::vector<std::string> statusFieldsUsed(const Scenario& sc);

}  // namespace phonelab::scenario
