// MULTI, EXEC, DISCARD, WATCH and UNWATCH: queuing, EXECABORT, WATCH failing EXEC on any change
// (by another client, expiry, FLUSHDB, SWAPDB) and not on a stale key's removal, and what a
// transaction propagates. Expected replies are redis-server 7.0.15's.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "command_harness.hpp"

using credis::client_state;
using credis::command_batch;
using credis::testing::command_harness;

namespace {

client_state other_client() {
  client_state c;
  c.id = 2;
  return c;
}

// The propagated writes as "db:ARG ARG ..." lines.
std::vector<std::string> drain(command_batch& writes) {
  std::vector<std::string> out;
  std::vector<std::string_view> argv;
  for (const auto& item : writes.items()) {
    writes.args_of(item, argv);
    std::string line = std::to_string(item.db) + ":";
    for (size_t i = 0; i < argv.size(); ++i)
      line.append(i ? " " : "").append(argv[i]);
    out.push_back(line);
  }
  writes.clear();
  return out;
}

}  // namespace

TEST_CASE("MULTI queues commands and EXEC runs them together", "[transaction]") {
  command_harness h;
  h.run({"RPUSH", "l", "a", "b"});
  CHECK(h.run({"MULTI"}) == "+OK\r\n");
  CHECK(h.run({"LRANGE", "l", "0", "-1"}) == "+QUEUED\r\n");
  CHECK(h.run({"PING"}) == "+QUEUED\r\n");
  CHECK(h.run({"SELECT", "3"}) == "+QUEUED\r\n");
  CHECK(h.client.db == 0);  // SELECT runs at EXEC, in its place
  CHECK(h.run({"SET", "k", "v"}) == "+QUEUED\r\n");
  CHECK(h.run({"EXEC"}) == "*4\r\n*2\r\n$1\r\na\r\n$1\r\nb\r\n+PONG\r\n+OK\r\n+OK\r\n");
  CHECK(h.client.db == 3);
  CHECK(h.ks.db(3).find_raw("k"));
  CHECK_FALSE(h.ks.db(0).find_raw("k"));
  CHECK(h.run({"MULTI"}) == "+OK\r\n");
  CHECK(h.run({"EXEC"}) == "*0\r\n");
}

TEST_CASE("Errors while queuing make EXEC fail with EXECABORT; a command's own error does not",
          "[transaction]") {
  command_harness h;
  h.run({"MULTI"});
  CHECK(h.run({"SET", "a", "1"}) == "+QUEUED\r\n");
  CHECK(h.run({"NOSUCH"}) == "-ERR unknown command 'NOSUCH', with args beginning with: \r\n");
  CHECK(h.run({"GET"}) == "-ERR wrong number of arguments for 'get' command\r\n");
  CHECK(h.run({"EXEC"}) == "-EXECABORT Transaction discarded because of previous errors.\r\n");
  CHECK_FALSE(h.ks.db(0).find_raw("a"));
  CHECK(h.run({"EXEC"}) == "-ERR EXEC without MULTI\r\n");

  h.run({"MULTI"});
  CHECK(h.run({"SAVE"}) == "-ERR Command not allowed inside a transaction\r\n");
  CHECK(h.run({"EXEC"}) == "-EXECABORT Transaction discarded because of previous errors.\r\n");

  // Runtime errors are replies inside the transaction; the other commands still run.
  h.run({"SET", "s", "text"});
  h.run({"MULTI"});
  h.run({"INCR", "s"});
  h.run({"SET", "b", "2"});
  CHECK(h.run({"EXEC"}) ==
        "*2\r\n-ERR value is not an integer or out of range\r\n+OK\r\n");
  CHECK(h.ks.db(0).find_raw("b"));
}

TEST_CASE("MULTI, WATCH and DISCARD in the wrong state", "[transaction]") {
  command_harness h;
  CHECK(h.run({"DISCARD"}) == "-ERR DISCARD without MULTI\r\n");
  h.run({"MULTI"});
  CHECK(h.run({"MULTI"}) == "-ERR MULTI calls can not be nested\r\n");
  CHECK(h.run({"WATCH", "x"}) == "-ERR WATCH inside MULTI is not allowed\r\n");
  h.run({"SET", "x", "1"});
  CHECK(h.run({"EXEC"}) == "*1\r\n+OK\r\n");  // neither error aborts it
  h.run({"MULTI"});
  h.run({"DEL", "x"});
  CHECK(h.run({"DISCARD"}) == "+OK\r\n");
  CHECK(h.ks.db(0).find_raw("x"));
}

TEST_CASE("WATCH fails EXEC when another client changes a watched key", "[transaction]") {
  command_harness h;
  client_state other = other_client();
  h.run({"SET", "x", "1"});
  CHECK(h.run({"WATCH", "x", "y"}) == "+OK\r\n");
  h.run({"MULTI"});
  h.run({"PING"});
  CHECK(h.run({"EXEC"}) == "*1\r\n+PONG\r\n");  // unchanged

  h.run({"WATCH", "x"});
  CHECK(h.run_as(other, {"SET", "x", "2"}) == "+OK\r\n");
  h.run({"MULTI"});
  h.run({"SET", "x", "3"});
  CHECK(h.run({"EXEC"}) == "*-1\r\n");
  CHECK(h.run({"GET", "x"}) == "$1\r\n2\r\n");

  // EXEC, failed or not, unwatches: a later change no longer counts.
  h.run({"MULTI"});
  h.run_as(other, {"SET", "x", "4"});
  CHECK(h.run({"EXEC"}) == "*0\r\n");

  // A write that changes nothing touches nothing.
  h.run({"WATCH", "x"});
  h.run_as(other, {"DEL", "nosuch"});
  h.run_as(other, {"SET", "x", "5", "NX"});
  h.run({"MULTI"});
  CHECK(h.run({"EXEC"}) == "*0\r\n");

  // UNWATCH and DISCARD forget the keys and the dirty state.
  h.run({"WATCH", "x"});
  h.run_as(other, {"SET", "x", "6"});
  CHECK(h.run({"UNWATCH"}) == "+OK\r\n");
  h.run({"MULTI"});
  CHECK(h.run({"EXEC"}) == "*0\r\n");
  h.run({"WATCH", "x"});
  h.run_as(other, {"SET", "x", "7"});
  h.run({"MULTI"});
  h.run({"DISCARD"});
  h.run({"MULTI"});
  CHECK(h.run({"EXEC"}) == "*0\r\n");
}

TEST_CASE("SMOVE touches its destination only when it adds the member", "[transaction]") {
  command_harness h;
  client_state other = other_client();
  h.run({"SADD", "src", "a", "b"});
  h.run({"SADD", "dst", "a"});
  h.run({"WATCH", "dst"});
  CHECK(h.run_as(other, {"SMOVE", "src", "dst", "a"}) == ":1\r\n");
  h.run({"MULTI"});
  CHECK(h.run({"EXEC"}) == "*0\r\n");
  h.run({"WATCH", "dst"});
  CHECK(h.run_as(other, {"SMOVE", "src", "dst", "b"}) == ":1\r\n");
  h.run({"MULTI"});
  CHECK(h.run({"EXEC"}) == "*-1\r\n");
}

TEST_CASE("WATCH remembers the database of its key", "[transaction]") {
  command_harness h;
  client_state other = other_client();
  h.run({"SELECT", "5"});
  h.run({"WATCH", "x"});
  h.run_as(other, {"SET", "x", "in db 0"});
  h.run({"MULTI"});
  CHECK(h.run({"EXEC"}) == "*0\r\n");

  h.run({"WATCH", "x"});
  other.db = 5;
  h.run_as(other, {"SET", "x", "in db 5"});
  h.run({"MULTI"});
  CHECK(h.run({"EXEC"}) == "*-1\r\n");

  // MOVE and COPY .. DB write into the database their key positions do not name.
  h.run({"WATCH", "y"});
  other.db = 0;
  h.run_as(other, {"SET", "y", "1"});
  h.run_as(other, {"MOVE", "y", "5"});
  h.run({"MULTI"});
  CHECK(h.run({"EXEC"}) == "*-1\r\n");
}

TEST_CASE("WATCH and expiry: a key that expires fails EXEC, a stale one's deletion does not",
          "[transaction]") {
  command_harness h;
  client_state other = other_client();
  // Live when watched, expired at EXEC (still in the table).
  h.run({"SET", "k", "1", "PX", "100"});
  h.run({"WATCH", "k"});
  h.now += 101;
  h.run({"MULTI"});
  CHECK(h.run({"EXEC"}) == "*-1\r\n");

  // Live when watched, deleted by the expiry before EXEC.
  h.run({"SET", "k", "1", "PX", "100"});
  h.run({"WATCH", "k"});
  h.now += 101;
  h.ks.db(0).expire_due(h.now, 100);
  h.run({"MULTI"});
  CHECK(h.run({"EXEC"}) == "*-1\r\n");

  // Already expired when watched: deleting it is no change, but a new value is (its old one
  // is deleted first, then the key written: redis-server 7.0.15 fails this EXEC too).
  h.run({"SET", "s", "1", "PX", "1"});
  h.now += 2;
  h.run({"WATCH", "s"});
  h.run_as(other, {"SET", "s", "2"});
  h.run({"MULTI"});
  CHECK(h.run({"EXEC"}) == "*-1\r\n");

  h.run({"SET", "s", "1", "PX", "1"});
  h.now += 2;
  h.run({"WATCH", "s"});
  h.run_as(other, {"DEL", "s"});
  h.run({"MULTI"});
  CHECK(h.run({"EXEC"}) == "*0\r\n");

  // EXPIRE on a watched key is a change.
  h.run({"SET", "e", "1"});
  h.run({"WATCH", "e"});
  h.run_as(other, {"EXPIRE", "e", "10"});
  h.run({"MULTI"});
  CHECK(h.run({"EXEC"}) == "*-1\r\n");
}

TEST_CASE("FLUSHDB, FLUSHALL and SWAPDB touch the watched keys they change", "[transaction]") {
  command_harness h;
  client_state other = other_client();
  h.run({"SET", "x", "1"});
  h.run({"WATCH", "x"});
  h.run_as(other, {"FLUSHALL"});
  h.run({"MULTI"});
  CHECK(h.run({"EXEC"}) == "*-1\r\n");

  // A key that does not exist is not touched by a flush.
  h.run({"WATCH", "absent"});
  h.run_as(other, {"SET", "y", "1"});
  h.run_as(other, {"FLUSHDB"});
  h.run({"MULTI"});
  CHECK(h.run({"EXEC"}) == "*0\r\n");

  // A stale key flushed is no change.
  h.run({"SET", "s", "1", "PX", "1"});
  h.now += 2;
  h.run({"WATCH", "s"});
  h.run_as(other, {"FLUSHDB"});
  h.run({"MULTI"});
  CHECK(h.run({"EXEC"}) == "*0\r\n");

  // SWAPDB: a watched key that exists in either database is touched...
  other.db = 1;
  h.run_as(other, {"SET", "w", "in db 1"});
  h.run({"WATCH", "w"});
  h.run_as(other, {"SWAPDB", "0", "1"});
  h.run({"MULTI"});
  CHECK(h.run({"EXEC"}) == "*-1\r\n");

  // ...but not a missing one replaced with a stale one.
  h.run_as(other, {"FLUSHALL"});
  h.run_as(other, {"SET", "z", "1", "PX", "1"});  // db 1
  h.now += 2;
  h.run({"WATCH", "z"});  // db 0: missing
  h.run_as(other, {"SWAPDB", "0", "1"});
  h.run({"MULTI"});
  CHECK(h.run({"EXEC"}) == "*0\r\n");
}

TEST_CASE("Blocking commands inside MULTI answer at once as if timed out", "[transaction]") {
  command_harness h;
  h.run({"MULTI"});
  h.run({"BLPOP", "empty", "0"});
  h.run({"BZPOPMIN", "empty", "0"});
  h.run({"BLMOVE", "a", "b", "LEFT", "LEFT", "0"});
  CHECK(h.run({"EXEC"}) == "*3\r\n*-1\r\n*-1\r\n$-1\r\n");
}

TEST_CASE("A transaction propagates its writes in MULTI/EXEC when there are two or more",
          "[transaction][propagation]") {
  command_harness h;
  command_batch writes;
  h.propagated = &writes;

  h.run({"MULTI"});
  h.run({"SET", "a", "1"});
  h.run({"GET", "a"});
  h.run({"EXEC"});
  CHECK(drain(writes) == std::vector<std::string>{"0:SET a 1"});

  h.run({"MULTI"});
  h.run({"GET", "a"});
  h.run({"DEL", "nosuch"});
  h.run({"EXEC"});
  CHECK(drain(writes).empty());

  h.run({"MULTI"});
  h.run({"SET", "b", "2"});
  h.run({"SELECT", "2"});
  h.run({"INCR", "c"});
  h.run({"EXEC"});
  CHECK(drain(writes) ==
        std::vector<std::string>{"0:MULTI", "0:SET b 2", "2:INCR c", "2:EXEC"});
}

TEST_CASE("A replica refuses a transaction with a write as a whole", "[transaction]") {
  command_harness h;
  h.replication.is_replica = true;
  h.run({"MULTI"});
  h.run({"GET", "a"});
  h.run({"SET", "a", "1"});
  CHECK(h.run({"EXEC"}) == "-EXECABORT Transaction discarded because of: READONLY You can't "
                           "write against a read only replica.\r\n");
  h.run({"MULTI"});
  h.run({"GET", "a"});
  CHECK(h.run({"EXEC"}) == "*1\r\n$-1\r\n");
}
