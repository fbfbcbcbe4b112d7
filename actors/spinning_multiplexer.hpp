// The middleman's event loop, made to poll briefly before it sleeps.
#pragma once

#include <atomic>

#include <chrono>
#include <functional>
#include <thread>
#include <vector>

#include <caf/io/abstract_broker.hpp>
#include <caf/io/network/default_multiplexer.hpp>

#include "actors/batched_send.hpp"
#include "actors/loop_timer.hpp"

namespace credis {

// The actor-system setting that holds how long to poll before sleeping, in microseconds (0: never).
constexpr const char* busy_poll_setting = "credis.busy-poll-us";
// The setting that lets a round's sends go through an io_uring (see batched_send).
constexpr const char* io_uring_setting = "credis.io-uring";

// CAF's loop, with three changes: work a broker posts to another on this thread runs before the
// next poll (exec_later), a round's replies go out together at its end (send_at_round_end), and
// on request (`credis.busy-poll-us` above 0) it polls without blocking for that long before it
// sleeps in epoll_wait, which buys latency at any CPU cost. By default it sleeps as soon as
// nothing is ready, as Redis does: a spin that finds the next request saves a wake-up, but it
// also splits what one wake-up would have handled in one round (and one send) into many, and
// measured side by side a loop that spun where that seemed to save CPU used 11-17% more of it
// than one that never spun (see README, "CPU per request").
class spinning_multiplexer : public caf::io::network::default_multiplexer {
 public:
  explicit spinning_multiplexer(caf::actor_system* sys);

  void run() override;

  // Every socket's scribe can hand its reads to the broker by a call (see direct_scribe).
  caf::io::scribe_ptr new_scribe(caf::io::network::native_socket fd) override;

  // Work for this thread's actors posted from this thread (a message from one broker to
  // another) is kept here and run before the next poll. CAF's own queue makes every such hop
  // cost an epoll_wait without timeout: three per request on top of the one that sleeps.
  void exec_later(caf::resumable* ptr) override;

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

  // How a broker's output goes out at the end of a round (see send_at_round_end).
  struct round_output {
    // The socket and the bytes to send first, or an fd of -1 when there is nothing (any more).
    batched_send::item (*front)(caf::io::abstract_broker* owner);
    // How many of those bytes the socket took.
    void (*sent)(caf::io::abstract_broker* owner, size_t n);
  };

  // Sends `owner`'s output once the round's events are handled, with one system call for
  // all the connections that have output then (Redis too writes its replies before it
  // sleeps). The owner asks once per round; `how` outlives the loop.
  void send_at_round_end(caf::io::abstract_broker* owner, const round_output& how) {
    round_sends_.push_back({caf::actor_cast<caf::strong_actor_ptr>(owner), owner, &how});
  }

  // Called before a socket's input is handled: a long round's replies go out in parts, so the
  // first do not wait for all the round's requests to run.
  void send_round_output_if_long() {
    if (round_sends_.size() >= sends_per_call)
      send_round_output();
  }

  // Sends now what waits for the end of the round: before a forked child writes into a
  // client's socket, what the client was answered before must be there.
  void send_round_output();

  // Handles the socket events and posted work at hand from inside a busy actor (a script that
  // runs long), as Redis's processEventsWhileBlocked: other clients are answered (BUSY) and may
  // kill the script. False, doing nothing, when the loop is itself inside a poll of CAF's,
  // whose event list a nested poll would overwrite.
  bool process_events_nested();

  // Delivers `msg` to `dest` (an actor of this loop) after `delay`, by a timer in this loop's
  // epoll set; false when there is no such timer. Call on this thread. (`early`: see
  // loop_timer::schedule.)
  bool send_later(const caf::strong_actor_ptr& dest, std::chrono::milliseconds delay,
                  caf::message msg, std::chrono::milliseconds early = {}) {
    if (!timer_.usable())
      return false;
    timer_.schedule(clock::now() + delay, dest, std::move(msg), early);
    return true;
  }

  // The loop `sys` runs on, when it is this kind.
  static spinning_multiplexer* of(caf::actor_system& sys);

 private:
  using clock = std::chrono::steady_clock;

  std::chrono::microseconds busy_poll_;  // 0: never spin
  std::atomic<bool> enabled_{true};
  std::vector<std::function<void()>> after_round_;
  bool in_poll_ = false;  // inside CAF's poll_once

  std::vector<caf::intrusive_ptr<caf::resumable>> posted_;

  static constexpr size_t no_item = SIZE_MAX;
  struct round_send {
    caf::strong_actor_ptr keep;
    caf::io::abstract_broker* owner;
    const round_output* how;
    size_t item = no_item;  // its index in send_items_, if it had something to send
    size_t sent = 0;
  };
  std::vector<round_send> round_sends_, spare_sends_;  // (the spare keeps its room for the next)
  std::vector<batched_send::item> send_items_;
  // A round's sends per call at most, unless they come from one connection's input. Under 64
  // clients pausing 100 µs between requests: CPU per request 8, 16, 32 or a whole round per
  // call alike (7.7 µs against 8.1 µs with a send() each), p99 +10% with a whole round.
  static constexpr size_t sends_per_call = 16;
  batched_send sender_;
  loop_timer timer_{*this};

  bool run_posted();   // false when nothing was posted
  void end_round();    // sends the round's output, and runs what after_round() left
  bool poll_round(bool block);
};

}  // namespace credis
