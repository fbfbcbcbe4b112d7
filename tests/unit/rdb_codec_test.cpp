#include <catch2/catch.hpp>

#include "storage/rdb/crc64.hpp"

using namespace credis;

TEST_CASE("crc64 matches the Jones check value", "[rdb]") {
  REQUIRE(crc64(0, "123456789", 9) == 0xe9c6d914c4b8d9caULL);
  // Split anywhere: the running value continues.
  std::string s = "123456789";
  for (size_t i = 0; i <= s.size(); ++i)
    CHECK(crc64(crc64(0, s.data(), i), s.data() + i, s.size() - i) == 0xe9c6d914c4b8d9caULL);
}
