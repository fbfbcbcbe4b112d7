// What a write sends to replicas (Redis's propagation: deterministic forms such as SET .. PXAT
// and PEXPIREAT, nothing for writes that changed nothing), how a replica refuses client writes,
// and how expired keys are kept or reported.
#include <catch2/catch.hpp>

#include <string>
#include <utility>
#include <vector>

#include "command_harness.hpp"

using credis::command_batch;
using credis::database;
using credis::no_expiry;
using credis::unix_ms;
using credis::value;
using credis::testing::command_harness;

namespace {

using args = std::vector<std::string>;

struct propagated_write {
  int db;
  args argv;
};

// A harness that collects what each command propagates.
struct propagation_harness {
  command_harness h;
  command_batch batch;

  propagation_harness() { h.propagated = &batch; }

  std::string run(std::initializer_list<std::string_view> argv) { return h.run(argv); }

  // The writes propagated since the last call, in order.
  std::vector<propagated_write> take() {
    std::vector<propagated_write> out;
    std::vector<std::string_view> argv;
    for (const auto& item : batch.items()) {
      batch.args_of(item, argv);
      propagated_write w{item.db, {}};
      for (auto a : argv)
        w.argv.emplace_back(a);
      CHECK(item.cmd == nullptr);
      out.push_back(std::move(w));
    }
    batch.clear();
    return out;
  }

  // Only the arguments, for the common case of database 0.
  std::vector<args> take_args() {
    std::vector<args> out;
    for (auto& w : take()) {
      CHECK(w.db == h.client.db);
      out.push_back(std::move(w.argv));
    }
    return out;
  }
};

std::string ms(unix_ms v) { return std::to_string(v); }

struct recording_listener : credis::expiry_listener {
  std::vector<std::pair<int, std::string>> events;
  void key_expired(int db, std::string_view key) override { events.emplace_back(db, key); }
};

using events = std::vector<std::pair<int, std::string>>;

}  // namespace

TEST_CASE("SET propagates as it came, or as SET .. PXAT when it has a deadline",
          "[propagation][replication]") {
  propagation_harness p;
  const unix_ms now = p.h.now;

  CHECK(p.run({"SET", "k", "v"}) == "+OK\r\n");
  CHECK(p.take_args() == std::vector<args>{{"SET", "k", "v"}});

  CHECK(p.run({"SET", "k", "v", "EX", "100"}) == "+OK\r\n");
  CHECK(p.take_args() == std::vector<args>{{"SET", "k", "v", "PXAT", ms(now + 100000)}});

  CHECK(p.run({"SET", "p", "v", "PX", "5", "GET"}) == "$-1\r\n");
  CHECK(p.take_args() == std::vector<args>{{"SET", "p", "v", "PXAT", ms(now + 5)}});

  CHECK(p.run({"set", "q", "v", "ex", "7"}) == "+OK\r\n");
  CHECK(p.take_args() == std::vector<args>{{"SET", "q", "v", "PXAT", ms(now + 7000)}});

  CHECK(p.run({"SET", "k", "v", "EXAT", "1800000000"}) == "+OK\r\n");
  CHECK(p.take_args() == std::vector<args>{{"SET", "k", "v", "PXAT", "1800000000000"}});

  CHECK(p.run({"SET", "k", "v", "PXAT", "1800000000123"}) == "+OK\r\n");
  CHECK(p.take_args() == std::vector<args>{{"SET", "k", "v", "PXAT", "1800000000123"}});

  CHECK(p.run({"SET", "k", "v3", "KEEPTTL"}) == "+OK\r\n");
  CHECK(p.take_args() == std::vector<args>{{"SET", "k", "v3", "KEEPTTL"}});
  CHECK(p.run({"PEXPIRETIME", "k"}) == ":1800000000123\r\n");

  // GET only changes the reply: replicas get the plain SET.
  CHECK(p.run({"SET", "k", "v2", "GET"}) == "$2\r\nv3\r\n");
  CHECK(p.take_args() == std::vector<args>{{"SET", "k", "v2"}});
  CHECK(p.run({"PEXPIRETIME", "k"}) == ":-1\r\n");

  CHECK(p.run({"SET", "k", "v4", "XX"}) == "+OK\r\n");
  CHECK(p.take_args() == std::vector<args>{{"SET", "k", "v4", "XX"}});
}

TEST_CASE("a SET that changed nothing or failed propagates nothing",
          "[propagation][replication]") {
  propagation_harness p;
  p.run({"SET", "k", "v"});
  p.take();

  CHECK(p.run({"SET", "k", "other", "NX"}) == "$-1\r\n");
  CHECK(p.run({"SET", "missing", "v", "XX"}) == "$-1\r\n");
  CHECK(p.run({"SET", "missing", "v", "XX", "GET"}) == "$-1\r\n");
  CHECK(p.run({"SET", "k", "v", "EX", "0"}) == "-ERR invalid expire time in 'set' command\r\n");
  CHECK(p.run({"SET", "k", "v", "EX", "x"}) ==
        "-ERR value is not an integer or out of range\r\n");
  CHECK(p.run({"SET", "k", "v", "FOO"}) == "-ERR syntax error\r\n");
  CHECK(p.run({"SET", "k", "v", "EX", "10", "PX", "10"}) == "-ERR syntax error\r\n");
  CHECK(p.take().empty());
  CHECK(p.run({"GET", "k"}) == "$1\r\nv\r\n");
  CHECK(p.h.ks.db(0).find_raw("missing") == nullptr);
}

TEST_CASE("GETEX propagates as PEXPIREAT, DEL or PERSIST; INCRBYFLOAT as SET .. KEEPTTL",
          "[propagation][replication]") {
  propagation_harness p;
  const unix_ms now = p.h.now;
  p.run({"SET", "k", "v"});
  p.take();

  CHECK(p.run({"GETEX", "k"}) == "$1\r\nv\r\n");
  CHECK(p.run({"GETEX", "k", "PERSIST"}) == "$1\r\nv\r\n");  // had no deadline: no change
  CHECK(p.take().empty());
  p.run({"GETEX", "k", "EX", "100"});
  CHECK(p.take_args() == std::vector<args>{{"PEXPIREAT", "k", ms(now + 100000)}});
  p.run({"GETEX", "k", "PXAT", "1800000000123"});
  CHECK(p.take_args() == std::vector<args>{{"PEXPIREAT", "k", "1800000000123"}});
  p.run({"GETEX", "k", "persist"});
  CHECK(p.take_args() == std::vector<args>{{"PERSIST", "k"}});
  p.run({"GETEX", "k", "EXAT", "100"});
  CHECK(p.take_args() == std::vector<args>{{"DEL", "k"}});
  CHECK(p.run({"EXISTS", "k"}) == ":0\r\n");

  p.run({"INCRBYFLOAT", "f", "1.5"});
  p.run({"INCRBYFLOAT", "f", "abc"});
  CHECK(p.take_args() == std::vector<args>{{"SET", "f", "1.5", "KEEPTTL"}});
  p.run({"SETRANGE", "f", "0", "2"});
  CHECK(p.take_args() == std::vector<args>{{"SETRANGE", "f", "0", "2"}});
}

TEST_CASE("HINCRBYFLOAT propagates as HSET with the result; hash writes as they came",
          "[propagation][replication]") {
  propagation_harness p;
  p.run({"HINCRBYFLOAT", "h", "f", "1.5"});
  p.run({"HINCRBYFLOAT", "h", "f", "abc"});
  p.run({"HINCRBYFLOAT", "h", "f", "0.25"});
  CHECK(p.take_args() == std::vector<args>{{"HSET", "h", "f", "1.5"}, {"HSET", "h", "f", "1.75"}});
  p.run({"HSET", "h", "a", "1"});
  p.run({"HDEL", "h", "zz"});  // changed nothing: not propagated
  p.run({"HDEL", "h", "a"});
  CHECK(p.take_args() == std::vector<args>{{"HSET", "h", "a", "1"}, {"HDEL", "h", "a"}});
}

TEST_CASE("SPOP propagates as SREM of each member it took, or DEL when it took all",
          "[propagation][replication]") {
  propagation_harness p;
  p.run({"SADD", "s", "a", "b", "c"});
  p.take_args();
  const std::string popped = p.run({"SPOP", "s"});  // $1\r\n<member>\r\n
  CHECK(p.take_args() == std::vector<args>{{"SREM", "s", popped.substr(4, 1)}});
  p.run({"SPOP", "s", "1"});
  CHECK(p.take_args().size() == 1);
  p.run({"SPOP", "s", "5"});
  CHECK(p.take_args() == std::vector<args>{{"DEL", "s"}});
  p.run({"SPOP", "s"});  // nothing there: nothing propagated
  CHECK(p.take_args().empty());
}

TEST_CASE("LMPOP propagates as LPOP/RPOP of the key it popped from, with the count taken",
          "[propagation][replication]") {
  propagation_harness p;
  p.run({"RPUSH", "l", "a", "b", "c"});
  p.take_args();
  CHECK(p.run({"LMPOP", "2", "none", "l", "RIGHT", "COUNT", "2"}) ==
        "*2\r\n$1\r\nl\r\n*2\r\n$1\r\nc\r\n$1\r\nb\r\n");
  CHECK(p.take_args() == std::vector<args>{{"RPOP", "l", "2"}});
  CHECK(p.run({"LMPOP", "1", "l", "LEFT", "COUNT", "5"}) ==
        "*2\r\n$1\r\nl\r\n*1\r\n$1\r\na\r\n");
  CHECK(p.take_args() == std::vector<args>{{"LPOP", "l", "1"}});
  CHECK(p.run({"LMPOP", "1", "l", "LEFT"}) == "*-1\r\n");
  CHECK(p.take_args().empty());
}

TEST_CASE("ZMPOP and ZPOPMIN/ZPOPMAX propagate as ZPOPMIN/ZPOPMAX with the count taken",
          "[propagation][replication]") {
  propagation_harness p;
  p.run({"ZADD", "z", "1", "a", "2", "b"});
  p.take_args();
  p.run({"ZMPOP", "2", "none", "z", "MAX", "COUNT", "10"});
  CHECK(p.take_args() == std::vector<args>{{"ZPOPMAX", "z", "2"}});
  p.run({"ZADD", "z", "1", "a"});
  p.take_args();
  p.run({"ZPOPMIN", "z"});
  CHECK(p.take_args() == std::vector<args>{{"ZPOPMIN", "z", "1"}});
  p.run({"ZPOPMIN", "z"});  // nothing there: nothing propagated
  p.run({"ZMPOP", "1", "z", "MIN"});
  CHECK(p.take_args().empty());
}

TEST_CASE("SETEX and PSETEX propagate as SET .. PXAT", "[propagation][replication]") {
  propagation_harness p;
  const unix_ms now = p.h.now;
  CHECK(p.run({"SETEX", "k", "10", "v"}) == "+OK\r\n");
  CHECK(p.take_args() == std::vector<args>{{"SET", "k", "v", "PXAT", ms(now + 10000)}});
  CHECK(p.run({"PSETEX", "k", "500", "w"}) == "+OK\r\n");
  CHECK(p.take_args() == std::vector<args>{{"SET", "k", "w", "PXAT", ms(now + 500)}});
  CHECK(p.run({"PTTL", "k"}) == ":500\r\n");

  CHECK(p.run({"SETEX", "k", "0", "v"}) == "-ERR invalid expire time in 'setex' command\r\n");
  CHECK(p.run({"PSETEX", "k", "-5", "v"}) == "-ERR invalid expire time in 'psetex' command\r\n");
  CHECK(p.run({"SETEX", "k", "ten", "v"}) == "-ERR value is not an integer or out of range\r\n");
  CHECK(p.take().empty());
}

TEST_CASE("GETSET propagates as SET, GETDEL as DEL when there was a key",
          "[propagation][replication]") {
  propagation_harness p;
  CHECK(p.run({"GETSET", "k", "v"}) == "$-1\r\n");
  CHECK(p.take_args() == std::vector<args>{{"SET", "k", "v"}});
  CHECK(p.run({"GETSET", "k", "w"}) == "$1\r\nv\r\n");
  CHECK(p.take_args() == std::vector<args>{{"SET", "k", "w"}});

  CHECK(p.run({"GETDEL", "k"}) == "$1\r\nw\r\n");
  CHECK(p.take_args() == std::vector<args>{{"DEL", "k"}});
  CHECK(p.run({"GETDEL", "k"}) == "$-1\r\n");
  CHECK(p.run({"GETDEL", "never"}) == "$-1\r\n");
  CHECK(p.take().empty());
}

TEST_CASE("the EXPIRE family propagates as PEXPIREAT, or DEL for a past deadline",
          "[propagation][replication]") {
  propagation_harness p;
  const unix_ms now = p.h.now;
  p.run({"SET", "k", "v"});
  p.take();

  CHECK(p.run({"EXPIRE", "k", "10"}) == ":1\r\n");
  CHECK(p.take_args() == std::vector<args>{{"PEXPIREAT", "k", ms(now + 10000)}});
  CHECK(p.run({"PEXPIRE", "k", "1500"}) == ":1\r\n");
  CHECK(p.take_args() == std::vector<args>{{"PEXPIREAT", "k", ms(now + 1500)}});
  CHECK(p.run({"EXPIREAT", "k", "1800000000"}) == ":1\r\n");
  CHECK(p.take_args() == std::vector<args>{{"PEXPIREAT", "k", "1800000000000"}});
  CHECK(p.run({"PEXPIREAT", "k", "1800000000123"}) == ":1\r\n");
  CHECK(p.take_args() == std::vector<args>{{"PEXPIREAT", "k", "1800000000123"}});
  CHECK(p.run({"PEXPIREAT", "k", ms(now + 1)}) == ":1\r\n");
  CHECK(p.take_args() == std::vector<args>{{"PEXPIREAT", "k", ms(now + 1)}});

  // Conditions: only a deadline that was set goes to replicas.
  CHECK(p.run({"EXPIRE", "k", "10", "NX"}) == ":0\r\n");
  CHECK(p.take().empty());
  CHECK(p.run({"EXPIRE", "k", "20", "GT"}) == ":1\r\n");
  CHECK(p.take_args() == std::vector<args>{{"PEXPIREAT", "k", ms(now + 20000)}});
  CHECK(p.run({"EXPIRE", "k", "5", "GT"}) == ":0\r\n");
  CHECK(p.run({"EXPIRE", "k", "ten"}) == "-ERR value is not an integer or out of range\r\n");
  CHECK(p.run({"EXPIRE", "k", "10", "YY"}) == "-ERR Unsupported option YY\r\n");
  CHECK(p.take().empty());

  // A missing key: nothing happens, nothing goes.
  CHECK(p.run({"EXPIRE", "missing", "10"}) == ":0\r\n");
  CHECK(p.run({"PEXPIREAT", "missing", "1"}) == ":0\r\n");
  CHECK(p.take().empty());

  SECTION("a negative TTL deletes the key, and replicas get DEL") {
    CHECK(p.run({"EXPIRE", "k", "-1"}) == ":1\r\n");
    CHECK(p.take_args() == std::vector<args>{{"DEL", "k"}});
    CHECK(p.h.ks.db(0).find_raw("k") == nullptr);
  }
  SECTION("EXPIREAT in the past deletes the key, and replicas get DEL") {
    CHECK(p.run({"EXPIREAT", "k", ms(now / 1000 - 10)}) == ":1\r\n");
    CHECK(p.take_args() == std::vector<args>{{"DEL", "k"}});
    CHECK(p.h.ks.db(0).find_raw("k") == nullptr);
  }
  SECTION("PEXPIREAT at this very millisecond deletes the key") {
    CHECK(p.run({"PEXPIREAT", "k", ms(now)}) == ":1\r\n");
    CHECK(p.take_args() == std::vector<args>{{"DEL", "k"}});
    CHECK(p.h.ks.db(0).find_raw("k") == nullptr);
  }
  SECTION("PEXPIRE 0 deletes the key") {
    CHECK(p.run({"PEXPIRE", "k", "0"}) == ":1\r\n");
    CHECK(p.take_args() == std::vector<args>{{"DEL", "k"}});
    CHECK(p.h.ks.db(0).find_raw("k") == nullptr);
  }
}

TEST_CASE("DEL propagates only when it deleted something, and then as it came",
          "[propagation][replication]") {
  propagation_harness p;
  CHECK(p.run({"DEL", "missing"}) == ":0\r\n");
  CHECK(p.take().empty());
  p.run({"SET", "k", "v"});
  p.run({"SET", "j", "v"});
  p.take();
  CHECK(p.run({"DEL", "k"}) == ":1\r\n");
  CHECK(p.take_args() == std::vector<args>{{"DEL", "k"}});
  CHECK(p.run({"DEL", "j", "missing"}) == ":1\r\n");
  CHECK(p.take_args() == std::vector<args>{{"DEL", "j", "missing"}});
}

TEST_CASE("INCR and other plain writes propagate as they came", "[propagation][replication]") {
  propagation_harness p;
  CHECK(p.run({"INCR", "n"}) == ":1\r\n");
  CHECK(p.run({"INCRBY", "n", "5"}) == ":6\r\n");
  CHECK(p.run({"MSET", "a", "1", "b", "2"}) == "+OK\r\n");
  CHECK(p.take_args() ==
        std::vector<args>{{"INCR", "n"}, {"INCRBY", "n", "5"}, {"MSET", "a", "1", "b", "2"}});
  p.run({"SET", "s", "text"});
  p.take();
  CHECK(p.run({"INCR", "s"}) == "-ERR value is not an integer or out of range\r\n");
  CHECK(p.take().empty());
}

TEST_CASE("FLUSHALL and FLUSHDB propagate even on an empty server, but not when they fail",
          "[propagation][replication]") {
  propagation_harness p;
  CHECK(p.run({"FLUSHALL"}) == "+OK\r\n");
  CHECK(p.take_args() == std::vector<args>{{"FLUSHALL"}});
  CHECK(p.run({"FLUSHALL", "ASYNC"}) == "+OK\r\n");
  CHECK(p.take_args() == std::vector<args>{{"FLUSHALL", "ASYNC"}});
  CHECK(p.run({"FLUSHDB"}) == "+OK\r\n");
  CHECK(p.take_args() == std::vector<args>{{"FLUSHDB"}});
  CHECK(p.run({"FLUSHALL", "NOW"}) == "-ERR syntax error\r\n");
  CHECK(p.run({"FLUSHDB", "NOW"}) == "-ERR syntax error\r\n");
  CHECK(p.take().empty());

  p.run({"SET", "k", "v"});
  p.take();
  CHECK(p.run({"FLUSHALL"}) == "+OK\r\n");
  CHECK(p.take_args() == std::vector<args>{{"FLUSHALL"}});
}

TEST_CASE("reads propagate nothing", "[propagation][replication]") {
  propagation_harness p;
  p.run({"SET", "k", "v"});
  p.take();
  CHECK(p.run({"GET", "k"}) == "$1\r\nv\r\n");
  CHECK(p.run({"GET", "missing"}) == "$-1\r\n");
  CHECK(p.run({"EXISTS", "k"}) == ":1\r\n");
  CHECK(p.run({"TTL", "k"}) == ":-1\r\n");
  CHECK(p.run({"DBSIZE"}) == ":1\r\n");
  CHECK(p.run({"PING"}) == "+PONG\r\n");
  CHECK(p.run({"SELECT", "1"}) == "+OK\r\n");
  CHECK(p.take().empty());
}

TEST_CASE("each propagated write carries the client's selected database",
          "[propagation][replication]") {
  propagation_harness p;
  const unix_ms now = p.h.now;
  CHECK(p.run({"SELECT", "5"}) == "+OK\r\n");
  p.run({"SET", "k", "v"});
  p.run({"EXPIRE", "k", "10"});
  p.run({"SETEX", "j", "1", "v"});
  CHECK(p.run({"SELECT", "0"}) == "+OK\r\n");
  p.run({"SET", "k", "zero"});
  CHECK(p.run({"SELECT", "12"}) == "+OK\r\n");
  p.run({"FLUSHDB"});
  CHECK(p.run({"SELECT", "5"}) == "+OK\r\n");
  p.run({"GETDEL", "k"});

  auto writes = p.take();
  REQUIRE(writes.size() == 6);
  CHECK(writes[0].db == 5);
  CHECK(writes[0].argv == args{"SET", "k", "v"});
  CHECK(writes[1].db == 5);
  CHECK(writes[1].argv == args{"PEXPIREAT", "k", ms(now + 10000)});
  CHECK(writes[2].db == 5);
  CHECK(writes[2].argv == args{"SET", "j", "v", "PXAT", ms(now + 1000)});
  CHECK(writes[3].db == 0);
  CHECK(writes[3].argv == args{"SET", "k", "zero"});
  CHECK(writes[4].db == 12);
  CHECK(writes[4].argv == args{"FLUSHDB"});
  CHECK(writes[5].db == 5);
  CHECK(writes[5].argv == args{"DEL", "k"});
  CHECK(p.h.ks.db(0).find_raw("k") != nullptr);
}

TEST_CASE("without anyone to propagate to, writes run the same", "[propagation][replication]") {
  command_harness h;
  REQUIRE(h.propagated == nullptr);
  CHECK(h.run({"SET", "k", "v", "EX", "100"}) == "+OK\r\n");
  CHECK(h.run({"SET", "k", "v", "GET"}) == "$1\r\nv\r\n");
  CHECK(h.run({"SETEX", "s", "10", "v"}) == "+OK\r\n");
  CHECK(h.run({"PSETEX", "s", "10", "v"}) == "+OK\r\n");
  CHECK(h.run({"GETSET", "s", "w"}) == "$1\r\nv\r\n");
  CHECK(h.run({"GETDEL", "s"}) == "$1\r\nw\r\n");
  CHECK(h.run({"EXPIRE", "k", "10"}) == ":1\r\n");
  CHECK(h.run({"PEXPIREAT", "k", "1800000000000"}) == ":1\r\n");
  CHECK(h.run({"EXPIRE", "k", "-1"}) == ":1\r\n");
  CHECK(h.run({"INCR", "n"}) == ":1\r\n");
  CHECK(h.run({"DEL", "n"}) == ":1\r\n");
  CHECK(h.run({"FLUSHALL"}) == "+OK\r\n");
  CHECK(h.ks.total_keys() == 0);
}

TEST_CASE("a replica refuses writes from its clients", "[propagation][replication]") {
  propagation_harness p;
  p.run({"SET", "k", "v"});
  p.take();
  p.h.replication.is_replica = true;
  const std::string readonly = "-READONLY You can't write against a read only replica.\r\n";
  CHECK(p.run({"SET", "k", "other"}) == readonly);
  CHECK(p.run({"SET", "new", "v"}) == readonly);
  CHECK(p.run({"DEL", "k"}) == readonly);
  CHECK(p.run({"EXPIRE", "k", "10"}) == readonly);
  CHECK(p.run({"INCR", "n"}) == readonly);
  CHECK(p.run({"FLUSHALL"}) == readonly);
  CHECK(p.take().empty());
  // Reads still work, and the data is untouched.
  CHECK(p.run({"GET", "k"}) == "$1\r\nv\r\n");
  CHECK(p.run({"TTL", "k"}) == ":-1\r\n");
  CHECK(p.run({"DBSIZE"}) == ":1\r\n");
  CHECK(p.h.ks.db(0).find_raw("new") == nullptr);
}

TEST_CASE("a replica hides expired keys but keeps them until its master deletes them",
          "[propagation][replication]") {
  propagation_harness p;
  const unix_ms t0 = p.h.now;
  p.run({"SET", "k", "v", "PX", "100"});
  p.run({"SET", "forever", "v"});
  p.take();
  p.h.replication.is_replica = true;
  p.h.ks.set_expiry_handling(nullptr, true);

  p.h.now = t0 + 100;  // at the deadline: still there
  CHECK(p.run({"GET", "k"}) == "$1\r\nv\r\n");
  p.h.now = t0 + 101;  // past it
  CHECK(p.run({"GET", "k"}) == "$-1\r\n");
  CHECK(p.run({"EXISTS", "k"}) == ":0\r\n");
  CHECK(p.run({"TTL", "k"}) == ":-2\r\n");
  CHECK(p.run({"GET", "k"}) == "$-1\r\n");
  REQUIRE(p.h.ks.db(0).find_raw("k") != nullptr);
  CHECK(p.h.ks.db(0).find_raw("k")->val.str() == "v");
  CHECK(p.h.ks.db(0).size() == 2);
  CHECK(p.take().empty());

  // A listener is not told either: nothing was deleted.
  recording_listener l;
  p.h.ks.set_expiry_handling(&l, true);
  CHECK(p.run({"GET", "k"}) == "$-1\r\n");
  CHECK(l.events.empty());
  CHECK(p.h.ks.db(0).find_raw("k") != nullptr);
}

TEST_CASE("a master deletes an expired key on access and reports it once",
          "[propagation][replication]") {
  propagation_harness p;
  recording_listener l;
  p.h.ks.set_expiry_handling(&l, false);
  const unix_ms t0 = p.h.now;
  p.run({"SET", "k", "v", "PX", "100"});
  p.run({"SELECT", "3"});
  p.run({"SET", "j", "v", "PX", "50"});
  p.run({"SET", "forever", "v"});
  p.take();

  p.h.now = t0 + 50;
  CHECK(p.run({"GET", "j"}) == "$1\r\nv\r\n");
  CHECK(l.events.empty());

  p.h.now = t0 + 101;
  CHECK(p.run({"GET", "j"}) == "$-1\r\n");
  CHECK(l.events == events{{3, "j"}});
  CHECK(p.h.ks.db(3).find_raw("j") == nullptr);
  CHECK(p.run({"GET", "j"}) == "$-1\r\n");
  CHECK(l.events == events{{3, "j"}});
  CHECK(p.run({"GET", "forever"}) == "$1\r\nv\r\n");

  p.run({"SELECT", "0"});
  CHECK(p.run({"EXISTS", "k"}) == ":0\r\n");
  CHECK(l.events == events{{3, "j"}, {0, "k"}});
  CHECK(p.h.ks.db(0).find_raw("k") == nullptr);
  CHECK(p.run({"GET", "k"}) == "$-1\r\n");
  CHECK(l.events.size() == 2);

  // The reads themselves propagate nothing: the listener is the only path.
  CHECK(p.take().empty());
}

TEST_CASE("active expiry reports each key it removes", "[propagation][replication]") {
  command_harness h;
  recording_listener l;
  h.ks.set_expiry_handling(&l, false);
  database& db = h.ks.db(2);
  for (int i = 0; i < 5; ++i)
    db.put(std::string("k").append(std::to_string(i)), value(std::string("v")), 100 + i);
  db.put("forever", value(std::string("v")), no_expiry);

  CHECK(db.expire_due(103, 100) == 3);  // 100, 101, 102 are past; 103 is not yet
  CHECK(l.events == events{{2, "k0"}, {2, "k1"}, {2, "k2"}});
  CHECK(db.size() == 3);

  CHECK(db.expire_due(1000, 1) == 1);  // the budget holds
  CHECK(l.events == events{{2, "k0"}, {2, "k1"}, {2, "k2"}, {2, "k3"}});
  CHECK(db.expire_due(1000, 100) == 1);
  CHECK(l.events.size() == 5);
  CHECK(l.events.back() == std::make_pair(2, std::string("k4")));
  CHECK(db.expire_due(1000, 100) == 0);
  CHECK(l.events.size() == 5);
  CHECK(db.size() == 1);
  CHECK(db.find_raw("forever") != nullptr);
  CHECK(h.ks.db(0).size() == 0);
}

TEST_CASE("a key found expired by a write that changes nothing still reaches replicas as DEL",
          "[propagation][replication]") {
  propagation_harness p;
  p.run({"SET", "k", "v", "PX", "100"});
  p.run({"SET", "s", "v", "PX", "100"});
  p.run({"SET", "t", "v", "PX", "100"});
  p.take();
  p.h.now += 200;
  // Each has a propagate handler and changes nothing here: its own writes are rolled back,
  // the lazy expiry's DEL stays.
  CHECK(p.run({"SET", "k", "w", "XX"}) == "$-1\r\n");
  CHECK(p.run({"EXPIRE", "s", "100"}) == ":0\r\n");
  CHECK(p.run({"GETEX", "t", "PERSIST"}) == "$-1\r\n");
  CHECK(p.take_args() == std::vector<args>{{"DEL", "k"}, {"DEL", "s"}, {"DEL", "t"}});
  // Inside a transaction too.
  p.run({"SET", "m", "v", "PX", "100"});
  p.take();
  p.h.now += 200;
  p.run({"MULTI"});
  p.run({"SET", "m", "w", "XX"});
  p.run({"SET", "other", "x"});
  p.run({"EXEC"});
  CHECK(p.take_args() ==
        std::vector<args>{{"MULTI"}, {"DEL", "m"}, {"SET", "other", "x"}, {"EXEC"}});
}
