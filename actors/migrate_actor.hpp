// MIGRATE's network side: connects to targets, sends each job's commands and reads the replies
// (storage/migrate_exchange), answering the keyspace with the outcome. It never blocks the
// multiplexer thread: connects are non-blocking, and a timer ends an attempt that makes no
// progress within the job's timeout. As Redis, it keeps a connection per "host:port" for 10 s
// after its last use (at most 64), remembering the database it is in, and tries once more on a
// new connection when a kept one fails before the first RESTORE is answered. Jobs for one
// target run one after another on its connection.
#pragma once

#include <deque>
#include <map>
#include <optional>
#include <string>

#include "actors/messages.hpp"
#include "storage/migrate_exchange.hpp"

namespace credis {

struct migrate_target {
  struct job_in_line {
    std::shared_ptr<const migrate_job> job;
    caf::response_promise promise;
  };
  // The connection: cached between jobs, or being made.
  std::optional<caf::io::connection_handle> hdl;
  bool connected = false;  // a write went through (a connect that fails shows as a close)
  int64_t db = -1;         // the database it is in; -1: unknown
  int64_t last_use_ms = 0;
  std::deque<job_in_line> waiting;  // the first one is running when `exchange` is set
  std::optional<migrate_exchange> exchange;
  bool retried = false;  // the running job's second attempt
  size_t unsent = 0;     // request bytes not yet written
  int64_t last_progress_ms = 0;
  uint64_t attempt = 0;  // which timer messages are this attempt's
};

struct migrate_state {
  migrate_state() = default;  // not an aggregate: CAF would try to build it from self
  keyspace_actor keyspace;
  std::map<std::string, migrate_target> targets;  // by "host:port"
  std::map<caf::io::connection_handle, std::string> names;
  uint64_t attempts = 0;
  int64_t reported_sockets = 0;  // what the keyspace was last told
  static const char* name;
};

using migrate_broker = caf::io::stateful_broker<migrate_state>*;

// Answers (migrate_atom, migrate_order) with a migrate_outcome; tells `keyspace` how many
// connections it keeps whenever that changes on its own (idle ones closed).
caf::behavior migrate_actor_fn(migrate_broker self, keyspace_actor keyspace);

}  // namespace credis
