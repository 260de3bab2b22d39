#pragma once
// The wire of a bench test (bench_test.cc, bench_snmp_test.cc): a veth pair made in the root
// namespace, one end moved into a namespace the test owns (where the test runs phone-emulator as
// "the phone"), the other end, left in the root namespace, is the bench NIC the lab file names.

#include <unistd.h>

#include <memory>
#include <string>
#include <vector>

#include "base/lab/netns.h"
#include "base/lab/process.h"
#include "e2e_util.h"
#include "fakes/sip/pki.h"

namespace phonelab::e2e {

/// The test's wire: namespace phl-<pid>x<tag>-phone with the phone's end, the bench NIC in the
/// root namespace. Removed at the end (also when an assertion fails or phonelab died).
struct BenchWire {
  std::string ns;
  std::string nic;    // the bench NIC (root namespace)
  std::string phone;  // the phone's end (in ns)
  explicit BenchWire(const std::string& tag) {
    const std::string id = std::to_string(::getpid() % 100000);
    ns = "phl-" + std::to_string(::getpid()) + "x" + tag + "-phone";
    nic = "phb" + tag + id;
    phone = "php" + tag + id;
    cleanup();
    lab::ipCommand({"netns", "add", ns});
    lab::ipCommand({"link", "add", nic, "type", "veth", "peer", "name", phone});
    lab::ipCommand({"link", "set", phone, "netns", ns});
    lab::ipCommand({"-n", ns, "link", "set", "lo", "up"});
    lab::ipCommand({"-n", ns, "link", "set", phone, "up"});
  }
  ~BenchWire() { cleanup(); }
  void cleanup() {
    // The bench NIC is back in the root namespace after a run; deleting it removes its peer.
    try {
      lab::ipCommand({"link", "del", nic});
    } catch (...) {
    }
    try {
      lab::ipCommand({"netns", "del", ns});
    } catch (...) {
    }
  }
  /// Is the bench NIC in the root namespace (phonelab gave it back)?
  bool nicHome() const {
    try {
      lab::ipOutput({"link", "show", nic});
      return true;
    } catch (...) {
      return false;
    }
  }
};

/// phone-emulator started in the wire's namespace as "the phone" (an 8832 with this MAC and
/// serial; its flash in <dir>/phone, its log <dir>/phone-emulator.log). phonelab never starts it.
/// `faults`: emulator faults the phone's firmware has (--fault each).
inline std::unique_ptr<lab::Process> startBenchPhone(const BenchWire& w, const std::string& dir,
                                                     const std::string& mac,
                                                     const std::string& serial,
                                                     const std::vector<std::string>& faults = {},
                                                     const std::vector<std::string>& args = {}) {
  // A phone comes with a certificate of its own from its factory (presented when a TLS server
  // asks for one): here from a manufacturer CA the test makes, which the lab knows nothing of.
  const auto factory = fakes::pki::makePki(dir + "/factory", dir + "/factory-keys", {});
  const auto device = fakes::pki::makeDeviceCert(factory, "CP-8832-3PCC-" + serial, "device");
  lab::ProcessSpec spec;
  spec.name = "phone-emulator";
  spec.argv = {kBin + "/phone-emulator",
               "--device-cert",
               device.cert_file,
               "--device-key",
               device.key_file,
               "--iface",
               w.phone,
               "--mac",
               mac,
               "--state-dir",
               dir + "/phone",
               "--model",
               "CP-8832-3PCC",
               "--serial",
               serial,
               "--boot-delay",
               "0.3"};
  for (const auto& f : faults) {
    spec.argv.push_back("--fault");
    spec.argv.push_back(f);
  }
  spec.argv.insert(spec.argv.end(), args.begin(), args.end());
  spec.netns = w.ns;
  spec.log_path = dir + "/phone-emulator.log";
  return std::make_unique<lab::Process>(spec);
}

}  // namespace phonelab::e2e
