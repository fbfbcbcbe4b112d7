#include "storage/keyspace_notifications.hpp"

#include <string>

namespace credis {

void publish_key_event(pubsub& channels, int flags, int type, std::string_view event,
                       std::string_view key, int db) {
  if (!key_events_wanted(flags, type))
    return;
  std::string channel;
  if (flags & keyspace_events::keyspace) {
    channel.append("__keyspace@").append(std::to_string(db)).append("__:").append(key);
    channels.publish(false, channel, event);
  }
  if (flags & keyspace_events::keyevent) {
    channel.assign("__keyevent@").append(std::to_string(db)).append("__:").append(event);
    channels.publish(false, channel, key);
  }
}

}  // namespace credis
