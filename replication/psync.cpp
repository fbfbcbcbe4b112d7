#include "replication/psync.hpp"

namespace credis {

psync_decision decide_psync(const replication_ids& ids, const backlog* log,
                            std::string_view replid, int64_t psync_offset) {
  psync_decision d;
  bool current = replid == ids.replid;
  bool previous = replid == ids.replid2 && psync_offset <= ids.second_offset;
  if (!current && !previous) {
    if (replid == "?")
      d.why = "Full resync requested by replica";
    else if (replid != ids.replid && replid != ids.replid2)
      d.why = "Partial resynchronization not accepted: Replication ID mismatch (Replica asked "
              "for '" + std::string(replid) + "', my replication IDs are '" + ids.replid +
              "' and '" + ids.replid2 + "')";
    else
      d.why = "Partial resynchronization not accepted: Requested offset for second ID was " +
              std::to_string(psync_offset) + ", but I can reply up to " +
              std::to_string(ids.second_offset);
    return d;
  }
  if (!log || !log->covers(psync_offset - 1)) {
    d.why = "Unable to partial resync with replica for lack of backlog (Replica request was: " +
            std::to_string(psync_offset) + ").";
    return d;
  }
  d.can_continue = true;
  return d;
}

}  // namespace credis
