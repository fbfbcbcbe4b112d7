// Memory for the big arrays that are replaced whole when they resize (a hash table's slot array
// doubling): from an allocator arena that gives freed pages back to the system at once. Under
// jemalloc's usual decay, a table that grew to a million keys kept its old arrays resident for
// seconds after: 7 bytes a key right after the load. Counted in used_memory like any other
// allocation.
#pragma once

#include <cstddef>
#include <cstdlib>
#include <new>

namespace credis {

// From this size on an array comes from the returning arena; smaller ones from malloc.
constexpr size_t big_array_bytes = 256 * 1024;

void* allocate_big_array(size_t bytes);
void free_big_array(void* p);

// A std::allocator for such arrays.
template <class T>
struct big_array_allocator {
  using value_type = T;

  big_array_allocator() = default;
  template <class U>
  big_array_allocator(const big_array_allocator<U>&) noexcept {}

  T* allocate(size_t n) {
    const size_t bytes = n * sizeof(T);
    void* p = bytes >= big_array_bytes ? allocate_big_array(bytes) : std::malloc(bytes);
    if (!p)
      throw std::bad_alloc();
    return static_cast<T*>(p);
  }
  void deallocate(T* p, size_t n) noexcept {
    if (n * sizeof(T) >= big_array_bytes)
      free_big_array(p);
    else
      std::free(p);
  }
  template <class U>
  bool operator==(const big_array_allocator<U>&) const noexcept {
    return true;
  }
};

}  // namespace credis
