// RDB loading: fixtures from a real redis-server 7.0 and hand-made legacy files (made and
// checked against the real server by tests/fixtures/make_rdb_fixtures.py), error reporting,
// and robustness against truncated, flipped and hostile input.
#include <catch2/catch.hpp>

#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>

#include "storage/rdb/crc64.hpp"
#include "storage/rdb/keyspace_dump.hpp"
#include "storage/rdb/rdb_reader.hpp"
#include "storage/rdb/rdb_writer.hpp"

using namespace credis;

namespace {

constexpr unix_ms expected_now = 1704067200000;  // EXPECTED_NOW of the fixture script

std::string fixture_path(const std::string& name) {
  return std::string(CREDIS_FIXTURES_DIR) + "/rdb/" + name;
}

std::string read_fixture(const std::string& name) {
  std::ifstream in(fixture_path(name), std::ios::binary);
  REQUIRE(in.good());
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::vector<std::string> expected_lines(const std::string& name) {
  std::istringstream in(read_fixture(name + ".expected"));
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);)
    lines.push_back(line);
  return lines;
}

struct load_result {
  bool ok;
  rdb_load_info info;
  rdb_error err;
};

load_result load(std::string_view bytes, keyspace& ks, unix_ms now = expected_now,
                 bool skip_expired = true) {
  load_result r;
  r.ok = rdb_load(bytes, ks, now, skip_expired, r.info, r.err);
  return r;
}

// Builds RDB images byte by byte for the error cases.
struct rdb_bytes {
  std::string b;
  explicit rdb_bytes(std::string_view magic = "REDIS0010") : b(magic) {}
  rdb_bytes& raw(std::string_view s) {
    b += s;
    return *this;
  }
  rdb_bytes& byte(int c) {
    b.push_back(static_cast<char>(c));
    return *this;
  }
  rdb_bytes& len(uint64_t n) {
    if (n < 64)
      return byte(static_cast<int>(n));
    if (n < 16384)
      return byte(0x40 | static_cast<int>(n >> 8)).byte(static_cast<int>(n & 0xFF));
    byte(0x81);
    for (int i = 7; i >= 0; --i)
      byte(static_cast<int>((n >> (8 * i)) & 0xFF));
    return *this;
  }
  rdb_bytes& str(std::string_view s) { return len(s.size()).raw(s); }
  rdb_bytes& le(uint64_t v, int n) {
    for (int i = 0; i < n; ++i)
      byte(static_cast<int>((v >> (8 * i)) & 0xFF));
    return *this;
  }
  // EOF and the checksum.
  std::string done(bool checksum = true) {
    byte(0xFF);
    uint64_t crc = checksum ? crc64(0, b.data(), b.size()) : 0;
    le(crc, 8);
    return b;
  }
};

// A listpack entry holding a string (< 64 bytes) or a 7-bit unsigned integer.
std::string lp_string(const std::string& e) { return static_cast<char>(0x80 | e.size()) + e; }
std::string lp_uint7(uint8_t v) { return std::string(1, static_cast<char>(v)); }

// A listpack of entries already encoded (each < 128 bytes).
std::string listpack_of(const std::vector<std::string>& encoded) {
  std::string body;
  for (const auto& ent : encoded) {
    body += ent;
    body.push_back(static_cast<char>(ent.size()));  // backlen (< 128)
  }
  std::string lp;
  uint32_t total = static_cast<uint32_t>(6 + body.size() + 1);
  for (int i = 0; i < 4; ++i)
    lp.push_back(static_cast<char>(total >> (8 * i)));
  lp.push_back(static_cast<char>(encoded.size()));
  lp.push_back(0);
  return lp + body + "\xff";
}

std::string listpack_bytes(const std::vector<std::string>& entries) {
  std::vector<std::string> encoded;
  for (const auto& e : entries)
    encoded.push_back(lp_string(e));
  return listpack_of(encoded);
}

std::string expect_error(std::string_view bytes, const std::string& fragment) {
  keyspace ks;
  auto r = load(bytes, ks);
  INFO("fragment: " << fragment << ", error: " << r.err.what);
  REQUIRE_FALSE(r.ok);
  CHECK(r.err.what.find(fragment) != std::string::npos);
  CHECK(r.err.offset <= bytes.size());
  return r.err.what;
}

}  // namespace

TEST_CASE("every fixture loads exactly as the real redis-server holds it", "[rdb]") {
  struct fixture {
    const char* name;
    int version;
  };
  const fixture fixtures[] = {
      {"strings", 10}, {"lists", 10}, {"sets", 10}, {"hashes", 10}, {"zsets", 10},
      {"streams", 10}, {"lfu", 10}, {"lru", 10}, {"empty", 10}, {"legacy_encodings_v6", 6},
      {"legacy_v3", 3}, {"expiry_v10", 10}, {"stream_v1_v9", 9}, {"codecrafters_v11", 11},
      {"new_types_v12", 12}, {"nochecksum", 10}, {"compact", 10},
  };
  for (const auto& f : fixtures) {
    SECTION(f.name) {
      auto expected = expected_lines(f.name);
      keyspace ks;
      auto r = load(read_fixture(std::string(f.name) + ".rdb"), ks);
      INFO(r.err.what << " at " << r.err.offset);
      REQUIRE(r.ok);
      CHECK(r.info.version == f.version);
      CHECK(r.info.keys_loaded == expected.size());
      CHECK(ks.total_keys() == expected.size());
      auto got = dump_keyspace(ks);
      REQUIRE(got.size() == expected.size());
      for (size_t i = 0; i < got.size(); ++i) {
        INFO("line " << i);
        CHECK(got[i].substr(0, 300) == expected[i].substr(0, 300));
        CHECK(got[i] == expected[i]);
      }
    }
  }
}

TEST_CASE("AUX fields are kept as text, int-encoded ones in decimal", "[rdb]") {
  keyspace ks;
  auto r = load(read_fixture("strings.rdb"), ks);
  REQUIRE(r.ok);
  CHECK(r.info.aux["redis-ver"] == "7.0.15");
  CHECK(r.info.aux["redis-bits"] == "64");
  CHECK(r.info.aux.count("ctime") == 1);
  CHECK(r.info.aux["aof-base"] == "0");
  // A standalone 7.0 master's SAVE writes no replication fields.
  CHECK(r.info.aux.count("repl-id") == 0);
  CHECK(r.info.repl_id.empty());
  CHECK(r.info.repl_offset == -1);
  CHECK(r.info.repl_stream_db == -1);

  keyspace ks2;
  auto cc = load(read_fixture("codecrafters_v11.rdb"), ks2);
  REQUIRE(cc.ok);
  CHECK(cc.info.aux["redis-ver"] == "7.2.0");
  CHECK(cc.info.aux["redis-bits"] == "64");  // written C0 40
  CHECK(cc.info.repl_id.empty());
  CHECK(cc.info.repl_offset == -1);
  CHECK(cc.info.expired_skipped == 1);

  keyspace ks3;
  auto v12 = load(read_fixture("new_types_v12.rdb"), ks3);
  REQUIRE(v12.ok);
  CHECK(v12.info.aux["%custom"] == "unknown aux fields are kept");
  CHECK(v12.info.aux["ctime"] == "1700000000");
}

TEST_CASE("expired keys are skipped by a master and kept by a replica", "[rdb]") {
  const std::string bytes = read_fixture("expiry_v10.rdb");
  keyspace master;
  auto m = load(bytes, master, expected_now, true);
  REQUIRE(m.ok);
  CHECK(m.info.keys_loaded == 2);
  CHECK(m.info.expired_skipped == 4);

  keyspace replica;
  auto r = load(bytes, replica, expected_now, false);
  REQUIRE(r.ok);
  CHECK(r.info.keys_loaded == 6);
  CHECK(r.info.expired_skipped == 0);
  CHECK(replica.db(0).find_raw("past:ms")->expire_at() == 1640995200000);
  CHECK(replica.db(0).find_raw("past:s")->expire_at() == 1640995200000);  // FD seconds * 1000
  CHECK(replica.db(0).find_raw("past:epoch")->expire_at() == 1);
  CHECK(replica.db(0).find_raw("past:set")->val.type() == value_type::set);
  CHECK(replica.db(0).find_raw("none")->expire_at() == no_expiry);
  CHECK(replica.db(0).expires() == 5);
  // A deadline equal to now is not yet past.
  keyspace exact;
  auto e = load(bytes, exact, 1640995200000, true);
  REQUIRE(e.ok);
  CHECK(e.info.expired_skipped == 1);  // only the one at 1 ms
}

TEST_CASE("each key lands in the database selected before it, the last one too", "[rdb]") {
  // The loader puts keys into the table in batches (key_inserter): each must go to the
  // database selected when it was read, and the end of the file must put the last batch.
  keyspace ks;
  auto r = load(rdb_bytes()
                    .byte(0)
                    .str("a")
                    .str("1")
                    .byte(0xFE)
                    .len(3)
                    .byte(0xFC)
                    .le(4102444800000, 8)
                    .byte(0)
                    .str("b")
                    .str("2")
                    .byte(0)
                    .str("c")
                    .str("3")
                    .byte(0xFE)
                    .len(5)
                    .byte(0)
                    .str("d")
                    .str("4")
                    .done(),
                ks);
  REQUIRE(r.ok);
  CHECK(r.info.keys_loaded == 4);
  CHECK(ks.db(0).size() == 1);
  CHECK(ks.db(3).size() == 2);
  CHECK(ks.db(5).size() == 1);
  REQUIRE(ks.db(0).find_raw("a"));
  REQUIRE(ks.db(3).find_raw("b"));
  CHECK(ks.db(3).find_raw("b")->expire_at() == 4102444800000);
  CHECK(ks.db(3).find_raw("c")->expire_at() == no_expiry);
  REQUIRE(ks.db(5).find_raw("d"));
  CHECK(ks.db(5).find_raw("d")->val.type() == value_type::string);

  // A duplicate is reported at its own type byte, though found a key later.
  keyspace dup;
  auto d = load(rdb_bytes()
                    .byte(0)
                    .str("k")
                    .str("v")
                    .byte(0)
                    .str("k")
                    .str("w")
                    .byte(0)
                    .str("z")
                    .str("x")
                    .done(),
                dup);
  REQUIRE_FALSE(d.ok);
  CHECK(d.err.what.find("duplicate key \"k\"") != std::string::npos);
  CHECK(d.err.offset == 9 + 5);
}

namespace {

// A file big enough for the loader to put its keys on a second thread (4 MB and more): 160,000
// keys of 40-byte values, the first half in database 0 and the rest in database 2, every 7th
// with a deadline and every 11th with an IDLE record. Key `mark` is named `dup_of` instead, when
// given, and `type_at` gets where its type byte is.
std::string big_rdb(size_t mark = SIZE_MAX, size_t* type_at = nullptr,
                    const std::string& dup_of = "") {
  rdb_bytes r;
  r.byte(0xFE).len(0).byte(0xFB).len(80'000).len(0);
  for (size_t i = 0; i < 160'000; ++i) {
    if (i == 80'000)
      r.byte(0xFE).len(2);
    if (i % 7 == 0)
      r.byte(0xFC).le(4102444800000 + i, 8);
    if (i % 11 == 0)
      r.byte(0xF8).len(1000 + i);
    if (i == mark && type_at)
      *type_at = r.b.size();
    const std::string key = i == mark && !dup_of.empty() ? dup_of : "key:" + std::to_string(i);
    r.byte(0).str(key).str("value:" + std::to_string(i) + std::string(34, 'v').substr(0, 34));
  }
  return r.done();
}

}  // namespace

TEST_CASE("a big file's keys, put on a second thread, land as a small file's do", "[rdb]") {
  const std::string bytes = big_rdb();
  REQUIRE(bytes.size() > (4u << 20));
  keyspace ks;
  auto r = load(bytes, ks);
  REQUIRE(r.ok);
  CHECK(r.info.keys_loaded == 160'000);
  REQUIRE(ks.db(0).size() == 80'000);
  REQUIRE(ks.db(2).size() == 80'000);
  for (size_t i = 0; i < 160'000; i += 997) {
    const std::string key = "key:" + std::to_string(i);
    const entry* e = ks.db(i < 80'000 ? 0 : 2).find_raw(key);
    REQUIRE(e);
    CHECK(e->val.str().substr(0, 6 + std::to_string(i).size()) == "value:" + std::to_string(i));
    CHECK(e->expire_at() == (i % 7 == 0 ? static_cast<unix_ms>(4102444800000 + i) : no_expiry));
    CHECK_FALSE(ks.db(i < 80'000 ? 2 : 0).find_raw(key));
  }
  // The last key, put when the file ends.
  CHECK(ks.db(2).find_raw("key:159999"));
  CHECK(ks.db(0).expires() == 80'000 / 7 + 1);
}

TEST_CASE("a duplicate deep in a big file is reported at its record, before later damage",
          "[rdb]") {
  size_t type_at = 0;
  const std::string bytes = big_rdb(120'000, &type_at, "key:100000");
  keyspace ks;
  auto r = load(bytes, ks);
  REQUIRE_FALSE(r.ok);
  CHECK(r.err.what == "duplicate key \"key:100000\"");
  CHECK(r.err.offset == type_at);

  // Cut off at the end: the duplicate still comes first in the file.
  const std::string cut = bytes.substr(0, bytes.size() - 5000);
  keyspace ks2;
  auto c = load(cut, ks2);
  REQUIRE_FALSE(c.ok);
  CHECK(c.err.what == "duplicate key \"key:100000\"");
  CHECK(c.err.offset == type_at);

  // The last key a duplicate, and the file cut just after it: the damage is found first here,
  // while that key waits in the last batch, and the duplicate is still what is reported.
  size_t last_at = 0;
  const std::string last = big_rdb(159'999, &last_at, "key:80005");
  keyspace ks4;
  auto l = load(last.substr(0, last.size() - 9), ks4);
  REQUIRE_FALSE(l.ok);
  CHECK(l.err.what == "duplicate key \"key:80005\"");
  CHECK(l.err.offset == last_at);

  // Without the duplicate, the damage is what is reported.
  const std::string clean = big_rdb();
  keyspace ks3;
  auto t = load(clean.substr(0, clean.size() - 5000), ks3);
  REQUIRE_FALSE(t.ok);
  CHECK(t.err.what.find("duplicate") == std::string::npos);
  CHECK(t.err.offset > type_at);
}

TEST_CASE("function libraries are collected; module data is refused with its offset", "[rdb]") {
  const std::string bytes = read_fixture("function.rdb");
  keyspace ks;
  auto r = load(bytes, ks);
  REQUIRE(r.ok);
  CHECK(dump_keyspace(ks) == expected_lines("function"));
  REQUIRE(r.info.functions.size() == 1);
  CHECK(r.info.functions[0] ==
        "#!lua name=mylib\nredis.register_function('f1', function() return 1 end)");

  expect_error(rdb_bytes().byte(0xF7).len(1).done(), "module auxiliary data (module");
  expect_error(rdb_bytes().byte(0xF6).str("lua").done(), "unknown string encoding");
  expect_error(rdb_bytes().byte(7).str("k").len(1).done(), "module value of type 7");
  expect_error(rdb_bytes().byte(6).str("k").done(), "module value of type 6");
}

TEST_CASE("bad signatures, versions, types and opcodes are errors", "[rdb]") {
  expect_error("", "unexpected end of file");
  expect_error("REDIS", "unexpected end of file");
  expect_error(rdb_bytes("RedIS0010").done(), "not an RDB file");
  expect_error(rdb_bytes("REDIS00a1").done(), "bad RDB version field");
  expect_error(rdb_bytes("REDIS0000").done(), "unsupported RDB version 0");
  auto w = expect_error(rdb_bytes("REDIS0013").done(), "unsupported RDB version 13");
  CHECK(w.find("1 to 12") != std::string::npos);
  expect_error(rdb_bytes("VALKEY080").done(), "not an RDB file");

  keyspace ks;
  auto r = load(rdb_bytes().byte(0).str("k").str("v").byte(99).str("x").done(), ks);
  REQUIRE_FALSE(r.ok);
  CHECK(r.err.what == "unknown value type 99");
  CHECK(r.err.offset == 9 + 5);
  expect_error(rdb_bytes().byte(8).str("k").done(), "unknown value type 8");
  expect_error(rdb_bytes().byte(0xF0).done(), "unknown value type 240");
  for (int t = 22; t <= 25; ++t)
    expect_error(rdb_bytes("REDIS0012").byte(t).str("k").done(), "unsupported type " + std::to_string(t));

  expect_error(rdb_bytes().byte(0xFE).len(16).done(), "database index 16 out of range");
  expect_error(rdb_bytes().byte(0).str("k").str("v").byte(0).str("k").str("w").done(),
               "duplicate key \"k\"");
  expect_error(rdb_bytes().byte(0).byte(0x82).done(), "unknown length encoding");
  expect_error(rdb_bytes().byte(0).str("k").byte(0xC4).done(), "unknown string encoding 4");
  expect_error(rdb_bytes().byte(2).str("k").byte(0xC0).done(), "expected a length");
  expect_error(rdb_bytes().byte(0xFC).le(1, 8).done(), "expiry time without a key");
  // Quicklist 2 node containers other than PLAIN (1) and PACKED (2).
  expect_error(rdb_bytes().byte(18).str("k").len(1).len(3).str("x").done(),
               "unknown quicklist node container 3");
}

TEST_CASE("checksums: a mismatch is an error, zero means not computed", "[rdb]") {
  std::string good = rdb_bytes().byte(0).str("k").str("v").done();
  keyspace ks;
  REQUIRE(load(good, ks).ok);

  std::string bad = good;
  bad[bad.size() - 1] ^= 0x01;
  keyspace ks2;
  auto r = load(bad, ks2);
  REQUIRE_FALSE(r.ok);
  CHECK(r.err.what.rfind("checksum mismatch (file says 0x", 0) == 0);
  CHECK(r.err.offset == bad.size() - 8);

  keyspace ks3;
  REQUIRE(load(rdb_bytes().byte(0).str("k").str("v").done(false), ks3).ok);
  // As redis-server writes it with rdbchecksum no.
  const std::string nosum = read_fixture("nochecksum.rdb");
  CHECK(nosum.substr(nosum.size() - 9) == std::string("\xff\0\0\0\0\0\0\0\0", 9));

  // Missing checksum after EOF (version >= 5), and none needed before version 5.
  keyspace ks4;
  std::string no_sum = rdb_bytes().byte(0).str("k").str("v").b + "\xff";
  expect_error(no_sum, "unexpected end of file");
  REQUIRE(load(rdb_bytes("REDIS0004").byte(0).str("k").str("v").b + "\xff", ks4).ok);
  CHECK(ks4.total_keys() == 1);
}

TEST_CASE("huge declared lengths fail cleanly before allocating", "[rdb]") {
  const uint64_t huge = uint64_t{1} << 60;
  expect_error(rdb_bytes().byte(0).len(huge).done(), "unexpected end of file");
  expect_error(rdb_bytes().byte(0).str("k").len(huge).done(), "unexpected end of file");
  // Element counts: the elements run into the EOF byte (a bad string encoding) or the end.
  for (int type : {1, 2, 3, 4, 5, 14, 18, 19}) {
    INFO("type " << type);
    expect_error(rdb_bytes().byte(type).str("k").len(huge).str("a").str("b").done(), "");
  }
  // LZF: compressed length beyond the data, and a decompressed size no LZF data can reach.
  expect_error(rdb_bytes().byte(0).str("k").byte(0xC3).len(huge).len(10).done(),
               "unexpected end of file");
  expect_error(rdb_bytes().byte(0).str("k").byte(0xC3).len(2).len(huge).raw("\x00x").done(),
               "invalid LZF string");
  expect_error(rdb_bytes().byte(0).str("k").byte(0xC3).len(2).len(5).raw("\x00x").done(),
               "invalid LZF-compressed string");
  // RESIZEDB is only a hint: a huge one is capped, the file still loads.
  keyspace ks;
  REQUIRE(load(rdb_bytes().byte(0xFB).len(huge).len(huge).byte(0).str("k").str("v").done(), ks).ok);
  CHECK(ks.total_keys() == 1);
  // Stream PEL and consumer counts.
  expect_error(rdb_bytes().byte(19).str("k").len(0).len(0).len(0).len(0).len(0).len(0).len(0)
                   .len(0).len(0).len(1).str("g").len(0).len(0).len(0).len(huge).done(),
               "unexpected end of file");
}

TEST_CASE("corrupt compact encodings are reported, not read past", "[rdb]") {
  // Listpack whose header size disagrees with the blob, a bad back-length, a missing end.
  std::string lp = listpack_bytes({"a", "b"});
  keyspace good;
  REQUIRE(load(rdb_bytes().byte(16).str("h").str(lp).done(), good).ok);
  std::string wrong_size = lp;
  wrong_size[0] = static_cast<char>(wrong_size[0] + 1);
  expect_error(rdb_bytes().byte(20).str("s").str(wrong_size).done(), "corrupt listpack: header says");
  std::string bad_back = lp;
  bad_back[6 + 2] = 9;
  expect_error(rdb_bytes().byte(20).str("s").str(bad_back).done(), "back-length");
  std::string no_end = lp;
  no_end.back() = 0;
  expect_error(rdb_bytes().byte(20).str("s").str(no_end).done(), "no end marker");
  std::string bad_count = lp;
  bad_count[4] = 3;
  expect_error(rdb_bytes().byte(20).str("s").str(bad_count).done(), "header says 3 entries");
  std::string long_entry = lp;
  long_entry[6] = static_cast<char>(0x80 | 40);
  expect_error(rdb_bytes().byte(20).str("s").str(long_entry).done(), "corrupt listpack");
  // Hash and zset listpacks need pairs; zset scores must be numbers and not NaN.
  expect_error(rdb_bytes().byte(16).str("h").str(listpack_bytes({"a", "b", "c"})).done(),
               "field without a value");
  expect_error(rdb_bytes().byte(17).str("z").str(listpack_bytes({"a", "x1"})).done(), "invalid zset score");
  expect_error(rdb_bytes().byte(17).str("z").str(listpack_bytes({"a", "nan"})).done(), "NaN");
  expect_error(rdb_bytes().byte(20).str("s").str(listpack_bytes({"a", "a"})).done(), "duplicate set member");
  expect_error(rdb_bytes().byte(16).str("h").str(listpack_bytes({"a", "1", "a", "2"})).done(),
               "duplicate hash field");
  expect_error(rdb_bytes().byte(17).str("z").str(listpack_bytes({"a", "1", "a", "2"})).done(),
               "duplicate zset member");
  expect_error(rdb_bytes().byte(5).str("z").len(1).str("m").le(0x7ff8000000000000ULL, 8).done(),
               "NaN");
  expect_error(rdb_bytes().byte(3).str("z").len(1).str("m").byte(253).done(), "NaN");
  expect_error(rdb_bytes().byte(3).str("z").len(1).str("m").byte(3).raw("1x2").done(),
               "invalid double");
  expect_error(rdb_bytes().byte(2).str("s").len(2).str("m").str("m").done(), "duplicate set member");
  // The string "7" and the integer 7 are one member, as in Redis (found by fuzzing).
  expect_error(rdb_bytes().byte(20).str("s").str(listpack_of({lp_string("7"), lp_uint7(7)})).done(),
               "duplicate set member");
  expect_error(rdb_bytes().byte(16).str("h").str(listpack_of({lp_uint7(1), lp_string("a"),
                                                               lp_string("1"), lp_string("b")})).done(),
               "duplicate hash field");
  expect_error(rdb_bytes().byte(17).str("z").str(listpack_of({lp_string("0"), lp_uint7(1),
                                                               lp_uint7(0), lp_uint7(2)})).done(),
               "duplicate zset member");
  {
    // "07" and "-0" are not integers: distinct from 7 and 0.
    keyspace ks;
    REQUIRE(load(rdb_bytes().byte(20).str("s").str(listpack_of({lp_string("07"), lp_uint7(7),
                                                                 lp_string("-0"), lp_uint7(0)})).done(),
                 ks).ok);
  }

  // Intsets: width, size, order.
  std::string is("\x02\x00\x00\x00\x02\x00\x00\x00\x01\x00\x02\x00", 12);
  keyspace ok;
  REQUIRE(load(rdb_bytes().byte(11).str("s").str(is).done(), ok).ok);
  std::string bad_width = is;
  bad_width[0] = 3;
  expect_error(rdb_bytes().byte(11).str("s").str(bad_width).done(), "bad integer width 3");
  std::string bad_len = is;
  bad_len[4] = 7;
  expect_error(rdb_bytes().byte(11).str("s").str(bad_len).done(), "do not fill");
  std::string unordered = is;
  std::swap(unordered[8], unordered[10]);
  expect_error(rdb_bytes().byte(11).str("s").str(unordered).done(), "ascending");
  expect_error(rdb_bytes().byte(11).str("s").str("\x02\x00").done(), "too short");

  // Ziplists: header, prevlen, encodings, tail.
  // A ziplist of "a", 5: header 10, entries [00 01 'a'] [03 F6], end.
  std::string zl("\x10\x00\x00\x00\x0d\x00\x00\x00\x02\x00\x00\x01" "a" "\x03\xf6\xff", 16);
  keyspace zok;
  auto zr = load(rdb_bytes().byte(10).str("l").str(zl).done(), zok);
  INFO(zr.err.what);
  REQUIRE(zr.ok);
  REQUIRE(zok.db(0).find_raw("l")->val.list() == list_value{"a", "5"});
  std::string bad_prev = zl;
  bad_prev[13] = 2;
  expect_error(rdb_bytes().byte(10).str("l").str(bad_prev).done(), "previous one has 2 bytes");
  std::string bad_tail = zl;
  bad_tail[4] = 10;
  expect_error(rdb_bytes().byte(10).str("l").str(bad_tail).done(), "tail offset");
  std::string bad_enc = zl;
  bad_enc[14] = static_cast<char>(0xF0 | 0x0F);  // 0xFF as an encoding is the end marker
  expect_error(rdb_bytes().byte(10).str("l").str(bad_enc).done(), "corrupt ziplist");
  std::string bad_bytes = zl;
  bad_bytes[0] = 0x11;
  expect_error(rdb_bytes().byte(10).str("l").str(bad_bytes).done(), "header says 17 bytes");
  std::string runs_over = zl;
  runs_over[11] = 0x3F;  // a 63-byte string in a 16-byte ziplist
  expect_error(rdb_bytes().byte(10).str("l").str(runs_over).done(), "corrupt ziplist");

  // Zipmaps.
  std::string zm("\x01\x01k\x01\x00v\xff", 7);
  keyspace mok;
  REQUIRE(load(rdb_bytes().byte(9).str("h").str(zm).done(), mok).ok);
  std::string zm_short = zm;
  zm_short[4] = 0x05;  // free bytes beyond the end
  expect_error(rdb_bytes().byte(9).str("h").str(zm_short).done(), "corrupt zipmap");
  expect_error(rdb_bytes().byte(9).str("h").str(std::string("\x01\x01k\xff", 4)).done(),
               "key without a value");
}

TEST_CASE("empty aggregates are skipped like Redis does", "[rdb]") {
  keyspace ks;
  auto r = load(rdb_bytes()
                    .byte(1).str("list").len(0)
                    .byte(2).str("set").len(0)
                    .byte(18).str("ql").len(1).len(2).str(listpack_bytes({}))
                    .byte(0).str("k").str("v")
                    .done(),
                ks);
  INFO(r.err.what);
  REQUIRE(r.ok);
  CHECK(ks.total_keys() == 1);
  CHECK(r.info.keys_loaded == 1);
}

namespace {

// The fixtures the robustness tests run over (small enough to try every offset).
const char* const robust_fixtures[] = {"strings.rdb", "lists.rdb", "sets.rdb", "hashes.rdb",
                                       "zsets.rdb", "streams.rdb", "lfu.rdb", "lru.rdb",
                                       "legacy_encodings_v6.rdb", "legacy_v3.rdb",
                                       "expiry_v10.rdb", "stream_v1_v9.rdb",
                                       "codecrafters_v11.rdb", "new_types_v12.rdb"};

// Every offset for small files; for larger ones the first and last 3000 and every 13th between.
bool try_offset(size_t i, size_t n) { return n < 8000 || i < 3000 || i + 3000 > n || i % 13 == 0; }

}  // namespace

TEST_CASE("a file truncated at any byte fails cleanly", "[rdb]") {
  size_t tried = 0;
  for (const char* name : robust_fixtures) {
    const std::string full = read_fixture(name);
    for (size_t cut = 0; cut < full.size(); ++cut) {
      if (!try_offset(cut, full.size()))
        continue;
      keyspace ks;
      auto r = load(std::string_view(full).substr(0, cut), ks);
      INFO(name << " cut at " << cut << ": " << r.err.what);
      REQUIRE_FALSE(r.ok);
      REQUIRE(r.err.offset <= cut);
      ++tried;
    }
  }
  CHECK(tried > 30000);
}

TEST_CASE("a flipped byte is caught by the checksum or the parser", "[rdb]") {
  for (const char* name : robust_fixtures) {
    const std::string full = read_fixture(name);
    if (name == std::string("legacy_v3.rdb"))
      continue;  // version 3: no checksum
    for (size_t i = 0; i < full.size(); ++i) {
      if (!try_offset(i, full.size()))
        continue;
      std::string bad = full;
      bad[i] ^= 0x20;
      keyspace ks;
      auto r = load(bad, ks);
      INFO(name << " byte " << i);
      REQUIRE_FALSE(r.ok);
    }
  }
}

namespace {

// Reads every element of every value (for ASan to see); returns the keys plus the bytes.
size_t walk(const keyspace& ks) {
  size_t n = 0;
  for (int db = 0; db < keyspace::db_count; ++db) {
    for (const auto& [key, ent] : ks.db(db).entries()) {
      const value& v = ent.val;
      n += 1 + key.size();
      switch (v.type()) {
        case value_type::string: n += v.str().size(); break;
        case value_type::list:
          for (const element& e : v.list())
            n += e.view().size();
          break;
        case value_type::set:
          for (const element& e : v.set())
            n += e.view().size();
          break;
        case value_type::hash:
          for (const auto& [f, val] : v.hash())
            n += f.view().size() + val.view().size();
          break;
        case value_type::zset:
          for (const zset_entry& e : v.zset())
            n += e.member.view().size() + (e.score == e.score);
          break;
        case value_type::stream:
          v.stream().for_each({}, stream_id::max(), false, [&](const stream_value::entry& e) {
            for (const element& x : e.fields_values)
              n += x.view().size();
            return true;
          });
          break;
      }
    }
  }
  return n;
}

}  // namespace

TEST_CASE("with the checksum off, flipped bytes never crash the loader", "[rdb]") {
  // Only the structural checks stand between garbage and memory here (run under ASan).
  size_t failed = 0, loaded = 0;
  for (const char* name : robust_fixtures) {
    std::string full = read_fixture(name);
    if (name != std::string("legacy_v3.rdb"))
      std::memset(full.data() + full.size() - 8, 0, 8);
    for (size_t i = 0; i < full.size(); ++i) {
      if (!try_offset(i, full.size()))
        continue;
      for (uint8_t x : {0x01, 0x40, 0xFF}) {
        std::string bad = full;
        bad[i] ^= static_cast<char>(x);
        keyspace ks;
        auto r = load(bad, ks);
        (r.ok ? loaded : failed)++;
        if (!r.ok) {
          REQUIRE(r.err.offset <= bad.size());
          REQUIRE(!r.err.what.empty());
          continue;
        }
        // What did load is whole: every value can be walked, and (one load in eight) saved
        // and read back the same.
        REQUIRE(walk(ks) >= ks.total_keys());
        if (loaded % 8 != 0)
          continue;
        const auto lines = dump_keyspace(ks);
        string_sink image;
        rdb_save_info info;
        info.now = expected_now;
        rdb_write(ks, info, image);
        keyspace back;
        INFO(name << " byte " << i << " ^ " << int{x});
        REQUIRE(load(image.data, back).ok);
        REQUIRE(dump_keyspace(back) == lines);
      }
    }
  }
  CHECK(failed > 0);
  CHECK(loaded > 0);
}

TEST_CASE("rdb_load_file reads a file and reports an unreadable one", "[rdb]") {
  keyspace ks;
  rdb_load_info info;
  rdb_error err;
  REQUIRE(rdb_load_file(fixture_path("sets.rdb"), ks, expected_now, true, info, err));
  CHECK(ks.total_keys() == 6);
  keyspace ks2;
  rdb_load_info info2;
  REQUIRE_FALSE(rdb_load_file(fixture_path("no-such-file.rdb"), ks2, expected_now, true, info2, err));
  CHECK(err.what.find("cannot open") != std::string::npos);
  REQUIRE_FALSE(rdb_load_file(CREDIS_FIXTURES_DIR, ks2, expected_now, true, info2, err));
  CHECK(err.what.find("cannot read") != std::string::npos);
}

TEST_CASE("random multi-byte mutations never crash the loader", "[.fuzz][rdb_fuzz]") {
  // Hidden: a longer run for sanitizer builds.  CREDIS_RDB_FUZZ_ROUNDS sets the count.
  const char* env = std::getenv("CREDIS_RDB_FUZZ_ROUNDS");
  const size_t rounds = env ? std::strtoull(env, nullptr, 10) : 20000;
  uint64_t state = 0x9E3779B97F4A7C15ULL;
  auto rnd = [&] {
    state ^= state << 13;
    state ^= state >> 7;
    state ^= state << 17;
    return state;
  };
  std::vector<std::string> files;
  for (const char* name : robust_fixtures) {
    files.push_back(read_fixture(name));
    if (name != std::string("legacy_v3.rdb"))
      std::memset(files.back().data() + files.back().size() - 8, 0, 8);
  }
  size_t ok = 0;
  for (size_t i = 0; i < rounds; ++i) {
    std::string bad = files[rnd() % files.size()];
    const int edits = 1 + static_cast<int>(rnd() % 4);
    for (int e = 0; e < edits; ++e) {
      size_t at = rnd() % bad.size();
      switch (rnd() % 4) {
        case 0: bad[at] = static_cast<char>(rnd()); break;
        case 1: bad[at] ^= static_cast<char>(1 << (rnd() % 8)); break;
        case 2: bad.erase(at, 1 + rnd() % 8); break;
        default: bad.insert(at, 1 + rnd() % 4, static_cast<char>(rnd())); break;
      }
      if (bad.empty())
        bad.assign(1, 'R');
    }
    keyspace ks;
    if (load(bad, ks, expected_now, rnd() % 2).ok) {
      ++ok;
      REQUIRE(walk(ks) >= ks.total_keys());
    }
  }
  WARN(ok << " of " << rounds << " mutated files still loaded");
}
