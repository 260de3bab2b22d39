#pragma once
/// Deadlines: every wait in the harness has one.

#include <chrono>
#include <string>

namespace phonelab {

using Clock = std::chrono::steady_clock;
using Seconds = std::chrono::duration<double>;

class Deadline {
 public:
  static Deadline in(Seconds d) {
    return Deadline(Clock::now() + std::chrono::duration_cast<Clock::duration>(d));
  }
  static Deadline at(Clock::time_point t) { return Deadline(t); }
  Clock::time_point when() const { return at_; }
  bool expired() const { return Clock::now() >= at_; }
  /// Time left, never negative.
  Seconds remaining() const {
    auto r = at_ - Clock::now();
    return r.count() > 0 ? Seconds(r) : Seconds(0);
  }
  int remainingMs() const {
    return static_cast<int>(
        std::chrono::duration_cast<std::chrono::milliseconds>(remaining()).count());
  }
  /// The earlier of two deadlines.
  Deadline min(const Deadline& o) const { return at_ < o.at_ ? *this : o; }

 private:
  explicit Deadline(Clock::time_point at) : at_(at) {}
  Clock::time_point at_;
};

/// "3 s", "250 ms", "1.5 s": durations as a person reads them in messages.
std::string formatSeconds(double s);

/// Parses "3s", "250ms", "2m", "1h", "1.5s" or a bare number of seconds. Returns false on bad
/// input.
bool parseDuration(const std::string& text, double& seconds);

}  // namespace phonelab
