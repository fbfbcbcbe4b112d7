#include "storage/pubsub.hpp"

#include <algorithm>

#include "protocol/reply.hpp"
#include "storage/glob.hpp"

namespace credis {

namespace {

size_t index_of(subscription_kind kind) { return static_cast<size_t>(kind); }

// "*3 message <channel> <message>", or with the pattern that matched before the channel: in
// RESP2, whoever publishes; a RESP3 subscriber's connection makes it a push (as_push()).
void append_message(std::string& out, std::string_view kind, const std::string* pattern,
                    std::string_view channel, std::string_view message) {
  reply::array_header(out, pattern ? 4 : 3);
  reply::bulk(out, kind);
  if (pattern)
    reply::bulk(out, *pattern);
  reply::bulk(out, channel);
  reply::bulk(out, message);
}

}  // namespace

pubsub::name_map& pubsub::names_of(subscription_kind kind) {
  return kind == subscription_kind::shard ? shard_channels_ : channels_;
}

const pubsub::name_map& pubsub::names_of(subscription_kind kind) const {
  return kind == subscription_kind::shard ? shard_channels_ : channels_;
}

void pubsub::subscribe(subscription_kind kind, int64_t client, std::string_view name) {
  auto& mine = clients_[client].of[index_of(kind)];
  if (mine.find(name) != mine.end())
    return;
  mine.emplace(name);
  auto add_to = [&](auto& map) {
    auto it = map.find(name);
    if (it == map.end())
      it = map.emplace(std::string(name), client_list{}).first;
    it->second.push_back(client);
  };
  if (kind == subscription_kind::pattern)
    add_to(patterns_);
  else
    add_to(names_of(kind));
}

void pubsub::unsubscribe(subscription_kind kind, int64_t client, std::string_view name) {
  auto c = clients_.find(client);
  if (c == clients_.end())
    return;
  auto& mine = c->second.of[index_of(kind)];
  auto at = mine.find(name);
  if (at == mine.end())
    return;
  auto drop_from = [&](auto& map) {
    auto it = map.find(name);
    if (it == map.end())
      return;
    std::erase(it->second, client);
    if (it->second.empty())
      map.erase(it);
  };
  if (kind == subscription_kind::pattern)
    drop_from(patterns_);
  else
    drop_from(names_of(kind));
  mine.erase(at);  // last: `name` may be this very string
  const auto& of = c->second.of;
  if (of[0].empty() && of[1].empty() && of[2].empty())
    clients_.erase(c);
}

void pubsub::unsubscribe_all(subscription_kind kind, int64_t client) {
  auto c = clients_.find(client);
  if (c == clients_.end())
    return;
  const auto& mine = c->second.of[index_of(kind)];
  std::vector<std::string> names(mine.begin(), mine.end());
  for (const auto& name : names)
    unsubscribe(kind, client, name);
}

void pubsub::remove_client(int64_t client) {
  for (auto kind : {subscription_kind::channel, subscription_kind::pattern,
                    subscription_kind::shard})
    unsubscribe_all(kind, client);
}

size_t pubsub::publish(bool shard, std::string_view channel, std::string_view message) {
  size_t receivers = 0;
  const auto& names = shard ? shard_channels_ : channels_;
  if (auto it = names.find(channel); it != names.end()) {
    pubsub_delivery d;
    append_message(d.bytes, shard ? "smessage" : "message", nullptr, channel, message);
    d.clients = it->second;
    receivers += d.clients.size();
    outbox_.push_back(std::move(d));
  }
  if (shard)
    return receivers;  // shard channels have no patterns
  for (const auto& [pattern, clients] : patterns_) {
    if (!glob_match(pattern, channel))
      continue;
    pubsub_delivery d;
    append_message(d.bytes, "pmessage", &pattern, channel, message);
    d.clients = clients;
    receivers += d.clients.size();
    outbox_.push_back(std::move(d));
  }
  return receivers;
}

size_t pubsub::publish_before(size_t mark, std::string_view channel, std::string_view message) {
  const size_t queued = outbox_.size();
  const size_t receivers = publish(false, channel, message);
  std::rotate(outbox_.begin() + static_cast<std::ptrdiff_t>(std::min(mark, queued)),
              outbox_.begin() + static_cast<std::ptrdiff_t>(queued), outbox_.end());
  return receivers;
}

std::vector<std::string> pubsub::channels(bool shard, std::string_view pattern) const {
  std::vector<std::string> out;
  for (const auto& [name, clients] : shard ? shard_channels_ : channels_)
    if (pattern.empty() || glob_match(pattern, name))
      out.push_back(name);
  return out;
}

size_t pubsub::subscriber_count(bool shard, std::string_view channel) const {
  const auto& names = shard ? shard_channels_ : channels_;
  auto it = names.find(channel);
  return it == names.end() ? 0 : it->second.size();
}

void append_subscription_reply(std::string& out, std::string_view kind, std::string_view name,
                               int64_t count) {
  reply::push_header(out, 3);
  reply::bulk(out, kind);
  reply::bulk(out, name);
  reply::integer(out, count);
}

void append_empty_unsubscribe_reply(std::string& out, std::string_view kind, int64_t count) {
  reply::push_header(out, 3);
  reply::bulk(out, kind);
  reply::null_bulk(out);
  reply::integer(out, count);
}

}  // namespace credis
