#include "fakes/common/server_thread.h"

#include <sys/eventfd.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <exception>
#include <utility>

#include "base/core/error.h"
#include "base/core/event.h"
#include "base/lab/privileges.h"

namespace phonelab::fakes {

ServerThread::ServerThread(std::string name, std::string thread)
    : name_(std::move(name)), thread_name_(thread.empty() ? name_ : std::move(thread)) {
  stop_fd_ = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (stop_fd_ < 0) throw Error(sysError(name_ + ": eventfd", errno));
}

ServerThread::~ServerThread() {
  stop();
  ::close(stop_fd_);
}

void ServerThread::start(EventLog& log, const std::string& source, std::function<void()> loop,
                         std::function<void()> prepare) {
  thread_ = lab::startUnprivilegedThread(
      "phl-" + thread_name_,
      [&log, source, name = name_, loop = std::move(loop)] {
        try {
          loop();
        } catch (const std::exception& e) {
          log.emit(source, "fake.error", {{"name", name}, {"error", e.what()}},
                   name + " server stopped on an internal error: " + e.what());
        }
      },
      std::move(prepare));
}

void ServerThread::stop() {
  if (!thread_.joinable()) return;
  uint64_t one = 1;
  // An eventfd always takes one increment: a failed write leaves nothing to do.
  [[maybe_unused]] ssize_t n = ::write(stop_fd_, &one, sizeof one);
  thread_.join();
}

}  // namespace phonelab::fakes
