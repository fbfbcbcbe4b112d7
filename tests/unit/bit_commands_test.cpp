// SETBIT, GETBIT, BITCOUNT and BITPOS (storage/commands/bit_commands.cpp): bit 0 is the most
// significant bit of the first byte; ranges as Redis 7.0 reads them.
#include <catch2/catch.hpp>

#include <string>

#include "command_harness.hpp"

using credis::testing::command_harness;
using credis::testing::wrongtype;

TEST_CASE("SETBIT grows the string with zero bytes and replies the old bit", "[commands][bits]") {
  command_harness h;
  CHECK(h.run({"SETBIT", "b", "1", "1"}) == ":0\r\n");
  CHECK(h.run({"GET", "b"}) == "$1\r\n@\r\n");  // 0100 0000
  CHECK(h.run({"SETBIT", "b", "1", "1"}) == ":1\r\n");
  CHECK(h.run({"SETBIT", "b", "17", "1"}) == ":0\r\n");
  CHECK(h.run({"STRLEN", "b"}) == ":3\r\n");
  CHECK(h.run({"GETBIT", "b", "17"}) == ":1\r\n");
  CHECK(h.run({"GETBIT", "b", "16"}) == ":0\r\n");
  CHECK(h.run({"GETBIT", "b", "1000"}) == ":0\r\n");
  CHECK(h.run({"GETBIT", "missing", "3"}) == ":0\r\n");
  CHECK(h.run({"SETBIT", "b", "1", "0"}) == ":1\r\n");
  CHECK(h.run({"GETBIT", "b", "1"}) == ":0\r\n");
  CHECK(h.run({"SETBIT", "b", "0", "2"}) == "-ERR bit is not an integer or out of range\r\n");
  CHECK(h.run({"SETBIT", "b", "0", "x"}) == "-ERR bit is not an integer or out of range\r\n");
  CHECK(h.run({"SETBIT", "b", "-1", "1"}) ==
        "-ERR bit offset is not an integer or out of range\r\n");
  CHECK(h.run({"SETBIT", "b", "4294967296", "1"}) ==
        "-ERR bit offset is not an integer or out of range\r\n");
  CHECK(h.run({"GETBIT", "b", "x"}) == "-ERR bit offset is not an integer or out of range\r\n");
  // A large value (a shared block) is changed in place the same way.
  h.run({"SET", "big", std::string(40000, '\0')});
  CHECK(h.run({"SETBIT", "big", "319999", "1"}) == ":0\r\n");
  CHECK(h.run({"BITCOUNT", "big"}) == ":1\r\n");
  CHECK(h.run({"BITPOS", "big", "1"}) == ":319999\r\n");
  h.ks.db(0).put("list", credis::value(credis::list_value{"x"}), credis::no_expiry);
  CHECK(h.run({"SETBIT", "list", "0", "1"}) == wrongtype);
  CHECK(h.run({"GETBIT", "list", "0"}) == wrongtype);
  CHECK(h.run({"BITCOUNT", "list"}) == wrongtype);
  CHECK(h.run({"BITPOS", "list", "1"}) == wrongtype);
}

TEST_CASE("BITCOUNT over bytes or bits", "[commands][bits]") {
  command_harness h;
  h.run({"SET", "s", "foobar"});  // 26 ones
  CHECK(h.run({"BITCOUNT", "s"}) == ":26\r\n");
  CHECK(h.run({"BITCOUNT", "s", "0", "0"}) == ":4\r\n");
  CHECK(h.run({"BITCOUNT", "s", "1", "1"}) == ":6\r\n");
  CHECK(h.run({"BITCOUNT", "s", "1", "1", "BYTE"}) == ":6\r\n");
  CHECK(h.run({"BITCOUNT", "s", "5", "30", "BIT"}) == ":17\r\n");
  CHECK(h.run({"BITCOUNT", "s", "-2", "-1"}) == ":7\r\n");
  CHECK(h.run({"BITCOUNT", "s", "-1", "-2"}) == ":0\r\n");
  CHECK(h.run({"BITCOUNT", "s", "-1", "-2", "nonsense"}) == ":0\r\n");  // as Redis: 0 first
  CHECK(h.run({"BITCOUNT", "s", "0", "1", "nonsense"}) == "-ERR syntax error\r\n");
  CHECK(h.run({"BITCOUNT", "s", "0"}) == "-ERR syntax error\r\n");
  CHECK(h.run({"BITCOUNT", "s", "x", "1"}) == "-ERR value is not an integer or out of range\r\n");
  CHECK(h.run({"BITCOUNT", "missing", "0"}) == ":0\r\n");
}

TEST_CASE("BITPOS finds the first set or clear bit", "[commands][bits]") {
  command_harness h;
  h.run({"SET", "s", std::string("\xff\xf0\x00", 3)});
  CHECK(h.run({"BITPOS", "s", "0"}) == ":12\r\n");
  CHECK(h.run({"BITPOS", "s", "1"}) == ":0\r\n");
  CHECK(h.run({"BITPOS", "s", "1", "2"}) == ":-1\r\n");
  CHECK(h.run({"BITPOS", "s", "0", "2"}) == ":16\r\n");
  CHECK(h.run({"BITPOS", "s", "1", "7", "15", "BIT"}) == ":7\r\n");
  CHECK(h.run({"BITPOS", "s", "0", "7", "15", "BIT"}) == ":12\r\n");
  h.run({"SET", "ones", std::string("\xff\xff", 2)});
  // All ones: without an end, the string goes on with zeros; with one, there is no 0 in range.
  CHECK(h.run({"BITPOS", "ones", "0"}) == ":16\r\n");
  CHECK(h.run({"BITPOS", "ones", "0", "0"}) == ":16\r\n");
  CHECK(h.run({"BITPOS", "ones", "0", "0", "-1"}) == ":-1\r\n");
  CHECK(h.run({"BITPOS", "ones", "0", "0", "-1", "BIT"}) == ":-1\r\n");
  CHECK(h.run({"BITPOS", "missing", "0"}) == ":0\r\n");
  CHECK(h.run({"BITPOS", "missing", "1"}) == ":-1\r\n");
  h.run({"SET", "empty", ""});
  CHECK(h.run({"BITPOS", "empty", "0"}) == ":-1\r\n");
  CHECK(h.run({"BITPOS", "s", "2"}) == "-ERR The bit argument must be 1 or 0.\r\n");
  CHECK(h.run({"BITPOS", "s", "1", "0", "1", "x"}) == "-ERR syntax error\r\n");
  CHECK(h.run({"BITPOS", "s", "1", "2", "1"}) == ":-1\r\n");
}

TEST_CASE("BITOP: AND, OR, XOR, NOT over strings of any length", "[commands][bits]") {
  command_harness h;
  h.run({"SET", "a", "\xF0\x0F"});
  h.run({"SET", "b", "\xFF"});
  CHECK(h.run({"BITOP", "AND", "d", "a", "b"}) == ":2\r\n");  // b reads as "\xFF\0"
  CHECK(h.run({"GET", "d"}) == std::string("$2\r\n\xF0\x00\r\n", 8));
  CHECK(h.run({"BITOP", "or", "d", "a", "b", "nokey"}) == ":2\r\n");
  CHECK(h.run({"GET", "d"}) == "$2\r\n\xFF\x0F\r\n");
  CHECK(h.run({"BITOP", "XOR", "d", "a", "b"}) == ":2\r\n");
  CHECK(h.run({"GET", "d"}) == "$2\r\n\x0F\x0F\r\n");
  CHECK(h.run({"BITOP", "NOT", "d", "a"}) == ":2\r\n");
  CHECK(h.run({"GET", "d"}) == std::string("$2\r\n\x0F\xF0\r\n", 8));
  CHECK(h.run({"BITOP", "NOT", "d", "a", "b"}) ==
        "-ERR BITOP NOT must be called with a single source key.\r\n");
  CHECK(h.run({"BITOP", "NAND", "d", "a"}) == "-ERR syntax error\r\n");
  h.run({"EXPIRE", "d", "100"});
  CHECK(h.run({"BITOP", "AND", "d", "nokey"}) == ":0\r\n");  // empty: destkey deleted
  CHECK(h.run({"EXISTS", "d"}) == ":0\r\n");
  h.run({"RPUSH", "l", "x"});
  CHECK(h.run({"BITOP", "OR", "d", "a", "l"}) ==
        "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n");
}

TEST_CASE("BITFIELD: GET, SET, INCRBY with WRAP, SAT and FAIL, as redis-server replies",
          "[commands][bits]") {
  command_harness h;
  // Values checked against redis-server 7.0.15.
  CHECK(h.run({"BITFIELD", "k", "SET", "i64", "0", "9223372036854775807", "INCRBY", "i64", "0",
               "1", "OVERFLOW", "SAT", "INCRBY", "i64", "0", "-5", "OVERFLOW", "FAIL", "INCRBY",
               "u8", "100", "300", "SET", "u8", "#2", "-1", "OVERFLOW", "WRAP", "SET", "u8", "#3",
               "-1", "INCRBY", "i5", "3", "100", "GET", "u63", "0"}) ==
        "*8\r\n:0\r\n:-9223372036854775808\r\n:-9223372036854775808\r\n$-1\r\n$-1\r\n:0\r\n:4\r\n"
        ":4755801754111574016\r\n");
  CHECK(h.run({"GET", "k"}) ==
        std::string("$14\r\n\x84\0\0\xff", 9) + std::string(10, '\0') + "\r\n");
  CHECK(h.run({"BITFIELD", "k", "OVERFLOW", "SAT", "SET", "u3", "0", "-1", "INCRBY", "u3", "0",
               "-1", "INCRBY", "i3", "10", "-100"}) == "*3\r\n:4\r\n:6\r\n:-4\r\n");
  CHECK(h.run({"BITFIELD_RO", "k", "GET", "u8", "#0"}) == "*1\r\n:196\r\n");  // 110 00100
  CHECK(h.run({"BITFIELD_RO", "k", "SET", "u8", "0", "1"}) ==
        "-ERR BITFIELD_RO only supports the GET subcommand\r\n");
  CHECK(h.run({"BITFIELD", "k", "GET", "u64", "0"}) ==
        "-ERR Invalid bitfield type. Use something like i16 u8. Note that u64 is not supported "
        "but i64 is.\r\n");
  CHECK(h.run({"BITFIELD", "k", "GET", "u8", "-1"}) ==
        "-ERR bit offset is not an integer or out of range\r\n");
  CHECK(h.run({"BITFIELD", "k", "OVERFLOW", "NOPE"}) == "-ERR Invalid OVERFLOW type specified\r\n");
  CHECK(h.run({"BITFIELD", "k", "GET", "u8"}) == "-ERR syntax error\r\n");
  CHECK(h.run({"BITFIELD", "nokey", "GET", "u8", "0"}) == "*1\r\n:0\r\n");
  CHECK(h.run({"EXISTS", "nokey"}) == ":0\r\n");  // a GET makes nothing
}
