#include "storage/keyspace_notifications.hpp"

#include <string>

namespace credis {

void publish_key_event(pubsub& channels, int flags, int type, std::string_view event,
                       std::string_view key, int db, std::optional<size_t> before) {
  if (!key_events_wanted(flags, type))
    return;
  // Queued at the end, or at `before` (which then moves past what was queued there).
  auto publish = [&](std::string_view channel, std::string_view message) {
    if (!before) {
      channels.publish(false, channel, message);
      return;
    }
    const size_t queued = channels.outbox_mark();
    channels.publish_before(*before, channel, message);
    *before += channels.outbox_mark() - queued;
  };
  const std::string db_text = std::to_string(db);
  if (flags & keyspace_events::keyspace)
    publish("__keyspace@" + db_text + "__:" + std::string(key), event);
  if (flags & keyspace_events::keyevent)
    publish("__keyevent@" + db_text + "__:" + std::string(event), key);
}

}  // namespace credis
