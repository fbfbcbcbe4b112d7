// HyperLogLog sketches (storage/hyperloglog.*) and their commands
// (storage/commands/hyperloglog_commands.cpp). The byte vectors below were written by a real
// redis-server 7.0.15 after the same PFADDs (GET of the key, hex; SHA-1 for dense ones), so
// the layout, the hash and the sparse opcodes are Redis's to the byte.
#include <catch2/catch.hpp>

#include <random>
#include <string>
#include <vector>

#include "command_harness.hpp"
#include "storage/hex_digest.hpp"
#include "storage/hyperloglog.hpp"

using credis::testing::command_harness;
namespace hll = credis::hll;

namespace {

// GET after PFADD of e0..e199 and PFCOUNT (which cached 200 = 0xc8 in the header).
const std::string redis_n200 =
    "48594c4c01000000c800000000000000368421801980409f8408a40e88409084406c9c019001881288388440"
    "9480411c8817884055800080407a80411d8812804075800d842a8040638440768c404684414880098040d580"
    "0980409480407e9040738040628440a280408384405d84148040cb8407840d8040f080405e80068427844081"
    "803c844047840780404e80408f84039404844043840c842684406e80407380404084409d84198019802a8441"
    "028c088441298010801c884060801080404b8c4052881b8040b080406e8040bc802b8c40f58040618c1a8403"
    "80407e80408080404580088440fd80405a80406684409f8040468c108c018401841e8811802384407d8440de"
    "84406280308812844065840784198040de84404684408b8814802988008402800a8840578041a79011842e84"
    "4070801f840180189440f98440848c168421813c881d801380368410804089844044804147800380228040b8"
    "8440bb88404684168040c684404980048440e680404380388c405c8040558440998026800580038040548040"
    "9e88404c882e8840448040b080198408841f880380405b841b803f804044804055800d88128440d380405988"
    "408b800290407e800784407b801d841d8040af8418840f844045803384404f80288440a78440768040578419"
    "844048800e9022840a80406a840d8039801380409a8828804046844044";
// GET after PFMERGE m abc n200 (abc: PFADD abc a b c) and PFCOUNT m (203 = 0xcb).
const std::string redis_merged =
    "48594c4c01000000cb00000000000000368421801980409f8408a40e88409084406c9c019001881288388440"
    "9480411c8817884055800080407a80411d8812804075800d842a8040638440768c404684414880098040d580"
    "0980409480407e9040738040628440a280408384405d84148040cb8407840d8040f080405e80068427844081"
    "803c844047840780404e80408f84039404844043840c842684406e80407380404084409d84198019802a8441"
    "028c088441298010801c884060801080404b8c4052881b8040b080406e8040bc802b8c40f58040618c1a8403"
    "80407e80408080404580088440fd80405a80406684409f8040468c108c018401841e88118023844062801984"
    "40de84406280308812844065840784198040de84404684408b8814802988008402800a8840578041a7901184"
    "2e844070801f840180189440f98440848c168421813c881d8013803684108040898440448041478003802280"
    "40b88440bb88404684168040c684404980048440e680404380388c405c801384404084409980268005800380"
    "405480409e88404c882e8840448040b080198408841f880380405b841b803f804044804055800d88128440d3"
    "80405988408b800290407e800784407b801d841d8040af8418840f844045803384404f80288440a784407680"
    "405784198440488001800b9022840a80406a840d8039801380409a8828804046844044";

std::string from_hex(std::string_view hex) {
  std::string out;
  for (size_t i = 0; i + 1 < hex.size(); i += 2)
    out += static_cast<char>(std::stoi(std::string(hex.substr(i, 2)), nullptr, 16));
  return out;
}

std::string to_hex(std::string_view s) {
  static const char digits[] = "0123456789abcdef";
  std::string out;
  for (unsigned char c : s) {
    out += digits[c >> 4];
    out += digits[c & 15];
  }
  return out;
}

std::string sha1(std::string_view s) { return credis::hex_digest(s, EVP_sha1()); }

// A sketch after PFADDs of `elements`, as the command does it.
std::string sketch_of(const std::vector<std::string>& elements, size_t sparse_max = 3000) {
  std::string s = hll::empty_sketch();
  bool changed = true;  // PFADD of a new key always invalidates the cache
  for (const auto& e : elements)
    changed |= hll::add(s, e, sparse_max) == 1;
  if (changed)
    hll::invalidate_cache(s.data());
  return s;
}

std::vector<std::string> numbered(size_t n, std::string_view prefix = "e") {
  std::vector<std::string> out;
  for (size_t i = 0; i < n; ++i)
    out.push_back(std::string(prefix) + std::to_string(i));
  return out;
}

// The bulk reply of GET.
std::string bulk(std::string_view s) {
  return "$" + std::to_string(s.size()) + "\r\n" + std::string(s) + "\r\n";
}

}  // namespace

TEST_CASE("Elements go to Redis's registers with Redis's ranks", "[hll]") {
  // Register and rank of one-element sketches ("Z:<index> v:<rank>,1 ..." in PFDEBUG DECODE),
  // covering every tail length of MurmurHash64A.
  struct {
    std::string element;
    uint32_t index;
    uint8_t rank;
  } const cases[] = {
      {"", 5938, 2},
      {"a", 12711, 2},
      {"ab", 719, 1},
      {"abc", 9474, 1},
      {"abcd", 11070, 8},
      {"abcde", 3726, 4},
      {"abcdef", 13647, 2},
      {"abcdefg", 5634, 2},
      {"abcdefgh", 1383, 1},
      {"abcdefghi", 6903, 1},
      {std::string("\x00\xff\x80\x7f\x00\xff\x80\x7f\x00\xff\x80\x7f", 12), 14688, 1}};
  for (const auto& c : cases) {
    INFO(to_hex(c.element));
    const hll::observation o = hll::observe(c.element);
    CHECK(o.index == c.index);
    CHECK(int(o.rank) == int(c.rank));
  }
}

TEST_CASE("Sketches have Redis's bytes", "[hll]") {
  CHECK(to_hex(hll::empty_sketch()) == "48594c4c0100000000000000000000007fff");
  std::string abc = sketch_of({"a", "b", "c"});
  CHECK(to_hex(abc) == "48594c4c01000000000000000000008060f38050b1844bfb80425a");
  CHECK(hll::decode_sparse(abc) == "Z:8436 v:1,1 Z:4274 v:2,1 Z:3068 v:1,1 Z:603");
  CHECK(hll::cardinality(abc) == 3u);
  hll::set_cached_cardinality(abc.data(), 3);
  CHECK(to_hex(abc) == "48594c4c01000000030000000000000060f38050b1844bfb80425a");

  // Every tail length of the hash, merged runs of VALs and ZEROs.
  std::vector<std::string> prefixes;
  for (size_t n = 0; n < 22; ++n)
    prefixes.push_back(std::string("abcdefghijklmnopqrstu").substr(0, n));
  CHECK(to_hex(sketch_of(prefixes)) ==
        "48594c4c01000000000000000000008042ce80429680455f8c43c48c421f804551843d8440ef8443c380"
        "48cc8040a98040908040db90455d9c42be8041c48040938c414c8443a68441d88040988443658044d4");

  // After PFADD of e0..e199 and PFCOUNT (which caches 200 = 0xc8 in the header).
  std::string n200 = sketch_of(numbered(200));
  CHECK(n200.size() == 513);
  hll::set_cached_cardinality(n200.data(), *hll::cardinality(n200));
  CHECK(to_hex(n200) == redis_n200);
  CHECK(hll::cardinality(n200) == 200u);

  // Dense after passing 3000 bytes, and after passing a lower hll-sparse-max-bytes.
  const std::string n5000 = sketch_of(numbered(5000));
  CHECK(hll::encoding_of(n5000) == hll::dense);
  CHECK(n5000.size() == hll::dense_size);
  CHECK(sha1(n5000) == "21f2bcbf124c89c42b46e149b5d2218e30c42fd1");
  CHECK(hll::cardinality(n5000) == 4968u);
  std::string n100k = sketch_of(numbered(100000));
  hll::set_cached_cardinality(n100k.data(), *hll::cardinality(n100k));  // (as after PFCOUNT)
  CHECK(sha1(n100k) == "963e6cee79a81da7857234caac0f76085c89dd79");
  CHECK(hll::cardinality(n100k) == 100853u);
  const std::string small_max = sketch_of(numbered(40), 100);
  CHECK(hll::encoding_of(small_max) == hll::dense);
  CHECK(sha1(small_max) == "a4d21919bf60d0b722fa3e7a240c796ed1e0771e");
}

TEST_CASE("PFADD, PFMERGE and PFCOUNT through the commands give Redis's bytes", "[hll][commands]") {
  command_harness h;
  CHECK(h.run({"PFADD", "abc", "a", "b", "c"}) == ":1\r\n");
  for (const auto& e : numbered(200))
    h.run({"PFADD", "n200", e});
  CHECK(h.run({"PFCOUNT", "n200"}) == ":200\r\n");
  CHECK(h.run({"GET", "n200"}) == bulk(from_hex(redis_n200)));
  CHECK(h.run({"PFMERGE", "m", "abc", "n200"}) == "+OK\r\n");
  CHECK(h.run({"PFCOUNT", "m"}) == ":203\r\n");
  CHECK(h.run({"GET", "m"}) == bulk(from_hex(redis_merged)));
}

TEST_CASE("Estimates stay within the standard error", "[hll]") {
  // 1.04 / sqrt(16384) = 0.81%; allow four standard errors.
  for (size_t n : {10u, 100u, 1000u, 5000u, 20000u, 100000u, 400000u}) {
    const std::string s = sketch_of(numbered(n, "x"));
    const double estimate = static_cast<double>(*hll::cardinality(s));
    INFO("n=" << n << " estimate=" << estimate);
    CHECK(std::abs(estimate - static_cast<double>(n)) <= std::max(1.0, 0.0325 * n));
  }
}

TEST_CASE("Sparse and dense sketches of the same elements agree", "[hll]") {
  std::mt19937_64 rng(42);
  for (int round = 0; round < 200; ++round) {
    const size_t n = rng() % 600;
    std::vector<std::string> elements;
    for (size_t i = 0; i < n; ++i)
      elements.push_back(std::to_string(rng()));
    std::string sparse = sketch_of(elements);
    std::string dense = hll::empty_sketch();
    REQUIRE(hll::to_dense(dense));
    for (const auto& e : elements)
      hll::add(dense, e, 3000);
    REQUIRE(hll::encoding_of(sparse) == hll::sparse);
    REQUIRE(hll::encoding_of(dense) == hll::dense);
    CHECK(hll::cardinality(sparse) == hll::cardinality(dense));
    hll::register_bytes a{}, b{};
    REQUIRE(hll::merge_into(a, sparse));
    REQUIRE(hll::merge_into(b, dense));
    CHECK(a == b);
    // Converting the sparse one gives the dense one's registers.
    std::string converted = sparse;
    REQUIRE(hll::to_dense(converted));
    CHECK(converted.substr(hll::header_size) == dense.substr(hll::header_size));
  }
}

TEST_CASE("Registers keep their 6 bits apart from their neighbours", "[hll]") {
  std::string packed(hll::dense_size, '\0');
  auto* regs = reinterpret_cast<uint8_t*>(packed.data()) + hll::header_size;
  std::mt19937 rng(7);
  hll::register_bytes expected{};
  for (size_t i = 0; i < hll::register_count; ++i) {
    expected[i] = static_cast<uint8_t>(rng() & 63);
    hll::set_dense_register(regs, i, expected[i]);
  }
  size_t wrong = 0;
  for (size_t i = 0; i < hll::register_count; ++i)
    wrong += hll::dense_register(regs, i) != expected[i];
  CHECK(wrong == 0);
}

TEST_CASE("The union of sketches counts the union of their elements", "[hll]") {
  const std::string a = sketch_of(numbered(3000, "a"));  // dense
  const std::string b = sketch_of(numbered(300, "b"));   // sparse
  std::vector<std::string> both = numbered(3000, "a");
  for (auto& e : numbered(300, "b"))
    both.push_back(e);
  hll::register_bytes regs{};
  REQUIRE(hll::merge_into(regs, a));
  REQUIRE(hll::merge_into(regs, b));
  CHECK(hll::cardinality_of(regs) == hll::cardinality(sketch_of(both)));
}

TEST_CASE("Corrupt sketches are reported, never read or written out of bounds", "[hll]") {
  // Hand-made: runs that do not add up to 16384 registers, a truncated XZERO, bytes appended.
  auto sparse_with = [](std::string_view ops) {
    std::string s = hll::empty_sketch().substr(0, hll::header_size);
    s += ops;
    return s;
  };
  const std::string bad[] = {
      sparse_with(""),                        // no registers at all
      sparse_with("\x7f"),                    // XZERO missing its second byte
      sparse_with("\x7f\xfe"),                // one too few
      sparse_with("\x7f\xff\x80"),            // one register too many
      sparse_with("\x7f\xff\x7f\xff"),        // twice 16384
      sparse_with(std::string(300, '\xff')),  // VALs only: 1200 registers
      sketch_of({"a", "b", "c"}) + "hello",
  };
  for (const auto& s : bad) {
    INFO(to_hex(s));
    REQUIRE(hll::has_valid_header(s));
    CHECK_FALSE(hll::cardinality(s));
    hll::register_bytes regs{};
    CHECK_FALSE(hll::merge_into(regs, s));
    std::string copy = s;
    CHECK_FALSE(hll::to_dense(copy));
    CHECK(copy == s);
    (void)hll::decode_sparse(s);
  }
  // A VAL past the 16384th register: refused everywhere, as the redis-server 7.0.15 of Debian
  // (with the CVE-2025-32023 fix) refuses it.
  const std::string overlong = sparse_with("\x7f\xff\x80");
  CHECK_FALSE(hll::cardinality(overlong));
  hll::register_bytes regs{};
  CHECK_FALSE(hll::merge_into(regs, overlong));
  std::string converted = overlong;
  CHECK_FALSE(hll::to_dense(converted));
  // Headers that are not a sketch's.
  CHECK_FALSE(hll::has_valid_header("HYLL"));
  CHECK_FALSE(hll::has_valid_header(std::string("HYLX\x01", 5) + std::string(13, '\0')));
  CHECK_FALSE(hll::has_valid_header(std::string("HYLL\x02", 5) + std::string(13, '\0')));
  CHECK_FALSE(hll::has_valid_header(std::string("HYLL\x00", 5) + std::string(13, '\0')));

  // Random corruptions of sparse and dense sketches, as Redis's fuzz test makes them: every
  // operation runs on them (under the sanitizers in the ASan build).
  std::mt19937_64 rng(1234);
  std::vector<std::string> bases;  // sparse ones of every size, and dense ones
  for (size_t n = 0; n < 3000; n += 97)
    bases.push_back(sketch_of(numbered(n, std::to_string(n))));
  for (int round = 0; round < 3000; ++round) {
    std::string s = bases[rng() % bases.size()];
    for (int k = 0; k < 5; ++k) {
      s[rng() % s.size()] = static_cast<char>(rng());
      if (rng() & 1)
        break;
    }
    if (!hll::has_valid_header(s))
      continue;
    (void)hll::cardinality(s);
    hll::register_bytes regs{};
    (void)hll::merge_into(regs, s);
    if (hll::encoding_of(s) == hll::sparse)
      (void)hll::decode_sparse(s);
    std::string added = s;
    for (int i = 0; i < 20; ++i)
      if (hll::add(added, std::to_string(rng()), 3000) < 0)
        break;
    std::string raised = s;
    (void)hll::raise_register(raised, static_cast<uint32_t>(rng() % hll::register_count),
                              static_cast<uint8_t>(1 + rng() % 51), 3000);
    std::string dense = s;
    (void)hll::to_dense(dense);
  }
}

TEST_CASE("PFADD and PFCOUNT reply, cache and refuse as Redis does", "[hll][commands]") {
  command_harness h;
  CHECK(h.run({"PFADD", "hll"}) == ":1\r\n");
  CHECK(h.run({"EXISTS", "hll"}) == ":1\r\n");
  CHECK(h.run({"PFCOUNT", "hll"}) == ":0\r\n");
  CHECK(h.run({"PFADD", "hll", "a", "b", "c"}) == ":1\r\n");
  CHECK(h.run({"PFADD", "hll", "a", "b", "c"}) == ":0\r\n");
  CHECK(h.run({"PFADD", "hll", ""}) == ":1\r\n");
  CHECK(h.run({"PFCOUNT", "hll"}) == ":4\r\n");
  CHECK(h.run({"GETRANGE", "hll", "15", "15"}) == bulk(std::string(1, '\0')));
  CHECK(h.run({"PFADD", "hll", "a"}) == ":0\r\n");
  CHECK(h.run({"GETRANGE", "hll", "15", "15"}) == bulk(std::string(1, '\0')));
  CHECK(h.run({"PFADD", "hll", "1", "2", "3"}) == ":1\r\n");
  CHECK(h.run({"GETRANGE", "hll", "15", "15"}) == bulk("\x80"));
  CHECK(h.run({"PFCOUNT", "missing"}) == ":0\r\n");
  CHECK(h.run({"PFCOUNT", "missing", "other"}) == ":0\r\n");

  const std::string not_hll = "-WRONGTYPE Key is not a valid HyperLogLog string value.\r\n";
  h.run({"SET", "str", "bar"});
  CHECK(h.run({"PFADD", "str", "1"}) == not_hll);
  CHECK(h.run({"PFCOUNT", "str"}) == not_hll);
  CHECK(h.run({"PFCOUNT", "hll", "str"}) == not_hll);
  CHECK(h.run({"PFMERGE", "dest", "str"}) == not_hll);
  CHECK(h.run({"PFMERGE", "str", "hll"}) == not_hll);
  CHECK(h.run({"EXISTS", "dest"}) == ":0\r\n");
  h.run({"RPUSH", "list", "x"});
  CHECK(h.run({"PFADD", "list", "1"}) == credis::testing::wrongtype);
  CHECK(h.run({"PFCOUNT", "list"}) == credis::testing::wrongtype);

  const std::string corrupt = "-INVALIDOBJ Corrupted HLL object detected\r\n";
  h.run({"PFADD", "bad", "a", "b", "c"});
  h.run({"APPEND", "bad", "hello"});
  CHECK(h.run({"PFCOUNT", "bad"}) == corrupt);
  CHECK(h.run({"PFCOUNT", "bad", "hll"}) == corrupt);
  CHECK(h.run({"PFMERGE", "dest", "bad"}) == corrupt);
  CHECK(h.run({"PFDEBUG", "TODENSE", "bad"}) == corrupt);
  h.run({"SETRANGE", "hll", "4", std::string(1, '\0')});  // "dense", of a sparse length
  CHECK(h.run({"PFCOUNT", "hll"}) == not_hll);
}

TEST_CASE("PFDEBUG shows and converts sketches", "[hll][commands]") {
  command_harness h;
  CHECK(h.run({"PFDEBUG", "ENCODING", "h"}) == "-ERR The specified key does not exist\r\n");
  h.run({"PFADD", "h", "a", "b", "c"});
  CHECK(h.run({"PFDEBUG", "ENCODING", "h"}) == "+sparse\r\n");
  CHECK(h.run({"PFDEBUG", "DECODE", "h"}) == bulk("Z:8436 v:1,1 Z:4274 v:2,1 Z:3068 v:1,1 Z:603"));
  CHECK(h.run({"PFDEBUG", "nosuch", "h"}) == "-ERR Unknown PFDEBUG subcommand 'nosuch'\r\n");
  CHECK(h.run({"PFDEBUG", "TODENSE", "h"}) == ":1\r\n");
  CHECK(h.run({"PFDEBUG", "TODENSE", "h"}) == ":0\r\n");
  CHECK(h.run({"PFDEBUG", "ENCODING", "h"}) == "+dense\r\n");
  CHECK(h.run({"PFDEBUG", "DECODE", "h"}) == "-ERR HLL encoding is not sparse\r\n");
  CHECK(h.run({"STRLEN", "h"}) == ":12304\r\n");
  const std::string regs = h.run({"PFDEBUG", "GETREG", "h"});
  CHECK(regs.starts_with("*16384\r\n:0\r\n"));
  CHECK(regs.find(":2\r\n") != std::string::npos);
  CHECK(h.run({"PFCOUNT", "h"}) == ":3\r\n");
  CHECK(h.run({"PFSELFTEST"}) == "+OK\r\n");
}

TEST_CASE("hll-sparse-max-bytes decides when a sketch turns dense", "[hll][commands]") {
  command_harness h;
  CHECK(h.run({"CONFIG", "GET", "hll-sparse-max-bytes"}) ==
        "*2\r\n$20\r\nhll-sparse-max-bytes\r\n$4\r\n3000\r\n");
  CHECK(h.run({"CONFIG", "SET", "hll-sparse-max-bytes", "100"}) == "+OK\r\n");
  for (const auto& e : numbered(40))
    h.run({"PFADD", "p", e});
  CHECK(h.run({"PFDEBUG", "ENCODING", "p"}) == "+dense\r\n");
  CHECK(h.run({"CONFIG", "SET", "hll-sparse-max-bytes", "3000"}) == "+OK\r\n");
  for (const auto& e : numbered(40))
    h.run({"PFADD", "q", e});
  CHECK(h.run({"PFDEBUG", "ENCODING", "q"}) == "+sparse\r\n");
  CHECK(h.run({"PFCOUNT", "p"}) == ":40\r\n");
  CHECK(h.run({"PFCOUNT", "q"}) == ":40\r\n");
}

TEST_CASE("HLL commands reach replicas as Redis sends them", "[hll][commands]") {
  command_harness h;
  credis::command_batch batch;
  h.propagated = &batch;
  auto take = [&] {
    std::vector<std::string> out;
    std::vector<std::string_view> argv;
    for (const auto& item : batch.items()) {
      batch.args_of(item, argv);
      std::string line;
      for (auto a : argv)
        line += (line.empty() ? "" : " ") + std::string(a);
      out.push_back(line);
    }
    batch.clear();
    return out;
  };
  using lines = std::vector<std::string>;
  h.run({"PFADD", "h", "a"});
  CHECK(take() == lines{"PFADD h a"});
  h.run({"PFADD", "h", "a"});
  CHECK(take().empty());  // nothing changed
  h.run({"PFCOUNT", "h"});
  CHECK(take() == lines{"PFCOUNT h"});  // it cached the cardinality
  h.run({"PFCOUNT", "h"});
  CHECK(take().empty());
  h.run({"PFCOUNT", "h", "other"});
  CHECK(take().empty());
  h.run({"PFMERGE", "h", "h"});
  CHECK(take() == lines{"PFMERGE h h"});
  h.run({"PFDEBUG", "ENCODING", "h"});
  CHECK(take().empty());
  h.run({"PFDEBUG", "TODENSE", "h"});
  CHECK(take() == lines{"PFDEBUG TODENSE h"});
  h.run({"PFDEBUG", "TODENSE", "h"});
  CHECK(take().empty());
  h.run({"SET", "s", "x"});
  take();
  h.run({"PFADD", "s", "a"});
  CHECK(take().empty());
}
