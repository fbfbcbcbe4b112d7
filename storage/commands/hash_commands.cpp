// Hash commands (Redis's t_hash.c): HSET HSETNX HMSET HGET HMGET HDEL HEXISTS HLEN HSTRLEN
// HGETALL HKEYS HVALS HINCRBY HINCRBYFLOAT HRANDFIELD HSCAN. A hash that loses its last field
// is deleted, as in Redis.
#include <cmath>
#include <cstdint>
#include <limits>
#include <string>

#include "protocol/integers.hpp"
#include "protocol/reply.hpp"
#include "storage/commands/command_families.hpp"
#include "storage/commands/float_text.hpp"
#include "storage/commands/lookup.hpp"
#include "storage/commands/propagate.hpp"
#include "storage/commands/random_sample.hpp"
#include "storage/commands/scan_reply.hpp"
#include "storage/commands/text.hpp"

namespace credis {

namespace ev = keyspace_events;

namespace {

// The hash at `key` to read: null when missing (or, with WRONGTYPE replied, `failed` set).
const hash_value* read_hash(exec_context& ctx, std::string_view key, bool& failed) {
  entry* e = lookup_typed(ctx, key, value_type::hash, failed);
  return e ? &e->val.hash() : nullptr;
}

// The hash at `key` to change, made when missing; null with WRONGTYPE replied.
hash_value* write_hash(exec_context& ctx, std::string_view key, entry*& e) {
  e = lookup_or_create(ctx, key, value_type::hash);
  return e ? &e->val.hash() : nullptr;
}

// The hash at `key` to change when it exists; null (with `missing_reply` or WRONGTYPE
// appended) otherwise.
hash_value* existing_hash(exec_context& ctx, std::string_view key, std::string_view missing_reply,
                          entry*& e) {
  e = lookup_write(ctx, key, value_type::hash, missing_reply);
  return e ? &e->val.hash() : nullptr;
}

void reply_field(std::string& out, const hash_value* hash, std::string_view field) {
  std::optional<element> v = hash ? hash->get(field) : std::nullopt;
  v ? reply::bulk(out, v->view()) : reply::null_bulk(out);
}

// HSET key field value [field value ...] (replies how many fields are new) and HMSET (+OK).
void hset_generic(exec_context& ctx, arg_list argv, bool reply_ok) {
  if (argv.size() % 2 != 0) {
    reply::error(ctx.out, arity_error(reply_ok ? "hmset" : "hset"));
    return;
  }
  entry* e = nullptr;
  hash_value* hash = write_hash(ctx, argv[1], e);
  if (!hash)
    return;
  int64_t created = 0;
  for (size_t i = 2; i < argv.size(); i += 2)
    created += hash->insert_or_assign(argv[i], argv[i + 1]);
  mark_dirty(ctx, static_cast<int64_t>(argv.size() - 2) / 2);
  reply_ok ? reply::ok(ctx.out) : reply::integer(ctx.out, created);
}

void hset_command(exec_context& ctx, arg_list argv) { hset_generic(ctx, argv, false); }
void hmset_command(exec_context& ctx, arg_list argv) { hset_generic(ctx, argv, true); }

void hsetnx_command(exec_context& ctx, arg_list argv) {
  entry* e = nullptr;
  hash_value* hash = write_hash(ctx, argv[1], e);
  if (!hash)
    return;
  if (!hash->insert(argv[2], argv[3])) {
    reply::integer(ctx.out, 0);
    return;
  }
  mark_dirty(ctx);
  reply::integer(ctx.out, 1);
}

void hget_command(exec_context& ctx, arg_list argv) {
  bool failed = false;
  const hash_value* hash = read_hash(ctx, argv[1], failed);
  if (!failed)
    reply_field(ctx.out, hash, argv[2]);
}

void hmget_command(exec_context& ctx, arg_list argv) {
  bool failed = false;
  const hash_value* hash = read_hash(ctx, argv[1], failed);
  if (failed)
    return;
  reply::array_header(ctx.out, static_cast<int64_t>(argv.size() - 2));
  for (size_t i = 2; i < argv.size(); ++i)
    reply_field(ctx.out, hash, argv[i]);
}

void hdel_command(exec_context& ctx, arg_list argv) {
  entry* e = nullptr;
  hash_value* hash = existing_hash(ctx, argv[1], ":0\r\n", e);
  if (!hash)
    return;
  int64_t deleted = 0;
  for (size_t i = 2; i < argv.size(); ++i)
    deleted += hash->erase(argv[i]);
  if (hash->empty())
    ctx.db().erase(*e);
  if (deleted > 0)
    mark_dirty(ctx, deleted);
  reply::integer(ctx.out, deleted);
}

void hlen_command(exec_context& ctx, arg_list argv) {
  bool failed = false;
  const hash_value* hash = read_hash(ctx, argv[1], failed);
  if (!failed)
    reply::integer(ctx.out, hash ? static_cast<int64_t>(hash->size()) : 0);
}

void hstrlen_command(exec_context& ctx, arg_list argv) {
  bool failed = false;
  const hash_value* hash = read_hash(ctx, argv[1], failed);
  if (failed)
    return;
  std::optional<element> v = hash ? hash->get(argv[2]) : std::nullopt;
  reply::integer(ctx.out, v ? static_cast<int64_t>(v->size()) : 0);
}

void hexists_command(exec_context& ctx, arg_list argv) {
  bool failed = false;
  const hash_value* hash = read_hash(ctx, argv[1], failed);
  if (!failed)
    reply::integer(ctx.out, hash && hash->contains(argv[2]) ? 1 : 0);
}

enum hash_part : unsigned { fields = 1, values = 2 };

// HGETALL (fields and values), HKEYS, HVALS.
void hgetall_generic(exec_context& ctx, arg_list argv, unsigned parts) {
  bool failed = false;
  const hash_value* hash = read_hash(ctx, argv[1], failed);
  if (failed)
    return;
  if (!hash) {
    parts == (fields | values) ? reply::map_header(ctx.out, 0) : reply::array_header(ctx.out, 0);
    return;
  }
  const auto n = static_cast<int64_t>(hash->size());
  parts == (fields | values) ? reply::map_header(ctx.out, n) : reply::array_header(ctx.out, n);
  for (const auto& [field, val] : *hash) {
    if (parts & fields)
      reply::bulk(ctx.out, field.view());
    if (parts & values)
      reply::bulk(ctx.out, val.view());
  }
}

void hgetall_command(exec_context& ctx, arg_list argv) {
  hgetall_generic(ctx, argv, fields | values);
}
void hkeys_command(exec_context& ctx, arg_list argv) { hgetall_generic(ctx, argv, fields); }
void hvals_command(exec_context& ctx, arg_list argv) { hgetall_generic(ctx, argv, values); }

// The field's current number for HINCRBY/HINCRBYFLOAT, 0 when the key or the field is missing
// (`e` is then null or its entry); false once WRONGTYPE or `not_a_number` is replied. Nothing
// is created until the result is known, so a failed increment leaves no empty hash behind.
template <class Number, class Parse>
bool read_counter(exec_context& ctx, arg_list argv, Parse parse, std::string_view not_a_number,
                  entry*& e, Number& out) {
  e = ctx.db().find(argv[1], ctx.expiry_now);
  if (e && e->val.type() != value_type::hash) {
    reply::error(ctx.out, errors::wrong_type);
    return false;
  }
  std::optional<element> v = e ? e->val.hash().get(argv[2]) : std::nullopt;
  out = 0;
  if (!v)
    return true;
  if (v->is_int()) {
    out = static_cast<Number>(v->as_int());
    return true;
  }
  if (parse(v->view(), out))
    return true;
  reply::error(ctx.out, not_a_number);
  return false;
}

// Sets the field to `text`, making the hash when missing (`e` as read_counter left it).
void store_counter(exec_context& ctx, arg_list argv, entry* e, std::string_view text) {
  if (!e)
    e = &ctx.db().put(argv[1], value(hash_value()), no_expiry);
  e->val.hash().insert_or_assign(argv[2], text);
  mark_dirty(ctx);
}

// HINCRBY key field increment
void hincrby_command(exec_context& ctx, arg_list argv) {
  int64_t delta = 0, current = 0;
  if (!parse_integer_arg(ctx, argv[3], delta))
    return;
  entry* e = nullptr;
  auto parse = [](std::string_view s, int64_t& out) { return parse_int64(s, out); };
  if (!read_counter(ctx, argv, parse, "ERR hash value is not an integer", e, current))
    return;
  if ((delta < 0 && current < 0 && delta < std::numeric_limits<int64_t>::min() - current) ||
      (delta > 0 && current > 0 && delta > std::numeric_limits<int64_t>::max() - current)) {
    reply::error(ctx.out, errors::overflow);
    return;
  }
  std::string text;
  append_int64(text, current + delta);
  store_counter(ctx, argv, e, text);
  reply::integer(ctx.out, current + delta);
}

// HINCRBYFLOAT key field increment: long double arithmetic, as INCRBYFLOAT.
void hincrbyfloat_command(exec_context& ctx, arg_list argv) {
  long double delta = 0, current = 0;
  if (!parse_long_double(argv[3], delta)) {
    reply::error(ctx.out, errors::not_float);
    return;
  }
  if (std::isinf(delta)) {
    reply::error(ctx.out, "ERR value is NaN or Infinity");
    return;
  }
  entry* e = nullptr;
  if (!read_counter(ctx, argv, parse_long_double, "ERR hash value is not a float", e, current))
    return;
  const long double result = current + delta;
  if (std::isnan(result) || std::isinf(result)) {
    reply::error(ctx.out, "ERR increment would produce NaN or Infinity");
    return;
  }
  std::string text = format_long_double(result);
  store_counter(ctx, argv, e, text);
  reply::bulk(ctx.out, text);
}

// Replicas get HSET key field <result>, so that float formatting cannot make them differ.
void hincrbyfloat_propagate(exec_context& ctx, arg_list argv) {
  entry* e = ctx.db().peek(argv[1], ctx.expiry_now);
  if (!e || e->val.type() != value_type::hash)
    return;
  std::optional<element> v = e->val.hash().get(argv[2]);
  if (v)
    propagate(ctx, {"HSET", argv[1], argv[2], v->view()});
}

// HRANDFIELD key [count [WITHVALUES]]: one field (a bulk, null without the key), or an array
// of up to count different fields (a negative count: -count fields, repeats allowed).
void hrandfield_command(exec_context& ctx, arg_list argv) {
  random_count count;
  bool with_values = false;
  if (!parse_random_count_with(ctx, argv, "withvalues", count, with_values))
    return;
  reply_random_items(ctx, argv, value_type::hash, count, with_values ? 2 : 1,
                     [](const value& v) -> auto& { return v.hash(); },
                     [&](const hash_pairs::item& pair) {
                       reply::bulk(ctx.out, pair.first.view());
                       if (with_values)
                         reply::bulk(ctx.out, pair.second.view());
                     });
}

// HSCAN key cursor [MATCH pattern] [COUNT n]
void hscan_command(exec_context& ctx, arg_list argv) {
  scan_aggregate(ctx, argv, value_type::hash, [](const value& v) -> auto& { return v.hash(); },
                 [](scan_reply& found, const scan_options& options, const hash_pairs::item& pair) {
                   std::string_view field = pair.first, val = pair.second;
                   if (options.matches(field)) {
                     found.add(field);
                     found.add(val);
                   }
                 });
}

const command_spec specs[] = {
    with_event({"hset", -4, cmd_write | cmd_denyoom | cmd_fast, hset_command, nullptr, 1, 1, 1,
                kf::rw | kf::update, "Set the string value of a hash field", "hash", "2.0.0"},
               {ev::hash, "hset"}),
    with_event(
        {"hmset", -4, cmd_write | cmd_denyoom | cmd_fast, hmset_command, nullptr, 1, 1, 1,
         kf::rw | kf::update, "Set multiple hash fields to multiple values", "hash", "2.0.0"},
        {ev::hash, "hset"}),
    with_event({"hsetnx", 4, cmd_write | cmd_denyoom | cmd_fast, hsetnx_command, nullptr, 1, 1, 1,
                kf::rw | kf::insert,
                "Set the value of a hash field, only if the field does not exist", "hash", "2.0.0"},
               {ev::hash, "hset"}),
    {"hget", 3, cmd_readonly | cmd_fast, hget_command, nullptr, 1, 1, 1, kf::ro | kf::access,
     "Get the value of a hash field", "hash", "2.0.0"},
    {"hmget", -3, cmd_readonly | cmd_fast, hmget_command, nullptr, 1, 1, 1, kf::ro | kf::access,
     "Get the values of all the given hash fields", "hash", "2.0.0"},
    with_event({"hdel", -3, cmd_write | cmd_fast, hdel_command, nullptr, 1, 1, 1, kf::rw | kf::del,
                "Delete one or more hash fields", "hash", "2.0.0"},
               {ev::hash, "hdel"}),
    {"hlen", 2, cmd_readonly | cmd_fast, hlen_command, nullptr, 1, 1, 1, kf::ro,
     "Get the number of fields in a hash", "hash", "2.0.0"},
    {"hstrlen", 3, cmd_readonly | cmd_fast, hstrlen_command, nullptr, 1, 1, 1, kf::ro,
     "Get the length of the value of a hash field", "hash", "3.2.0"},
    {"hexists", 3, cmd_readonly | cmd_fast, hexists_command, nullptr, 1, 1, 1, kf::ro,
     "Determine if a hash field exists", "hash", "2.0.0"},
    {"hgetall", 2, cmd_readonly, hgetall_command, nullptr, 1, 1, 1, kf::ro | kf::access,
     "Get all the fields and values in a hash", "hash", "2.0.0"},
    {"hkeys", 2, cmd_readonly, hkeys_command, nullptr, 1, 1, 1, kf::ro | kf::access,
     "Get all the fields in a hash", "hash", "2.0.0"},
    {"hvals", 2, cmd_readonly, hvals_command, nullptr, 1, 1, 1, kf::ro | kf::access,
     "Get all the values in a hash", "hash", "2.0.0"},
    with_event({"hincrby", 4, cmd_write | cmd_denyoom | cmd_fast, hincrby_command, nullptr, 1, 1, 1,
                kf::rw | kf::access | kf::update,
                "Increment the integer value of a hash field by the given number", "hash", "2.0.0"},
               {ev::hash, "hincrby"}),
    with_event({"hincrbyfloat", 4, cmd_write | cmd_denyoom | cmd_fast, hincrbyfloat_command,
                nullptr, 1, 1, 1, kf::rw | kf::access | kf::update,
                "Increment the float value of a hash field by the given amount", "hash", "2.6.0",
                hincrbyfloat_propagate},
               {ev::hash, "hincrbyfloat"}),
    {"hrandfield", -2, cmd_readonly, hrandfield_command, nullptr, 1, 1, 1, kf::ro | kf::access,
     "Get one or multiple random fields from a hash", "hash", "6.2.0"},
    {"hscan", -3, cmd_readonly, hscan_command, nullptr, 1, 1, 1, kf::ro | kf::access,
     "Incrementally iterate hash fields and associated values", "hash", "2.8.0"},
};

}  // namespace

std::span<const command_spec> hash_commands() { return specs; }

}  // namespace credis
