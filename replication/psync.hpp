// The master's answer to PSYNC <replid> <offset>: continue the replica's stream from the
// backlog when it asks for a history this server has (its current id, or the previous one up
// to where that ended) and the backlog still holds the bytes; otherwise a full resync.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "replication/backlog.hpp"
#include "replication/replication_id.hpp"

namespace credis {

struct psync_decision {
  bool can_continue = false;
  std::string why;  // for the log, when !can_continue: Redis's words
};

// `psync_offset` is the first byte the replica lacks (its offset + 1), as PSYNC sends it.
psync_decision decide_psync(const replication_ids& ids, const backlog* log,
                            std::string_view replid, int64_t psync_offset);

}  // namespace credis
