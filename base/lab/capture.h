#pragma once
/// libpcap capture on the lab side of the segment for a whole scenario: writes capture.pcap and
/// feeds decoded frames (proto::decodeFrame) into the scenario's EventLog as source "capture".

#include <atomic>
#include <memory>
#include <string>
#include <thread>

#include "base/core/event.h"

namespace phonelab::lab {

class Capture {
 public:
  /// Opens `iface` inside `netns` (immediate mode) and starts the capture thread. Returns once the
  /// handle is open, so nothing sent afterwards is missed. Throws Error if it cannot open.
  /// The capture thread ("phl-cap") reads and decodes as nobody without capabilities
  /// (base/lab/privileges.h). capture.pcap stops growing at max_pcap_bytes (0: no limit): the
  /// frames that do not fit are still decoded into events but not written, and one harness.overflow
  /// {what: pcap} is logged.
  Capture(const std::string& netns, const std::string& iface, const std::string& pcap_path,
          EventLog& log, std::string dut_mac, uint64_t max_pcap_bytes = 0);
  /// Stops the thread, flushes and closes the pcap file.
  ~Capture();
  Capture(const Capture&) = delete;
  Capture& operator=(const Capture&) = delete;

  uint64_t packets() const { return packets_.load(); }
  /// Frames are decoded with this DUT MAC from now on (the MAC may be learnt after start).
  void setDutMac(const std::string& mac);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  std::atomic<uint64_t> packets_{0};
};

}  // namespace phonelab::lab
