#include "base/core/event.h"

#include <algorithm>
#include <chrono>
#include <cstdio>

#include "base/core/match.h"

namespace phonelab {

const std::string* Event::field(const std::string& name) const {
  auto it = fields.find(name);
  return it == fields.end() ? nullptr : &it->second;
}

std::string Event::describe() const {
  char at[32];
  std::snprintf(at, sizeof at, "+%.2f s", t);
  std::string out = kind + " at " + at;
  if (!summary.empty()) out += " (" + summary + ")";
  return out;
}

namespace {
double wallNow() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}
}  // namespace

EventLog::EventLog() : EventLog(Clock::now()) {}

EventLog::EventLog(Clock::time_point epoch) : epoch_(epoch) {
  // The wall clock at the epoch, so pcap timestamps (wall clock) map onto our monotonic axis.
  wall_epoch_ = wallNow() - Seconds(Clock::now() - epoch_).count();
}

double EventLog::now() const {
  return Seconds(Clock::now() - epoch_).count();
}

double EventLog::fromWallClock(double unix_seconds) const {
  return unix_seconds - wall_epoch_;
}

size_t EventLog::add(Event e) {
  if (e.t < 0) e.t = now();
  size_t index;
  {
    std::lock_guard lock(mu_);
    // The overflow events themselves are kept beyond the limit (one per resource).
    if (limit_ > 0 && events_.size() - overflows_.size() >= limit_) {
      ++dropped_;
      if (dropped_ > 1) return events_.size() - 1;
      overflows_.push_back("events");
      Event o;
      o.t = e.t;
      o.source = "harness";
      o.kind = "harness.overflow";
      o.fields = {{"what", "events"}, {"limit", std::to_string(limit_)}};
      o.summary = "the scenario's event log is full (" + std::to_string(limit_) +
                  " events): later events are dropped, the verdict is inconclusive";
      e = std::move(o);
    }
    events_.push_back(e);
    index = events_.size() - 1;
  }
  cv_.notify_all();
  std::function<void(const Event&)> sink;
  {
    std::lock_guard lock(sink_mu_);
    sink = sink_;
  }
  if (sink) sink(e);
  return index;
}

size_t EventLog::emit(std::string source, std::string kind,
                      std::map<std::string, std::string> fields, std::string summary) {
  Event e;
  e.t = -1;
  e.source = std::move(source);
  e.kind = std::move(kind);
  e.fields = std::move(fields);
  e.summary = std::move(summary);
  return add(std::move(e));
}

std::vector<Event> EventLog::snapshot() const {
  std::lock_guard lock(mu_);
  return events_;
}

size_t EventLog::size() const {
  std::lock_guard lock(mu_);
  return events_.size();
}

std::vector<Event> EventLog::matching(const EventMatcher& m, double since, double until) const {
  std::vector<Event> out;
  {
    std::lock_guard lock(mu_);
    for (const auto& e : events_) {
      if (e.t >= since && e.t <= until && m.matches(e)) out.push_back(e);
    }
  }
  // Capture events can arrive slightly out of order relative to harness events.
  std::stable_sort(out.begin(), out.end(),
                   [](const Event& a, const Event& b) { return a.t < b.t; });
  return out;
}

std::optional<Event> EventLog::waitFor(const EventMatcher& m, double since,
                                       Deadline deadline) const {
  std::unique_lock lock(mu_);
  size_t checked = 0;
  std::optional<Event> best;
  for (;;) {
    for (; checked < events_.size(); ++checked) {
      const Event& e = events_[checked];
      if (e.t >= since && m.matches(e) && (!best || e.t < best->t)) best = e;
    }
    if (best) return best;
    if (cancelled_.load() || deadline.expired()) return std::nullopt;
    cv_.wait_until(lock, deadline.when());
  }
}

bool EventLog::waitUntil(Deadline deadline) const {
  std::unique_lock lock(mu_);
  cv_.wait_until(lock, deadline.when(), [&] { return cancelled_.load() || deadline.expired(); });
  return !cancelled_.load();
}

void EventLog::cancel() {
  {
    std::lock_guard lock(mu_);
    cancelled_.store(true);
  }
  cv_.notify_all();
}

void EventLog::setLimit(size_t max_events) {
  std::lock_guard lock(mu_);
  limit_ = max_events;
}

bool EventLog::overflow(const std::string& what, const std::string& limit,
                        const std::string& summary) {
  Event o;
  o.t = now();
  o.source = "harness";
  o.kind = "harness.overflow";
  o.fields = {{"what", what}, {"limit", limit}};
  o.summary = summary;
  {
    std::lock_guard lock(mu_);
    if (std::find(overflows_.begin(), overflows_.end(), what) != overflows_.end()) return false;
    overflows_.push_back(what);
    events_.push_back(o);
  }
  cv_.notify_all();
  std::function<void(const Event&)> sink;
  {
    std::lock_guard lock(sink_mu_);
    sink = sink_;
  }
  if (sink) sink(o);
  return true;
}

std::vector<std::string> EventLog::overflows() const {
  std::lock_guard lock(mu_);
  return overflows_;
}

void EventLog::setSink(std::function<void(const Event&)> sink) {
  std::lock_guard lock(sink_mu_);
  sink_ = std::move(sink);
}

}  // namespace phonelab
