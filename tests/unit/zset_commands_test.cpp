// The sorted set commands (storage/commands/zset_*commands.cpp) with Redis 7.0's replies, each
// checked against a real redis-server 7.0.15.
#include <catch2/catch.hpp>

#include <string>

#include "command_harness.hpp"

using credis::testing::command_harness;
using credis::testing::wrongtype;

TEST_CASE("ZADD: options, replies and errors", "[commands][zset]") {
  command_harness h;
  CHECK(h.run({"ZADD", "z", "1", "a", "2", "b"}) == ":2\r\n");
  CHECK(h.run({"ZADD", "z", "CH", "5", "a", "2", "b", "3", "c"}) == ":2\r\n");  // a changed, c new
  CHECK(h.run({"ZADD", "z", "NX", "9", "a", "4", "d"}) == ":1\r\n");
  CHECK(h.run({"ZSCORE", "z", "a"}) == "$1\r\n5\r\n");
  CHECK(h.run({"ZADD", "z", "XX", "CH", "6", "a", "1", "nosuch"}) == ":1\r\n");
  CHECK(h.run({"ZADD", "z", "GT", "CH", "1", "a", "7", "b"}) == ":1\r\n");  // only b went up
  CHECK(h.run({"ZADD", "z", "LT", "CH", "0", "a", "9", "b"}) == ":1\r\n");
  CHECK(h.run({"ZADD", "z", "INCR", "1.5", "a"}) == "$3\r\n1.5\r\n");
  CHECK(h.run({"ZADD", "z", "NX", "INCR", "1", "a"}) == "$-1\r\n");  // no-op: null
  CHECK(h.run({"ZINCRBY", "z", "0.1", "a"}) == "$18\r\n1.6000000000000001\r\n");  // %.17g
  CHECK(h.run({"ZINCRBY", "z", "0.1", "a"}) == "$18\r\n1.7000000000000002\r\n");
  CHECK(h.run({"ZADD", "nokey", "XX", "1", "a"}) == ":0\r\n");
  CHECK(h.run({"ZADD", "nokey", "XX", "INCR", "1", "a"}) == "$-1\r\n");
  CHECK(h.run({"EXISTS", "nokey"}) == ":0\r\n");

  CHECK(h.run({"ZADD", "z", "1", "a", "2"}) == "-ERR syntax error\r\n");
  CHECK(h.run({"ZADD", "z", "NX", "XX", "1", "a"}) ==
        "-ERR XX and NX options at the same time are not compatible\r\n");
  CHECK(h.run({"ZADD", "z", "GT", "LT", "1", "a"}) ==
        "-ERR GT, LT, and/or NX options at the same time are not compatible\r\n");
  CHECK(h.run({"ZADD", "z", "INCR", "1", "a", "2", "b"}) ==
        "-ERR INCR option supports a single increment-element pair\r\n");
  CHECK(h.run({"ZADD", "z", "1", "a", "nan", "b"}) == "-ERR value is not a valid float\r\n");
  CHECK(h.run({"ZADD", "z", "1e400", "a"}) == "-ERR value is not a valid float\r\n");
  CHECK(h.run({"ZADD", "z", " 1", "a"}) == "-ERR value is not a valid float\r\n");
  h.run({"ZADD", "inf", "inf", "x"});
  CHECK(h.run({"ZINCRBY", "inf", "-inf", "x"}) ==
        "-ERR resulting score is not a number (NaN)\r\n");
  CHECK(h.run({"ZSCORE", "inf", "x"}) == "$3\r\ninf\r\n");
  h.run({"SET", "str", "v"});
  CHECK(h.run({"ZADD", "str", "1", "a"}) == wrongtype);
  CHECK(h.run({"ZADD", "str", "x", "a"}) == "-ERR value is not a valid float\r\n");  // scores first
}

TEST_CASE("ZRANGE: by rank, score and member, REV, LIMIT, WITHSCORES", "[commands][zset]") {
  command_harness h;
  h.run({"ZADD", "z", "1", "a", "2", "b", "3", "c", "4", "d"});
  CHECK(h.run({"ZRANGE", "z", "1", "-2"}) == "*2\r\n$1\r\nb\r\n$1\r\nc\r\n");
  CHECK(h.run({"ZRANGE", "z", "0", "0", "REV", "WITHSCORES"}) == "*2\r\n$1\r\nd\r\n$1\r\n4\r\n");
  CHECK(h.run({"ZREVRANGE", "z", "1", "100"}) == "*3\r\n$1\r\nc\r\n$1\r\nb\r\n$1\r\na\r\n");
  CHECK(h.run({"ZRANGE", "z", "(1", "3", "BYSCORE"}) == "*2\r\n$1\r\nb\r\n$1\r\nc\r\n");
  CHECK(h.run({"ZRANGE", "z", "+inf", "-inf", "BYSCORE", "REV", "LIMIT", "1", "2"}) ==
        "*2\r\n$1\r\nc\r\n$1\r\nb\r\n");
  CHECK(h.run({"ZRANGEBYSCORE", "z", "-inf", "+inf", "LIMIT", "-1", "2"}) == "*0\r\n");
  CHECK(h.run({"ZRANGEBYSCORE", "z", "2", "+inf", "LIMIT", "0", "-1"}) ==
        "*3\r\n$1\r\nb\r\n$1\r\nc\r\n$1\r\nd\r\n");
  CHECK(h.run({"ZREVRANGEBYSCORE", "z", "(4", "(1"}) == "*2\r\n$1\r\nc\r\n$1\r\nb\r\n");
  CHECK(h.run({"ZRANGE", "z", "[b", "(d", "BYLEX"}) == "*2\r\n$1\r\nb\r\n$1\r\nc\r\n");
  CHECK(h.run({"ZREVRANGEBYLEX", "z", "+", "[c"}) == "*2\r\n$1\r\nd\r\n$1\r\nc\r\n");
  CHECK(h.run({"ZCOUNT", "z", "(1", "+inf"}) == ":3\r\n");
  CHECK(h.run({"ZLEXCOUNT", "z", "-", "(c"}) == ":2\r\n");
  CHECK(h.run({"ZRANK", "z", "c"}) == ":2\r\n");
  CHECK(h.run({"ZREVRANK", "z", "c"}) == ":1\r\n");
  CHECK(h.run({"ZRANK", "z", "nosuch"}) == "$-1\r\n");

  CHECK(h.run({"ZRANGE", "z", "0", "1", "LIMIT", "0", "1"}) ==
        "-ERR syntax error, LIMIT is only supported in combination with either BYSCORE or "
        "BYLEX\r\n");
  CHECK(h.run({"ZRANGE", "z", "-", "+", "BYLEX", "WITHSCORES"}) ==
        "-ERR syntax error, WITHSCORES not supported in combination with BYLEX\r\n");
  CHECK(h.run({"ZRANGEBYSCORE", "z", "0", "1", "REV"}) == "-ERR syntax error\r\n");
  CHECK(h.run({"ZRANGE", "z", "x", "1", "BYSCORE"}) == "-ERR min or max is not a float\r\n");
  CHECK(h.run({"ZRANGE", "z", "a", "+", "BYLEX"}) ==
        "-ERR min or max not valid string range item\r\n");
  CHECK(h.run({"ZRANGE", "z", "0", "x"}) == "-ERR value is not an integer or out of range\r\n");

  CHECK(h.run({"ZRANGESTORE", "dst", "z", "2", "3", "BYSCORE"}) == ":2\r\n");
  CHECK(h.run({"ZRANGE", "dst", "0", "-1", "WITHSCORES"}) ==
        "*4\r\n$1\r\nb\r\n$1\r\n2\r\n$1\r\nc\r\n$1\r\n3\r\n");
  CHECK(h.run({"ZRANGESTORE", "dst", "z", "5", "9", "BYSCORE"}) == ":0\r\n");  // deletes dst
  CHECK(h.run({"EXISTS", "dst"}) == ":0\r\n");
}

TEST_CASE("ZREMRANGEBY*, ZPOPMIN/ZPOPMAX and ZMPOP", "[commands][zset]") {
  command_harness h;
  h.run({"ZADD", "z", "1", "a", "2", "b", "3", "c", "4", "d", "5", "e"});
  CHECK(h.run({"ZREMRANGEBYRANK", "z", "0", "0"}) == ":1\r\n");
  CHECK(h.run({"ZREMRANGEBYSCORE", "z", "(4", "+inf"}) == ":1\r\n");
  CHECK(h.run({"ZREMRANGEBYLEX", "z", "[d", "+"}) == ":1\r\n");
  CHECK(h.run({"ZRANGE", "z", "0", "-1"}) == "*2\r\n$1\r\nb\r\n$1\r\nc\r\n");
  CHECK(h.run({"ZPOPMAX", "z"}) == "*2\r\n$1\r\nc\r\n$1\r\n3\r\n");
  CHECK(h.run({"ZPOPMIN", "z", "0"}) == "*0\r\n");
  CHECK(h.run({"ZPOPMIN", "z", "-1"}) == "-ERR value is out of range, must be positive\r\n");
  CHECK(h.run({"ZPOPMIN", "z", "5"}) == "*2\r\n$1\r\nb\r\n$1\r\n2\r\n");
  CHECK(h.run({"EXISTS", "z"}) == ":0\r\n");
  CHECK(h.run({"ZPOPMIN", "z"}) == "*0\r\n");

  h.run({"ZADD", "y", "1", "a", "2", "b"});
  CHECK(h.run({"ZMPOP", "2", "nokey", "y", "MAX", "COUNT", "5"}) ==
        "*2\r\n$1\r\ny\r\n*2\r\n*2\r\n$1\r\nb\r\n$1\r\n2\r\n*2\r\n$1\r\na\r\n$1\r\n1\r\n");
  CHECK(h.run({"ZMPOP", "1", "y", "MIN"}) == "*-1\r\n");
  CHECK(h.run({"ZMPOP", "0", "y", "MIN"}) == "-ERR numkeys should be greater than 0\r\n");
  CHECK(h.run({"ZMPOP", "1", "y", "LEFT"}) == "-ERR syntax error\r\n");
  CHECK(h.run({"ZMPOP", "1", "y", "MIN", "COUNT", "0"}) ==
        "-ERR count should be greater than 0\r\n");
}

TEST_CASE("ZUNION, ZINTER, ZDIFF, their STORE forms and ZINTERCARD", "[commands][zset]") {
  command_harness h;
  h.run({"ZADD", "a", "1", "x", "2", "y", "3", "z"});
  h.run({"ZADD", "b", "10", "y", "20", "z", "30", "w"});
  h.run({"SADD", "s", "z", "w"});  // a set counts as scores of 1
  CHECK(h.run({"ZINTER", "2", "a", "b", "WITHSCORES"}) ==
        "*4\r\n$1\r\ny\r\n$2\r\n12\r\n$1\r\nz\r\n$2\r\n23\r\n");
  CHECK(h.run({"ZUNION", "2", "a", "s", "WEIGHTS", "2", "10", "AGGREGATE", "MAX", "WITHSCORES"}) ==
        "*8\r\n$1\r\nx\r\n$1\r\n2\r\n$1\r\ny\r\n$1\r\n4\r\n$1\r\nw\r\n$2\r\n10\r\n$1\r\nz\r\n$2\r\n"
        "10\r\n");
  CHECK(h.run({"ZDIFF", "2", "a", "b"}) == "*1\r\n$1\r\nx\r\n");
  CHECK(h.run({"ZINTERSTORE", "dst", "3", "a", "b", "s", "AGGREGATE", "min"}) == ":1\r\n");
  CHECK(h.run({"ZRANGE", "dst", "0", "-1", "WITHSCORES"}) == "*2\r\n$1\r\nz\r\n$1\r\n1\r\n");
  CHECK(h.run({"ZDIFFSTORE", "dst", "2", "a", "a"}) == ":0\r\n");
  CHECK(h.run({"EXISTS", "dst"}) == ":0\r\n");
  CHECK(h.run({"ZINTERCARD", "2", "a", "b"}) == ":2\r\n");
  CHECK(h.run({"ZINTERCARD", "2", "a", "b", "LIMIT", "1"}) == ":1\r\n");
  // +inf plus -inf sums to 0, as in Redis.
  h.run({"ZADD", "p", "inf", "m"});
  h.run({"ZADD", "n", "-inf", "m"});
  CHECK(h.run({"ZUNION", "2", "p", "n", "WITHSCORES"}) == "*2\r\n$1\r\nm\r\n$1\r\n0\r\n");

  CHECK(h.run({"ZUNION", "0", "a"}) == "-ERR at least 1 input key is needed for 'zunion' command\r\n");
  CHECK(h.run({"ZUNION", "3", "a", "b"}) == "-ERR syntax error\r\n");
  CHECK(h.run({"ZDIFF", "2", "a", "b", "WEIGHTS", "1", "2"}) == "-ERR syntax error\r\n");
  CHECK(h.run({"ZUNION", "2", "a", "b", "WEIGHTS", "1", "x"}) ==
        "-ERR weight value is not a float\r\n");
  CHECK(h.run({"ZUNIONSTORE", "d", "1", "a", "WITHSCORES"}) == "-ERR syntax error\r\n");
  CHECK(h.run({"ZINTERCARD", "1", "a", "LIMIT", "-1"}) == "-ERR LIMIT can't be negative\r\n");
  h.run({"SET", "str", "v"});
  CHECK(h.run({"ZUNION", "2", "a", "str"}) == wrongtype);
}

TEST_CASE("Sorted sets turn into a skip list past the listpack limits, as Redis",
          "[commands][zset]") {
  command_harness h;
  for (int i = 0; i < 128; ++i)
    h.run({"ZADD", "z", std::to_string(i), "m" + std::to_string(i)});
  CHECK(h.run({"OBJECT", "ENCODING", "z"}) == "$8\r\nlistpack\r\n");
  h.run({"ZADD", "z", "200", "one-more"});
  CHECK(h.run({"OBJECT", "ENCODING", "z"}) == "$8\r\nskiplist\r\n");
  CHECK(h.run({"ZRANK", "z", "m100"}) == ":100\r\n");
  CHECK(h.run({"ZRANGE", "z", "127", "128"}) == "*2\r\n$4\r\nm127\r\n$8\r\none-more\r\n");
  // A stored result small enough is a listpack again.
  CHECK(h.run({"ZRANGESTORE", "small", "z", "0", "9"}) == ":10\r\n");
  CHECK(h.run({"OBJECT", "ENCODING", "small"}) == "$8\r\nlistpack\r\n");
}
