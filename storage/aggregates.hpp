// The aggregate values: list, set, hash and sorted set. Each keeps a small one as Redis 7.0
// does, byte for byte (a listpack, or an intset for a set of integers: what Redis writes into
// RDB files too) and turns it into a node-based container once it passes Redis's default limits
// (below), never back, as Redis does. The API does not depend on the representation: elements
// come out as `element`s (a view of the bytes, or an integer's digits), valid until the
// container is next changed.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <deque>
#include <initializer_list>
#include <iterator>
#include <memory>
#include <new>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

#include "storage/element.hpp"
#include "storage/intset.hpp"
#include "storage/listpack.hpp"
#include "storage/quicklist.hpp"
#include "storage/string_table.hpp"
#include "storage/zset_index.hpp"

namespace credis {

// Redis 7.0.15's defaults (CONFIG GET on the real server, and its redis.conf):
// hash-max-listpack-entries 512 / value 64, set-max-intset-entries 512, zset-max-listpack-entries
// 128 / value 64, list-max-listpack-size -2 (8 KB nodes); and for sets that are not all integers
// 7.2's set-max-listpack-entries 128 / value 64 (7.0 keeps those in a hash table).
// CONFIG SET changes those Redis 7.0 has (one process, one configuration: so they are global);
// a container already converted stays converted, as in Redis. Atomic: the loader's thread
// builds containers too.
namespace limits {
inline std::atomic<size_t> hash_entries = 512, hash_value = 64;
inline std::atomic<size_t> set_int_entries = 512;
constexpr size_t set_entries = 128, set_value = 64;
inline std::atomic<size_t> zset_entries = 128, zset_value = 64;
constexpr size_t list_bytes = 8192;
}  // namespace limits

// An iterator over either representation of a container: Traits::small_iterator (stepping
// Traits::stride entries per item) or Traits::big_iterator. Traits gives the item (a prvalue)
// made from either.
template <class Traits>
class either_iterator {
  using small_it = typename Traits::small_iterator;
  using big_it = typename Traits::big_iterator;
  static constexpr bool bidi = std::is_base_of_v<
      std::bidirectional_iterator_tag, typename std::iterator_traits<big_it>::iterator_category>;

 public:
  using iterator_category =
      std::conditional_t<bidi, std::bidirectional_iterator_tag, std::forward_iterator_tag>;
  using value_type = typename Traits::item;
  using difference_type = std::ptrdiff_t;
  using pointer = void;
  using reference = value_type;

  either_iterator() = default;
  explicit either_iterator(small_it p) : small_(p) {}
  explicit either_iterator(big_it b) : big_(b), is_big_(true) {}

  value_type operator*() const { return is_big_ ? Traits::from_big(big_) : Traits::from_small(small_); }
  either_iterator& operator++() {
    if (is_big_)
      ++big_;
    else
      std::advance(small_, Traits::stride);
    return *this;
  }
  either_iterator operator++(int) {
    either_iterator t = *this;
    ++*this;
    return t;
  }
  either_iterator& operator--()
    requires bidi
  {
    if (is_big_)
      --big_;
    else
      std::advance(small_, -static_cast<std::ptrdiff_t>(Traits::stride));
    return *this;
  }
  either_iterator operator--(int)
    requires bidi
  {
    either_iterator t = *this;
    --*this;
    return t;
  }
  bool operator==(const either_iterator& o) const {
    return is_big_ ? big_ == o.big_ : small_ == o.small_;
  }

  // The position in the representation, for the container.
  small_it small_pos() const { return small_; }
  big_it big_pos() const { return big_; }

 private:
  small_it small_{};
  big_it big_{};
  bool is_big_ = false;
};

// What the four containers share: the small representation, else the big container, and
// iteration over whichever is in use (Traits as for either_iterator, plus big_begin/big_end).
//
// Both share one word: the small representation's block pointer (never odd: Small's first
// member is a pointer to an allocation, or null), or the big container's address plus one. A
// list, hash or sorted set is then 8 bytes, small enough to live inside its value.
template <class Small, class Big, class Traits>
class either_rep {
 public:
  using small_type = Small;
  using big_type = Big;
  using traits = Traits;
  using iterator = either_iterator<Traits>;

  iterator begin() const {
    return big() ? iterator(Traits::big_begin(*big())) : iterator(small_.begin());
  }
  iterator end() const { return big() ? iterator(Traits::big_end(*big())) : iterator(small_.end()); }
  void clear() {
    if (big())
      become_small();
    else
      small_.clear();
  }
  // The representation, for the RDB code: the small one, else nullptr.
  const Small* packed() const { return big() ? nullptr : &small_; }
  // The big container, or nullptr while the small representation is in use.
  const Big* unpacked() const { return big(); }
  // The block holding the elements (the small one's, or the big container), for prefetching.
  const void* block() const { return big() ? static_cast<const void*>(big()) : small_.block(); }

 protected:
  either_rep() : small_() {}
  explicit either_rep(Small small) : small_(std::move(small)) {}
  explicit either_rep(Big big) : word_(tagged(new Big(std::move(big)))) {}
  either_rep(const either_rep& o) {
    if (o.big())
      word_ = tagged(new Big(*o.big()));
    else
      new (&small_) Small(o.small_);
  }
  either_rep& operator=(const either_rep& o) {
    if (this != &o)
      *this = either_rep(o);
    return *this;
  }
  either_rep(either_rep&& o) noexcept { take(o); }
  either_rep& operator=(either_rep&& o) noexcept {
    if (this != &o) {
      destroy();
      take(o);
    }
    return *this;
  }
  ~either_rep() { destroy(); }

  // The big container, or nullptr while the small representation is in use.
  Big* big() const {
    uintptr_t w;
    std::memcpy(&w, static_cast<const void*>(this), sizeof w);
    return (w & 1) ? reinterpret_cast<Big*>(w - 1) : nullptr;
  }
  // Switches to the big representation `b` (the small one is dropped).
  void become_big(std::unique_ptr<Big> b) {
    destroy();
    word_ = tagged(b.release());
  }
  // Drops the big container for an empty small representation.
  void become_small() {
    destroy();
    new (&small_) Small();
  }

  // Removes the entry equal to `key` and the stride - 1 after it (a field's value, a member's
  // score) from the listpack; false when there is none.
  bool erase_packed(std::string_view key, size_t stride) {
    auto it = small_.find(key, stride);
    if (it == small_.end())
      return false;
    for (size_t i = 0; i < stride; ++i)
      it = small_.erase(it);
    return true;
  }

  union {
    Small small_;     // while big() is null
    uintptr_t word_;  // the big container's address + 1
  };

 private:
  static uintptr_t tagged(Big* b) { return reinterpret_cast<uintptr_t>(b) + 1; }
  void destroy() {
    if (Big* b = big())
      delete b;
    else
      small_.~Small();
  }
  // Takes o's representation, leaving o empty and small.
  void take(either_rep& o) {
    if (o.big()) {
      word_ = o.word_;
      new (&o.small_) Small();
    } else {
      new (&small_) Small(std::move(o.small_));
    }
  }
};

// ---- list --------------------------------------------------------------------------------------
// Small: one listpack of at most limits::list_bytes bytes (one quicklist node in Redis). Big:
// a quicklist of such nodes.

struct list_items {
  using small_iterator = listpack::iterator;
  using big_iterator = quicklist::iterator;
  using item = element;
  static constexpr size_t stride = 1;
  static item from_small(listpack::iterator p) { return *p; }
  static item from_big(big_iterator b) { return *b; }
  static big_iterator big_begin(const quicklist& b) { return b.begin(); }
  static big_iterator big_end(const quicklist& b) { return b.end(); }
};

class list_value : public either_rep<listpack, quicklist, list_items> {
 public:
  list_value() = default;
  list_value(std::initializer_list<std::string_view> items);
  // From a representation: a listpack (of at most limits::list_bytes), or the big container.
  explicit list_value(listpack items) : either_rep(std::move(items)) {}
  explicit list_value(big_type items) : either_rep(std::move(items)) {}

  size_t size() const { return big() ? big()->size() : small_.size(); }
  bool empty() const { return size() == 0; }
  element front() const { return *begin(); }
  element back() const { return *--end(); }
  // The element at `index` (< size()): a walk over the nodes' counts, then within one node.
  iterator at(size_t index) const;

  void push_back(std::string_view s) { insert(end(), s); }
  void push_front(std::string_view s) { insert(begin(), s); }
  void pop_front() { erase(begin()); }
  void pop_back() { erase(--end()); }
  // Inserts before `pos`; returns the new element's position.
  iterator insert(iterator pos, std::string_view s);
  // Returns the position after the removed element.
  iterator erase(iterator pos);

  bool operator==(const list_value& o) const;
};

// ---- set ---------------------------------------------------------------------------------------

// A small set: an intset while every member is an integer (at most limits::set_int_entries),
// else a listpack of at most limits::set_entries members of at most limits::set_value bytes.
class small_set {
 public:
  class iterator : public element_iterator<iterator> {
   public:
    using element_iterator::operator++;
    using element_iterator::operator--;

    iterator() = default;
    explicit iterator(intset::iterator i) : ints_(i) {}
    explicit iterator(listpack::iterator s) : strings_(s), in_strings_(true) {}
    element operator*() const { return in_strings_ ? *strings_ : *ints_; }
    iterator& operator++() {
      in_strings_ ? (void)++strings_ : (void)++ints_;
      return *this;
    }
    iterator& operator--() {
      in_strings_ ? (void)--strings_ : (void)--ints_;
      return *this;
    }
    bool operator==(const iterator& o) const {
      return in_strings_ ? strings_ == o.strings_ : ints_ == o.ints_;
    }

   private:
    intset::iterator ints_;
    listpack::iterator strings_;
    bool in_strings_ = false;
  };

  small_set() = default;
  // Distinct members, within the limits above.
  explicit small_set(intset ints) : ints_(std::move(ints)) {}
  explicit small_set(listpack strings) : strings_(std::move(strings)) {}

  size_t size() const { return strings_.empty() ? ints_.size() : strings_.size(); }
  bool empty() const { return size() == 0; }
  iterator begin() const {
    return strings_.empty() ? iterator(ints_.begin()) : iterator(strings_.begin());
  }
  iterator end() const { return strings_.empty() ? iterator(ints_.end()) : iterator(strings_.end()); }

  bool contains(std::string_view m) const;
  // Adds `m`, not a member yet; false (and nothing changed) when the set would pass the limits.
  bool add(std::string_view m);
  bool erase(std::string_view m);
  void clear() {
    ints_.clear();
    strings_.clear();
  }

  const void* block() const { return strings_.empty() ? ints_.block() : strings_.block(); }
  // The form in use: the intset (also when empty), else the listpack.
  const intset* ints() const { return strings_.empty() ? &ints_ : nullptr; }
  const listpack* strings() const { return strings_.empty() ? nullptr : &strings_; }

 private:
  intset ints_;
  listpack strings_;  // not empty: the listpack form
};

// Big: a member_table. Traits::from_node makes an item of a big container's node (for SCAN
// and random picks), as for the hash and the sorted set.
struct set_members {
  using small_iterator = small_set::iterator;
  using big_iterator = member_table::iterator;
  using item = element;
  static constexpr size_t stride = 1;
  static item from_small(small_set::iterator p) { return *p; }
  static item from_node(const member_table::node* n) { return element(member_table::key(n)); }
  static item from_big(big_iterator b) { return from_node(*b); }
  static big_iterator big_begin(const member_table& b) { return b.begin(); }
  static big_iterator big_end(const member_table& b) { return b.end(); }
};

class set_value : public either_rep<small_set, member_table, set_members> {
 public:
  set_value() = default;
  set_value(std::initializer_list<std::string_view> members);
  explicit set_value(small_set members) : either_rep(std::move(members)) {}
  explicit set_value(big_type members) : either_rep(std::move(members)) {}

  size_t size() const { return big() ? big()->size() : small_.size(); }
  bool empty() const { return size() == 0; }

  bool contains(std::string_view member) const;
  // True when the member was not there.
  bool insert(std::string_view member);
  // True when the member was there.
  bool erase(std::string_view member);
};

// ---- hash --------------------------------------------------------------------------------------
// Small: a listpack of field, value, field, value...: at most limits::hash_entries pairs, each
// string at most limits::hash_value bytes.

struct hash_pairs {
  using small_iterator = listpack::iterator;
  using big_iterator = field_table::iterator;
  using item = std::pair<element, element>;
  static constexpr size_t stride = 2;
  static item from_small(listpack::iterator p) {
    element field = *p;
    return {field, *++p};
  }
  static item from_node(const field_table::node* n) {
    return {element(field_table::key(n)), element(field_table::second(n))};
  }
  static item from_big(big_iterator b) { return from_node(*b); }
  static big_iterator big_begin(const field_table& b) { return b.begin(); }
  static big_iterator big_end(const field_table& b) { return b.end(); }
};

class hash_value : public either_rep<listpack, field_table, hash_pairs> {
 public:
  using pair = std::pair<std::string_view, std::string_view>;

  hash_value() = default;
  hash_value(std::initializer_list<pair> pairs);
  // From a listpack of pairs with distinct fields, within the limits above.
  explicit hash_value(listpack pairs) : either_rep(std::move(pairs)) {}
  explicit hash_value(big_type pairs) : either_rep(std::move(pairs)) {}

  size_t size() const { return big() ? big()->size() : small_.size() / 2; }
  bool empty() const { return size() == 0; }

  std::optional<element> get(std::string_view field) const;
  bool contains(std::string_view field) const { return get(field).has_value(); }
  // Sets the field; true when it is new.
  bool insert_or_assign(std::string_view field, std::string_view val);
  // Adds the field only if absent; true when added.
  bool insert(std::string_view field, std::string_view val);
  // True when the field was there.
  bool erase(std::string_view field);

  static bool fits_packed(std::string_view s) { return s.size() <= limits::hash_value; }

 private:
  void make_big();
};

// ---- sorted set --------------------------------------------------------------------------------
// Small: a listpack of member, score, member, score... in (score, member) order, the score as
// Redis keeps it (an integer entry, or text): at most limits::zset_entries members of at most
// limits::zset_value bytes. Big: member -> score, plus the (score, member) order.

struct zset_entry {
  element member;
  double score;
};

// Parses a score kept as text in a small sorted set (or read from a file). False when `s` is
// not a number; NaN is a number here.
bool parse_score(std::string_view s, double& out);
// `score` as Redis 7.0 keeps it in a listpack (d2string): "inf", "-0", an integer while
// exact, else 17 significant digits; returns the length (buf: at least 32 bytes).
size_t format_score(double score, char* buf);

struct zset_entries {
  using small_iterator = listpack::iterator;
  using big_iterator = zset_index::iterator;
  using item = zset_entry;
  static constexpr size_t stride = 2;
  static item from_small(listpack::iterator p);
  static item from_big(big_iterator b) { return from_node(*b); }
  static item from_node(const zset_index::node* n) {
    return {element(zset_index::member(n)), zset_index::score(n)};
  }
  static big_iterator big_begin(const zset_index& z) { return z.begin(); }
  static big_iterator big_end(const zset_index& z) { return z.end(); }
};

// Iterates in ascending (score, member) order.
class zset_value : public either_rep<listpack, zset_index, zset_entries> {
 public:
  zset_value() = default;
  // From a listpack of member/score pairs in (score, member) order, distinct members, scores
  // that parse and are not NaN, within the limits above.
  explicit zset_value(listpack pairs) : either_rep(std::move(pairs)) {}
  explicit zset_value(big_type members) : either_rep(std::move(members)) {}

  size_t size() const { return big() ? big()->size() : small_.size() / 2; }
  bool empty() const { return size() == 0; }
  std::reverse_iterator<iterator> rbegin() const { return std::reverse_iterator(end()); }
  std::reverse_iterator<iterator> rend() const { return std::reverse_iterator(begin()); }

  std::optional<double> score(std::string_view member) const;
  // Inserts or updates (score must not be NaN); true when the member is new.
  bool insert(std::string_view member, double score);
  // True when the member was there.
  bool erase(std::string_view member);

  // The member's place in ascending order, from 0; none when it is not a member.
  std::optional<size_t> rank(std::string_view member) const;
  // The entry at `rank` (< size()).
  iterator at(size_t rank) const;
  // How many leading entries satisfy before(score, member), a predicate that holds for a
  // prefix of the order: where a range by score or by member starts or ends.
  template <class Before>
  size_t count_before(Before before) const {
    if (big())
      return big()->count_before(before);
    size_t n = 0;
    for (auto it = small_.begin(); it != small_.end(); std::advance(it, 2), ++n) {
      const zset_entry e = zset_entries::from_small(it);
      if (!before(e.score, e.member.view()))
        break;
    }
    return n;
  }

 private:
  void make_big();
};

}  // namespace credis
