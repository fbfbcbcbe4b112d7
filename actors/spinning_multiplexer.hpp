// The middleman's event loop, made to poll briefly before it sleeps.
#pragma once

#include <atomic>

#include <chrono>
#include <functional>
#include <vector>

#include <caf/io/network/default_multiplexer.hpp>

namespace credis {

// The actor-system setting that holds how long to poll, in microseconds (0: never).
constexpr const char* busy_poll_setting = "credis.busy-poll-us";

// CAF's loop sleeps in epoll_wait as soon as nothing is ready. Under load the next request
// often arrives microseconds later, and waking a sleeping thread is paid by the client's send
// (a scheduler wake-up; on a VM an inter-processor interrupt) and by the reply's latency.
// Polling without blocking for a short while first keeps the thread awake between close
// requests; an idle server sleeps.
class spinning_multiplexer : public caf::io::network::default_multiplexer {
 public:
  explicit spinning_multiplexer(caf::actor_system* sys);

  void run() override;

  // Polls (when configured) only while this is on. A replica turns it off: its master's stream
  // arrives so often that it would spin all the time, taking a core from the master and the
  // clients on the same host (measured: -c 50 SET on a master with two spinning replicas 0.7
  // of Redis's, with them sleeping 1.05). Called on the multiplexer's own thread.
  void enable_busy_poll(bool on) { enabled_.store(on, std::memory_order_relaxed); }

  // Runs `fn` on this thread once the socket events and messages at hand are handled, and
  // applies the socket registrations it changes at once. CAF applies a halt() or trigger() at
  // the end of a round, and one undone within the same round is lost half-way: the stream stays
  // unregistered but holds its scribe, so the connection never reads again and leaks.
  void after_round(std::function<void()> fn) { after_round_.push_back(std::move(fn)); }

  // The loop `sys` runs on, when it is this kind.
  static spinning_multiplexer* of(caf::actor_system& sys);

 private:
  std::chrono::microseconds busy_poll_;
  std::atomic<bool> enabled_{true};
  std::vector<std::function<void()>> after_round_;

  bool poll_round(bool block);
};

}  // namespace credis
