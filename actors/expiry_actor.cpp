#include "actors/expiry_actor.hpp"

#include "actors/clock.hpp"

namespace credis {

const char* expiry_state::name = "expiry";

expiry_actor::behavior_type expiry_actor_fn(expiry_actor::stateful_pointer<expiry_state> self,
                                            keyspace_actor keyspace) {
  self->state.keyspace = std::move(keyspace);
  return {
      [=](schedule_atom, unix_ms deadline) {
        auto& st = self->state;
        if (st.armed_for != no_expiry && st.armed_for <= deadline)
          return;  // the armed timer fires first; the keyspace reschedules then
        st.armed_for = deadline;
        // Redis deletes once the clock is past the deadline, so wake one ms after it.
        auto delay = std::max<unix_ms>(0, deadline + 1 - now_ms());
        self->delayed_send(self, std::chrono::milliseconds(delay), wake_atom::value, deadline);
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
