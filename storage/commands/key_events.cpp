#include "storage/commands/key_events.hpp"

namespace credis {
namespace {

namespace ev = keyspace_events;
using k = key_event;

}  // namespace

key_presence keys_before(exec_context& ctx, const command_spec& cmd, arg_list argv) {
  key_presence p;
  const int flags = ctx.server.config.notify_keyspace_events;
  if (!ctx.channels || !(cmd.flags & cmd_write) || !key_events_wanted(flags, ~0))
    return p;
  const bool wanted = key_events_wanted(flags, ev::new_key) ||
                      (cmd.event.type && cmd.event.keys != k::by_command &&
                       key_events_wanted(flags, cmd.event.type | ev::generic));
  if (!wanted)
    return p;
  p.active = true;
  p.outbox_mark = ctx.channels->outbox_mark();
  for_each_key_position(cmd, argv.size(), [&](size_t i) {
    p.existed.push_back(ctx.db().peek(argv[i], ctx.expiry_now) != nullptr);
  });
  return p;
}

void publish_declared_events(exec_context& ctx, const command_spec& cmd, arg_list argv,
                             const key_presence& before) {
  if (!before.active)
    return;
  const key_event* e = cmd.event.type ? &cmd.event : nullptr;
  std::optional<size_t> new_events_at = before.outbox_mark;
  size_t n = 0;
  for_each_key_position(cmd, argv.size(), [&](size_t i) {
    const bool existed = n < before.existed.size() && before.existed[n];
    const bool first = n++ == 0;
    std::string_view key = argv[i];
    const bool exists = ctx.db().peek(key, ctx.expiry_now) != nullptr;
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
