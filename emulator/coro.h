#pragma once
/// The emulator's coroutine helpers (Asio; for emulator/*.cc only): seconds as a timer duration, a
/// restartable task with a stop token, and a hook that answers through a callback, awaited.

#include <boost/asio/async_result.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <chrono>
#include <memory>
#include <optional>
#include <utility>

namespace phonelab::emulator {

inline std::chrono::milliseconds ms(double seconds) {
  return std::chrono::milliseconds(static_cast<long long>(seconds * 1000.0));
}

/// One coroutine at a time of one kind (a registration step, a call's timer): restart() stops the
/// running one and hands out the stop token of the next. This Asio (Boost 1.74) has no
/// per-operation cancellation, so a coroutine learns from its token that it was stopped: stop()
/// cancels the token's timer, and sleepFor() says false even when the timer's completion was
/// already queued.
class Task {
 public:
  struct Token {
    explicit Token(boost::asio::io_context& io) : timer(io) {}
    bool stopped = false;
    boost::asio::steady_timer timer;
  };
  using Ref = std::shared_ptr<Token>;

  explicit Task(boost::asio::io_context& io) : io_(io) {}
  Ref restart() {
    stop();
    current_ = std::make_shared<Token>(io_);
    return current_;
  }
  void stop() {
    if (!current_) return;
    current_->stopped = true;
    current_->timer.cancel();
    current_.reset();
  }
  bool running() const { return current_ != nullptr; }

 private:
  boost::asio::io_context& io_;
  Ref current_;
};

/// Waits `d` on the token's timer: false when the task was stopped meanwhile. Take the result
/// into a variable first: with GCC 12 a co_await inside an if or while condition crashed the
/// coroutine when it resumed.
inline boost::asio::awaitable<bool> sleepFor(Task::Ref t, std::chrono::steady_clock::duration d) {
  t->timer.expires_after(d);
  boost::system::error_code ec;
  co_await t->timer.async_wait(boost::asio::redirect_error(boost::asio::use_awaitable, ec));
  co_return !ec && !t->stopped;
}

/// Awaits a hook that answers once through a callback: `start(done)` calls the hook with `done`.
/// The answer is posted to `io` (the coroutine never runs inside the hook, even when it answers
/// at once); a hook that drops `done` unanswered frees the waiting coroutine with it. Name the
/// `start` lambda before the co_await: with GCC 12 a lambda made inside the co_await expression
/// is freed twice.
template <typename... Args, typename Start>
auto awaitCallback(boost::asio::io_context& io, Start start) {
  return boost::asio::async_initiate<const boost::asio::use_awaitable_t<>, void(Args...)>(
      [&io, start = std::move(start)](auto handler) mutable {
        using Handler = decltype(handler);
        // std::function wants a copyable callback: the handler (move-only) is shared.
        auto pending = std::make_shared<std::optional<Handler>>(std::move(handler));
        start([&io, pending](Args... args) {
          if (!*pending) return;
          boost::asio::post(io, [h = std::move(**pending), args...]() mutable {
            std::move(h)(std::move(args)...);
          });
          pending->reset();
        });
      },
      boost::asio::use_awaitable);
}

}  // namespace phonelab::emulator
