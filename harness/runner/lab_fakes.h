#pragma once
/// The fakes a scenario names, started on the lab side of its segment (from the runner's thread,
/// which is inside the lab namespace, so their sockets live there) and stopped in reverse order
/// when this object goes away.

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "base/core/event.h"
#include "harness/scenario/model.h"

namespace phonelab::lab {
class Segment;
}
namespace phonelab::fakes {
class TestUa;
class HostileSip;
class KeaServer;
}  // namespace phonelab::fakes

namespace phonelab::runner {

class LabFakes {
 public:
  using Expand = std::function<std::string(const std::string&)>;
  /// Starts every fake `sc` names. Evidence files (logs, configs) go under `dir` and are recorded
  /// in `evidence` relative to the report folder (`id/...`). `kea_leases`: the lease file Kea
  /// starts with (a phone kept running from the scenario before). Throws Error/ConfigError.
  LabFakes(const scenario::Scenario& sc, const lab::Segment& seg, const Expand& expand,
           EventLog& log, const std::string& dir, std::map<std::string, std::string>& evidence,
           const std::string& kea_leases = "");
  ~LabFakes();
  LabFakes(const LabFakes&) = delete;
  /// The test UA and the hostile SIP server, if the scenario named them (else nullptr).
  fakes::TestUa* ua();
  fakes::HostileSip* hostile();
  /// The trusted DHCP server (Kea), if the scenario named fakes.dhcp (else nullptr).
  fakes::KeaServer* kea();
  /// "ip:port" of the trusted SIP proxy ("" if none).
  std::string proxy() const;
  /// The phone's device certificate, issued for subject CN `cn` by the test PKI's manufacturer CA
  /// (what a phone's factory installs): {certificate PEM, private key PEM}, or nullopt when the
  /// scenario has no TLS server (no test PKI). Throws Error.
  std::optional<std::pair<std::string, std::string>> deviceCertificate(const std::string& cn);
  LabFakes& operator=(const LabFakes&) = delete;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace phonelab::runner
