#pragma once
/// What a DHCPACK tells the phone, decoded option by option from the raw bytes. Each decoder is
/// strict about its data and returns an error instead of a value for malformed data: the client
/// then ignores that option (and logs why), it never guesses.

#include <cstdint>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/proto/dhcp.h"

namespace phonelab::emulator {

using proto::dhcp::Ip4;

/// A decoded value or why the data was refused.
template <class T>
struct Decoded {
  std::optional<T> value;
  std::string error;        // "" when value is set
  bool bad_length = false;  // the error is about the option's length
  explicit operator bool() const { return value.has_value(); }
};

// ---- one decoder per option type (exposed for tests) ----

/// Exactly one address (options 1, 54, 159).
Decoded<Ip4> decodeIp4(std::span<const uint8_t> d);
/// A subnet mask: one address whose bits are contiguous (option 1).
Decoded<Ip4> decodeNetmask(std::span<const uint8_t> d);
/// One or more addresses (options 3, 6, 42, 150): a non-empty multiple of 4 bytes.
Decoded<std::vector<Ip4>> decodeIp4List(std::span<const uint8_t> d);
/// Signed 32-bit seconds, at most one day either way (option 2).
Decoded<int32_t> decodeTimeOffset(std::span<const uint8_t> d);
/// Unsigned 32-bit (options 51, 58, 59).
Decoded<uint32_t> decodeU32(std::span<const uint8_t> d);
/// Printable ASCII text, trailing NULs dropped (some servers add one), not empty (option 160).
Decoded<std::string> decodeText(std::span<const uint8_t> d);
/// A host name or dotted address (options 15, 66): text made of labels [A-Za-z0-9_-], <= 253.
Decoded<std::string> decodeHostName(std::span<const uint8_t> d);
/// Option 43 for TR-069 (TR-106): sub-option TLVs with the ACS URL in sub-option 1; data that
/// does not parse as TLVs is taken as the URL itself when it is printable text.
/// `first_suboption` (fault option-43-first-suboption): the first sub-option is taken as the URL,
/// whatever its code.
Decoded<std::string> decodeAcs43(std::span<const uint8_t> d, bool first_suboption = false);
/// Option 125 (RFC 3925): {enterprise u32, length u8, sub-options} blocks; the ACS URL is
/// sub-option 11 of enterprise 3561 (Broadband Forum, TR-111).
/// `any_enterprise` (fault option-125-any-enterprise): sub-option 11 of the first block is taken,
/// whatever its enterprise number.
Decoded<std::string> decodeAcs125(std::span<const uint8_t> d, bool any_enterprise = false);

/// True for a host name or dotted address as decodeHostName accepts it.
bool isHostName(std::string_view s);

/// Everything the phone uses from a DHCPACK. Absent or ignored options stay empty.
struct DhcpInfo {
  std::optional<Ip4> netmask;             // 1
  std::optional<int32_t> time_offset;     // 2
  std::optional<Ip4> router;              // 3 (the first)
  std::vector<Ip4> dns;                   // 6
  std::string domain;                     // 15
  std::vector<Ip4> ntp;                   // 42
  std::string acs_url_43;                 // 43
  std::optional<uint32_t> lease, t1, t2;  // 51, 58, 59
  std::string tftp_server_66;             // 66
  std::string acs_url_125;                // 125
  std::vector<Ip4> tftp_150;              // 150
  std::optional<Ip4> prov_ip_159;         // 159
  std::string prov_url_160;               // 160

  struct Problem {
    uint8_t code = 0;
    std::string why;
    bool bad_length = false;
  };
  /// Options present but refused, in wire order.
  std::vector<Problem> problems;
  /// Options present but deliberately ignored (faults ignore-option-N).
  std::vector<uint8_t> ignored;
  /// What a decoder fault (DecodeFaults) did, for the log: "option-150-last-address: ...".
  std::vector<std::string> fault_notes;
};

/// Decoder faults (faults.cc): realistic ways of misreading the provisioning and TR-069 options.
struct DecodeFaults {
  bool acs43_first_suboption = false;  // option-43-first-suboption
  bool acs125_any_enterprise = false;  // option-125-any-enterprise
  bool tftp150_last = false;           // option-150-last-address: each address overwrites one
  bool ip159_byte_order = false;       // option-159-byte-order: read as a host-order integer
  bool router_last = false;            // router-last-address: each router overwrites one
  bool ntp_last = false;               // ntp-last-server: each NTP server overwrites one
};

/// Decodes every supported option of `m`; codes in `ignore` are treated as absent.
/// `faults`: the decoder faults in force (none by default).
DhcpInfo decodeDhcpInfo(const proto::dhcp::Message& m, const std::set<uint8_t>& ignore = {},
                        const DecodeFaults& faults = {});

/// "option 6: length 5 is not a multiple of 4"
std::string describe(const DhcpInfo::Problem& p);

}  // namespace phonelab::emulator
