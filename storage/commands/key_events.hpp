// The keyspace events of writes (Redis's notifyKeyspaceEvent calls). Each write command declares
// its event in its table entry (key_event, with_event); run_command publishes it when the
// command changed data, with the "new" event for a key it created and "del" for one it
// emptied. Commands whose events depend on what they did (which of several keys, which end, an
// expiry in the past) publish them themselves with notify().
#pragma once

#include <string_view>
#include <vector>

#include "storage/commands/command.hpp"
#include "storage/keyspace_notifications.hpp"

namespace credis {

// Which of a write's keys existed before it ran ("new" and "del" need it); inactive when no
// one listens to what the command would send.
struct key_presence {
  bool active = false;
  std::vector<bool> existed;  // by key position, in order
  size_t outbox_mark = 0;     // where "new" events go: before the command's own
};
key_presence keys_before(exec_context& ctx, const command_spec& cmd, arg_list argv);
// After a write changed data: "new" for each key it created, its declared event, and "del" for
// a key a data-type command emptied.
void publish_declared_events(exec_context& ctx, const command_spec& cmd, arg_list argv,
                             const key_presence& before);

// Publishes `event` for `key` of database `db`.
inline void notify_in(exec_context& ctx, int db, int type, std::string_view event,
                      std::string_view key) {
  if (ctx.channels && key_events_wanted(ctx.server.config.notify_keyspace_events, type))
    publish_key_event(*ctx.channels, ctx.server.config.notify_keyspace_events, type, event, key,
                      db);
}
// ... of the command's database.
inline void notify(exec_context& ctx, int type, std::string_view event, std::string_view key) {
  notify_in(ctx, ctx.db_index, type, event, key);
}

// The generic "del" for a key the command emptied, after its own event.
inline void notify_emptied(exec_context& ctx, std::string_view key) {
  notify(ctx, keyspace_events::generic, "del", key);
}

}  // namespace credis
