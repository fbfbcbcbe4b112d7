// One of the numbered databases (SELECT 0..15): the key -> value map, each key's deadline, and
// a deadline-ordered index for the active expiry.
#pragma once

#include <cstdint>
#include <functional>
#include <queue>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "storage/value.hpp"

namespace credis {

// Milliseconds since the Unix epoch; 0 means "no deadline".
using unix_ms = int64_t;
constexpr unix_ms no_expiry = 0;

struct entry {
  value val;
  unix_ms expire_at = no_expiry;
};

struct string_hash {
  using is_transparent = void;
  size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
};

// Redis treats a key as expired once the clock is strictly past its deadline.
inline bool is_expired(unix_ms expire_at, unix_ms now) {
  return expire_at != no_expiry && now > expire_at;
}

class database {
 public:
  using map_type = std::unordered_map<std::string, entry, string_hash, std::equal_to<>>;

  // The live entry for `key`; an entry past its deadline is deleted and reads as missing.
  entry* find(std::string_view key, unix_ms now);
  // The entry whatever its deadline (for loaders, writers and tests).
  entry* find_raw(std::string_view key);

  // Inserts or replaces the value; `expire_at` replaces the deadline (no_expiry removes it).
  entry& put(std::string_view key, value v, unix_ms expire_at);
  // Sets or clears the deadline of an existing key; returns false when the key is absent.
  bool set_expire(std::string_view key, unix_ms expire_at);
  bool erase(std::string_view key);
  void clear();

  size_t size() const { return map_.size(); }
  // Makes room for `n` keys in all (RDB loading knows the count from RESIZEDB).
  void reserve(size_t n) { map_.reserve(n); }
  size_t expires() const { return expires_; }
  const map_type& entries() const { return map_; }

  // Removes keys whose deadline has passed, in deadline order, at most `budget` of them.
  // Returns how many were removed.
  size_t expire_due(unix_ms now, size_t budget);
  // The earliest deadline that may still be pending, or no_expiry.
  unix_ms next_deadline() const;
  // Sum of the remaining TTLs of keys with a deadline, for INFO's avg_ttl.
  int64_t avg_ttl(unix_ms now) const;

 private:
  struct deadline_item {
    unix_ms at;
    std::string key;
    bool operator>(const deadline_item& o) const { return at > o.at; }
  };

  void track_deadline(std::string_view key, unix_ms old_at, unix_ms new_at);
  void erase_it(map_type::iterator it);
  void rebuild_deadlines();

  map_type map_;
  size_t expires_ = 0;
  // Min-heap of deadlines. An item is stale when the key was deleted, overwritten or got another
  // deadline since; stale items are skipped when they surface, so a rewrite never needs a search.
  std::priority_queue<deadline_item, std::vector<deadline_item>, std::greater<>> deadlines_;
};

}  // namespace credis
