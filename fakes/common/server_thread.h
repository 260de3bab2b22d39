#pragma once
/// The thread of an in-process fake that serves from a poll loop (DNS, NTP, TFTP, the rogue DHCP
/// server): an eventfd that wakes the loop to stop, the loop run as nobody once the sockets are
/// bound (lab::startUnprivilegedThread), and an exception out of the loop reported as a
/// fake.error event instead of ending the harness.

#include <functional>
#include <string>
#include <thread>

namespace phonelab {
class EventLog;
}

namespace phonelab::fakes {

class ServerThread {
 public:
  /// Opens the stop eventfd. `name` (dns, ntp, tftp, ...) names the fake in its fake.error event
  /// and the thread phl-<thread> (phl-<name> when `thread` is empty; at most 11 characters).
  /// Throws Error "<name>: eventfd: reason".
  explicit ServerThread(std::string name, std::string thread = "");
  ~ServerThread();
  ServerThread(const ServerThread&) = delete;
  ServerThread& operator=(const ServerThread&) = delete;

  /// The descriptor the loop polls for POLLIN: readable once stop() is called.
  int stopFd() const { return stop_fd_; }

  /// Runs `prepare` (still privileged; may be empty), drops to nobody, then runs `loop`; an
  /// exception out of `loop` becomes a fake.error event from `source` in `log`. Returns once the
  /// thread has dropped its privileges (see lab::startUnprivilegedThread).
  void start(EventLog& log, const std::string& source, std::function<void()> loop,
             std::function<void()> prepare = {});

  /// Wakes the loop and waits for the thread to end (again: nothing).
  void stop();

 private:
  std::string name_, thread_name_;
  int stop_fd_ = -1;
  std::thread thread_;
};

}  // namespace phonelab::fakes
