#include "actors/broker_exit.hpp"

#include <caf/detail/sync_request_bouncer.hpp>

#include "actors/messages.hpp"
#include "actors/spinning_multiplexer.hpp"

namespace credis {

void empty_mailbox_at_exit(caf::scheduled_actor* self) {
  // Runs within self's cleanup, while self is alive.
  self->attach_functor([self](const caf::error& reason) {
    auto& mailbox = self->mailbox();
    if (mailbox.closed())
      return;
    mailbox.close();
    self->get_normal_queue().flush_cache();
    self->get_urgent_queue().flush_cache();
    caf::detail::sync_request_bouncer bounce{reason};
    while (mailbox.queue().new_round(1000, bounce).consumed_items) {
    }
  });
}

void drop_after_round(caf::scheduled_actor* self) {
  auto handle = caf::actor_cast<caf::actor>(self);
  if (auto* loop = spinning_multiplexer::of(self->system()))
    loop->after_round([handle] { caf::anon_send(handle, drop_atom::value); });
  else
    caf::anon_send(handle, drop_atom::value);
}

}  // namespace credis
