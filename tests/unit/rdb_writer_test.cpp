// RDB writing: exact bytes of the small cases, round trips through the reader, the atomic file
// save, and (hidden, [.bench]) load/save timings.
#include <catch2/catch.hpp>

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "storage/rdb/crc64.hpp"
#include "storage/rdb/keyspace_dump.hpp"
#include "storage/rdb/rdb_reader.hpp"
#include "storage/rdb/rdb_writer.hpp"

using namespace credis;

namespace {

constexpr unix_ms now_ms = 1704067200000;

std::string write_image(const keyspace& ks, const rdb_save_info& info) {
  string_sink sink;
  rdb_write(ks, info, sink);
  return sink.data;
}

rdb_save_info save_info() {
  rdb_save_info info;
  info.now = now_ms;
  return info;
}

// The bytes after the AUX fields: every image starts with the same header and AUX block.
std::string after_aux(const std::string& image) {
  size_t pos = 9;
  while (static_cast<uint8_t>(image[pos]) == 0xFA) {
    ++pos;
    for (int i = 0; i < 2; ++i) {  // key and value: short raw or int-encoded strings here
      uint8_t b = static_cast<uint8_t>(image[pos]);
      if (b == 0xC0)
        pos += 2;
      else if (b == 0xC1)
        pos += 3;
      else if (b == 0xC2)
        pos += 5;
      else
        pos += 1 + b;
    }
  }
  return image.substr(pos);
}

std::string with_crc(const std::string& image_without_crc) {
  std::string out = image_without_crc;
  uint64_t crc = crc64(0, out.data(), out.size());
  for (int i = 0; i < 8; ++i)
    out.push_back(static_cast<char>(crc >> (8 * i)));
  return out;
}

struct temp_dir {
  std::string path;
  temp_dir() {
    char tmpl[] = "/tmp/credis-rdb-test-XXXXXX";
    REQUIRE(::mkdtemp(tmpl) != nullptr);
    path = tmpl;
  }
  ~temp_dir() { std::system(("rm -rf '" + path + "'").c_str()); }
};

bool file_exists(const std::string& p) {
  struct stat st;
  return ::stat(p.c_str(), &st) == 0;
}

std::string slurp(const std::string& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace

TEST_CASE("the writer emits the header and AUX fields of a 7.0 save", "[rdb]") {
  keyspace ks;
  rdb_save_info info = save_info();
  info.repl_id = std::string(40, 'a');
  info.repl_offset = 12345;
  info.repl_stream_db = 3;
  info.used_mem = 5000000000;
  const std::string image = write_image(ks, info);
  CHECK(image.substr(0, 9) == "REDIS0010");
  CHECK(image.find(std::string("\xfa\x0aredis-bits\xc0\x40", 14)) != std::string::npos);

  keyspace back;
  rdb_load_info li;
  rdb_error err;
  REQUIRE(rdb_load(image, back, now_ms, true, li, err));
  CHECK(li.version == 10);
  CHECK(li.aux["redis-ver"] == "7.0.15");
  CHECK(li.aux["redis-bits"] == "64");
  CHECK(li.aux["ctime"] == "1704067200");
  CHECK(li.aux["used-mem"] == "5000000000");
  CHECK(li.aux["aof-base"] == "0");
  CHECK(li.repl_id == std::string(40, 'a'));
  CHECK(li.repl_offset == 12345);
  CHECK(li.repl_stream_db == 3);
  CHECK(li.aux.size() == 8);

  keyspace ks2;
  rdb_load_info li2;
  REQUIRE(rdb_load(write_image(ks2, save_info()), ks2, now_ms, true, li2, err));
  CHECK(li2.aux.count("repl-id") == 0);
  CHECK(li2.repl_offset == 0);
  CHECK(li2.repl_stream_db == 0);
}

TEST_CASE("the writer's bytes for small values are the ones Redis writes", "[rdb]") {
  // The bytes after the AUX fields, without the checksum.
  auto one = [](const std::string& key, value v, unix_ms deadline = no_expiry, int db = 0) {
    keyspace ks;
    ks.db(db).put(key, std::move(v), deadline);
    std::string img = write_image(ks, save_info());
    REQUIRE(img.size() > 8);
    CHECK(img == with_crc(img.substr(0, img.size() - 8)));
    return after_aux(img.substr(0, img.size() - 8));
  };
  using namespace std::string_literals;
  // SELECTDB 0, RESIZEDB 1 0, type 0, key "k", int8 12, EOF.
  CHECK(one("k", value("12"s)) == std::string("\xfe\x00\xfb\x01\x00\x00\x01k\xc0\x0c\xff", 11));
  // Integers: int8, int16, int32 encodings; not canonical or too wide: raw.
  CHECK(one("k", value("-129"s)).substr(6, 5) == std::string("\x01k\xc1\x7f\xff", 5));
  CHECK(one("k", value("2147483647"s)).substr(6, 7) == std::string("\x01k\xc2\xff\xff\xff\x7f", 7));
  CHECK(one("k", value("2147483648"s)).substr(6, 13) == std::string("\x01k\x0a" "2147483648", 13));
  CHECK(one("k", value("007"s)).substr(6, 6) == std::string("\x01k\x03" "007", 6));
  CHECK(one("k", value("-0"s)).substr(6, 5) == std::string("\x01k\x02-0", 5));
  // A key is a string object too: int-encoded.
  CHECK(one("123", value("v"s)).substr(6, 5) == std::string("\xc0\x7b\x01v\xff", 5));
  // 20 bytes stay raw, 21 compressible bytes are LZF'd.
  CHECK(one("k", value(std::string(20, 'x'))).substr(8, 1) == "\x14");
  CHECK(one("k", value(std::string(21, 'x'))).substr(8, 1) == "\xc3");
  // Expiry: FC + 8 bytes little-endian, RESIZEDB counts it.
  CHECK(one("k", value("v"s), 0x0102030405060708, 5) ==
        std::string("\xfe\x05\xfb\x01\x01\xfc\x08\x07\x06\x05\x04\x03\x02\x01\x00\x01k\x01v\xff", 20));
  // Small aggregates: Redis 7.0's compact encodings, the listpack or intset as one string
  // (canonical integers as integer entries). A list is a quicklist of one packed node.
  CHECK(one("k", value(list_value{"a", "7"})).substr(5, 18) ==
        std::string("\x12\x01k\x01\x02\x0c" "\x0c\x00\x00\x00\x02\x00" "\x81" "a\x02" "\x07\x01" "\xff", 18));
  CHECK(one("k", value(hash_value{{"f", "v"}})).substr(5, 17) ==
        std::string("\x10\x01k\x0d" "\x0d\x00\x00\x00\x02\x00" "\x81" "f\x02" "\x81" "v\x02" "\xff", 17));
  zset_value z;
  z.insert("m", 1.5);
  z.insert("n", -3);
  CHECK(one("k", value(std::move(z))).substr(5, 25) ==
        std::string("\x11\x01k\x15" "\x15\x00\x00\x00\x04\x00" "\x81" "n\x02" "\xdf\xfd\x02"
                    "\x81" "m\x02" "\x83" "1.5\x04" "\xff", 25));
  // Sets: an intset (sorted, narrowest width) when every member is an integer, else type 2
  // (7.0 has no set listpack).
  CHECK(one("k", value(set_value{"3", "1", "-2"})).substr(5, 18) ==
        std::string("\x0b\x01k\x0e" "\x02\x00\x00\x00\x03\x00\x00\x00" "\xfe\xff\x01\x00\x03\x00", 18));
  CHECK(one("k", value(set_value{"70000", "1"})).substr(5, 20) ==
        std::string("\x0b\x01k\x10" "\x04\x00\x00\x00\x02\x00\x00\x00" "\x01\x00\x00\x00\x70\x11\x01\x00", 20));
  CHECK(one("k", value(set_value{"m"})).substr(5, 6) == std::string("\x02\x01k\x01\x01m", 6));
  CHECK(one("k", value(set_value{"1", "01"})).substr(5, 3) == std::string("\x02\x01k", 3));
  // Listpacks longer than 20 bytes are LZF'd when that saves room.
  hash_value h;
  for (int i = 0; i < 20; ++i)
    h.insert("field", "value");  // one pair
  h.insert(std::string(40, 'a'), std::string(40, 'a'));
  CHECK(one("k", value(std::move(h))).substr(8, 1) == "\xc3");
}

TEST_CASE("small aggregates are written byte for byte as the real redis-server wrote them",
          "[rdb]") {
  // Fixtures SAVEd by redis-server 7.0 (compact.rdb: every limit and integer width). Each key
  // credis writes in a compact encoding, written alone, must be a run of the fixture's bytes:
  // type, key and the (LZF'd) listpack or intset as Redis wrote it; a stream (streams.rdb)
  // with its nodes, counters and groups.
  size_t compared = 0;
  for (const char* name : {"compact.rdb", "hashes.rdb", "zsets.rdb", "sets.rdb", "lists.rdb",
                           "nochecksum.rdb", "streams.rdb"}) {
    const std::string fixture = slurp(std::string(CREDIS_FIXTURES_DIR) + "/rdb/" + name);
    keyspace ks;
    rdb_load_info li;
    rdb_error err;
    REQUIRE(rdb_load(fixture, ks, now_ms, true, li, err));
    for (int db = 0; db < keyspace::db_count; ++db) {
      for (const auto& [key, ent] : ks.db(db).entries()) {
        const value& v = ent.val;
        bool compact = false;
        switch (v.type()) {
          case value_type::string: break;
          case value_type::list: compact = v.list().packed() != nullptr; break;
          case value_type::hash: compact = v.hash().packed() != nullptr; break;
          case value_type::zset: compact = v.zset().packed() != nullptr; break;
          case value_type::set:
            compact = v.set().packed() != nullptr && v.set().packed()->ints() != nullptr;
            break;
          case value_type::stream: compact = true; break;  // its nodes are listpacks
        }
        if (!compact || key == "list:plain")  // (made with plain nodes for 1000-byte elements)
          continue;
        keyspace one;
        one.db(0).put(key, v.clone(), no_expiry);
        const std::string image = write_image(one, save_info());
        // After the AUX fields: SELECTDB 0, RESIZEDB 1 0, the record, EOF, CRC.
        const std::string record = after_aux(image).substr(5);
        INFO(name << ": " << key);
        CHECK(fixture.find(record.substr(0, record.size() - 9)) != std::string::npos);
        ++compared;
      }
    }
  }
  CHECK(compared >= 20);
}

TEST_CASE("write then load gives back every type, expiry and db", "[rdb]") {
  keyspace ks;
  std::string binary("\x00\xff\r\n\x01", 5);
  ks.db(0).put("str", value(std::string("hello")), no_expiry);
  ks.db(0).put(binary, value(binary + binary), no_expiry);
  ks.db(0).put("", value(std::string("empty key")), no_expiry);
  ks.db(0).put("empty-value", value(std::string()), no_expiry);
  ks.db(0).put("long", value(std::string(100000, 'z') + "tail"), now_ms + 1000);
  std::string random(5000, '\0');
  uint32_t seed = 1;
  for (auto& c : random)
    c = static_cast<char>((seed = seed * 1103515245 + 12345) >> 16);
  ks.db(0).put("random", value(random), no_expiry);
  for (int64_t v : {0LL, -1LL, 127LL, -128LL, 128LL, 32767LL, -32768LL, 32768LL, 2147483647LL,
                    -2147483648LL, 2147483648LL, 9223372036854775807LL,
                    static_cast<long long>(INT64_MIN)})
    ks.db(1).put("int:" + std::to_string(v), value(std::to_string(v)), no_expiry);
  ks.db(1).put("12345", value(std::string("int key")), now_ms + 5);

  list_value big_list;
  for (int i = 0; i < 5000; ++i)
    big_list.push_back(i % 3 ? "item:" + std::to_string(i) : std::to_string(i - 2500));
  big_list.push_back(std::string(70000, 'L'));
  big_list.push_back("");
  ks.db(2).put("list", value(std::move(big_list)), no_expiry);
  set_value set;
  for (int i = 0; i < 1000; ++i)
    set.insert(i % 2 ? std::to_string(i * 1000003LL) : "member-" + std::to_string(i));
  set.insert("");
  ks.db(2).put("set", value(std::move(set)), now_ms + 100000);
  hash_value hash;
  for (int i = 0; i < 700; ++i)
    hash.insert("field-" + std::to_string(i), i % 5 ? std::to_string(i) : std::string(i, 'h'));
  hash.insert("", "");
  ks.db(15).put("hash", value(std::move(hash)), no_expiry);
  zset_value z;
  for (int i = 0; i < 300; ++i)
    z.insert(std::string("m").append(std::to_string(i)), i * 0.5 - 10);
  z.insert("inf", HUGE_VAL);
  z.insert("-inf", -HUGE_VAL);
  z.insert("-0", -0.0);
  z.insert("tiny", 5e-324);
  z.insert("", 3.0);
  ks.db(15).put("zset", value(std::move(z)), no_expiry);

  // Left out: expired at `now`, and empty aggregates (Redis never has those).
  ks.db(3).put("expired", value(std::string("x")), now_ms - 1);
  ks.db(3).put("empty-list", value(list_value{}), no_expiry);
  ks.db(4).put("due-now", value(std::string("kept")), now_ms);  // not past yet

  const std::string image = write_image(ks, save_info());
  keyspace back;
  rdb_load_info li;
  rdb_error err;
  REQUIRE(rdb_load(image, back, now_ms, true, li, err));
  CHECK(li.keys_loaded == ks.total_keys() - 2);

  ks.db(3).clear();
  auto want = dump_keyspace(ks);
  auto got = dump_keyspace(back);
  REQUIRE(got.size() == want.size());
  for (size_t i = 0; i < got.size(); ++i)
    CHECK(got[i] == want[i]);
  // The zset's -0.0 keeps its sign bit.
  CHECK(std::signbit(back.db(15).find_raw("zset")->val.zset().score("-0").value()));
}

TEST_CASE("the writer hands the sink large chunks", "[rdb]") {
  struct counting_sink : rdb_sink {
    size_t calls = 0, bytes = 0;
    void write(const char*, size_t n) override {
      ++calls;
      bytes += n;
    }
  };
  keyspace ks;
  for (int i = 0; i < 50000; ++i)
    ks.db(0).put("key:" + std::to_string(i), value("value:" + std::to_string(i)), no_expiry);
  counting_sink sink;
  rdb_write(ks, save_info(), sink);
  CHECK(sink.bytes > 800000);
  CHECK(sink.calls < sink.bytes / 65536 + 3);
}

TEST_CASE("rdb_save_file replaces the file atomically", "[rdb]") {
  temp_dir dir;
  const std::string path = dir.path + "/dump.rdb";
  keyspace ks;
  ks.db(0).put("a", value(std::string("1")), no_expiry);
  std::string error;
  REQUIRE(rdb_save_file(ks, save_info(), path, error));
  CHECK(error.empty());
  const std::string temp = dir.path + "/temp-" + std::to_string(::getpid()) + ".rdb";
  CHECK_FALSE(file_exists(temp));

  keyspace back;
  rdb_load_info li;
  rdb_error err;
  REQUIRE(rdb_load_file(path, back, now_ms, true, li, err));
  CHECK(back.db(0).find_raw("a")->val.str() == "1");

  // Second save replaces the first.
  ks.db(0).put("b", value(std::string("2")), no_expiry);
  REQUIRE(rdb_save_file(ks, save_info(), path, error));
  keyspace back2;
  REQUIRE(rdb_load_file(path, back2, now_ms, true, li, err));
  CHECK(back2.total_keys() == 2);

  // A failing save (the temp file cannot be created) leaves the old file as it was.
  const std::string before = slurp(path);
  REQUIRE(::mkdir(temp.c_str(), 0755) == 0);
  ks.db(0).put("c", value(std::string("3")), no_expiry);
  REQUIRE_FALSE(rdb_save_file(ks, save_info(), path, error));
  CHECK(error.find("temp-") != std::string::npos);
  CHECK(slurp(path) == before);
  ::rmdir(temp.c_str());

  // A missing directory.
  REQUIRE_FALSE(rdb_save_file(ks, save_info(), dir.path + "/no/such/dir/dump.rdb", error));
  CHECK(error.find("No such file or directory") != std::string::npos);

  // A path without a directory part saves in the working directory.
  char cwd[4096];
  REQUIRE(::getcwd(cwd, sizeof cwd) != nullptr);
  REQUIRE(::chdir(dir.path.c_str()) == 0);
  bool saved = rdb_save_file(ks, save_info(), "plain.rdb", error);
  REQUIRE(::chdir(cwd) == 0);
  REQUIRE(saved);
  CHECK(file_exists(dir.path + "/plain.rdb"));
}

// ---- timings (hidden: run with  build/unit_tests '[.bench]') -------------------------------

namespace {

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

}  // namespace

TEST_CASE("load and save 1,000,000 string keys", "[.bench][rdb_bench]") {
  // The keys and values of DEBUG POPULATE 1000000: "key:N" -> "value:N".
  const char* file = std::getenv("CREDIS_RDB_BENCH_FILE");
  std::string image;
  if (file != nullptr) {
    image = slurp(file);
  } else {
    keyspace ks;
    for (int i = 0; i < 1000000; ++i)
      ks.db(0).put("key:" + std::to_string(i), value("value:" + std::to_string(i)), no_expiry);
    auto t0 = std::chrono::steady_clock::now();
    image = write_image(ks, save_info());
    WARN("rdb_write of 1M keys: " << seconds_since(t0) << " s, " << image.size() << " bytes");
  }
  for (int round = 0; round < 3; ++round) {
    keyspace ks;
    rdb_load_info li;
    rdb_error err;
    auto t0 = std::chrono::steady_clock::now();
    REQUIRE(rdb_load(image, ks, now_ms, true, li, err));
    double s = seconds_since(t0);
    WARN("rdb_load of " << li.keys_loaded << " keys (" << image.size() << " bytes): " << s
                        << " s");
  }
  if (file != nullptr) {
    keyspace ks;
    rdb_load_info li;
    rdb_error err;
    auto t0 = std::chrono::steady_clock::now();
    REQUIRE(rdb_load_file(file, ks, now_ms, true, li, err));
    WARN("rdb_load_file (read + load): " << seconds_since(t0) << " s");
    temp_dir dir;
    std::string error;
    t0 = std::chrono::steady_clock::now();
    REQUIRE(rdb_save_file(ks, save_info(), dir.path + "/dump.rdb", error));
    WARN("rdb_save_file of the same keys: " << seconds_since(t0) << " s");
  }
}

TEST_CASE("a load reports its progress every 2 MB or so", "[rdb]") {
  keyspace ks;
  uint64_t x = 1;
  for (int i = 0; i < 60000; ++i) {
    std::string v(200, ' ');  // random letters: LZF cannot shrink them
    for (auto& c : v) {
      x = x * 6364136223846793005ULL + 1442695040888963407ULL;
      c = static_cast<char>('a' + (x >> 59));
    }
    ks.db(0).put("key:" + std::to_string(i), value(std::move(v)), no_expiry);
  }
  std::string img = write_image(ks, save_info());
  REQUIRE(img.size() > 5 * rdb_load_info::progress_interval);
  keyspace loaded;
  rdb_load_info info;
  rdb_error err;
  std::vector<size_t> reports;
  info.progress = [&](size_t done, size_t total) {
    CHECK(total == img.size());
    reports.push_back(done);
  };
  REQUIRE(rdb_load(img, loaded, now_ms, true, info, err));
  CHECK(reports.size() == img.size() / rdb_load_info::progress_interval);
  CHECK(std::is_sorted(reports.begin(), reports.end()));
  CHECK(reports.front() >= rdb_load_info::progress_interval);
  CHECK(loaded.total_keys() == 60000);
}

TEST_CASE("a save reports its progress after the first key and every 1024 after it", "[rdb]") {
  keyspace ks;
  for (int i = 0; i < 3000; ++i)
    ks.db(i % 2).put("key:" + std::to_string(i), value(std::string("v")), no_expiry);
  rdb_save_info info = save_info();
  std::vector<uint64_t> reports;
  info.progress = [&](uint64_t keys) { reports.push_back(keys); };
  const std::string with_reports = write_image(ks, info);
  CHECK(reports == std::vector<uint64_t>{1, 1025, 2049});
  CHECK(with_reports == write_image(ks, save_info()));  // the file is the same
}
