// A bounds-checked reader over an in-memory byte range. Every read checks what is left first and
// throws rdb_parse_error (with the offset of the failed read) instead of reading past the end.
#pragma once

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <utility>

namespace credis::rdb {

// Thrown inside the RDB code and turned into rdb_error at the API boundary.
struct parse_error {
  size_t offset;
  std::string what;
};

class byte_cursor {
 public:
  // `what` names the data in truncation errors: nullptr for the file itself, else e.g. "ziplist".
  // `exact` false: the data is not in the file as such (it was decompressed), so every error
  // reports `base_offset` (where its string starts) instead of a position inside it.
  explicit byte_cursor(std::string_view data, size_t base_offset = 0, const char* what = nullptr,
                       bool exact = true)
      : begin_(reinterpret_cast<const uint8_t*>(data.data())),
        p_(begin_),
        end_(begin_ + data.size()),
        base_(base_offset),
        what_(what),
        exact_(exact) {}

  // Offset of the next byte, counted from the start of the whole input (base included).
  size_t offset() const { return base_ + static_cast<size_t>(p_ - begin_); }
  size_t remaining() const { return static_cast<size_t>(end_ - p_); }
  bool at_end() const { return p_ == end_; }

  [[noreturn]] void fail(std::string what) const { fail_at(offset(), std::move(what)); }
  [[noreturn]] void fail_at(size_t off, std::string what) const {
    throw parse_error{exact_ ? off : base_, std::move(what)};
  }

  void need(uint64_t n) const {
    if (n > remaining())
      fail_short(n);
  }

  uint8_t u8() {
    need(1);
    return *p_++;
  }
  uint8_t peek() const {
    need(1);
    return *p_;
  }
  uint64_t le(int n) {
    need(n);
    uint64_t v = 0;
    for (int i = n - 1; i >= 0; --i)
      v = (v << 8) | p_[i];
    p_ += n;
    return v;
  }
  uint64_t be(int n) {
    need(n);
    uint64_t v = 0;
    for (int i = 0; i < n; ++i)
      v = (v << 8) | p_[i];
    p_ += n;
    return v;
  }
  std::string_view take(uint64_t n) {
    need(n);
    std::string_view s(reinterpret_cast<const char*>(p_), n);
    p_ += n;
    return s;
  }
  void skip(uint64_t n) {
    need(n);
    p_ += n;
  }

 private:
  const uint8_t* begin_;
  const uint8_t* p_;
  const uint8_t* end_;
  size_t base_;
  const char* what_;
  bool exact_;

  [[noreturn]] void fail_short(uint64_t n) const {
    std::string counts = "(needs " + std::to_string(n) + " bytes, " +
                         std::to_string(remaining()) + " left)";
    if (what_ == nullptr)
      fail("unexpected end of file " + counts);
    fail(std::string("corrupt ") + what_ + ": entry runs past its end " + counts);
  }
};

}  // namespace credis::rdb
