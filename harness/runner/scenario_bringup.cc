// One scenario's bring-up and teardown: the segment, the fakes, the phone on and ready, the steps,
// and everything stopped again on every way out.

#include "harness/runner/scenario_run.h"

#include <unistd.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>
#include <condition_variable>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <optional>
#include <set>
#include <thread>

#include "base/core/console.h"
#include "base/core/event.h"
#include "base/core/match.h"
#include "base/core/safe_fs.h"
#include "base/core/secrets.h"
#include "base/core/status_fields.h"
#include "base/lab/address_claim.h"
#include "base/lab/capture.h"
#include "base/lab/netns.h"
#include "base/lab/preflight.h"
#include "base/lab/silence.h"
#include "fakes/dhcp/kea.h"
#include "fakes/http/http.h"
#include "fakes/sip/fuzz.h"
#include "fakes/sip/hostile.h"
#include "fakes/sip/ua.h"
#include "harness/dut/dut.h"
#include "harness/runner/answer.h"
#include "harness/runner/audio_call.h"
#include "harness/runner/decrypted_capture.h"
#include "harness/runner/lab_fakes.h"
#include "harness/runner/ping.h"
#include "harness/runner/tls_checks.h"
#include "harness/scenario/vars.h"
#include "reports/report.h"
#include "reports/report_folder.h"

namespace phonelab::runner::detail {
namespace fs = std::filesystem;

std::string ScenarioRun::sweepForPhone(const lab::SegmentAddressing& addr) {
  const double t0 = log_.now();
  for (int host = 1; host < 255; ++host) {
    const std::string ip = addr.prefix + "." + std::to_string(host);
    if (ip != addr.lab_ip) sendEchoRequest("", ip, 0x7073, static_cast<uint16_t>(host));
  }
  auto reply =
      log_.waitFor(EventMatcher("arp.reply").whereEq("sender_mac", lab_.mac), t0, deadlineIn(3));
  const std::string* ip = reply ? reply->field("sender_ip") : nullptr;
  log_.emit("harness", "harness.sweep",
            {{"subnet", addr.prefix + ".0/24"}, {"found", ip ? *ip : ""}},
            ip ? "ARP sweep of " + addr.prefix + ".0/24: the phone " + lab_.mac + " is at " + *ip
               : "ARP sweep of " + addr.prefix + ".0/24: the phone " + lab_.mac +
                     " answered for no address (it has none here yet)");
  return ip ? *ip : "";
}

std::string ScenarioRun::phoneLeftUsable(dut::Dut& dut, const lab::SegmentAddressing& addr) {
  // Idle: a call still up (its peer gone with this scenario's fakes) would answer the next
  // scenario's INVITE busy. Read where the profile maps the field (the suite's "Idle").
  const double t0 = log_.now();
  auto st = dut.fetchStatus(deadlineIn(10));
  if (!st.ok) return sc_.id + " left the phone answering no status.xml: " + st.why;
  auto status = log_.matching(EventMatcher("dut.status"), t0);
  if (!status.empty()) {
    if (const std::string* call = status.back().field("call_state"); call && *call != "Idle") {
      return sc_.id + " left a call up on the phone (call_state " + *call + ")";
    }
  }
  // A firmware whose SIP stack hangs still serves its web pages: SIP must answer too, from the
  // lab side, on the port the phone has now (its settings are put back).
  fakes::FuzzTarget t;
  t.phone_ip = dut.address();
  t.phone_port = lab_.profile.sipPort({});
  t.local_ip = addr.lab_ip;
  std::string why;
  try {
    fakes::SipFuzzer probe(t);
    if (!probe.probe(2)) {
      why = sc_.id + " left the phone silent: it answered no SIP OPTIONS from " + addr.lab_ip +
            " to " + t.phone_ip + ":" + std::to_string(t.phone_port) + " within 2 s";
    }
  } catch (const std::exception& e) {
    why = "the phone could not be probed over SIP after " + sc_.id + ": " + e.what();
  }
  log_.emit("harness", "harness.health",
            {{"sip", why.empty() ? "answered" : "silent"}, {"to", t.phone_ip}},
            why.empty() ? "after the scenario: the phone answers status.xml and a SIP OPTIONS "
                          "(the next scenario of its configuration may keep it running)"
                        : "after the scenario: " + why);
  return why;
}

bool ScenarioRun::relinkable() const {
  return lab_.linkBounce() && !opts_.fresh_boot_each;
}

std::string ScenarioRun::bounceLink(const std::string& ns, const std::string& iface) {
  // The phone must see its link go (a PHY notices within a second or two), then come back.
  constexpr double kLinkDown = 3;
  // A phone that starts its network afresh asks for an address at once.
  constexpr double kDiscoverWithin = 15;
  try {
    lab::ipCommand({"-n", ns, "link", "set", "dev", iface, "down"});
    log_.emit("harness", "harness.link", {{"state", "down"}, {"iface", iface}},
              "link bounce: " + iface + " down, so that the phone sees its link go");
    log_.waitUntil(Deadline::in(Seconds(kLinkDown)));
    lab::ipCommand({"-n", ns, "link", "set", "dev", iface, "up"});
  } catch (const std::exception& e) {
    // Up again whatever happened: the rest of the run needs the NIC.
    try {
      lab::ipCommand({"-n", ns, "link", "set", "dev", iface, "up"});
    } catch (const std::exception&) {
    }
    strategy_.relinkFailed(e.what());
    return std::string("the link bounce failed: ") + e.what();
  }
  const double up = log_.now();
  log_.emit("harness", "harness.link",
            {{"state", "up"}, {"iface", iface}, {"seconds", formatNumber(kLinkDown)}},
            "link bounce: " + iface + " up again after " + formatNumber(kLinkDown) + " s");
  if (log_.waitFor(EventMatcher("dhcp.discover").whereEq("chaddr", lab_.mac), up,
                   deadlineIn(kDiscoverWithin))) {
    return "";
  }
  if (log_.cancelled()) return "the run was cancelled during the link bounce";
  // Not what the device profile says the phone does (or a switch between keeps its link up):
  // the rest of the run boots the phone instead.
  const std::string why = "no DHCP DISCOVER from " + lab_.mac + " within " +
                          formatNumber(kDiscoverWithin) + " s of its link coming back (" + iface +
                          " down for " + formatNumber(kLinkDown) +
                          " s); expect.link_restored of the device profile says it starts its "
                          "network afresh. The rest of the run boots it instead";
  strategy_.relinkFailed(why);
  return why;
}

std::string ScenarioRun::freshBootReason() const {
  if (!lab_.physical()) return "the emulator starts with each scenario";
  if (opts_.fresh_boot_each) return "every scenario boots the phone (--fresh-boot-each)";
  // A run that starts the phone's network by link bounces boots it only when it cannot: why.
  if (relinkable() && strategy_.boot() > 0) {
    if (!strategy_.refusal().empty()) return strategy_.refusal();
    if (!strategy_.relinkFailure().empty()) {
      return "an earlier link bounce failed: " + strategy_.relinkFailure();
    }
  }
  if (group_.empty()) {
    auto need = scenario::startNeed(sc_);
    return need.boot ? "the scenario watches the boot: " + need.why
                     : "no other scenario of the run has its network configuration";
  }
  if (strategy_.lastGroup() != group_) {
    return "the first scenario of its network configuration (" + group_ + ")";
  }
  return strategy_.refusal();
}

// configure via: profile: the flat profile is served for this step only, over HTTP from the
// segment's lab address on a port of its own (not a fake the scenario names), and kept as
// evidence beside the scenario's report.

void ScenarioRun::execute(int lane, std::map<std::string, std::string>& identity) {
  scenario_deadline_ = Deadline::in(Seconds(scenarioTimeout(sc_, lab_)));
  // A bench (segment: interface): the lab file's NIC moved into a lab namespace, the phone on the
  // wire, no DUT namespace. Otherwise a veth between two namespaces of this lane.
  const dut::InterfaceSegment* nic = lab_.bench();
  const bool bench = nic != nullptr;
  std::unique_ptr<lab::Segment> seg_owner =
      bench ? std::make_unique<lab::Segment>(lab::runToken(),
                                             lab::BenchNic{nic->interface, nic->vlan, nic->subnet})
            : std::make_unique<lab::Segment>(lab::runToken(), lane);
  const lab::Segment& seg = *seg_owner;
  const auto& addr = seg.addr();
  vars_ = {{"dut.boot_timeout", formatNumber(lab_.boot_timeout)},
           {"lab.ip", addr.lab_ip},
           {"lab.remote_ip", addr.remote_ip},
           {"lab.mac", seg.labMac()},
           {"lab.host_ip", addr.host_ip},
           {"lab.host_mac", seg.hostMac()},
           {"net.prefix", addr.prefix},
           {"net.netmask", addr.netmask},
           {"net.static_ip", addr.static_ip},
           {"net.pool_from", addr.pool_from},
           {"net.pool_to", addr.pool_to},
           {"dut.mac", lab_.mac},
           {"dut.psn", lab_.profile.psn}};
  for (const auto& [name, ip] : addr.services) vars_["svc." + name] = ip;
  for (const auto& [name, outcome] : lab_.profile.expect) vars_["expect." + name] = outcome.value;
  if (bench) {
    log_.emit("harness", "harness.segment",
              {{"lab_ns", seg.labNs()}, {"iface", seg.labIf()}, {"lab_ip", addr.lab_ip}},
              "bench segment: " + seg.labIf() + " in " + seg.labNs() + ", lab side " + addr.lab_ip +
                  ", the phone " + lab_.mac + " on the wire");
  } else {
    log_.emit("harness", "harness.segment",
              {{"lab_ns", seg.labNs()}, {"dut_ns", seg.dutNs()}, {"lab_ip", addr.lab_ip}},
              "segment " + seg.labNs() + " <-> " + seg.dutNs() + ", lab side " + addr.lab_ip);
  }

  // The phone speaks IPv4 (the vendor's document is IPv4 only): IPv6 chatter would only clutter
  // the evidence.
  for (const auto& ns : {seg.dutNs(), seg.labNs()}) {
    if (ns.empty()) continue;
    lab::NetnsScope scope(ns);
    std::ofstream("/proc/sys/net/ipv6/conf/all/disable_ipv6") << "1\n";
    std::ofstream("/proc/sys/net/ipv6/conf/default/disable_ipv6") << "1\n";
  }
  // The cable is plugged in: the DUT side has carrier before the DHCP server opens its socket.
  if (!bench) lab::ipCommand({"-n", seg.dutNs(), "link", "set", seg.dutIf(), "up"});

  // The harness's own namespace, kept open for what must run there later (power: snmp's snmpset:
  // the PoE switch is on the management network).
  lab::NetnsHandle home_ns;
  // From here on this thread lives in the lab namespace: sockets and children are created there.
  lab::NetnsScope in_lab(seg.labNs());
  if (bench) {
    // Nothing of ours answers on a real wire before the preflight has found it quiet: no other
    // DHCP server, no host but the phone.
    lab::PreflightOptions po;
    po.iface = seg.labIf();
    po.phone_mac = lab_.mac;
    po.listen = 3;
    auto pf = lab::runPreflight(po, deadlineIn(po.listen + 5));
    log_.emit("harness", "harness.preflight",
              {{"iface", seg.labIf()},
               {"findings", std::to_string(pf.findings.size())},
               {"discovers", std::to_string(pf.discovers_sent)}},
              "preflight on " + seg.labIf() + ": " + pf.describe(seg.labIf()));
    if (!pf.ok()) {
      check("setup: preflight", Verdict::Error,
            "preflight refused the segment: " + pf.describe(seg.labIf()) +
                "; nothing of the lab was started on it");
      return;
    }
  }
  lab::Capture capture(seg.labNs(), seg.labIf(), dir_ + "/capture.pcap", log_, lab_.mac,
                       opts_.max_pcap_bytes);
  res_.evidence["capture"] = sc_.id + "/capture.pcap";
  // Made before the fakes and the DUT, so gone after them: a silenced peer is heard again only
  // once nothing is left to hear it.
  lab::PeerSilencer silencer(seg.labNs(), seg.labIf(), lab_.mac, dir_, log_);
  silencer_ = &silencer;
  // The same for an address a lab host claims: the lab side sends to the phone again only once
  // nothing is left to send.
  lab::AddressClaimer claimer(seg.labNs(), seg.labIf(), seg.hostIf(), seg.hostMac(), log_);
  claimer_ = &claimer;

  // A planned run may keep the phone running from the scenario before (same network
  // configuration): its Kea starts with the leases the one before left, so the phone's renewal
  // finds its lease known.
  const bool may_keep = strategy_.mayKeep(group_);
  LabFakes fakes(
      sc_, seg, [this](const std::string& s) { return expand(s); }, log_, dir_, res_.evidence,
      strategy_.leasesFor(group_));
  fakes_ = &fakes;

  dut::DutEnv env;
  env.log = &log_;
  env.dut_ns = seg.dutNs();
  env.iface = bench ? seg.labIf() : seg.dutIf();
  env.known_address = strategy_.knownAddress();
  if (bench && strategy_.wantsSweep()) env.known_address = sweepForPhone(addr);
  env.work_dir = dir_;
  env.bin_dir = opts_.bin_dir;
  env.extra_faults = opts_.emulator_faults;
  env.home_netns_fd = home_ns.fd();
  if (lab_.emulator()) {
    // The emulator's factory certificate, named like a phone's: its model and MAC.
    std::string mac;
    for (char ch : lab_.mac) {
      if (ch != ':') mac += static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
    }
    if (auto dc = fakes.deviceCertificate(lab_.emulator()->model + "-SEP" + mac)) {
      env.device_cert_pem = dc->first;
      env.device_key_pem = dc->second;
      res_.evidence["pki:device-cert"] = sc_.id + "/pki/device.crt";
    }
  }
  dut::Dut dut(lab_, env);
  dut_ = &dut;
  for (const auto& [name, path] : dut.power().evidence()) {
    res_.evidence[name] = fs::relative(path, fs::path(dir_).parent_path()).string();
  }
  // Which boot the scenario runs on: the one the phone was kept running on, if it still answers
  // (with its network started afresh by a link bounce where the scenario needs a network start
  // or another network configuration), or a fresh one (power on; a bench phone: the lab file's
  // power driver restarts it).
  std::string fresh_why;
  const bool may_relink = !may_keep && relinkable() && strategy_.mayRelink();
  if (may_keep || may_relink) {
    // Checked when the scenario before ended (phoneLeftUsable); its admin interface again now.
    auto alive = strategy_.waitReady(dut, deadlineIn(10), /*booting=*/false);
    if (!alive.ok) {
      fresh_why = "the phone kept running since " + strategy_.bootedBy() +
                  " did not answer its admin interface: " + alive.why;
    }
  } else {
    fresh_why = freshBootReason();
  }
  bool kept = (may_keep || may_relink) && fresh_why.empty();
  double network_start = 0;  // the log time the phone's network (re)started from
  if (kept && may_relink) {
    network_start = log_.now();
    fresh_why = bounceLink(seg.labNs(), seg.labIf());
    kept = fresh_why.empty();
  }
  if (!kept) strategy_.countBoot(sc_.id);
  res_.boot = {{"number", std::to_string(strategy_.boot())},
               {"fresh", kept ? "no" : "yes"},
               {kept ? "since" : "why", kept ? strategy_.bootedBy() : fresh_why}};
  if (kept && may_relink) res_.boot["link"] = "bounced";
  log_.emit("harness", "harness.boot",
            {{"boot", std::to_string(strategy_.boot())},
             {"fresh", kept ? "no" : "yes"},
             {"why", fresh_why},
             {"since", strategy_.bootedBy()},
             {"link", kept && may_relink ? "bounced" : ""}},
            "boot " + std::to_string(strategy_.boot()) + ": " +
                (!kept ? "a fresh boot: " + fresh_why
                       : "the phone kept running since " + strategy_.bootedBy() +
                             (may_relink ? "; its network started afresh when its link came "
                                           "back (DHCP DISCOVER)"
                                         : " (same network configuration, it answered)")));
  const double boot_start = log_.now();
  if (!kept) {
    network_start = boot_start;
    strategy_.powerOn(dut);
    // A reboot the power method could ask for only later (power: web, once a phone that had
    // lost its address took one) is where the boot starts.
    for (const auto& e :
         log_.matching(EventMatcher("dut.power").whereEq("state", "rebooting"), boot_start)) {
      network_start = std::max(network_start, e.t);
    }
  }

  auto ready = kept && !may_relink ? dut::DutResult{}
                                   : strategy_.waitReady(dut, deadlineIn(lab_.boot_timeout),
                                                         /*booting=*/true, network_start);
  if (!kept && ready.ok) res_.boot["seconds"] = formatNumber(log_.now() - boot_start);
  if (!ready.ok) {
    check("setup: phone ready", log_.cancelled() ? Verdict::Error : Verdict::Inconclusive,
          "precondition not met: the phone did not come up: " + ready.why);
  } else {
    // The model as the phone itself says it (status.xml, through the profile's status fields).
    if (auto it = dut.identity().find("model"); it != dut.identity().end()) {
      vars_["dut.model"] = it->second;
    }
    // The identity read from the phone itself (status.xml), once per run.
    if (!identity.count("model")) {
      for (const auto& [k, v] : dut.identity()) identity[k] = v;
    }
    bool reset_failed = false;
    // A known start: once per run, before anything is configured.
    if (auto r = strategy_.resetIfDue(dut, deadlineIn(lab_.boot_timeout + 10)); r && !r->ok) {
      reset_failed = true;
      check("setup: factory reset", log_.cancelled() ? Verdict::Error : Verdict::Inconclusive,
            "precondition not met: could not set the phone back to its factory values: " + r->why);
    }
    // What the scenario before could not put back (a restore that failed or timed out) is put
    // back before anything of this one, or every later scenario would start from it.
    if (auto r = strategy_.restorePending(dut, deadlineIn(lab_.boot_timeout + 10));
        r && !r->ok && !reset_failed) {
      reset_failed = true;
      check("setup: put back settings", log_.cancelled() ? Verdict::Error : Verdict::Inconclusive,
            "precondition not met: could not put back the settings the scenario before left on "
            "the phone: " +
                r->why);
    }
    // A scenario with an answered call has the profile's auto-answer setting on.
    std::string answer_setting;
    const auto settings = setupSettings(sc_, lab_.profile, expander(), answer_setting);
    if (!answer_setting.empty()) {
      const auto& a = lab_.profile.answer;
      log_.emit("harness", "harness.answer",
                {{"method", a.method}, {"setting", a.setting}, {"header", expand(a.header)}},
                "the scenario has answered calls: setting " + a.setting +
                    " = yes during setup; their INVITEs carry " + expand(a.header));
    }
    if (!reset_failed && !settings.empty()) {
      auto r = strategy_.configure(dut, settings, deadlineIn(lab_.boot_timeout + 10));
      if (!r.ok) {
        check("setup: configure", log_.cancelled() ? Verdict::Error : Verdict::Inconclusive,
              "precondition not met: could not configure the phone: " + r.why);
      }
    }
    if (res_.checks.empty()) {
      runSteps(dut);
      if (setsSipOverTls(sc_) && !log_.cancelled()) {
        // Run-wide: the capture's last frames are in before the log is read.
        log_.waitUntil(Deadline::in(Seconds(kCaptureGrace)));
        for (auto& c : sipOverTlsChecks(log_, TlsRunInfo{lab_.mac, vars_["svc.sip"]})) {
          res_.checks.push_back(std::move(c));
        }
      }
    }
  }
  current_step_ = "teardown";
  bool setup_failed = !ready.ok;
  for (const auto& c : res_.checks) {
    if (c.name.starts_with("setup:")) setup_failed = true;
  }
  {
    // A bench phone outlives the scenario: put back what the scenario configured, and remember
    // where the phone is for the next one (power: web reboots it there).
    auto r = strategy_.teardown(dut, Deadline::in(Seconds(lab_.boot_timeout + 10)));
    if (!r.ok) {
      check("teardown: restore settings", Verdict::Error,
            "could not put back the settings the scenario changed on the phone (later scenarios "
            "may see them): " +
                r.why);
    }
    // What the next scenario of the group may keep (the runner adds the verdict).
    keep_refusal_.clear();
    if (setup_failed) keep_refusal_ = "the setup of " + sc_.id + " failed";
    if (!r.ok) keep_refusal_ = sc_.id + " could not put back its settings";
    if (log_.cancelled()) keep_refusal_ = sc_.id + " was cut short";
    if (keep_refusal_.empty() && (!group_.empty() || relinkable())) {
      keep_refusal_ = phoneLeftUsable(dut, addr);
    }
    if (auto* kea = fakes.kea(); kea && !group_.empty()) {
      std::ifstream in(kea->leasesPath());
      kea_leases_.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    }
  }
  // A device process that ended by itself is evidence, never a verdict: a real phone's crash is
  // judged on the wire (it stops answering, it starts over with a DHCP DISCOVER).
  if (std::string exit = dut.power().unexpectedExit(); !exit.empty()) {
    log_.emit("dut", "dut.exit", {{"status", exit}}, exit);
  }
  dut_ = nullptr;
  fakes_ = nullptr;
  silencer_ = nullptr;
  claimer_ = nullptr;
  if (!silencer.silenced().empty()) {
    log_.emit("harness", "harness.unsilence", {{"dropped", std::to_string(silencer.dropped())}},
              "end of scenario: the silence rules are removed");
  }
  // Destructors, in reverse order: DUT off, Kea stopped, capture closed, back to our namespace,
  // segment removed.
}

}  // namespace phonelab::runner::detail
