// The forked child of a full sync: it writes +FULLRESYNC and the snapshot of the keyspace
// straight into the replicas' sockets, from the copy-on-write image of memory, while the
// parent keeps serving clients and buffers the stream that follows the snapshot.
#pragma once

#include <string>

#include "actors/messages.hpp"
#include "storage/rdb/rdb_writer.hpp"

namespace credis {

// Forks the child; its pid, or -1 with `error` set. `info` names the snapshot's history
// (repl-id, repl-offset); `rdb_file` is where a disk sync writes the RDB file first.
int fork_sync_child(const keyspace& ks, const rdb_save_info& info, const sync_job& job,
                    const std::string& rdb_file, int64_t timeout_ms, std::string& error);

}  // namespace credis
