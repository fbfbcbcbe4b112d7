#include <catch2/catch.hpp>

#include "command_harness.hpp"

using credis::testing::command_harness;

TEST_CASE("SET and GET", "[commands][strings]") {
  command_harness h;
  CHECK(h.run({"SET", "k", "v"}) == "+OK\r\n");
  CHECK(h.run({"get", "k"}) == "$1\r\nv\r\n");
  CHECK(h.run({"GET", "missing"}) == "$-1\r\n");
  CHECK(h.run({"SET", "k", std::string_view("a\0b", 3)}) == "+OK\r\n");
  CHECK(h.run({"GET", "k"}) == std::string("$3\r\na\0b\r\n", 9));
}

TEST_CASE("SET NX, XX and GET", "[commands][strings]") {
  command_harness h;
  CHECK(h.run({"SET", "k", "1", "XX"}) == "$-1\r\n");
  CHECK(h.run({"SET", "k", "1", "nx"}) == "+OK\r\n");
  CHECK(h.run({"SET", "k", "2", "NX"}) == "$-1\r\n");
  CHECK(h.run({"SET", "k", "3", "XX", "GET"}) == "$1\r\n1\r\n");
  CHECK(h.run({"SET", "k", "4", "NX", "GET"}) == "$1\r\n3\r\n");
  CHECK(h.run({"GET", "k"}) == "$1\r\n3\r\n");
  CHECK(h.run({"SET", "new", "x", "GET"}) == "$-1\r\n");
  CHECK(h.run({"GET", "new"}) == "$1\r\nx\r\n");
}

TEST_CASE("SET expiry options", "[commands][strings]") {
  command_harness h;
  CHECK(h.run({"SET", "k", "v", "PX", "100"}) == "+OK\r\n");
  CHECK(h.run({"PTTL", "k"}) == ":100\r\n");
  h.now += 100;
  CHECK(h.run({"GET", "k"}) == "$1\r\nv\r\n");
  h.now += 1;
  CHECK(h.run({"GET", "k"}) == "$-1\r\n");

  CHECK(h.run({"SET", "k", "v", "EX", "10"}) == "+OK\r\n");
  CHECK(h.run({"TTL", "k"}) == ":10\r\n");
  CHECK(h.run({"SET", "k", "w", "KEEPTTL"}) == "+OK\r\n");
  CHECK(h.run({"PTTL", "k"}) == ":10000\r\n");
  CHECK(h.run({"SET", "k", "x"}) == "+OK\r\n");
  CHECK(h.run({"TTL", "k"}) == ":-1\r\n");

  std::string at = std::to_string(h.now / 1000 + 5);
  CHECK(h.run({"SET", "k", "v", "EXAT", at}) == "+OK\r\n");
  CHECK(h.run({"TTL", "k"}) == ":5\r\n");
  std::string pat = std::to_string(h.now + 1234);
  CHECK(h.run({"SET", "k", "v", "PXAT", pat}) == "+OK\r\n");
  CHECK(h.run({"PTTL", "k"}) == ":1234\r\n");
}

TEST_CASE("SET rejects bad options like Redis", "[commands][strings]") {
  command_harness h;
  CHECK(h.run({"SET", "k", "v", "NX", "XX"}) == "-ERR syntax error\r\n");
  CHECK(h.run({"SET", "k", "v", "EX", "1", "PX", "1"}) == "-ERR syntax error\r\n");
  CHECK(h.run({"SET", "k", "v", "EX", "1", "KEEPTTL"}) == "-ERR syntax error\r\n");
  CHECK(h.run({"SET", "k", "v", "EX"}) == "-ERR syntax error\r\n");
  CHECK(h.run({"SET", "k", "v", "FOO"}) == "-ERR syntax error\r\n");
  CHECK(h.run({"SET", "k", "v", "EX", "abc"}) ==
        "-ERR value is not an integer or out of range\r\n");
  CHECK(h.run({"SET", "k", "v", "EX", "0"}) == "-ERR invalid expire time in 'set' command\r\n");
  CHECK(h.run({"SET", "k", "v", "PX", "-5"}) == "-ERR invalid expire time in 'set' command\r\n");
  CHECK(h.run({"SET", "k", "v", "EX", "9223372036854775807"}) ==
        "-ERR invalid expire time in 'set' command\r\n");
  CHECK(h.run({"EXISTS", "k"}) == ":0\r\n");
}

TEST_CASE("INCR family", "[commands][strings]") {
  command_harness h;
  CHECK(h.run({"INCR", "n"}) == ":1\r\n");
  CHECK(h.run({"INCRBY", "n", "41"}) == ":42\r\n");
  CHECK(h.run({"DECR", "n"}) == ":41\r\n");
  CHECK(h.run({"DECRBY", "n", "50"}) == ":-9\r\n");
  CHECK(h.run({"GET", "n"}) == "$2\r\n-9\r\n");
  CHECK(h.run({"SET", "s", "abc"}) == "+OK\r\n");
  CHECK(h.run({"INCR", "s"}) == "-ERR value is not an integer or out of range\r\n");
  CHECK(h.run({"SET", "s", "007"}) == "+OK\r\n");
  CHECK(h.run({"INCR", "s"}) == "-ERR value is not an integer or out of range\r\n");
  CHECK(h.run({"INCRBY", "n", "x"}) == "-ERR value is not an integer or out of range\r\n");
  CHECK(h.run({"SET", "big", "9223372036854775807"}) == "+OK\r\n");
  CHECK(h.run({"INCR", "big"}) == "-ERR increment or decrement would overflow\r\n");
  CHECK(h.run({"DECRBY", "n", "-9223372036854775808"}) == "-ERR decrement would overflow\r\n");
  CHECK(h.run({"SET", "t", "5", "EX", "100"}) == "+OK\r\n");
  CHECK(h.run({"INCR", "t"}) == ":6\r\n");
  CHECK(h.run({"TTL", "t"}) == ":100\r\n");  // INCR keeps the deadline
}

TEST_CASE("MGET, MSET, APPEND, STRLEN", "[commands][strings]") {
  command_harness h;
  CHECK(h.run({"MSET", "a", "1", "b", "2"}) == "+OK\r\n");
  CHECK(h.run({"MSET", "a", "1", "b"}) == "-ERR wrong number of arguments for 'mset' command\r\n");
  CHECK(h.run({"MGET", "a", "nope", "b"}) == "*3\r\n$1\r\n1\r\n$-1\r\n$1\r\n2\r\n");
  CHECK(h.run({"APPEND", "a", "23"}) == ":3\r\n");
  CHECK(h.run({"APPEND", "fresh", "xy"}) == ":2\r\n");
  CHECK(h.run({"STRLEN", "a"}) == ":3\r\n");
  CHECK(h.run({"STRLEN", "none"}) == ":0\r\n");
}

TEST_CASE("wrong types get WRONGTYPE", "[commands][strings]") {
  command_harness h;
  h.ks.db(0).put("list", credis::value(credis::list_value{"x"}), credis::no_expiry);
  const std::string wrongtype =
      "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n";
  CHECK(h.run({"GET", "list"}) == wrongtype);
  CHECK(h.run({"INCR", "list"}) == wrongtype);
  CHECK(h.run({"APPEND", "list", "x"}) == wrongtype);
  CHECK(h.run({"SET", "list", "x", "GET"}) == wrongtype);
  CHECK(h.run({"MGET", "list"}) == "*1\r\n$-1\r\n");
  CHECK(h.run({"TYPE", "list"}) == "+list\r\n");
  CHECK(h.run({"SET", "list", "x"}) == "+OK\r\n");
  CHECK(h.run({"TYPE", "list"}) == "+string\r\n");
}
