// DUMP and RESTORE (storage/commands/dump_commands.cpp, rdb_dump_value/rdb_restore_value).
#include <catch2/catch.hpp>

#include <string>

#include "command_harness.hpp"
#include "storage/rdb/crc64.hpp"
#include "storage/rdb/rdb_reader.hpp"
#include "storage/rdb/rdb_writer.hpp"

using credis::testing::command_harness;

namespace {

// The bulk's bytes of a reply "$<n>\r\n<bytes>\r\n".
std::string bulk_bytes(const std::string& reply) {
  REQUIRE(reply[0] == '$');
  const size_t start = reply.find("\r\n") + 2;
  return reply.substr(start, reply.size() - start - 2);
}

}  // namespace

TEST_CASE("DUMP gives Redis 7.0's bytes; RESTORE takes them back", "[commands][dump]") {
  command_harness h;
  h.run({"SET", "s", "hello"});
  // Redis 7.0.15's DUMP of "hello": string type, the bytes, version 10, CRC64.
  const std::string dumped = bulk_bytes(h.run({"DUMP", "s"}));
  CHECK(dumped == std::string("\x00\x05hello\x0a\x00", 9) + dumped.substr(9));
  CHECK(dumped.size() == 17);
  CHECK(h.run({"RESTORE", "copy", "0", dumped}) == "+OK\r\n");
  CHECK(h.run({"GET", "copy"}) == "$5\r\nhello\r\n");
  CHECK(h.run({"RESTORE", "copy", "0", dumped}) ==
        "-BUSYKEY Target key name already exists.\r\n");
  CHECK(h.run({"RESTORE", "copy", "0", dumped, "REPLACE"}) == "+OK\r\n");
  CHECK(h.run({"RESTORE", "t", "5000", dumped}) == "+OK\r\n");
  CHECK(h.run({"PTTL", "t"}) == ":5000\r\n");
  CHECK(h.run({"RESTORE", "gone", "1", dumped, "ABSTTL"}) == "+OK\r\n");  // long over
  CHECK(h.run({"EXISTS", "gone"}) == ":0\r\n");
  CHECK(h.run({"RESTORE", "x", "-1", dumped}) == "-ERR Invalid TTL value, must be >= 0\r\n");
  CHECK(h.run({"RESTORE", "x", "0", dumped, "FREQ", "256"}) ==
        "-ERR Invalid FREQ value, must be >= 0 and <= 255\r\n");
  CHECK(h.run({"RESTORE", "x", "0", dumped, "IDLETIME", "1", "FREQ", "1"}) ==
        "-ERR syntax error\r\n");
  CHECK(h.run({"DUMP", "nokey"}) == "$-1\r\n");

  h.run({"RPUSH", "l", "a", "b"});
  h.run({"SADD", "set", "1", "2"});
  h.run({"HSET", "h", "f", "v"});
  for (const char* key : {"l", "set", "h"}) {
    const std::string bytes = bulk_bytes(h.run({"DUMP", key}));
    CHECK(h.run({"RESTORE", std::string(key) + "2", "0", bytes}) == "+OK\r\n");
    CHECK(h.run({"TYPE", std::string(key) + "2"}) == h.run({"TYPE", key}));
  }
}

TEST_CASE("RESTORE refuses corrupt payloads with Redis's errors and never crashes",
          "[commands][dump]") {
  credis::value v(credis::list_value{"a", "bb", "ccc"});
  const std::string good = credis::rdb_dump_value(v);
  credis::value out;
  std::string error;
  REQUIRE(credis::rdb_restore_value(good, out, error));
  CHECK(out.list() == v.list());
  // Every single-byte change is caught: by the checksum, or (in the checksum itself) by it.
  for (size_t i = 0; i < good.size(); ++i) {
    std::string bad = good;
    bad[i] = static_cast<char>(bad[i] ^ 0x5A);
    CHECK_FALSE(credis::rdb_restore_value(bad, out, error));
  }
  CHECK_FALSE(credis::rdb_restore_value("short", out, error));
  // Bodies cut short or with a byte changed, under a valid footer: the parser itself refuses
  // them (or reads some other valid value), never reading past the payload.
  auto with_footer = [](std::string body) {
    body += std::string("\x0a\x00", 2);
    uint64_t crc = credis::crc64(0, body.data(), body.size());
    for (int i = 0; i < 8; ++i)
      body.push_back(static_cast<char>(crc >> (8 * i)));
    return body;
  };
  const std::string body = good.substr(0, good.size() - 10);
  int refused = 0;
  for (size_t i = 0; i < body.size(); ++i) {
    refused += !credis::rdb_restore_value(with_footer(body.substr(0, i)), out, error);
    for (int flip : {0x01, 0x80, 0xFF}) {
      std::string bad = body;
      bad[i] = static_cast<char>(bad[i] ^ flip);
      credis::rdb_restore_value(with_footer(bad), out, error);
    }
  }
  CHECK(refused == static_cast<int>(body.size()));  // every truncation
  CHECK_FALSE(credis::rdb_restore_value(with_footer(body + "x"), out, error));
  CHECK(error == "bytes after the value");
  // A newer RDB version than Redis 7.0's is refused as Redis 7.0 does.
  command_harness h;
  std::string newer = good;
  newer[newer.size() - 10] = 11;
  CHECK(h.run({"RESTORE", "k", "0", newer}) ==
        "-ERR DUMP payload version or checksum are wrong\r\n");
}
