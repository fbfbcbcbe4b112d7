// A big sorted set: its members in (score, member) order in a skip list whose links count the
// nodes they pass, so rank, select-by-rank and range bounds take O(log n); and a slot_table of
// the same nodes for lookups by member. Each member lives once, inside its node (score, back
// link, links and bytes in one allocation), so a member costs one node and one slot.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <iterator>
#include <string_view>

#include "storage/slot_table.hpp"

namespace credis {

class zset_index {
 public:
  struct node;

  // Ascending (score, member) order; end() is one past the last.
  class iterator {
   public:
    using iterator_category = std::bidirectional_iterator_tag;
    using value_type = const node*;
    using difference_type = std::ptrdiff_t;
    using pointer = void;
    using reference = const node*;

    iterator() = default;
    iterator(const node* n, const zset_index* owner) : n_(n), owner_(owner) {}
    const node* operator*() const { return n_; }
    iterator& operator++();
    iterator& operator--();
    iterator operator++(int) {
      iterator t = *this;
      ++*this;
      return t;
    }
    iterator operator--(int) {
      iterator t = *this;
      --*this;
      return t;
    }
    bool operator==(const iterator& o) const { return n_ == o.n_; }

   private:
    const node* n_ = nullptr;
    const zset_index* owner_ = nullptr;
  };

  zset_index();
  zset_index(const zset_index& o);
  zset_index(zset_index&& o) noexcept;
  zset_index& operator=(zset_index o) noexcept;
  ~zset_index();
  void swap(zset_index& o) noexcept;

  size_t size() const { return members_.size(); }
  iterator begin() const { return {first(), this}; }
  iterator end() const { return {nullptr, this}; }

  // The node of `member`, or null.
  const node* find(std::string_view member) const;
  // Adds `member` (not a member yet) with `score` (not NaN).
  void insert(std::string_view member, double score);
  // Gives a member a new score, keeping its node.
  void update(const node* n, double score);
  void erase(const node* n);

  // The member's place in ascending order, from 0.
  size_t rank(const node* n) const;
  // The node at `rank` (< size()).
  iterator at(size_t rank) const;
  // How many leading members satisfy before(score, member), a predicate that holds for a
  // prefix of the order (e.g. "below the range's minimum").
  template <class Before>
  size_t count_before(Before before) const;

  static double score(const node* n);
  static std::string_view member(const node* n);

 private:
  struct member_of {
    static std::string_view key(const node* n) { return member(n); }
  };

  static constexpr int max_height = 32;

  const node* first() const;
  const node* last() const { return tail_; }
  // Puts `n` (unlinked, its score set) in its place in the order, and takes it out.
  void link(node* n);
  void unlink(node* n);
  // Walks to the last node before (score, member) at every level: into path[], and the rank of
  // each path node into ranks[] (when not null).
  void find_path(double score, std::string_view member, node** path, size_t* ranks) const;

  node* head_;  // a node without a member, max_height links
  node* tail_ = nullptr;
  int height_ = 1;
  slot_table<node, member_of> members_;

 public:
  // The index by member, for SCAN (slot_table::scan) and random picks (slot_table::random_node).
  const slot_table<node, member_of>& slots() const { return members_; }

  friend class iterator;
};

// ---- the node and count_before, inline for the walks over a range -----------------------------

struct zset_index::node {
  struct link {
    node* next;
    size_t span;  // level-0 steps to `next` (meaningless while next is null)
  };
  double score;
  node* back;
  uint32_t length;
  uint8_t height;

  link* links() { return reinterpret_cast<link*>(this + 1); }
  const link* links() const { return reinterpret_cast<const link*>(this + 1); }
  const char* bytes() const { return reinterpret_cast<const char*>(links() + height); }
};

inline double zset_index::score(const node* n) { return n->score; }
inline std::string_view zset_index::member(const node* n) { return {n->bytes(), n->length}; }

template <class Before>
size_t zset_index::count_before(Before before) const {
  const node* x = head_;
  size_t count = 0;
  for (int level = height_ - 1; level >= 0; --level) {
    for (const node* next = x->links()[level].next; next && before(next->score, member(next));
         next = x->links()[level].next) {
      count += x->links()[level].span;
      x = next;
    }
  }
  return count;
}

}  // namespace credis
