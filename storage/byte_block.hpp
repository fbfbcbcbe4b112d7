// A reference-counted block of bytes that holds one large string.
//
// The buffer a connection reads a big bulk argument into becomes the stored value as it is, and
// a GET reply takes another reference instead of copying the bytes, so a value of N bytes costs
// N bytes on its way in, at rest and on its way out. The count is atomic because a reply may be
// released on another thread than the one that stores the value.
#pragma once

#include <atomic>
#include <cstddef>
#include <string_view>
#include <utility>

namespace credis {

class byte_block {
 public:
  byte_block() = default;
  // A block of `size` uninitialised bytes, with room for at least `capacity` of them.
  static byte_block allocate(size_t size, size_t capacity = 0);
  static byte_block copy_of(std::string_view bytes);

  byte_block(const byte_block& o) noexcept : h_(o.h_) { retain(); }
  byte_block(byte_block&& o) noexcept : h_(std::exchange(o.h_, nullptr)) {}
  byte_block& operator=(const byte_block& o) noexcept {
    byte_block(o).swap(*this);
    return *this;
  }
  byte_block& operator=(byte_block&& o) noexcept {
    byte_block(std::move(o)).swap(*this);
    return *this;
  }
  ~byte_block() { release(); }
  void swap(byte_block& o) noexcept { std::swap(h_, o.h_); }

  explicit operator bool() const { return h_ != nullptr; }
  char* data() const { return h_ ? reinterpret_cast<char*>(h_ + 1) : nullptr; }
  size_t size() const { return h_ ? h_->size : 0; }
  size_t capacity() const;
  std::string_view view() const { return {data(), size()}; }
  // Nobody else holds the block, so it may be changed in place.
  bool unique() const { return h_ && h_->refs.load(std::memory_order_acquire) == 1; }
  void resize(size_t n) { h_->size = n; }  // n <= capacity()

 private:
  struct header {
    std::atomic<uint32_t> refs;
    size_t size;
  };
  explicit byte_block(header* h) : h_(h) {}
  void retain() const {
    if (h_)
      h_->refs.fetch_add(1, std::memory_order_relaxed);
  }
  void release();

  header* h_ = nullptr;
};

}  // namespace credis
