#include "storage/byte_block.hpp"

#include <malloc.h>

#include <cstdlib>
#include <cstring>
#include <new>

namespace credis {

byte_block byte_block::allocate(size_t size, size_t capacity) {
  if (capacity < size)
    capacity = size;
  void* p = std::malloc(sizeof(header) + capacity);
  if (!p)
    throw std::bad_alloc();
  auto* h = new (p) header{{1}, size};
  return byte_block(h);
}

byte_block byte_block::copy_of(std::string_view bytes) {
  byte_block b = allocate(bytes.size());
  std::memcpy(b.data(), bytes.data(), bytes.size());
  return b;
}

size_t byte_block::capacity() const {
  return h_ ? malloc_usable_size(h_) - sizeof(header) : 0;
}

void byte_block::release() {
  if (h_ && h_->refs.fetch_sub(1, std::memory_order_acq_rel) == 1) {
    h_->~header();
    std::free(h_);
  }
  h_ = nullptr;
}

}  // namespace credis
