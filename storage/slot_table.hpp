// The hash index behind the keyspace and the big sets, hashes and sorted sets: open addressing
// over pointers to nodes its owner allocates and frees, each node holding its own key bytes.
//
// A slot keeps, above the pointer, 8 bits of the key's hash (so a probe rarely touches a node
// that is not the one sought) and how far the node sits from its home slot (so SCAN finds a
// home's nodes without hashing their keys). Deleted slots become tombstones rather than
// shifting neighbours back: a key stays reachable from its home slot through a run of occupied
// slots.
//
// A key's home is the top bits of its hash, so the table is in hash order: doubling splits home
// h into 2h and 2h + 1, halving merges them. A SCAN cursor is a hash value: every home below
// it has been visited, whatever size the table had then or has now.
//
// KeyOf::key(const Node*) gives a node's key.
#pragma once

#include <algorithm>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <iterator>
#include <new>
#include <stdexcept>
#include <string_view>
#include <utility>
#include <vector>

#include "storage/big_array.hpp"
#include "storage/keyed_hash.hpp"

namespace credis {

template <class Node, class KeyOf>
class slot_table {
 public:
  static constexpr size_t npos = static_cast<size_t>(-1);

  slot_table() = default;
  slot_table(slot_table&& o) noexcept { swap(o); }
  slot_table& operator=(slot_table&& o) noexcept {
    slot_table(std::move(o)).swap(*this);
    return *this;
  }
  slot_table(const slot_table&) = delete;
  slot_table& operator=(const slot_table&) = delete;

  static size_t hash_of(std::string_view key) { return keyed_hash(key); }

  // The slot holding the node of `key` (whose hash is `hash`), or npos.
  size_t find_slot(std::string_view key, size_t hash) const {
    if (slots_.empty())
      return npos;
    const size_t mask = slots_.size() - 1;
    const uintptr_t tag = tag_of(hash);
    for (size_t i = home_of(hash);; i = (i + 1) & mask) {
      const uintptr_t s = slots_[i];
      if (s == empty)
        return npos;
      if (is_node(s) && tag_in(s) == tag && KeyOf::key(node_of(s)) == key)
        return i;
    }
  }
  Node* find(std::string_view key) const {
    const size_t i = find_slot(key, hash_of(key));
    return i == npos ? nullptr : node_of(slots_[i]);
  }

  // Adds `node`, whose key (of hash `hash`) is not in the table.
  void insert(Node* node, size_t hash) {
    const uintptr_t bits = checked_bits(node);
    if (slots_.empty() || over_load(size_ + tombstones_ + 1, slots_.size()))
      rehash(slots_for(size_ + 1));
    const size_t mask = slots_.size() - 1;
    const size_t home = home_of(hash);
    size_t i = home;
    while (is_node(slots_[i]))
      i = (i + 1) & mask;
    if (slots_[i] == tombstone)
      --tombstones_;
    slots_[i] = make_slot(bits, tag_of(hash), (i - home) & mask);
    ++size_;
  }

  // Puts `node` (a new allocation of the same key) where the node at `slot` was.
  void replace_at(size_t slot, Node* node) {
    slots_[slot] = (slots_[slot] & ~pointer_mask) | checked_bits(node);
  }

  // Takes the node at `slot` out of the table (its owner frees it); the table shrinks once
  // most of it is free, as Redis shrinks a dict below 10% fill.
  void erase_at(size_t slot) noexcept {
    const size_t mask = slots_.size() - 1;
    // A slot followed by an empty one ends every probe chain through it: it can be emptied.
    if (slots_[(slot + 1) & mask] == empty) {
      slots_[slot] = empty;
    } else {
      slots_[slot] = tombstone;
      ++tombstones_;
    }
    --size_;
    if (slots_.size() > min_slots && size_ * 16 < slots_.size()) {
      try {
        rehash(slots_for(size_));
      } catch (const std::bad_alloc&) {
        // Shrinking is optional: the erase has happened, the table stays as large as it was.
      }
    }
  }
  // Takes `node`, which is in the table, out: found by following its key's probe chain to the
  // slot holding this very pointer (no key comparisons).
  void erase(const Node* node) noexcept { erase_at(slot_of(node)); }
  size_t slot_of(const Node* node) const {
    const size_t mask = slots_.size() - 1;
    size_t i = home_slot(node);
    while (node_of(slots_[i]) != node)
      i = (i + 1) & mask;
    return i;
  }

  // Starts loading the slot array's line where a search for the key of hash `hash` begins.
  void prefetch_home(size_t hash) const {
    if (!slots_.empty())
      __builtin_prefetch(&slots_[home_of(hash)], 1);
  }
  // Starts loading the slot array's line where erase(node) begins its search, so that the
  // cache miss overlaps other work done before the erase.
  void prefetch_slot(const Node* node) const { prefetch_home(hash_of(KeyOf::key(node))); }

  // Forgets every node (the owner frees them first, e.g. by iterating).
  void clear() {
    slot_array().swap(slots_);
    size_ = 0;
    tombstones_ = 0;
    shift_ = 64;
  }
  // Makes room for `n` keys without growing again.
  void reserve(size_t n) {
    const size_t wanted = slots_for(n);
    if (wanted > slots_.size())
      rehash(wanted);
  }

  size_t size() const { return size_; }
  // A power of two (or 0): the number of home slots, which SCAN's cursor counts over.
  size_t slot_count() const { return slots_.size(); }
  Node* node_at(size_t slot) const { return is_node(slots_[slot]) ? node_of(slots_[slot]) : nullptr; }
  // How far a hash is shifted right to give its home slot (64 - log2(slot_count())).
  int home_shift() const { return shift_; }

  // SCAN: calls f(node) for the nodes whose key's hash is at or above `cursor`, home slot by
  // home slot in hash order, until `count` nodes were seen (or 10 * count homes were empty);
  // returns the next cursor (the hash where it stopped), 0 once the table has been covered.
  // As in Redis, a key present for a whole iteration is returned however the table resizes in
  // between, and the iteration ends.
  template <class F>
  uint64_t scan(uint64_t cursor, size_t count, F&& f) const {
    const size_t size = slots_.size();
    if (size == 0)
      return 0;
    size_t home = static_cast<size_t>(cursor >> shift_);  // a smaller table's: rounded down
    size_t seen = 0;
    size_t homes_left = count * 10;
    while (home < size && seen < count && homes_left > 0) {
      const size_t step = std::min({count - seen, homes_left, size - home});
      for_each_at_homes(home, home + step, [&](Node* n) {
        f(n);
        ++seen;
      });
      home += step;
      homes_left -= step;
    }
    return home >= size ? 0 : static_cast<uint64_t>(home) << shift_;
  }

  // A node picked at random, each as likely as any other (the table is not empty): random
  // slots until one holds a node; the fill stays above 1/16, so that takes a few tries.
  template <class Random>
  Node* random_node(Random& random_bits) const {
    const size_t mask = slots_.size() - 1;
    for (;;) {
      const uintptr_t s = slots_[random_bits() & mask];
      if (is_node(s))
        return node_of(s);
    }
  }

  // Iterates the nodes in slot order.
  class iterator {
   public:
    using iterator_category = std::forward_iterator_tag;
    using value_type = Node*;
    using difference_type = std::ptrdiff_t;
    using pointer = void;
    using reference = Node*;

    iterator() = default;
    iterator(const slot_table* t, size_t slot) : t_(t), slot_(slot) { skip_free(); }
    Node* operator*() const { return t_->node_at(slot_); }
    iterator& operator++() {
      ++slot_;
      skip_free();
      return *this;
    }
    iterator operator++(int) {
      iterator t = *this;
      ++*this;
      return t;
    }
    bool operator==(const iterator& o) const { return slot_ == o.slot_; }

   private:
    void skip_free() {
      while (slot_ < t_->slot_count() && !t_->node_at(slot_))
        ++slot_;
    }
    const slot_table* t_ = nullptr;
    size_t slot_ = 0;
  };
  iterator begin() const { return iterator(this, 0); }
  iterator end() const { return iterator(this, slot_count()); }

  void swap(slot_table& o) noexcept {
    slots_.swap(o.slots_);
    std::swap(size_, o.size_);
    std::swap(tombstones_, o.tombstones_);
    std::swap(shift_, o.shift_);
  }

 private:
  static constexpr size_t min_slots = 16;
  static constexpr uintptr_t empty = 0;
  static constexpr uintptr_t tombstone = 1;
  // A slot: bits 0-47 the node's address, 48-55 8 bits of its key's hash, 56-63 its distance
  // from its home slot (max_distance: that or more; the key's hash then tells).
  static constexpr int tag_shift = 48;
  static constexpr int distance_shift = 56;
  static constexpr size_t max_distance = 255;
  static constexpr uintptr_t pointer_mask = (uintptr_t{1} << tag_shift) - 1;

  // Keeps slots used by nodes and tombstones at most 13/16 of the array. Linear probing stays
  // short (a miss reads about 15 slots, two cache lines, at the top; 8.5 at 3/4), and the array
  // costs 10-20 bytes a key (Redis's dicts grow once full: 8-16 bytes of buckets plus a 24-byte
  // entry a key). Measured on a miss at 0.81 against 0.75 full: 38-52 ns against 31-44.
  static bool over_load(size_t used, size_t slots) { return used * 16 > slots * 13; }
  static size_t slots_for(size_t keys) {
    size_t n = min_slots;
    while (over_load(keys + 1, n))
      n *= 2;
    return n;
  }

  static bool is_node(uintptr_t s) { return s > tombstone; }
  static uintptr_t checked_bits(Node* node) {
    const auto bits = reinterpret_cast<uintptr_t>(node);
    if (bits & ~pointer_mask)
      throw std::runtime_error("slot_table: heap address above 2^48 cannot carry a hash tag");
    return bits;
  }
  static Node* node_of(uintptr_t s) { return reinterpret_cast<Node*>(s & pointer_mask); }
  // The low bits: the home already tells the top ones.
  static uintptr_t tag_of(size_t hash) { return static_cast<uintptr_t>(hash & 0xFF); }
  static uintptr_t tag_in(uintptr_t s) { return (s >> tag_shift) & 0xFF; }
  // The slot value for a node with `tag` placed `distance` slots after its home.
  static uintptr_t make_slot(uintptr_t node_bits, uintptr_t tag, size_t distance) {
    return (static_cast<uintptr_t>(distance < max_distance ? distance : max_distance)
            << distance_shift) |
           (tag << tag_shift) | node_bits;
  }

  // Where the probe chain of a node's key starts (the table is not empty).
  size_t home_slot(const Node* node) const { return home_of(hash_of(KeyOf::key(node))); }
  size_t home_of(size_t hash) const { return hash >> shift_; }  // the table is not empty

  // Calls f(node) for every node whose home slot is in [from, to): they sit from `from` on,
  // up to the end of the run of occupied slots that reaches `to` (past the table's end, that
  // run wraps to its start).
  template <class F>
  void for_each_at_homes(size_t from, size_t to, F&& f) const {
    const size_t size = slots_.size();
    const size_t mask = size - 1;
    for (size_t i = from;; ++i) {
      const uintptr_t s = slots_[i & mask];
      if (s == empty) {
        if (i >= to)
          return;  // there always is one: the load stays under 13/16
        continue;
      }
      if (!is_node(s))
        continue;
      const size_t d = s >> distance_shift;
      const size_t home = d < max_distance ? ((i & mask) - d) & mask : home_slot(node_of(s));
      // Past the end the walk is on slots it began at when `from` is 0: those were seen.
      const bool seen_already = i >= size && (i - size) >= from;
      if (home >= from && home < to && !seen_already)
        f(node_of(s));
    }
  }

  void rehash(size_t new_slot_count) {
    slot_array old(new_slot_count, empty);
    old.swap(slots_);
    shift_ = 64 - std::countr_zero(new_slot_count);  // a power of two
    const size_t mask = slots_.size() - 1;
    for (uintptr_t s : old) {
      if (!is_node(s))
        continue;
      const size_t home = home_slot(node_of(s));
      size_t i = home;
      while (slots_[i] != empty)
        i = (i + 1) & mask;
      slots_[i] = make_slot(s & pointer_mask, tag_in(s), (i - home) & mask);
    }
    tombstones_ = 0;
  }

  using slot_array = std::vector<uintptr_t, big_array_allocator<uintptr_t>>;
  slot_array slots_;  // empty, tombstone, or (distance << 56) | (tag << 48) | node
  size_t size_ = 0;
  size_t tombstones_ = 0;
  int shift_ = 64;  // home_shift()
};

}  // namespace credis
