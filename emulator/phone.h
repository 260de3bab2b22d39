#pragma once
/// The emulated phone: power-on, boot (config, network, web UI), reboot, shutdown.

#include <memory>
#include <string>

#include "base/proto/dhcp.h"
#include "emulator/faults.h"

namespace phonelab::emulator {

inline constexpr const char* kFirmwareVersion = "sip88xx.12-0-1MPP-emu";

struct PhoneOptions {
  std::string iface = "eth0";
  proto::dhcp::Mac mac{};
  std::string state_dir;
  std::string model = "CP-8832-3PCC";
  std::string serial = "FCH2300ABCD";
  double boot_delay = 0.3;  // seconds the firmware takes to boot at power-on
  /// Seconds it takes to boot again at a restart (reboot, a setting that needs one, the
  /// watchdog's after a crash); negative: boot_delay.
  double restart_delay = -1;
  /// Seconds the link must stay gone (no carrier) before the phone stops its network: the
  /// firmware's link-change debounce; shorter blips are ignored.
  double link_debounce = 2;
  uint16_t http_port = 80;
  /// How SIP over TLS refuses a server certificate it does not accept: "alert" (a fatal TLS alert,
  /// e.g. unknown CA) or "close" (the connection closed without an alert, as many embedded TLS
  /// stacks do). Both are correct.
  std::string tls_refusal = "alert";
  /// The phone's own clock before NTP sets it: the host's clock plus this many seconds (a phone
  /// without a battery-backed clock starts far off). Once NTP answers, the NTP time counts.
  double clock_offset = 0;
  /// The phone's device certificate and key (PEM files; "" = none): its factory identity, which
  /// SIP over TLS presents when the server asks for a client certificate.
  std::string device_cert_file, device_key_file;
  Faults faults;
};

class Phone {
 public:
  explicit Phone(PhoneOptions options);
  ~Phone();
  Phone(const Phone&) = delete;
  Phone& operator=(const Phone&) = delete;

  /// Powers on and runs until SIGTERM or SIGINT. Returns the process exit code.
  int run();

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace phonelab::emulator
