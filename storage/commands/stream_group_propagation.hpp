// The forms in which consumer-group reads and claims reach replicas, as Redis 7.0 sends them:
// one XCLAIM ... FORCE JUSTID per entry that became pending or changed hands (idempotent on the
// replica), XGROUP SETID when only the group's last ID moved (NOACK), and XGROUP
// CREATECONSUMER for a consumer that reading created without a PEL entry.
#pragma once

#include <string_view>

#include "storage/commands/command.hpp"
#include "storage/stream.hpp"

namespace credis {

// XCLAIM key group consumer 0 id TIME ms RETRYCOUNT n FORCE JUSTID LASTID group-last-id
void propagate_claim(exec_context& ctx, std::string_view key, std::string_view group,
                     const stream_group& g, stream_id id, const pending_entry& pe);
// XGROUP SETID key group last-id ENTRIESREAD n
void propagate_group_last_id(exec_context& ctx, std::string_view key, std::string_view group,
                             const stream_group& g);
// XGROUP CREATECONSUMER key group consumer
void propagate_consumer_creation(exec_context& ctx, std::string_view key, std::string_view group,
                                 std::string_view consumer);

}  // namespace credis
