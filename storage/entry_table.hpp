// The hash table behind a database: open addressing over pointers to entry nodes, each node
// one allocation holding the value, the deadline and the key bytes.
//
// Per key that is one node (32 bytes + the key) plus 8-16 bytes of slot array, against the
// hash-table node, key string and bucket of a std::unordered_map. A slot keeps 16 bits of the
// key's hash above the pointer, so a probe rarely touches a node that is not the one sought.
// Deleted slots become tombstones rather than shifting neighbours back, so entries never move
// between resizes and a SCAN cursor (a slot index) stays meaningful.
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
  // Slots visited by scan(); a cursor is a slot index below this.
  size_t slot_count() const { return slots_.size(); }
  entry_node* node_at(size_t slot) const {
    return is_node(slots_[slot]) ? node_of(slots_[slot]) : nullptr;
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
  }

 private:
  static constexpr uintptr_t empty = 0;
  static constexpr uintptr_t tombstone = 1;
  static constexpr int tag_shift = 48;
  static constexpr uintptr_t pointer_mask = (uintptr_t{1} << tag_shift) - 1;

  static bool is_node(uintptr_t s) { return s > tombstone; }
  static entry_node* node_of(uintptr_t s) { return reinterpret_cast<entry_node*>(s & pointer_mask); }
  static uintptr_t tag_of(size_t hash) { return static_cast<uintptr_t>(hash >> tag_shift); }
  static size_t hash_of(std::string_view key);

  size_t find_slot(std::string_view key, size_t hash) const;  // slot index, or npos
  // Where the probe chain of a node's key starts (the table is not empty).
  size_t home_slot(const entry_node* node) const {
    return hash_of(node->key()) & (slots_.size() - 1);
  }
  entry_node* insert(std::string_view key, size_t hash);      // `key` must be absent
  void rehash(size_t new_slot_count);

  std::vector<uintptr_t> slots_;  // empty, tombstone, or (tag << 48) | node pointer
  size_t size_ = 0;
  size_t tombstones_ = 0;
};

}  // namespace credis
