#pragma once
/// Events: everything the harness observes (a packet on the wire, a page fetched from the phone, a
/// process that exited) becomes one Event in the scenario's EventLog. Checks read only events.

#include <atomic>
#include <condition_variable>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "base/core/deadline.h"

namespace phonelab {

struct Event {
  /// Seconds since the scenario started (the EventLog's epoch).
  double t = 0;
  /// Who saw it: "capture", "dut", "harness", "process", "kea", ...
  std::string source;
  /// Dotted kind: "dhcp.discover", "icmp.echo-reply", "arp.reply", "dut.config", "process.exit".
  std::string kind;
  /// Decoded fields: src_mac, src_ip, dst_ip, xid, yiaddr, from ("dut" | "lab"), element names, ...
  std::map<std::string, std::string> fields;
  /// One line a lab engineer reads: "DHCPDISCOVER xid 0x1a2b from 02:00:c6:12:00:0a".
  std::string summary;

  /// The field's value, or nullptr.
  const std::string* field(const std::string& name) const;
  /// "dhcp.discover at +0.41 s (DHCPDISCOVER xid ...)"
  std::string describe() const;
};

class EventMatcher;

/// Thread-safe, append-only record of one scenario's events, with waits that have deadlines.
class EventLog {
 public:
  EventLog();
  explicit EventLog(Clock::time_point epoch);

  Clock::time_point epoch() const { return epoch_; }
  /// Seconds since the epoch, now.
  double now() const;
  /// Seconds since the epoch of a wall-clock time (for pcap timestamps).
  double fromWallClock(double unix_seconds) const;

  /// Appends an event. If e.t < 0 it is stamped with now(). Returns its index.
  size_t add(Event e);
  /// Convenience: add an event stamped now.
  size_t emit(std::string source, std::string kind, std::map<std::string, std::string> fields,
              std::string summary);

  std::vector<Event> snapshot() const;
  size_t size() const;

  /// Events matching m with since <= t <= until, in order of t.
  std::vector<Event> matching(const EventMatcher& m, double since, double until = 1e300) const;

  /// Waits for the first event matching m with t >= since. Returns nullopt at the deadline or when
  /// cancelled. Events already in the log count.
  std::optional<Event> waitFor(const EventMatcher& m, double since, Deadline deadline) const;

  /// Blocks until the deadline or cancellation; returns false if cancelled.
  bool waitUntil(Deadline deadline) const;

  /// Wakes every waiter and makes further waits return at once (Ctrl-C, scenario timeout).
  void cancel();
  bool cancelled() const { return cancelled_.load(); }

  /// Called (under no lock of ours) for every event added, e.g. to append to events.jsonl.
  void setSink(std::function<void(const Event&)> sink);

  /// At most `max_events` events are kept (0: no limit); later ones are dropped, and the first
  /// dropped one is replaced by one "harness.overflow" event {what: events, limit} (kept beyond
  /// the limit). A flooding phone cannot grow the log, events.jsonl or memory without bound.
  void setLimit(size_t max_events);
  /// Records that a resource of the scenario hit its limit (`what`: "events", "pcap", ...): one
  /// "harness.overflow" event per `what`, kept beyond the event limit. Returns false if `what`
  /// had overflowed already.
  bool overflow(const std::string& what, const std::string& limit, const std::string& summary);
  /// What overflowed so far, in order ("events", "pcap"): the evidence is incomplete.
  std::vector<std::string> overflows() const;

 private:
  Clock::time_point epoch_;
  double wall_epoch_;  // unix seconds at epoch_
  mutable std::mutex mu_;
  mutable std::condition_variable cv_;
  std::vector<Event> events_;
  size_t limit_ = 0;
  size_t dropped_ = 0;
  std::vector<std::string> overflows_;
  std::atomic<bool> cancelled_{false};
  std::function<void(const Event&)> sink_;
  std::mutex sink_mu_;
};

}  // namespace phonelab
