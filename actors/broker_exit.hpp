// What every broker here does at its end that CAF 0.17 leaves out.
#pragma once

#include <caf/scheduled_actor.hpp>

namespace credis {

// CAF 0.17's brokers end without emptying their mailbox (abstract_broker::cleanup skips the
// step of scheduled_actor::cleanup that does), so two brokers that end holding messages from
// each other keep each other alive for good (seen: the manager and its master link at
// shutdown). Makes `self`'s end empty and close its mailbox as any other actor's does.
void empty_mailbox_at_exit(caf::scheduled_actor* self);

// Sends `self` a drop_atom once the event loop's current round is over, for it to close then.
// CAF loses a read registration added and removed within one round, and the scribe then
// leaks: a broker that got its socket in the round in which it is told to end (a connection
// accepted as the server shuts down, a master link started just before) must wait a round.
void drop_after_round(caf::scheduled_actor* self);

}  // namespace credis
