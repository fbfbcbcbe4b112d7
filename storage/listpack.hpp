// A short sequence of strings in one malloc'd block, laid out as a Redis listpack:
//   <total bytes u32 LE> <count u16 LE> { <header> <bytes> <backlen> }... <0xFF>
// Every entry is string-encoded (header 0x80|len, 0xE0|len>>8 len, or 0xF0 len32), so an element
// is a string_view into the block. Redis keeps small hashes, sorted sets and list nodes in
// listpacks and also writes them into RDB files as one string, so a file's listpack without
// integer entries is taken over as it is, and written back with one write (the RDB code turns
// Redis's integer entries into strings on loading, and back on saving).
//
// Positions are iterators (bidirectional, const); any change invalidates them, and the changing
// calls return a fresh one.
#pragma once

#include <cstddef>
#include <cstdint>
#include <iterator>
#include <string_view>

namespace credis {

class listpack {
 public:
  static constexpr size_t header_size = 6;
  // A count of 65535 in the header means "unknown" to Redis; callers stay below it.
  static constexpr size_t max_count = 65534;

  listpack() = default;
  listpack(const listpack& o);
  listpack& operator=(const listpack& o);
  listpack(listpack&& o) noexcept : buf_(o.buf_) { o.buf_ = nullptr; }
  listpack& operator=(listpack&& o) noexcept;
  ~listpack();

  // A copy of `encoded`, a valid listpack of string entries only, with `count` of them (written
  // into the copy's header: the caller has counted them when validating it).
  static listpack from_bytes(std::string_view encoded, size_t count);
  // The same, taking over `block` (from malloc) that holds it instead of copying.
  static listpack adopt(uint8_t* block, size_t count);

  size_t size() const { return buf_ ? static_cast<size_t>(buf_[4] | (buf_[5] << 8)) : 0; }
  bool empty() const { return size() == 0; }
  // The whole encoding (header to end marker): 7 bytes when empty.
  size_t bytes() const;
  std::string_view data() const;

  class iterator {
   public:
    using iterator_category = std::bidirectional_iterator_tag;
    using value_type = std::string_view;
    using difference_type = std::ptrdiff_t;
    using pointer = void;
    using reference = std::string_view;

    iterator() = default;
    std::string_view operator*() const;
    iterator& operator++();
    iterator operator++(int) {
      iterator t = *this;
      ++*this;
      return t;
    }
    iterator& operator--();
    iterator operator--(int) {
      iterator t = *this;
      --*this;
      return t;
    }
    bool operator==(const iterator& o) const { return p_ == o.p_; }

   private:
    friend class listpack;
    explicit iterator(const uint8_t* p) : p_(p) {}
    const uint8_t* p_ = nullptr;
  };
  iterator begin() const { return iterator(buf_ ? buf_ + header_size : nullptr); }
  iterator end() const { return iterator(buf_ ? buf_ + bytes() - 1 : nullptr); }

  // Whether `s` points into this listpack's block (a change would move or overwrite it).
  bool owns(std::string_view s) const {
    const uint8_t* p = reinterpret_cast<const uint8_t*>(s.data());
    return buf_ && p >= buf_ && p < buf_ + bytes();
  }

  std::string_view front() const { return *begin(); }
  std::string_view back() const { return *--end(); }

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

  // Bytes a string entry of `len` bytes takes (header, bytes, backlen).
  static size_t entry_size(size_t len);
  // Writes that entry at `p`; returns the byte after it.
  static uint8_t* write_entry(uint8_t* p, std::string_view s);
  // Writes the backlen of an entry of `len` bytes (header and data) at `p`; returns its size.
  static size_t write_backlen(uint8_t* p, size_t len);

 private:
  // Makes [at, at + removed) of the block `inserted` bytes long, moving what follows; adds
  // `count_delta` to the count. Returns the start of that range (in the possibly new block).
  uint8_t* splice(size_t at, size_t removed, size_t inserted, int count_delta);
  size_t offset(iterator it) const { return static_cast<size_t>(it.p_ - buf_); }

  uint8_t* buf_ = nullptr;  // nullptr: empty
};

}  // namespace credis
