// phone-emulator: an emulated Cisco IP Conference Phone 7832/8832 (MPP firmware) for phonelab.
// See emulator/README.md for the contract the harness relies on.

#include <csignal>
#include <cstdio>

#include <CLI/CLI.hpp>

#include "emulator/faults.h"
#include "emulator/phone.h"

using namespace phonelab::emulator;

int main(int argc, char** argv) {
  CLI::App app{"phone-emulator: an emulated Cisco IP Conference Phone 8832 (MPP firmware)"};
  PhoneOptions opt;
  std::string mac;
  std::vector<std::string> faults;
  bool list_faults = false;
  int http_port = 80;
  app.add_flag("--list-faults", list_faults,
               "print name<TAB>description<TAB>area<TAB>breaks (the requirements it breaks) of "
               "every fault and exit");
  app.add_option("--iface", opt.iface, "the interface this phone owns")->capture_default_str();
  app.add_option("--mac", mac, "MAC address to set on the interface, e.g. 02:00:c6:12:00:0a");
  app.add_option("--state-dir", opt.state_dir, "folder for config.xml (the phone's flash)");
  app.add_option("--fault", faults, "enable a named fault (repeatable; see --list-faults)");
  app.add_option("--model", opt.model, "product name")->capture_default_str();
  app.add_option("--serial", opt.serial, "serial number")->capture_default_str();
  app.add_option("--boot-delay", opt.boot_delay,
                 "seconds the firmware takes to boot, at power-on (and on every restart unless "
                 "--restart-delay says otherwise)")
      ->capture_default_str()
      ->check(CLI::Range(0.0, 600.0));
  app.add_option("--restart-delay", opt.restart_delay,
                 "seconds the firmware takes to boot again at a restart (reboot, a setting that "
                 "needs one, the watchdog's after a crash); default: --boot-delay")
      ->check(CLI::Range(0.0, 600.0));
  app.add_option("--link-debounce", opt.link_debounce,
                 "seconds the link must stay gone before the phone stops its network (when it "
                 "comes back the network starts afresh); shorter blips are ignored")
      ->capture_default_str()
      ->check(CLI::Range(0.0, 3600.0));
  app.add_option("--tls-refusal", opt.tls_refusal,
                 "how SIP over TLS refuses a bad server certificate: alert (a fatal TLS alert) or "
                 "close (closes the connection without an alert)")
      ->capture_default_str()
      ->check(CLI::IsMember({"alert", "close"}));
  app.add_option("--clock-offset", opt.clock_offset,
                 "seconds the phone's clock is off before NTP sets it (negative: behind)")
      ->capture_default_str()
      ->check(CLI::Range(-1e10, 1e10));
  app.add_option("--device-cert", opt.device_cert_file,
                 "the phone's own certificate (PEM), as its factory installs it: presented when a "
                 "TLS server asks for one");
  app.add_option("--device-key", opt.device_key_file, "the private key of --device-cert (PEM)");
  app.add_option("--http-port", http_port, "web UI port")
      ->capture_default_str()
      ->check(CLI::Range(1, 65535));
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int rc = app.exit(e);
    return rc == 0 ? 0 : 2;
  }
  if (list_faults) {
    std::fputs(listFaults().c_str(), stdout);
    return 0;
  }
  for (const auto& f : faults) {
    if (!opt.faults.enable(f)) {
      std::fprintf(stderr, "phone-emulator: unknown fault \"%s\" (see --list-faults)\n", f.c_str());
      return 2;
    }
  }
  if (mac.empty() || opt.state_dir.empty()) {
    std::fprintf(stderr, "phone-emulator: --mac and --state-dir are required\n");
    return 2;
  }
  auto parsed = phonelab::proto::dhcp::parseMac(mac);
  if (!parsed || ((*parsed)[0] & 1)) {
    std::fprintf(stderr, "phone-emulator: bad --mac \"%s\" (want a unicast aa:bb:cc:dd:ee:ff)\n",
                 mac.c_str());
    return 2;
  }
  opt.mac = *parsed;
  opt.http_port = static_cast<uint16_t>(http_port);
  std::signal(SIGPIPE, SIG_IGN);
  Phone phone(std::move(opt));
  return phone.run();
}
