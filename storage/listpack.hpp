// A short sequence of strings in one malloc'd block, in Redis's listpack format, byte for byte
// what Redis 7.0 keeps small hashes, sorted sets and list nodes in and writes into RDB files:
//   <total bytes u32 LE> <count u16 LE> { <encoding> <data> <backlen> }... <0xFF>
// A string that is a canonical integer is stored as an integer entry (1 to 9 bytes), as
// Redis's lpAppend does; the others as strings. So a file's listpack is taken over as it is and
// written back with one write.
//
// Positions are iterators (bidirectional, const; an element per entry); any change invalidates
// them, and the changing calls return a fresh one.
#pragma once

#include <cstddef>
#include <cstdint>
#include <iterator>
#include <string_view>

#include "storage/element.hpp"

namespace credis {

class listpack {
 public:
  static constexpr size_t header_size = 6;
  // A count of 65535 in the header means "unknown" to Redis; the aggregates stay below it
  // (stream nodes may pass it, and then count their entries themselves).
  static constexpr size_t max_count = 65534;
  static constexpr size_t unknown_count = 65535;

  listpack() = default;
  listpack(const listpack& o);
  listpack& operator=(const listpack& o);
  listpack(listpack&& o) noexcept : buf_(o.buf_) { o.buf_ = nullptr; }
  listpack& operator=(listpack&& o) noexcept;
  ~listpack();

  // A copy of `encoded`, a valid listpack (every entry checked) of `count` entries, which is
  // written into the copy's header (the caller counted them when checking).
  static listpack from_bytes(std::string_view encoded, size_t count);
  // The same, taking over `block` (from malloc) that holds it instead of copying.
  static listpack adopt(uint8_t* block, size_t count);

  size_t size() const { return buf_ ? static_cast<size_t>(buf_[4] | (buf_[5] << 8)) : 0; }
  bool empty() const { return size() == 0; }
  // The whole encoding (header to end marker): 7 bytes when empty.
  size_t bytes() const;
  std::string_view data() const;
  // The block itself (nullptr when empty), for prefetching.
  const void* block() const { return buf_; }

  class iterator : public element_iterator<iterator> {
   public:
    using element_iterator::operator++;
    using element_iterator::operator--;

    iterator() = default;
    element operator*() const;
    iterator& operator++();
    iterator& operator--();
    bool operator==(const iterator& o) const { return p_ == o.p_; }

   private:
    friend class listpack;
    explicit iterator(const uint8_t* p) : p_(p) {}
    const uint8_t* p_ = nullptr;
  };
  iterator begin() const { return iterator(buf_ ? buf_ + header_size : nullptr); }
  iterator end() const { return iterator(buf_ ? buf_ + bytes() - 1 : nullptr); }

  element front() const { return *begin(); }
  element back() const { return *--end(); }

  // Whether `s` points into this listpack's block (a change would move or overwrite it).
  bool owns(std::string_view s) const {
    const uint8_t* p = reinterpret_cast<const uint8_t*>(s.data());
    return buf_ && p >= buf_ && p < buf_ + bytes();
  }

  // The first entry equal to `s` among `from`, from + stride, from + 2 * stride, ...; end() if
  // none. A stride of 2 searches the keys of key/value pairs.
  iterator find(std::string_view s, iterator from, size_t stride = 1) const;
  iterator find(std::string_view s, size_t stride = 1) const { return find(s, begin(), stride); }

  // Inserts `s` before `pos`; returns its position. `s` may point into this listpack.
  iterator insert(iterator pos, std::string_view s);
  void push_back(std::string_view s) { insert(end(), s); }
  // Removes the entry at `pos`; returns the position of the one after it.
  iterator erase(iterator pos);
  // Replaces the entry at `pos`; returns its position.
  iterator replace(iterator pos, std::string_view s);
  void clear();
  // Room for `n` more bytes of entries without reallocating.
  void reserve_bytes(size_t n);

  // Bytes the entry for `s` takes (encoding, data, backlen).
  static size_t entry_size(std::string_view s);
  // Writes the backlen of an entry of `len` bytes (encoding and data) at `p`; returns its size.
  static size_t write_backlen(uint8_t* p, size_t len);

 private:
  // Writes the entry for `s` at `p`; returns the byte after it.
  static uint8_t* write_entry(uint8_t* p, std::string_view s);
  // Makes [at, at + removed) of the block `inserted` bytes long, moving what follows; adds
  // `count_delta` to the count. Returns the start of that range (in the possibly new block).
  uint8_t* splice(size_t at, size_t removed, size_t inserted, int count_delta);
  size_t offset(iterator it) const { return static_cast<size_t>(it.p_ - buf_); }

  uint8_t* buf_ = nullptr;  // nullptr: empty
};

}  // namespace credis
