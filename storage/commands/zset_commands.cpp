// Sorted set commands on single members (Redis's t_zset.c): ZADD ZINCRBY ZREM ZSCORE ZMSCORE
// ZCARD ZCOUNT ZLEXCOUNT ZRANK ZREVRANK ZPOPMIN ZPOPMAX ZMPOP ZRANDMEMBER ZSCAN. Ranges are in
// zset_range_commands.cpp, unions and intersections in zset_setop_commands.cpp. A sorted set
// that loses its last member is deleted, as in Redis.
#include <cmath>
#include <cstdint>
#include <string>
#include <type_traits>
#include <vector>

#include "protocol/integers.hpp"
#include "protocol/reply.hpp"
#include "storage/commands/blocking.hpp"
#include "storage/commands/command_families.hpp"
#include "storage/commands/key_events.hpp"
#include "storage/commands/float_text.hpp"
#include "storage/commands/lookup.hpp"
#include "storage/commands/mpop_args.hpp"
#include "storage/commands/propagate.hpp"
#include "storage/commands/random_sample.hpp"
#include "storage/commands/scan_reply.hpp"
#include "storage/commands/text.hpp"
#include "storage/commands/zset_support.hpp"

namespace credis {

namespace ev = keyspace_events;

void zadd_scored(exec_context& ctx, std::string_view key, std::span<const double> scores,
                 arg_list argv, size_t first_member, size_t stride, zadd_options o) {
  entry* e = ctx.db().find(key, ctx.expiry_now);
  if (e && e->val.type() != value_type::zset) {
    reply::error(ctx.out, errors::wrong_type);
    return;
  }
  int64_t added = 0, updated = 0;
  bool processed = false, nan = false;
  double last = 0;
  if (e || !o.xx) {
    if (!e)
      e = &ctx.db().put(key, value(zset_value()), no_expiry);
    zset_value& z = e->val.zset();
    for (size_t i = 0; i < scores.size(); ++i) {
      const std::string_view member = argv[first_member + stride * i];
      double score = scores[i];
      const std::optional<double> current = z.score(member);
      if (current) {
        if (o.nx)
          continue;
        if (o.incr)
          score += *current;
        if (std::isnan(score)) {
          nan = true;
          break;
        }
        if ((o.lt && score >= *current) || (o.gt && score <= *current))
          continue;
        if (score != *current) {
          z.insert(member, score);
          ++updated;
        }
      } else {
        if (o.xx)
          continue;
        z.insert(member, score);
        ++added;
      }
      processed = true;
      last = score;
    }
    if (added + updated)
      notify(ctx, keyspace_events::zset, o.incr ? "zincr" : "zadd", key);
    if (z.empty())
      ctx.db().erase(*e);
    mark_dirty(ctx, added + updated);
  }
  if (nan)
    reply::error(ctx.out, "ERR resulting score is not a number (NaN)");
  else if (o.incr)
    processed ? reply::bulk_double(ctx.out, last) : reply::null_bulk(ctx.out);
  else
    reply::integer(ctx.out, o.ch ? added + updated : added);
}

namespace {

// ZADD key [NX|XX] [GT|LT] [CH] [INCR] score member [score member ...], and ZINCRBY (INCR
// given, the pair at `first_pair`). All scores are read before anything changes, as in Redis.
void zadd_generic(exec_context& ctx, arg_list argv, size_t first_pair, zadd_options o) {
  const size_t args = argv.size() - first_pair;
  if (args % 2 != 0 || args == 0) {
    reply::error(ctx.out, errors::syntax);
    return;
  }
  if (o.nx && o.xx) {
    reply::error(ctx.out, "ERR XX and NX options at the same time are not compatible");
    return;
  }
  if ((o.gt && o.nx) || (o.lt && o.nx) || (o.gt && o.lt)) {
    reply::error(ctx.out, "ERR GT, LT, and/or NX options at the same time are not compatible");
    return;
  }
  if (o.incr && args > 2) {
    reply::error(ctx.out, "ERR INCR option supports a single increment-element pair");
    return;
  }
  std::vector<double> scores(args / 2);
  for (size_t i = 0; i < scores.size(); ++i) {
    if (!parse_double(argv[first_pair + 2 * i], scores[i])) {
      reply::error(ctx.out, errors::not_float);
      return;
    }
  }
  zadd_scored(ctx, argv[1], scores, argv, first_pair + 1, 2, o);
}

void zadd_command(exec_context& ctx, arg_list argv) {
  zadd_options o;
  size_t i = 2;
  for (; i < argv.size(); ++i) {
    const std::string_view a = argv[i];
    if (iequals(a, "nx"))
      o.nx = true;
    else if (iequals(a, "xx"))
      o.xx = true;
    else if (iequals(a, "gt"))
      o.gt = true;
    else if (iequals(a, "lt"))
      o.lt = true;
    else if (iequals(a, "ch"))
      o.ch = true;
    else if (iequals(a, "incr"))
      o.incr = true;
    else
      break;
  }
  zadd_generic(ctx, argv, i, o);
}

void zincrby_command(exec_context& ctx, arg_list argv) {
  zadd_options o;
  o.incr = true;
  zadd_generic(ctx, argv, 2, o);
}

void zrem_command(exec_context& ctx, arg_list argv) {
  entry* e = lookup_write(ctx, argv[1], value_type::zset, ":0\r\n");
  if (!e)
    return;
  int64_t removed = 0;
  for (size_t i = 2; i < argv.size(); ++i)
    removed += e->val.zset().erase(argv[i]);
  if (e->val.zset().empty())
    ctx.db().erase(*e);
  mark_dirty(ctx, removed);
  reply::integer(ctx.out, removed);
}

void zscore_command(exec_context& ctx, arg_list argv) {
  bool failed = false;
  const zset_value* z = read_zset(ctx, argv[1], failed);
  if (!failed)
    reply_score(ctx.out, z ? z->score(argv[2]) : std::nullopt);
}

void zmscore_command(exec_context& ctx, arg_list argv) {
  bool failed = false;
  const zset_value* z = read_zset(ctx, argv[1], failed);
  if (failed)
    return;
  reply::array_header(ctx.out, static_cast<int64_t>(argv.size() - 2));
  for (size_t i = 2; i < argv.size(); ++i)
    reply_score(ctx.out, z ? z->score(argv[i]) : std::nullopt);
}

void zcard_command(exec_context& ctx, arg_list argv) {
  bool failed = false;
  const zset_value* z = read_zset(ctx, argv[1], failed);
  if (!failed)
    reply::integer(ctx.out, z ? static_cast<int64_t>(z->size()) : 0);
}

// ZCOUNT and ZLEXCOUNT: the entries from where the order passes min to where it passes max.
void count_range(exec_context& ctx, arg_list argv, const zrange_spec& spec) {
  bool failed = false;
  const zset_value* z = read_zset(ctx, argv[1], failed);
  if (failed)
    return;
  int64_t n = 0;
  if (z) {
    const size_t first = z->count_before(
        [&](double s, std::string_view m) { return spec.below_min(zset_entry{m, s}); });
    const size_t last = z->count_before(
        [&](double s, std::string_view m) { return !spec.above_max(zset_entry{m, s}); });
    n = last > first ? static_cast<int64_t>(last - first) : 0;
  }
  reply::integer(ctx.out, n);
}

void zcount_command(exec_context& ctx, arg_list argv) {
  zrange_spec spec;
  spec.by = zrange_spec::by_score;
  if (!parse_score_range(argv[2], argv[3], spec.scores)) {
    reply::error(ctx.out, score_range_error);
    return;
  }
  count_range(ctx, argv, spec);
}

void zlexcount_command(exec_context& ctx, arg_list argv) {
  zrange_spec spec;
  spec.by = zrange_spec::by_lex;
  if (!parse_lex_range(argv[2], argv[3], spec.members)) {
    reply::error(ctx.out, lex_range_error);
    return;
  }
  count_range(ctx, argv, spec);
}

void rank_generic(exec_context& ctx, arg_list argv, bool reverse) {
  bool failed = false;
  const zset_value* z = read_zset(ctx, argv[1], failed);
  if (failed)
    return;
  const std::optional<size_t> rank = z ? z->rank(argv[2]) : std::nullopt;
  if (!rank) {
    reply::null_bulk(ctx.out);
    return;
  }
  reply::integer(ctx.out, static_cast<int64_t>(reverse ? z->size() - 1 - *rank : *rank));
}

void zrank_command(exec_context& ctx, arg_list argv) { rank_generic(ctx, argv, false); }
void zrevrank_command(exec_context& ctx, arg_list argv) { rank_generic(ctx, argv, true); }

enum class zset_end : uint8_t { min, max };

// How popped entries are replied: member, score... (ZPOPMIN; in RESP3 with a count, pairs);
// key, member, score (BZPOPMIN); [key, [[member, score], ...]] (ZMPOP, BZMPOP).
enum class pop_form : uint8_t { flat, pairs, keyed, keyed_nested };

// Pops up to `count` entries from `end` of the sorted set in `e` (the key `key`) and replies
// them in `form`. Replicas get ZPOPMIN/ZPOPMAX key count.
void pop_entries(exec_context& ctx, entry& e, std::string_view key, zset_end end, int64_t count,
                 pop_form form) {
  zset_value& z = e.val.zset();
  const auto n = static_cast<int64_t>(std::min<uint64_t>(static_cast<uint64_t>(count), z.size()));
  if (form == pop_form::flat) {
    reply::array_header(ctx.out, 2 * n);
  } else if (form == pop_form::pairs) {
    reply::pairs_header(ctx.out, n);
  } else if (form == pop_form::keyed) {
    reply::array_header(ctx.out, 2 * n + 1);
    reply::bulk(ctx.out, key);
  } else {
    reply::array_header(ctx.out, 2);
    reply::bulk(ctx.out, key);
    reply::array_header(ctx.out, n);
  }
  for (int64_t i = 0; i < n; ++i) {
    const zset_entry top = end == zset_end::min ? *z.begin() : *z.rbegin();
    const std::string member = top.member.str();
    if (form == pop_form::keyed_nested)
      reply::array_header(ctx.out, 2);
    else if (form == pop_form::pairs)
      reply::pair_header(ctx.out);
    reply::bulk(ctx.out, member);
    reply::bulk_double(ctx.out, top.score);
    z.erase(member);
  }
  const bool emptied = z.empty();
  if (emptied)
    ctx.db().erase(e);
  mark_dirty(ctx, n);
  if (n > 0)
    notify(ctx, keyspace_events::zset, end == zset_end::min ? "zpopmin" : "zpopmax", key);
  if (emptied)
    notify_emptied(ctx, key);
  if (ctx.propagated) {
    std::string n_text;
    append_int64(n_text, n);
    propagate(ctx, {end == zset_end::min ? "ZPOPMIN" : "ZPOPMAX", key, n_text});
  }
}

// ZPOPMIN/ZPOPMAX key [count]
void zpop_generic(exec_context& ctx, arg_list argv, zset_end end) {
  if (argv.size() > 3) {
    reply::error(ctx.out, errors::syntax);
    return;
  }
  int64_t count = 1;
  if (argv.size() == 3 && (!parse_int64(argv[2], count) || count < 0)) {
    reply::error(ctx.out, "ERR value is out of range, must be positive");
    return;
  }
  entry* e = lookup_write(ctx, argv[1], value_type::zset, "*0\r\n");
  if (!e)
    return;
  if (count == 0) {
    reply::array_header(ctx.out, 0);
    return;
  }
  pop_entries(ctx, *e, argv[1], end, count, argv.size() == 3 ? pop_form::pairs : pop_form::flat);
}

void zpopmin_command(exec_context& ctx, arg_list argv) { zpop_generic(ctx, argv, zset_end::min); }
void zpopmax_command(exec_context& ctx, arg_list argv) { zpop_generic(ctx, argv, zset_end::max); }
// Done by pop_entries, which knows the key and how many it took.
void zpop_propagate(exec_context&, arg_list) {}

bool parse_zset_end(exec_context& ctx, std::string_view arg, zset_end& end) {
  if (iequals(arg, "min"))
    end = zset_end::min;
  else if (iequals(arg, "max"))
    end = zset_end::max;
  else {
    reply::error(ctx.out, errors::syntax);
    return false;
  }
  return true;
}

// Pops from the first of `keys` that holds a sorted set; false, with nothing replied, when
// none does (WRONGTYPE for the first key of another type).
bool pop_from_first(exec_context& ctx, arg_list keys, zset_end end, int64_t count,
                    pop_form form) {
  std::string_view key;
  bool failed = false;
  entry* e = first_holding(ctx, keys, value_type::zset, key, failed);
  if (e)
    pop_entries(ctx, *e, key, end, count, form);
  return e || failed;
}

// ZMPOP numkeys key [key ...] MIN|MAX [COUNT count]: pops from the first key holding a sorted
// set; replies [key, [[member, score], ...]], or a null array.
void zmpop_command(exec_context& ctx, arg_list argv) {
  zset_end end{};
  mpop_args args;
  if (parse_mpop_args(
          ctx, argv, 1, [&](std::string_view w) { return parse_zset_end(ctx, w, end); }, args) &&
      !pop_from_first(ctx, args.keys, end, args.count, pop_form::keyed_nested))
    reply::null_array(ctx.out);
}

// BZPOPMIN/BZPOPMAX key [key ...] timeout: replies key, member, score.
void bzpop_generic(exec_context& ctx, arg_list argv, zset_end end) {
  int64_t deadline = 0;
  const arg_list keys = argv.subspan(1, argv.size() - 2);
  if (parse_block_timeout(ctx, argv.back(), deadline) &&
      !pop_from_first(ctx, keys, end, 1, pop_form::keyed))
    wait_for_keys(ctx, keys, deadline, reply::null_array);
}

void bzpopmin_command(exec_context& ctx, arg_list argv) { bzpop_generic(ctx, argv, zset_end::min); }
void bzpopmax_command(exec_context& ctx, arg_list argv) { bzpop_generic(ctx, argv, zset_end::max); }

// BZMPOP timeout numkeys key [key ...] MIN|MAX [COUNT count]
void bzmpop_command(exec_context& ctx, arg_list argv) {
  zset_end end{};
  mpop_args args;
  int64_t deadline = 0;
  if (parse_mpop_args(
          ctx, argv, 2, [&](std::string_view w) { return parse_zset_end(ctx, w, end); }, args) &&
      parse_block_timeout(ctx, argv[1], deadline) &&
      !pop_from_first(ctx, args.keys, end, args.count, pop_form::keyed_nested))
    wait_for_keys(ctx, args.keys, deadline, reply::null_array);
}

// ZRANDMEMBER key [count [WITHSCORES]]: as HRANDFIELD.
void zrandmember_command(exec_context& ctx, arg_list argv) {
  random_count count;
  bool with_scores = false;
  if (!parse_random_count_with(ctx, argv, "withscores", count, with_scores))
    return;
  reply_random_items(
      ctx, argv, value_type::zset, count, with_scores ? 2 : 1,
      [](const value& v) -> auto& { return v.zset(); },
      [&](const zset_entry& e) {
        reply::bulk(ctx.out, e.member.view());
        if (with_scores)
          reply::bulk_double(ctx.out, e.score);
      });
}

// ZSCAN key cursor [MATCH pattern] [COUNT n]: member, score pairs.
void zscan_command(exec_context& ctx, arg_list argv) {
  scan_aggregate(ctx, argv, value_type::zset, [](const value& v) -> auto& { return v.zset(); },
                 [](scan_reply& found, const scan_options& options, const zset_entry& e) {
                   if (!options.matches(e.member.view()))
                     return;
                   char text[32];
                   found.add(e.member.view());
                   found.add(std::string_view(text, format_score(e.score, text)));
                 });
}

// Key specs as Redis 7.0 declares them (COMMAND INFO, COMMAND GETKEYSANDFLAGS).
constexpr key_spec zmpop_keys[] = {
    keys_counted(kf::rw | kf::access | kf::del, 1),
};

constexpr key_spec bzmpop_keys[] = {
    keys_counted(kf::rw | kf::access | kf::del, 2),
};

const command_spec specs[] = {
    with_event({"zadd", -4, cmd_write | cmd_denyoom | cmd_fast, zadd_command, nullptr, 1, 1, 1,
                kf::rw | kf::update,
                "Add one or more members to a sorted set, or update its score if it already exists",
                "sorted-set", "1.2.0"},
               {ev::zset, "", key_event::by_command}),
    with_event({"zincrby", 4, cmd_write | cmd_denyoom | cmd_fast, zincrby_command, nullptr, 1, 1, 1,
                kf::rw | kf::access | kf::update, "Increment the score of a member in a sorted set",
                "sorted-set", "1.2.0"},
               {ev::zset, "", key_event::by_command}),
    with_event({"zrem", -3, cmd_write | cmd_fast, zrem_command, nullptr, 1, 1, 1, kf::rw | kf::del,
                "Remove one or more members from a sorted set", "sorted-set", "1.2.0"},
               {ev::zset, "zrem"}),
    {"zscore", 3, cmd_readonly | cmd_fast, zscore_command, nullptr, 1, 1, 1, kf::ro | kf::access,
     "Get the score associated with the given member in a sorted set", "sorted-set", "1.2.0"},
    {"zmscore", -3, cmd_readonly | cmd_fast, zmscore_command, nullptr, 1, 1, 1, kf::ro | kf::access,
     "Get the score associated with the given members in a sorted set", "sorted-set", "6.2.0"},
    {"zcard", 2, cmd_readonly | cmd_fast, zcard_command, nullptr, 1, 1, 1, kf::ro,
     "Get the number of members in a sorted set", "sorted-set", "1.2.0"},
    {"zcount", 4, cmd_readonly | cmd_fast, zcount_command, nullptr, 1, 1, 1, kf::ro | kf::access,
     "Count the members in a sorted set with scores within the given values", "sorted-set",
     "2.0.0"},
    {"zlexcount", 4, cmd_readonly | cmd_fast, zlexcount_command, nullptr, 1, 1, 1,
     kf::ro | kf::access,
     "Count the number of members in a sorted set between a given lexicographical range",
     "sorted-set", "2.8.9"},
    {"zrank", 3, cmd_readonly | cmd_fast, zrank_command, nullptr, 1, 1, 1, kf::ro | kf::access,
     "Determine the index of a member in a sorted set", "sorted-set", "2.0.0"},
    {"zrevrank", 3, cmd_readonly | cmd_fast, zrevrank_command, nullptr, 1, 1, 1,
     kf::ro | kf::access,
     "Determine the index of a member in a sorted set, with scores ordered from high to low",
     "sorted-set", "2.0.0"},
    with_event({"zpopmin", -2, cmd_write | cmd_fast, zpopmin_command, nullptr, 1, 1, 1,
                kf::rw | kf::access | kf::del,
                "Remove and return members with the lowest scores in a sorted set", "sorted-set",
                "5.0.0", zpop_propagate},
               {ev::zset, "", key_event::by_command}),
    with_event({"zpopmax", -2, cmd_write | cmd_fast, zpopmax_command, nullptr, 1, 1, 1,
                kf::rw | kf::access | kf::del,
                "Remove and return members with the highest scores in a sorted set", "sorted-set",
                "5.0.0", zpop_propagate},
               {ev::zset, "", key_event::by_command}),
    with_key_specs(
        with_event(
            with_movable_keys({"zmpop", -4, cmd_write, zmpop_command, nullptr, 0, 0, 0, kf::none,
                               "Remove and return members with scores in a sorted set",
                               "sorted-set", "7.0.0", zpop_propagate},
                              {movable_keys::numkeys, 1}),
            {ev::zset, "", key_event::by_command}),
        zmpop_keys),
    with_event(
        {"bzpopmin", -3, cmd_write | cmd_fast | cmd_blocking | cmd_noscript, bzpopmin_command,
         nullptr, 1, -2, 1, kf::rw | kf::access | kf::del,
         "Remove and return the member with the lowest score from one or more sorted sets, or "
         "block "
         "until one is available",
         "sorted-set", "5.0.0", zpop_propagate},
        {ev::zset, "", key_event::by_command}),
    with_event(
        {"bzpopmax", -3, cmd_write | cmd_fast | cmd_blocking | cmd_noscript, bzpopmax_command,
         nullptr, 1, -2, 1, kf::rw | kf::access | kf::del,
         "Remove and return the member with the highest score from one or more sorted sets, or "
         "block until one is available",
         "sorted-set", "5.0.0", zpop_propagate},
        {ev::zset, "", key_event::by_command}),
    with_key_specs(
        with_movable_keys(
            with_event(
                {"bzmpop", -5, cmd_write | cmd_blocking, bzmpop_command, nullptr, 0, 0, 0, kf::none,
                 "Remove and return members with scores in a sorted set or block until one is "
                 "available",
                 "sorted-set", "7.0.0", zpop_propagate},
                {ev::zset, "", key_event::by_command}),
            {movable_keys::numkeys, 2}),
        bzmpop_keys),
    {"zrandmember", -2, cmd_readonly, zrandmember_command, nullptr, 1, 1, 1, kf::ro | kf::access,
     "Get one or multiple random elements from a sorted set", "sorted-set", "6.2.0"},
    {"zscan", -3, cmd_readonly, zscan_command, nullptr, 1, 1, 1, kf::ro | kf::access,
     "Incrementally iterate sorted sets elements and associated scores", "sorted-set", "2.8.0"},
};

}  // namespace

std::span<const command_spec> zset_commands() { return specs; }

}  // namespace credis
