// A sorted set of integers in one malloc'd block, in Redis's intset format, byte for byte what
// Redis 7.0 keeps small sets of integers in and writes into RDB files:
//   <width u32 LE: 2, 4 or 8> <count u32 LE> <count integers of `width` bytes, LE, ascending>
// The width is the narrowest that holds every member ever added (it never narrows, as in Redis).
#pragma once

#include <cstddef>
#include <cstdint>
#include <iterator>
#include <string_view>

#include "storage/element.hpp"

namespace credis {

class intset {
 public:
  intset() = default;
  intset(const intset& o);
  intset& operator=(const intset& o);
  intset(intset&& o) noexcept : buf_(o.buf_) { o.buf_ = nullptr; }
  intset& operator=(intset&& o) noexcept;
  ~intset();

  // A copy of `encoded`, a valid intset (width, size and strict order checked by the caller).
  static intset from_bytes(std::string_view encoded);
  // The same, taking over `block` (from malloc) that holds it instead of copying.
  static intset adopt(uint8_t* block);

  size_t size() const;
  bool empty() const { return size() == 0; }
  // The encoding: 8 bytes when empty.
  std::string_view data() const;
  // The block itself (nullptr when empty), for prefetching.
  const void* block() const { return buf_; }

  int64_t at(size_t i) const;
  bool contains(int64_t v) const;
  // True when added, false when already there.
  bool insert(int64_t v);
  // True when it was there.
  bool erase(int64_t v);
  void clear();

  // Ascending; each member as an element.
  class iterator : public element_iterator<iterator> {
   public:
    using element_iterator::operator++;
    using element_iterator::operator--;

    iterator() = default;
    element operator*() const { return element(set_->at(i_)); }
    iterator& operator++() {
      ++i_;
      return *this;
    }
    iterator& operator--() {
      --i_;
      return *this;
    }
    bool operator==(const iterator& o) const { return i_ == o.i_; }

   private:
    friend class intset;
    iterator(const intset* s, size_t i) : set_(s), i_(i) {}
    const intset* set_ = nullptr;
    size_t i_ = 0;
  };
  iterator begin() const { return iterator(this, 0); }
  iterator end() const { return iterator(this, size()); }

 private:
  uint32_t width() const;
  // Index of `v`, or where it would go; `found` says which.
  size_t search(int64_t v, bool& found) const;

  uint8_t* buf_ = nullptr;  // nullptr: empty
};

}  // namespace credis
