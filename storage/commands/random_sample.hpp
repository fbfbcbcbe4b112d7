// The random picks of HRANDFIELD, SRANDMEMBER, SPOP and ZRANDMEMBER, over any aggregate.
#pragma once

#include <algorithm>
#include <cstdint>
#include <random>
#include <unordered_set>
#include <utility>
#include <vector>

#include "protocol/reply.hpp"
#include "storage/commands/lookup.hpp"
#include "storage/commands/text.hpp"

namespace credis {

// SplitMix64: statistically sound for picking members and several times cheaper than
// mt19937_64, which showed at 6% of SPOP's time (a pop draws about ten numbers).
class fast_random {
 public:
  using result_type = uint64_t;
  explicit fast_random(uint64_t seed) : state_(seed) {}
  static constexpr uint64_t min() { return 0; }
  static constexpr uint64_t max() { return UINT64_MAX; }
  uint64_t operator()() {
    uint64_t z = (state_ += 0x9e3779b97f4a7c15);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9;
    z = (z ^ (z >> 27)) * 0x94d049bb133111eb;
    return z ^ (z >> 31);
  }

 private:
  uint64_t state_;
};

inline fast_random& random_bits() {
  static thread_local fast_random bits{(uint64_t{std::random_device{}()} << 32) ^
                                       std::random_device{}()};
  return bits;
}

// Calls emit(item) `count` times with items of `agg` (non-empty) picked at random: with
// repeats unless `distinct`, else min(count, size) different ones. Items are valid until `agg`
// changes.
template <class Agg, class Emit>
void random_items(const Agg& agg, uint64_t count, bool distinct, Emit emit) {
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
    // Few of many: pick from the slots, skipping an item picked already.
    std::unordered_set<const void*> picked;
    for (uint64_t n = 0; n < count;) {
      const auto* x = big->slots().random_node(bits);
      if (distinct && !picked.insert(x).second)
        continue;
      emit(Agg::traits::from_node(x));
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

// The count of HRANDFIELD, SRANDMEMBER and ZRANDMEMBER: none (one item, as a bulk), n >= 0
// different items, or -n items with repeats.
struct random_count {
  bool given = false;
  bool distinct = true;
  uint64_t n = 1;
};

// Reads argv[2] when there; false once Redis's error is replied.
inline bool parse_random_count(exec_context& ctx, arg_list argv, random_count& out) {
  if (argv.size() < 3)
    return true;
  int64_t count = 0;
  if (!parse_integer_arg(ctx, argv[2], count))
    return false;
  if (count < -INT64_MAX) {
    reply::error(ctx.out, "ERR value is out of range, value must between -9223372036854775807 "
                          "and 9223372036854775807");
    return false;
  }
  out.given = true;
  out.distinct = count >= 0;
  out.n = out.distinct ? static_cast<uint64_t>(count) : 0 - static_cast<uint64_t>(count);
  return true;
}

// HRANDFIELD's and ZRANDMEMBER's key [count [WITH...]]: `option` (WITHVALUES, WITHSCORES),
// allowed after a count, doubles each item's replies. False once Redis's error is replied.
inline bool parse_random_count_with(exec_context& ctx, arg_list argv, std::string_view option,
                                    random_count& count, bool& with_option) {
  if (!parse_random_count(ctx, argv, count))
    return false;
  if (argv.size() > 4 || (argv.size() == 4 && !iequals(argv[3], option))) {
    reply::error(ctx.out, errors::syntax);
    return false;
  }
  with_option = argv.size() == 4;
  if (with_option && count.n > INT64_MAX / 2) {  // two replies an item
    reply::error(ctx.out, "ERR value is out of range");
    return false;
  }
  return true;
}

// The random items of the aggregate of `type` at argv[1] (`of` gives it from the value), each
// replied by emit(item) after the right header: an empty array or null without the key, one
// bulk without a count. `per_item` replies make one item (2 for field and value).
template <class Of, class Emit>
void reply_random_items(exec_context& ctx, arg_list argv, value_type type,
                        const random_count& count, int64_t per_item, Of of, Emit emit) {
  bool failed = false;
  entry* e = lookup_typed(ctx, argv[1], type, failed);
  if (failed)
    return;
  if (!e) {
    count.given ? reply::array_header(ctx.out, 0) : reply::null_bulk(ctx.out);
    return;
  }
  const auto& agg = of(e->val);
  if (!count.given) {
    random_items(agg, count.n, count.distinct, emit);
    return;
  }
  const uint64_t n = count.distinct ? std::min<uint64_t>(count.n, agg.size()) : count.n;
  if (per_item == 2) {  // field and value, member and score: pairs in RESP3
    reply::pairs_header(ctx.out, static_cast<int64_t>(n));
    random_items(agg, count.n, count.distinct, [&](const auto& item) {
      reply::pair_header(ctx.out);
      emit(item);
    });
    return;
  }
  reply::array_header(ctx.out, static_cast<int64_t>(n));
  random_items(agg, count.n, count.distinct, emit);
}

}  // namespace credis
