#include "actors/expiry_actor.hpp"

#include "actors/clock.hpp"

namespace credis {

const char* expiry_state::name = "expiry";

namespace {

// A timer further out than this wakes early and is armed again: a deadline centuries away
// must neither overflow the clock's nanoseconds nor keep a timer that never fires in time
// for an earlier deadline set later.
constexpr unix_ms longest_delay_ms = 3600 * 1000;

// Redis deletes once the clock is past the deadline, so the timer wakes one ms after it.
unix_ms delay_until(unix_ms deadline, unix_ms now) {
  if (deadline < now)
    return 0;
  return std::min(deadline - now, longest_delay_ms) + 1;
}

}  // namespace

expiry_actor::behavior_type expiry_actor_fn(expiry_broker self, keyspace_actor keyspace) {
  self->state.keyspace = std::move(keyspace);
  return {
      [=](schedule_atom, unix_ms deadline) {
        auto& st = self->state;
        if (st.armed_for != no_expiry && st.armed_for <= deadline)
          return;  // the armed timer fires first; the keyspace reschedules then
        st.armed_for = deadline;
        self->delayed_send(self, std::chrono::milliseconds(delay_until(deadline, now_ms())),
                           wake_atom::value, deadline);
      },
      [=](wake_atom, unix_ms deadline) {
        auto& st = self->state;
        if (deadline != st.armed_for)
          return;  // superseded by an earlier deadline, whose timer already woke the keyspace
        st.armed_for = no_expiry;
        self->send(st.keyspace, expire_atom::value);
      },
  };
}

}  // namespace credis
