// Set commands (Redis's t_set.c): SADD SREM SISMEMBER SMISMEMBER SMEMBERS SCARD SPOP
// SRANDMEMBER SMOVE SINTER SINTERCARD SINTERSTORE SUNION SUNIONSTORE SDIFF SDIFFSTORE SSCAN. A
// set that loses its last member is deleted, as in Redis.
#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include "protocol/integers.hpp"
#include "protocol/reply.hpp"
#include "storage/commands/command_families.hpp"
#include "storage/commands/key_events.hpp"
#include "storage/commands/lookup.hpp"
#include "storage/commands/propagate.hpp"
#include "storage/commands/random_sample.hpp"
#include "storage/commands/scan_reply.hpp"
#include "storage/commands/text.hpp"

namespace credis {

namespace ev = keyspace_events;

namespace {

// The set at `key` to read: null when missing (or, with WRONGTYPE replied, `failed` set).
const set_value* read_set(exec_context& ctx, std::string_view key, bool& failed) {
  entry* e = lookup_typed(ctx, key, value_type::set, failed);
  return e ? &e->val.set() : nullptr;
}

void reply_members(std::string& out, const set_value& set) {
  reply::set_header(out, static_cast<int64_t>(set.size()));
  for (const element& m : set)
    reply::bulk(out, m.view());
}

void sadd_command(exec_context& ctx, arg_list argv) {
  entry* e = lookup_or_create(ctx, argv[1], value_type::set);
  if (!e)
    return;
  int64_t added = 0;
  for (size_t i = 2; i < argv.size(); ++i)
    added += e->val.set().insert(argv[i]);
  mark_dirty(ctx, added);
  reply::integer(ctx.out, added);
}

void srem_command(exec_context& ctx, arg_list argv) {
  entry* e = lookup_write(ctx, argv[1], value_type::set, ":0\r\n");
  if (!e)
    return;
  int64_t removed = 0;
  for (size_t i = 2; i < argv.size(); ++i)
    removed += e->val.set().erase(argv[i]);
  if (e->val.set().empty())
    ctx.db().erase(*e);
  mark_dirty(ctx, removed);
  reply::integer(ctx.out, removed);
}

void sismember_command(exec_context& ctx, arg_list argv) {
  bool failed = false;
  const set_value* set = read_set(ctx, argv[1], failed);
  if (!failed)
    reply::integer(ctx.out, set && set->contains(argv[2]) ? 1 : 0);
}

void smismember_command(exec_context& ctx, arg_list argv) {
  bool failed = false;
  const set_value* set = read_set(ctx, argv[1], failed);
  if (failed)
    return;
  reply::array_header(ctx.out, static_cast<int64_t>(argv.size() - 2));
  for (size_t i = 2; i < argv.size(); ++i)
    reply::integer(ctx.out, set && set->contains(argv[i]) ? 1 : 0);
}

void smembers_command(exec_context& ctx, arg_list argv) {
  bool failed = false;
  const set_value* set = read_set(ctx, argv[1], failed);
  if (failed)
    return;
  set ? reply_members(ctx.out, *set) : reply::set_header(ctx.out, 0);
}

void scard_command(exec_context& ctx, arg_list argv) {
  bool failed = false;
  const set_value* set = read_set(ctx, argv[1], failed);
  if (!failed)
    reply::integer(ctx.out, set ? static_cast<int64_t>(set->size()) : 0);
}

// SPOP key [count]: removes and replies random members. Replicas get SREM of each (or DEL
// when all went), from here: only this handler knows which members it took.
void spop_command(exec_context& ctx, arg_list argv) {
  if (argv.size() > 3) {
    reply::error(ctx.out, errors::syntax);
    return;
  }
  const bool has_count = argv.size() == 3;
  int64_t count = 1;
  if (has_count && (!parse_int64(argv[2], count) || count < 0)) {
    reply::error(ctx.out, "ERR value is out of range, must be positive");
    return;
  }
  entry* e = lookup_write(ctx, argv[1], value_type::set, has_count ? "*0\r\n" : reply::null_bulk_text());
  if (!e)
    return;
  set_value& set = e->val.set();
  if (has_count && count == 0) {
    reply::array_header(ctx.out, 0);
    return;
  }
  const uint64_t n = std::min<uint64_t>(static_cast<uint64_t>(count), set.size());
  mark_dirty(ctx, static_cast<int64_t>(n));
  if (n == set.size() && has_count) {
    reply_members(ctx.out, set);
    ctx.db().erase(*e);
    if (ctx.propagated)
      propagate(ctx, {"DEL", argv[1]});
    return;
  }
  std::vector<std::string> taken;
  random_items(set, n, true, [&](const element& m) { taken.push_back(m.str()); });
  if (has_count)
    reply::array_header(ctx.out, static_cast<int64_t>(n));
  for (const std::string& m : taken) {
    reply::bulk(ctx.out, m);
    set.erase(m);
    if (ctx.propagated)
      propagate(ctx, {"SREM", argv[1], m});
  }
  if (set.empty())
    ctx.db().erase(*e);
}

void spop_propagate(exec_context&, arg_list) {}  // done by spop_command

// SRANDMEMBER key [count]: as HRANDFIELD, without values.
void srandmember_command(exec_context& ctx, arg_list argv) {
  if (argv.size() > 3) {
    reply::error(ctx.out, errors::syntax);
    return;
  }
  random_count count;
  if (parse_random_count(ctx, argv, count))
    reply_random_items(ctx, argv, value_type::set, count, 1,
                       [](const value& v) -> auto& { return v.set(); },
                       [&](const element& m) { reply::bulk(ctx.out, m.view()); });
}

// SMOVE source destination member
void smove_command(exec_context& ctx, arg_list argv) {
  entry* src = lookup_write(ctx, argv[1], value_type::set, ":0\r\n");
  if (!src)
    return;
  entry* dst = ctx.db().find(argv[2], ctx.expiry_now);
  if (dst && dst->val.type() != value_type::set) {
    reply::error(ctx.out, errors::wrong_type);
    return;
  }
  if (src == dst) {
    reply::integer(ctx.out, src->val.set().contains(argv[3]) ? 1 : 0);
    return;
  }
  if (!src->val.set().erase(argv[3])) {
    reply::integer(ctx.out, 0);
    return;
  }
  notify(ctx, keyspace_events::set, "srem", argv[1]);
  if (src->val.set().empty()) {
    ctx.db().erase(*src);
    notify_emptied(ctx, argv[1]);
  }
  if (!dst) {
    dst = &ctx.db().put(argv[2], value(set_value()), no_expiry);
    notify(ctx, keyspace_events::new_key, "new", argv[2]);
  }
  const bool added = dst->val.set().insert(argv[3]);
  notify(ctx, keyspace_events::set, "sadd", argv[2]);
  mark_dirty(ctx, 1 + added);
  signal_modified(ctx, ctx.db_index, argv[1]);
  if (added)  // a destination that had the member already is unchanged
    signal_modified(ctx, ctx.db_index, argv[2]);
  reply::integer(ctx.out, 1);
}

enum class set_op { inter, uni, diff };

// The sets named by keys (null for a missing key); false once WRONGTYPE is replied.
bool read_sets(exec_context& ctx, arg_list keys, std::vector<const set_value*>& sets) {
  for (std::string_view key : keys) {
    bool failed = false;
    sets.push_back(read_set(ctx, key, failed));
    if (failed)
      return false;
  }
  return true;
}

// The intersection's members in the order of the smallest set, up to `limit` (0: all).
std::vector<element> intersect(std::vector<const set_value*> sets, uint64_t limit) {
  std::vector<element> out;
  if (std::find(sets.begin(), sets.end(), nullptr) != sets.end())
    return out;
  std::stable_sort(sets.begin(), sets.end(),
                   [](const set_value* a, const set_value* b) { return a->size() < b->size(); });
  for (const element& m : *sets[0]) {
    bool everywhere = std::all_of(sets.begin() + 1, sets.end(),
                                  [&](const set_value* s) { return s == sets[0] || s->contains(m); });
    if (everywhere) {
      out.push_back(m);
      if (limit != 0 && out.size() >= limit)
        break;
    }
  }
  return out;
}

// SUNION/SDIFF: a new set, as Redis builds one.
set_value combine(const std::vector<const set_value*>& sets, set_op op) {
  set_value result;
  if (sets[0] == nullptr && op == set_op::diff)
    return result;
  for (size_t i = 0; i < sets.size(); ++i) {
    if (!sets[i])
      continue;
    for (const element& m : *sets[i]) {
      if (op == set_op::uni || i == 0)
        result.insert(m.view());
      else if (result.erase(m.view()) && result.empty())
        return result;
    }
  }
  return result;
}

// Replaces `destination` with `result` (deleted when empty); replies its size.
void store_set(exec_context& ctx, std::string_view destination, set_value result) {
  const size_t n = result.size();
  store_result(ctx, destination, value(std::move(result)), n);
}

// SINTER/SUNION/SDIFF key [key ...] and, with `destination`, their STORE forms.
void set_op_generic(exec_context& ctx, arg_list keys, set_op op,
                    std::string_view destination = {}) {
  std::vector<const set_value*> sets;
  if (!read_sets(ctx, keys, sets))
    return;
  const bool store = destination.data() != nullptr;
  if (op == set_op::inter) {
    std::vector<element> members = intersect(sets, 0);
    if (store) {
      set_value result;
      for (const element& m : members)
        result.insert(m.view());
      store_set(ctx, destination, std::move(result));
      return;
    }
    reply::set_header(ctx.out, static_cast<int64_t>(members.size()));
    for (const element& m : members)
      reply::bulk(ctx.out, m.view());
    return;
  }
  set_value result = combine(sets, op);
  store ? store_set(ctx, destination, std::move(result)) : reply_members(ctx.out, result);
}

void sinter_command(exec_context& ctx, arg_list argv) {
  set_op_generic(ctx, argv.subspan(1), set_op::inter);
}
void sunion_command(exec_context& ctx, arg_list argv) {
  set_op_generic(ctx, argv.subspan(1), set_op::uni);
}
void sdiff_command(exec_context& ctx, arg_list argv) {
  set_op_generic(ctx, argv.subspan(1), set_op::diff);
}
void sinterstore_command(exec_context& ctx, arg_list argv) {
  set_op_generic(ctx, argv.subspan(2), set_op::inter, argv[1]);
}
void sunionstore_command(exec_context& ctx, arg_list argv) {
  set_op_generic(ctx, argv.subspan(2), set_op::uni, argv[1]);
}
void sdiffstore_command(exec_context& ctx, arg_list argv) {
  set_op_generic(ctx, argv.subspan(2), set_op::diff, argv[1]);
}

// SINTERCARD numkeys key [key ...] [LIMIT limit]
void sintercard_command(exec_context& ctx, arg_list argv) {
  int64_t numkeys = 0, limit = 0;
  // Redis gives its own text for a bad number too (getRangeLongFromObjectOrReply's message).
  if (!parse_int64(argv[1], numkeys) || numkeys < 1) {
    reply::error(ctx.out, "ERR numkeys should be greater than 0");
    return;
  }
  if (static_cast<uint64_t>(numkeys) > argv.size() - 2) {
    reply::error(ctx.out, "ERR Number of keys can't be greater than number of args");
    return;
  }
  for (size_t i = 2 + static_cast<size_t>(numkeys); i < argv.size(); ++i) {
    if (iequals(argv[i], "limit") && i + 1 < argv.size()) {
      if (!parse_int64(argv[++i], limit) || limit < 0) {
        reply::error(ctx.out, "ERR LIMIT can't be negative");
        return;
      }
    } else {
      reply::error(ctx.out, errors::syntax);
      return;
    }
  }
  std::vector<const set_value*> sets;
  if (read_sets(ctx, argv.subspan(2, static_cast<size_t>(numkeys)), sets))
    reply::integer(ctx.out,
                   static_cast<int64_t>(intersect(sets, static_cast<uint64_t>(limit)).size()));
}

// SSCAN key cursor [MATCH pattern] [COUNT n]
void sscan_command(exec_context& ctx, arg_list argv) {
  scan_aggregate(ctx, argv, value_type::set, [](const value& v) -> auto& { return v.set(); },
                 [](scan_reply& found, const scan_options& options, const element& member) {
                   std::string_view m = member;
                   if (options.matches(m))
                     found.add(m);
                 });
}

// Key specs as Redis 7.0 declares them (COMMAND INFO, COMMAND GETKEYSANDFLAGS).
constexpr key_spec smove_keys[] = {
    keys_at(kf::rw | kf::access | kf::del, 1),
    keys_at(kf::rw | kf::insert, 2),
};

constexpr key_spec sintercard_keys[] = {
    keys_counted(kf::ro | kf::access, 1),
};

constexpr key_spec sinterstore_keys[] = {
    keys_at(kf::rw | kf::update, 1),
    keys_at(kf::ro | kf::access, 2, -1),
};

constexpr key_spec sunionstore_keys[] = {
    keys_at(kf::ow | kf::update, 1),
    keys_at(kf::ro | kf::access, 2, -1),
};

constexpr key_spec sdiffstore_keys[] = {
    keys_at(kf::ow | kf::update, 1),
    keys_at(kf::ro | kf::access, 2, -1),
};

const command_spec specs[] = {
    with_event({"sadd", -3, cmd_write | cmd_denyoom | cmd_fast, sadd_command, nullptr, 1, 1, 1,
                kf::rw | kf::insert, "Add one or more members to a set", "set", "1.0.0"},
               {ev::set, "sadd"}),
    with_event({"srem", -3, cmd_write | cmd_fast, srem_command, nullptr, 1, 1, 1, kf::rw | kf::del,
                "Remove one or more members from a set", "set", "1.0.0"},
               {ev::set, "srem"}),
    {"sismember", 3, cmd_readonly | cmd_fast, sismember_command, nullptr, 1, 1, 1, kf::ro,
     "Determine if a given value is a member of a set", "set", "1.0.0"},
    {"smismember", -3, cmd_readonly | cmd_fast, smismember_command, nullptr, 1, 1, 1,
     kf::ro | kf::access, "Returns the membership associated with the given elements for a set",
     "set", "6.2.0"},
    {"smembers", 2, cmd_readonly, smembers_command, nullptr, 1, 1, 1, kf::ro | kf::access,
     "Get all the members in a set", "set", "1.0.0"},
    {"scard", 2, cmd_readonly | cmd_fast, scard_command, nullptr, 1, 1, 1, kf::ro,
     "Get the number of members in a set", "set", "1.0.0"},
    with_event({"spop", -2, cmd_write | cmd_fast, spop_command, nullptr, 1, 1, 1,
                kf::rw | kf::access | kf::del,
                "Remove and return one or multiple random members from a set", "set", "1.0.0",
                spop_propagate},
               {ev::set, "spop"}),
    {"srandmember", -2, cmd_readonly, srandmember_command, nullptr, 1, 1, 1, kf::ro | kf::access,
     "Get one or multiple random members from a set", "set", "1.0.0"},
    with_key_specs(
        with_event({"smove", 4, cmd_write | cmd_fast | cmd_signals_itself, smove_command, nullptr,
                    1, 2, 1, kf::none, "Move a member from one set to another", "set", "1.0.0"},
                   {ev::set, "", key_event::by_command, true}),
        smove_keys),
    {"sinter", -2, cmd_readonly, sinter_command, nullptr, 1, -1, 1, kf::ro | kf::access,
     "Intersect multiple sets", "set", "1.0.0"},
    with_key_specs(
        with_movable_keys(
            {"sintercard", -3, cmd_readonly, sintercard_command, nullptr, 0, 0, 0, kf::none,
             "Intersect multiple sets and return the cardinality of the result", "set", "7.0.0"},
            {movable_keys::numkeys, 1}),
        sintercard_keys),
    with_key_specs(
        with_event({"sinterstore", -3, cmd_write | cmd_denyoom, sinterstore_command, nullptr, 1, -1,
                    1, kf::none, "Intersect multiple sets and store the resulting set in a key",
                    "set", "1.0.0"},
                   {ev::set, "sinterstore", key_event::existing_key}),
        sinterstore_keys),
    {"sunion", -2, cmd_readonly, sunion_command, nullptr, 1, -1, 1, kf::ro | kf::access,
     "Add multiple sets", "set", "1.0.0"},
    with_key_specs(
        with_event(
            {"sunionstore", -3, cmd_write | cmd_denyoom, sunionstore_command, nullptr, 1, -1, 1,
             kf::none, "Add multiple sets and store the resulting set in a key", "set", "1.0.0"},
            {ev::set, "sunionstore", key_event::existing_key}),
        sunionstore_keys),
    {"sdiff", -2, cmd_readonly, sdiff_command, nullptr, 1, -1, 1, kf::ro | kf::access,
     "Subtract multiple sets", "set", "1.0.0"},
    with_key_specs(
        with_event({"sdiffstore", -3, cmd_write | cmd_denyoom, sdiffstore_command, nullptr, 1, -1,
                    1, kf::none, "Subtract multiple sets and store the resulting set in a key",
                    "set", "1.0.0"},
                   {ev::set, "sdiffstore", key_event::existing_key}),
        sdiffstore_keys),
    {"sscan", -3, cmd_readonly, sscan_command, nullptr, 1, 1, 1, kf::ro | kf::access,
     "Incrementally iterate Set elements", "set", "2.8.0"},
};

}  // namespace

std::span<const command_spec> set_commands() { return specs; }

}  // namespace credis
