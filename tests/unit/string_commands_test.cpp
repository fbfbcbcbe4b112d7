#include <catch2/catch.hpp>

#include "command_harness.hpp"

using credis::testing::command_harness;
using credis::testing::wrongtype;

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
  CHECK(h.run({"GET", "list"}) == wrongtype);
  CHECK(h.run({"INCR", "list"}) == wrongtype);
  CHECK(h.run({"APPEND", "list", "x"}) == wrongtype);
  CHECK(h.run({"GETRANGE", "list", "0", "1"}) == wrongtype);
  CHECK(h.run({"SETRANGE", "list", "0", "x"}) == wrongtype);
  CHECK(h.run({"SETRANGE", "list", "0", ""}) == wrongtype);
  CHECK(h.run({"GETEX", "list", "PERSIST"}) == wrongtype);
  CHECK(h.run({"INCRBYFLOAT", "list", "1"}) == wrongtype);
  CHECK(h.run({"SET", "list", "x", "GET"}) == wrongtype);
  CHECK(h.run({"MGET", "list"}) == "*1\r\n$-1\r\n");
  CHECK(h.run({"TYPE", "list"}) == "+list\r\n");
  CHECK(h.run({"SET", "list", "x"}) == "+OK\r\n");
  CHECK(h.run({"TYPE", "list"}) == "+string\r\n");
}

TEST_CASE("GETRANGE and SUBSTR", "[commands][strings]") {
  command_harness h;
  h.run({"SET", "s", "This is a string"});
  CHECK(h.run({"GETRANGE", "s", "0", "3"}) == "$4\r\nThis\r\n");
  CHECK(h.run({"GETRANGE", "s", "-3", "-1"}) == "$3\r\ning\r\n");
  CHECK(h.run({"GETRANGE", "s", "0", "-1"}) == "$16\r\nThis is a string\r\n");
  CHECK(h.run({"GETRANGE", "s", "10", "100"}) == "$6\r\nstring\r\n");
  CHECK(h.run({"SUBSTR", "s", "5", "6"}) == "$2\r\nis\r\n");
  // Both negative with start past end is empty even though clamping would make them meet.
  CHECK(h.run({"GETRANGE", "s", "-1", "-5"}) == "$0\r\n\r\n");
  CHECK(h.run({"GETRANGE", "s", "-100", "-50"}) == "$1\r\nT\r\n");
  CHECK(h.run({"GETRANGE", "s", "5", "2"}) == "$0\r\n\r\n");
  CHECK(h.run({"GETRANGE", "missing", "0", "-1"}) == "$0\r\n\r\n");
  CHECK(h.run({"GETRANGE", "s", "x", "1"}) == "-ERR value is not an integer or out of range\r\n");
  CHECK(h.run({"GETRANGE", "missing", "0", "x"}) ==
        "-ERR value is not an integer or out of range\r\n");
  h.run({"SET", "e", ""});
  CHECK(h.run({"GETRANGE", "e", "0", "-1"}) == "$0\r\n\r\n");
}

TEST_CASE("SETRANGE pads with zero bytes and refuses what would pass proto-max-bulk-len",
          "[commands][strings]") {
  command_harness h;
  CHECK(h.run({"SETRANGE", "k", "3", "ab"}) == ":5\r\n");
  CHECK(h.run({"GET", "k"}) == std::string("$5\r\n\0\0\0ab\r\n", 11));
  CHECK(h.run({"SETRANGE", "k", "0", "xyz"}) == ":5\r\n");
  CHECK(h.run({"GET", "k"}) == "$5\r\nxyzab\r\n");
  CHECK(h.run({"SETRANGE", "k", "1", ""}) == ":5\r\n");
  // Nothing to write creates nothing.
  CHECK(h.run({"SETRANGE", "none", "10", ""}) == ":0\r\n");
  CHECK(h.run({"EXISTS", "none"}) == ":0\r\n");
  CHECK(h.run({"SETRANGE", "k", "-1", "x"}) == "-ERR offset is out of range\r\n");
  CHECK(h.run({"SETRANGE", "k", "x", "x"}) == "-ERR value is not an integer or out of range\r\n");
  CHECK(h.run({"SETRANGE", "k", "536870912", "x"}) ==
        "-ERR string exceeds maximum allowed size (proto-max-bulk-len)\r\n");
  CHECK(h.run({"SETRANGE", "k", "9223372036854775807", "x"}) ==
        "-ERR string exceeds maximum allowed size (proto-max-bulk-len)\r\n");
  // A value of 32 KB and more lives in a block: it is rewritten the same way.
  std::string big(40000, 'b');
  h.run({"SET", "big", big});
  CHECK(h.run({"SETRANGE", "big", "39999", "cd"}) == ":40001\r\n");
  CHECK(h.run({"GETRANGE", "big", "39998", "-1"}) == "$3\r\nbcd\r\n");
  // Expiry is kept.
  h.run({"SET", "t", "abc", "PX", "100"});
  CHECK(h.run({"SETRANGE", "t", "1", "X"}) == ":3\r\n");
  CHECK(h.run({"PTTL", "t"}) == ":100\r\n");
}

TEST_CASE("GETEX sets or removes the deadline and replies the value", "[commands][strings]") {
  command_harness h;
  h.run({"SET", "k", "v"});
  CHECK(h.run({"GETEX", "k"}) == "$1\r\nv\r\n");
  CHECK(h.run({"GETEX", "k", "PX", "100"}) == "$1\r\nv\r\n");
  CHECK(h.run({"PTTL", "k"}) == ":100\r\n");
  CHECK(h.run({"GETEX", "k", "ex", "10"}) == "$1\r\nv\r\n");
  CHECK(h.run({"PTTL", "k"}) == ":10000\r\n");
  CHECK(h.run({"GETEX", "k", "PERSIST"}) == "$1\r\nv\r\n");
  CHECK(h.run({"PTTL", "k"}) == ":-1\r\n");
  CHECK(h.run({"GETEX", "k", "PXAT", std::to_string(h.now + 500)}) == "$1\r\nv\r\n");
  CHECK(h.run({"PTTL", "k"}) == ":500\r\n");
  // An absolute deadline already past deletes the key, after replying its value.
  CHECK(h.run({"GETEX", "k", "EXAT", "100"}) == "$1\r\nv\r\n");
  CHECK(h.run({"EXISTS", "k"}) == ":0\r\n");
  CHECK(h.run({"GETEX", "k", "EX", "10"}) == "$-1\r\n");
  h.run({"SET", "k", "v"});
  CHECK(h.run({"GETEX", "k", "EX", "0"}) == "-ERR invalid expire time in 'getex' command\r\n");
  CHECK(h.run({"GETEX", "k", "EX", "x"}) == "-ERR value is not an integer or out of range\r\n");
  // The expire value is checked only once the key is found, as Redis does.
  CHECK(h.run({"GETEX", "missing", "EX", "0"}) == "$-1\r\n");
  CHECK(h.run({"GETEX", "k", "EX", "10", "PX", "10"}) == "-ERR syntax error\r\n");
  CHECK(h.run({"GETEX", "k", "PERSIST", "EX", "10"}) == "-ERR syntax error\r\n");
  CHECK(h.run({"GETEX", "k", "EX"}) == "-ERR syntax error\r\n");
  CHECK(h.run({"GETEX", "k", "EX", "10", "EX", "20"}) == "$1\r\nv\r\n");
  CHECK(h.run({"TTL", "k"}) == ":20\r\n");
}

TEST_CASE("INCRBYFLOAT reads and writes numbers as Redis does", "[commands][strings]") {
  command_harness h;
  CHECK(h.run({"INCRBYFLOAT", "f", "10.5"}) == "$4\r\n10.5\r\n");
  CHECK(h.run({"INCRBYFLOAT", "f", "0.1"}) == "$4\r\n10.6\r\n");
  CHECK(h.run({"INCRBYFLOAT", "f", "-10.6"}) == "$1\r\n0\r\n");
  CHECK(h.run({"INCRBYFLOAT", "f", "5.0e3"}) == "$4\r\n5000\r\n");
  CHECK(h.run({"INCRBYFLOAT", "f", "0x10"}) == "$4\r\n5016\r\n");
  CHECK(h.run({"INCRBYFLOAT", "f", "abc"}) == "-ERR value is not a valid float\r\n");
  CHECK(h.run({"INCRBYFLOAT", "f", " 1"}) == "-ERR value is not a valid float\r\n");
  CHECK(h.run({"INCRBYFLOAT", "f", "1 "}) == "-ERR value is not a valid float\r\n");
  CHECK(h.run({"INCRBYFLOAT", "f", "nan"}) == "-ERR value is not a valid float\r\n");
  CHECK(h.run({"INCRBYFLOAT", "f", "1e5000"}) == "-ERR value is not a valid float\r\n");
  CHECK(h.run({"INCRBYFLOAT", "f", "inf"}) == "-ERR increment would produce NaN or Infinity\r\n");
  CHECK(h.run({"GET", "f"}) == "$4\r\n5016\r\n");
  h.run({"SET", "s", "hello"});
  CHECK(h.run({"INCRBYFLOAT", "s", "1"}) == "-ERR value is not a valid float\r\n");
  h.run({"SET", "t", "1.5", "PX", "100"});
  CHECK(h.run({"INCRBYFLOAT", "t", "1"}) == "$3\r\n2.5\r\n");
  CHECK(h.run({"PTTL", "t"}) == ":100\r\n");
  h.run({"SET", "z", "-1"});
  CHECK(h.run({"INCRBYFLOAT", "z", "1"}) == "$1\r\n0\r\n");
}

TEST_CASE("LCS: the subsequence, its length and the matching runs", "[commands][strings]") {
  command_harness h;
  h.run({"MSET", "a", "ohmytext", "b", "mynewtext"});
  CHECK(h.run({"LCS", "a", "b"}) == "$6\r\nmytext\r\n");
  CHECK(h.run({"LCS", "a", "b", "LEN"}) == ":6\r\n");
  // Runs from the ends towards the starts: "text" (a 4-7, b 5-8), then "my" (a 2-3, b 0-1).
  CHECK(h.run({"LCS", "a", "b", "IDX", "MINMATCHLEN", "2", "WITHMATCHLEN"}) ==
        "*4\r\n$7\r\nmatches\r\n*2\r\n"
        "*3\r\n*2\r\n:4\r\n:7\r\n*2\r\n:5\r\n:8\r\n:4\r\n"
        "*3\r\n*2\r\n:2\r\n:3\r\n*2\r\n:0\r\n:1\r\n:2\r\n"
        "$3\r\nlen\r\n:6\r\n");
  CHECK(h.run({"LCS", "a", "nokey"}) == "$0\r\n\r\n");
  CHECK(h.run({"LCS", "a", "b", "LEN", "IDX"}) ==
        "-ERR If you want both the length and indexes, please just use IDX.\r\n");
  h.run({"RPUSH", "l", "x"});
  CHECK(h.run({"LCS", "a", "l"}) == "-ERR The specified keys must contain string values\r\n");
  // The table is bounded like a bulk argument: two 601-byte strings need 1.4 MB of it.
  h.server.config.proto_max_bulk_len = 1 << 20;
  h.run({"SETRANGE", "big1", "600", "x"});
  h.run({"SETRANGE", "big2", "600", "y"});
  CHECK(h.run({"LCS", "big1", "big2", "LEN"}) ==
        "-ERR Insufficient memory, transient memory for LCS exceeds proto-max-bulk-len\r\n");
}
