// The purger gives the allocator's free pages back to the system when the keyspace asks (a
// client that left after a burst of traffic), at most once per interval.
//
// It runs detached, on a thread of its own: the pages go back one madvise per free extent, and
// a burst can leave dozens of them scattered (20-40 µs each here), which the event loop's
// thread must not wait for. jemalloc's own decay, on its background thread, does the same work
// over ten seconds.
#pragma once

#include <chrono>

#include "actors/messages.hpp"

namespace credis {

struct purger_state {
  purger_state() = default;  // not an aggregate: CAF would try to build it from self
  std::chrono::steady_clock::time_point last_purge;
  bool purge_due = false;  // asked again within the interval: a purge is scheduled
  static const char* name;
};

purger_actor::behavior_type purger_actor_fn(purger_actor::stateful_pointer<purger_state> self,
                                            std::chrono::milliseconds min_interval);

}  // namespace credis
