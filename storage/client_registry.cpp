#include "storage/client_registry.hpp"

namespace credis {

void client_registry::report(const client_report& r, int64_t now_ms) {
  auto [it, added] = clients_.try_emplace(r.id);
  it->second.self = r;
  if (r.ran_here != SIZE_MAX)
    it->second.last_command = r.ran_here;
  if (added)
    it->second.last_interaction_ms = now_ms;
}

client_buffer_totals client_registry::buffers() const {
  client_buffer_totals t;
  for (const auto& [id, c] : clients_) {
    t.largest_query = std::max(t.largest_query, c.query_buffer);
    t.largest_output = std::max(t.largest_output, c.output_buffer);
    (c.self.replica ? t.replicas : t.normal) += c.query_buffer + c.output_buffer;
    ++(c.self.replica ? t.replica_clients : t.normal_clients);
  }
  return t;
}

}  // namespace credis
