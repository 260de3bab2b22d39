// The `fakes:` and `dut:` sections of a scenario.

#include "harness/scenario/checker.h"

#include <set>
#include <sstream>

#include "base/core/deadline.h"
#include "base/core/event_catalog.h"
#include "base/core/match.h"
#include "base/core/status_fields.h"
#include "base/proto/dhcp_options.h"
#include "fakes/sip/pki.h"
#include "harness/scenario/vars.h"

namespace phonelab::scenario::detail {

std::optional<Fields> Checker::fakeSwitch(const Entry& e, bool& enabled, const Names& keys) {
  enabled = false;
  if (e.v.IsNull()) {
    enabled = true;
  } else if (e.v.IsScalar()) {
    enabled = boolean(e).value_or(false);
  } else if (expect(e, YAML::NodeType::Map, "a map or true/false")) {
    enabled = true;
    return fields(e.v, keys, e.key);
  }
  return std::nullopt;
}

void Checker::dhcpOptions(const Entry& e, std::vector<DhcpOptionSpec>& out) {
  if (!expect(e, YAML::NodeType::Sequence, "a list of {option, value, always_send}")) return;
  for (const auto& item : e.v) {
    Entry it{e.key + " item", item, item};
    if (!expect(it, YAML::NodeType::Map, "a map {option, value, always_send}")) continue;
    Fields f = fields(item, {"option", "value", "always_send"}, "DHCP option");
    require(item, f, {"option", "value"}, "DHCP option");
    DhcpOptionSpec o;
    o.mark = mark(item);
    if (const Entry* x = f.get("option"); x && text(*x)) {
      o.option = x->v.Scalar();
      const auto* def = proto::dhcp::findOption(o.option);
      if (!def) {
        std::vector<std::string> names;
        for (const auto& d : proto::dhcp::optionTable()) names.emplace_back(d.name);
        error(x->v, "unknown DHCP option '" + o.option + "'" + suggest(o.option, names) +
                        " (use a code or a name of the option table)");
      } else if (const Entry* v = f.get("value"); v && text(*v)) {
        o.value = v->v.Scalar();
        // Values with ${variables} are checked once expanded, at run time.
        std::string err;
        if (variablesIn(o.value).empty() && !proto::dhcp::encodeOptionValue(*def, o.value, err)) {
          error(v->v, err);
        }
      }
    }
    if (const Entry* x = f.get("always_send")) o.always_send = boolean(*x).value_or(false);
    out.push_back(o);
  }
}

void Checker::servedFiles(const Entry& e, std::vector<ServedFile>& out) {
  if (!expect(e, YAML::NodeType::Map, "a map of name -> {content | file}")) return;
  for (auto it = e.v.begin(); it != e.v.end(); ++it) {
    Entry item{it->first.Scalar(), it->first, it->second};
    ServedFile sf;
    sf.name = item.key;
    sf.mark = mark(item.k);
    checkVariables(item.k);  // names may use variables: "${dut.psn}.xml"
    if (!expect(item, YAML::NodeType::Map, "a map {content: ...} or {file: ...}")) continue;
    Fields f = fields(item.v, {"content", "file"}, "served file");
    const Entry* c = f.get("content");
    const Entry* p = f.get("file");
    if ((c != nullptr) == (p != nullptr)) {
      error(item.k, "served file '" + sf.name + "' needs exactly one of 'content' or 'file'");
    }
    if (c) sf.content = text(*c).value_or("");
    if (p) sf.path = text(*p).value_or("");
    out.push_back(sf);
  }
}

void Checker::serviceFake(const Entry& e, ServiceFake& out, const Names& extra,
                          const std::string& service) {
  Names keys = {"address", "port"};
  keys.insert(keys.end(), extra.begin(), extra.end());
  auto f = fakeSwitch(e, out.enabled, keys);
  if (out.enabled) out.address = "${svc." + (service.empty() ? e.key : service) + "}";
  if (!f) return;
  if (const Entry* x = f->get("address")) out.address = text(*x).value_or(out.address);
  if (const Entry* x = f->get("port")) {
    if (auto t = text(*x)) {
      try {
        out.port = std::stoi(*t);
      } catch (...) {
        out.port = -1;
      }
      if (out.port < 1 || out.port > 65535) error(x->v, "'port' must be a number from 1 to 65535");
    }
  }
  if (const Entry* x = f->get("records")) out.records = textMap(*x);
  if (const Entry* x = f->get("files")) servedFiles(*x, out.files);
}

void Checker::fakes(const Entry& e, Fakes& out) {
  if (!expect(e, YAML::NodeType::Map, "a map")) return;
  Fields f = fields(e.v,
                    {"dhcp", "dns", "ntp", "tftp", "http", "acs", "rogue_dhcp", "sip", "sip_ua",
                     "hostile_sip", "tls_proxy"},
                    "fakes");
  if (const Entry* d = f.get("dhcp")) {
    if (auto g =
            fakeSwitch(*d, out.dhcp.enabled,
                       {"pool_from", "pool_to", "lease", "prefix_len", "send_timers", "options"})) {
      if (const Entry* x = g->get("pool_from")) out.dhcp.pool_from = text(*x).value_or("");
      if (const Entry* x = g->get("pool_to")) out.dhcp.pool_to = text(*x).value_or("");
      if (const Entry* x = g->get("lease")) out.dhcp.lease = duration(*x).value_or(out.dhcp.lease);
      if (const Entry* x = g->get("prefix_len")) {
        // The lab side is .1 (the router) and the services .2 to .66: a /25 keeps them on-link.
        auto t = text(*x).value_or("");
        if (t != "24" && t != "25") {
          error(x->v, "'prefix_len' must be 24 or 25 (the lab's services are .1 to .66)");
        } else {
          out.dhcp.prefix_len = std::stoi(t);
        }
      }
      if (const Entry* x = g->get("send_timers")) out.dhcp.send_timers = boolean(*x).value_or(true);
      if (const Entry* x = g->get("options")) dhcpOptions(*x, out.dhcp.options);
    }
    if (out.dhcp.enabled) {
      if (out.dhcp.pool_from.empty()) out.dhcp.pool_from = "${net.pool_from}";
      if (out.dhcp.pool_to.empty()) out.dhcp.pool_to = "${net.pool_to}";
    }
  }
  if (const Entry* x = f.get("dns")) serviceFake(*x, out.dns, {"records"});
  if (const Entry* x = f.get("ntp")) serviceFake(*x, out.ntp, {});
  if (const Entry* x = f.get("tftp")) serviceFake(*x, out.tftp, {"files"});
  if (const Entry* x = f.get("http")) serviceFake(*x, out.http, {"files"});
  if (const Entry* x = f.get("acs")) serviceFake(*x, out.acs, {});
  if (const Entry* x = f.get("hostile_sip")) serviceFake(*x, out.hostile_sip, {}, "hostile");
  if (const Entry* x = f.get("sip")) {
    SipProxyFake& k = out.sip;
    if (auto g = fakeSwitch(
            *x, k.enabled,
            {"address", "port", "domain", "users", "tls_port", "tls_name", "keep_request_uri"})) {
      if (const Entry* y = g->get("address")) k.address = text(*y).value_or("");
      if (const Entry* y = g->get("keep_request_uri"))
        k.keep_request_uri = boolean(*y).value_or(false);
      if (const Entry* y = g->get("tls_name")) k.tls_name = text(*y).value_or(k.tls_name);
      if (const Entry* y = g->get("tls_port"); y && text(*y)) {
        if (!YAML::convert<int>::decode(y->v, k.tls_port) || k.tls_port < 1 || k.tls_port > 65535) {
          error(y->v, "'tls_port' must be a number from 1 to 65535");
        }
      }
      if (const Entry* y = g->get("domain")) k.domain = text(*y).value_or("");
      if (const Entry* y = g->get("users")) k.users = textMap(*y);
      if (const Entry* y = g->get("port"); y && text(*y)) {
        if (!YAML::convert<int>::decode(y->v, k.port) || k.port < 1 || k.port > 65535) {
          error(y->v, "'port' must be a number from 1 to 65535");
        }
      }
    }
    if (k.enabled && k.address.empty()) k.address = "${svc.sip}";
  }
  if (const Entry* x = f.get("sip_ua")) {
    SipUaFake& u = out.sip_ua;
    if (auto g = fakeSwitch(*x, u.enabled, {"address", "port", "user", "password"})) {
      if (const Entry* y = g->get("address")) u.address = text(*y).value_or("");
      if (const Entry* y = g->get("user")) u.user = text(*y).value_or("");
      if (const Entry* y = g->get("password")) u.password = text(*y).value_or("");
      if (const Entry* y = g->get("port"); y && text(*y)) {
        if (!YAML::convert<int>::decode(y->v, u.port) || u.port < 1 || u.port > 65535) {
          error(y->v, "'port' must be a number from 1 to 65535");
        }
      }
      require(x->v, *g, {"user", "password"}, "sip_ua");
    }
    if (u.enabled && u.address.empty()) u.address = "${svc.sip}";
  }
  if (const Entry* x = f.get("tls_proxy")) {
    TlsProxyFake& t = out.tls_proxy;
    if (auto g = fakeSwitch(*x, t.enabled, {"address", "port", "name", "flaw", "client_cert"})) {
      if (const Entry* y = g->get("address")) t.address = text(*y).value_or("");
      if (const Entry* y = g->get("client_cert")) {
        static const Names modes = {"none", "request"};
        t.client_cert = text(*y).value_or(t.client_cert);
        if (!contains(modes, t.client_cert)) {
          error(y->v, "unknown tls_proxy client_cert '" + t.client_cert + "'" +
                          suggest(t.client_cert, modes) + "; values: " + join(modes));
        }
      }
      if (const Entry* y = g->get("name")) t.name = text(*y).value_or(t.name);
      if (const Entry* y = g->get("flaw")) {
        t.flaw = text(*y).value_or(t.flaw);
        const Names& flaws = fakes::pki::flawNames();
        if (!contains(flaws, t.flaw)) {
          error(y->v, "unknown tls_proxy flaw '" + t.flaw + "'" + suggest(t.flaw, flaws) +
                          "; flaws: " + join(flaws));
        }
      }
      if (const Entry* y = g->get("port"); y && text(*y)) {
        if (!YAML::convert<int>::decode(y->v, t.port) || t.port < 1 || t.port > 65535) {
          error(y->v, "'port' must be a number from 1 to 65535");
        }
      }
    }
    if (t.enabled && t.address.empty()) t.address = "${svc.sip}";
  }
  if (const Entry* x = f.get("rogue_dhcp")) {
    RogueDhcpFake& r = out.rogue_dhcp;
    r.mark = mark(x->k);
    auto g = fakeSwitch(*x, r.enabled, {"address", "mode", "cases", "options"});
    if (r.enabled) r.address = "${svc.rogue}";
    if (g) {
      if (const Entry* y = g->get("address")) r.address = text(*y).value_or(r.address);
      if (const Entry* y = g->get("mode")) {
        static const Names modes = {"offer",  "malformed",         "nak",
                                    "silent", "ack-other-address", "nak-renewal"};
        r.mode = text(*y).value_or(r.mode);
        if (!contains(modes, r.mode)) {
          error(y->v, "unknown rogue_dhcp mode '" + r.mode + "'" + suggest(r.mode, modes) +
                          "; modes: " + join(modes));
        }
      }
      if (const Entry* y = g->get("cases")) {
        for (auto& [c, m] : textList(*y)) r.cases.push_back(c);
      }
      if (const Entry* y = g->get("options")) dhcpOptions(*y, r.options);
    }
  }
  // The test PKI exists only when a TLS server does.
  if (!out.tls_proxy.enabled && !(out.sip.enabled && out.sip.tls_port > 0)) {
    for (const auto* files : {&out.http.files, &out.tftp.files}) {
      for (const auto& file : *files) {
        if (file.content.find("${pki.") != std::string::npos)
          error(file.mark,
                "'${pki.trusted_ca}' needs a TLS server in the scenario (fakes.tls_proxy "
                "or fakes.sip.tls_port)");
      }
    }
  }
}

void Checker::dut(const Entry& e, DutSetup& out) {
  if (!expect(e, YAML::NodeType::Map, "a map")) return;
  Fields f = fields(e.v, {"settings", "needs", "start"}, "dut");
  if (const Entry* x = f.get("settings")) out.settings = textMap(*x);
  if (const Entry* x = f.get("start"); x && text(*x)) {
    out.start = x->v.Scalar();
    out.start_mark = mark(x->v);
    if (out.start != "boot" && out.start != "running") {
      error(x->v, "'start' is '" + out.start +
                      "': expected boot (the scenario watches the phone boot) or running (a "
                      "running phone in its configuration will do)");
      out.start.clear();
    }
  }
  if (const Entry* x = f.get("needs")) {
    for (auto& [n, m] : textList(*x)) out.needs.push_back(n);
  }
}

}  // namespace phonelab::scenario::detail
