#pragma once
/// The trusted SIP peer: a real Kamailio (5.6) started in the lab namespace with a kamailio.cfg
/// written for the scenario (registrar with digest auth from a user list, proxy to registered
/// users), checked with `kamailio -c` first, controlled with kamcmd over the ctl module's unix
/// socket, stopped by PID.
///
/// Routing in the generated configuration:
///   REGISTER without credentials          401 + WWW-Authenticate (realm = domain)
///   REGISTER, stale/invalid nonce         401 again (stale)
///   REGISTER, credentials present, wrong  403 (never 401: clients would retry in a loop)
///   REGISTER, right                       save("location") -> 200
///   initial request to a local user       lookup("location") + record_route + t_relay; 404 if the
///                                         user has no binding (keep_request_uri: the binding only
///                                         sets the destination, the Request-URI stays the
///                                         caller's)
///   initial request to another domain     403 "Relaying Forbidden"
///   REGISTER from a TLS phone             fix_nated_register: the binding keeps where it came
///                                         from (its TLS connection, or the TLS proxy's socket)
///   in-dialog requests                    loose_route + handle_ruri_alias + t_relay
///   replies with a transport=tls Contact  add_contact_alias: in-dialog requests to the phone
///                                         go back over the connection it opened
///   requests to a TLS phone               set_forward_no_connect: that connection or nothing
///   INVITE with challenge_invites         407 + Proxy-Authenticate unless the caller proves a
///                                         listed user's password (403 when wrong)
/// Every request and reply Kamailio sees is logged (xlog) to kamailio.log.

#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "base/core/event.h"

namespace phonelab::fakes {

struct KamailioOptions {
  std::string netns;    // lab namespace ("" = the harness's own)
  std::string address;  // listen address, e.g. the segment's services["sip"]
  int port = 5060;
  /// SIP domain and digest realm, e.g. "sip.lab.example" or the address. Also an alias, so
  /// requests to sip:user@<domain> are local.
  std::string domain;
  /// user -> password. Users: letters, digits and ._-+ ; passwords: any printable ASCII.
  std::map<std::string, std::string> users;
  /// Config, pid file, ctl socket, kamailio.log. Keep the path short (unix socket limit).
  std::string work_dir;
  /// Challenge initial INVITEs from callers with 407 (proxy authentication).
  bool challenge_invites = false;
  /// Route an initial request to a registered user by the binding (destination URI) and hand
  /// it on with the caller's Request-URI, not the binding's Contact: a phone that challenges the
  /// INVITE (Auth INVITE) checks the digest against the Request-URI it receives, and the caller
  /// computed it for the one it sent (RFC 3261 22.4).
  bool keep_request_uri = false;
  /// Kamailio's own TLS listener (tls module) on address:tls_port with this certificate and key,
  /// TLS 1.2 at least, no client certificates (0 = none). Its tls.cfg goes to work_dir.
  int tls_port = 0;
  std::string tls_cert_file, tls_key_file;
};

/// The kamailio.cfg text for these options. Throws Error on options it cannot express (a user
/// name with characters outside [A-Za-z0-9._+-], an empty domain or address).
std::string kamailioConfig(const KamailioOptions& o);
/// The tls module's tls.cfg for these options ("" without tls_port).
std::string kamailioTlsConfig(const KamailioOptions& o);

class KamailioServer {
 public:
  /// Writes <work_dir>/kamailio.cfg, runs `kamailio -c` in the namespace (throws Error with its
  /// output if rejected), starts Kamailio in the foreground and waits (10 s) until kamcmd answers
  /// core.version over the ctl socket. Emits "fake.start" {name: kamailio, pid, address, port}.
  KamailioServer(const KamailioOptions& o, EventLog& log);
  /// Stops Kamailio by PID (SIGTERM to the main process stops its workers; SIGKILL after 3 s).
  /// Emits "fake.stop" {name: kamailio, status}.
  ~KamailioServer();
  KamailioServer(const KamailioServer&) = delete;
  KamailioServer& operator=(const KamailioServer&) = delete;

  int pid() const;
  std::string logPath() const;
  std::string configPath() const;

  /// `kamcmd ul.dump` parsed: registered AORs with their contacts (one pair per contact), e.g.
  /// {"alice", "sip:alice@198.18.0.20:5062"}. Also emits "kamailio.registrations"
  /// {count, aors ("alice,bob")}. Throws Error if kamcmd fails.
  std::vector<std::pair<std::string, std::string>> registrations();
  /// Runs kamcmd with these arguments against this instance; returns its output. Throws Error
  /// (with the output) if kamcmd fails or takes longer than 5 s.
  std::string kamcmd(const std::vector<std::string>& args);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

/// Parses kamcmd's ul.dump output into (AOR, contact address) pairs.
std::vector<std::pair<std::string, std::string>> parseUlDump(const std::string& text);

}  // namespace phonelab::fakes
