// The big set (member_table) and the big hash (field_table): each element one allocation
// holding its strings' lengths and bytes, indexed by a slot_table by its first string.
//
// A set member of 14 bytes costs one 16-byte block and 8-16 bytes of slot array; a field and
// value of 14 and 12 bytes one 32-byte block and the slots (Redis: a 24-byte dict entry, one or
// two sds strings and a bucket pointer).
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>

#include "storage/slot_table.hpp"

namespace credis {

// Parts = 1: a member per element; Parts = 2: a field and its value.
template <int Parts>
class string_table {
  static_assert(Parts == 1 || Parts == 2);

 public:
  // An element's block: each string's length (one byte under 255, else 255 and 8 bytes),
  // then the strings' bytes.
  struct node;

  // The element's first string (member, field) and, for a hash, its second (value).
  static std::string_view key(const node* n) { return part(n, 0); }
  static std::string_view second(const node* n) { return part(n, 1); }

  string_table() = default;
  string_table(const string_table& o);
  string_table(string_table&& o) noexcept { index_.swap(o.index_); }
  string_table& operator=(string_table o) noexcept {
    index_.swap(o.index_);
    return *this;
  }
  ~string_table();

  size_t size() const { return index_.size(); }
  const node* find(std::string_view key) const { return index_.find(key); }
  bool contains(std::string_view key) const { return find(key) != nullptr; }
  // Adds the element when no element has `key`; true when added.
  bool insert(std::string_view key, std::string_view value = {});
  // Adds the element, or gives the one with `key` this value (Parts == 2); true when added.
  bool assign(std::string_view key, std::string_view value)
    requires(Parts == 2);
  // True when the element was there.
  bool erase(std::string_view key);
  // Makes room for `n` elements without growing again.
  void reserve(size_t n) { index_.reserve(n); }

  // The bytes of an element's block (its lengths and strings; `value` only when Parts == 2).
  static size_t block_size(std::string_view key, std::string_view value = {}) {
    size_t n = length_size(key.size()) + key.size();
    if (Parts == 2)
      n += length_size(value.size()) + value.size();
    return n;
  }
  static size_t length_size(size_t n) { return n < 255 ? 1 : 9; }

 private:
  struct key_of {
    static std::string_view key(const node* n) { return string_table::key(n); }
  };
  using index = slot_table<node, key_of>;

 public:
  using iterator = typename index::iterator;  // yields node pointers, in slot order
  using const_iterator = iterator;
  iterator begin() const { return index_.begin(); }
  iterator end() const { return index_.end(); }
  iterator cbegin() const { return index_.begin(); }
  iterator cend() const { return index_.end(); }

  // The index, for SCAN (slot_table::scan) and random picks (slot_table::random_node).
  const index& slots() const { return index_; }

 private:
  static const unsigned char* bytes(const node* n) { return reinterpret_cast<const unsigned char*>(n); }
  static const unsigned char* read_length(const unsigned char* p, size_t& n) {
    if (*p < 255) {
      n = *p;
      return p + 1;
    }
    uint64_t v;
    std::memcpy(&v, p + 1, sizeof v);
    n = static_cast<size_t>(v);
    return p + 9;
  }
  static std::string_view part(const node* n, int i) {
    size_t len[Parts];
    const unsigned char* p = bytes(n);
    for (int k = 0; k < Parts; ++k)
      p = read_length(p, len[k]);
    const char* s = reinterpret_cast<const char*>(p);
    return i == 0 ? std::string_view(s, len[0]) : std::string_view(s + len[0], len[Parts - 1]);
  }
  void free_nodes();

  index index_;
};

using member_table = string_table<1>;
using field_table = string_table<2>;

extern template class string_table<1>;
extern template class string_table<2>;

}  // namespace credis
