#include "storage/client_registry.hpp"

namespace credis {

void client_registry::report(const client_report& r, int64_t now_ms) {
  auto [it, added] = clients_.try_emplace(r.id);
  it->second.self = r;
  if (added)
    it->second.last_interaction_ms = now_ms;
}

}  // namespace credis
