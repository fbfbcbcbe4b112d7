// The expiry actor schedules the keyspace's delayed deletes.
//
// It keeps a single timer armed for the earliest deadline it has been told about, instead of
// one timer per key (a million keys with a TTL must not mean a million timers). CAF cannot
// cancel a delayed message, so a wake-up checks that it is still the one that matters.
//
// Like the keyspace it is a broker without sockets, so it runs on the middleman's thread: a
// scheduled actor put two thread hand-offs into every expiry cycle, and CAF's idle worker
// polls between jobs, which cost clients throughput while a million keys expired.
#pragma once

#include "actors/messages.hpp"

namespace credis {

struct expiry_state {
  expiry_state() = default;  // not an aggregate: CAF would try to build it from self
  keyspace_actor keyspace;
  unix_ms armed_for = no_expiry;  // the deadline the pending timer fires for
  unix_ms last_wake = 0;          // when the keyspace was last told to expire keys
  static const char* name;
};

using expiry_broker = expiry_actor::stateful_broker_pointer<expiry_state>;

expiry_actor::behavior_type expiry_actor_fn(expiry_broker self, keyspace_actor keyspace);

}  // namespace credis
