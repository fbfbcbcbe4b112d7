// FUNCTION libraries in RDB images (the FUNCTION2 and 7.0 RC records) and FUNCTION DUMP /
// RESTORE (storage/commands/function_commands.cpp), against bytes and replies of a real
// redis-server 7.0.15.
#include <catch2/catch.hpp>

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "command_harness.hpp"
#include "storage/rdb/crc64.hpp"
#include "storage/rdb/rdb_reader.hpp"
#include "storage/rdb/rdb_writer.hpp"
#include "storage/scripting/scripting.hpp"

using namespace credis;
using credis::testing::command_harness;

namespace {

const std::string lib_a =
    "#!lua name=mylib\nredis.register_function('f1', function() return 1 end)";
const std::string lib_b =
    "#!lua name=other\nredis.register_function('f2', function() return 2 end)";
// Takes lib_a's function name under another library name.
const std::string lib_clash =
    "#!lua name=clash\nredis.register_function('f1', function() return 3 end)";

std::string hex_bytes(std::string_view hex) {
  std::string out;
  for (size_t i = 0; i + 1 < hex.size(); i += 2)
    out.push_back(static_cast<char>(std::stoi(std::string(hex.substr(i, 2)), nullptr, 16)));
  return out;
}

// The bulk's bytes of a reply "$<n>\r\n<bytes>\r\n".
std::string bulk_bytes(const std::string& reply) {
  REQUIRE(reply[0] == '$');
  const size_t start = reply.find("\r\n") + 2;
  return reply.substr(start, reply.size() - start - 2);
}

std::string bulk(std::string_view s) {
  return "$" + std::to_string(s.size()) + "\r\n" + std::string(s) + "\r\n";
}

// A DUMP payload's footer (version 10, CRC64) after `body`.
std::string with_footer(std::string body) {
  body += std::string("\x0a\x00", 2);
  const uint64_t crc = crc64(0, body.data(), body.size());
  for (int i = 0; i < 8; ++i)
    body.push_back(static_cast<char>(crc >> (8 * i)));
  return body;
}

// An RDB string of `s` as a 6- or 14-bit length and the bytes.
std::string rdb_str(std::string_view s) {
  std::string out;
  if (s.size() < 64) {
    out.push_back(static_cast<char>(s.size()));
  } else {
    out.push_back(static_cast<char>(0x40 | (s.size() >> 8)));
    out.push_back(static_cast<char>(s.size() & 0xFF));
  }
  return out + std::string(s);
}

struct function_harness : command_harness {
  scripting engines;
  function_harness() { scripts = &engines; }
  std::vector<std::string> codes() const { return engines.functions.codes(); }
};

}  // namespace

TEST_CASE("rdb_write puts each library after the AUX fields; rdb_load collects them",
          "[rdb][functions]") {
  keyspace ks;
  ks.db(3).put("k", value(std::string("v")), no_expiry);
  rdb_save_info info;
  info.now = 1'700'000'000'000;
  info.function_codes = {lib_a, lib_b};
  string_sink out;
  rdb_write(ks, info, out);
  // Redis's rdbSaveFunctions: FUNCTION2 and the code, after aof-base and before SELECTDB.
  const std::string record = std::string("\xf5", 1) + rdb_str(lib_a);
  const size_t at = out.data.find(record);
  REQUIRE(at != std::string::npos);
  CHECK(at < out.data.find(std::string("\xfe\x03", 2)));
  CHECK(at > out.data.find("aof-base"));

  keyspace back;
  rdb_load_info loaded;
  rdb_error err;
  REQUIRE(rdb_load(out.data, back, info.now, true, loaded, err));
  CHECK(loaded.functions == info.function_codes);
  CHECK(back.db(3).size() == 1);
}

TEST_CASE("a 7.0 release candidate's function record becomes a shebang library",
          "[rdb][functions]") {
  auto image = [](bool with_description) {
    std::string b = "REDIS0010";
    b += std::string("\xf6", 1) + rdb_str("mylib") + rdb_str("LUA");
    b.push_back(with_description ? 1 : 0);
    if (with_description)
      b += rdb_str("a description Redis drops");
    b += rdb_str("redis.register_function('f1', function() return 1 end)");
    b.push_back('\xff');
    const uint64_t crc = crc64(0, b.data(), b.size());
    for (int i = 0; i < 8; ++i)
      b.push_back(static_cast<char>(crc >> (8 * i)));
    return b;
  };
  for (bool description : {false, true}) {
    keyspace ks;
    rdb_load_info info;
    rdb_error err;
    REQUIRE(rdb_load(image(description), ks, 0, true, info, err));
    REQUIRE(info.functions.size() == 1);
    CHECK(info.functions[0] ==
          "#!LUA name=mylib\nredis.register_function('f1', function() return 1 end)");
  }
}

TEST_CASE("FUNCTION DUMP gives Redis 7.0's bytes", "[commands][functions]") {
  function_harness h;
  CHECK(h.run({"FUNCTION", "LOAD", lib_a}) == bulk("mylib"));
  // redis-server 7.0.15's FUNCTION DUMP of this very library.
  const std::string redis =
      hex_bytes("f5404723216c7561206e616d653d6d796c69620a72656469732e72656769737465725f66756e63"
                "74696f6e28276631272c2066756e6374696f6e28292072657475726e203120656e64290a0007"
                "500404cd92d1b3");
  CHECK(bulk_bytes(h.run({"FUNCTION", "DUMP"})) == redis);
  CHECK(h.run({"FUNCTION", "FLUSH"}) == "+OK\r\n");
  CHECK(bulk_bytes(h.run({"FUNCTION", "DUMP"})) == hex_bytes("0a005d9b5c400f7fa2da"));
  CHECK(h.run({"FUNCTION", "RESTORE", redis}) == "+OK\r\n");
  CHECK(h.codes() == std::vector<std::string>{lib_a});
  CHECK(h.run({"FCALL", "f1", "0"}) == ":1\r\n");
}

TEST_CASE("FUNCTION RESTORE's policies", "[commands][functions]") {
  function_harness h;
  h.run({"FUNCTION", "LOAD", lib_a});
  h.run({"FUNCTION", "LOAD", lib_b});
  const std::string both = bulk_bytes(h.run({"FUNCTION", "DUMP"}));
  h.run({"FUNCTION", "DELETE", "other"});
  const std::string only_a = bulk_bytes(h.run({"FUNCTION", "DUMP"}));
  h.run({"FUNCTION", "FLUSH"});
  h.run({"FUNCTION", "LOAD", lib_b});
  const std::string only_b = bulk_bytes(h.run({"FUNCTION", "DUMP"}));

  SECTION("APPEND, the default, adds libraries and refuses a name there") {
    CHECK(h.run({"FUNCTION", "RESTORE", only_a}) == "+OK\r\n");
    CHECK(h.codes() == std::vector<std::string>{lib_a, lib_b});
    CHECK(h.run({"FUNCTION", "RESTORE", only_a, "append"}) ==
          "-ERR Library mylib already exists\r\n");
    CHECK(h.run({"FCALL", "f2", "0"}) == ":2\r\n");
  }
  SECTION("REPLACE replaces a library of the same name and keeps the others") {
    h.run({"FUNCTION", "LOAD", lib_a});
    CHECK(h.run({"FUNCTION", "RESTORE", only_a, "REPLACE"}) == "+OK\r\n");
    CHECK(h.codes() == std::vector<std::string>{lib_a, lib_b});
    CHECK(h.run({"FCALL", "f1", "0"}) == ":1\r\n");
    CHECK(h.run({"FCALL", "f2", "0"}) == ":2\r\n");
  }
  SECTION("FLUSH leaves only the payload's libraries") {
    CHECK(h.run({"FUNCTION", "RESTORE", only_a, "FLUSH"}) == "+OK\r\n");
    CHECK(h.codes() == std::vector<std::string>{lib_a});
    CHECK(h.run({"FCALL", "f2", "0"}) == "-ERR Function not found\r\n");
    CHECK(h.run({"FUNCTION", "RESTORE", both, "flush"}) == "+OK\r\n");
    CHECK(h.codes() == std::vector<std::string>{lib_a, lib_b});
  }
  SECTION("a function name taken by a library that stays fails, even with REPLACE") {
    h.run({"FUNCTION", "FLUSH"});
    h.run({"FUNCTION", "LOAD", lib_clash});
    CHECK(h.run({"FUNCTION", "RESTORE", only_a, "REPLACE"}) ==
          "-ERR Function f1 already exists\r\n");
    CHECK(h.run({"FUNCTION", "RESTORE", only_a}) == "-ERR Function f1 already exists\r\n");
    CHECK(h.codes() == std::vector<std::string>{lib_clash});
    CHECK(h.run({"FCALL", "f1", "0"}) == ":3\r\n");
  }
  SECTION("a payload whose own libraries clash changes nothing") {
    const std::string dup =
        with_footer(std::string("\xf5", 1) + rdb_str(lib_b) + std::string("\xf5", 1) +
                    rdb_str(lib_b));
    CHECK(h.run({"FUNCTION", "RESTORE", dup, "FLUSH"}) ==
          "-ERR Library 'other' already exists\r\n");
    CHECK(h.codes() == std::vector<std::string>{lib_b});
  }
  CHECK(only_b.size() > 10);
}

TEST_CASE("FUNCTION RESTORE's errors are Redis's", "[commands][functions]") {
  function_harness h;
  h.run({"FUNCTION", "LOAD", lib_a});
  const std::string payload = bulk_bytes(h.run({"FUNCTION", "DUMP"}));
  CHECK(h.run({"FUNCTION", "RESTORE", payload, "APPEND", "x"}) ==
        "-ERR unknown subcommand or wrong number of arguments for 'RESTORE'. Try FUNCTION "
        "HELP.\r\n");
  CHECK(h.run({"FUNCTION", "RESTORE", payload, "bad"}) ==
        "-ERR Wrong restore policy given, value should be either FLUSH, APPEND or REPLACE.\r\n");
  CHECK(h.run({"FUNCTION", "RESTORE", "xx"}) ==
        "-ERR DUMP payload version or checksum are wrong\r\n");
  std::string flipped = payload;
  flipped[5] ^= 1;
  CHECK(h.run({"FUNCTION", "RESTORE", flipped}) ==
        "-ERR DUMP payload version or checksum are wrong\r\n");
  h.run({"SET", "k", "v"});
  const std::string key_dump = bulk_bytes(h.run({"DUMP", "k"}));
  CHECK(h.run({"FUNCTION", "RESTORE", key_dump}) == "-ERR given type is not a function\r\n");
  const std::string bad_code =
      with_footer(std::string("\xf5", 1) + rdb_str("#!lua name=bad\nthis is not lua"));
  CHECK(h.run({"FUNCTION", "RESTORE", bad_code, "FLUSH"}).starts_with("-ERR "));
  CHECK(h.codes() == std::vector<std::string>{lib_a});
  CHECK(h.run({"FUNCTION", "RESTORE"}) ==
        "-ERR wrong number of arguments for 'function|restore' command\r\n");
}

TEST_CASE("FUNCTION RESTORE counts a change and goes to replicas as it came",
          "[commands][functions]") {
  function_harness h;
  h.run({"FUNCTION", "LOAD", lib_a});
  const std::string payload = bulk_bytes(h.run({"FUNCTION", "DUMP"}));
  h.run({"FUNCTION", "FLUSH"});
  command_batch propagated;
  h.propagated = &propagated;
  const int64_t dirty = h.server.stats.dirty;
  CHECK(h.run({"FUNCTION", "RESTORE", payload}) == "+OK\r\n");
  CHECK(h.server.stats.dirty == dirty + 1);
  CHECK(propagated.items().size() == 1);
  CHECK(h.run({"FUNCTION", "RESTORE", payload}) == "-ERR Library mylib already exists\r\n");
  CHECK(h.server.stats.dirty == dirty + 1);
  CHECK(propagated.items().size() == 1);
}

TEST_CASE("SAVE writes the libraries and DEBUG RELOAD brings them back",
          "[commands][functions][rdb]") {
  function_harness h;
  char dir[] = "/tmp/credis-fnrdb-XXXXXX";
  REQUIRE(mkdtemp(dir));
  h.server.config.dir = dir;
  h.server.config.dbfilename = "dump.rdb";
  h.server.config.other["enable-debug-command"] = "yes";
  h.run({"FUNCTION", "LOAD", lib_a});
  h.run({"SET", "k", "v"});
  CHECK(h.run({"DEBUG", "RELOAD"}) == "+OK\r\n");
  CHECK(h.codes() == std::vector<std::string>{lib_a});
  CHECK(h.run({"FCALL", "f1", "0"}) == ":1\r\n");
  // Without a flush the file's library meets itself: an error unless MERGE.
  CHECK(h.run({"DEBUG", "RELOAD", "NOFLUSH", "NOSAVE", "MERGE"}) == "+OK\r\n");
  CHECK(h.run({"DEBUG", "RELOAD", "NOFLUSH", "NOSAVE"}).starts_with("-ERR"));

  keyspace ks;
  rdb_load_info info;
  rdb_error err;
  REQUIRE(rdb_load_file(std::string(dir) + "/dump.rdb", ks, h.now, true, info, err));
  CHECK(info.functions == std::vector<std::string>{lib_a});
  std::remove((std::string(dir) + "/dump.rdb").c_str());
  rmdir(dir);
}
