// The emulator's coroutine tasks (emulator/coro.h): a stopped task's wait reports the stop even
// when its timer had already expired (its completion queued, too late to cancel), so a coroutine
// never acts for a registration or call that has ended; and a hook's answer reaches the coroutine
// that awaits it, also when the hook answers at once.

#include "emulator/coro.h"

#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <functional>
#include <optional>
#include <string>
#include <tuple>

namespace phonelab::emulator {
namespace {

namespace asio = boost::asio;

asio::awaitable<void> sleepInto(Task::Ref t, std::optional<bool>& woke) {
  const bool waited = co_await sleepFor(t, std::chrono::seconds(-1));
  woke = waited;
}

TEST(CoroTask, AStoppedTasksExpiredTimerStillReportsTheStop) {
  asio::io_context io;
  Task task(io);
  std::optional<bool> woke;
  asio::steady_timer stopper(io);
  // The coroutine waits on a timer already due; then a timer due even earlier is armed, whose
  // handler stops the task. Both complete in the same pass of the event loop, the stopper first:
  // the coroutine's completion is already queued, so the cancel cannot reach it, only the token.
  asio::co_spawn(io, sleepInto(task.restart(), woke), asio::detached);
  asio::post(io, [&] {
    stopper.expires_after(std::chrono::seconds(-2));
    stopper.async_wait([&](const boost::system::error_code&) { task.stop(); });
  });
  io.run();
  ASSERT_TRUE(woke.has_value());
  EXPECT_FALSE(*woke) << "the coroutine woke as if its task were still running";
  EXPECT_FALSE(task.running());
}

TEST(CoroTask, ARunningTasksTimerWakesItNormally) {
  asio::io_context io;
  Task task(io);
  std::optional<bool> woke;
  asio::co_spawn(io, sleepInto(task.restart(), woke), asio::detached);
  io.run();
  ASSERT_TRUE(woke.has_value());
  EXPECT_TRUE(*woke);
  EXPECT_TRUE(task.running());
}

asio::awaitable<void> askHook(asio::io_context& io,
                              std::function<void(std::function<void(int, std::string)>)> hook,
                              std::optional<std::tuple<int, std::string>>& got) {
  auto start = [hook](auto done) { hook(done); };
  got = co_await awaitCallback<int, std::string>(io, std::move(start));
}

TEST(CoroAwaitCallback, AHookThatAnswersAtOnceResumesTheCoroutine) {
  asio::io_context io;
  std::optional<std::tuple<int, std::string>> got;
  auto hook = [](std::function<void(int, std::string)> done) { done(7, "at once"); };
  asio::co_spawn(io, askHook(io, hook, got), asio::detached);
  io.run();
  ASSERT_TRUE(got.has_value());
  EXPECT_EQ(std::get<0>(*got), 7);
  EXPECT_EQ(std::get<1>(*got), "at once");
}

TEST(CoroAwaitCallback, AHookThatAnswersLaterResumesTheCoroutine) {
  asio::io_context io;
  std::optional<std::tuple<int, std::string>> got;
  std::function<void(int, std::string)> pending;
  auto hook = [&](std::function<void(int, std::string)> done) { pending = done; };
  asio::co_spawn(io, askHook(io, hook, got), asio::detached);
  // The waiting coroutine keeps the io_context busy: run it handler by handler.
  while (!pending) io.run_one();
  EXPECT_FALSE(got.has_value());
  pending(3, "later");
  pending(4, "twice");  // a second answer goes nowhere
  while (!got) io.run_one();
  io.poll();
  EXPECT_EQ(std::get<0>(*got), 3);
  EXPECT_EQ(std::get<1>(*got), "later");
}

}  // namespace
}  // namespace phonelab::emulator
