// The keyspace actor owns the databases and runs every keyspace command.
//
// It is a broker without sockets, so it runs on the middleman's thread next to the connection
// brokers: a batch goes from a connection to the keyspace and back without crossing threads,
// which measured 2-4x faster than a keyspace on the scheduler (../shared/notes).
#pragma once

#include "actors/messages.hpp"

namespace credis {

struct keyspace_state {
  keyspace_state() = default;  // not an aggregate: CAF would try to build it from self
  keyspace* ks = nullptr;
  server_state* server = nullptr;
  expiry_actor expiry;
  unix_ms scheduled_for = no_expiry;  // the deadline the expiry actor was last told about
  static const char* name;
};

using keyspace_broker = keyspace_actor::stateful_broker_pointer<keyspace_state>;

keyspace_actor::behavior_type keyspace_actor_fn(keyspace_broker self, keyspace* ks,
                                                server_state* server);

}  // namespace credis
