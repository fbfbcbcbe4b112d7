#include "storage/watched_keys.hpp"

#include <algorithm>

namespace credis {

namespace {

bool present(keyspace& ks, int db, std::string_view key) {
  return ks.db(db).find_raw(key) != nullptr;
}

// Redis's keyIsExpired: in the table, with a deadline that has passed.
bool stale(keyspace& ks, int db, std::string_view key, unix_ms now) {
  const entry* e = ks.db(db).find_raw(key);
  return e && is_expired(e->expire_at(), now);
}

}  // namespace

void watched_keys::watch(int64_t client, int db, std::string_view key, keyspace& ks,
                         unix_ms now) {
  client_watches& c = clients_[client];
  if (c.dirty)
    return;  // its EXEC fails anyway
  for (const auto& w : c.keys)
    if (w.db == db && w.key == key)
      return;
  c.keys.push_back({db, std::string(key), stale(ks, db, key, now)});
  auto it = by_key_.find(key);
  if (it == by_key_.end())
    it = by_key_.emplace(std::string(key), std::vector<int64_t>{}).first;
  if (std::find(it->second.begin(), it->second.end(), client) == it->second.end())
    it->second.push_back(client);
}

void watched_keys::forget_keys(int64_t client, client_watches& c) {
  for (const auto& w : c.keys) {
    auto k = by_key_.find(w.key);
    if (k == by_key_.end())
      continue;
    std::erase(k->second, client);
    if (k->second.empty())
      by_key_.erase(k);
  }
  c.keys.clear();
}

void watched_keys::unwatch(int64_t client) {
  auto it = clients_.find(client);
  if (it == clients_.end())
    return;
  forget_keys(client, it->second);
  clients_.erase(it);
}

void watched_keys::mark_dirty(int64_t client) {
  // Its keys need no more watching (Redis unwatches a dirty client at once too), but the
  // client stays, dirty, until EXEC, DISCARD or UNWATCH.
  auto& c = clients_[client];
  c.dirty = true;
  forget_keys(client, c);
}

void watched_keys::touched(int db, std::string_view key, keyspace& ks) {
  if (by_key_.empty())
    return;
  if (auto k = by_key_.find(key); k != by_key_.end())
    touch(k->second, db, key, present(ks, db, key));
}

void watched_keys::expired(int db, std::string_view key) {
  if (by_key_.empty())
    return;
  if (auto k = by_key_.find(key); k != by_key_.end())
    touch(k->second, db, key, false);
}

void watched_keys::touch(const std::vector<int64_t>& watchers, int db, std::string_view key,
                         bool present_now) {
  std::vector<int64_t> to_mark;
  for (int64_t client : watchers) {
    for (auto& w : clients_.at(client).keys) {
      if (w.db != db || w.key != key)
        continue;
      if (w.expired) {
        // A stale key deleted is no logical change (it was gone already); one written over
        // while still in the table is not counted either, as Redis does.
        if (!present_now)
          w.expired = false;
        continue;
      }
      to_mark.push_back(client);
    }
  }
  for (int64_t client : to_mark)  // after the loop: marking edits `watchers`
    mark_dirty(client);
}

void watched_keys::db_replaced(int emptied, int replaced_with, keyspace& ks, unix_ms now) {
  std::vector<int64_t> to_mark;
  for (auto& [client, c] : clients_) {
    for (auto& w : c.keys) {
      if (w.db != emptied)
        continue;
      const bool in_emptied = present(ks, emptied, w.key);
      const bool in_replacement = replaced_with >= 0 && present(ks, replaced_with, w.key);
      if (!in_emptied && !in_replacement)
        continue;
      if (w.expired) {
        if (!in_replacement) {
          w.expired = false;  // the stale key is deleted: no change
          continue;
        }
        if (stale(ks, replaced_with, w.key, now))
          continue;  // one stale key for another
      } else if (!in_emptied && stale(ks, replaced_with, w.key, now)) {
        w.expired = true;  // nothing, replaced with a stale key
        continue;
      }
      to_mark.push_back(client);
      break;
    }
  }
  for (int64_t client : to_mark)
    mark_dirty(client);
}

void watched_keys::touch_all() {
  std::vector<int64_t> all;
  for (const auto& [client, c] : clients_)
    all.push_back(client);
  for (int64_t client : all)
    mark_dirty(client);
}

bool watched_keys::changed(int64_t client, keyspace& ks, unix_ms now) const {
  auto it = clients_.find(client);
  if (it == clients_.end())
    return false;
  if (it->second.dirty)
    return true;
  for (const auto& w : it->second.keys) {
    if (w.expired)
      continue;
    // Expired since WATCH but still in the table (Redis's isWatchedKeyExpired).
    if (stale(ks, w.db, w.key, now))
      return true;
  }
  return false;
}

}  // namespace credis
