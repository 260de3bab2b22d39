#pragma once
/// The phone's DHCP option table as data (after Kea's std_option_defs.h): one row per option the
/// vendor documents, shared by the Kea config writer, the rogue server, the emulator's DHCP client
/// and the checks. Scenario YAML names options by code or by `name` from this table.

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace phonelab::proto::dhcp {

enum class OptionType {
  Ipv4,      // one address
  Ipv4List,  // one or more addresses
  U16,       // unsigned 16-bit (maximum message size)
  U32,       // unsigned 32-bit (lease time, T1, T2)
  I32,       // signed 32-bit (time offset)
  String,    // text (domain name, TFTP server name, URL, vendor class)
  Binary,    // raw bytes, written as hex "01:02:ab" or "0102ab"
  U8List,    // list of codes (parameter request list)
};

/// How Kea 2.2 carries the option.
enum class KeaCarriage {
  Native,     // Kea knows it by name: option-data {name}
  OptionDef,  // needs an option-def first (150 ipv4-address array, 160 string)
  RawHex,  // option-data {code, csv-format false, data} (159: exactly 4 bytes; 43 redefined binary)
  Subnet,  // not option-data: derived from the subnet (1) or the lease timers (51, 58, 59)
  Client,  // sent by clients only (50, 55, 57, 60 from the phone, 61): never configured in Kea
};

struct OptionDef {
  uint8_t code = 0;
  std::string_view name;  // our name, also Kea's where native: "domain-name-servers"
  OptionType type = OptionType::Binary;
  KeaCarriage kea = KeaCarriage::Native;
  std::string_view kea_type;  // for OptionDef carriage: "ipv4-address", "string", "binary"
  bool kea_array = false;
  std::string_view space;  // encapsulated sub-option space ("vendor-encapsulated-options"), or ""
  std::string_view requirement;  // catalog id that tests it: "DHCP-OPT-6"
  std::string_view description;  // from the vendor's table, in our words
};

/// Every row: 1, 2, 3, 6, 12, 15, 41, 42, 43, 50, 51, 53, 54, 55, 57, 58, 59, 60, 61, 66, 125, 150,
/// 159, 160 (the vendor's table plus what a client and server need to talk).
const std::vector<OptionDef>& optionTable();
const OptionDef* findOption(uint8_t code);
const OptionDef* findOption(std::string_view name_or_code);

/// Encodes a value written as text ("198.18.0.2", "198.18.0.2, 198.18.0.3", "3600", "-3600",
/// "tftp.lab.example", "01:02:ab") for the option's type. Binary options also take sub-options:
/// "1=http://198.18.0.6:7547/acs;2=x" (43), and for 125 an enterprise number first:
/// "3561:11=http://198.18.0.6:7547/acs". nullopt and `error` on a bad value.
std::optional<std::vector<uint8_t>> encodeOptionValue(const OptionDef& def, std::string_view text,
                                                      std::string& error);
/// The option's value as text, for events and messages. Malformed data (a length that is not a
/// multiple of 4 for addresses, ...) yields "malformed: <hex>".
std::string formatOptionValue(const OptionDef* def, std::span<const uint8_t> data);

}  // namespace phonelab::proto::dhcp
