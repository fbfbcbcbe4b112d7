#include <catch2/catch.hpp>

#include "command_harness.hpp"

using credis::testing::command_harness;

TEST_CASE("DEL, EXISTS, TYPE", "[commands][keys]") {
  command_harness h;
  h.run({"MSET", "a", "1", "b", "2"});
  CHECK(h.run({"EXISTS", "a", "a", "zz"}) == ":2\r\n");
  CHECK(h.run({"DEL", "a", "zz", "b"}) == ":2\r\n");
  CHECK(h.run({"TYPE", "a"}) == "+none\r\n");
}

TEST_CASE("KEYS with globs skips expired keys", "[commands][keys]") {
  command_harness h;
  h.run({"MSET", "hello", "1", "hallo", "2", "hxllo", "3"});
  h.run({"SET", "hillo", "4", "PX", "5"});
  CHECK(h.run({"KEYS", "h[ae]llo"}).substr(0, 4) == "*2\r\n");
  CHECK(h.run({"KEYS", "h*"}).substr(0, 4) == "*4\r\n");
  h.now += 10;
  CHECK(h.run({"KEYS", "h*"}).substr(0, 4) == "*3\r\n");
  CHECK(h.run({"KEYS", "nomatch"}) == "*0\r\n");
}

TEST_CASE("EXPIRE family, TTL, PTTL and PERSIST", "[commands][keys]") {
  command_harness h;
  CHECK(h.run({"TTL", "none"}) == ":-2\r\n");
  CHECK(h.run({"EXPIRE", "none", "10"}) == ":0\r\n");
  h.run({"SET", "k", "v"});
  CHECK(h.run({"PTTL", "k"}) == ":-1\r\n");
  CHECK(h.run({"EXPIRE", "k", "10"}) == ":1\r\n");
  CHECK(h.run({"TTL", "k"}) == ":10\r\n");
  CHECK(h.run({"PEXPIRE", "k", "1500"}) == ":1\r\n");
  CHECK(h.run({"TTL", "k"}) == ":2\r\n");  // rounded like Redis
  CHECK(h.run({"EXPIRE", "k", "100", "NX"}) == ":0\r\n");
  CHECK(h.run({"EXPIRE", "k", "100", "GT"}) == ":1\r\n");
  CHECK(h.run({"EXPIRE", "k", "50", "GT"}) == ":0\r\n");
  CHECK(h.run({"EXPIRE", "k", "50", "LT"}) == ":1\r\n");
  CHECK(h.run({"EXPIRE", "k", "50", "NX", "XX"}) ==
        "-ERR NX and XX, GT or LT options at the same time are not compatible\r\n");
  CHECK(h.run({"EXPIRE", "k", "50", "FOO"}) == "-ERR Unsupported option FOO\r\n");
  CHECK(h.run({"EXPIRE", "k", "x"}) == "-ERR value is not an integer or out of range\r\n");
  CHECK(h.run({"PERSIST", "k"}) == ":1\r\n");
  CHECK(h.run({"PERSIST", "k"}) == ":0\r\n");
  CHECK(h.run({"TTL", "k"}) == ":-1\r\n");
  CHECK(h.run({"EXPIRE", "k", "-1"}) == ":1\r\n");  // a past deadline deletes the key
  CHECK(h.run({"EXISTS", "k"}) == ":0\r\n");
  h.run({"SET", "k", "v"});
  CHECK(h.run({"PEXPIREAT", "k", std::to_string(h.now + 300)}) == ":1\r\n");
  CHECK(h.run({"PTTL", "k"}) == ":300\r\n");
  // The largest deadline rounds to seconds without overflowing (redis-server: the same).
  CHECK(h.run({"PEXPIREAT", "k", "9223372036854775807"}) == ":1\r\n");
  CHECK(h.run({"EXPIRETIME", "k"}) == ":9223372036854776\r\n");
  CHECK(h.run({"PEXPIRETIME", "k"}) == ":9223372036854775807\r\n");
}

TEST_CASE("RENAME keeps value and deadline", "[commands][keys]") {
  command_harness h;
  h.run({"SET", "a", "v", "EX", "100"});
  CHECK(h.run({"RENAME", "a", "b"}) == "+OK\r\n");
  CHECK(h.run({"GET", "b"}) == "$1\r\nv\r\n");
  CHECK(h.run({"TTL", "b"}) == ":100\r\n");
  CHECK(h.run({"RENAME", "a", "b"}) == "-ERR no such key\r\n");
}

TEST_CASE("SELECT, DBSIZE, FLUSHDB, FLUSHALL", "[commands][server]") {
  command_harness h;
  h.run({"SET", "a", "1"});
  CHECK(h.run({"SELECT", "1"}) == "+OK\r\n");
  CHECK(h.run({"DBSIZE"}) == ":0\r\n");
  h.run({"SET", "a", "1"});
  h.run({"SET", "b", "1"});
  CHECK(h.run({"DBSIZE"}) == ":2\r\n");
  CHECK(h.run({"SELECT", "16"}) == "-ERR DB index is out of range\r\n");
  CHECK(h.run({"SELECT", "x"}) == "-ERR value is not an integer or out of range\r\n");
  CHECK(h.run({"FLUSHDB"}) == "+OK\r\n");
  CHECK(h.run({"DBSIZE"}) == ":0\r\n");
  CHECK(h.run({"SELECT", "0"}) == "+OK\r\n");
  CHECK(h.run({"DBSIZE"}) == ":1\r\n");
  CHECK(h.run({"FLUSHALL"}) == "+OK\r\n");
  CHECK(h.run({"DBSIZE"}) == ":0\r\n");
}

TEST_CASE("unknown commands and wrong arity", "[commands]") {
  command_harness h;
  CHECK(h.run({"foo", "a", "b"}) ==
        "-ERR unknown command 'foo', with args beginning with: 'a' 'b' \r\n");
  CHECK(h.run({"GET"}) == "-ERR wrong number of arguments for 'get' command\r\n");
  CHECK(h.run({"PING", "a", "b"}) == "-ERR wrong number of arguments for 'ping' command\r\n");
  CHECK(h.run({"PING"}) == "+PONG\r\n");
  CHECK(h.run({"ping", "hi"}) == "$2\r\nhi\r\n");
  CHECK(h.run({"ECHO", "x"}) == "$1\r\nx\r\n");
}

TEST_CASE("SCAN reads its cursor as Redis's strtoul does", "[commands][keys]") {
  command_harness h;
  h.run({"MSET", "a", "1", "", "2"});
  const std::string all = "*2\r\n$1\r\n0\r\n*2\r\n";
  CHECK(h.run({"SCAN", "0"}).substr(0, all.size()) == all);
  CHECK(h.run({"SCAN", ""}).substr(0, all.size()) == all);  // no digits at all: cursor 0
  CHECK(h.run({"SCAN", "+0"}).substr(0, all.size()) == all);
  CHECK(h.run({"SCAN", "-1"}) == "*2\r\n$1\r\n0\r\n*0\r\n");  // wraps to 2^64-1
  CHECK(h.run({"SCAN", "18446744073709551615"}) == "*2\r\n$1\r\n0\r\n*0\r\n");
  for (std::string_view bad : {"18446744073709551616", " 1", "1 ", "+", "-", "0x1", "1.0", "a"})
    CHECK(h.run({"SCAN", bad}) == "-ERR invalid cursor\r\n");
  // The cursor is checked before the options, as in Redis.
  CHECK(h.run({"SCAN", "", "MATCH"}) == "-ERR syntax error\r\n");
  CHECK(h.run({"SCAN", "x", "MATCH"}) == "-ERR invalid cursor\r\n");
  CHECK(h.run({"SCAN", "0", "COUNT", "99999999999999999999"}) ==
        "-ERR value is not an integer or out of range\r\n");
  CHECK(h.run({"SCAN", "0", "COUNT", "0"}) == "-ERR syntax error\r\n");
}

TEST_CASE("SCAN MATCH with an empty pattern matches only the empty key", "[commands][keys]") {
  command_harness h;
  h.run({"MSET", "a", "1", "", "2"});
  CHECK(h.run({"SCAN", "0", "MATCH", ""}) == "*2\r\n$1\r\n0\r\n*1\r\n$0\r\n\r\n");
  CHECK(h.run({"SCAN", "0", "MATCH", "*"}).substr(0, 15) == "*2\r\n$1\r\n0\r\n*2\r\n");
}

TEST_CASE("TOUCH, COPY and MOVE", "[commands][keys]") {
  command_harness h;
  h.run({"SET", "a", "1", "PX", "500"});
  h.run({"RPUSH", "l", "x", "y"});
  CHECK(h.run({"TOUCH", "a", "l", "missing"}) == ":2\r\n");
  CHECK(h.run({"COPY", "a", "b"}) == ":1\r\n");
  CHECK(h.run({"PTTL", "b"}) == ":500\r\n");  // the deadline comes along
  CHECK(h.run({"COPY", "a", "b"}) == ":0\r\n");
  h.run({"SET", "a", "2"});
  CHECK(h.run({"COPY", "a", "b", "REPLACE"}) == ":1\r\n");
  CHECK(h.run({"GET", "b"}) == "$1\r\n2\r\n");
  CHECK(h.run({"PTTL", "b"}) == ":-1\r\n");
  CHECK(h.run({"COPY", "l", "l2", "DB", "3"}) == ":1\r\n");
  CHECK(h.run({"RPUSH", "l", "z"}) == ":3\r\n");  // a copy, not a shared list
  CHECK(h.run({"COPY", "a", "a"}) == "-ERR source and destination objects are the same\r\n");
  CHECK(h.run({"COPY", "a", "a", "DB", "1"}) == ":1\r\n");
  CHECK(h.run({"COPY", "a", "c", "DB", "16"}) == "-ERR DB index is out of range\r\n");
  CHECK(h.run({"COPY", "a", "c", "FOO"}) == "-ERR syntax error\r\n");
  CHECK(h.run({"COPY", "missing", "c"}) == ":0\r\n");
  CHECK(h.run({"MOVE", "b", "2"}) == ":1\r\n");
  CHECK(h.run({"EXISTS", "b"}) == ":0\r\n");
  CHECK(h.run({"MOVE", "a", "1"}) == ":0\r\n");  // db 1 has it already
  CHECK(h.run({"MOVE", "a", "0"}) == "-ERR source and destination objects are the same\r\n");
  CHECK(h.run({"MOVE", "a", "4294967296"}) ==
        "-ERR value is out of range, value must between -2147483648 and 2147483647\r\n");
  CHECK(h.run({"SELECT", "4294967296"}) ==
        "-ERR value is out of range, value must between -2147483648 and 2147483647\r\n");
  CHECK(h.run({"SELECT", "3"}) == "+OK\r\n");
  CHECK(h.run({"LRANGE", "l2", "0", "-1"}) == "*2\r\n$1\r\nx\r\n$1\r\ny\r\n");
  CHECK(h.run({"SELECT", "2"}) == "+OK\r\n");
  CHECK(h.run({"GET", "b"}) == "$1\r\n2\r\n");
}

TEST_CASE("RANDOMKEY returns live keys only", "[commands][keys]") {
  command_harness h;
  CHECK(h.run({"RANDOMKEY"}) == "$-1\r\n");
  h.run({"SET", "only", "v"});
  CHECK(h.run({"RANDOMKEY"}) == "$4\r\nonly\r\n");
  for (int i = 0; i < 50; ++i)
    h.run({"SET", "gone" + std::to_string(i), "v", "PX", "10"});
  h.now += 20;  // all but one key are past their deadline: each pick of one deletes it
  for (int i = 0; i < 20; ++i)
    CHECK(h.run({"RANDOMKEY"}) == "$4\r\nonly\r\n");
  h.run({"SET", "other", "v"});
  bool saw_other = false, saw_only = false;
  // The first key after a random slot: uneven, but both come up (2,000 picks: a miss would
  // need odds below 1e-13 even for a key behind a single slot of 64).
  for (int i = 0; i < 2000; ++i) {
    std::string r = h.run({"RANDOMKEY"});
    saw_other |= r == "$5\r\nother\r\n";
    saw_only |= r == "$4\r\nonly\r\n";
  }
  CHECK(saw_other);
  CHECK(saw_only);
}
