#include "actors/purger_actor.hpp"

#include "storage/memory_usage.hpp"

namespace credis {

purger_actor::behavior_type purger_actor_fn(purger_actor::pointer) {
  return {
      [](purge_atom) { purge_allocator(); },
  };
}

}  // namespace credis
