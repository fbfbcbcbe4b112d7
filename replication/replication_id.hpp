// Replication ids: the name of a history of writes. A server's data belongs to its current
// id up to its offset, and (after a promotion or a restart) to a previous id up to the offset
// where that history ended, so that replicas of either can continue with PSYNC (Redis's PSYNC2).
#pragma once

#include <cstdint>
#include <string>

namespace credis {

struct replication_ids {
  std::string replid;                          // 40 hex chars
  std::string replid2 = std::string(40, '0');  // the previous history, if any
  int64_t second_offset = -1;                  // replid2 is valid up to this offset (inclusive)

  // A new history begins at `offset` and the current one stays valid up to it (Redis's
  // shiftReplicationId): a promoted replica, whose siblings may continue from it.
  void shift(int64_t offset);
  // A new history with no past (Redis's changeReplicationId + clearReplicationId2).
  void restart();
};

// A fresh random replication id: 40 lower-case hex characters, like Redis's.
std::string make_replication_id();

}  // namespace credis
