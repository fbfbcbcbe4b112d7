// Key lookups shared by the command families: they apply lazy expiry and the type check.
#pragma once

#include "protocol/integers.hpp"
#include "protocol/reply.hpp"
#include "storage/commands/command.hpp"

namespace credis {

// The live entry for `key`, or null. Counts a keyspace hit or miss as Redis's INFO does.
inline entry* lookup_read(exec_context& ctx, std::string_view key) {
  entry* e = ctx.db().find(key, ctx.expiry_now);
  ++(e ? ctx.server.stats.keyspace_hits : ctx.server.stats.keyspace_misses);
  return e;
}

// Like lookup_read, but when the key holds another type, replies WRONGTYPE and sets `failed`.
inline entry* lookup_typed(exec_context& ctx, std::string_view key, value_type type,
                           bool& failed) {
  entry* e = lookup_read(ctx, key);
  failed = e && e->val.type() != type;
  if (failed) {
    reply::error(ctx.out, errors::wrong_type);
    return nullptr;
  }
  return e;
}

// The entry for `key` to change when it exists and holds `type`; null otherwise, with
// `missing_reply` (RESP) appended when it is missing, or WRONGTYPE when it holds another type.
inline entry* lookup_write(exec_context& ctx, std::string_view key, value_type type,
                           std::string_view missing_reply) {
  entry* e = ctx.db().find(key, ctx.expiry_now);
  if (!e)
    ctx.out.append(missing_reply);
  else if (e->val.type() != type)
    reply::error(ctx.out, errors::wrong_type);
  else
    return e;
  return nullptr;
}

// The entry for `key` to change, made empty of `type` when missing; null, with WRONGTYPE
// replied, when it holds another type. A command that leaves a made one empty deletes it.
inline entry* lookup_or_create(exec_context& ctx, std::string_view key, value_type type) {
  entry* e = ctx.db().find(key, ctx.expiry_now);
  if (e && e->val.type() != type) {
    reply::error(ctx.out, errors::wrong_type);
    return nullptr;
  }
  return e ? e : &ctx.db().put(key, empty_value(type), no_expiry);
}

// Parses an integer argument; false, with Redis's "not an integer" error, when it is not one.
inline bool parse_integer_arg(exec_context& ctx, std::string_view arg, int64_t& out) {
  if (parse_int64(arg, out))
    return true;
  reply::error(ctx.out, errors::not_integer);
  return false;
}

// A write has happened: counted for SAVE's change counter.
inline void mark_dirty(exec_context& ctx, int64_t n = 1) { ctx.server.stats.dirty += n; }

// The STORE commands' end (SINTERSTORE, ZUNIONSTORE, ZRANGESTORE, ...): `result` (of `size`
// items) replaces whatever `destination` held, with no deadline; an empty one deletes it.
// Replies the size.
inline void store_result(exec_context& ctx, std::string_view destination, value result,
                         size_t size) {
  entry* e = ctx.db().find(destination, ctx.expiry_now);
  if (e)
    ctx.db().erase(*e);
  if (size > 0)
    ctx.db().put(destination, std::move(result), no_expiry);
  if (size > 0 || e)
    mark_dirty(ctx);
  reply::integer(ctx.out, static_cast<int64_t>(size));
}

}  // namespace credis
