#include "storage/commands/key_events.hpp"

#include <algorithm>
#include <iterator>

namespace credis {
namespace {

namespace ev = keyspace_events;
using k = key_event;

struct named_event {
  std::string_view command;
  key_event event;
};

// Sorted by command name. The events are Redis 7.0.15's (its t_*.c, db.c, expire.c, bitops.c).
constexpr named_event events[] = {
    {"append", {ev::string, "append"}},
    {"bitfield", {ev::string, "setbit"}},
    {"bitop", {ev::string, "set", k::existing_key}},
    {"blmove", {ev::list, "", k::by_command}},
    {"blmpop", {ev::list, "", k::by_command}},
    {"blpop", {ev::list, "", k::by_command}},
    {"brpop", {ev::list, "", k::by_command}},
    {"brpoplpush", {ev::list, "", k::by_command}},
    {"bzmpop", {ev::zset, "", k::by_command}},
    {"bzpopmax", {ev::zset, "", k::by_command}},
    {"bzpopmin", {ev::zset, "", k::by_command}},
    {"copy", {ev::generic, "", k::by_command}},
    {"decr", {ev::string, "incrby"}},
    {"decrby", {ev::string, "incrby"}},
    {"del", {ev::generic, "", k::by_command}},
    {"expire", {ev::generic, "", k::by_command}},
    {"expireat", {ev::generic, "", k::by_command}},
    {"getdel", {ev::generic, "del"}},
    {"getex", {ev::generic, "", k::by_command}},
    {"getset", {ev::string, "", k::by_command}},
    {"hdel", {ev::hash, "hdel"}},
    {"hincrby", {ev::hash, "hincrby"}},
    {"hincrbyfloat", {ev::hash, "hincrbyfloat"}},
    {"hmset", {ev::hash, "hset"}},
    {"hset", {ev::hash, "hset"}},
    {"hsetnx", {ev::hash, "hset"}},
    {"incr", {ev::string, "incrby"}},
    {"incrby", {ev::string, "incrby"}},
    {"incrbyfloat", {ev::string, "incrbyfloat"}},
    {"linsert", {ev::list, "linsert"}},
    {"lmove", {ev::list, "", k::by_command}},
    {"lmpop", {ev::list, "", k::by_command}},
    {"lpop", {ev::list, "lpop"}},
    {"lpush", {ev::list, "lpush"}},
    {"lpushx", {ev::list, "lpush"}},
    {"lrem", {ev::list, "lrem"}},
    {"lset", {ev::list, "lset"}},
    {"ltrim", {ev::list, "ltrim"}},
    {"move", {ev::generic, "", k::by_command}},
    {"mset", {ev::string, "set", k::every_key}},
    {"msetnx", {ev::string, "set", k::every_key}},
    {"persist", {ev::generic, "persist"}},
    {"pexpire", {ev::generic, "", k::by_command}},
    {"pexpireat", {ev::generic, "", k::by_command}},
    {"psetex", {ev::string, "", k::by_command}},
    {"rename", {ev::generic, "", k::by_command}},
    {"renamenx", {ev::generic, "", k::by_command}},
    {"restore", {ev::generic, "restore"}},
    {"rpop", {ev::list, "rpop"}},
    {"rpoplpush", {ev::list, "", k::by_command}},
    {"rpush", {ev::list, "rpush"}},
    {"rpushx", {ev::list, "rpush"}},
    {"sadd", {ev::set, "sadd"}},
    {"sdiffstore", {ev::set, "sdiffstore", k::existing_key}},
    {"set", {ev::string, "", k::by_command}},
    {"setbit", {ev::string, "setbit"}},
    {"setex", {ev::string, "", k::by_command}},
    {"setnx", {ev::string, "set"}},
    {"setrange", {ev::string, "setrange"}},
    {"sinterstore", {ev::set, "sinterstore", k::existing_key}},
    {"smove", {ev::set, "", k::by_command, true}},
    {"sort", {ev::list, "", k::by_command}},
    {"spop", {ev::set, "spop"}},
    {"srem", {ev::set, "srem"}},
    {"sunionstore", {ev::set, "sunionstore", k::existing_key}},
    {"unlink", {ev::generic, "", k::by_command}},
    {"xadd", {ev::stream, "", k::by_command}},
    {"xautoclaim", {ev::stream, "", k::by_command}},
    {"xclaim", {ev::stream, "", k::by_command}},
    {"xdel", {ev::stream, "xdel"}},
    {"xgroup|create", {ev::stream, "xgroup-create"}},
    {"xgroup|createconsumer", {ev::stream, "xgroup-createconsumer"}},
    {"xgroup|delconsumer", {ev::stream, "xgroup-delconsumer"}},
    {"xgroup|destroy", {ev::stream, "xgroup-destroy"}},
    {"xgroup|setid", {ev::stream, "xgroup-setid"}},
    {"xreadgroup", {ev::stream, "", k::by_command}},
    {"xsetid", {ev::stream, "xsetid"}},
    {"xtrim", {ev::stream, "xtrim"}},
    {"zadd", {ev::zset, "", k::by_command}},
    {"zdiffstore", {ev::zset, "zdiffstore", k::existing_key}},
    {"zincrby", {ev::zset, "", k::by_command}},
    {"zinterstore", {ev::zset, "zinterstore", k::existing_key}},
    {"zmpop", {ev::zset, "", k::by_command}},
    {"zpopmax", {ev::zset, "", k::by_command}},
    {"zpopmin", {ev::zset, "", k::by_command}},
    {"zrangestore", {ev::zset, "zrangestore", k::existing_key}},
    {"zrem", {ev::zset, "zrem"}},
    {"zremrangebylex", {ev::zset, "zremrangebylex"}},
    {"zremrangebyrank", {ev::zset, "zremrangebyrank"}},
    {"zremrangebyscore", {ev::zset, "zremrangebyscore"}},
    {"zunionstore", {ev::zset, "zunionstore", k::existing_key}},
};

static_assert(std::is_sorted(std::begin(events), std::end(events),
                             [](const named_event& a, const named_event& b) {
                               return a.command < b.command;
                             }));

}  // namespace

const key_event* find_key_event(std::string_view command) {
  auto it = std::lower_bound(
      std::begin(events), std::end(events), command,
      [](const named_event& e, std::string_view name) { return e.command < name; });
  return it != std::end(events) && it->command == command ? &it->event : nullptr;
}

key_presence keys_before(exec_context& ctx, const command_spec& cmd, arg_list argv) {
  key_presence p;
  const int flags = ctx.server.config.notify_keyspace_events;
  if (!ctx.channels || !(cmd.flags & cmd_write) || !key_events_wanted(flags, ~0))
    return p;
  const bool wanted = key_events_wanted(flags, ev::new_key) ||
                      (cmd.event && cmd.event->keys != k::by_command &&
                       key_events_wanted(flags, cmd.event->type | ev::generic));
  if (!wanted)
    return p;
  p.active = true;
  p.outbox_mark = ctx.channels->outbox_mark();
  for_each_key_position(cmd, argv.size(), [&](size_t i) {
    p.existed.push_back(ctx.db().find(argv[i], ctx.expiry_now) != nullptr);
  });
  return p;
}

void publish_declared_events(exec_context& ctx, const command_spec& cmd, arg_list argv,
                             const key_presence& before) {
  if (!before.active)
    return;
  const key_event* e = cmd.event;
  std::optional<size_t> new_events_at = before.outbox_mark;
  size_t n = 0;
  for_each_key_position(cmd, argv.size(), [&](size_t i) {
    const bool existed = n < before.existed.size() && before.existed[n];
    const bool first = n++ == 0;
    std::string_view key = argv[i];
    const bool exists = ctx.db().find(key, ctx.expiry_now) != nullptr;
    if (!existed && exists && !(e && e->publishes_new))
      publish_key_event(*ctx.channels, ctx.server.config.notify_keyspace_events, ev::new_key,
                        "new", key, ctx.db_index, new_events_at);
    if (!e || e->keys == k::by_command || (!first && e->keys != k::every_key))
      return;
    if (e->keys != k::existing_key || exists)
      notify(ctx, e->type, e->name, key);
    if (existed && !exists && e->type != ev::generic)
      notify_emptied(ctx, key);
    new_events_at = ctx.channels->outbox_mark();  // the next key's "new" follows these
  });
}

}  // namespace credis
