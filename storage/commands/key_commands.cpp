// Generic key commands (Redis's db.c and expire.c): DEL, EXISTS, TYPE, KEYS, SCAN, RENAME,
// the EXPIRE family, TTL/PTTL and PERSIST.
#include <cstdint>
#include <random>
#include <string>

#include "protocol/integers.hpp"
#include "protocol/reply.hpp"
#include "storage/commands/command_families.hpp"
#include "storage/commands/key_events.hpp"
#include "storage/commands/expire_time.hpp"
#include "storage/commands/lookup.hpp"
#include "storage/commands/propagate.hpp"
#include "storage/commands/scan_reply.hpp"
#include "storage/commands/text.hpp"
#include "storage/glob.hpp"

namespace credis {

namespace ev = keyspace_events;

namespace {

void del_command(exec_context& ctx, arg_list argv) {
  int64_t removed = 0;
  for (size_t i = 1; i < argv.size(); ++i) {
    if (entry* e = ctx.db().find(argv[i], ctx.expiry_now)) {
      ctx.db().erase(*e);
      ++removed;
      notify(ctx, keyspace_events::generic, "del", argv[i]);
    }
  }
  mark_dirty(ctx, removed);
  reply::integer(ctx.out, removed);
}

void exists_command(exec_context& ctx, arg_list argv) {
  int64_t n = 0;
  for (size_t i = 1; i < argv.size(); ++i)
    if (ctx.db().peek(argv[i], ctx.expiry_now))
      ++n;
  reply::integer(ctx.out, n);
}

// TOUCH key [key ...]: how many exist (a read of each, counted in keyspace hits and misses).
void touch_command(exec_context& ctx, arg_list argv) {
  int64_t n = 0;
  for (size_t i = 1; i < argv.size(); ++i)
    n += lookup_read(ctx, argv[i]) != nullptr;
  reply::integer(ctx.out, n);
}

void type_command(exec_context& ctx, arg_list argv) {
  entry* e = ctx.db().peek(argv[1], ctx.expiry_now);
  reply::simple(ctx.out, e ? type_name(e->val.type()) : "none");
}

// RANDOMKEY: a key picked at random (the first after a random slot), or null when the
// database is empty. An expired key picked is deleted and another one picked, as in Redis; a
// replica, which keeps expired keys for its master's DEL, returns one after 100 tries.
void randomkey_command(exec_context& ctx, arg_list) {
  static thread_local std::mt19937_64 random_bits{std::random_device{}()};
  database& db = ctx.db();
  for (int tries = 1; db.size() > 0; ++tries) {
    const entry_table& table = db.entries();
    const size_t slots = table.slot_count();
    const size_t start = random_bits() & (slots - 1);
    const entry_node* node = nullptr;
    for (size_t i = 0; i < slots && !node; ++i)
      node = table.node_at((start + i) & (slots - 1));
    std::string key(node->key());
    if (db.peek(key, ctx.expiry_now) || tries >= 100) {
      reply::bulk(ctx.out, key);
      return;
    }
  }
  reply::null_bulk(ctx.out);
}

void keys_command(exec_context& ctx, arg_list argv) {
  std::string_view pattern = argv[1];
  bool all = pattern == "*";
  std::string body;
  int64_t n = 0;
  for (const auto& [key, e] : ctx.db().entries()) {
    if (!is_expired(e.expire_at(), ctx.expiry_now) && (all || glob_match(pattern, key))) {
      reply::bulk(body, key);
      ++n;
    }
  }
  reply::array_header(ctx.out, n);
  ctx.out.append(body);
}

// SCAN cursor [MATCH pattern] [COUNT n] [TYPE t], with Redis's guarantees (database::scan):
// every key present for a whole iteration is returned, and the iteration ends.
void scan_command(exec_context& ctx, arg_list argv) {
  uint64_t cursor = 0;
  if (!parse_scan_cursor(argv[1], cursor)) {
    reply::error(ctx.out, "ERR invalid cursor");
    return;
  }
  scan_options options;
  if (!parse_scan_options(ctx, argv, 2, true, options))
    return;
  scan_reply found;
  uint64_t next_cursor = ctx.db().scan(
      cursor, static_cast<size_t>(options.count), [&](std::string_view key, const entry& e) {
        if (is_expired(e.expire_at(), ctx.expiry_now) || !options.matches(key))
          return;
        if (!options.type.empty() && !iequals(options.type, type_name(e.val.type())))
          return;
        found.add(key);
      });
  found.finish(ctx.out, next_cursor);
}

void rename_generic(exec_context& ctx, arg_list argv, bool only_if_new) {
  entry* src = ctx.db().find(argv[1], ctx.expiry_now);
  if (!src) {
    reply::error(ctx.out, "ERR no such key");
    return;
  }
  if (only_if_new && ctx.db().find(argv[2], ctx.expiry_now)) {
    reply::integer(ctx.out, 0);
    return;
  }
  if (argv[1] != argv[2]) {
    value v = std::move(src->val);
    const unix_ms deadline = src->expire_at();
    const uint32_t access = v.access();  // the same object in Redis: its stamps go along
    ctx.db().erase(*src);
    ctx.db().put(argv[2], std::move(v), deadline).val.set_access(access);
    mark_dirty(ctx);
    notify(ctx, keyspace_events::generic, "rename_from", argv[1]);
    notify(ctx, keyspace_events::generic, "rename_to", argv[2]);
  }
  if (only_if_new)
    reply::integer(ctx.out, 1);
  else
    reply::ok(ctx.out);
}

void rename_command(exec_context& ctx, arg_list argv) { rename_generic(ctx, argv, false); }
void renamenx_command(exec_context& ctx, arg_list argv) { rename_generic(ctx, argv, true); }

// EXPIRE key time [NX|XX|GT|LT] and its three siblings.
void expire_generic(exec_context& ctx, arg_list argv, time_unit unit, bool absolute,
                    std::string_view name) {
  bool nx = false, xx = false, gt = false, lt = false;
  for (size_t i = 3; i < argv.size(); ++i) {
    if (iequals(argv[i], "nx"))
      nx = true;
    else if (iequals(argv[i], "xx"))
      xx = true;
    else if (iequals(argv[i], "gt"))
      gt = true;
    else if (iequals(argv[i], "lt"))
      lt = true;
    else {
      reply::error(ctx.out, "ERR Unsupported option " + std::string(argv[i]));
      return;
    }
  }
  if (nx && (xx || gt || lt)) {
    reply::error(ctx.out, "ERR NX and XX, GT or LT options at the same time are not compatible");
    return;
  }
  if (gt && lt) {
    reply::error(ctx.out, "ERR GT and LT options at the same time are not compatible");
    return;
  }
  unix_ms deadline = 0;
  if (!parse_deadline(ctx, argv[2], unit, absolute, false, name, deadline))
    return;
  entry* e = ctx.db().find(argv[1], ctx.expiry_now);
  if (!e) {
    reply::integer(ctx.out, 0);
    return;
  }
  unix_ms current = e->expire_at();
  // No deadline counts as an infinite one for GT and LT.
  if ((nx && current != no_expiry) || (xx && current == no_expiry) ||
      (gt && (current == no_expiry || deadline <= current)) ||
      (lt && current != no_expiry && deadline >= current)) {
    reply::integer(ctx.out, 0);
    return;
  }
  // A replica keeps the key with its past deadline and waits for the master's DEL.
  const bool past = deadline <= ctx.expiry_now;
  if (past)
    ctx.db().erase(*e);
  else
    ctx.db().set_expire(*e, deadline);
  mark_dirty(ctx);
  notify(ctx, keyspace_events::generic, past ? "del" : "expire", argv[1]);
  reply::integer(ctx.out, 1);
}

void expire_command(exec_context& ctx, arg_list argv) {
  expire_generic(ctx, argv, time_unit::seconds, false, "expire");
}
void pexpire_command(exec_context& ctx, arg_list argv) {
  expire_generic(ctx, argv, time_unit::milliseconds, false, "pexpire");
}
void expireat_command(exec_context& ctx, arg_list argv) {
  expire_generic(ctx, argv, time_unit::seconds, true, "expireat");
}
void pexpireat_command(exec_context& ctx, arg_list argv) {
  expire_generic(ctx, argv, time_unit::milliseconds, true, "pexpireat");
}

// Replicas get PEXPIREAT with the absolute deadline, or DEL when it had passed already.
void expire_generic_propagate(exec_context& ctx, arg_list argv, time_unit unit, bool absolute) {
  unix_ms deadline = 0;
  parse_deadline(ctx, argv[2], unit, absolute, false, "expire", deadline);
  propagate_deadline(ctx, argv[1], deadline);
}

void expire_propagate(exec_context& ctx, arg_list argv) {
  expire_generic_propagate(ctx, argv, time_unit::seconds, false);
}
void pexpire_propagate(exec_context& ctx, arg_list argv) {
  expire_generic_propagate(ctx, argv, time_unit::milliseconds, false);
}
void expireat_propagate(exec_context& ctx, arg_list argv) {
  expire_generic_propagate(ctx, argv, time_unit::seconds, true);
}
void pexpireat_propagate(exec_context& ctx, arg_list argv) {
  expire_generic_propagate(ctx, argv, time_unit::milliseconds, true);
}

// TTL, PTTL, EXPIRETIME and PEXPIRETIME: -2 when the key is missing, -1 without a deadline.
void ttl_generic(exec_context& ctx, arg_list argv, bool in_ms, bool absolute) {
  entry* e = ctx.db().peek(argv[1], ctx.expiry_now);
  if (!e) {
    reply::integer(ctx.out, -2);
    return;
  }
  if (e->expire_at() == no_expiry) {
    reply::integer(ctx.out, -1);
    return;
  }
  int64_t v = absolute ? e->expire_at() : std::max<int64_t>(0, e->expire_at() - ctx.now);
  // Redis rounds to the nearest second, both TTL and EXPIRETIME; v + 500 could overflow for a
  // deadline near the largest one.
  if (!in_ms)
    v = v / 1000 + (v % 1000 >= 500 ? 1 : 0);
  reply::integer(ctx.out, v);
}

void ttl_command(exec_context& ctx, arg_list argv) { ttl_generic(ctx, argv, false, false); }
void pttl_command(exec_context& ctx, arg_list argv) { ttl_generic(ctx, argv, true, false); }
void expiretime_command(exec_context& ctx, arg_list argv) { ttl_generic(ctx, argv, false, true); }
void pexpiretime_command(exec_context& ctx, arg_list argv) { ttl_generic(ctx, argv, true, true); }

void persist_command(exec_context& ctx, arg_list argv) {
  entry* e = ctx.db().find(argv[1], ctx.expiry_now);
  if (!e || e->expire_at() == no_expiry) {
    reply::integer(ctx.out, 0);
    return;
  }
  ctx.db().set_expire(*e, no_expiry);
  mark_dirty(ctx);
  reply::integer(ctx.out, 1);
}

// Key specs as Redis 7.0 declares them (COMMAND INFO, COMMAND GETKEYSANDFLAGS).
constexpr key_spec rename_keys[] = {
    keys_at(kf::rw | kf::access | kf::del, 1),
    keys_at(kf::ow | kf::update, 2),
};

constexpr key_spec renamenx_keys[] = {
    keys_at(kf::rw | kf::access | kf::del, 1),
    keys_at(kf::ow | kf::insert, 2),
};

const command_spec specs[] = {
    with_event({"del", -2, cmd_write, del_command, nullptr, 1, -1, 1, kf::rm | kf::del,
                "Delete a key", "generic", "1.0.0"},
               {ev::generic, "", key_event::by_command}),
    with_event(
        {"unlink", -2, cmd_write | cmd_fast, del_command, nullptr, 1, -1, 1, kf::rm | kf::del,
         "Delete a key asynchronously in another thread. Otherwise it is just as DEL, but "
         "non blocking.",
         "generic", "4.0.0"},
        {ev::generic, "", key_event::by_command}),
    {"exists", -2, cmd_readonly | cmd_fast, exists_command, nullptr, 1, -1, 1, kf::ro,
     "Determine if a key exists", "generic", "1.0.0"},
    {"touch", -2, cmd_readonly | cmd_fast, touch_command, nullptr, 1, -1, 1, kf::ro,
     "Alters the last access time of a key(s). Returns the number of existing keys specified.",
     "generic", "3.2.1"},
    {"type", 2, cmd_readonly | cmd_fast, type_command, nullptr, 1, 1, 1, kf::ro,
     "Determine the type stored at key", "generic", "1.0.0"},
    {"randomkey", 1, cmd_readonly, randomkey_command, nullptr, 0, 0, 0, kf::none,
     "Return a random key from the keyspace", "generic", "1.0.0"},
    {"keys", 2, cmd_readonly, keys_command, nullptr, 0, 0, 0, kf::none,
     "Find all keys matching the given pattern", "generic", "1.0.0"},
    {"scan", -2, cmd_readonly, scan_command, nullptr, 0, 0, 0, kf::none,
     "Incrementally iterate the keys space", "generic", "2.8.0"},
    with_key_specs(with_event({"rename", 3, cmd_write, rename_command, nullptr, 1, 2, 1, kf::none,
                               "Rename a key", "generic", "1.0.0"},
                              {ev::generic, "", key_event::by_command}),
                   rename_keys),
    with_key_specs(with_event({"renamenx", 3, cmd_write | cmd_fast, renamenx_command, nullptr, 1, 2,
                               1, kf::none, "Rename a key, only if the new key does not exist",
                               "generic", "1.0.0"},
                              {ev::generic, "", key_event::by_command}),
                   renamenx_keys),
    with_event(
        {"expire", -3, cmd_write | cmd_fast, expire_command, nullptr, 1, 1, 1, kf::rw | kf::update,
         "Set a key's time to live in seconds", "generic", "1.0.0", expire_propagate},
        {ev::generic, "", key_event::by_command}),
    with_event({"pexpire", -3, cmd_write | cmd_fast, pexpire_command, nullptr, 1, 1, 1,
                kf::rw | kf::update, "Set a key's time to live in milliseconds", "generic", "2.6.0",
                pexpire_propagate},
               {ev::generic, "", key_event::by_command}),
    with_event({"expireat", -3, cmd_write | cmd_fast, expireat_command, nullptr, 1, 1, 1,
                kf::rw | kf::update, "Set the expiration for a key as a UNIX timestamp", "generic",
                "1.2.0", expireat_propagate},
               {ev::generic, "", key_event::by_command}),
    with_event({"pexpireat", -3, cmd_write | cmd_fast, pexpireat_command, nullptr, 1, 1, 1,
                kf::rw | kf::update,
                "Set the expiration for a key as a UNIX timestamp specified in milliseconds",
                "generic", "2.6.0", pexpireat_propagate},
               {ev::generic, "", key_event::by_command}),
    {"ttl", 2, cmd_readonly | cmd_fast, ttl_command, nullptr, 1, 1, 1, kf::ro | kf::access,
     "Get the time to live for a key in seconds", "generic", "1.0.0"},
    {"pttl", 2, cmd_readonly | cmd_fast, pttl_command, nullptr, 1, 1, 1, kf::ro | kf::access,
     "Get the time to live for a key in milliseconds", "generic", "2.6.0"},
    {"expiretime", 2, cmd_readonly | cmd_fast, expiretime_command, nullptr, 1, 1, 1,
     kf::ro | kf::access, "Get the expiration Unix timestamp for a key", "generic", "7.0.0"},
    {"pexpiretime", 2, cmd_readonly | cmd_fast, pexpiretime_command, nullptr, 1, 1, 1,
     kf::ro | kf::access, "Get the expiration Unix timestamp for a key in milliseconds", "generic",
     "7.0.0"},
    with_event({"persist", 2, cmd_write | cmd_fast, persist_command, nullptr, 1, 1, 1,
                kf::rw | kf::update, "Remove the expiration from a key", "generic", "2.2.0"},
               {ev::generic, "persist"}),
};

}  // namespace

std::span<const command_spec> key_commands() { return specs; }

}  // namespace credis
