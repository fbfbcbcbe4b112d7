#include <catch2/catch.hpp>

#include <string>
#include <unordered_set>

#include "storage/keyed_hash.hpp"

using namespace credis;

namespace {

constexpr uint64_t ref_k0 = 0x0706050403020100ull;  // the key 00 01 02 ... 0f
constexpr uint64_t ref_k1 = 0x0f0e0d0c0b0a0908ull;

std::string counting_bytes(size_t n) {
  std::string s;
  for (size_t i = 0; i < n; ++i)
    s.push_back(static_cast<char>(i));
  return s;
}

}  // namespace

TEST_CASE("siphash-2-4 gives the reference outputs of the SipHash paper") {
  CHECK(siphash<2, 4>("", ref_k0, ref_k1) == 0x726fdb47dd0e0e31ull);
  CHECK(siphash<2, 4>(counting_bytes(15), ref_k0, ref_k1) == 0xa129ca6149be45e5ull);
}

TEST_CASE("keyed_hash depends on the key, and on every byte and the length of the input") {
  set_hash_key(ref_k0, ref_k1);
  const uint64_t a = keyed_hash("key:000000000001");
  CHECK(a == siphash<1, 2>("key:000000000001", ref_k0, ref_k1));
  CHECK(keyed_hash("key:000000000002") != a);
  CHECK(keyed_hash("key:00000000000") != keyed_hash(std::string("key:00000000000\0", 16)));
  set_hash_key(ref_k0 + 1, ref_k1);
  CHECK(keyed_hash("key:000000000001") != a);
  set_random_hash_key();
  const uint64_t r = keyed_hash("key:000000000001");
  set_random_hash_key();
  CHECK(keyed_hash("key:000000000001") != r);  // 2^-64 to fail by chance
  set_hash_key(ref_k0, ref_k1);
}

TEST_CASE("keyed_hash spreads similar keys over a table's homes") {
  // The top bits pick a key's home in slot_table: 100,000 keys over 2^17 homes should fill
  // 2^17 * (1 - e^-0.763) = 70,000 of them, as random hashes would (a standard deviation of
  // about 150).
  std::unordered_set<uint64_t> homes;
  for (int i = 0; i < 100000; ++i)
    homes.insert(keyed_hash("key:" + std::to_string(i)) >> 47);
  CHECK(homes.size() > 69000);
  CHECK(homes.size() < 71000);
}
