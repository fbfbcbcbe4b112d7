// What the sorted set commands share: the lookups, the score and member ranges of ZRANGE and
// its siblings (Redis's zslParseRange and zslParseLexRange) and the walk over a selection.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

#include "storage/aggregates.hpp"
#include "storage/commands/command.hpp"
#include "storage/commands/lookup.hpp"

namespace credis {

// The sorted set at `key` to read: null when missing (or, with WRONGTYPE replied, `failed` set).
inline const zset_value* read_zset(exec_context& ctx, std::string_view key, bool& failed) {
  entry* e = lookup_typed(ctx, key, value_type::zset, failed);
  return e ? &e->val.zset() : nullptr;
}

inline constexpr std::string_view score_range_error = "ERR min or max is not a float";
inline constexpr std::string_view lex_range_error = "ERR min or max not valid string range item";

// min and max scores, each inclusive, or exclusive when written "(1.5".
struct score_range {
  double min = 0, max = 0;
  bool min_exclusive = false, max_exclusive = false;

  bool below_min(double s) const { return min_exclusive ? s <= min : s < min; }
  bool above_max(double s) const { return max_exclusive ? s >= max : s > max; }
};
// False when either bound is no number (NaN included).
bool parse_score_range(std::string_view min, std::string_view max, score_range& out);

// A member bound: "[a" (inclusive), "(a" (exclusive), "-" (below all) or "+" (above all).
struct lex_bound {
  enum kind_t : uint8_t { text, minus_infinity, plus_infinity } kind = text;
  std::string_view bytes;
  bool exclusive = false;
};

struct lex_range {
  lex_bound min, max;

  bool below_min(std::string_view m) const {
    if (min.kind != lex_bound::text)
      return min.kind == lex_bound::plus_infinity;
    return min.exclusive ? m <= min.bytes : m < min.bytes;
  }
  bool above_max(std::string_view m) const {
    if (max.kind != lex_bound::text)
      return max.kind == lex_bound::minus_infinity;
    return max.exclusive ? m >= max.bytes : m > max.bytes;
  }
};
bool parse_lex_range(std::string_view min, std::string_view max, lex_range& out);

// The entries ZRANGE and its siblings select: by rank (start and stop count from the end when
// negative), by score or by member, in either direction, with LIMIT for the last two.
struct zrange_spec {
  enum by_t : uint8_t { by_rank, by_score, by_lex } by = by_rank;
  bool reverse = false;
  int64_t start = 0, stop = -1;
  score_range scores;
  lex_range members;
  int64_t offset = 0, limit = -1;  // limit < 0: no limit; offset < 0: nothing, as in Redis

  bool below_min(const zset_entry& e) const {
    return by == by_score ? scores.below_min(e.score) : members.below_min(e.member.view());
  }
  bool above_max(const zset_entry& e) const {
    return by == by_score ? scores.above_max(e.score) : members.above_max(e.member.view());
  }
};

// Calls visit(const zset_entry&) for each entry `spec` selects, in its order. A range by score
// or member starts where the order passes its first bound and ends at the first entry past
// the other, as Redis's walk does.
template <class Visit>
void visit_range(const zset_value& z, const zrange_spec& spec, Visit visit) {
  const auto size = static_cast<int64_t>(z.size());
  if (spec.by == zrange_spec::by_rank) {
    int64_t start = spec.start < 0 ? size + spec.start : spec.start;
    int64_t stop = spec.stop < 0 ? size + spec.stop : spec.stop;
    start = start < 0 ? 0 : start;
    if (start > stop || start >= size)
      return;
    stop = stop >= size ? size - 1 : stop;
    auto it = z.at(static_cast<size_t>(spec.reverse ? size - 1 - start : start));
    for (int64_t n = stop - start + 1; n > 0; --n) {
      visit(*it);
      spec.reverse ? --it : ++it;
    }
    return;
  }
  if (spec.offset < 0 || spec.limit == 0)
    return;
  int64_t skip = spec.offset, left = spec.limit;
  auto take = [&](const zset_entry& e) {
    if (skip > 0) {
      --skip;
      return true;
    }
    visit(e);
    return --left != 0;
  };
  auto pair = [&](double s, std::string_view m) {
    return zset_entry{element(m), s};
  };
  if (!spec.reverse) {
    const size_t first =
        z.count_before([&](double s, std::string_view m) { return spec.below_min(pair(s, m)); });
    for (auto it = z.at(first); it != z.end(); ++it) {
      const zset_entry e = *it;
      if (spec.above_max(e) || !take(e))
        return;
    }
    return;
  }
  const size_t last =
      z.count_before([&](double s, std::string_view m) { return !spec.above_max(pair(s, m)); });
  if (last == 0)
    return;
  for (auto it = z.at(last - 1);; --it) {
    const zset_entry e = *it;
    if (spec.below_min(e) || !take(e) || it == z.begin())
      return;
  }
}

struct zadd_options {
  bool nx = false, xx = false, gt = false, lt = false, ch = false, incr = false;
};
// ZADD's work once its arguments are checked and its scores read: scores[i] for the member at
// argv[first_member + stride * i] of the sorted set at `key`; replies as ZADD (or ZINCRBY).
// GEOADD calls it with the scores it computed, as Redis's geoaddCommand runs zaddCommand.
void zadd_scored(exec_context& ctx, std::string_view key, std::span<const double> scores,
                 arg_list argv, size_t first_member, size_t stride, zadd_options o);

// Replies a member's score (Redis's addReplyDouble); a null bulk without one.
inline void reply_score(std::string& out, std::optional<double> score) {
  score ? reply::bulk_double(out, *score) : reply::null_bulk(out);
}

}  // namespace credis
