// Keyspace notifications (Redis's notify.c): a write's event goes out as Pub/Sub messages on
// __keyspace@<db>__:<key> (the message: the event) and __keyevent@<db>__:<event> (the message:
// the key), as notify-keyspace-events asks.
#pragma once

#include <optional>
#include <string_view>

#include "storage/config/keyspace_events.hpp"
#include "storage/pubsub.hpp"

namespace credis {

// `flags` are notify-keyspace-events; `type` is the event's class (keyspace_events::list...).
// `before`: queued ahead of the messages queued since that pubsub::outbox_mark().
void publish_key_event(pubsub& channels, int flags, int type, std::string_view event,
                       std::string_view key, int db, std::optional<size_t> before = {});

// Whether events of `type` go anywhere under `flags`.
inline bool key_events_wanted(int flags, int type) {
  return (flags & type) && (flags & (keyspace_events::keyspace | keyspace_events::keyevent));
}

}  // namespace credis
