#pragma once
/// ${name} variables in scenario strings. The set of names is closed and known at load time so a
/// typo is a validation error; values are per lane and filled in by the runner. The built-in
/// names are below; ${expect.NAME} are the device profile's expected outcomes (its `expect:`
/// section), checked against the profile of the lab the suite is loaded for (loader.h).
///
///   ${lab.ip}          the lab side's address on the segment (also the default gateway)
///   ${lab.mac}         the lab side's MAC on the segment (the DUT's gateway)
///   ${lab.remote_ip}   an address on the lab side outside the segment's subnet
///   ${net.prefix}      the segment's first three octets, e.g. 198.18.0
///   ${net.netmask}     255.255.255.0
///   ${net.static_ip}   a free address on the segment for a static DUT
///   ${net.pool_from} ${net.pool_to}  the DHCP pool
///   ${svc.dns} ${svc.ntp} ${svc.tftp} ${svc.http} ${svc.acs} ${svc.alt} ${svc.rogue} ${svc.sip}
///   ${svc.hostile}     the lab-side address of each fake (lab::SegmentAddressing::services)
///   ${expect.NAME}     an outcome the vendor's document leaves open, as the device profile
///                      states it (e.g. ${expect.unlisted_sip_request}); not in knownVariables()
///   ${dut.mac}         the DUT's MAC address
///   ${dut.ip}          the DUT's current address (as last observed)
///   ${dut.boot_timeout} the lab file's dut.boot_timeout in seconds; in a duration (`within`,
///                      `timeout`) it adds the longest the phone may take to boot

#include <map>
#include <string>
#include <vector>

namespace phonelab::scenario {

/// Every built-in variable name a scenario may use (the profile's expect.NAME come on top).
const std::vector<std::string>& knownVariables();

/// The prefix of the device profile's expected outcomes: ${expect.NAME}, and `when:` keys.
inline constexpr const char* kExpectPrefix = "expect.";

/// The variable a duration may add to itself: "dut.boot_timeout".
inline constexpr const char* kBootTimeoutVariable = "dut.boot_timeout";

/// Names of the ${...} references in s, in order. Sets `malformed` if a "${" is not closed.
std::vector<std::string> variablesIn(const std::string& s, bool* malformed = nullptr);

/// Expands ${name} using values; unknown names are left as written.
std::string expand(const std::string& s, const std::map<std::string, std::string>& values);

}  // namespace phonelab::scenario
