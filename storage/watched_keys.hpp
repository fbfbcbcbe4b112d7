// The keys clients WATCH before a transaction, and whether each client's EXEC must fail (a
// key it watches was changed by anyone, or expired, since it watched it), as Redis's multi.c.
// The keyspace actor keeps one; writes report the keys they changed here.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "storage/string_hash.hpp"
#include "storage/keyspace.hpp"

namespace credis {

class watched_keys {
 public:
  // WATCH: `client` watches `key` of database `db` from now on.
  void watch(int64_t client, int db, std::string_view key, keyspace& ks, unix_ms now);
  // UNWATCH, EXEC, DISCARD or the client gone: it watches nothing, and is clean again.
  void unwatch(int64_t client);
  bool empty() const { return clients_.empty(); }

  // A write changed `key` of `db` (ks holds the result).
  void touched(int db, std::string_view key, keyspace& ks);
  // `key` of `db` was deleted because it expired (on access or by the active expiry).
  void expired(int db, std::string_view key);
  // FLUSHDB, FLUSHALL and SWAPDB, before they act: database `emptied` loses its keys and gets
  // those of `replaced_with` (-1: none).
  void db_replaced(int emptied, int replaced_with, keyspace& ks, unix_ms now);
  // The whole dataset was replaced (a full sync from a master).
  void touch_all();

  // EXEC's check: whether `client`'s transaction must not run.
  bool changed(int64_t client, keyspace& ks, unix_ms now) const;

 private:
  struct watch_item {
    int db;
    std::string key;
    // Already expired when watched (Redis's wk->expired): its deletion is no change.
    bool expired;
  };
  struct client_watches {
    bool dirty = false;
    std::vector<watch_item> keys;
  };

  void mark_dirty(int64_t client);
  void forget_keys(int64_t client, client_watches& c);
  // Redis's touchWatchedKey for the clients watching `key`'s name; `present`: whether the key
  // is in the table after the change.
  void touch(const std::vector<int64_t>& watchers, int db, std::string_view key, bool present);

  std::unordered_map<int64_t, client_watches> clients_;
  // Key name -> the clients watching that name in some database: touched() looks here first.
  std::unordered_map<std::string, std::vector<int64_t>, string_hash, std::equal_to<>> by_key_;
};

}  // namespace credis
