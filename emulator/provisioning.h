#pragma once
/// Provisioning server discovery from DHCP (the "DHCP Option To Use" order) and Profile_Rule
/// macro expansion. No networking.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/proto/dhcp.h"
#include "emulator/dhcp_info.h"

namespace phonelab::emulator {

/// The factory default of DHCP_Option_To_Use.
inline constexpr std::string_view kDefaultDhcpOptionOrder = "66,160,159,150,60,43,125";

/// Identity the macros expand to.
struct DeviceIdentity {
  std::string model;  // "CP-8832-3PCC"
  proto::dhcp::Mac mac{};
  std::string serial;  // "FCH2300ABCD"
};

/// "8832" from "CP-8832-3PCC": the first all-digit part of the model name ("" when none).
std::string productSeries(std::string_view model);
/// Expands $PSN / $(PSN), $MA / $(MA) (MAC, lower-case hex without colons), $SN / $(SN).
/// Anything else starting with '$' is kept as written.
std::string expandMacros(std::string_view text, const DeviceIdentity& id);
/// The profile file name from Profile_Rule: macros expanded, the leading '/' removed.
std::string profileName(std::string_view profile_rule, const DeviceIdentity& id);

/// Parses "66,160, 159" into codes (unknown words and numbers > 255 are reported in `bad`).
std::vector<int> parseOptionOrder(std::string_view order, std::vector<std::string>* bad = nullptr);

struct ProvisioningChoice {
  int option = 0;   // the DHCP option that gave the location
  std::string url;  // "tftp://198.18.0.4/8832.xml", "http://host/p/..."
  /// "option 66 tftp://198.18.0.4/8832.xml" (what status.xml shows as Provisioning_Source).
  std::string describe() const { return "option " + std::to_string(option) + " " + url; }
};

/// The first option of `order` present in `info` that gives a provisioning location:
/// 66 -> tftp://<server>/<profile> (or the URL itself when it has a scheme), 160 -> its URL with
/// macros expanded (no scheme means tftp), 159 -> tftp://<ip>/<profile>, 150 -> tftp://<first
/// ip>/<profile>. 60, 43 and 125 are skipped (43/125 are TR-069 ACS discovery). nullopt when
/// none applies.
/// Provisioning faults (faults.cc): realistic ways of getting the discovery wrong.
struct ProvisioningFaults {
  bool order_by_code = false;       // provisioning-order-by-code: options tried by code, ascending
  bool last_wins = false;           // provisioning-last-option-wins: every option found overwrites
  bool address_only_66 = false;     // option-66-address-only: a name in 66 is not an address
  bool scheme_160_ignored = false;  // option-160-scheme-ignored: 160 is always fetched by TFTP
};

std::optional<ProvisioningChoice> chooseProvisioning(std::string_view order, const DhcpInfo& info,
                                                     std::string_view profile,
                                                     const DeviceIdentity& id,
                                                     const ProvisioningFaults& faults = {});

/// A URL split for the phone's clients: scheme "tftp" or "http".
struct ServiceUrl {
  std::string scheme;
  std::string host;  // name or dotted address
  uint16_t port = 0;
  std::string path;  // with the leading '/' (HTTP target; TFTP file name without it)
};
/// Parses tftp://host[:port]/file and http://host[:port]/path. nullopt and `error` otherwise.
std::optional<ServiceUrl> parseServiceUrl(std::string_view url, std::string* error);

}  // namespace phonelab::emulator
