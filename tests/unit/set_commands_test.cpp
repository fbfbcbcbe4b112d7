// The set commands (storage/commands/set_commands.cpp) with Redis 7.0's replies.
#include <catch2/catch.hpp>

#include <string>

#include "command_harness.hpp"

using credis::testing::command_harness;
using credis::testing::wrongtype;


TEST_CASE("SADD, SREM and membership; an emptied set is deleted", "[commands][sets]") {
  command_harness h;
  CHECK(h.run({"SADD", "s", "3", "1", "2", "1"}) == ":3\r\n");
  CHECK(h.run({"SMEMBERS", "s"}) == "*3\r\n$1\r\n1\r\n$1\r\n2\r\n$1\r\n3\r\n");  // intset order
  CHECK(h.run({"OBJECT", "ENCODING", "s"}) == "$6\r\nintset\r\n");
  CHECK(h.run({"SADD", "s", "a"}) == ":1\r\n");
  CHECK(h.run({"OBJECT", "ENCODING", "s"}) == "$9\r\nhashtable\r\n");  // as Redis 7.0 names it
  CHECK(h.run({"SISMEMBER", "s", "a"}) == ":1\r\n");
  CHECK(h.run({"SISMEMBER", "nokey", "a"}) == ":0\r\n");
  CHECK(h.run({"SMISMEMBER", "s", "a", "zz", "1"}) == "*3\r\n:1\r\n:0\r\n:1\r\n");
  CHECK(h.run({"SMISMEMBER", "nokey", "a"}) == "*1\r\n:0\r\n");
  CHECK(h.run({"SCARD", "s"}) == ":4\r\n");
  CHECK(h.run({"SREM", "s", "1", "zz", "1"}) == ":1\r\n");
  CHECK(h.run({"SREM", "s", "2", "3", "a"}) == ":3\r\n");
  CHECK(h.run({"EXISTS", "s"}) == ":0\r\n");
  CHECK(h.run({"SREM", "s", "1"}) == ":0\r\n");
  h.run({"SET", "str", "v"});
  CHECK(h.run({"SADD", "str", "a"}) == wrongtype);
  CHECK(h.run({"SMEMBERS", "str"}) == wrongtype);
  CHECK(h.run({"SINTER", "nokey", "str"}) == wrongtype);  // every key's type is checked
}

TEST_CASE("SINTER, SUNION, SDIFF and their STORE forms", "[commands][sets]") {
  command_harness h;
  h.run({"SADD", "a", "1", "2", "3", "4"});
  h.run({"SADD", "b", "3", "4", "5"});
  CHECK(h.run({"SINTER", "a", "b"}) == "*2\r\n$1\r\n3\r\n$1\r\n4\r\n");
  CHECK(h.run({"SINTER", "a", "nokey"}) == "*0\r\n");
  CHECK(h.run({"SUNION", "a", "b", "nokey"}) ==
        "*5\r\n$1\r\n1\r\n$1\r\n2\r\n$1\r\n3\r\n$1\r\n4\r\n$1\r\n5\r\n");
  CHECK(h.run({"SDIFF", "a", "b"}) == "*2\r\n$1\r\n1\r\n$1\r\n2\r\n");
  CHECK(h.run({"SDIFF", "nokey", "a"}) == "*0\r\n");
  CHECK(h.run({"SINTERSTORE", "dst", "a", "b"}) == ":2\r\n");
  CHECK(h.run({"SMEMBERS", "dst"}) == "*2\r\n$1\r\n3\r\n$1\r\n4\r\n");
  CHECK(h.run({"SDIFFSTORE", "a", "a", "b"}) == ":2\r\n");  // a source may be the destination
  CHECK(h.run({"SMEMBERS", "a"}) == "*2\r\n$1\r\n1\r\n$1\r\n2\r\n");
  h.run({"SET", "dst", "string"});
  CHECK(h.run({"SINTERSTORE", "dst", "a", "nokey"}) == ":0\r\n");  // an empty result deletes
  CHECK(h.run({"EXISTS", "dst"}) == ":0\r\n");
  CHECK(h.run({"SINTERCARD", "2", "a", "b"}) == ":0\r\n");
  h.run({"SADD", "c", "1", "2", "7"});
  CHECK(h.run({"SINTERCARD", "2", "a", "c"}) == ":2\r\n");
  CHECK(h.run({"SINTERCARD", "2", "a", "c", "LIMIT", "1"}) == ":1\r\n");
  CHECK(h.run({"SINTERCARD", "0", "a"}) == "-ERR numkeys should be greater than 0\r\n");
  CHECK(h.run({"SINTERCARD", "x", "a"}) == "-ERR numkeys should be greater than 0\r\n");
  CHECK(h.run({"SINTERCARD", "3", "a"}) ==
        "-ERR Number of keys can't be greater than number of args\r\n");
  CHECK(h.run({"SINTERCARD", "1", "a", "LIMIT", "-1"}) == "-ERR LIMIT can't be negative\r\n");
}

TEST_CASE("SMOVE, SPOP and SRANDMEMBER", "[commands][sets]") {
  command_harness h;
  h.run({"SADD", "a", "x", "y"});
  CHECK(h.run({"SMOVE", "a", "b", "x"}) == ":1\r\n");
  CHECK(h.run({"SMOVE", "a", "b", "zz"}) == ":0\r\n");
  CHECK(h.run({"SMOVE", "nokey", "b", "x"}) == ":0\r\n");
  CHECK(h.run({"SMOVE", "a", "a", "y"}) == ":1\r\n");
  CHECK(h.run({"SMOVE", "a", "b", "y"}) == ":1\r\n");
  CHECK(h.run({"EXISTS", "a"}) == ":0\r\n");
  CHECK(h.run({"SCARD", "b"}) == ":2\r\n");
  h.run({"SET", "str", "v"});
  CHECK(h.run({"SMOVE", "b", "str", "x"}) == wrongtype);

  h.run({"SADD", "p", "1", "2", "3", "4", "5"});
  CHECK(h.run({"SPOP", "p"}).substr(0, 2) == "$1");
  CHECK(h.run({"SPOP", "p", "2"}).substr(0, 4) == "*2\r\n");
  CHECK(h.run({"SCARD", "p"}) == ":2\r\n");
  CHECK(h.run({"SRANDMEMBER", "p", "-5"}).substr(0, 4) == "*5\r\n");
  CHECK(h.run({"SRANDMEMBER", "p", "5"}).substr(0, 4) == "*2\r\n");
  CHECK(h.run({"SPOP", "p", "10"}).substr(0, 4) == "*2\r\n");
  CHECK(h.run({"EXISTS", "p"}) == ":0\r\n");
  CHECK(h.run({"SPOP", "p"}) == "$-1\r\n");
  CHECK(h.run({"SPOP", "p", "1"}) == "*0\r\n");
  CHECK(h.run({"SPOP", "p", "-1"}) == "-ERR value is out of range, must be positive\r\n");
  CHECK(h.run({"SPOP", "p", "1", "2"}) == "-ERR syntax error\r\n");
  CHECK(h.run({"SRANDMEMBER", "p"}) == "$-1\r\n");
}
