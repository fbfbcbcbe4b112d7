// The hash table behind a database: open addressing over pointers to entry nodes, each node
// one allocation holding the value, the deadline and the key bytes.
//
// Per key that is one node (32 bytes + the key) plus 8-16 bytes of slot array, against the
// hash-table node, key string and bucket of a std::unordered_map. A slot keeps, above the
// pointer, 8 bits of the key's hash (so a probe rarely touches a node that is not the one
// sought) and how far the node sits from its home slot (so SCAN finds a home's keys without
// hashing them). Deleted slots become tombstones rather than shifting neighbours back: a key
// stays reachable from its home slot through a run of occupied slots.
//
// A key's home is the top bits of its hash, so the table is in hash order: doubling splits home
// h into 2h and 2h + 1, halving merges them. A SCAN cursor is a hash value: every home below
// it has been visited, whatever size the table had then or has now.
#pragma once

#include <cstdint>
#include <string_view>
#include <type_traits>
#include <utility>
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

struct entry_node {
  static constexpr uint32_t not_in_heap = UINT32_MAX;

  entry e;
  uint32_t heap_index = not_in_heap;  // position in the database's deadline heap
  uint32_t key_len = 0;

  std::string_view key() const { return {reinterpret_cast<const char*>(this + 1), key_len}; }
  static entry_node* of(entry* e) { return reinterpret_cast<entry_node*>(e); }
};

static_assert(sizeof(entry_node) == 32);
// entry_node::of relies on the entry being the first member of a standard-layout node.
static_assert(std::is_standard_layout_v<entry_node>);

class entry_table {
 public:
  entry_table() = default;
  entry_table(entry_table&& o) noexcept { swap(o); }
  entry_table& operator=(entry_table&& o) noexcept {
    entry_table(std::move(o)).swap(*this);
    return *this;
  }
  entry_table(const entry_table&) = delete;
  entry_table& operator=(const entry_table&) = delete;
  ~entry_table() { clear(); }

  entry_node* find(std::string_view key) const;
  // The node for `key`, added with an empty string value when absent; the key is hashed once.
  entry_node* find_or_insert(std::string_view key);
  // Removes and frees `node`, which must be in the table.
  void erase(entry_node* node);
  // Starts loading the slot array's line where erase(node) begins its search, so that the
  // cache miss overlaps other work done before the erase.
  void prefetch_slot(const entry_node* node) const {
    if (!slots_.empty())
      __builtin_prefetch(&slots_[home_slot(node)], 1);
  }
  void clear();
  // Makes room for `n` keys without growing again.
  void reserve(size_t n);

  size_t size() const { return size_; }
  // A power of two (or 0): the number of home slots, which SCAN's cursor counts over.
  size_t slot_count() const { return slots_.size(); }
  entry_node* node_at(size_t slot) const {
    return is_node(slots_[slot]) ? node_of(slots_[slot]) : nullptr;
  }

  // How far a hash is shifted right to give its home slot (64 - log2(slot_count())).
  int home_shift() const { return shift_; }

  // Calls f(node) for every node whose home slot is in [from, to): they sit from `from` on,
  // up to the end of the run of occupied slots that reaches `to` (past the table's end, that
  // run wraps to its start).
  template <class F>
  void for_each_at_homes(size_t from, size_t to, F&& f) const {
    const size_t size = slots_.size();
    const size_t mask = size - 1;
    for (size_t i = from;; ++i) {
      uintptr_t s = slots_[i & mask];
      if (s == empty) {
        if (i >= to)
          return;  // there always is one: the load stays under 3/4
        continue;
      }
      if (!is_node(s))
        continue;
      size_t d = s >> distance_shift;
      size_t home = d < max_distance ? ((i & mask) - d) & mask : home_slot(node_of(s));
      // Past the end the walk is on slots it began at when `from` is 0: those were seen.
      bool seen_already = i >= size && (i - size) >= from;
      if (home >= from && home < to && !seen_already)
        f(node_of(s));
    }
  }

  // Iterates (key, entry) in slot order.
  class iterator {
   public:
    iterator(const entry_table* t, size_t slot) : t_(t), slot_(slot) { skip_free(); }
    std::pair<std::string_view, const entry&> operator*() const {
      const entry_node& n = *t_->node_at(slot_);
      return {n.key(), n.e};
    }
    iterator& operator++() {
      ++slot_;
      skip_free();
      return *this;
    }
    bool operator!=(const iterator& o) const { return slot_ != o.slot_; }

   private:
    void skip_free() {
      while (slot_ < t_->slot_count() && !t_->node_at(slot_))
        ++slot_;
    }
    const entry_table* t_;
    size_t slot_;
  };
  iterator begin() const { return iterator(this, 0); }
  iterator end() const { return iterator(this, slot_count()); }

  void swap(entry_table& o) noexcept {
    slots_.swap(o.slots_);
    std::swap(size_, o.size_);
    std::swap(tombstones_, o.tombstones_);
    std::swap(shift_, o.shift_);
  }

 private:
  static constexpr uintptr_t empty = 0;
  static constexpr uintptr_t tombstone = 1;
  // A slot: bits 0-47 the node's address, 48-55 the top 8 bits of its key's hash, 56-63 its
  // distance from its home slot (max_distance: that or more; the key's hash then tells).
  static constexpr int tag_shift = 48;
  static constexpr int distance_shift = 56;
  static constexpr size_t max_distance = 255;
  static constexpr uintptr_t pointer_mask = (uintptr_t{1} << tag_shift) - 1;

  static bool is_node(uintptr_t s) { return s > tombstone; }
  static entry_node* node_of(uintptr_t s) { return reinterpret_cast<entry_node*>(s & pointer_mask); }
  // The low bits: the home already tells the top ones.
  static uintptr_t tag_of(size_t hash) { return static_cast<uintptr_t>(hash & 0xFF); }
  static uintptr_t tag_in(uintptr_t s) { return (s >> tag_shift) & 0xFF; }
  // The slot value for a node with `tag` placed `distance` slots after its home.
  static uintptr_t make_slot(uintptr_t node_bits, uintptr_t tag, size_t distance) {
    return (static_cast<uintptr_t>(distance < max_distance ? distance : max_distance)
            << distance_shift) |
           (tag << tag_shift) | node_bits;
  }
  static size_t hash_of(std::string_view key);

  size_t find_slot(std::string_view key, size_t hash) const;  // slot index, or npos
  // Where the probe chain of a node's key starts (the table is not empty).
  size_t home_slot(const entry_node* node) const { return home_of(hash_of(node->key())); }
  size_t home_of(size_t hash) const { return hash >> shift_; }  // the table is not empty
  entry_node* insert(std::string_view key, size_t hash);      // `key` must be absent
  void rehash(size_t new_slot_count);

  std::vector<uintptr_t> slots_;  // empty, tombstone, or (tag << 48) | node pointer
  size_t size_ = 0;
  size_t tombstones_ = 0;
  int shift_ = 64;  // home_shift()
};

}  // namespace credis
