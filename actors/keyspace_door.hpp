// A connection's batch handed to the keyspace by a call instead of a message, when the
// message would be the next thing the keyspace does anyway.
//
// The keyspace and the connections are brokers on the same thread. A batch sent as a CAF
// message and its replies sent back cost two mailbox elements, two enqueues and two resumes
// with their behaviour matches: about 3,400 instructions per request, more than Redis spends
// on a whole GET. When the keyspace is idle with an empty mailbox (so not running, and not
// inside a long script that lets the loop answer other clients), the message would run next
// and alone: running it in place gives the same order and the same result.
#pragma once

#include <cstdint>

#include <caf/scheduled_actor.hpp>

#include "actors/messages.hpp"

namespace credis {

// What executed_atom carries but the batch: its replies and the replication offset its writes
// reached (0 when it wrote nothing to propagate).
struct executed_batch {
  batch_replies replies;
  int64_t write_offset = 0;
  bool ready = false;  // false: the batch waits (a blocking command, a pause, MIGRATE, a script
                       // deferred), and its replies come as a message later
};

class keyspace_door {
 public:
  // Runs `batch` for the connection `conn`. When it finished, the keyspace fills `done` and
  // leaves the batch emptied in place, its buffers kept; else it sends `conn` executed_atom
  // later.
  using exec_fn = void (*)(caf::scheduled_actor* keyspace, const caf::actor& conn,
                           command_batch&& batch, executed_batch& done);

  // The keyspace opens the door once it runs, and closes it when it ends.
  void open(caf::scheduled_actor* keyspace, exec_fn exec) {
    keyspace_ = keyspace;
    exec_ = exec;
  }
  void close() { keyspace_ = nullptr; }

  // Called on the keyspace's thread. False (leaving `batch` as it was) when the keyspace is
  // running or has messages waiting: then the batch goes as a message behind them. True:
  // `batch` is emptied when `done.ready`, else it was taken (or dropped, for a killed client).
  bool try_exec(const caf::actor& conn, command_batch& batch, executed_batch& done) {
    if (keyspace_ == nullptr || !keyspace_->mailbox().blocked())
      return false;
    exec_(keyspace_, conn, std::move(batch), done);
    return true;
  }

 private:
  caf::scheduled_actor* keyspace_ = nullptr;
  exec_fn exec_ = nullptr;
};

}  // namespace credis
