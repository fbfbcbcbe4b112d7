// One of the numbered databases (SELECT 0..15): the key -> entry table, and a min-heap of the
// keys that have a deadline, for the active expiry.
#pragma once

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <string_view>
#include <utility>
#include <vector>

#include "storage/access_clock.hpp"
#include "storage/entry_table.hpp"

namespace credis {

// Redis treats a key as expired once the clock is strictly past its deadline.
inline bool is_expired(unix_ms expire_at, unix_ms now) {
  return expire_at != no_expiry && now > expire_at;
}

// Told of every key the database deletes because its deadline passed (on access or by the
// active expiry), so that the deletion can be passed on (as DEL) to whoever copies the data.
class expiry_listener {
 public:
  virtual ~expiry_listener() = default;
  virtual void key_expired(int db, std::string_view key) = 0;
};

class database {
 public:
  // The live entry for `key`; an entry past its deadline reads as missing and is deleted,
  // unless the database keeps expired keys (a replica waits for its master's DEL).
  // Finding a key counts as an access to it (OBJECT IDLETIME, FREQ).
  entry* find(std::string_view key, unix_ms now);
  // Like find, without counting an access (TYPE, EXISTS, TTL, OBJECT, as Redis's NOTOUCH).
  entry* peek(std::string_view key, unix_ms now);
  // The entry whatever its deadline (for loaders, writers and tests).
  entry* find_raw(std::string_view key);

  // Inserts or replaces the value; `expire_at` replaces the deadline (no_expiry removes it).
  // The returned entry stays valid until the key is removed.
  entry& put(std::string_view key, value v, unix_ms expire_at) {
    return put(key, entry_table::hash_of(key), std::move(v), expire_at);
  }
  // The same, for a key whose hash prefetch() returned.
  entry& put(std::string_view key, size_t hash, value v, unix_ms expire_at);
  // Sets or clears the deadline of an entry this database returned. Giving a key its first
  // deadline moves its entry: use the one returned.
  entry& set_expire(entry& e, unix_ms expire_at);
  // Removes an entry this database returned (no second lookup of its key).
  void erase(entry& e);
  bool erase(std::string_view key);
  void clear();
  // Makes room for `n` keys (RDB RESIZEDB) without growing step by step.
  void reserve(size_t n) { table_.reserve(n); }
  // Starts loading what a put of `key` looks at first, so that its cache miss overlaps the
  // work done before it (a loader putting the keys before it). Returns the key's hash, for put.
  size_t prefetch(std::string_view key) const {
    const size_t hash = entry_table::hash_of(key);
    table_.prefetch_home(hash);
    return hash;
  }

  size_t size() const { return table_.size(); }
  size_t expires() const { return heap_.size(); }

  // What keeping the keys costs beyond their bytes and values (MEMORY STATS db.N): the table's
  // slot array and each key's node header, as Redis counts its buckets, dictEntry and robj...
  size_t table_overhead_bytes() const {
    return table_.slot_count() * sizeof(uintptr_t) + table_.size() * sizeof(entry_node);
  }
  // ... and the deadline heap's array and blocks, where Redis counts its expires dictionary.
  size_t expiry_overhead_bytes() const {
    return heap_.capacity() * sizeof(deadline_item) + heap_.size() * sizeof(deadline_block);
  }

  // Every key, expired or not: `for (const auto& [key, e] : db.entries())`.
  const entry_table& entries() const { return table_; }
  // SCAN: calls f(key, entry) for the keys whose hash is at or above `cursor`, home slot by
  // home slot in hash order, until `count` keys were seen (or 10 * count homes were empty);
  // returns the next cursor (the hash where it stopped), 0 once the table has been covered.
  // As in Redis, a key present for a whole iteration is returned however the table resizes in
  // between (the cursor is a hash, not a slot: see entry_table), and the iteration ends.
  template <class F>
  uint64_t scan(uint64_t cursor, size_t count, F&& f) const {
    return table_.scan(cursor, count, [&](const entry_node* n) { f(n->key(), n->e); });
  }

  // The time accesses are stamped with (each batch of commands sets it), and the stamp a new
  // value gets.
  void set_access_time(unix_ms now, bool lfu) {
    access_time_ = now;
    lfu_ = lfu;
    lru_clock_ = fresh_access(now);  // (unused under LFU)
  }
  unix_ms access_time() const { return access_time_; }

  // Who hears of expired keys (null: nobody), and whether find() keeps them.
  void set_expiry_handling(int index, expiry_listener* listener, bool keep_expired) {
    index_ = index;
    listener_ = listener;
    keep_expired_ = keep_expired;
  }

  // Removes keys whose deadline has passed, earliest first, at most `budget` of them.
  // Returns how many were removed.
  size_t expire_due(unix_ms now, size_t budget);
  // The earliest deadline, or no_expiry.
  unix_ms next_deadline() const { return heap_.empty() ? no_expiry : heap_.front().at; }
  // Deadlines set in any database, on any thread, so far: while it stays put, no database's
  // next deadline came earlier (the keyspace actor then skips its scan of the 16 after a batch).
  static uint64_t deadlines_set() { return deadlines_set_.load(std::memory_order_relaxed); }
  // Mean remaining TTL of keys with a deadline, for INFO's avg_ttl.
  int64_t avg_ttl(unix_ms now) const;

 private:
  // The heap holds each deadline beside its node so that ordering never touches the nodes;
  // each node knows its heap position, so a rewrite or delete fixes the heap in O(log n) and no
  // stale deadline is ever left behind.
  struct deadline_item {
    unix_ms at;
    entry_node* node;
  };

  // The node, moved when it needed a deadline_block.
  entry_node* set_deadline(entry_node* node, unix_ms at);
  void erase_node(entry_node* node);
  void heap_place(size_t i, deadline_item item);
  void heap_sift_up(size_t i);
  void heap_sift_down(size_t i);
  void heap_fix(size_t i);  // after the deadline at `i` changed
  void heap_remove(entry_node* node);

  void erase_expired(entry_node* node);

  entry_table table_;
  std::vector<deadline_item> heap_;
  inline static std::atomic<uint64_t> deadlines_set_{0};
  int index_ = 0;
  unix_ms access_time_ = 0;
  bool lfu_ = false;
  uint32_t lru_clock_ = 0;
  expiry_listener* listener_ = nullptr;
  bool keep_expired_ = false;
};

}  // namespace credis
