// The purger gives the allocator's free pages back to the system when the keyspace asks (a
// client that left after a burst of traffic).
//
// It runs detached, on a thread of its own: the pages go back one madvise per free extent, and
// a burst can leave dozens of them scattered (20-40 µs each here), which the event loop's
// thread must not wait for. jemalloc's own decay, on its background thread, does the same work
// over ten seconds.
#pragma once

#include "actors/messages.hpp"

namespace credis {

purger_actor::behavior_type purger_actor_fn(purger_actor::pointer self);

}  // namespace credis
