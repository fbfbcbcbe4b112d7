#include "storage/intset.hpp"

#include <malloc.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <new>

#include "storage/little_endian.hpp"

namespace credis {

namespace {

constexpr size_t header_size = 8;

int64_t read_int(const uint8_t* p, uint32_t width) {
  return sign_extend(load_le(p, width), 8 * width);
}

// The narrowest width that holds `v` (_intsetValueEncoding).
uint32_t width_of(int64_t v) {
  if (v < INT32_MIN || v > INT32_MAX)
    return 8;
  if (v < INT16_MIN || v > INT16_MAX)
    return 4;
  return 2;
}

uint8_t* reallocate(uint8_t* p, size_t n) {
  void* q = std::realloc(p, n);
  if (!q)
    throw std::bad_alloc();
  return static_cast<uint8_t*>(q);
}

}  // namespace

intset::intset(const intset& o) {
  if (o.buf_) {
    const std::string_view d = o.data();
    buf_ = reallocate(nullptr, d.size());
    std::memcpy(buf_, d.data(), d.size());
  }
}

intset& intset::operator=(const intset& o) {
  if (this != &o)
    *this = intset(o);
  return *this;
}

intset& intset::operator=(intset&& o) noexcept {
  if (this != &o) {
    std::free(buf_);
    buf_ = o.buf_;
    o.buf_ = nullptr;
  }
  return *this;
}

intset::~intset() { std::free(buf_); }

intset intset::from_bytes(std::string_view encoded) {
  uint8_t* block = reallocate(nullptr, encoded.size());
  std::memcpy(block, encoded.data(), encoded.size());
  return adopt(block);
}

intset intset::adopt(uint8_t* block) {
  intset s;
  s.buf_ = block;
  return s;
}

uint32_t intset::width() const { return buf_ ? static_cast<uint32_t>(load_le(buf_, 4)) : 2; }

size_t intset::size() const { return buf_ ? static_cast<size_t>(load_le(buf_ + 4, 4)) : 0; }

std::string_view intset::data() const {
  static const char empty_intset[header_size] = {2, 0, 0, 0, 0, 0, 0, 0};
  if (!buf_)
    return {empty_intset, header_size};
  return {reinterpret_cast<const char*>(buf_), header_size + width() * size()};
}

int64_t intset::at(size_t i) const {
  const uint32_t w = width();
  return read_int(buf_ + header_size + i * w, w);
}

size_t intset::search(int64_t v, bool& found) const {
  size_t lo = 0, hi = size();
  while (lo < hi) {
    const size_t mid = lo + (hi - lo) / 2;
    const int64_t m = at(mid);
    if (m == v) {
      found = true;
      return mid;
    }
    if (m < v)
      lo = mid + 1;
    else
      hi = mid;
  }
  found = false;
  return lo;
}

bool intset::contains(int64_t v) const {
  bool found = false;
  if (buf_ && width_of(v) <= width())
    search(v, found);
  return found;
}

bool intset::insert(int64_t v) {
  const size_t n = size();
  const uint32_t w = width(), nw = std::max(w, width_of(v));
  if (nw > w || !buf_) {
    // A wider width (or the first member): rewrite every member; `v` is then the smallest or
    // the largest (or the only) one.
    uint8_t* block = reallocate(nullptr, header_size + nw * (n + 1));
    const bool first = n > 0 && v < 0;
    for (size_t i = 0; i < n; ++i)
      store_le(block + header_size + (i + first) * nw, static_cast<uint64_t>(at(i)), nw);
    store_le(block + header_size + (first ? 0 : n) * nw, static_cast<uint64_t>(v), nw);
    store_le(block, nw, 4);
    store_le(block + 4, n + 1, 4);
    std::free(buf_);
    buf_ = block;
    return true;
  }
  bool found;
  const size_t i = search(v, found);
  if (found)
    return false;
  const size_t need = header_size + w * (n + 1);
  if (need > malloc_usable_size(buf_))
    buf_ = reallocate(buf_, need + need / 4);
  uint8_t* at_i = buf_ + header_size + i * w;
  std::memmove(at_i + w, at_i, (n - i) * w);
  store_le(at_i, static_cast<uint64_t>(v), w);
  store_le(buf_ + 4, n + 1, 4);
  return true;
}

bool intset::erase(int64_t v) {
  bool found = false;
  if (!buf_ || width_of(v) > width())
    return false;
  const size_t i = search(v, found);
  if (!found)
    return false;
  const size_t n = size();
  const uint32_t w = width();
  uint8_t* at_i = buf_ + header_size + i * w;
  std::memmove(at_i, at_i + w, (n - i - 1) * w);
  store_le(buf_ + 4, n - 1, 4);
  return true;
}

void intset::clear() {
  std::free(buf_);
  buf_ = nullptr;
}

}  // namespace credis
