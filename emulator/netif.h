#pragma once
/// The emulator's own network interface, configured with ioctl(2) (no ip(8)).
/// Every function throws phonelab::Error with the system's reason on failure.

#include <string>
#include <vector>

#include "base/proto/dhcp.h"

namespace phonelab::emulator {

using proto::dhcp::Ip4;
using proto::dhcp::Mac;

class NetIf {
 public:
  explicit NetIf(std::string name);
  const std::string& name() const { return name_; }
  int index() const;

  void setUp(bool up);
  /// The link as the PHY reports it: up (IFF_UP) and with carrier (IFF_RUNNING). Never throws.
  bool hasCarrier() const noexcept;
  /// Link down, set the hardware address, link up.
  void setMac(const Mac& mac);
  Mac mac() const;

  /// Assigns addr/mask (replacing the primary address) and the broadcast address.
  void setAddress(const Ip4& addr, const Ip4& mask);
  /// Adds a default route via gw (replacing an existing default route).
  void setDefaultRoute(const Ip4& gw);
  /// Deletes the default route via this interface, if any. Never throws.
  void deleteDefaultRoute() noexcept;
  /// Removes every IPv4 address of the interface. Never throws.
  void flushAddresses() noexcept;

  /// Sends one complete Ethernet frame out of the interface (AF_PACKET). Throws on failure.
  void sendFrame(const std::vector<uint8_t>& frame) const;

  /// Brings `lo` up.
  static void loopbackUp();

 private:
  void ioctlOrThrow(unsigned long req, void* arg, const char* what) const;
  std::string name_;
};

/// Prefix length of a netmask, or -1 when not contiguous.
int prefixLength(const Ip4& mask);

}  // namespace phonelab::emulator
