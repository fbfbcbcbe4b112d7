// Delayed messages to the actors of the middleman's loop, fired by a timer in the loop's own
// epoll set. CAF's clock thread wakes twice for each delayed message (to take it in, then to
// fire it) and hands it to the loop through its pipe: an idle server woke 33 times a second
// on that thread for the keyspace's 10 Hz cron and the 1 Hz ones, on top of the loop's 11.
#pragma once

#include <chrono>
#include <cstdint>
#include <vector>

#include <caf/actor_control_block.hpp>
#include <caf/io/network/event_handler.hpp>
#include <caf/message.hpp>
#include <caf/weak_intrusive_ptr.hpp>

namespace credis {

class loop_timer : public caf::io::network::event_handler {
 public:
  using clock = std::chrono::steady_clock;

  explicit loop_timer(caf::io::network::default_multiplexer& loop);

  // False when the kernel gave no timerfd: the caller falls back to CAF's clock.
  bool usable() const { return fd_ >= 0; }

  // Whether the timer's fd is in the loop's epoll set now (the loop counts it apart from sockets).
  bool in_loop() const { return eventbf() != 0; }

  // Delivers `msg` to `dest` anonymously at `when`, unless `dest` is gone by then. Deadlines
  // that are equal fire in the order they were given. One allowed to come up to `early` before
  // `when` does so when the timer wakes for another: a periodic job rides on the wake-ups of the
  // 10 Hz cron, as Redis runs its 1 s jobs inside its cron. Call on the loop's thread only.
  void schedule(clock::time_point when, const caf::strong_actor_ptr& dest, caf::message msg,
                clock::duration early = {});

  // Sets the timer for the earliest deadline, if it is not set for it yet. The loop calls it
  // before each poll (the only place that sets it: what a round schedules is set once).
  void arm_next();

  // Forgets every timer (the loop has ended: their actors are gone).
  void drop_all() {
    heap_.clear();
    flexible_.clear();
  }

  void handle_event(caf::io::network::operation op) override;
  void removed_from_loop(caf::io::network::operation) override {}
  void graceful_shutdown() override {}

 private:
  struct entry {
    clock::time_point when;
    uint64_t order;
    clock::time_point earliest;  // when it may come with another's wake-up
    // Weak: a timer must not keep its actor alive (a strong one in the actor's own mailbox at
    // shutdown is a cycle never freed).
    caf::weak_actor_ptr dest;
    caf::message msg;
  };
  // The heap's order: the earliest deadline on top, then the one given first.
  static bool later(const entry& a, const entry& b) {
    return a.when != b.when ? a.when > b.when : a.order > b.order;
  }

  void arm(clock::time_point when);

  std::vector<entry> heap_;
  std::vector<entry> flexible_;  // those allowed to come early: a few periodic jobs, unordered
  uint64_t next_order_ = 0;
  clock::time_point armed_for_ = clock::time_point::max();
  bool added_ = false;
};

// Sends `msg` to `dest` after `delay` through the loop's timer, when called on the thread of the
// middleman's loop; false (nothing sent) elsewhere, or when the loop has no timer.
bool send_later_on_loop(caf::actor_system& sys, const caf::strong_actor_ptr& dest,
                        std::chrono::milliseconds delay, caf::message msg,
                        std::chrono::milliseconds early = {});

}  // namespace credis
