#include "harness/runner/lab_fakes.h"

#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>

#include "base/core/error.h"
#include "base/lab/netns.h"
#include "base/proto/dhcp_options.h"
#include "fakes/acs/acs.h"
#include "fakes/dhcp/kea.h"
#include "fakes/dhcp/rogue.h"
#include "fakes/dns/dns.h"
#include "fakes/http/http.h"
#include "fakes/ntp/ntp.h"
#include "fakes/sip/hostile.h"
#include "fakes/sip/kamailio.h"
#include "fakes/sip/pki.h"
#include "fakes/sip/tls_proxy.h"
#include "fakes/sip/ua.h"
#include "fakes/tftp/tftp.h"

namespace phonelab::runner {
namespace fs = std::filesystem;
using scenario::DhcpOptionSpec;
using scenario::ServedFile;

namespace {

std::vector<fakes::KeaOption> keaOptions(const std::vector<DhcpOptionSpec>& specs,
                                         const LabFakes::Expand& expand) {
  std::vector<fakes::KeaOption> out;
  for (const auto& s : specs) {
    const auto* def = proto::dhcp::findOption(s.option);
    if (!def) throw ConfigError(s.mark, "unknown DHCP option '" + s.option + "'");
    fakes::KeaOption o;
    o.code = def->code;
    o.value = expand(s.value);
    o.always_send = s.always_send;
    std::string err;
    if (!proto::dhcp::encodeOptionValue(*def, o.value, err)) throw ConfigError(s.mark, err);
    out.push_back(o);
  }
  return out;
}

/// A served file's bytes: inline content (variables expanded) or a file next to the scenario.
std::string fileContent(const ServedFile& f, const std::string& scenario_file,
                        const LabFakes::Expand& expand) {
  if (f.path.empty()) return expand(f.content);
  fs::path p = fs::path(scenario_file).parent_path() / f.path;
  std::ifstream in(p, std::ios::binary);
  if (!in) throw ConfigError(f.mark, "cannot read served file '" + p.string() + "'");
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::vector<std::string> splitCommas(const std::string& s) {
  std::vector<std::string> out;
  std::string cur;
  for (char c : s) {
    if (c == ',' || c == ' ') {
      if (!cur.empty()) out.push_back(cur);
      cur.clear();
    } else {
      cur += c;
    }
  }
  if (!cur.empty()) out.push_back(cur);
  return out;
}

}  // namespace

/// A folder removed with the scenario's fakes (declared first in Impl: removed after they stop).
struct PrivateDir {
  std::string path;
  PrivateDir() = default;
  PrivateDir(const PrivateDir&) = delete;
  PrivateDir& operator=(const PrivateDir&) = delete;
  ~PrivateDir() {
    std::error_code ec;
    if (!path.empty()) fs::remove_all(path, ec);
  }
};

struct LabFakes::Impl {
  PrivateDir key_dir;  // the test PKI's private keys
  std::optional<fakes::pki::TestPki> pki;
  // Declaration order is start order; members are destroyed in reverse.
  std::optional<fakes::DnsFake> dns;
  std::optional<fakes::NtpFake> ntp;
  std::optional<fakes::TftpFake> tftp;
  std::optional<fakes::HttpFake> http;
  std::optional<fakes::AcsFake> acs;
  std::optional<fakes::KamailioServer> kamailio;
  std::optional<fakes::TlsProxy> tls_proxy;
  std::optional<fakes::TestUa> ua;
  std::optional<fakes::HostileSip> hostile;
  std::string proxy;
  std::optional<fakes::KeaServer> kea;
  std::optional<fakes::RogueDhcpServer> rogue;
};

LabFakes::LabFakes(const scenario::Scenario& sc, const lab::Segment& seg, const Expand& expand_vars,
                   EventLog& log, const std::string& dir,
                   std::map<std::string, std::string>& evidence, const std::string& kea_leases)
    : impl_(std::make_unique<Impl>()) {
  const auto& f = sc.fakes;
  const auto& addr = seg.addr();
  // The per-run test PKI when the scenario has a TLS server: ${pki.trusted_ca} (the CA the phone
  // is given, PEM) is expanded in the fakes' settings, e.g. a file the http fake serves.
  std::optional<fakes::pki::TestPki> pki;
  LabFakes::Expand expand = expand_vars;
  if (f.tls_proxy.enabled || (f.sip.enabled && f.sip.tls_port > 0)) {
    // The private keys live in this run's folder under /run/phonelab, never in the report, and
    // go with the scenario's fakes (Impl::key_dir).
    std::vector<std::string> names;
    if (f.sip.enabled && f.sip.tls_port > 0) names.push_back(expand_vars(f.sip.tls_name));
    if (f.tls_proxy.enabled) names.push_back(expand_vars(f.tls_proxy.name));
    impl_->key_dir.path = lab::privateRunDir(dir, "pki-keys");
    pki = fakes::pki::makePki(dir + "/pki", impl_->key_dir.path, names);
    impl_->pki = pki;
    evidence["pki:trusted-ca"] = sc.id + "/pki/trusted-ca.crt";
    expand = [&expand_vars, pem = pki->trusted_ca.cert_pem](const std::string& s) {
      std::string out = s;
      const std::string var = "${pki.trusted_ca}";
      for (size_t pos; (pos = out.find(var)) != std::string::npos;)
        out.replace(pos, var.size(), pem);
      return expand_vars(out);
    };
  }
  auto port = [](int p, int dflt) { return p > 0 ? p : dflt; };

  // Services first, so the phone finds them as soon as DHCP points it there.
  if (f.dns.enabled) {
    fakes::DnsOptions o;
    o.address = expand(f.dns.address);
    o.port = port(f.dns.port, 53);
    for (const auto& [name, ips] : f.dns.records) o.a_records[name] = splitCommas(expand(ips));
    impl_->dns.emplace(o, log);
  }
  if (f.ntp.enabled) {
    fakes::NtpOptions o;
    o.address = expand(f.ntp.address);
    o.port = port(f.ntp.port, 123);
    impl_->ntp.emplace(o, log);
  }
  if (f.tftp.enabled) {
    fakes::TftpOptions o;
    o.address = expand(f.tftp.address);
    o.port = port(f.tftp.port, 69);
    for (const auto& file : f.tftp.files) {
      o.files[expand(file.name)] = fileContent(file, sc.file, expand);
    }
    impl_->tftp.emplace(o, log);
  }
  if (f.http.enabled) {
    fakes::HttpOptions o;
    o.address = expand(f.http.address);
    o.port = port(f.http.port, 80);
    for (const auto& file : f.http.files) {
      std::string name = expand(file.name);
      std::string path = name.empty() || name[0] != '/' ? "/" + name : name;
      o.files[path].content = fileContent(file, sc.file, expand);
    }
    impl_->http.emplace(o, log);
  }
  if (f.acs.enabled) {
    fakes::AcsOptions o;
    o.address = expand(f.acs.address);
    o.port = port(f.acs.port, 7547);
    impl_->acs.emplace(o, log);
  }
  if (f.sip.enabled) {
    fakes::KamailioOptions o;
    o.netns = seg.labNs();
    o.address = expand(f.sip.address);
    o.port = f.sip.port;
    o.domain = f.sip.domain.empty() ? o.address : expand(f.sip.domain);
    for (const auto& [user, password] : f.sip.users) o.users[user] = expand(password);
    // Kamailio's ctl socket path must stay short (unix socket limit): its own folder.
    o.keep_request_uri = f.sip.keep_request_uri;
    o.work_dir = dir + "/kamailio";
    fs::create_directories(o.work_dir);
    if (f.sip.tls_port > 0) {
      auto cert = fakes::pki::makeServerCert(*pki, expand(f.sip.tls_name), fakes::pki::Flaw::None,
                                             "kamailio");
      o.tls_port = f.sip.tls_port;
      o.tls_cert_file = cert.cert_file;
      o.tls_key_file = cert.key_file;
      evidence["config:kamailio-tls"] = sc.id + "/kamailio/tls.cfg";
    }
    evidence["log:kamailio"] = sc.id + "/kamailio/kamailio.log";
    evidence["config:kamailio"] = sc.id + "/kamailio/kamailio.cfg";
    impl_->kamailio.emplace(o, log);
    impl_->proxy = o.address + ":" + std::to_string(o.port);
  }
  if (f.tls_proxy.enabled) {
    fakes::TlsProxyOptions o;
    o.address = expand(f.tls_proxy.address);
    o.port = f.tls_proxy.port;
    o.flaw = f.tls_proxy.flaw;
    if (f.tls_proxy.client_cert == "request") {
      o.request_client_cert = true;
      o.client_ca_file = pki->manufacturer_ca.cert_file;
      evidence["pki:manufacturer-ca"] = sc.id + "/pki/manufacturer-ca.crt";
    }
    auto flaw = fakes::pki::parseFlaw(o.flaw).value_or(fakes::pki::Flaw::None);
    auto cert = fakes::pki::makeServerCert(*pki, expand(f.tls_proxy.name), flaw, "server-" + o.flaw,
                                           o.address);
    o.cert_file = cert.cert_file;
    o.key_file = cert.key_file;
    if (f.sip.enabled) {
      o.upstream_ip = expand(f.sip.address);
      o.upstream_port = f.sip.port;
    }
    // Beside the capture, so Wireshark/tshark decrypt it (tls.keylog_file).
    o.keylog_file = dir + "/tls-keys.log";
    evidence["keylog"] = sc.id + "/tls-keys.log";
    evidence["pki:server-cert"] = sc.id + "/pki/server-" + o.flaw + ".crt";
    impl_->tls_proxy.emplace(o, log);
  }
  if (f.sip_ua.enabled) {
    fakes::UaOptions o;
    o.address = expand(f.sip_ua.address);
    o.port = f.sip_ua.port;
    o.user = expand(f.sip_ua.user);
    o.password = expand(f.sip_ua.password);
    o.proxy = impl_->proxy;
    o.sdp_session_address = expand("${svc.alt}");  // a lab address that is not the UA's
    if (f.sip.enabled) o.domain = f.sip.domain.empty() ? "" : expand(f.sip.domain);
    impl_->ua.emplace(o, log);
    if (!impl_->proxy.empty()) {
      std::string why;
      if (!impl_->ua->registerNow(Deadline::in(Seconds(10)), why)) {
        throw Error("the test UA could not register to the trusted proxy: " + why);
      }
    }
  }
  if (f.hostile_sip.enabled) {
    fakes::HostileOptions o;
    o.address = expand(f.hostile_sip.address);
    o.port = f.hostile_sip.port > 0 ? f.hostile_sip.port : 5060;
    impl_->hostile.emplace(o, log);
  }
  if (f.dhcp.enabled) {
    fakes::KeaOptions ko;
    ko.netns = seg.labNs();
    ko.iface = seg.labIf();
    ko.subnet = addr.prefix + ".0/" + std::to_string(f.dhcp.prefix_len);
    ko.pool_from = expand(f.dhcp.pool_from);
    ko.pool_to = expand(f.dhcp.pool_to);
    ko.router = addr.lab_ip;
    ko.lease = f.dhcp.lease;
    ko.send_timers = f.dhcp.send_timers;
    ko.options = keaOptions(f.dhcp.options, expand);
    ko.work_dir = dir + "/kea";
    ko.leases = kea_leases;
    fs::create_directories(ko.work_dir);
    evidence["log:kea"] = sc.id + "/kea/kea.log";
    evidence["config:kea"] = sc.id + "/kea/kea-dhcp4.json";
    impl_->kea.emplace(ko, log);
  }
  if (f.rogue_dhcp.enabled) {
    fakes::RogueOptions ro;
    ro.netns = seg.labNs();
    ro.iface = seg.labIf();
    ro.address = expand(f.rogue_dhcp.address);
    ro.mode = f.rogue_dhcp.mode;
    ro.cases = f.rogue_dhcp.cases;
    ro.options = keaOptions(f.rogue_dhcp.options, expand);
    // Malformed mode offers one address per case, from .200 on: outside Kea's pool (.100-.199),
    // so a phone that took one of them is seen to.
    ro.offer_ip = addr.prefix + (ro.mode == "malformed" ? ".200" : ".150");
    ro.lab_mac = seg.labMac();
    impl_->rogue.emplace(ro, log);
  }
}

// Members go in reverse order of start: the DHCP servers first, so the phone is never pointed at
// a service that is already gone.
LabFakes::~LabFakes() = default;

fakes::TestUa* LabFakes::ua() {
  return impl_->ua ? &*impl_->ua : nullptr;
}
fakes::HostileSip* LabFakes::hostile() {
  return impl_->hostile ? &*impl_->hostile : nullptr;
}
fakes::KeaServer* LabFakes::kea() {
  return impl_->kea ? &*impl_->kea : nullptr;
}
std::string LabFakes::proxy() const {
  return impl_->proxy;
}

std::optional<std::pair<std::string, std::string>> LabFakes::deviceCertificate(
    const std::string& cn) {
  if (!impl_->pki) return std::nullopt;
  auto c = fakes::pki::makeDeviceCert(*impl_->pki, cn, "device");
  return std::make_pair(c.cert_pem, c.key_pem);
}

}  // namespace phonelab::runner
