// DUMP and RESTORE (Redis's cluster.c): a value in Redis's serialized form and back, so values
// move between credis and Redis (redis-cli --pipe, MIGRATE-style tools, RESTORE of a real
// Redis's DUMP).
#include <string>

#include "protocol/integers.hpp"
#include "protocol/reply.hpp"
#include "storage/access_clock.hpp"
#include "storage/commands/command_families.hpp"
#include "storage/commands/lookup.hpp"
#include "storage/commands/propagate.hpp"
#include "storage/commands/text.hpp"
#include "storage/rdb/rdb_reader.hpp"
#include "storage/rdb/rdb_writer.hpp"

namespace credis {

namespace ev = keyspace_events;

namespace {

void dump_command(exec_context& ctx, arg_list argv) {
  entry* e = lookup_read(ctx, argv[1]);
  e ? reply::bulk(ctx.out, rdb_dump_value(e->val)) : reply::null_bulk(ctx.out);
}

// RESTORE key ttl serialized-value [REPLACE] [ABSTTL] [IDLETIME seconds] [FREQ frequency],
// checked in Redis's order: options, an existing key, the TTL, the payload.
void restore_command(exec_context& ctx, arg_list argv) {
  bool replace = false, absttl = false;
  int64_t idle = -1, freq = -1;
  for (size_t i = 4; i < argv.size(); ++i) {
    const bool has_value = i + 1 < argv.size();
    if (iequals(argv[i], "replace")) {
      replace = true;
    } else if (iequals(argv[i], "absttl")) {
      absttl = true;
    } else if (iequals(argv[i], "idletime") && has_value && freq == -1) {
      if (!parse_integer_arg(ctx, argv[++i], idle))
        return;
      if (idle < 0) {
        reply::error(ctx.out, "ERR Invalid IDLETIME value, must be >= 0");
        return;
      }
    } else if (iequals(argv[i], "freq") && has_value && idle == -1) {
      if (!parse_integer_arg(ctx, argv[++i], freq))
        return;
      if (freq < 0 || freq > 255) {
        reply::error(ctx.out, "ERR Invalid FREQ value, must be >= 0 and <= 255");
        return;
      }
    } else {
      reply::error(ctx.out, errors::syntax);
      return;
    }
  }
  entry* old = ctx.db().find(argv[1], ctx.expiry_now);
  if (old && !replace) {
    reply::error(ctx.out, "BUSYKEY Target key name already exists.");
    return;
  }
  int64_t ttl = 0;
  if (!parse_integer_arg(ctx, argv[2], ttl))
    return;
  if (ttl < 0) {
    reply::error(ctx.out, "ERR Invalid TTL value, must be >= 0");
    return;
  }
  value v;
  std::string error;
  if (!rdb_restore_value(argv[3], v, error)) {
    reply::error(ctx.out, error == "version or checksum"
                              ? "ERR DUMP payload version or checksum are wrong"
                              : "ERR Bad data format");
    return;
  }
  if (old)
    ctx.db().erase(*old);
  const unix_ms deadline = ttl == 0 ? no_expiry : absttl ? ttl : ctx.now + ttl;
  if (deadline != no_expiry && deadline <= ctx.now) {
    // Already over: nothing stays, as Redis (the old key, when replaced, is gone).
    if (old) {
      mark_dirty(ctx);
      if (ctx.propagated)
        propagate(ctx, {"DEL", argv[1]});
    }
    reply::ok(ctx.out);
    return;
  }
  entry& restored = ctx.db().put(argv[1], std::move(v), deadline);
  if (access_tracking().lfu ? freq >= 0 : idle >= 0)
    restored.val.set_access(access_tracking().lfu
                                ? access_for_frequency(static_cast<uint32_t>(freq), ctx.now)
                                : access_for_idle(idle, ctx.now));
  mark_dirty(ctx);
  if (ctx.propagated) {  // with the absolute deadline, so replicas agree whatever their clock
    std::string at;
    append_int64(at, deadline);
    propagate(ctx, {"RESTORE", argv[1], deadline == no_expiry ? "0" : at, argv[3], "REPLACE",
                    "ABSTTL"});
  }
  reply::ok(ctx.out);
}

void restore_propagate(exec_context&, arg_list) {}  // done by restore_command

const command_spec specs[] = {
    {"dump", 2, cmd_readonly, dump_command, nullptr, 1, 1, 1, kf::ro | kf::access,
     "Return a serialized version of the value stored at the specified key.", "generic", "2.6.0"},
    with_event({"restore", -4, cmd_write | cmd_denyoom, restore_command, nullptr, 1, 1, 1,
                kf::ow | kf::update,
                "Create a key using the provided serialized value, previously obtained using DUMP.",
                "generic", "2.6.0", restore_propagate},
               {ev::generic, "restore"}),
};

}  // namespace

std::span<const command_spec> dump_commands() { return specs; }

}  // namespace credis
