#include <catch2/catch.hpp>

#include <string>

#include "storage/rdb/crc64.hpp"

using namespace credis;

TEST_CASE("crc64 matches the Jones check value", "[rdb]") {
  REQUIRE(crc64(0, "123456789", 9) == 0xe9c6d914c4b8d9caULL);
  // Split anywhere: the running value continues.
  std::string s = "123456789";
  for (size_t i = 0; i <= s.size(); ++i)
    CHECK(crc64(crc64(0, s.data(), i), s.data() + i, s.size() - i) == 0xe9c6d914c4b8d9caULL);
}

TEST_CASE("crc64's carry-less folding agrees with the tables at every length and alignment",
          "[rdb]") {
  std::string buf(3000, '\0');
  uint64_t s = 1;
  for (auto& c : buf)
    c = static_cast<char>((s = s * 6364136223846793005ULL + 1442695040888963407ULL) >> 56);
  size_t compared = 0;
  for (size_t off = 0; off < 16; ++off)
    for (size_t n = 0; n + off <= buf.size(); n += n < 300 ? 1 : 41)
      for (uint64_t seed : {0ULL, 0x0123456789abcdefULL, ~0ULL}) {
        INFO("offset " << off << ", " << n << " bytes, seed " << seed);
        REQUIRE(crc64(seed, buf.data() + off, n) == crc64_portable(seed, buf.data() + off, n));
        ++compared;
      }
  CHECK(compared > 10000);
}
