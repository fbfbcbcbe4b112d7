#include "storage/blocked_clients.hpp"

#include <algorithm>

namespace credis {

void blocked_clients::block(int64_t client, int db, const std::vector<std::string>& keys,
                            bool timed) {
  wait& w = waits_[client];
  w.db = db;
  w.timed = timed;
  for (const std::string& key : keys) {
    if (std::find(w.keys.begin(), w.keys.end(), key) != w.keys.end())
      continue;  // BLPOP k k: one place in the queue
    w.keys.push_back(key);
    auto& queue = queues_[db_key{db, key}];
    if (queue.empty())
      ++names_[key];
    queue.push_back(client);
  }
}

size_t blocked_clients::with_timeout() const {
  return static_cast<size_t>(
      std::count_if(waits_.begin(), waits_.end(), [](const auto& w) { return w.second.timed; }) +
      std::count_if(elsewhere_.begin(), elsewhere_.end(), [](const auto& w) { return w.second; }));
}

bool blocked_clients::unblock(int64_t client) {
  auto it = waits_.find(client);
  if (it == waits_.end())
    return false;
  for (const std::string& key : it->second.keys) {
    auto q = queues_.find(db_key{it->second.db, key});
    if (q == queues_.end())
      continue;
    std::erase(q->second, client);
    if (q->second.empty()) {
      queues_.erase(q);
      auto n = names_.find(key);
      if (--n->second == 0)
        names_.erase(n);
    }
  }
  waits_.erase(it);
  return true;
}

void blocked_clients::touched(std::string_view key) {
  if (names_.empty() || !names_.contains(key))
    return;
  // Every database where someone waits for this name: MOVE and COPY .. DB write into another
  // database than their client's, and a look too many only costs a retry.
  for (const auto& [k, queue] : queues_) {
    if (k.key != key || std::find(ready_.begin(), ready_.end(), k) != ready_.end())
      continue;
    ready_.push_back(k);
  }
}

void blocked_clients::touched_db(int db) {
  for (const auto& [k, queue] : queues_)
    if (k.db == db && std::find(ready_.begin(), ready_.end(), k) == ready_.end())
      ready_.push_back(k);
}

std::vector<std::pair<int, std::string>> blocked_clients::take_ready() {
  std::vector<std::pair<int, std::string>> out;
  out.reserve(ready_.size());
  for (db_key& k : ready_)
    out.emplace_back(k.db, std::move(k.key));
  ready_.clear();
  return out;
}

std::vector<int64_t> blocked_clients::waiting_for(int db, std::string_view key) const {
  auto it = queues_.find(db_key{db, std::string(key)});
  if (it == queues_.end())
    return {};
  return {it->second.begin(), it->second.end()};
}

}  // namespace credis
