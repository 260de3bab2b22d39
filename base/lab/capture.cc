#include "base/lab/capture.h"

#include <pcap/pcap.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <mutex>
#include <optional>

#include "base/core/error.h"
#include "base/core/safe_fs.h"
#include "base/lab/netns.h"
#include "base/lab/privileges.h"
#include "base/proto/packet.h"

namespace phonelab::lab {
namespace {
constexpr int kBufferBytes = 32 << 20;
}  // namespace

struct Capture::Impl {
  EventLog* log = nullptr;
  std::atomic<uint64_t>* packets = nullptr;
  std::string iface;
  pcap_t* pcap = nullptr;
  pcap_dumper_t* dumper = nullptr;
  int pcap_fd = -1;
  int wake_fd = -1;
  std::mutex mac_mu;
  std::string dut_mac;
  std::thread thread;
  uint64_t max_bytes = 0;  // 0: no limit
  uint64_t written = 24;   // the file header
  bool full = false;

  ~Impl() {
    if (dumper) {
      pcap_dump_flush(dumper);
      pcap_dump_close(dumper);
    }
    if (pcap) pcap_close(pcap);
    if (wake_fd >= 0) ::close(wake_fd);
  }

  static void onPacket(u_char* user, const pcap_pkthdr* h, const u_char* bytes) {
    auto* self = reinterpret_cast<Impl*>(user);
    // A record is a 16-byte header and the captured bytes; the file stops growing at the limit.
    const uint64_t record = 16 + uint64_t{h->caplen};
    if (self->max_bytes == 0 || self->written + record <= self->max_bytes) {
      pcap_dump(reinterpret_cast<u_char*>(self->dumper), h, bytes);
      self->written += record;
    } else if (!self->full) {
      self->full = true;
      self->log->overflow("pcap", std::to_string(self->max_bytes),
                          "capture.pcap reached its limit of " + std::to_string(self->max_bytes) +
                              " bytes: later frames are not written, the verdict is inconclusive");
    }
    const uint64_t frame = ++*self->packets;
    std::string mac;
    {
      std::lock_guard lock(self->mac_mu);
      mac = self->dut_mac;
    }
    auto e = proto::decodeFrame(std::span<const uint8_t>(bytes, h->caplen), mac);
    if (!e) return;
    e->source = "capture";
    e->t = self->log->fromWallClock(static_cast<double>(h->ts.tv_sec) +
                                    static_cast<double>(h->ts.tv_usec) / 1e6);
    // The frame's number in capture.pcap (1-based, as Wireshark counts).
    e->fields["frame"] = std::to_string(frame);
    if (h->caplen < h->len) e->fields["truncated"] = std::to_string(h->len);
    self->log->add(std::move(*e));
  }

  /// Reads what is pending. Returns false on a capture error (reported as an event).
  bool dispatch() {
    int n = pcap_dispatch(pcap, -1, &Impl::onPacket, reinterpret_cast<u_char*>(this));
    if (n < 0) {
      std::string why = n == PCAP_ERROR ? pcap_geterr(pcap) : "stopped";
      log->emit("capture", "capture.error", {{"iface", iface}, {"reason", why}},
                "capture on " + iface + " failed: " + why);
      return false;
    }
    if (n > 0) pcap_dump_flush(dumper);  // a killed run still leaves a readable file
    return true;
  }

  void run() {
    for (;;) {
      pollfd fds[2] = {{pcap_fd, POLLIN, 0}, {wake_fd, POLLIN, 0}};
      int n = ::poll(fds, 2, 1000);
      if (n < 0) {
        if (errno == EINTR) continue;
        break;
      }
      if (fds[1].revents != 0) break;
      if (fds[0].revents & (POLLHUP | POLLNVAL)) {
        dispatch();  // collect what is left; reports the error
        break;
      }
      if (!dispatch()) break;
      if (fds[0].revents & POLLERR) {
        // A socket error libpcap has read and cleared: ENETDOWN when the interface is taken down
        // (a planned bench run takes its NIC down for the phone to see its link go). The capture
        // goes on when it is up again; a short pause keeps a repeated error from spinning.
        pollfd wake = {wake_fd, POLLIN, 0};
        if (::poll(&wake, 1, 50) > 0) break;
      }
    }
    dispatch();  // anything that arrived before the stop request
    pcap_dump_flush(dumper);
  }
};

Capture::Capture(const std::string& netns, const std::string& iface, const std::string& pcap_path,
                 EventLog& log, std::string dut_mac, uint64_t max_pcap_bytes)
    : impl_(std::make_unique<Impl>()) {
  Impl& im = *impl_;
  im.log = &log;
  im.packets = &packets_;
  im.iface = iface;
  im.dut_mac = std::move(dut_mac);
  im.max_bytes = max_pcap_bytes;
  char err[PCAP_ERRBUF_SIZE] = {0};
  const std::string where = iface + (netns.empty() ? "" : " in " + netns);
  {
    // The capture socket is created in the lab namespace and stays there once we switch back.
    std::optional<NetnsScope> scope;
    if (!netns.empty()) scope.emplace(netns);
    im.pcap = pcap_create(iface.c_str(), err);
    if (!im.pcap) throw Error("cannot capture on " + where + ": " + err);
    pcap_set_snaplen(im.pcap, 65535);
    pcap_set_promisc(im.pcap, 1);
    pcap_set_immediate_mode(im.pcap, 1);
    // In immediate mode the kernel ring holds frames of snaplen each: the default 2 MiB is ~30
    // frames, and a burst (an ARP sweep, the SIP robustness campaign) overflowed it.
    pcap_set_buffer_size(im.pcap, kBufferBytes);
    int rc = pcap_activate(im.pcap);
    if (rc < 0) {
      std::string why = pcap_statustostr(rc);
      if (rc == PCAP_ERROR || rc == PCAP_ERROR_NO_SUCH_DEVICE || rc == PCAP_ERROR_PERM_DENIED)
        why += std::string(": ") + pcap_geterr(im.pcap);
      throw Error("cannot capture on " + where + ": " + why);
    }
  }
  if (pcap_datalink(im.pcap) != DLT_EN10MB)
    throw Error("cannot capture on " + where + ": not an Ethernet interface");
  if (pcap_setnonblock(im.pcap, 1, err) != 0)
    throw Error("cannot capture on " + where + ": " + err);
  im.pcap_fd = pcap_get_selectable_fd(im.pcap);
  if (im.pcap_fd < 0) throw Error("cannot capture on " + where + ": no selectable fd");
  // 0600 and never through a link: the capture holds the credentials the phone and the lab
  // exchange (`phonelab report --share` writes a masked copy).
  FILE* out = ::fdopen(createFileNoFollow(pcap_path, 0600), "wb");
  if (!out) throw Error(sysError("cannot write " + pcap_path, errno));
  im.dumper = pcap_dump_fopen(im.pcap, out);
  if (!im.dumper) {
    (void)std::fclose(out);  // read-only use so far: nothing to lose
    throw Error("cannot write " + pcap_path + ": " + pcap_geterr(im.pcap));
  }
  pcap_dump_flush(im.dumper);  // the file header, even if nothing is ever captured
  im.wake_fd = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (im.wake_fd < 0) throw Error(sysError("eventfd", errno));
  // The capture is active and capture.pcap open: the thread that decodes the phone's frames runs
  // as nobody.
  im.thread = startUnprivilegedThread("phl-cap", [&im] { im.run(); });
}

Capture::~Capture() {
  if (!impl_) return;
  if (impl_->thread.joinable()) {
    uint64_t one = 1;
    ssize_t n = ::write(impl_->wake_fd, &one, sizeof one);
    (void)n;
    impl_->thread.join();
  }
  // What the kernel could not hand over is said, not hidden: the evidence has a gap.
  pcap_stat st{};
  if (impl_->pcap && pcap_stats(impl_->pcap, &st) == 0) {
    impl_->log->emit("capture", "capture.stats",
                     {{"received", std::to_string(st.ps_recv)},
                      {"dropped", std::to_string(st.ps_drop)},
                      {"if_dropped", std::to_string(st.ps_ifdrop)}},
                     st.ps_drop == 0
                         ? "capture on " + impl_->iface + ": " + std::to_string(st.ps_recv) +
                               " frames, none dropped"
                         : "capture on " + impl_->iface + ": " + std::to_string(st.ps_drop) +
                               " frames DROPPED by the kernel (the pcap has gaps)");
  }
}

void Capture::setDutMac(const std::string& mac) {
  std::lock_guard lock(impl_->mac_mu);
  impl_->dut_mac = mac;
}

}  // namespace phonelab::lab
