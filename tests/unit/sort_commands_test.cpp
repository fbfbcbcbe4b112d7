// SORT and SORT_RO (storage/commands/sort_commands.cpp) with Redis 7.0's replies.
#include <catch2/catch.hpp>

#include <string>

#include "command_harness.hpp"

using credis::testing::command_harness;
using credis::testing::wrongtype;

TEST_CASE("SORT numbers, ALPHA, DESC and LIMIT", "[commands][sort]") {
  command_harness h;
  h.run({"RPUSH", "l", "3", "10", "1", "2.5"});
  CHECK(h.run({"SORT", "l"}) == "*4\r\n$1\r\n1\r\n$3\r\n2.5\r\n$1\r\n3\r\n$2\r\n10\r\n");
  CHECK(h.run({"SORT", "l", "DESC", "LIMIT", "1", "2"}) == "*2\r\n$1\r\n3\r\n$3\r\n2.5\r\n");
  CHECK(h.run({"SORT", "l", "ALPHA"}) == "*4\r\n$1\r\n1\r\n$2\r\n10\r\n$3\r\n2.5\r\n$1\r\n3\r\n");
  CHECK(h.run({"SORT", "l", "LIMIT", "10", "5"}) == "*0\r\n");
  CHECK(h.run({"SORT", "l", "LIMIT", "-5", "1"}) == "*1\r\n$1\r\n1\r\n");
  CHECK(h.run({"SORT", "nokey"}) == "*0\r\n");
  h.run({"RPUSH", "words", "b", "a"});
  CHECK(h.run({"SORT", "words"}) == "-ERR One or more scores can't be converted into double\r\n");
  CHECK(h.run({"SORT", "l", "LIMIT", "x", "1"}) ==
        "-ERR value is not an integer or out of range\r\n");
  CHECK(h.run({"SORT", "l", "BOGUS"}) == "-ERR syntax error\r\n");
  h.run({"SET", "str", "v"});
  CHECK(h.run({"SORT", "str"}) == wrongtype);
  CHECK(h.run({"SORT_RO", "l", "STORE", "x"}) == "-ERR syntax error\r\n");
}

TEST_CASE("SORT BY and GET patterns, hash fields, constant BY keeps the order",
          "[commands][sort]") {
  command_harness h;
  h.run({"RPUSH", "ids", "1", "2", "3"});
  h.run({"MSET", "w_1", "30", "w_2", "10", "w_3", "20", "name_1", "one", "name_3", "three"});
  h.run({"HSET", "obj_2", "f", "two"});
  CHECK(h.run({"SORT", "ids", "BY", "w_*"}) == "*3\r\n$1\r\n2\r\n$1\r\n3\r\n$1\r\n1\r\n");
  CHECK(h.run({"SORT", "ids", "BY", "w_*", "GET", "#", "GET", "name_*", "GET", "obj_*->f"}) ==
        "*9\r\n$1\r\n2\r\n$-1\r\n$3\r\ntwo\r\n$1\r\n3\r\n$5\r\nthree\r\n$-1\r\n"
        "$1\r\n1\r\n$3\r\none\r\n$-1\r\n");
  CHECK(h.run({"SORT", "ids", "BY", "nosort", "DESC"}) == "*3\r\n$1\r\n3\r\n$1\r\n2\r\n$1\r\n1\r\n");
  CHECK(h.run({"SORT", "ids", "BY", "nosort", "LIMIT", "1", "1"}) == "*1\r\n$1\r\n2\r\n");
  // Missing weights count as 0 (ties by the element itself).
  CHECK(h.run({"SORT", "ids", "BY", "missing_*"}) == "*3\r\n$1\r\n1\r\n$1\r\n2\r\n$1\r\n3\r\n");
  // ALPHA BY: missing ones first.
  CHECK(h.run({"SORT", "ids", "BY", "name_*", "ALPHA"}) ==
        "*3\r\n$1\r\n2\r\n$1\r\n1\r\n$1\r\n3\r\n");
}

TEST_CASE("SORT STORE makes a list, an empty result deletes the destination",
          "[commands][sort]") {
  command_harness h;
  h.run({"SADD", "s", "b", "a", "c"});
  CHECK(h.run({"SORT", "s", "BY", "nosort", "STORE", "dst"}) == ":3\r\n");  // a set: ALPHA
  CHECK(h.run({"LRANGE", "dst", "0", "-1"}) == "*3\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\nc\r\n");
  h.run({"ZADD", "z", "1", "x", "2", "y"});
  CHECK(h.run({"SORT", "z", "BY", "nosort", "DESC"}) == "*2\r\n$1\r\ny\r\n$1\r\nx\r\n");
  CHECK(h.run({"SORT", "nokey", "STORE", "dst"}) == ":0\r\n");
  CHECK(h.run({"EXISTS", "dst"}) == ":0\r\n");
  CHECK(h.run({"SORT", "s", "ALPHA", "GET", "nothing_*", "STORE", "dst"}) == ":3\r\n");
  CHECK(h.run({"LRANGE", "dst", "0", "-1"}) == "*3\r\n$0\r\n\r\n$0\r\n\r\n$0\r\n\r\n");
}
