// The hash table behind a database: a slot_table (open addressing, hash-ordered homes, SCAN
// cursors that survive resizes) over entry nodes, each one allocation holding the value and the
// key bytes, and a deadline when the key has or had one: per key one node (16 bytes + the key,
// 16 more with a deadline) plus 10-20 bytes of slot array, against the hash-table node, key
// string and bucket of a std::unordered_map.
#pragma once

#include <cstdint>
#include <cstring>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "storage/slot_table.hpp"
#include "storage/value.hpp"

namespace credis {

// Milliseconds since the Unix epoch; 0 means "no deadline".
using unix_ms = int64_t;
constexpr unix_ms no_expiry = 0;

// What sits in front of the node of a key that has (or had) a deadline: most keys have none,
// and pay nothing for it.
struct deadline_block {
  static constexpr uint32_t not_in_heap = UINT32_MAX;

  unix_ms at = no_expiry;
  uint32_t heap_index = not_in_heap;  // position in the database's deadline heap
  uint32_t unused = 0;
};

// A key's value, first in its node; the value's holder word and flag are the node's (its key
// length and whether a deadline_block precedes it).
struct entry {
  value val;

  unix_ms expire_at() const {
    return val.holder_flag() ? reinterpret_cast<const deadline_block*>(this)[-1].at : no_expiry;
  }
};

// One allocation: [deadline_block, when the value's holder flag says so] entry [u32 key length,
// for keys of long_key bytes or more] key bytes.
struct entry_node {
  static constexpr uint16_t long_key = UINT16_MAX;

  entry e;

  std::string_view key() const {
    const auto* tail = reinterpret_cast<const char*>(this + 1);
    const uint16_t len = e.val.holder_word();
    if (len != long_key)
      return {tail, len};
    uint32_t long_len;
    std::memcpy(&long_len, tail, sizeof(long_len));
    return {tail + sizeof(long_len), long_len};
  }
  bool has_deadline_block() const { return e.val.holder_flag(); }
  // Only when has_deadline_block().
  deadline_block& deadline() { return reinterpret_cast<deadline_block*>(this)[-1]; }
  // Where the node's allocation begins.
  void* allocation() {
    return has_deadline_block() ? static_cast<void*>(&deadline()) : static_cast<void*>(this);
  }
  static entry_node* of(entry* e) { return reinterpret_cast<entry_node*>(e); }
};

static_assert(sizeof(entry_node) == 16 && sizeof(deadline_block) == 16);
// entry_node::of relies on the entry being the first member of a standard-layout node.
static_assert(std::is_standard_layout_v<entry_node>);

// The database's keys: a slot_table of entry nodes, each one allocation holding the value, the
// deadline and the key bytes.
class entry_table {
  struct key_of {
    static std::string_view key(const entry_node* n) { return n->key(); }
  };
  using index = slot_table<entry_node, key_of>;

 public:
  entry_table() = default;
  entry_table(entry_table&& o) noexcept = default;
  entry_table& operator=(entry_table&& o) noexcept {
    entry_table(std::move(o)).swap(*this);
    return *this;
  }
  entry_table(const entry_table&) = delete;
  entry_table& operator=(const entry_table&) = delete;
  ~entry_table() { clear(); }

  entry_node* find(std::string_view key) const { return index_.find(key); }
  // The node for `key` (of hash `hash`, see hash_of), added with an empty string value when
  // absent; with a deadline_block (no deadline in it yet) when `with_deadline`.
  entry_node* find_or_insert(std::string_view key, size_t hash, bool with_deadline);
  // `node` (in the table) moved into an allocation with a deadline_block in front; the old
  // node is freed.
  entry_node* add_deadline_block(entry_node* node);
  static size_t hash_of(std::string_view key) { return index::hash_of(key); }
  // Removes and frees `node`, which must be in the table.
  void erase(entry_node* node);
  // Starts loading the slot array's line where erase(node) begins its search.
  void prefetch_slot(const entry_node* node) const { index_.prefetch_slot(node); }
  // Starts loading the slot array's line where find_or_insert(key, hash) begins.
  void prefetch_home(size_t hash) const { index_.prefetch_home(hash); }
  void clear();
  // Makes room for `n` keys without growing again.
  void reserve(size_t n) { index_.reserve(n); }

  size_t size() const { return index_.size(); }
  // A power of two (or 0): the number of home slots, which SCAN's cursor counts over.
  size_t slot_count() const { return index_.slot_count(); }
  entry_node* node_at(size_t slot) const { return index_.node_at(slot); }
  // SCAN over the nodes: see slot_table::scan.
  template <class F>
  uint64_t scan(uint64_t cursor, size_t count, F&& f) const {
    return index_.scan(cursor, count, std::forward<F>(f));
  }

  // Iterates (key, entry) in slot order.
  class iterator {
   public:
    explicit iterator(index::iterator it) : it_(it) {}
    std::pair<std::string_view, const entry&> operator*() const {
      const entry_node& n = **it_;
      return {n.key(), n.e};
    }
    iterator& operator++() {
      ++it_;
      return *this;
    }
    bool operator!=(const iterator& o) const { return !(it_ == o.it_); }

   private:
    index::iterator it_;
  };
  iterator begin() const { return iterator(index_.begin()); }
  iterator end() const { return iterator(index_.end()); }

  void swap(entry_table& o) noexcept { index_.swap(o.index_); }

 private:
  // add_deadline_block for the node at `slot`.
  entry_node* move_to_deadline_block(entry_node* node, size_t slot);

  index index_;
};

}  // namespace credis
