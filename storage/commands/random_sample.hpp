// The random picks of HRANDFIELD, SRANDMEMBER, SPOP and ZRANDMEMBER, over any aggregate.
#pragma once

#include <cstdint>
#include <random>
#include <unordered_set>
#include <utility>
#include <vector>

#include "storage/bucket_walk.hpp"

namespace credis {

inline std::mt19937_64& random_bits() {
  static thread_local std::mt19937_64 bits{std::random_device{}()};
  return bits;
}

// Calls emit(item) `count` times with items of `agg` (non-empty) picked at random: with
// repeats unless `distinct`, else min(count, size) different ones. `from_big` makes an item
// of the big container's value_type. Items are valid until `agg` changes.
template <class Agg, class FromBig, class Emit>
void random_items(const Agg& agg, uint64_t count, bool distinct, FromBig from_big, Emit emit) {
  using item = typename Agg::iterator::value_type;
  auto& bits = random_bits();
  const uint64_t size = agg.size();
  if (distinct && count >= size) {
    for (auto it = agg.begin(); it != agg.end(); ++it)
      emit(*it);
    return;
  }
  const auto* big = agg.unpacked();
  if (big && (!distinct || count * 3 <= size)) {
    // Few of many: pick from the buckets, skipping an item picked already.
    std::unordered_set<const void*> picked;
    for (uint64_t n = 0; n < count;) {
      const auto& x = random_item(*big, bits);
      if (distinct && !picked.insert(&x).second)
        continue;
      emit(from_big(x));
      ++n;
    }
    return;
  }
  std::vector<item> all(agg.begin(), agg.end());
  if (!distinct) {
    for (uint64_t n = 0; n < count; ++n)
      emit(all[bits() % all.size()]);
    return;
  }
  // The first `count` places of a partial shuffle.
  for (uint64_t n = 0; n < count; ++n) {
    std::swap(all[n], all[n + bits() % (all.size() - n)]);
    emit(all[n]);
  }
}

}  // namespace credis
