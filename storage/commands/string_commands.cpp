// String commands (Redis's t_string.c): SET and its variants, GET, GETEX, MGET, MSET, APPEND,
// STRLEN, INCR/DECR and friends, INCRBYFLOAT.
#include <cctype>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <string>

#include "protocol/integers.hpp"
#include "protocol/reply.hpp"
#include "storage/commands/command_families.hpp"
#include "storage/commands/key_events.hpp"
#include "storage/commands/expire_time.hpp"
#include "storage/commands/float_text.hpp"
#include "storage/commands/lookup.hpp"
#include "storage/commands/propagate.hpp"
#include "storage/commands/shared_strings.hpp"
#include "storage/commands/text.hpp"

namespace credis {

namespace ev = keyspace_events;

namespace {

// SET's flags, as in Redis's OBJ_SET_* bits.
enum set_flag : unsigned {
  set_nx = 1 << 0,       // only if the key does not exist
  set_xx = 1 << 1,       // only if the key exists
  set_get = 1 << 2,      // reply with the old value
  set_keepttl = 1 << 3,  // keep the key's deadline
  set_ex = 1 << 4,
  set_px = 1 << 5,
  set_exat = 1 << 6,
  set_pxat = 1 << 7,
  set_persist = 1 << 8,  // GETEX's PERSIST
};

constexpr unsigned expire_flags = set_ex | set_px | set_exat | set_pxat | set_keepttl;

// The flag of an expire option that takes an argument (EX, PX, EXAT, PXAT), or 0.
unsigned expire_option(std::string_view opt) {
  if (iequals(opt, "ex"))
    return set_ex;
  if (iequals(opt, "px"))
    return set_px;
  if (iequals(opt, "exat"))
    return set_exat;
  if (iequals(opt, "pxat"))
    return set_pxat;
  return 0;
}

// The common core of SET, SETNX, SETEX, PSETEX and GETSET. `deadline` is no_expiry unless an
// expire option was given. Appends the reply unless `reply_ok` is false and the set happened.
void set_generic(exec_context& ctx, std::string_view key, std::string_view val, unsigned flags,
                 unix_ms deadline) {
  entry* old = ctx.db().find(key, ctx.expiry_now);
  if ((flags & set_get) && old && old->val.type() != value_type::string) {
    reply::error(ctx.out, errors::wrong_type);
    return;
  }
  bool blocked = ((flags & set_nx) && old) || ((flags & set_xx) && !old);
  if (flags & set_get) {
    if (old)
      reply_string(ctx, old->val);
    else
      reply::null_bulk(ctx.out);
  }
  if (blocked) {
    if (!(flags & set_get))
      reply::null_bulk(ctx.out);
    return;
  }
  const bool expire_given = deadline != no_expiry && !(flags & set_keepttl);
  if (old && (flags & set_keepttl))
    deadline = old->expire_at();
  if (old && old->val.type() == value_type::string) {
    // Reuse the existing entry (and its buffer) rather than replacing it.
    assign_string(ctx, old->val, val);
    if (old->expire_at() != deadline)
      ctx.db().set_expire(*old, deadline);
  } else {
    ctx.db().put(key, string_value(ctx, val), deadline);
  }
  mark_dirty(ctx);
  notify(ctx, keyspace_events::string, "set", key);
  if (expire_given)
    notify(ctx, keyspace_events::generic, "expire", key);
  if (!(flags & set_get))
    reply::ok(ctx.out);
}

// SET key value [NX|XX] [GET] [EX s|PX ms|EXAT s|PXAT ms|KEEPTTL]
void set_command(exec_context& ctx, arg_list argv) {
  unsigned flags = 0;
  std::string_view expire_arg;
  for (size_t i = 3; i < argv.size(); ++i) {
    std::string_view opt = argv[i];
    bool has_next = i + 1 < argv.size();
    unsigned f = 0;
    if (iequals(opt, "nx") && !(flags & set_xx))
      f = set_nx;
    else if (iequals(opt, "xx") && !(flags & set_nx))
      f = set_xx;
    else if (iequals(opt, "get"))
      f = set_get;
    else if (iequals(opt, "keepttl") && !(flags & expire_flags & ~set_keepttl))
      f = set_keepttl;
    else if (has_next) {
      f = expire_option(opt);
      // As in Redis, repeating the same expire option is allowed (the last one counts), but
      // mixing two different ones is a syntax error.
      if (f != 0 && (flags & expire_flags & ~f))
        f = 0;
      if (f != 0)
        expire_arg = argv[++i];
    }
    if (f == 0) {
      reply::error(ctx.out, errors::syntax);
      return;
    }
    flags |= f;
  }
  unix_ms deadline = no_expiry;
  if (flags & (set_ex | set_px | set_exat | set_pxat)) {
    auto unit = flags & (set_ex | set_exat) ? time_unit::seconds : time_unit::milliseconds;
    bool absolute = flags & (set_exat | set_pxat);
    if (!parse_deadline(ctx, expire_arg, unit, absolute, true, "set", deadline))
      return;
  }
  set_generic(ctx, argv[1], argv[2], flags, deadline);
}

void setnx_command(exec_context& ctx, arg_list argv) {
  bool existed = ctx.db().find(argv[1], ctx.expiry_now) != nullptr;
  if (!existed) {
    ctx.db().put(argv[1], string_value(ctx, argv[2]), no_expiry);
    mark_dirty(ctx);
  }
  reply::integer(ctx.out, existed ? 0 : 1);
}

void setex_generic(exec_context& ctx, arg_list argv, time_unit unit, std::string_view name) {
  unix_ms deadline = no_expiry;
  if (parse_deadline(ctx, argv[2], unit, false, true, name, deadline))
    set_generic(ctx, argv[1], argv[3], 0, deadline);
}

void setex_command(exec_context& ctx, arg_list argv) {
  setex_generic(ctx, argv, time_unit::seconds, "setex");
}

void psetex_command(exec_context& ctx, arg_list argv) {
  setex_generic(ctx, argv, time_unit::milliseconds, "psetex");
}

void getset_command(exec_context& ctx, arg_list argv) {
  set_generic(ctx, argv[1], argv[2], set_get, no_expiry);
}

// The string at `key`; or null once WRONGTYPE or a null bulk (no such key) is replied.
entry* lookup_string_or_reply(exec_context& ctx, std::string_view key) {
  bool wrong = false;
  entry* e = lookup_typed(ctx, key, value_type::string, wrong);
  if (!e && !wrong)
    reply::null_bulk(ctx.out);
  return e;
}

void get_command(exec_context& ctx, arg_list argv) {
  if (entry* e = lookup_string_or_reply(ctx, argv[1]))
    reply_string(ctx, e->val);
}

void getdel_command(exec_context& ctx, arg_list argv) {
  entry* e = lookup_string_or_reply(ctx, argv[1]);
  if (!e)
    return;
  reply_string(ctx, e->val);
  ctx.db().erase(*e);
  mark_dirty(ctx);
}

// GETEX's options: the expire option (or PERSIST) and its argument. False, with a syntax
// error, for anything else or for two different options (the same one twice: the last counts).
bool parse_getex_options(exec_context& ctx, arg_list argv, unsigned& flags,
                         std::string_view& expire_arg) {
  flags = 0;
  for (size_t i = 2; i < argv.size(); ++i) {
    std::string_view opt = argv[i];
    unsigned f = 0;
    if (iequals(opt, "persist"))
      f = set_persist;
    else if (i + 1 < argv.size()) {
      f = expire_option(opt);
      if (f != 0 && !(flags & ~f))
        expire_arg = argv[++i];
    }
    if (f == 0 || (flags & ~f)) {
      reply::error(ctx.out, errors::syntax);
      return false;
    }
    flags |= f;
  }
  return true;
}

// The deadline GETEX's expire option gives (after a successful parse_getex_options).
bool getex_deadline(exec_context& ctx, unsigned flags, std::string_view arg, unix_ms& deadline) {
  auto unit = flags & (set_ex | set_exat) ? time_unit::seconds : time_unit::milliseconds;
  return parse_deadline(ctx, arg, unit, flags & (set_exat | set_pxat), true, "getex", deadline);
}

// GETEX key [EX s|PX ms|EXAT s|PXAT ms|PERSIST]: GET that also sets or removes the deadline.
void getex_command(exec_context& ctx, arg_list argv) {
  unsigned flags = 0;
  std::string_view expire_arg;
  if (!parse_getex_options(ctx, argv, flags, expire_arg))
    return;
  entry* e = lookup_string_or_reply(ctx, argv[1]);
  if (!e)
    return;
  unix_ms deadline = no_expiry;
  if ((flags & ~set_persist) && !getex_deadline(ctx, flags, expire_arg, deadline))
    return;
  reply_string(ctx, e->val);
  if (flags & ~set_persist) {
    // An absolute deadline already past deletes the key; a replica keeps it for the master's DEL.
    const bool past = deadline <= ctx.expiry_now;
    if (past)
      ctx.db().erase(*e);
    else
      ctx.db().set_expire(*e, deadline);
    mark_dirty(ctx);
    notify(ctx, keyspace_events::generic, past ? "del" : "expire", argv[1]);
  } else if ((flags & set_persist) && e->expire_at() != no_expiry) {
    ctx.db().set_expire(*e, no_expiry);
    mark_dirty(ctx);
    notify(ctx, keyspace_events::generic, "persist", argv[1]);
  }
}

// Replicas get PEXPIREAT with the absolute deadline, DEL when it had passed, or PERSIST.
void getex_propagate(exec_context& ctx, arg_list argv) {
  unsigned flags = 0;
  std::string_view expire_arg;
  parse_getex_options(ctx, argv, flags, expire_arg);
  if (flags == set_persist) {
    propagate(ctx, {"PERSIST", argv[1]});
    return;
  }
  unix_ms deadline = no_expiry;
  getex_deadline(ctx, flags, expire_arg, deadline);
  propagate_deadline(ctx, argv[1], deadline);
}

void mget_command(exec_context& ctx, arg_list argv) {
  reply::array_header(ctx.out, static_cast<int64_t>(argv.size() - 1));
  for (size_t i = 1; i < argv.size(); ++i) {
    entry* e = lookup_read(ctx, argv[i]);
    if (e && e->val.type() == value_type::string)
      reply_string(ctx, e->val);
    else
      reply::null_bulk(ctx.out);
  }
}

void mset_generic(exec_context& ctx, arg_list argv, bool only_if_none_exist) {
  if (argv.size() % 2 == 0) {
    reply::error(ctx.out, arity_error(only_if_none_exist ? "msetnx" : "mset"));
    return;
  }
  if (only_if_none_exist) {
    for (size_t i = 1; i < argv.size(); i += 2) {
      if (ctx.db().find(argv[i], ctx.expiry_now)) {
        reply::integer(ctx.out, 0);
        return;
      }
    }
  }
  for (size_t i = 1; i < argv.size(); i += 2)
    ctx.db().put(argv[i], string_value(ctx, argv[i + 1]), no_expiry);
  mark_dirty(ctx, static_cast<int64_t>(argv.size() / 2));
  if (only_if_none_exist)
    reply::integer(ctx.out, 1);
  else
    reply::ok(ctx.out);
}

void mset_command(exec_context& ctx, arg_list argv) { mset_generic(ctx, argv, false); }
void msetnx_command(exec_context& ctx, arg_list argv) { mset_generic(ctx, argv, true); }

void append_command(exec_context& ctx, arg_list argv) {
  bool wrong = false;
  entry* e = lookup_typed(ctx, argv[1], value_type::string, wrong);
  if (wrong)
    return;
  if (!e) {
    e = &ctx.db().put(argv[1], string_value(ctx, argv[2]), no_expiry);
  } else {
    if (string_too_long(ctx, e->val.str().size(), argv[2].size()))
      return;
    e->val.append_str(argv[2]);
  }
  mark_dirty(ctx);
  reply::integer(ctx.out, static_cast<int64_t>(e->val.str().size()));
}

void strlen_command(exec_context& ctx, arg_list argv) {
  bool wrong = false;
  entry* e = lookup_typed(ctx, argv[1], value_type::string, wrong);
  if (!wrong)
    reply::integer(ctx.out, e ? static_cast<int64_t>(e->val.str().size()) : 0);
}

// INCR, DECR, INCRBY and DECRBY: add `delta` to the integer stored at `key`, keeping its TTL.
void incr_generic(exec_context& ctx, std::string_view key, int64_t delta) {
  bool wrong = false;
  entry* e = lookup_typed(ctx, key, value_type::string, wrong);
  if (wrong)
    return;
  int64_t current = 0;
  if (e && !parse_int64(e->val.str(), current)) {
    reply::error(ctx.out, errors::not_integer);
    return;
  }
  constexpr int64_t max = std::numeric_limits<int64_t>::max();
  constexpr int64_t min = std::numeric_limits<int64_t>::min();
  if ((delta < 0 && current < 0 && delta < min - current) ||
      (delta > 0 && current > 0 && delta > max - current)) {
    reply::error(ctx.out, errors::overflow);
    return;
  }
  int64_t result = current + delta;
  char digits[24];
  auto end = std::to_chars(digits, digits + sizeof(digits), result).ptr;
  std::string_view text(digits, static_cast<size_t>(end - digits));
  if (e)
    e->val.assign_str(text);
  else
    ctx.db().put(key, value(text), no_expiry);
  mark_dirty(ctx);
  reply::integer(ctx.out, result);
}

void incr_command(exec_context& ctx, arg_list argv) { incr_generic(ctx, argv[1], 1); }
void decr_command(exec_context& ctx, arg_list argv) { incr_generic(ctx, argv[1], -1); }

void incrby_command(exec_context& ctx, arg_list argv) {
  int64_t delta = 0;
  if (!parse_int64(argv[2], delta))
    reply::error(ctx.out, errors::not_integer);
  else
    incr_generic(ctx, argv[1], delta);
}

void decrby_command(exec_context& ctx, arg_list argv) {
  int64_t delta = 0;
  if (!parse_int64(argv[2], delta))
    reply::error(ctx.out, errors::not_integer);
  else if (delta == std::numeric_limits<int64_t>::min())
    reply::error(ctx.out, "ERR decrement would overflow");
  else
    incr_generic(ctx, argv[1], -delta);
}

// INCRBYFLOAT key increment: long double arithmetic as Redis, keeping the key's deadline.
void incrbyfloat_command(exec_context& ctx, arg_list argv) {
  entry* e = ctx.db().find(argv[1], ctx.expiry_now);
  if (e && e->val.type() != value_type::string) {
    reply::error(ctx.out, errors::wrong_type);
    return;
  }
  long double current = 0, delta = 0;
  if ((e && !parse_long_double(e->val.str(), current)) || !parse_long_double(argv[2], delta)) {
    reply::error(ctx.out, errors::not_float);
    return;
  }
  long double result = current + delta;
  if (std::isnan(result) || std::isinf(result)) {
    reply::error(ctx.out, "ERR increment would produce NaN or Infinity");
    return;
  }
  std::string text = format_long_double(result);
  if (e)
    e->val.assign_str(text);
  else
    ctx.db().put(argv[1], value(text), no_expiry);
  mark_dirty(ctx);
  reply::bulk(ctx.out, text);
}

// Replicas get SET key <result> KEEPTTL, so that float formatting cannot make them differ.
void incrbyfloat_propagate(exec_context& ctx, arg_list argv) {
  entry* e = ctx.db().peek(argv[1], ctx.expiry_now);
  if (e)
    propagate(ctx, {"SET", argv[1], e->val.str(), "KEEPTTL"});
}

// Replicas get SET key value PXAT <deadline>, so that they agree whatever their clock.
void propagate_set_pxat(exec_context& ctx, std::string_view key, std::string_view val,
                        unix_ms deadline) {
  std::string ms;
  append_int64(ms, deadline);
  propagate(ctx, {"SET", key, val, "PXAT", ms});
}

// SET with a relative or absolute deadline goes as SET .. PXAT (the last expire option counts,
// as when it ran); otherwise as it came, less GET.
void set_propagate(exec_context& ctx, arg_list argv) {
  std::vector<std::string_view> plain(argv.begin(), argv.begin() + 3);
  std::string_view expire_opt, expire_arg;
  for (size_t i = 3; i < argv.size(); ++i) {
    std::string_view opt = argv[i];
    if (iequals(opt, "ex") || iequals(opt, "exat") || iequals(opt, "px") ||
        iequals(opt, "pxat")) {
      expire_opt = opt;
      expire_arg = argv[++i];
    } else if (!iequals(opt, "get")) {
      plain.push_back(opt);
    }
  }
  if (expire_opt.empty()) {
    ctx.propagated->add_command(nullptr, ctx.db_index, plain, ctx.arg_blocks);
    return;
  }
  bool seconds = iequals(expire_opt, "ex") || iequals(expire_opt, "exat");
  bool absolute = iequals(expire_opt, "exat") || iequals(expire_opt, "pxat");
  unix_ms deadline = no_expiry;
  parse_deadline(ctx, expire_arg, seconds ? time_unit::seconds : time_unit::milliseconds,
                 absolute, true, "set", deadline);
  propagate_set_pxat(ctx, argv[1], argv[2], deadline);
}

void setex_generic_propagate(exec_context& ctx, arg_list argv, time_unit unit) {
  unix_ms deadline = no_expiry;
  parse_deadline(ctx, argv[2], unit, false, true, "setex", deadline);
  propagate_set_pxat(ctx, argv[1], argv[3], deadline);
}

void setex_propagate(exec_context& ctx, arg_list argv) {
  setex_generic_propagate(ctx, argv, time_unit::seconds);
}
void psetex_propagate(exec_context& ctx, arg_list argv) {
  setex_generic_propagate(ctx, argv, time_unit::milliseconds);
}
void getset_propagate(exec_context& ctx, arg_list argv) {
  propagate(ctx, {"SET", argv[1], argv[2]});
}
void getdel_propagate(exec_context& ctx, arg_list argv) { propagate(ctx, {"DEL", argv[1]}); }

// SET ... GET reads the old value; without GET, SET only overwrites.
uint16_t set_key_flags(arg_list argv) {
  for (size_t i = 3; i < argv.size(); ++i)
    if (iequals(argv[i], "get"))
      return kf::rw | kf::access | kf::update;
  return kf::ow | kf::update;
}

// Key specs as Redis 7.0 declares them (COMMAND INFO, COMMAND GETKEYSANDFLAGS).
constexpr key_spec set_keys[] = {
    with_flags_of(with_notes(keys_at(kf::rw | kf::access | kf::update | kf::variable_flags, 1),
                             "RW and ACCESS due to the optional `GET` argument"),
                  set_key_flags),
};

constexpr key_spec getex_keys[] = {
    with_notes(keys_at(kf::rw | kf::access | kf::update, 1),
               "RW and UPDATE because it changes the TTL"),
};

const command_spec specs[] = {
    with_key_specs(
        with_event({"set", -3, cmd_write | cmd_denyoom, set_command, nullptr, 1, 1, 1, kf::none,
                    "Set the string value of a key", "string", "1.0.0", set_propagate},
                   {ev::string, "", key_event::by_command}),
        set_keys),
    with_event({"setnx", 3, cmd_write | cmd_denyoom | cmd_fast, setnx_command, nullptr, 1, 1, 1,
                kf::ow | kf::insert, "Set the value of a key, only if the key does not exist",
                "string", "1.0.0"},
               {ev::string, "set"}),
    with_event(
        {"setex", 4, cmd_write | cmd_denyoom, setex_command, nullptr, 1, 1, 1, kf::ow | kf::update,
         "Set the value and expiration of a key", "string", "2.0.0", setex_propagate},
        {ev::string, "", key_event::by_command}),
    with_event({"psetex", 4, cmd_write | cmd_denyoom, psetex_command, nullptr, 1, 1, 1,
                kf::ow | kf::update, "Set the value and expiration in milliseconds of a key",
                "string", "2.6.0", psetex_propagate},
               {ev::string, "", key_event::by_command}),
    with_event(
        {"getset", 3, cmd_write | cmd_denyoom | cmd_fast, getset_command, nullptr, 1, 1, 1,
         kf::rw | kf::access | kf::update, "Set the string value of a key and return its old value",
         "string", "1.0.0", getset_propagate},
        {ev::string, "", key_event::by_command}),
    {"get", 2, cmd_readonly | cmd_fast, get_command, nullptr, 1, 1, 1, kf::ro | kf::access,
     "Get the value of a key", "string", "1.0.0"},
    with_event({"getdel", 2, cmd_write | cmd_fast, getdel_command, nullptr, 1, 1, 1,
                kf::rw | kf::access | kf::del, "Get the value of a key and delete the key",
                "string", "6.2.0", getdel_propagate},
               {ev::generic, "del"}),
    with_key_specs(with_event({"getex", -2, cmd_write | cmd_fast, getex_command, nullptr, 1, 1, 1,
                               kf::none, "Get the value of a key and optionally set its expiration",
                               "string", "6.2.0", getex_propagate},
                              {ev::generic, "", key_event::by_command}),
                   getex_keys),
    {"mget", -2, cmd_readonly | cmd_fast, mget_command, nullptr, 1, -1, 1, kf::ro | kf::access,
     "Get the values of all the given keys", "string", "1.0.0"},
    with_event({"mset", -3, cmd_write | cmd_denyoom, mset_command, nullptr, 1, -1, 2,
                kf::ow | kf::update, "Set multiple keys to multiple values", "string", "1.0.1"},
               {ev::string, "set", key_event::every_key}),
    with_event(
        {"msetnx", -3, cmd_write | cmd_denyoom, msetnx_command, nullptr, 1, -1, 2,
         kf::ow | kf::insert,
         "Set multiple keys to multiple values, only if none of the keys exist", "string", "1.0.1"},
        {ev::string, "set", key_event::every_key}),
    with_event({"append", 3, cmd_write | cmd_denyoom | cmd_fast, append_command, nullptr, 1, 1, 1,
                kf::rw | kf::insert, "Append a value to a key", "string", "2.0.0"},
               {ev::string, "append"}),
    {"strlen", 2, cmd_readonly | cmd_fast, strlen_command, nullptr, 1, 1, 1, kf::ro,
     "Get the length of the value stored in a key", "string", "2.2.0"},
    with_event({"incr", 2, cmd_write | cmd_denyoom | cmd_fast, incr_command, nullptr, 1, 1, 1,
                kf::rw | kf::access | kf::update, "Increment the integer value of a key by one",
                "string", "1.0.0"},
               {ev::string, "incrby"}),
    with_event({"decr", 2, cmd_write | cmd_denyoom | cmd_fast, decr_command, nullptr, 1, 1, 1,
                kf::rw | kf::access | kf::update, "Decrement the integer value of a key by one",
                "string", "1.0.0"},
               {ev::string, "incrby"}),
    with_event({"incrby", 3, cmd_write | cmd_denyoom | cmd_fast, incrby_command, nullptr, 1, 1, 1,
                kf::rw | kf::access | kf::update,
                "Increment the integer value of a key by the given amount", "string", "1.0.0"},
               {ev::string, "incrby"}),
    with_event({"decrby", 3, cmd_write | cmd_denyoom | cmd_fast, decrby_command, nullptr, 1, 1, 1,
                kf::rw | kf::access | kf::update,
                "Decrement the integer value of a key by the given number", "string", "1.0.0"},
               {ev::string, "incrby"}),
    with_event({"incrbyfloat", 3, cmd_write | cmd_denyoom | cmd_fast, incrbyfloat_command, nullptr,
                1, 1, 1, kf::rw | kf::access | kf::update,
                "Increment the float value of a key by the given amount", "string", "2.6.0",
                incrbyfloat_propagate},
               {ev::string, "incrbyfloat"}),
};

}  // namespace

std::span<const command_spec> string_commands() { return specs; }

}  // namespace credis
