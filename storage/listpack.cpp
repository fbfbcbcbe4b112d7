#include "storage/listpack.hpp"

#include <malloc.h>

#include <cstdlib>
#include <cstring>
#include <new>
#include <string>

namespace credis {

namespace {

constexpr uint8_t end_marker = 0xFF;

uint32_t load_u32(const uint8_t* p) {
  return static_cast<uint32_t>(p[0]) | (static_cast<uint32_t>(p[1]) << 8) |
         (static_cast<uint32_t>(p[2]) << 16) | (static_cast<uint32_t>(p[3]) << 24);
}

void store_u32(uint8_t* p, size_t v) {
  for (int i = 0; i < 4; ++i)
    p[i] = static_cast<uint8_t>(v >> (8 * i));
}

// Header size and string length of the entry at `p` (string encodings only).
struct entry_shape {
  size_t head;
  size_t len;
};

entry_shape shape(const uint8_t* p) {
  const uint8_t b = p[0];
  if (b < 0xE0)  // 10xxxxxx
    return {1, static_cast<size_t>(b & 0x3F)};
  if (b < 0xF0)  // 1110xxxx xxxxxxxx
    return {2, (static_cast<size_t>(b & 0x0F) << 8) | p[1]};
  return {5, load_u32(p + 1)};  // 11110000 + 4 bytes
}

size_t backlen_size(size_t len) {
  return len <= 127 ? 1 : len < 16383 ? 2 : len < 2097151 ? 3 : len < 268435455 ? 4 : 5;
}

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
  lp.buf_[4] = static_cast<uint8_t>(count);
  lp.buf_[5] = static_cast<uint8_t>(count >> 8);
  return lp;
}

size_t listpack::bytes() const { return buf_ ? load_u32(buf_) : header_size + 1; }

std::string_view listpack::data() const {
  static const char empty_listpack[] = {7, 0, 0, 0, 0, 0, static_cast<char>(end_marker)};
  if (!buf_)
    return {empty_listpack, sizeof empty_listpack};
  return {reinterpret_cast<const char*>(buf_), bytes()};
}

std::string_view listpack::iterator::operator*() const {
  const entry_shape e = shape(p_);
  return {reinterpret_cast<const char*>(p_ + e.head), e.len};
}

listpack::iterator& listpack::iterator::operator++() {
  const entry_shape e = shape(p_);
  p_ += e.head + e.len + backlen_size(e.head + e.len);
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
  const iterator stop = end();
  for (iterator it = from; it != stop;) {
    if (*it == s)
      return it;
    for (size_t i = 0; i < stride && it != stop; ++i)
      ++it;
  }
  return stop;
}

size_t listpack::entry_size(size_t len) {
  const size_t head = len < 64 ? 1 : len < 4096 ? 2 : 5;
  return head + len + backlen_size(head + len);
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
  const size_t len = s.size();
  size_t head;
  if (len < 64) {
    p[0] = static_cast<uint8_t>(0x80 | len);
    head = 1;
  } else if (len < 4096) {
    p[0] = static_cast<uint8_t>(0xE0 | (len >> 8));
    p[1] = static_cast<uint8_t>(len);
    head = 2;
  } else {
    p[0] = 0xF0;
    store_u32(p + 1, len);
    head = 5;
  }
  std::memcpy(p + head, s.data(), len);
  return p + head + len + write_backlen(p + head + len, head + len);
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
    // Grow ahead of need so a run of appends does not copy the block every time.
    void* p = std::realloc(buf_, new_total + new_total / 4);
    if (!p)
      throw std::bad_alloc();
    buf_ = static_cast<uint8_t*>(p);
  }
  std::memmove(buf_ + at + inserted, buf_ + at + removed, old_total - at - removed);
  store_u32(buf_, new_total);
  const size_t count = size() + static_cast<size_t>(static_cast<ptrdiff_t>(count_delta));
  buf_[4] = static_cast<uint8_t>(count);
  buf_[5] = static_cast<uint8_t>(count >> 8);
  if (capacity > 2 * new_total + 64) {  // give back what a shrunken listpack no longer needs
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
  uint8_t* p = splice(buf_ ? offset(pos) : header_size, 0, entry_size(s.size()), 1);
  write_entry(p, s);
  return iterator(p);
}

listpack::iterator listpack::erase(iterator pos) {
  iterator next = pos;
  ++next;
  return iterator(splice(offset(pos), static_cast<size_t>(next.p_ - pos.p_), 0, -1));
}

listpack::iterator listpack::replace(iterator pos, std::string_view s) {
  if (owns(s)) {
    const std::string copy(s);
    return replace(pos, copy);
  }
  iterator next = pos;
  ++next;
  uint8_t* p = splice(offset(pos), static_cast<size_t>(next.p_ - pos.p_), entry_size(s.size()), 0);
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
    store_u32(buf_, header_size + 1);
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
