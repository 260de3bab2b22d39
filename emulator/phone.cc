// Over 600 lines on purpose: the phone's life cycle is one sequence (power, boot delay, static or
// DHCP addressing, the services and SIP started in the order a 7832 starts them, renewal,
// reboot, crash and watchdog), each step handing to the next through Phone::Impl's state; split
// across files, the boot order a reader follows here would be spread over them.
#include "emulator/phone.h"

#include <csignal>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <optional>

#include "base/core/deadline.h"
#include "base/core/error.h"
#include "emulator/config.h"
#include "emulator/dhcp_client.h"
#include "emulator/frames.h"
#include "emulator/log.h"
#include "emulator/netif.h"
#include "emulator/netproto.h"
#include "emulator/services.h"
#include "emulator/sip_ua.h"
#include "emulator/web.h"

namespace asio = boost::asio;
namespace dhcp = phonelab::proto::dhcp;

namespace phonelab::emulator {

using std::chrono::steady_clock;

/// How long a crashed firmware stays silent before the hardware watchdog restarts the phone: a
/// watchdog bites after its timeout has passed without a kick from the firmware, seconds on
/// embedded boards.
constexpr double kWatchdogSeconds = 2.0;
// How often the firmware looks at its link (how long it must be gone before the network stops:
// --link-debounce).
constexpr auto kLinkPoll = std::chrono::milliseconds(200);

struct Phone::Impl : PhoneControl {
  PhoneOptions opt;
  asio::io_context io;  // destroyed after everything that uses it
  asio::signal_set signals{io, SIGTERM, SIGINT};
  asio::signal_set answer_key{io, SIGUSR1};  // a person presses the answer key (README)
  asio::steady_timer boot_timer{io};
  asio::steady_timer watchdog_timer{io};  // a crash: the hardware watchdog's restart
  asio::steady_timer link_timer{io};      // the PHY's link state, looked at every kLinkPoll
  bool link_lost = false;                 // the link went down while the phone was up
  std::optional<steady_clock::time_point> link_gone;  // no carrier since (not yet a loss)
  NetIf netif;
  ConfigStore cfg;
  int boot_count = 0;
  steady_clock::time_point boot_time = steady_clock::now();
  bool rebooting = false, shutting_down = false;
  bool crashed = false;  // a crash waits for the watchdog's restart
  std::unique_ptr<DhcpClient> dhcp;
  std::unique_ptr<WebServer> web;
  std::unique_ptr<NetServices> services;  // started at the first ACK of a boot
  std::unique_ptr<SipUa> sip;             // started once the phone has an address
  std::string last_resync_reason;
  std::string cur_ip, cur_mask, cur_gw;
  // What DHCP and the services told this boot (status.xml).
  std::optional<DhcpLease> cur_lease;
  bool ntp_synced = false;
  double ntp_unix = 0;  // server time at ntp_at
  steady_clock::time_point ntp_at;
  std::string prov_source, resync_status;

  explicit Impl(PhoneOptions o) : opt(std::move(o)), netif(opt.iface) {}

  std::string configPath() const { return opt.state_dir + "/config.xml"; }

  // ---- PhoneControl ----
  PhoneStatus status() const override {
    PhoneStatus s;
    s.model = opt.model;
    s.mac = dhcp::macString(opt.mac);
    s.serial = opt.serial;
    s.firmware = kFirmwareVersion;
    s.connection_type = cfg.get("Connection_Type");
    s.ip = cur_ip;
    s.netmask = cur_mask;
    s.gateway = cur_gw;
    s.uptime_seconds = static_cast<long>(
        std::chrono::duration_cast<std::chrono::seconds>(steady_clock::now() - boot_time).count());
    s.boot_count = boot_count;
    if (cur_lease) {
      const DhcpInfo& i = cur_lease->info;
      for (const auto& a : i.dns) s.dns += (s.dns.empty() ? "" : ",") + dhcp::ip4String(a);
      s.domain = i.domain;
      if (!i.ntp.empty()) s.ntp_server = dhcp::ip4String(i.ntp.front());
      s.time_offset = i.time_offset.value_or(0);
      // Fault time-offset-unsigned: option 2 read into an unsigned 32-bit field.
      if (opt.faults.has("time-offset-unsigned"))
        s.time_offset = static_cast<long>(static_cast<uint32_t>(i.time_offset.value_or(0)));
      // Fault time-offset-whole-hours: the seconds converted to hours (integer division) for the
      // time zone, so the minutes are lost: -12600 s (UTC-3:30) becomes -10800 s.
      if (opt.faults.has("time-offset-whole-hours")) s.time_offset = s.time_offset / 3600 * 3600;
      s.acs_url = i.acs_url_43;
      if (!i.acs_url_125.empty() && i.acs_url_125 != i.acs_url_43)
        s.acs_url += (s.acs_url.empty() ? "" : ",") + i.acs_url_125;
      s.lease_seconds = cur_lease->lease_seconds;
      s.t1_seconds = cur_lease->t1_seconds;
      s.dhcp_server = dhcp::ip4String(cur_lease->server);
    }
    s.ntp_synced = ntp_synced;
    s.local_time = localTime(clock(), s.time_offset);
    s.provisioning_source = prov_source;
    s.last_resync_status = resync_status;
    if (sip) sip->fillStatus(s);
    s.last_resync_reason = last_resync_reason;
    return s;
  }
  ConfigStore& config() override { return cfg; }
  /// The phone's clock (UTC, Unix seconds): the NTP time once the server answered, before that
  /// its own clock (the host's, off by --clock-offset).
  double clock() const {
    if (ntp_synced)
      return ntp_unix + std::chrono::duration<double>(steady_clock::now() - ntp_at).count();
    return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch())
               .count() +
           opt.clock_offset;
  }
  void resyncDone(const std::string& source, const std::string& status) override {
    last_resync_reason = "/admin/resync";
    prov_source = source;
    resync_status = status;
  }
  /// "2026-11-26T16:19:15+01:00": UTC shifted by the offset, the offset written out.
  static std::string localTime(double utc, long offset) {
    std::string iso = isoTime(utc + static_cast<double>(offset));
    iso.pop_back();  // 'Z'
    long a = offset < 0 ? -offset : offset;
    char b[48];
    std::snprintf(b, sizeof b, "%c%02ld:%02ld", offset < 0 ? '-' : '+', a / 3600, a / 60 % 60);
    return iso + b;
  }
  const Faults& faults() const override { return opt.faults; }
  bool persist(std::string* error) override {
    if (opt.faults.has("config-lost-on-reboot")) {
      logLine(
          "config: fault config-lost-on-reboot: changes kept in memory only, config.xml not "
          "written");
      return true;
    }
    if (!cfg.save(configPath(), error)) return false;
    logLine("config: saved " + configPath());
    return true;
  }
  void requestReboot(const std::string& why) override {
    asio::post(io, [this, why] { reboot(why); });
  }

  // ---- power and boot ----
  void powerOn() {
    std::string faults;
    for (auto& f : opt.faults.active()) faults += " " + f;
    logLine("power on: " + opt.model + " serial " + opt.serial + " mac " +
            dhcp::macString(opt.mac) + " on " + opt.iface + ", firmware " + kFirmwareVersion +
            ", state dir " + opt.state_dir + ", faults:" + (faults.empty() ? " none" : faults) +
            (opt.tls_refusal != "alert" ? ", TLS refusal: " + opt.tls_refusal : "") +
            (opt.clock_offset != 0 ? ", clock off by " + formatSeconds(opt.clock_offset) : ""));
    std::error_code ec;
    std::filesystem::create_directories(opt.state_dir, ec);
    if (ec) throw Error("cannot create state dir " + opt.state_dir + ": " + ec.message());
    NetIf::loopbackUp();
    netif.setMac(opt.mac);
    logLine("net: lo up, " + opt.iface + " address " + dhcp::macString(opt.mac) + ", link up");
    // The firmware takes its boot time at power-on as on every restart: nothing is sent or
    // answered before it has booted.
    bootAfterDelay("power on: booting, ready in ", opt.boot_delay);
    watchLink();
  }

  /// The link as the phone sees it (cable out, switch port down): when it goes while the phone
  /// is up (for --link-debounce: shorter blips are ignored), the network stops (DHCP, web, SIP,
  /// services; the address is given up); when it comes
  /// back, the network starts afresh as after a boot (DHCP from INIT, DISCOVER), without a
  /// reboot: the configuration stays, the uptime goes on. The device profiles state this as the
  /// phone's behaviour (expect.link_restored, not documented by the vendor).
  void watchLink() {
    link_timer.expires_after(kLinkPoll);
    link_timer.async_wait([this](const boost::system::error_code& ec) {
      if (ec || shutting_down) return;
      // Not up: before the first boot, while restarting (its own link is down), crashed.
      if (boot_count > 0 && !rebooting && !crashed) {
        const bool carrier = netif.hasCarrier();
        if (carrier) {
          link_gone.reset();
        } else if (!link_gone) {
          link_gone = steady_clock::now();
        }
        if (!carrier && !link_lost &&
            steady_clock::now() - *link_gone >= std::chrono::duration<double>(opt.link_debounce)) {
          link_lost = true;
          logLine("net: link down on " + opt.iface +
                  ": the network stops (DHCP, web, SIP, services), the address is given up");
          teardown();
        } else if (carrier && link_lost) {
          link_lost = false;
          logLine("net: link up again on " + opt.iface +
                  ": the network starts afresh, DHCP from INIT");
          startNetwork();
        }
      }
      watchLink();
    });
  }

  /// Waits `delay` (--boot-delay at power-on, --restart-delay at a restart), then boots (unless
  /// shut down meanwhile).
  void bootAfterDelay(const std::string& what, double delay) {
    logLine(what + formatSeconds(delay));
    boot_timer.expires_after(std::chrono::milliseconds(static_cast<long long>(delay * 1000)));
    boot_timer.async_wait([this](const boost::system::error_code& ec) {
      if (ec || shutting_down) return;
      boot();
    });
  }

  void boot() {
    rebooting = false;
    crashed = false;
    watchdog_timer.cancel();  // a crash's restart that another restart came before
    ++boot_count;
    boot_time = steady_clock::now();
    std::string err;
    std::vector<std::string> skipped;
    if (!cfg.load(configPath(), &err, &skipped)) {
      logLine("boot " + std::to_string(boot_count) + ": cannot load config (" + err +
              "): factory defaults");
    } else {
      logLine("boot " + std::to_string(boot_count) + ": config " +
              (std::filesystem::exists(configPath()) ? "loaded from " + configPath()
                                                     : std::string("factory defaults")));
    }
    for (auto& s : skipped) logLine("config: skipped " + s);

    try {
      netif.setUp(true);
    } catch (const Error& e) {
      logLine(std::string("net: ") + e.what());
    }
    link_lost = false;
    link_gone.reset();
    startNetwork();
  }

  /// The network of a boot, or of a link that came back: what DHCP and the services told the
  /// phone before is forgotten (status.xml), then a static address or DHCP from INIT.
  void startNetwork() {
    cur_lease.reset();
    ntp_synced = false;
    prov_source.clear();
    resync_status.clear();
    last_resync_reason.clear();
    const std::string& ct = cfg.get("Connection_Type");
    bool use_static = ct == "Static IP";
    if (use_static && opt.faults.has("static-ip-ignored")) {
      logLine("net: fault static-ip-ignored: Connection_Type is \"Static IP\" but running DHCP");
      use_static = false;
    }
    if (use_static) {
      applyStatic();
      startWeb();
      if (!cur_ip.empty()) startSip(*dhcp::parseIp4(cur_ip));
    } else {
      startDhcp();
    }
  }

  void applyStatic() {
    auto ip = dhcp::parseIp4(cfg.get("Static_IP"));
    if (!ip || *ip == dhcp::Ip4{}) {
      logLine("net: Static IP: Static_IP \"" + cfg.get("Static_IP") +
              "\" is not usable, interface stays unaddressed");
      return;
    }
    auto mask = dhcp::parseIp4(cfg.get("NetMask"));
    if (!mask || prefixLength(*mask) < 0) {
      logLine("net: Static IP: NetMask \"" + cfg.get("NetMask") +
              "\" is not usable, using 255.255.255.0");
      mask = dhcp::Ip4{255, 255, 255, 0};
    }
    if (opt.faults.has("static-netmask-ignored")) {
      logLine("net: fault static-netmask-ignored: using 255.255.255.0, not NetMask \"" +
              cfg.get("NetMask") + "\"");
      mask = dhcp::Ip4{255, 255, 255, 0};
    }
    try {
      netif.setAddress(*ip, *mask);
      cur_ip = dhcp::ip4String(*ip);
      cur_mask = dhcp::ip4String(*mask);
      logLine("net: Static IP " + cur_ip + "/" + std::to_string(prefixLength(*mask)) + " on " +
              opt.iface);
    } catch (const Error& e) {
      logLine(std::string("net: Static IP: ") + e.what());
      return;
    }
    if (auto gw = dhcp::parseIp4(cfg.get("Gateway")); gw && *gw != dhcp::Ip4{}) {
      try {
        netif.setDefaultRoute(*gw);
        cur_gw = dhcp::ip4String(*gw);
        logLine("net: default route via " + cur_gw);
      } catch (const Error& e) {
        logLine(std::string("net: ") + e.what());
      }
    }
    gratuitousArp(*ip);
  }

  void gratuitousArp(const dhcp::Ip4& ip) {
    try {
      netif.sendFrame(buildGratuitousArp(opt.mac, ip));
      logLine("net: gratuitous ARP for " + dhcp::ip4String(ip));
    } catch (const Error& e) {
      logLine(std::string("net: gratuitous ARP: ") + e.what());
    }
  }

  void startDhcp() {
    DhcpClientConfig c;
    c.iface = opt.iface;
    try {
      c.ifindex = netif.index();
    } catch (const Error& e) {
      logLine(std::string("dhcp: ") + e.what());
      return;
    }
    c.mac = opt.mac;
    c.vendor_class = "Cisco Systems, Inc. IP Phone " + opt.model;
    if (opt.faults.has("vendor-class-without-model")) {
      // A vendor class string from a template whose model field was never filled in.
      c.vendor_class = "Cisco Systems, Inc. IP Phone";
      logLine("dhcp: fault vendor-class-without-model: option 60 \"" + c.vendor_class + "\"");
    }
    c.vendor_class_discover_only = opt.faults.has("vendor-class-discover-only");
    c.decode_faults.acs43_first_suboption = opt.faults.has("option-43-first-suboption");
    c.decode_faults.acs125_any_enterprise = opt.faults.has("option-125-any-enterprise");
    c.decode_faults.tftp150_last = opt.faults.has("option-150-last-address");
    c.decode_faults.ip159_byte_order = opt.faults.has("option-159-byte-order");
    c.decode_faults.router_last = opt.faults.has("router-last-address");
    c.decode_faults.ntp_last = opt.faults.has("ntp-last-server");
    if (opt.faults.has("no-vendor-class")) {
      logLine("dhcp: fault no-vendor-class: no option 60");
      c.vendor_class.clear();
    }
    for (int code : {1, 2, 6, 15, 42, 43, 58, 59, 66, 125, 150, 159, 160}) {
      if (opt.faults.has("ignore-option-" + std::to_string(code)))
        c.ignore_options.insert(static_cast<uint8_t>(code));
    }
    c.router_from_server = opt.faults.has("ignore-option-3");
    c.renew_late = opt.faults.has("renew-late");
    c.renew_at_t2 = opt.faults.has("renew-at-t2");
    c.lease_in_ms = opt.faults.has("lease-in-ms");
    c.no_rebind = opt.faults.has("no-rebind");
    c.t2_three_quarters = opt.faults.has("rebind-at-three-quarters");
    c.keep_after_expiry = opt.faults.has("keep-address-after-expiry");
    c.ack_from_any_server = opt.faults.has("ack-from-any-server");
    c.nak_from_any_server = opt.faults.has("nak-from-any-server");
    c.renew_now_any_server = opt.faults.has("sip-timeout-renewal-any-server");
    c.no_renew = opt.faults.has("no-renew");
    c.crash_on_malformed = opt.faults.has("crash-on-malformed-option");
    c.crash_on_malformed_renewal = opt.faults.has("crash-on-malformed-renewal");
    c.crash_on_overloaded_offer = opt.faults.has("crash-on-overloaded-offer");
    c.ack_from_unselected_server = opt.faults.has("ack-from-unselected-server");
    c.ntp_from_option_4 = opt.faults.has("ntp-from-option-4");
    c.arp_conflict_drops_lease = opt.faults.has("arp-conflict-drops-lease");
    c.hostname = cfg.get("Station_Name");
    if (c.hostname.empty()) {
      c.hostname = "SEP";
      for (auto b : opt.mac) {
        char h[3];
        std::snprintf(h, sizeof h, "%02X", b);
        c.hostname += h;
      }
    }
    DhcpCallbacks cb;
    cb.bound = [this](const DhcpLease& l) { onBound(l); };
    cb.renewed = [this](const DhcpLease& l) { onRenewed(l); };
    cb.lost = [this](const std::string& why) {
      logLine("net: removing " + cur_ip + " (" + why + ")");
      clearAddress();
      cur_lease.reset();
    };
    cb.reset = [this](const std::string& why) { requestReboot("DHCP " + why); };
    cb.crash = [this](const std::string& why) { crash(why); };
    dhcp = std::make_unique<DhcpClient>(io, c, std::move(cb));
    try {
      dhcp->start();
    } catch (const Error& e) {
      logLine(std::string("dhcp: cannot start: ") + e.what());
    }
  }

  void onBound(const DhcpLease& lease) {
    clearAddress();
    DhcpLease l = lease;
    if (opt.faults.has("dhcp-wrong-address")) {
      dhcp::Ip4 a = l.address;
      for (int i = 3; i >= 0 && ++a[static_cast<size_t>(i)] == 0; --i) {
      }
      logLine("net: fault dhcp-wrong-address: configuring " + dhcp::ip4String(a) + " instead of " +
              dhcp::ip4String(l.address));
      l.address = a;
    }
    cur_lease = l;
    try {
      dhcp::Ip4 applied = l.netmask;
      if (opt.faults.has("mask-not-applied")) {
        // The status page shows the lease; the interface is set up with the class's mask.
        applied = l.address[0] < 128   ? dhcp::Ip4{255, 0, 0, 0}
                  : l.address[0] < 192 ? dhcp::Ip4{255, 255, 0, 0}
                                       : dhcp::Ip4{255, 255, 255, 0};
        logLine("net: fault mask-not-applied: interface mask " + dhcp::ip4String(applied) +
                ", the lease's " + dhcp::ip4String(l.netmask) + " only shown");
      }
      netif.setAddress(l.address, applied);
      cur_ip = dhcp::ip4String(l.address);
      cur_mask = dhcp::ip4String(l.netmask);
      logLine("net: DHCP address " + cur_ip + "/" + std::to_string(prefixLength(l.netmask)) +
              " on " + opt.iface);
    } catch (const Error& e) {
      logLine(std::string("net: ") + e.what());
      return;
    }
    setRouter(dhcpRouter(l));
    gratuitousArp(l.address);
    startWeb();
    startServices(l);
    startSip(l.address);
  }

  /// Once per network start (a boot, a link back), when the phone has an address: the SIP UA on
  /// SIP_Port_1_.
  void startSip(const dhcp::Ip4& ip) {
    if (sip) return;
    SipUaConfig c;
    c.own_ip = ip;
    c.product = opt.model;
    c.tls_refusal = opt.tls_refusal;
    c.device_cert_file = opt.device_cert_file;
    c.device_key_file = opt.device_key_file;
    SipUaHooks h;
    h.clock = [this] { return std::make_pair(clock(), ntp_synced); };
    h.resolve = [this](const std::string& host, SipUaHooks::Resolved done) {
      if (auto a = dhcp::parseIp4(host)) {
        done(*a, "");
      } else if (services) {
        services->resolve(host, std::move(done));
      } else {
        done(std::nullopt, "no DNS client (Static IP)");
      }
    };
    h.resolve_all = [this](const std::string& host, SipUaHooks::ResolvedAll done) {
      if (auto a = dhcp::parseIp4(host)) {
        done({*a}, "");
      } else if (services) {
        services->resolveAll(host, std::move(done));
      } else {
        done({}, "no DNS client (Static IP)");
      }
    };
    if (dhcp) {
      h.renew_dhcp = [this](std::function<void(DhcpRenewOutcome)> done) {
        if (!dhcp) return;
        const bool reset_anyway = opt.faults.has("reset-on-sip-timeout-renewal");
        dhcp->renewNow([done, reset_anyway](DhcpRenewResult r) {
          switch (r) {
            case DhcpRenewResult::SameAddress:
              if (reset_anyway) {
                // The answer is compared with a lease already cleared for the renewal: even the
                // same address looks like another one.
                logLine(
                    "sip: fault reset-on-sip-timeout-renewal: the same address counts as "
                    "another one");
                done(DhcpRenewOutcome::Changed);
                break;
              }
              done(DhcpRenewOutcome::SameAddress);
              break;
            case DhcpRenewResult::Changed:
              done(DhcpRenewOutcome::Changed);
              break;
            case DhcpRenewResult::Nak:
              done(DhcpRenewOutcome::Nak);
              break;
            case DhcpRenewResult::Timeout:
              done(DhcpRenewOutcome::Timeout);
              break;
          }
        });
      };
    }
    h.fetch = [this](const std::string& url, std::function<void(bool, const std::string&)> done) {
      if (!services) {
        done(false, "no DHCP services (Static IP)");
        return;
      }
      services->fetch(url, std::move(done));
    };
    h.reboot = [this](const std::string& why) { requestReboot(why); };
    h.crash = [this](const std::string& why) { crash(why); };
    h.resync = [this](const std::string& reason) {
      last_resync_reason = reason;
      if (!services) {
        logLine("resync: " + reason + ": no provisioning source known (no DHCP services)");
        resync_status = "Failed: no provisioning source known";
        return;
      }
      logLine("resync: " + reason);
      services->resync();
    };
    sip = std::make_unique<SipUa>(io, cfg, opt.faults, c, std::move(h));
    sip->start();
  }

  /// Once per network start, at its first ACK: SNTP, provisioning discovery, TR-069 Informs.
  void startServices(const DhcpLease& l) {
    if (services) return;
    ServicesConfig c;
    c.id = DeviceIdentity{opt.model, opt.mac, opt.serial};
    c.firmware = kFirmwareVersion;
    c.own_ip = l.address;
    c.info = l.info;
    if (opt.faults.has("dns-first-server-only") && c.info.dns.size() > 1) {
      logLine("net: fault dns-first-server-only: keeping " + dhcp::ip4String(c.info.dns.front()) +
              " of " + std::to_string(c.info.dns.size()) + " DNS servers");
      c.info.dns.resize(1);
    }
    if (opt.faults.has("dns-last-server-only") && c.info.dns.size() > 1) {
      // A loop that stores each address of option 6 in one variable: the last one stays.
      logLine("net: fault dns-last-server-only: keeping " + dhcp::ip4String(c.info.dns.back()) +
              " of " + std::to_string(c.info.dns.size()) + " DNS servers");
      c.info.dns = {c.info.dns.back()};
    }
    c.append_domain_always = opt.faults.has("domain-appended-to-every-name");
    c.join_domain_without_dot = opt.faults.has("domain-joined-without-dot");
    c.option_order = cfg.get("DHCP_Option_To_Use");
    c.profile_rule = cfg.get("Profile_Rule");
    c.prov_faults.order_by_code = opt.faults.has("provisioning-order-by-code");
    c.prov_faults.last_wins = opt.faults.has("provisioning-last-option-wins");
    c.prov_faults.address_only_66 = opt.faults.has("option-66-address-only");
    c.prov_faults.scheme_160_ignored = opt.faults.has("option-160-scheme-ignored");
    ServicesCallbacks cb;
    cb.ntp_synced = [this](double server_unix) {
      ntp_synced = true;
      ntp_unix = server_unix;
      ntp_at = steady_clock::now();
    };
    cb.provisioning_started = [this](const std::string& source) {
      if (last_resync_reason.empty()) last_resync_reason = "boot (DHCP provisioning)";
      prov_source = source;
      resync_status = "Resyncing";
    };
    cb.no_provisioning = [this](const std::string& why) { resync_status = "Not started: " + why; };
    cb.profile_fetched = [this](const std::string& source, bool ok, const std::string& body) {
      applyFetchedProfile(source, ok, body);
    };
    services = std::make_unique<NetServices>(io, std::move(c), std::move(cb));
    services->start();
  }

  void applyFetchedProfile(const std::string& source, bool ok, const std::string& body) {
    prov_source = source;
    if (!ok) {
      resync_status = "Failed: " + body;
      return;
    }
    std::string err;
    auto elements = parseFlatProfile(body, &err);
    if (!elements) {
      logLine("provision: not a flat profile: " + err);
      resync_status = "Failed: not a flat profile: " + err;
      return;
    }
    ProfileApplyResult ar = applyProfileElements(cfg, *elements);
    for (auto& n : ar.notes) logLine("provision: " + n);
    if (!ar.changed.empty() && !persist(&err)) {
      logLine("provision: cannot save config: " + err);
      resync_status = "Failed: cannot save the configuration: " + err;
      return;
    }
    resync_status = "Success: " + std::to_string(ar.applied) + " applied, " +
                    std::to_string(ar.changed.size()) + " changed";
    logLine("provision: " + source + ": " + resync_status);
    if (ar.restart) requestReboot("provisioning changed a parameter that needs a restart");
  }

  void onRenewed(const DhcpLease& renewed) {
    DhcpLease l = renewed;
    if (cur_lease) l.address = cur_lease->address;  // dhcp-wrong-address keeps its own
    cur_lease = l;
    logLine("net: lease on " + dhcp::ip4String(l.address) + " extended by " +
            std::to_string(l.lease_seconds) + " s");
    if (dhcp::ip4String(dhcpRouter(l)) != cur_gw) setRouter(dhcpRouter(l));
  }

  /// The default router a lease gives (fault no-default-route: none; the gateway field of the
  /// status page stays empty, as the route table does).
  dhcp::Ip4 dhcpRouter(const DhcpLease& l) {
    if (!opt.faults.has("no-default-route")) return l.router;
    logLine("net: fault no-default-route: no default route via " + dhcp::ip4String(l.router));
    return {};
  }

  void setRouter(const dhcp::Ip4& router) {
    netif.deleteDefaultRoute();
    cur_gw.clear();
    if (router == dhcp::Ip4{}) return;
    try {
      netif.setDefaultRoute(router);
      cur_gw = dhcp::ip4String(router);
      logLine("net: default route via " + cur_gw);
    } catch (const Error& e) {
      logLine(std::string("net: ") + e.what());
    }
  }

  void clearAddress() {
    netif.deleteDefaultRoute();
    netif.flushAddresses();
    cur_ip.clear();
    cur_mask.clear();
    cur_gw.clear();
  }

  void startWeb() {
    if (web) return;
    web = std::make_unique<WebServer>(io, *this, opt.http_port);
    try {
      web->start();
      logLine("web: listening on port " + std::to_string(opt.http_port));
    } catch (const Error& e) {
      logLine(e.what());
    }
  }

  /// Stops everything of this boot and removes the addresses.
  void teardown() {
    if (sip) {
      sip->stop();
      sip.reset();
    }
    if (services) {
      services->stop();
      services.reset();
    }
    if (web) {
      web->stop();
      web.reset();
    }
    if (dhcp) {
      dhcp->stop();
      dhcp.reset();
    }
    clearAddress();
  }

  void reboot(const std::string& why) {
    if (rebooting || shutting_down) return;
    rebooting = true;
    logLine("reboot: " + why);
    teardown();
    try {
      netif.setUp(false);
    } catch (const Error& e) {
      logLine(std::string("net: ") + e.what());
    }
    bootAfterDelay("reboot: link down, booting again in ",
                   opt.restart_delay >= 0 ? opt.restart_delay : opt.boot_delay);
  }

  /// A firmware crash (faults crash-on-malformed-option, crash-on-long-header): the component that
  /// crashed has halted already. The firmware stops at once: the link goes down and every service
  /// stops, so nothing more is sent or answered (SIP, HTTP, ICMP). The hardware watchdog notices
  /// after kWatchdogSeconds and restarts the phone, a reboot like any other (boot delay, DHCP from
  /// DISCOVER, uptime from 0). The process lives on.
  void crash(const std::string& why) {
    if (rebooting || shutting_down || crashed) return;
    crashed = true;
    logLine("crash: " + why + ": the firmware has stopped; the watchdog restarts the phone in " +
            formatSeconds(kWatchdogSeconds));
    try {
      netif.setUp(false);
    } catch (const Error& e) {
      logLine(std::string("net: ") + e.what());
    }
    // The crashing code is still on the stack: the rest runs from the event loop.
    asio::post(io, [this] {
      if (!rebooting && !shutting_down) teardown();
    });
    watchdog_timer.expires_after(
        std::chrono::milliseconds(static_cast<long long>(kWatchdogSeconds * 1000)));
    watchdog_timer.async_wait([this, why](const boost::system::error_code& ec) {
      if (ec || shutting_down) return;
      reboot("watchdog: the firmware crashed (" + why + ")");
    });
  }

  void shutdown(int sig) {
    shutting_down = true;
    logLine(std::string("shutdown: ") + (sig == SIGINT ? "SIGINT" : "SIGTERM"));
    boot_timer.cancel();
    watchdog_timer.cancel();
    link_timer.cancel();
    teardown();
    logLine("shutdown: addresses removed, exiting");
    io.stop();
  }

  void waitAnswerKey() {
    answer_key.async_wait([this](const boost::system::error_code& ec, int) {
      if (ec || shutting_down) return;
      if (sip) {
        sip->pickUp();
      } else {
        logLine("sip: answer key: the phone has no line up");
      }
      waitAnswerKey();
    });
  }

  int run() {
    try {
      powerOn();
    } catch (const Error& e) {
      logLine(std::string("power on failed: ") + e.what());
      return 1;
    }
    signals.async_wait([this](const boost::system::error_code& ec, int sig) {
      if (!ec) shutdown(sig);
    });
    waitAnswerKey();
    for (;;) {
      try {
        io.run();
        return 0;
      } catch (const std::exception& e) {
        // A bug in one handler must not take the phone down: log it and keep serving.
        logLine(std::string("internal error (continuing): ") + e.what());
      }
    }
  }
};

Phone::Phone(PhoneOptions options) : impl_(std::make_unique<Impl>(std::move(options))) {}
Phone::~Phone() = default;
int Phone::run() {
  return impl_->run();
}

}  // namespace phonelab::emulator
