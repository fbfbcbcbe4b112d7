#include "actors/expiry_actor.hpp"

#include "actors/broker_exit.hpp"
#include "actors/clock.hpp"

namespace credis {

const char* expiry_state::name = "expiry";

namespace {

// A timer further out than this wakes early and is armed again: a deadline centuries away
// must neither overflow the clock's nanoseconds nor keep a timer that never fires in time
// for an earlier deadline set later.
constexpr unix_ms longest_delay_ms = 3600 * 1000;

// Expiry cycles are at least this far apart, so that keys expiring every millisecond cost one
// wake-up per 10 ms, not one per ms (each is a timer-thread hand-off, and on a small machine
// that thread competes with the clients); due keys wait at most this long.
constexpr unix_ms min_cycle_ms = 10;

// Redis deletes once the clock is past the deadline, so the timer wakes one ms after it, but
// not before `not_before`.
unix_ms delay_until(unix_ms deadline, unix_ms now, unix_ms not_before) {
  unix_ms delay = deadline < now ? 0 : std::min(deadline - now, longest_delay_ms) + 1;
  return std::max(delay, not_before - now);
}

}  // namespace

expiry_actor::behavior_type expiry_actor_fn(expiry_broker self, keyspace_actor keyspace) {
  empty_mailbox_at_exit(self);
  self->state.keyspace = std::move(keyspace);
  return {
      [=](schedule_atom, unix_ms deadline) {
        auto& st = self->state;
        if (st.armed_for != no_expiry && st.armed_for <= deadline)
          return;  // the armed timer fires first; the keyspace reschedules then
        st.armed_for = deadline;
        auto delay = delay_until(deadline, now_ms(), st.last_wake + min_cycle_ms);
        send_self_later<expiry_actor>(self, std::chrono::milliseconds(delay), wake_atom::value,
                                      deadline);
      },
      [=](wake_atom, unix_ms deadline) {
        auto& st = self->state;
        if (deadline != st.armed_for)
          return;  // superseded by an earlier deadline, whose timer already woke the keyspace
        st.armed_for = no_expiry;
        st.last_wake = now_ms();
        self->send(st.keyspace, expire_atom::value);
      },
  };
}

}  // namespace credis
