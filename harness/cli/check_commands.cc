// `phonelab validate`, `list`, `preflight` and `cleanup`: the commands that check or list what
// is there and run no scenario.

#include <unistd.h>

#include <iostream>

#include "base/core/event_catalog.h"
#include "base/lab/netns.h"
#include "base/lab/preflight.h"
#include "harness/cli/cli.h"
#include "harness/scenario/loader.h"

namespace phonelab::cli {

int cmdPreflight(const Common& c, const std::string& listen) {
  auto loaded = loadOrPrint([&] { return dut::loadLabFile(c.lab); });
  if (!loaded) return kExitUsage;
  const dut::LabFile& lab = *loaded;
  double seconds = 0;
  if (!parseDuration(listen, seconds) || seconds <= 0 || seconds > 60) {
    std::cerr << "phonelab: --listen " << listen << ": expected a duration up to 60s, e.g. 3s\n";
    return kExitUsage;
  }
  if (!lab.bench()) {
    std::cerr << "phonelab: preflight checks a bench NIC; lab " << lab.file
              << " has segment: " << lab.segmentName() << "\n";
    return kExitUsage;
  }
  const dut::InterfaceSegment& nic = *lab.bench();
  // As `run` does: a NIC with an address of the host is the host's, not a bench NIC; no DHCP
  // goes out on it.
  try {
    const std::string v4 = lab::hostIpv4Addresses(nic.interface);
    if (!v4.empty()) {
      std::cerr << "phonelab: the bench NIC "
                << nic.interface << " has IPv4 addresses on the host (" << v4
                << "): a bench NIC must have no address and no DHCP client (docs/lab-setup.md); "
                   "nothing was sent\n";
      return kExitUsage;
    }
  } catch (const std::exception& e) {
    std::cerr << "phonelab: " << e.what() << "\n";
    return kExitUsage;
  }
  if (nic.vlan != 0) {
    std::cerr << "phonelab: preflight on a VLAN (vlan: " << nic.vlan
              << ") is not supported yet; run it on an untagged port\n";
    return kExitUsage;
  }
  if (geteuid() != 0) {
    std::cerr << "phonelab: preflight needs root (a packet socket on " << nic.interface << ")\n";
    return kExitUsage;
  }
  lab::PreflightOptions o;
  o.iface = nic.interface;
  o.phone_mac = lab.mac;
  o.listen = seconds;
  std::cout << "phonelab: preflight on " << o.iface << ": DHCP DISCOVERs from a throwaway MAC, "
            << "listening " << formatSeconds(seconds) << "...\n";
  auto r = lab::runPreflight(o, Deadline::in(Seconds(seconds + 5)));
  if (r.ok()) {
    std::cout << "phonelab: preflight passed: " << r.describe(o.iface) << " (" << r.discovers_sent
              << " DISCOVERs from " << r.throwaway_mac << " unanswered)\n";
    return 0;
  }
  std::cout << "phonelab: preflight refused the segment: " << r.describe(o.iface) << "\n";
  return 1;
}

int cmdValidate(const Common& c) {
  try {
    auto l = loadAll(c);
    std::cout << "phonelab: " << l.scenarios.size() << " scenarios, " << l.catalog.size()
              << " requirements and lab '" << l.lab.name << "' are valid\n";
    return 0;
  } catch (const ConfigError& e) {
    printDiagnostics(e);
    std::cerr << "phonelab: " << e.diagnostics().size() << " problem(s) found\n";
    return kExitUsage;
  }
}

int cmdList(const Common& c, bool requirements, bool events) {
  if (events) {
    std::cout << eventCatalogMarkdown();
    return 0;
  }
  auto listed = loadOrPrint([&] {
    if (requirements) {
      auto catalog = scenario::loadRequirements(c.requirements);
      std::vector<scenario::Scenario> scenarios;
      try {
        scenarios = scenario::loadSuite(scenarioPaths(c), catalog);
      } catch (const ConfigError&) {
        // Listing the catalog still works with a broken scenario; `validate` says what is wrong.
      }
      for (const auto& r : catalog) {
        std::string by;
        for (const auto& s : scenarios) {
          for (const auto& id : s.requirements) {
            if (id == r.id) by += (by.empty() ? "" : ",") + s.id;
          }
        }
        std::cout << r.id << "\t" << r.kind << "\t" << r.title << "\t"
                  << (by.empty() ? (r.planned.empty() ? std::string("(no scenario yet)")
                                                      : "(not tested: planned " + r.planned + ")")
                                 : by)
                  << "\n";
      }
    } else {
      auto catalog = scenario::loadRequirements(c.requirements);
      auto scenarios = scenario::loadSuite(scenarioPaths(c), catalog);
      for (const auto& s : scenarios) {
        std::string reqs;
        for (const auto& r : s.requirements) reqs += (reqs.empty() ? "" : ",") + r;
        std::cout << s.id << "\t" << reqs << "\t" << s.title << "\t" << s.file << "\n";
      }
    }
    return 0;
  });
  return listed ? 0 : kExitUsage;
}

int cmdCleanup() {
  std::string errors;
  auto removed = lab::cleanupDeadRuns(errors);
  for (const auto& r : removed) std::cout << "removed " << r << "\n";
  if (removed.empty() && errors.empty()) std::cout << "nothing to clean up\n";
  if (!errors.empty()) {
    std::cerr << "phonelab: cleanup: " << errors << "\n";
    return 3;
  }
  return 0;
}

}  // namespace phonelab::cli
