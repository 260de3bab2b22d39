// The actions of `act` steps.

#include "harness/scenario/checker.h"

#include <filesystem>
#include <set>
#include <sstream>

#include "base/core/deadline.h"
#include "base/core/event_catalog.h"
#include "base/core/match.h"
#include "base/core/status_fields.h"
#include "base/proto/dhcp_options.h"
#include "harness/scenario/vars.h"

namespace phonelab::scenario::detail {

namespace fs = std::filesystem;

std::optional<Action> Checker::action(const Entry& e) {
  if (!e.v.IsScalar() && !e.v.IsMap()) {
    expect(e, YAML::NodeType::Map, "an action");
    return std::nullopt;
  }
  if (e.v.IsMap() && e.v.size() != 1) {
    error(e.v, "'" + e.key + "': expected one action, e.g. {ping: {to: ...}} or a bare 'reboot'");
    return std::nullopt;
  }
  // Nodes are only ever copy-constructed here: YAML::Node::operator= writes through to the
  // document instead of rebinding the handle.
  const YAML::Node key_node = e.v.IsMap() ? YAML::Node(e.v.begin()->first) : e.v;
  const YAML::Node args = e.v.IsMap() ? YAML::Node(e.v.begin()->second) : YAML::Node();
  const std::string name = key_node.IsScalar() ? key_node.Scalar() : "";
  if (!contains(kActions, name)) {
    error(key_node, "unknown action '" + name + "'" + suggest(name, kActions) +
                        "; actions: " + join(kActions));
    return std::nullopt;
  }
  Entry a{name, key_node, args};
  bool no_args = args.IsNull() || (args.IsMap() && args.size() == 0);
  if (name == "reboot" || name == "power_cycle" || name == "pause_dhcp" || name == "resume_dhcp") {
    if (!no_args) error(args, "'" + name + "' takes no arguments");
    if (name == "reboot") return RebootAction{};
    if (name == "pause_dhcp") return PauseDhcpAction{};
    if (name == "resume_dhcp") return ResumeDhcpAction{};
    return PowerCycleAction{};
  }
  if (name == "ping" || name == "configure" || name == "silence" || name == "unsilence" ||
      name == "claim_address" || name == "release_address") {
    if (args.IsNull()) {
      error(key_node, "action '" + name + "' needs arguments: " +
                          (name == "configure" ? "{settings: {...}}"
                           : name == "claim_address" || name == "release_address" ? "{ip: ...}"
                                                                                  : "{to: ...}"));
      return std::nullopt;
    }
  }
  if (!args.IsNull() && !expect(a, YAML::NodeType::Map, "a map of arguments")) return std::nullopt;
  if (name == "configure") {
    ConfigureAction c;
    Fields f = fields(args, {"settings", "via"}, "configure");
    require(args, f, {"settings"}, "'configure'");
    if (const Entry* x = f.get("settings")) {
      c.settings = textMap(*x);
      if (x->v.IsMap() && x->v.size() == 0) error(x->v, "'settings' is empty");
    }
    if (const Entry* x = f.get("via"); x && text(*x)) {
      c.via = x->v.Scalar();
      if (c.via != "web" && c.via != "profile") {
        error(x->v, "'via' is '" + c.via + "': expected web or profile");
      }
    }
    return c;
  }
  if (name == "fetch_config" || name == "fetch_status") {
    double within = 30;
    if (!args.IsNull()) {
      Fields f = fields(args, {"within"}, name);
      if (const Entry* x = f.get("within")) within = duration(*x).value_or(within);
    }
    if (name == "fetch_config") return FetchConfigAction{within};
    return FetchStatusAction{within};
  }
  if (name == "sip_call") {
    SipCallAction c;
    if (args.IsNull()) {
      error(key_node, "action 'sip_call' needs arguments: {to: sip:...}");
      return std::nullopt;
    }
    Fields f = fields(args,
                      {"to", "via", "auth_user", "auth_password", "auth_wrong", "auth_algorithm",
                       "auth_nonce", "replay", "answer", "within"},
                      "sip_call");
    require(args, f, {"to"}, "'sip_call'");
    if (const Entry* x = f.get("to")) c.to = text(*x).value_or("");
    if (const Entry* x = f.get("via"); x && text(*x)) {
      c.via = x->v.Scalar();
      if (c.via != "proxy" && c.via != "phone") {
        error(x->v, "'via' is '" + c.via + "': expected proxy or phone");
      }
    }
    if (const Entry* x = f.get("auth_user")) c.auth_user = text(*x).value_or("");
    if (const Entry* x = f.get("auth_password")) c.auth_password = text(*x).value_or("");
    if (const Entry* x = f.get("replay")) c.replay = boolean(*x).value_or(false);
    if (const Entry* x = f.get("answer")) c.answer = boolean(*x).value_or(false);
    if (const Entry* x = f.get("within")) c.within = duration(*x).value_or(c.within);
    if (c.replay && !c.auth_user.empty()) {
      error(f.get("replay")->k,
            "'replay' sends the earlier Authorization again: it takes no "
            "auth_user/auth_password");
    }
    static const Names kWrong = {"realm", "uri", "method", "nonce", "nc-replay", "response"};
    static const Names kAlgorithms = {"MD5", "SHA-256"};
    const Entry* auth_opts[] = {f.get("auth_wrong"), f.get("auth_algorithm"), f.get("auth_nonce")};
    if (const Entry* x = f.get("auth_wrong"); x && text(*x)) {
      c.auth_wrong = x->v.Scalar();
      if (std::find(kWrong.begin(), kWrong.end(), c.auth_wrong) == kWrong.end()) {
        error(x->v, "'auth_wrong' is '" + c.auth_wrong +
                        "': expected realm, uri, method, nonce, nc-replay or response");
      }
    }
    if (const Entry* x = f.get("auth_algorithm"); x && text(*x)) {
      c.auth_algorithm = x->v.Scalar();
      if (std::find(kAlgorithms.begin(), kAlgorithms.end(), c.auth_algorithm) ==
          kAlgorithms.end()) {
        error(x->v, "'auth_algorithm' is '" + c.auth_algorithm + "': expected MD5 or SHA-256");
      }
    }
    if (const Entry* x = f.get("auth_nonce"); x && text(*x)) {
      const std::string v = x->v.Scalar();
      if (v == "reuse") {
        c.auth_reuse_nonce = true;
      } else if (v != "challenge") {
        error(x->v, "'auth_nonce' is '" + v + "': expected challenge or reuse");
      }
    }
    for (const Entry* x : auth_opts) {
      if (x && (c.auth_user.empty() || c.replay)) {
        error(x->k, "'" + x->k.Scalar() +
                        "' says how to answer a challenge: it needs auth_user and "
                        "auth_password, and no replay");
        break;
      }
    }
    return c;
  }
  if (name == "audio_call") {
    AudioCallAction c;
    if (args.IsNull()) {
      error(key_node, "action 'audio_call' needs arguments: {to: sip:..., codec: PCMU}");
      return std::nullopt;
    }
    Fields f =
        fields(args, {"to", "codec", "via", "auth_user", "auth_password", "within"}, "audio_call");
    require(args, f, {"to", "codec"}, "'audio_call'");
    if (const Entry* x = f.get("to")) c.to = text(*x).value_or("");
    if (const Entry* x = f.get("codec"); x && text(*x)) {
      c.codec = x->v.Scalar();
      if (c.codec != "PCMU" && c.codec != "PCMA") {
        error(x->v, "'codec' is '" + c.codec + "': expected PCMU or PCMA");
      }
    }
    if (const Entry* x = f.get("via"); x && text(*x)) {
      c.via = x->v.Scalar();
      if (c.via != "proxy" && c.via != "phone") {
        error(x->v, "'via' is '" + c.via + "': expected proxy or phone");
      }
    }
    if (const Entry* x = f.get("auth_user")) c.auth_user = text(*x).value_or("");
    if (const Entry* x = f.get("auth_password")) c.auth_password = text(*x).value_or("");
    if (c.auth_user.empty() != c.auth_password.empty()) {
      error(args, "'audio_call' answers a challenge with auth_user and auth_password: give both");
    }
    if (const Entry* x = f.get("within")) c.within = duration(*x).value_or(c.within);
    return c;
  }
  if (name == "sip_send") {
    SipSendAction a2;
    if (args.IsNull()) {
      error(key_node, "action 'sip_send' needs arguments: {method: INVITE}");
      return std::nullopt;
    }
    Fields f = fields(
        args,
        {"method", "event", "spoof_from_domain", "in_dialog", "via", "user", "headers", "within"},
        "sip_send");
    require(args, f, {"method"}, "'sip_send'");
    if (const Entry* x = f.get("method"); x && text(*x)) {
      static const Names methods = {"INVITE",    "OPTIONS", "NOTIFY", "BYE",
                                    "SUBSCRIBE", "REFER",   "MESSAGE"};
      a2.method = x->v.Scalar();
      if (!contains(methods, a2.method)) {
        error(x->v, "unknown method '" + a2.method + "'" + suggest(a2.method, methods) +
                        "; methods: " + join(methods));
      }
    }
    if (const Entry* x = f.get("event")) a2.event = text(*x).value_or("");
    if (const Entry* x = f.get("spoof_from_domain")) a2.spoof_from_domain = text(*x).value_or("");
    if (const Entry* x = f.get("in_dialog")) a2.in_dialog = boolean(*x).value_or(false);
    if (const Entry* x = f.get("via"); x && text(*x)) {
      a2.via = x->v.Scalar();
      if (a2.via != "proxy" && a2.via != "phone") {
        error(x->v, "'via' is '" + a2.via + "': expected phone or proxy");
      }
    }
    if (const Entry* x = f.get("user")) a2.user = text(*x).value_or("");
    if (a2.via == "proxy" && a2.user.empty()) {
      error(args,
            "'sip_send' with via: proxy needs 'user' (the phone's user, which the proxy "
            "looks up)");
    }
    if (a2.via == "proxy" && a2.in_dialog) {
      error(f.get("in_dialog")->k,
            "'in_dialog' is not sent via: proxy (the proxy routes an "
            "in-dialog request by its Route set, which it has none of)");
    }
    if (const Entry* x = f.get("headers")) {
      for (auto& [h, m] : textList(*x)) a2.headers.push_back(h);
    }
    if (const Entry* x = f.get("within")) a2.within = duration(*x).value_or(a2.within);
    return a2;
  }
  if (name == "sip_fuzz") {
    SipFuzzAction z;
    if (args.IsNull()) return z;
    Fields f =
        fields(args, {"corpus", "probe_within", "limit", "in_dialog", "setup_within"}, "sip_fuzz");
    if (const Entry* x = f.get("in_dialog")) z.in_dialog = boolean(*x).value_or(false);
    if (const Entry* x = f.get("setup_within")) {
      z.setup_within = duration(*x).value_or(z.setup_within);
    }
    if (const Entry* x = f.get("corpus"); x && text(*x)) {
      z.corpus = (fs::path(file_).parent_path() / x->v.Scalar()).lexically_normal().string();
      if (!fs::is_directory(z.corpus)) {
        error(x->v, "'corpus': no folder " + z.corpus + " (relative to the scenario file)");
      }
      if (z.in_dialog) {
        error(x->v, "'corpus' does not go with 'in_dialog': the in-dialog cases are generated");
      }
    }
    if (const Entry* x = f.get("probe_within")) {
      z.probe_within = duration(*x).value_or(z.probe_within);
    }
    if (const Entry* x = f.get("limit"); x && text(*x)) {
      int n = 0;
      if (!YAML::convert<int>::decode(x->v, n) || n < 0) {
        error(x->v,
              "'limit': expected a whole number (0 = every case), got '" + x->v.Scalar() + "'");
      } else {
        z.limit = n;
      }
    }
    return z;
  }
  if (name == "silence" || name == "unsilence" || name == "claim_address" ||
      name == "release_address") {
    // One address argument: `to` (the silenced peer) or `ip` (the claimed address).
    const std::string key = name == "silence" || name == "unsilence" ? "to" : "ip";
    Fields f = fields(args, {key}, name);
    require(args, f, {key}, "'" + name + "'");
    std::string v;
    if (const Entry* x = f.get(key)) v = text(*x).value_or("");
    if (name == "silence") return SilenceAction{v};
    if (name == "unsilence") return UnsilenceAction{v};
    if (name == "claim_address") return ClaimAddressAction{v};
    return ReleaseAddressAction{v};
  }
  PingAction p;
  Fields f = fields(args, {"to", "from", "count"}, "ping");
  require(args, f, {"to"}, "'ping'");
  if (const Entry* x = f.get("to")) p.to = text(*x).value_or("");
  if (const Entry* x = f.get("from")) p.from = text(*x).value_or("");
  if (const Entry* x = f.get("count"); x && text(*x)) {
    int n = 0;
    if (!YAML::convert<int>::decode(x->v, n) || n < 1) {
      error(x->v, "'count': expected a whole number of at least 1, got '" + x->v.Scalar() + "'");
    } else {
      p.count = n;
    }
  }
  return p;
}

}  // namespace phonelab::scenario::detail
