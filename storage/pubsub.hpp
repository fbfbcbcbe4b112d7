// Pub/Sub routing (Redis's pubsub.c): which clients listen to which channels, patterns and
// shard channels, and the messages PUBLISH leaves for them. A message goes out as one byte
// string shared by every subscriber it reaches (the keyspace actor sends it to their
// connections); only pattern subscribers get a text of their own per pattern.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

#include "storage/string_hash.hpp"

namespace credis {

enum class subscription_kind { channel, pattern, shard };

// A message to send to some clients: the RESP bytes and who gets them.
struct pubsub_delivery {
  std::string bytes;
  std::vector<int64_t> clients;
};

class pubsub {
 public:
  void subscribe(subscription_kind kind, int64_t client, std::string_view name);
  void unsubscribe(subscription_kind kind, int64_t client, std::string_view name);
  // Every subscription of `kind` the client has (UNSUBSCRIBE without arguments).
  void unsubscribe_all(subscription_kind kind, int64_t client);
  // The client is gone.
  void remove_client(int64_t client);
  bool has_subscriptions(int64_t client) const { return clients_.contains(client); }
  bool empty() const { return clients_.empty(); }
  // How many subscriptions of `kind` the client has (CLIENT LIST's sub, psub, ssub).
  size_t subscription_count(int64_t client, subscription_kind kind) const {
    auto it = clients_.find(client);
    return it == clients_.end() ? 0 : it->second.of[static_cast<int>(kind)].size();
  }

  // PUBLISH / SPUBLISH: queues the message for its receivers; returns how many get it.
  size_t publish(bool shard, std::string_view channel, std::string_view message);
  // Where the next message will be queued; publish_before() queues one ahead of those
  // queued since (a key's "new" event goes before the events of the command that made it).
  size_t outbox_mark() const { return outbox_.size(); }
  size_t publish_before(size_t mark, std::string_view channel, std::string_view message);
  // What PUBLISH queued since the last call.
  std::vector<pubsub_delivery> take_deliveries() { return std::exchange(outbox_, {}); }
  bool has_deliveries() const { return !outbox_.empty(); }

  // PUBSUB CHANNELS / SHARDCHANNELS: the channels with a subscriber, matching `pattern` if
  // not empty.
  std::vector<std::string> channels(bool shard, std::string_view pattern) const;
  // PUBSUB NUMSUB / SHARDNUMSUB.
  size_t subscriber_count(bool shard, std::string_view channel) const;
  // How many channels (or shard channels) have a subscriber (INFO's pubsub_channels).
  size_t channel_count(bool shard) const { return (shard ? shard_channels_ : channels_).size(); }
  // PUBSUB NUMPAT: distinct patterns with a subscriber.
  size_t pattern_count() const { return patterns_.size(); }

 private:
  using client_list = std::vector<int64_t>;  // in order of subscription
  using name_map = std::unordered_map<std::string, client_list, string_hash, std::equal_to<>>;

  name_map& names_of(subscription_kind kind);
  const name_map& names_of(subscription_kind kind) const;

  name_map channels_, shard_channels_;
  // Ordered, so that a message reaches pattern subscribers in a stable order.
  std::map<std::string, client_list, std::less<>> patterns_;
  struct client_subscriptions {
    string_set of[3];  // by subscription_kind
  };
  std::unordered_map<int64_t, client_subscriptions> clients_;
  std::vector<pubsub_delivery> outbox_;
};

// Redis's RESP2 Pub/Sub frames: "*3 subscribe <name> <count>" and the like, and messages.
void append_subscription_reply(std::string& out, std::string_view kind, std::string_view name,
                               int64_t count);
// The reply when there was nothing to unsubscribe from: the name is a null bulk; `count` is
// what the client is still subscribed to (of the other kinds).
void append_empty_unsubscribe_reply(std::string& out, std::string_view kind, int64_t count);

}  // namespace credis
