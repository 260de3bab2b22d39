#include "emulator/phone.h"

#include <csignal>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <filesystem>

#include "emulator/config.h"
#include "emulator/dhcp_client.h"
#include "emulator/frames.h"
#include "emulator/log.h"
#include "emulator/netif.h"
#include "emulator/web.h"
#include "harness/core/deadline.h"
#include "harness/core/error.h"

namespace asio = boost::asio;
namespace dhcp = phonelab::proto::dhcp;

namespace phonelab::emulator {

using std::chrono::steady_clock;

struct Phone::Impl : PhoneControl {
  PhoneOptions opt;
  asio::io_context io;  // destroyed after everything that uses it
  asio::signal_set signals{io, SIGTERM, SIGINT};
  asio::steady_timer boot_timer{io};
  NetIf netif;
  ConfigStore cfg;
  int boot_count = 0;
  steady_clock::time_point boot_time = steady_clock::now();
  bool rebooting = false, shutting_down = false;
  std::unique_ptr<DhcpClient> dhcp;
  std::unique_ptr<WebServer> web;
  std::string cur_ip, cur_mask, cur_gw;

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
    return s;
  }
  ConfigStore& config() override { return cfg; }
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
            ", state dir " + opt.state_dir + ", faults:" + (faults.empty() ? " none" : faults));
    std::error_code ec;
    std::filesystem::create_directories(opt.state_dir, ec);
    if (ec) throw Error("cannot create state dir " + opt.state_dir + ": " + ec.message());
    NetIf::loopbackUp();
    netif.setMac(opt.mac);
    logLine("net: lo up, " + opt.iface + " address " + dhcp::macString(opt.mac) + ", link up");
    boot();
  }

  void boot() {
    rebooting = false;
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
    const std::string& ct = cfg.get("Connection_Type");
    bool use_static = ct == "Static IP";
    if (use_static && opt.faults.has("static-ip-ignored")) {
      logLine("net: fault static-ip-ignored: Connection_Type is \"Static IP\" but running DHCP");
      use_static = false;
    }
    if (use_static) {
      applyStatic();
      startWeb();
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
    };
    cb.reset = [this](const std::string& why) { requestReboot("DHCP " + why); };
    dhcp = std::make_unique<DhcpClient>(io, c, std::move(cb));
    try {
      dhcp->start();
    } catch (const Error& e) {
      logLine(std::string("dhcp: cannot start: ") + e.what());
    }
  }

  void onBound(const DhcpLease& l) {
    clearAddress();
    try {
      netif.setAddress(l.address, l.netmask);
      cur_ip = dhcp::ip4String(l.address);
      cur_mask = dhcp::ip4String(l.netmask);
      logLine("net: DHCP address " + cur_ip + "/" + std::to_string(prefixLength(l.netmask)) +
              " on " + opt.iface);
    } catch (const Error& e) {
      logLine(std::string("net: ") + e.what());
      return;
    }
    setRouter(l.router);
    gratuitousArp(l.address);
    startWeb();
  }

  void onRenewed(const DhcpLease& l) {
    logLine("net: lease on " + dhcp::ip4String(l.address) + " extended by " +
            std::to_string(l.lease_seconds) + " s");
    if (dhcp::ip4String(l.router) != cur_gw) setRouter(l.router);
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
    logLine("reboot: link down, booting again in " + formatSeconds(opt.boot_delay));
    boot_timer.expires_after(
        std::chrono::milliseconds(static_cast<long long>(opt.boot_delay * 1000)));
    boot_timer.async_wait([this](const boost::system::error_code& ec) {
      if (ec || shutting_down) return;
      boot();
    });
  }

  void shutdown(int sig) {
    shutting_down = true;
    logLine(std::string("shutdown: ") + (sig == SIGINT ? "SIGINT" : "SIGTERM"));
    boot_timer.cancel();
    teardown();
    logLine("shutdown: addresses removed, exiting");
    io.stop();
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
