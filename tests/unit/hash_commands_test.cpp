// The hash commands (storage/commands/hash_commands.cpp) with Redis 7.0's replies.
#include <catch2/catch.hpp>

#include <string>

#include "command_harness.hpp"

using credis::testing::command_harness;
using credis::testing::wrongtype;

TEST_CASE("HSET, HGET and friends; an emptied hash is deleted", "[commands][hashes]") {
  command_harness h;
  CHECK(h.run({"HSET", "h", "a", "1", "b", "2"}) == ":2\r\n");
  CHECK(h.run({"HSET", "h", "a", "3", "c", "4"}) == ":1\r\n");
  CHECK(h.run({"HSET", "h", "a"}) == "-ERR wrong number of arguments for 'hset' command\r\n");
  CHECK(h.run({"HMSET", "h", "d", "5"}) == "+OK\r\n");
  CHECK(h.run({"HSETNX", "h", "d", "6"}) == ":0\r\n");
  CHECK(h.run({"HSETNX", "h", "e", "6"}) == ":1\r\n");
  CHECK(h.run({"HGET", "h", "a"}) == "$1\r\n3\r\n");
  CHECK(h.run({"HGET", "h", "zz"}) == "$-1\r\n");
  CHECK(h.run({"HGET", "nokey", "a"}) == "$-1\r\n");
  CHECK(h.run({"HMGET", "h", "a", "zz", "b"}) == "*3\r\n$1\r\n3\r\n$-1\r\n$1\r\n2\r\n");
  CHECK(h.run({"HMGET", "nokey", "a"}) == "*1\r\n$-1\r\n");
  CHECK(h.run({"HLEN", "h"}) == ":5\r\n");
  CHECK(h.run({"HSTRLEN", "h", "a"}) == ":1\r\n");
  CHECK(h.run({"HEXISTS", "h", "e"}) == ":1\r\n");
  CHECK(h.run({"HKEYS", "h"}) ==
        "*5\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\nc\r\n$1\r\nd\r\n$1\r\ne\r\n");  // listpack: in order
  CHECK(h.run({"HGETALL", "nokey"}) == "*0\r\n");
  CHECK(h.run({"HDEL", "h", "a", "a", "zz"}) == ":1\r\n");
  CHECK(h.run({"HDEL", "h", "b", "c", "d", "e"}) == ":4\r\n");
  CHECK(h.run({"EXISTS", "h"}) == ":0\r\n");
  CHECK(h.run({"HDEL", "h", "a"}) == ":0\r\n");
  h.run({"SET", "s", "v"});
  CHECK(h.run({"HSET", "s", "a", "1"}) == wrongtype);
  CHECK(h.run({"HGET", "s", "a"}) == wrongtype);
  CHECK(h.run({"HMGET", "s", "a"}) == wrongtype);
  CHECK(h.run({"HGETALL", "s"}) == wrongtype);
  CHECK(h.run({"TYPE", "s"}) == "+string\r\n");
}

TEST_CASE("HINCRBY and HINCRBYFLOAT", "[commands][hashes]") {
  command_harness h;
  CHECK(h.run({"HINCRBY", "h", "n", "5"}) == ":5\r\n");
  CHECK(h.run({"HINCRBY", "h", "n", "-7"}) == ":-2\r\n");
  CHECK(h.run({"HINCRBY", "h", "n", "x"}) == "-ERR value is not an integer or out of range\r\n");
  h.run({"HSET", "h", "s", "abc", "big", "9223372036854775807"});
  CHECK(h.run({"HINCRBY", "h", "s", "1"}) == "-ERR hash value is not an integer\r\n");
  CHECK(h.run({"HINCRBY", "h", "big", "1"}) == "-ERR increment or decrement would overflow\r\n");
  CHECK(h.run({"HINCRBYFLOAT", "h", "f", "1.5"}) == "$3\r\n1.5\r\n");
  CHECK(h.run({"HINCRBYFLOAT", "h", "f", "1e1"}) == "$4\r\n11.5\r\n");
  CHECK(h.run({"HINCRBYFLOAT", "h", "s", "1"}) == "-ERR hash value is not a float\r\n");
  CHECK(h.run({"HINCRBYFLOAT", "h", "f", "inf"}) == "-ERR value is NaN or Infinity\r\n");
  CHECK(h.run({"HINCRBYFLOAT", "h", "f", "abc"}) == "-ERR value is not a valid float\r\n");
  // A failed increment on a missing key leaves no empty hash behind.
  CHECK(h.run({"HINCRBYFLOAT", "fresh", "f", "1e5000"}) == "-ERR value is not a valid float\r\n");
  CHECK(h.run({"EXISTS", "fresh"}) == ":0\r\n");

}

TEST_CASE("HRANDFIELD counts and errors", "[commands][hashes]") {
  command_harness h;
  CHECK(h.run({"HRANDFIELD", "nokey"}) == "$-1\r\n");
  CHECK(h.run({"HRANDFIELD", "nokey", "3"}) == "*0\r\n");
  h.run({"HSET", "h", "a", "1", "b", "2", "c", "3"});
  CHECK(h.run({"HRANDFIELD", "h", "5"}).substr(0, 4) == "*3\r\n");  // all of them, once
  CHECK(h.run({"HRANDFIELD", "h", "-5"}).substr(0, 4) == "*5\r\n");  // repeats allowed
  CHECK(h.run({"HRANDFIELD", "h", "2", "WITHVALUES"}).substr(0, 4) == "*4\r\n");
  CHECK(h.run({"HRANDFIELD", "h", "0"}) == "*0\r\n");
  CHECK(h.run({"HRANDFIELD", "h", "1", "FOO"}) == "-ERR syntax error\r\n");
  CHECK(h.run({"HRANDFIELD", "h", "-9223372036854770000", "WITHVALUES"}) ==
        "-ERR value is out of range\r\n");
}

TEST_CASE("HSCAN: a small hash at once; a big one by buckets, nothing missed",
          "[commands][hashes]") {
  command_harness h;
  h.run({"HSET", "small", "a", "1", "b", "2"});
  CHECK(h.run({"HSCAN", "small", "0", "MATCH", "a*"}) ==
        "*2\r\n$1\r\n0\r\n*2\r\n$1\r\na\r\n$1\r\n1\r\n");
  CHECK(h.run({"HSCAN", "nokey", "0"}) == "*2\r\n$1\r\n0\r\n*0\r\n");
  CHECK(h.run({"HSCAN", "small", "x"}) == "-ERR invalid cursor\r\n");
  CHECK(h.run({"HSCAN", "small", "0", "TYPE", "string"}) == "-ERR syntax error\r\n");
}
