// Sorted set ranges (Redis's t_zset.c): ZRANGE (BYSCORE BYLEX REV LIMIT WITHSCORES),
// ZRANGESTORE, ZRANGEBYSCORE ZREVRANGEBYSCORE ZRANGEBYLEX ZREVRANGEBYLEX ZREVRANGE, and
// ZREMRANGEBYRANK/SCORE/LEX. Ranks, scores and member bounds find their place in O(log n).
#include <cstdint>
#include <string>
#include <vector>

#include "protocol/integers.hpp"
#include "protocol/reply.hpp"
#include "storage/commands/command_families.hpp"
#include "storage/commands/lookup.hpp"
#include "storage/commands/text.hpp"
#include "storage/commands/zset_support.hpp"

namespace credis {

namespace ev = keyspace_events;

namespace {

// Reads the two bounds of `spec.by` into spec; false once Redis's error is replied.
bool parse_bounds(exec_context& ctx, std::string_view min, std::string_view max,
                  zrange_spec& spec) {
  switch (spec.by) {
    case zrange_spec::by_rank:
      return parse_integer_arg(ctx, min, spec.start) && parse_integer_arg(ctx, max, spec.stop);
    case zrange_spec::by_score:
      if (parse_score_range(min, max, spec.scores))
        return true;
      reply::error(ctx.out, score_range_error);
      return false;
    case zrange_spec::by_lex:
      if (parse_lex_range(min, max, spec.members))
        return true;
      reply::error(ctx.out, lex_range_error);
      return false;
  }
  return false;
}

// What a ZRANGE-family command fixes before its options: how it selects and in which direction
// (`fixed`: the options may not change them), and whether it stores.
struct zrange_form {
  zrange_spec::by_t by = zrange_spec::by_rank;
  bool reverse = false;
  bool fixed = false;
  bool store = false;
};

// Redis's zrangeGenericCommand: [dst] key min max and the options after them.
void zrange_generic(exec_context& ctx, arg_list argv, zrange_form form) {
  const size_t key_index = form.store ? 2 : 1;
  zrange_spec spec;
  spec.by = form.by;
  spec.reverse = form.reverse;
  bool with_scores = false, by_given = false, limit_given = false;
  for (size_t i = key_index + 3; i < argv.size(); ++i) {
    const std::string_view a = argv[i];
    const size_t left = argv.size() - i - 1;
    if (!form.store && iequals(a, "withscores")) {
      with_scores = true;
    } else if (iequals(a, "limit") && left >= 2) {
      if (!parse_integer_arg(ctx, argv[i + 1], spec.offset) ||
          !parse_integer_arg(ctx, argv[i + 2], spec.limit))
        return;
      limit_given = true;
      i += 2;
    } else if (!form.fixed && !spec.reverse && iequals(a, "rev")) {
      spec.reverse = true;
    } else if (!form.fixed && !by_given && iequals(a, "bylex")) {
      spec.by = zrange_spec::by_lex;
      by_given = true;
    } else if (!form.fixed && !by_given && iequals(a, "byscore")) {
      spec.by = zrange_spec::by_score;
      by_given = true;
    } else {
      reply::error(ctx.out, errors::syntax);
      return;
    }
  }
  if (limit_given && spec.by == zrange_spec::by_rank) {
    reply::error(ctx.out, "ERR syntax error, LIMIT is only supported in combination with either "
                          "BYSCORE or BYLEX");
    return;
  }
  if (with_scores && spec.by == zrange_spec::by_lex) {
    reply::error(ctx.out, "ERR syntax error, WITHSCORES not supported in combination with BYLEX");
    return;
  }
  // Reversed ranges by score or member are written max first.
  const bool max_first = spec.reverse && spec.by != zrange_spec::by_rank;
  if (!parse_bounds(ctx, argv[key_index + (max_first ? 2 : 1)],
                    argv[key_index + (max_first ? 1 : 2)], spec))
    return;
  bool failed = false;
  const zset_value* z = read_zset(ctx, argv[key_index], failed);
  if (failed)
    return;
  if (form.store) {
    zset_value result;
    if (z)
      visit_range(*z, spec, [&](const zset_entry& e) { result.insert(e.member.view(), e.score); });
    const size_t n = result.size();
    store_result(ctx, argv[1], value(std::move(result)), n);
    return;
  }
  std::string body;
  int64_t n = 0;
  if (z)
    visit_range(*z, spec, [&](const zset_entry& e) {
      if (with_scores)
        reply::pair_header(body);
      reply::bulk(body, e.member.view());
      if (with_scores)
        reply::bulk_double(body, e.score);
      ++n;
    });
  with_scores ? reply::pairs_header(ctx.out, n) : reply::array_header(ctx.out, n);
  ctx.out.append(body);
}

void zrange_command(exec_context& ctx, arg_list argv) { zrange_generic(ctx, argv, {}); }
void zrangestore_command(exec_context& ctx, arg_list argv) {
  zrange_generic(ctx, argv, {zrange_spec::by_rank, false, false, true});
}
void zrevrange_command(exec_context& ctx, arg_list argv) {
  zrange_generic(ctx, argv, {zrange_spec::by_rank, true, true, false});
}
void zrangebyscore_command(exec_context& ctx, arg_list argv) {
  zrange_generic(ctx, argv, {zrange_spec::by_score, false, true, false});
}
void zrevrangebyscore_command(exec_context& ctx, arg_list argv) {
  zrange_generic(ctx, argv, {zrange_spec::by_score, true, true, false});
}
void zrangebylex_command(exec_context& ctx, arg_list argv) {
  zrange_generic(ctx, argv, {zrange_spec::by_lex, false, true, false});
}
void zrevrangebylex_command(exec_context& ctx, arg_list argv) {
  zrange_generic(ctx, argv, {zrange_spec::by_lex, true, true, false});
}

// ZREMRANGEBYRANK/SCORE/LEX key min max: removes what the range selects; replies how many.
void zremrange_generic(exec_context& ctx, arg_list argv, zrange_spec::by_t by) {
  zrange_spec spec;
  spec.by = by;
  if (!parse_bounds(ctx, argv[2], argv[3], spec))
    return;
  entry* e = lookup_write(ctx, argv[1], value_type::zset, ":0\r\n");
  if (!e)
    return;
  zset_value& z = e->val.zset();
  std::vector<std::string> doomed;
  visit_range(z, spec, [&](const zset_entry& x) { doomed.push_back(x.member.str()); });
  for (const std::string& m : doomed)
    z.erase(m);
  if (z.empty())
    ctx.db().erase(*e);
  mark_dirty(ctx, static_cast<int64_t>(doomed.size()));
  reply::integer(ctx.out, static_cast<int64_t>(doomed.size()));
}

void zremrangebyrank_command(exec_context& ctx, arg_list argv) {
  zremrange_generic(ctx, argv, zrange_spec::by_rank);
}
void zremrangebyscore_command(exec_context& ctx, arg_list argv) {
  zremrange_generic(ctx, argv, zrange_spec::by_score);
}
void zremrangebylex_command(exec_context& ctx, arg_list argv) {
  zremrange_generic(ctx, argv, zrange_spec::by_lex);
}

// Key specs as Redis 7.0 declares them (COMMAND INFO, COMMAND GETKEYSANDFLAGS).
constexpr key_spec zrangestore_keys[] = {
    keys_at(kf::ow | kf::update, 1),
    keys_at(kf::ro | kf::access, 2),
};

const command_spec specs[] = {
    {"zrange", -4, cmd_readonly, zrange_command, nullptr, 1, 1, 1, kf::ro | kf::access,
     "Return a range of members in a sorted set", "sorted-set", "1.2.0"},
    with_key_specs(
        with_event({"zrangestore", -5, cmd_write | cmd_denyoom, zrangestore_command, nullptr, 1, 2,
                    1, kf::none, "Store a range of members from sorted set into another key",
                    "sorted-set", "6.2.0"},
                   {ev::zset, "zrangestore", key_event::existing_key}),
        zrangestore_keys),
    {"zrevrange", -4, cmd_readonly, zrevrange_command, nullptr, 1, 1, 1, kf::ro | kf::access,
     "Return a range of members in a sorted set, by index, with scores ordered from high to low",
     "sorted-set", "1.2.0"},
    {"zrangebyscore", -4, cmd_readonly, zrangebyscore_command, nullptr, 1, 1, 1,
     kf::ro | kf::access, "Return a range of members in a sorted set, by score", "sorted-set",
     "1.0.5"},
    {"zrevrangebyscore", -4, cmd_readonly, zrevrangebyscore_command, nullptr, 1, 1, 1,
     kf::ro | kf::access,
     "Return a range of members in a sorted set, by score, with scores ordered from high to low",
     "sorted-set", "2.2.0"},
    {"zrangebylex", -4, cmd_readonly, zrangebylex_command, nullptr, 1, 1, 1, kf::ro | kf::access,
     "Return a range of members in a sorted set, by lexicographical range", "sorted-set", "2.8.9"},
    {"zrevrangebylex", -4, cmd_readonly, zrevrangebylex_command, nullptr, 1, 1, 1,
     kf::ro | kf::access,
     "Return a range of members in a sorted set, by lexicographical range, ordered from higher "
     "to lower strings.",
     "sorted-set", "2.8.9"},
    with_event({"zremrangebyrank", 4, cmd_write, zremrangebyrank_command, nullptr, 1, 1, 1,
                kf::rw | kf::del, "Remove all members in a sorted set within the given indexes",
                "sorted-set", "2.0.0"},
               {ev::zset, "zremrangebyrank"}),
    with_event({"zremrangebyscore", 4, cmd_write, zremrangebyscore_command, nullptr, 1, 1, 1,
                kf::rw | kf::del, "Remove all members in a sorted set within the given scores",
                "sorted-set", "1.2.0"},
               {ev::zset, "zremrangebyscore"}),
    with_event(
        {"zremrangebylex", 4, cmd_write, zremrangebylex_command, nullptr, 1, 1, 1, kf::rw | kf::del,
         "Remove all members in a sorted set between the given lexicographical range", "sorted-set",
         "2.8.9"},
        {ev::zset, "zremrangebylex"}),
};

}  // namespace

std::span<const command_spec> zset_range_commands() { return specs; }

}  // namespace credis
