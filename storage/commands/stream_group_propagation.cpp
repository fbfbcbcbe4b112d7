#include "storage/commands/stream_group_propagation.hpp"

#include <string>

#include "storage/commands/propagate.hpp"

namespace credis {

void propagate_claim(exec_context& ctx, std::string_view key, std::string_view group,
                     const stream_group& g, stream_id id, const pending_entry& pe) {
  const std::string id_text = id.str(), time = std::to_string(pe.delivery_time),
                    retries = std::to_string(pe.delivery_count), last = g.last_id.str();
  std::string_view consumer = pe.consumer ? std::string_view(pe.consumer->name) : "";
  propagate(ctx, {"XCLAIM", key, group, consumer, "0", id_text, "TIME", time, "RETRYCOUNT",
                  retries, "FORCE", "JUSTID", "LASTID", last});
}

void propagate_group_last_id(exec_context& ctx, std::string_view key, std::string_view group,
                             const stream_group& g) {
  const std::string last = g.last_id.str(), read = std::to_string(g.entries_read);
  propagate(ctx, {"XGROUP", "SETID", key, group, last, "ENTRIESREAD", read});
}

void propagate_consumer_creation(exec_context& ctx, std::string_view key, std::string_view group,
                                 std::string_view consumer) {
  propagate(ctx, {"XGROUP", "CREATECONSUMER", key, group, consumer});
}

}  // namespace credis
