// The aggregate values: list, set, hash and sorted set. Each keeps a small one in a listpack (one
// block of bytes, what Redis keeps small aggregates in and writes into RDB files) and turns it
// into a node-based container once it passes Redis's default thresholds (below), never back,
// as Redis does. The API does not depend on the representation: elements come out as
// string_views, valid until the container is next changed.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <initializer_list>
#include <iterator>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <type_traits>
#include <unordered_map>
#include <unordered_set>
#include <utility>

#include "storage/listpack.hpp"

namespace credis {

// Redis 7.0.15's defaults (CONFIG GET on the real server, and its redis.conf):
// hash-max-listpack-entries 512 / value 64, set-max-intset-entries 512, zset-max-listpack-entries
// 128 / value 64, list-max-listpack-size -2 (8 KB nodes); and for sets that are not all integers
// 7.2's set-max-listpack-entries 128 / value 64 (7.0 keeps those in a hash table).
namespace limits {
constexpr size_t hash_entries = 512, hash_value = 64;
constexpr size_t set_int_entries = 512, set_entries = 128, set_value = 64;
constexpr size_t zset_entries = 128, zset_value = 64;
constexpr size_t list_bytes = 8192;
}  // namespace limits

// True when `s` is an integer written as Redis writes one (optional '-', no leading zeros, fits
// 64 bits): what Redis stores as a number in listpacks and intsets. Then stores it in `v`.
bool parse_canonical_int(std::string_view s, int64_t& v);
inline bool is_canonical_int(std::string_view s) {
  int64_t v;
  return parse_canonical_int(s, v);
}

// Hash and equality for the big containers, so lookups take string_views without a copy.
struct string_hash {
  using is_transparent = void;
  size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
};

// An iterator over either representation of a container: listpack entries, `Traits::stride` of
// them per item, or an iterator of the big container. Traits gives the item (a prvalue) made
// from either.
template <class Traits>
class either_iterator {
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
  explicit either_iterator(listpack::iterator p) : packed_(p) {}
  explicit either_iterator(big_it b) : big_(b), is_big_(true) {}

  value_type operator*() const { return is_big_ ? Traits::from_big(big_) : Traits::from_packed(packed_); }
  either_iterator& operator++() {
    if (is_big_)
      ++big_;
    else
      std::advance(packed_, Traits::stride);
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
      std::advance(packed_, -static_cast<std::ptrdiff_t>(Traits::stride));
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
    return is_big_ ? big_ == o.big_ : packed_ == o.packed_;
  }

  // The position in the representation, for the container.
  listpack::iterator packed_pos() const { return packed_; }
  big_it big_pos() const { return big_; }

 private:
  listpack::iterator packed_;
  big_it big_{};
  bool is_big_ = false;
};

// What the four containers share: the listpack while small, else the big container, and
// iteration over whichever is in use (Traits as for either_iterator, plus big_begin/big_end).
template <class Big, class Traits>
class either_rep {
 public:
  using big_type = Big;
  using iterator = either_iterator<Traits>;

  iterator begin() const {
    return big_ ? iterator(Traits::big_begin(*big_)) : iterator(small_.begin());
  }
  iterator end() const { return big_ ? iterator(Traits::big_end(*big_)) : iterator(small_.end()); }
  void clear() {
    small_.clear();
    big_.reset();
  }
  // The representation, for the RDB code: the listpack while small, else nullptr.
  const listpack* packed() const { return big_ ? nullptr : &small_; }

 protected:
  either_rep() = default;
  explicit either_rep(listpack small) : small_(std::move(small)) {}
  explicit either_rep(Big big) : big_(std::make_unique<Big>(std::move(big))) {}
  either_rep(const either_rep& o)
      : small_(o.small_), big_(o.big_ ? std::make_unique<Big>(*o.big_) : nullptr) {}
  either_rep& operator=(const either_rep& o) {
    if (this != &o)
      *this = either_rep(o);
    return *this;
  }
  either_rep(either_rep&&) noexcept = default;
  either_rep& operator=(either_rep&&) noexcept = default;
  ~either_rep() = default;

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

  listpack small_;
  std::unique_ptr<Big> big_;
};

// Traits of containers of strings (list, set) for either_iterator and either_rep.
template <class Big>
struct string_items {
  using big_iterator = typename Big::const_iterator;
  using item = std::string_view;
  static constexpr size_t stride = 1;
  static item from_packed(listpack::iterator p) { return *p; }
  static item from_big(big_iterator b) { return *b; }
  static big_iterator big_begin(const Big& b) { return b.cbegin(); }
  static big_iterator big_end(const Big& b) { return b.cend(); }
};

// ---- list --------------------------------------------------------------------------------------
// Small: one listpack of at most limits::list_bytes bytes (one quicklist node in Redis).

class list_value : public either_rep<std::deque<std::string>, string_items<std::deque<std::string>>> {
 public:
  list_value() = default;
  list_value(std::initializer_list<std::string_view> items);
  // From a representation: a listpack (of at most limits::list_bytes), or the big container.
  explicit list_value(listpack items) : either_rep(std::move(items)) {}
  explicit list_value(big_type items) : either_rep(std::move(items)) {}

  size_t size() const { return big_ ? big_->size() : small_.size(); }
  bool empty() const { return size() == 0; }
  std::string_view front() const { return *begin(); }
  std::string_view back() const { return *--end(); }

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
// Small: a listpack of members, at most limits::set_entries of at most limits::set_value bytes,
// or up to limits::set_int_entries when every member is an integer (Redis's intset).

using string_set = std::unordered_set<std::string, string_hash, std::equal_to<>>;

class set_value : public either_rep<string_set, string_items<string_set>> {
 public:
  set_value() = default;
  set_value(std::initializer_list<std::string_view> members);
  // From a listpack of distinct members within the limits above.
  explicit set_value(listpack members) : either_rep(std::move(members)) {}
  explicit set_value(big_type members) : either_rep(std::move(members)) {}

  size_t size() const { return big_ ? big_->size() : small_.size(); }
  bool empty() const { return size() == 0; }

  bool contains(std::string_view member) const;
  // True when the member was not there.
  bool insert(std::string_view member);
  // True when the member was there.
  bool erase(std::string_view member);

  // Whether `count` members fit the small representation: every one at most set_value bytes,
  // or every one an integer.
  static bool fits_packed(size_t count, bool all_short, bool all_ints) {
    return (count <= limits::set_entries && all_short) ||
           (count <= limits::set_int_entries && all_ints);
  }

 private:
  void make_big();
};

// ---- hash --------------------------------------------------------------------------------------
// Small: a listpack of field, value, field, value...: at most limits::hash_entries pairs, each
// string at most limits::hash_value bytes.

using string_map = std::unordered_map<std::string, std::string, string_hash, std::equal_to<>>;

struct hash_pairs {
  using big_iterator = string_map::const_iterator;
  using item = std::pair<std::string_view, std::string_view>;
  static constexpr size_t stride = 2;
  static item from_packed(listpack::iterator p) {
    std::string_view field = *p;
    return {field, *++p};
  }
  static item from_big(big_iterator b) { return {b->first, b->second}; }
  static big_iterator big_begin(const string_map& b) { return b.cbegin(); }
  static big_iterator big_end(const string_map& b) { return b.cend(); }
};

class hash_value : public either_rep<string_map, hash_pairs> {
 public:
  using pair = hash_pairs::item;

  hash_value() = default;
  hash_value(std::initializer_list<pair> pairs);
  // From a listpack of pairs with distinct fields, within the limits above.
  explicit hash_value(listpack pairs) : either_rep(std::move(pairs)) {}
  explicit hash_value(big_type pairs) : either_rep(std::move(pairs)) {}

  size_t size() const { return big_ ? big_->size() : small_.size() / 2; }
  bool empty() const { return size() == 0; }

  std::optional<std::string_view> get(std::string_view field) const;
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
// text (as Redis keeps it): at most limits::zset_entries members of at most limits::zset_value
// bytes. Big: member -> score, plus the (score, member) order.

struct zset_entry {
  std::string_view member;
  double score;
};

// Parses a score kept as text in a small sorted set (or read from a file). False when `s` is
// not a number; NaN is a number here.
bool parse_score(std::string_view s, double& out);
// `score` as Redis 7.0 keeps it in a listpack (d2string): "inf", "-0", an integer while
// exact, else 17 significant digits; returns the length (buf: at least 32 bytes).
size_t format_score(double score, char* buf);

struct zset_index {
  std::unordered_map<std::string, double, string_hash, std::equal_to<>> scores;
  std::set<std::pair<double, std::string>> ordered;
};

struct zset_entries {
  using big_iterator = std::set<std::pair<double, std::string>>::const_iterator;
  using item = zset_entry;
  static constexpr size_t stride = 2;
  static item from_packed(listpack::iterator p);
  static item from_big(big_iterator b) { return {b->second, b->first}; }
  static big_iterator big_begin(const zset_index& z) { return z.ordered.cbegin(); }
  static big_iterator big_end(const zset_index& z) { return z.ordered.cend(); }
};

// Iterates in ascending (score, member) order.
class zset_value : public either_rep<zset_index, zset_entries> {
 public:
  zset_value() = default;
  // From a listpack of member/score-text pairs in (score, member) order, distinct members,
  // scores that parse and are not NaN, within the limits above.
  explicit zset_value(listpack pairs) : either_rep(std::move(pairs)) {}
  explicit zset_value(big_type members) : either_rep(std::move(members)) {}

  size_t size() const { return big_ ? big_->scores.size() : small_.size() / 2; }
  bool empty() const { return size() == 0; }
  std::reverse_iterator<iterator> rbegin() const { return std::reverse_iterator(end()); }
  std::reverse_iterator<iterator> rend() const { return std::reverse_iterator(begin()); }

  std::optional<double> score(std::string_view member) const;
  // Inserts or updates (score must not be NaN); true when the member is new.
  bool insert(std::string_view member, double score);
  // True when the member was there.
  bool erase(std::string_view member);

 private:
  void make_big();
};

}  // namespace credis
