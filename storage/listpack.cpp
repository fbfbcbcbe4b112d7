#include "storage/listpack.hpp"

#include <malloc.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <new>
#include <string>

#include "protocol/integers.hpp"
#include "storage/little_endian.hpp"

namespace credis {

namespace {

constexpr uint8_t end_marker = 0xFF;

// An entry: `head` bytes of encoding (with an integer's payload), then `len` bytes of string.
struct entry_shape {
  size_t head;
  size_t len;
  bool is_int;
  int64_t num;
  size_t size() const { return head + len; }  // without the backlen
};

entry_shape shape(const uint8_t* p) {
  const uint8_t b = p[0];
  if (b < 0x80)  // 0xxxxxxx: 7-bit unsigned
    return {1, 0, true, b};
  if (b < 0xC0)  // 10xxxxxx: string of up to 63 bytes
    return {1, static_cast<size_t>(b & 0x3F), false, 0};
  if (b < 0xE0)  // 110xxxxx yyyyyyyy: 13-bit signed
    return {2, 0, true, sign_extend((static_cast<uint64_t>(b & 0x1F) << 8) | p[1], 13)};
  if (b < 0xF0)  // 1110xxxx yyyyyyyy: string of up to 4095 bytes
    return {2, (static_cast<size_t>(b & 0x0F) << 8) | p[1], false, 0};
  switch (b) {
    case 0xF0: return {5, static_cast<size_t>(load_le(p + 1, 4)), false, 0};
    case 0xF1: return {3, 0, true, sign_extend(load_le(p + 1, 2), 16)};
    case 0xF2: return {4, 0, true, sign_extend(load_le(p + 1, 3), 24)};
    case 0xF3: return {5, 0, true, sign_extend(load_le(p + 1, 4), 32)};
    default: return {9, 0, true, static_cast<int64_t>(load_le(p + 1, 8))};  // 0xF4
  }
}

size_t backlen_size(size_t len) {
  return len <= 127 ? 1 : len < 16383 ? 2 : len < 2097151 ? 3 : len < 268435455 ? 4 : 5;
}

const uint8_t* next_entry(const uint8_t* p) {
  const size_t n = shape(p).size();
  return p + n + backlen_size(n);
}

// Writes the integer entry for `v` (without its backlen), as lpEncodeIntegerGetType picks it.
size_t write_int(uint8_t* p, int64_t v) {
  if (v >= 0 && v <= 127) {
    p[0] = static_cast<uint8_t>(v);
    return 1;
  }
  if (v >= -4096 && v <= 4095) {
    const uint64_t u = static_cast<uint64_t>(v) & 0x1FFF;
    p[0] = static_cast<uint8_t>(0xC0 | (u >> 8));
    p[1] = static_cast<uint8_t>(u);
    return 2;
  }
  int width;
  if (v >= INT16_MIN && v <= INT16_MAX)
    width = 2, p[0] = 0xF1;
  else if (v >= -8388608 && v <= 8388607)
    width = 3, p[0] = 0xF2;
  else if (v >= INT32_MIN && v <= INT32_MAX)
    width = 4, p[0] = 0xF3;
  else
    width = 8, p[0] = 0xF4;
  store_le(p + 1, static_cast<uint64_t>(v), width);
  return 1 + static_cast<size_t>(width);
}

size_t int_size(int64_t v) {
  uint8_t scratch[9];
  return write_int(scratch, v);
}

size_t string_head(size_t len) { return len < 64 ? 1 : len < 4096 ? 2 : 5; }

uint8_t* allocate(size_t n) {
  void* p = std::malloc(n);
  if (!p)
    throw std::bad_alloc();
  return static_cast<uint8_t*>(p);
}

}  // namespace

listpack::listpack(const listpack& o) {
  if (o.buf_) {
    const size_t n = o.bytes();
    buf_ = allocate(n);
    std::memcpy(buf_, o.buf_, n);
  }
}

listpack& listpack::operator=(const listpack& o) {
  if (this != &o)
    *this = listpack(o);
  return *this;
}

listpack& listpack::operator=(listpack&& o) noexcept {
  if (this != &o) {
    std::free(buf_);
    buf_ = o.buf_;
    o.buf_ = nullptr;
  }
  return *this;
}

listpack::~listpack() { std::free(buf_); }

listpack listpack::from_bytes(std::string_view encoded, size_t count) {
  uint8_t* block = allocate(encoded.size());
  std::memcpy(block, encoded.data(), encoded.size());
  return adopt(block, count);
}

listpack listpack::adopt(uint8_t* block, size_t count) {
  listpack lp;
  lp.buf_ = block;
  store_le(lp.buf_ + 4, count, 2);
  return lp;
}

size_t listpack::bytes() const { return buf_ ? load_le(buf_, 4) : header_size + 1; }

std::string_view listpack::data() const {
  static const char empty_listpack[] = {7, 0, 0, 0, 0, 0, static_cast<char>(end_marker)};
  if (!buf_)
    return {empty_listpack, sizeof empty_listpack};
  return {reinterpret_cast<const char*>(buf_), bytes()};
}

element listpack::iterator::operator*() const {
  const entry_shape e = shape(p_);
  if (e.is_int)
    return element(e.num);
  return element(std::string_view(reinterpret_cast<const char*>(p_ + e.head), e.len));
}

listpack::iterator& listpack::iterator::operator++() {
  p_ = next_entry(p_);
  return *this;
}

listpack::iterator& listpack::iterator::operator--() {
  // The backlen is read right to left: 7 bits per byte, the high bit set while more follow.
  const uint8_t* q = p_ - 1;
  size_t len = 0;
  for (int shift = 0;; shift += 7, --q) {
    len |= static_cast<size_t>(*q & 127) << shift;
    if (!(*q & 128))
      break;
  }
  p_ = q - len;
  return *this;
}

listpack::iterator listpack::find(std::string_view s, iterator from, size_t stride) const {
  int64_t v = 0;
  const bool s_is_int = parse_int64(s, v);
  const uint8_t* const stop = end().p_;
  for (const uint8_t* p = from.p_; p != stop;) {
    const entry_shape e = shape(p);
    if (e.is_int ? s_is_int && e.num == v
                 : e.len == s.size() && (e.len == 0 || std::memcmp(p + e.head, s.data(), e.len) == 0))
      return iterator(p);
    p += e.size() + backlen_size(e.size());
    for (size_t i = 1; i < stride && p != stop; ++i)
      p = next_entry(p);
  }
  return iterator(stop);
}

size_t listpack::entry_size(std::string_view s) {
  int64_t v;
  const size_t n = parse_int64(s, v) ? int_size(v) : string_head(s.size()) + s.size();
  return n + backlen_size(n);
}

size_t listpack::write_backlen(uint8_t* p, size_t len) {
  const size_t n = backlen_size(len);
  for (size_t i = 0; i < n; ++i) {
    const uint8_t group = static_cast<uint8_t>((len >> (7 * (n - 1 - i))) & 127);
    p[i] = i == 0 ? group : static_cast<uint8_t>(group | 128);
  }
  return n;
}

uint8_t* listpack::write_entry(uint8_t* p, std::string_view s) {
  int64_t v;
  size_t n;
  if (parse_int64(s, v)) {
    n = write_int(p, v);
  } else {
    const size_t len = s.size(), head = string_head(len);
    if (head == 1) {
      p[0] = static_cast<uint8_t>(0x80 | len);
    } else if (head == 2) {
      p[0] = static_cast<uint8_t>(0xE0 | (len >> 8));
      p[1] = static_cast<uint8_t>(len);
    } else {
      p[0] = 0xF0;
      store_le(p + 1, len, 4);
    }
    if (len > 0)
      std::memcpy(p + head, s.data(), len);
    n = head + len;
  }
  return p + n + write_backlen(p + n, n);
}

uint8_t* listpack::splice(size_t at, size_t removed, size_t inserted, int count_delta) {
  if (!buf_) {
    reserve_bytes(inserted);
    at = header_size;
  }
  const size_t old_total = bytes();
  const size_t new_total = old_total - removed + inserted;
  const size_t capacity = malloc_usable_size(buf_);
  if (new_total > capacity) {
    // Exactly what is needed: the allocator's size classes (four per doubling) already leave
    // room, so a run of appends copies the block only when it crosses into the next class,
    // and a listpack costs no more than Redis's (its nodes and small values are most of
    // the memory of lists, hashes and sorted sets).
    void* p = std::realloc(buf_, new_total);
    if (!p)
      throw std::bad_alloc();
    buf_ = static_cast<uint8_t*>(p);
  }
  std::memmove(buf_ + at + inserted, buf_ + at + removed, old_total - at - removed);
  store_le(buf_, new_total, 4);
  // A count of 65535 means "unknown" and stays so, as in Redis (a stream node can hold more).
  if (size_t count = size(); count != unknown_count)
    store_le(buf_ + 4, std::min(unknown_count, count + static_cast<size_t>(static_cast<ptrdiff_t>(count_delta))), 2);
  // Gives back what a shrunken listpack no longer needs (room reserved ahead is kept).
  if (new_total < old_total && capacity > 2 * new_total + 64) {
    if (void* p = std::realloc(buf_, new_total))
      buf_ = static_cast<uint8_t*>(p);
  }
  return buf_ + at;
}

listpack::iterator listpack::insert(iterator pos, std::string_view s) {
  if (owns(s)) {  // the block may move: copy it first
    const std::string copy(s);
    return insert(pos, copy);
  }
  uint8_t* p = splice(buf_ ? offset(pos) : header_size, 0, entry_size(s), 1);
  write_entry(p, s);
  return iterator(p);
}

listpack::iterator listpack::erase(iterator pos) {
  const iterator next(next_entry(pos.p_));
  return iterator(splice(offset(pos), static_cast<size_t>(next.p_ - pos.p_), 0, -1));
}

listpack::iterator listpack::replace(iterator pos, std::string_view s) {
  if (owns(s)) {
    const std::string copy(s);
    return replace(pos, copy);
  }
  const iterator next(next_entry(pos.p_));
  uint8_t* p = splice(offset(pos), static_cast<size_t>(next.p_ - pos.p_), entry_size(s), 0);
  write_entry(p, s);
  return iterator(p);
}

void listpack::clear() {
  std::free(buf_);
  buf_ = nullptr;
}

void listpack::reserve_bytes(size_t n) {
  if (!buf_) {
    buf_ = allocate(header_size + 1 + n);
    store_le(buf_, header_size + 1, 4);
    buf_[4] = buf_[5] = 0;
    buf_[header_size] = end_marker;
    return;
  }
  const size_t need = bytes() + n;
  if (need > malloc_usable_size(buf_)) {
    void* p = std::realloc(buf_, need);
    if (!p)
      throw std::bad_alloc();
    buf_ = static_cast<uint8_t*>(p);
  }
}

}  // namespace credis
