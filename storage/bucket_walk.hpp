// SCAN and random picks over the node containers behind big hashes, sets and sorted sets
// (std::unordered_map/set), by bucket.
#pragma once

#include <cstddef>
#include <cstdint>
#include <iterator>

namespace credis {

// Calls visit(item) for the items of up to `count` buckets' worth (at most 10 x count buckets,
// as Redis's SCAN) from `cursor` on; returns the next cursor, 0 at the end.
//
// A cursor is the bucket count in its high 32 bits and the next bucket below. The standard
// containers rehash to a prime bucket count, so buckets before and after a rehash have nothing
// in common: a cursor from another bucket count starts again from the first bucket. That
// repeats items (SCAN allows it) but never misses one present throughout. The iteration ends
// once a whole pass runs without a rehash: while fewer items are added per call than `count`
// (a rehash doubles the container). Redis's power-of-two tables let a cursor go on across a
// rehash instead (as the keyspace's own table, entry_table, does).
template <class Container, class Visit>
uint64_t scan_buckets(const Container& c, uint64_t cursor, size_t count, Visit&& visit) {
  const uint64_t buckets = c.bucket_count();
  if (buckets == 0 || buckets >= (uint64_t{1} << 32))
    return 0;
  uint64_t bucket = (cursor >> 32) == buckets ? (cursor & 0xFFFFFFFFu) : 0;
  size_t seen = 0;
  for (size_t visits = count * 10; bucket < buckets && seen < count && visits > 0; --visits) {
    for (auto it = c.begin(bucket); it != c.end(bucket); ++it, ++seen)
      visit(*it);
    ++bucket;
  }
  return bucket >= buckets ? 0 : (buckets << 32) | bucket;
}

// One item of a non-empty container at random, each as likely as the others: a random bucket
// and a random place among the first `places` of it, again until that place holds an item.
// With the standard containers' load factor (at most 1) a bucket rarely holds more than 8, and
// a pick takes 8-16 tries on average.
template <class Container, class Random>
const typename Container::value_type& random_item(const Container& c, Random& random_bits) {
  constexpr unsigned places = 8;  // a power of two: the low bits of one draw pick the place
  const uint64_t buckets = c.bucket_count();
  for (;;) {
    const uint64_t bits = random_bits();
    // The high bits pick the bucket by multiply-shift (no division: this loop is hot in SPOP).
    const auto bucket = static_cast<size_t>((static_cast<unsigned __int128>(bits) * buckets) >> 64);
    const auto place = static_cast<size_t>(bits & (places - 1));
    auto it = c.begin(bucket);
    for (size_t i = 0; i < place && it != c.end(bucket); ++i)
      ++it;
    if (it != c.end(bucket))
      return *it;
  }
}

}  // namespace credis
