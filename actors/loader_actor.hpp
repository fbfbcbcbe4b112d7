// The loader actor reads the RDB file at start-up and hands the keyspace it built to the
// keyspace actor.
//
// It runs detached, on a thread of its own: parsing a large file takes seconds, and neither the
// middleman thread (every socket) nor the one scheduler worker (the expiry timer) may block.
#pragma once

#include "actors/messages.hpp"

namespace credis {

struct loader_state {
  loader_state() = default;  // not an aggregate: CAF would try to build it from self
  keyspace_actor keyspace;
  bool skip_expired = true;  // a master drops keys already expired; a replica keeps them
  int64_t link_generation = 0;  // the master link's that asked for a snapshot to be loaded
  static const char* name;
};

loader_actor::behavior_type loader_actor_fn(loader_actor::stateful_pointer<loader_state> self,
                                            keyspace_actor keyspace, bool skip_expired,
                                            int64_t link_generation);

}  // namespace credis
