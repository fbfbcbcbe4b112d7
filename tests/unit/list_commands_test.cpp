// LPUSH, RPUSH, LPUSHX, RPUSHX, LPOP, RPOP, LLEN, LRANGE and LINDEX
// (storage/commands/list_commands.cpp), with Redis 7.0's replies.
#include <catch2/catch.hpp>

#include <string>

#include "command_harness.hpp"

using credis::testing::command_harness;
using credis::testing::wrongtype;

TEST_CASE("pushes and pops at both ends; an emptied list is deleted", "[commands][lists]") {
  command_harness h;
  CHECK(h.run({"RPUSH", "l", "a", "b"}) == ":2\r\n");
  CHECK(h.run({"LPUSH", "l", "x", "y"}) == ":4\r\n");  // y x a b
  CHECK(h.run({"LRANGE", "l", "0", "-1"}) == "*4\r\n$1\r\ny\r\n$1\r\nx\r\n$1\r\na\r\n$1\r\nb\r\n");
  CHECK(h.run({"LPUSHX", "none", "v"}) == ":0\r\n");
  CHECK(h.run({"EXISTS", "none"}) == ":0\r\n");
  CHECK(h.run({"RPUSHX", "l", "z"}) == ":5\r\n");
  CHECK(h.run({"LPOP", "l"}) == "$1\r\ny\r\n");
  CHECK(h.run({"RPOP", "l", "2"}) == "*2\r\n$1\r\nz\r\n$1\r\nb\r\n");
  CHECK(h.run({"LPOP", "l", "0"}) == "*0\r\n");
  CHECK(h.run({"LLEN", "l"}) == ":2\r\n");
  CHECK(h.run({"LPOP", "l", "10"}) == "*2\r\n$1\r\nx\r\n$1\r\na\r\n");
  CHECK(h.run({"EXISTS", "l"}) == ":0\r\n");
  CHECK(h.run({"LPOP", "l"}) == "$-1\r\n");
  CHECK(h.run({"LPOP", "l", "1"}) == "*-1\r\n");
  CHECK(h.run({"LPOP", "l", "-1"}) == "-ERR value is out of range, must be positive\r\n");
  CHECK(h.run({"LPOP", "l", "1", "2"}) ==
        "-ERR wrong number of arguments for 'lpop' command\r\n");
  CHECK(h.run({"LLEN", "l"}) == ":0\r\n");
  h.run({"SET", "s", "v"});
  CHECK(h.run({"LPUSH", "s", "x"}) == wrongtype);
  CHECK(h.run({"RPOP", "s"}) == wrongtype);
  CHECK(h.run({"LRANGE", "s", "0", "1"}) == wrongtype);
  CHECK(h.run({"GET", "s"}) == "$1\r\nv\r\n");
  h.run({"RPUSH", "l2", "a"});
  CHECK(h.run({"GET", "l2"}) == wrongtype);
  CHECK(h.run({"TYPE", "l2"}) == "+list\r\n");
}

TEST_CASE("LRANGE and LINDEX indexes", "[commands][lists]") {
  command_harness h;
  h.run({"RPUSH", "l", "a", "b", "c"});
  CHECK(h.run({"LRANGE", "l", "-2", "100"}) == "*2\r\n$1\r\nb\r\n$1\r\nc\r\n");
  CHECK(h.run({"LRANGE", "l", "0", "-100"}) == "*0\r\n");  // unlike GETRANGE: nothing
  CHECK(h.run({"LRANGE", "l", "-100", "0"}) == "*1\r\n$1\r\na\r\n");
  CHECK(h.run({"LRANGE", "l", "3", "5"}) == "*0\r\n");
  CHECK(h.run({"LRANGE", "missing", "0", "-1"}) == "*0\r\n");
  CHECK(h.run({"LRANGE", "l", "x", "1"}) == "-ERR value is not an integer or out of range\r\n");
  CHECK(h.run({"LINDEX", "l", "-1"}) == "$1\r\nc\r\n");
  CHECK(h.run({"LINDEX", "l", "3"}) == "$-1\r\n");
  CHECK(h.run({"LINDEX", "l", "-4"}) == "$-1\r\n");
  CHECK(h.run({"LINDEX", "missing", "0"}) == "$-1\r\n");
  // Past the compact encoding's 8 KB the list changes representation; the replies do not.
  std::string item(100, 'x');
  for (int i = 0; i < 200; ++i)
    h.run({"RPUSH", "big", item + std::to_string(i)});
  CHECK(h.run({"LLEN", "big"}) == ":200\r\n");
  CHECK(h.run({"LINDEX", "big", "150"}) == "$103\r\n" + item + "150\r\n");
  CHECK(h.run({"LPOP", "big"}) == "$101\r\n" + item + "0\r\n");
}

TEST_CASE("LSET, LTRIM, LREM and LINSERT", "[commands][lists]") {
  command_harness h;
  h.run({"RPUSH", "l", "a", "b", "a", "c", "a"});
  CHECK(h.run({"LSET", "l", "-1", "z"}) == "+OK\r\n");
  CHECK(h.run({"LSET", "l", "5", "z"}) == "-ERR index out of range\r\n");
  CHECK(h.run({"LSET", "missing", "x", "z"}) == "-ERR no such key\r\n");  // the key first
  CHECK(h.run({"LREM", "l", "-1", "a"}) == ":1\r\n");                      // from the tail
  CHECK(h.run({"LRANGE", "l", "0", "-1"}) == "*4\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\nc\r\n$1\r\nz\r\n");
  CHECK(h.run({"LINSERT", "l", "BEFORE", "c", "x"}) == ":5\r\n");
  CHECK(h.run({"LINSERT", "l", "after", "z", "y"}) == ":6\r\n");
  CHECK(h.run({"LINSERT", "l", "after", "nope", "y"}) == ":-1\r\n");
  CHECK(h.run({"LINSERT", "l", "middle", "z", "y"}) == "-ERR syntax error\r\n");
  CHECK(h.run({"LINSERT", "missing", "after", "z", "y"}) == ":0\r\n");
  CHECK(h.run({"LRANGE", "l", "0", "-1"}) ==
        "*6\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\nx\r\n$1\r\nc\r\n$1\r\nz\r\n$1\r\ny\r\n");
  CHECK(h.run({"LTRIM", "l", "1", "-2"}) == "+OK\r\n");
  CHECK(h.run({"LRANGE", "l", "0", "-1"}) == "*4\r\n$1\r\nb\r\n$1\r\nx\r\n$1\r\nc\r\n$1\r\nz\r\n");
  CHECK(h.run({"LREM", "l", "0", "x"}) == ":1\r\n");
  CHECK(h.run({"LTRIM", "l", "0", "-100"}) == "+OK\r\n");  // an empty range empties the list
  CHECK(h.run({"EXISTS", "l"}) == ":0\r\n");
  CHECK(h.run({"LTRIM", "missing", "0", "1"}) == "+OK\r\n");
  CHECK(h.run({"LREM", "missing", "0", "x"}) == ":0\r\n");
}

TEST_CASE("LMOVE and RPOPLPUSH, onto another list or the same one", "[commands][lists]") {
  command_harness h;
  h.run({"RPUSH", "src", "a", "b", "c"});
  CHECK(h.run({"RPOPLPUSH", "src", "dst"}) == "$1\r\nc\r\n");
  CHECK(h.run({"LMOVE", "src", "dst", "LEFT", "RIGHT"}) == "$1\r\na\r\n");
  CHECK(h.run({"LRANGE", "dst", "0", "-1"}) == "*2\r\n$1\r\nc\r\n$1\r\na\r\n");
  CHECK(h.run({"LMOVE", "dst", "dst", "LEFT", "RIGHT"}) == "$1\r\nc\r\n");  // rotates
  CHECK(h.run({"LRANGE", "dst", "0", "-1"}) == "*2\r\n$1\r\na\r\n$1\r\nc\r\n");
  CHECK(h.run({"RPOPLPUSH", "src", "src"}) == "$1\r\nb\r\n");  // one element: stays
  CHECK(h.run({"LLEN", "src"}) == ":1\r\n");
  CHECK(h.run({"RPOPLPUSH", "src", "dst"}) == "$1\r\nb\r\n");
  CHECK(h.run({"EXISTS", "src"}) == ":0\r\n");  // emptied: deleted
  CHECK(h.run({"RPOPLPUSH", "src", "dst"}) == "$-1\r\n");
  CHECK(h.run({"LMOVE", "dst", "dst", "UP", "LEFT"}) == "-ERR syntax error\r\n");
  h.run({"SET", "s", "v"});
  CHECK(h.run({"RPOPLPUSH", "dst", "s"}) ==
        "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n");
  CHECK(h.run({"LLEN", "dst"}) == ":3\r\n");  // nothing popped
}

TEST_CASE("LPOS with RANK, COUNT and MAXLEN", "[commands][lists]") {
  command_harness h;
  h.run({"RPUSH", "l", "a", "b", "c", "1", "2", "3", "c", "c"});
  CHECK(h.run({"LPOS", "l", "c"}) == ":2\r\n");
  CHECK(h.run({"LPOS", "l", "c", "RANK", "2"}) == ":6\r\n");
  CHECK(h.run({"LPOS", "l", "c", "RANK", "-1"}) == ":7\r\n");
  CHECK(h.run({"LPOS", "l", "c", "COUNT", "2"}) == "*2\r\n:2\r\n:6\r\n");
  CHECK(h.run({"LPOS", "l", "c", "COUNT", "0"}) == "*3\r\n:2\r\n:6\r\n:7\r\n");
  CHECK(h.run({"LPOS", "l", "c", "RANK", "-2", "COUNT", "0"}) == "*2\r\n:6\r\n:2\r\n");
  CHECK(h.run({"LPOS", "l", "c", "COUNT", "0", "MAXLEN", "3"}) == "*1\r\n:2\r\n");
  CHECK(h.run({"LPOS", "l", "x"}) == "$-1\r\n");
  CHECK(h.run({"LPOS", "l", "x", "COUNT", "1"}) == "*0\r\n");
  CHECK(h.run({"LPOS", "missing", "x", "COUNT", "1"}) == "*0\r\n");
  CHECK(h.run({"LPOS", "l", "c", "RANK", "0"}) ==
        "-ERR RANK can't be zero: use 1 to start from the first match, 2 from the second ... "
        "or use negative to start from the end of the list\r\n");
  CHECK(h.run({"LPOS", "l", "c", "COUNT", "-1"}) == "-ERR COUNT can't be negative\r\n");
  CHECK(h.run({"LPOS", "l", "c", "MAXLEN", "-1"}) == "-ERR MAXLEN can't be negative\r\n");
  CHECK(h.run({"LPOS", "l", "c", "RANK"}) == "-ERR syntax error\r\n");
}
