#include "actors/purger_actor.hpp"

#include "storage/memory_usage.hpp"

namespace credis {

const char* purger_state::name = "purger";

purger_actor::behavior_type purger_actor_fn(purger_actor::stateful_pointer<purger_state> self,
                                            std::chrono::milliseconds min_interval) {
  return {
      [=](purge_atom) {
        auto& st = self->state;
        const auto now = std::chrono::steady_clock::now();
        const auto next = st.last_purge + min_interval;
        if (now >= next) {
          st.last_purge = now;
          st.purge_due = false;
          purge_allocator();
        } else if (!st.purge_due) {
          st.purge_due = true;
          send_self_later<purger_actor>(
              self, std::chrono::ceil<std::chrono::milliseconds>(next - now), purge_atom::value);
        }
      },
  };
}

}  // namespace credis
