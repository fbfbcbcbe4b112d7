// Sorted set algebra (Redis's zunionInterDiffGenericCommand): ZUNION ZINTER ZDIFF, their STORE
// forms, and ZINTERCARD. Plain sets take part as sorted sets whose scores are all 1.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "protocol/integers.hpp"
#include "protocol/reply.hpp"
#include "storage/commands/command_families.hpp"
#include "storage/commands/float_text.hpp"
#include "storage/commands/lookup.hpp"
#include "storage/commands/text.hpp"
#include "storage/commands/zset_support.hpp"

namespace credis {

namespace ev = keyspace_events;

namespace {

enum class setop : uint8_t { union_of, inter, diff };
enum class aggregate : uint8_t { sum, min, max };

// One input: a sorted set, a set, or a missing key (empty).
struct source {
  const zset_value* zset = nullptr;
  const set_value* set = nullptr;
  double weight = 1;

  size_t size() const { return zset ? zset->size() : set ? set->size() : 0; }
  std::optional<double> score(std::string_view member) const {
    if (zset)
      return zset->score(member);
    if (set && set->contains(member))
      return 1.0;
    return std::nullopt;
  }
  // Calls visit(member, score) for each entry.
  template <class Visit>
  void each(Visit visit) const {
    if (zset)
      for (const zset_entry& e : *zset)
        visit(e.member.view(), e.score);
    else if (set)
      for (const element& m : *set)
        visit(m.view(), 1.0);
  }
};

// Redis's zunionInterAggregate: a sum of +inf and -inf is 0.
void combine(double& target, double val, aggregate how) {
  switch (how) {
    case aggregate::sum:
      target += val;
      if (std::isnan(target))
        target = 0;
      break;
    case aggregate::min:
      target = val < target ? val : target;
      break;
    case aggregate::max:
      target = val > target ? val : target;
      break;
  }
}

// A weighted score; NaN (0 x inf) counts as 0.
double weighted(double score, double weight) {
  const double v = score * weight;
  return std::isnan(v) ? 0 : v;
}

struct setop_request {
  setop op;
  std::string_view destination;  // empty data(): reply instead of storing
  bool cardinality_only = false;
  size_t numkeys_index;
};

zset_value compute(std::vector<source>& sources, setop op, aggregate how) {
  zset_value result;
  if (op == setop::diff) {
    sources[0].each([&](std::string_view m, double s) {
      for (size_t i = 1; i < sources.size(); ++i)
        if (sources[i].score(m))
          return;
      result.insert(m, s);
    });
    return result;
  }
  // Smallest first, as Redis: the intersection walks the smallest, and sums add in this order.
  std::stable_sort(sources.begin(), sources.end(),
                   [](const source& a, const source& b) { return a.size() < b.size(); });
  if (op == setop::inter) {
    if (sources[0].size() == 0)
      return result;
    sources[0].each([&](std::string_view m, double s) {
      double score = weighted(s, sources[0].weight);
      for (size_t i = 1; i < sources.size(); ++i) {
        const std::optional<double> other = sources[i].score(m);
        if (!other)
          return;
        combine(score, *other * sources[i].weight, how);
      }
      result.insert(m, score);
    });
    return result;
  }
  std::unordered_map<std::string, double, string_hash, std::equal_to<>> scores;
  scores.reserve(sources.back().size());
  for (const source& src : sources)
    src.each([&](std::string_view m, double s) {
      const double score = weighted(s, src.weight);
      auto it = scores.find(m);
      if (it == scores.end())
        scores.emplace(std::string(m), score);
      else
        combine(it->second, score, how);
    });
  for (const auto& [m, s] : scores)
    result.insert(m, s);
  return result;
}

// How many members are in every input, up to `limit` (0: no limit).
int64_t intersection_size(std::vector<source>& sources, int64_t limit) {
  std::stable_sort(sources.begin(), sources.end(),
                   [](const source& a, const source& b) { return a.size() < b.size(); });
  int64_t n = 0;
  sources[0].each([&](std::string_view m, double) {
    if (limit > 0 && n >= limit)
      return;
    for (size_t i = 1; i < sources.size(); ++i)
      if (!sources[i].score(m))
        return;
    ++n;
  });
  return n;
}

void setop_generic(exec_context& ctx, arg_list argv, const setop_request& req) {
  int64_t numkeys = 0;
  if (!parse_integer_arg(ctx, argv[req.numkeys_index], numkeys))
    return;
  if (numkeys < 1) {
    std::string name = to_lower(argv[0]);
    reply::error(ctx.out, "ERR at least 1 input key is needed for '" + name + "' command");
    return;
  }
  const size_t first_key = req.numkeys_index + 1;
  if (static_cast<uint64_t>(numkeys) > argv.size() - first_key) {
    reply::error(ctx.out, errors::syntax);
    return;
  }
  std::vector<source> sources(static_cast<size_t>(numkeys));
  for (size_t i = 0; i < sources.size(); ++i) {
    entry* e = lookup_read(ctx, argv[first_key + i]);
    if (!e)
      continue;
    if (e->val.type() == value_type::zset)
      sources[i].zset = &e->val.zset();
    else if (e->val.type() == value_type::set)
      sources[i].set = &e->val.set();
    else {
      reply::error(ctx.out, errors::wrong_type);
      return;
    }
  }
  const bool store = req.destination.data() != nullptr;
  const bool weighable = req.op != setop::diff && !req.cardinality_only;
  aggregate how = aggregate::sum;
  bool with_scores = false;
  int64_t limit = 0;
  for (size_t j = first_key + sources.size(); j < argv.size();) {
    const size_t left = argv.size() - j;
    const std::string_view a = argv[j];
    if (weighable && left >= sources.size() + 1 && iequals(a, "weights")) {
      for (source& src : sources) {
        if (!parse_double(argv[++j], src.weight)) {
          reply::error(ctx.out, "ERR weight value is not a float");
          return;
        }
      }
      ++j;
    } else if (weighable && left >= 2 && iequals(a, "aggregate")) {
      const std::string_view how_name = argv[j + 1];
      if (iequals(how_name, "sum"))
        how = aggregate::sum;
      else if (iequals(how_name, "min"))
        how = aggregate::min;
      else if (iequals(how_name, "max"))
        how = aggregate::max;
      else {
        reply::error(ctx.out, errors::syntax);
        return;
      }
      j += 2;
    } else if (!store && !req.cardinality_only && iequals(a, "withscores")) {
      with_scores = true;
      ++j;
    } else if (req.cardinality_only && left >= 2 && iequals(a, "limit")) {
      if (!parse_int64(argv[j + 1], limit) || limit < 0) {
        reply::error(ctx.out, "ERR LIMIT can't be negative");
        return;
      }
      j += 2;
    } else {
      reply::error(ctx.out, errors::syntax);
      return;
    }
  }
  if (req.cardinality_only) {
    reply::integer(ctx.out, intersection_size(sources, limit));
    return;
  }
  zset_value result = compute(sources, req.op, how);
  if (store) {
    const size_t n = result.size();
    store_result(ctx, req.destination, value(std::move(result)), n);
    return;
  }
  const auto n = static_cast<int64_t>(result.size());
  with_scores ? reply::pairs_header(ctx.out, n) : reply::array_header(ctx.out, n);
  for (const zset_entry& e : result) {
    if (with_scores)
      reply::pair_header(ctx.out);
    reply::bulk(ctx.out, e.member.view());
    if (with_scores)
      reply::bulk_double(ctx.out, e.score);
  }
}

void zunion_command(exec_context& ctx, arg_list argv) {
  setop_generic(ctx, argv, {setop::union_of, {}, false, 1});
}
void zinter_command(exec_context& ctx, arg_list argv) {
  setop_generic(ctx, argv, {setop::inter, {}, false, 1});
}
void zdiff_command(exec_context& ctx, arg_list argv) {
  setop_generic(ctx, argv, {setop::diff, {}, false, 1});
}
void zunionstore_command(exec_context& ctx, arg_list argv) {
  setop_generic(ctx, argv, {setop::union_of, argv[1], false, 2});
}
void zinterstore_command(exec_context& ctx, arg_list argv) {
  setop_generic(ctx, argv, {setop::inter, argv[1], false, 2});
}
void zdiffstore_command(exec_context& ctx, arg_list argv) {
  setop_generic(ctx, argv, {setop::diff, argv[1], false, 2});
}
void zintercard_command(exec_context& ctx, arg_list argv) {
  setop_generic(ctx, argv, {setop::inter, {}, true, 1});
}

// Key specs as Redis 7.0 declares them (COMMAND INFO, COMMAND GETKEYSANDFLAGS).
constexpr key_spec zunion_keys[] = {
    keys_counted(kf::ro | kf::access, 1),
};

constexpr key_spec zinter_keys[] = {
    keys_counted(kf::ro | kf::access, 1),
};

constexpr key_spec zdiff_keys[] = {
    keys_counted(kf::ro | kf::access, 1),
};

constexpr key_spec zunionstore_keys[] = {
    keys_at(kf::ow | kf::update, 1),
    keys_counted(kf::ro | kf::access, 2),
};

constexpr key_spec zinterstore_keys[] = {
    keys_at(kf::ow | kf::update, 1),
    keys_counted(kf::ro | kf::access, 2),
};

constexpr key_spec zdiffstore_keys[] = {
    keys_at(kf::ow | kf::update, 1),
    keys_counted(kf::ro | kf::access, 2),
};

constexpr key_spec zintercard_keys[] = {
    keys_counted(kf::ro | kf::access, 1),
};

const command_spec specs[] = {
    with_key_specs(with_movable_keys({"zunion", -3, cmd_readonly, zunion_command, nullptr, 0, 0, 0,
                                      kf::none, "Add multiple sorted sets", "sorted-set", "6.2.0"},
                                     {movable_keys::numkeys, 1}),
                   zunion_keys),
    with_key_specs(
        with_movable_keys({"zinter", -3, cmd_readonly, zinter_command, nullptr, 0, 0, 0, kf::none,
                           "Intersect multiple sorted sets", "sorted-set", "6.2.0"},
                          {movable_keys::numkeys, 1}),
        zinter_keys),
    with_key_specs(
        with_movable_keys({"zdiff", -3, cmd_readonly, zdiff_command, nullptr, 0, 0, 0, kf::none,
                           "Subtract multiple sorted sets", "sorted-set", "6.2.0"},
                          {movable_keys::numkeys, 1}),
        zdiff_keys),
    with_key_specs(
        with_movable_keys(
            with_event({"zunionstore", -4, cmd_write | cmd_denyoom, zunionstore_command, nullptr, 1,
                        1, 1, kf::none,
                        "Add multiple sorted sets and store the resulting sorted set in a new key",
                        "sorted-set", "2.0.0"},
                       {ev::zset, "zunionstore", key_event::existing_key}),
            {movable_keys::numkeys, 2}),
        zunionstore_keys),
    with_key_specs(
        with_movable_keys(
            with_event(
                {"zinterstore", -4, cmd_write | cmd_denyoom, zinterstore_command, nullptr, 1, 1, 1,
                 kf::none,
                 "Intersect multiple sorted sets and store the resulting sorted set in a new key",
                 "sorted-set", "2.0.0"},
                {ev::zset, "zinterstore", key_event::existing_key}),
            {movable_keys::numkeys, 2}),
        zinterstore_keys),
    with_key_specs(
        with_movable_keys(
            with_event(
                {"zdiffstore", -4, cmd_write | cmd_denyoom, zdiffstore_command, nullptr, 1, 1, 1,
                 kf::none,
                 "Subtract multiple sorted sets and store the resulting sorted set in a new key",
                 "sorted-set", "6.2.0"},
                {ev::zset, "zdiffstore", key_event::existing_key}),
            {movable_keys::numkeys, 2}),
        zdiffstore_keys),
    with_key_specs(
        with_movable_keys(
            {"zintercard", -3, cmd_readonly, zintercard_command, nullptr, 0, 0, 0, kf::none,
             "Intersect multiple sorted sets and return the cardinality of the result",
             "sorted-set", "7.0.0"},
            {movable_keys::numkeys, 1}),
        zintercard_keys),
};

}  // namespace

std::span<const command_spec> zset_setop_commands() { return specs; }

}  // namespace credis
