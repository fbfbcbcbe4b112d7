// Commands that copy or move a key between databases (Redis's db.c): COPY and MOVE.
#include "protocol/integers.hpp"
#include "protocol/reply.hpp"
#include "storage/commands/command_families.hpp"
#include "storage/commands/key_events.hpp"
#include "storage/commands/db_index.hpp"
#include "storage/commands/lookup.hpp"
#include "storage/commands/text.hpp"

namespace credis {

namespace ev = keyspace_events;

namespace {

constexpr std::string_view same_object = "ERR source and destination objects are the same";

// COPY source destination [DB index] [REPLACE]: the value and its deadline; 1 if copied.
void copy_command(exec_context& ctx, arg_list argv) {
  int target = ctx.db_index;
  bool replace = false;
  for (size_t i = 3; i < argv.size(); ++i) {
    if (iequals(argv[i], "replace")) {
      replace = true;
    } else if (iequals(argv[i], "db") && i + 1 < argv.size()) {
      if (!parse_db_index(argv[++i], target, ctx.out))
        return;
    } else {
      reply::error(ctx.out, errors::syntax);
      return;
    }
  }
  if (target == ctx.db_index && argv[1] == argv[2]) {
    reply::error(ctx.out, same_object);
    return;
  }
  entry* src = lookup_read(ctx, argv[1]);
  if (!src) {
    reply::integer(ctx.out, 0);
    return;
  }
  database& dst = ctx.ks.db(target);
  if (dst.find(argv[2], ctx.expiry_now) && !replace) {
    reply::integer(ctx.out, 0);
    return;
  }
  const bool created = !dst.find(argv[2], ctx.expiry_now);
  dst.put(argv[2], src->val.clone(), src->expire_at());
  mark_dirty(ctx);
  if (created && target != ctx.db_index)  // (in its own database, key positions tell)
    notify_in(ctx, target, keyspace_events::new_key, "new", argv[2]);
  notify_in(ctx, target, keyspace_events::generic, "copy_to", argv[2]);
  if (target != ctx.db_index)
    signal_modified(ctx, target, argv[2]);  // the key positions name this database
  reply::integer(ctx.out, 1);
}

// MOVE key db: 1 if moved; 0 when the key is missing or the other database has it already.
void move_command(exec_context& ctx, arg_list argv) {
  int target = 0;
  if (!parse_db_index(argv[2], target, ctx.out))
    return;
  if (target == ctx.db_index) {
    reply::error(ctx.out, same_object);
    return;
  }
  entry* src = ctx.db().find(argv[1], ctx.expiry_now);
  database& dst = ctx.ks.db(target);
  if (!src || dst.find(argv[1], ctx.expiry_now)) {
    reply::integer(ctx.out, 0);
    return;
  }
  value v = std::move(src->val);
  const unix_ms deadline = src->expire_at();
  const uint32_t access = v.access();  // the same object in Redis: its stamps go along
  ctx.db().erase(*src);
  dst.put(argv[1], std::move(v), deadline).val.set_access(access);
  mark_dirty(ctx);
  notify_in(ctx, target, keyspace_events::new_key, "new", argv[1]);
  notify(ctx, keyspace_events::generic, "move_from", argv[1]);
  notify_in(ctx, target, keyspace_events::generic, "move_to", argv[1]);
  signal_modified(ctx, target, argv[1]);  // the key positions name the source's
  reply::integer(ctx.out, 1);
}

// Key specs as Redis 7.0 declares them (COMMAND INFO, COMMAND GETKEYSANDFLAGS).
constexpr key_spec copy_keys[] = {
    keys_at(kf::ro | kf::access, 1),
    keys_at(kf::ow | kf::update, 2),
};

const command_spec specs[] = {
    with_key_specs(with_event({"copy", -3, cmd_write | cmd_denyoom, copy_command, nullptr, 1, 2, 1,
                               kf::none, "Copy a key", "generic", "6.2.0"},
                              {ev::generic, "", key_event::by_command}),
                   copy_keys),
    with_event(
        {"move", 3, cmd_write | cmd_fast, move_command, nullptr, 1, 1, 1,
         kf::rw | kf::access | kf::update, "Move a key to another database", "generic", "1.0.0"},
        {ev::generic, "", key_event::by_command}),
};

}  // namespace

std::span<const command_spec> key_copy_commands() { return specs; }

}  // namespace credis
