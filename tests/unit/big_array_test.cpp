// Big arrays and burst buffers: what they hold survives growth, and once freed their pages leave
// the process at once (RSS from /proc/self/statm), where the allocator's usual decay keeps them
// resident for seconds.
#include <catch2/catch.hpp>

#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <string>

#include "storage/big_array.hpp"

using namespace credis;

namespace {

size_t resident_bytes() {
  std::FILE* f = std::fopen("/proc/self/statm", "r");
  REQUIRE(f);
  unsigned long size = 0, resident = 0;
  REQUIRE(std::fscanf(f, "%lu %lu", &size, &resident) == 2);
  std::fclose(f);
  return resident * static_cast<size_t>(sysconf(_SC_PAGESIZE));
}

// RSS growth while a buffer `grow` built is alive, and what is left of it once it is freed. A
// first round warms up: the allocator's first use of an arena and the small steps of the growth
// (which its caches keep) are not what is measured.
template <class Grow>
std::pair<size_t, size_t> rss_growth_with_and_after(Grow grow) {
  grow();
  const size_t before = resident_bytes();
  size_t with = 0;
  {
    auto buffer = grow();
    with = resident_bytes();
  }
  const size_t after = resident_bytes();
  return {with - before, after > before ? after - before : 0};
}

}  // namespace

TEST_CASE("burst buffers: grown by appends, they keep their bytes", "[big_array]") {
  burst_string s;
  burst_vector<uint32_t> v;
  for (uint32_t i = 0; i < 100000; ++i) {
    s.append(std::to_string(i)).push_back(',');
    v.push_back(i * 3);
  }
  std::string expected;
  for (uint32_t i = 0; i < 100000; ++i)
    expected.append(std::to_string(i)).push_back(',');
  CHECK(std::string_view(s) == expected);
  REQUIRE(v.size() == 100000);
  for (uint32_t i = 0; i < 100000; i += 997)
    CHECK(v[i] == i * 3);
  // Shrinking back below the threshold moves the bytes into a small allocation intact.
  s.resize(10);
  s.shrink_to_fit();
  CHECK(std::string_view(s) == expected.substr(0, 10));
}

#ifdef CREDIS_WITH_JEMALLOC
// Without the returning arena jemalloc keeps these pages dirty for its 10 s decay. (The
// sanitizer build has no jemalloc, and ASan holds freed blocks in its quarantine.)
TEST_CASE("big_array_allocator: a grown and freed big array leaves RSS at once", "[big_array]") {
  // Grown by doubling, as a hash table's slots are: each step frees the array before.
  constexpr size_t bytes = 4 << 20;
  const auto [with, after] = rss_growth_with_and_after([] {
    std::vector<uint64_t, big_array_allocator<uint64_t>> v;
    for (uint64_t i = 0; i < bytes / sizeof(uint64_t); ++i)
      v.push_back(i);
    return v;
  });
  CHECK(with >= bytes * 9 / 10);
  CHECK(after <= bytes / 10);
}

TEST_CASE("burst buffers: a burst's input of a few hundred KB leaves RSS when freed",
          "[big_array]") {
  constexpr size_t bytes = 640 * 1024;
  const auto [with, after] = rss_growth_with_and_after([] {
    burst_string s;
    for (size_t i = 0; i < bytes / 64; ++i)
      s.append(64, static_cast<char>('a' + i % 26));
    return s;
  });
  CHECK(with >= bytes * 9 / 10);
  CHECK(after <= bytes / 10);
}
#endif
