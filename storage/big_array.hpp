// Memory for the big arrays that are replaced whole when they resize (a hash table's slot array
// doubling): from an allocator arena that gives freed pages back to the system at once. Under
// jemalloc's usual decay, a table that grew to a million keys kept its old arrays resident for
// seconds after: 7 bytes a key right after the load. Counted in used_memory like any other
// allocation.
#pragma once

#include <cstddef>
#include <cstdlib>
#include <new>
#include <string>
#include <vector>

namespace credis {

// From this size on an array comes from the returning arena; smaller ones from malloc.
constexpr size_t big_array_bytes = 256 * 1024;

void* allocate_big_array(size_t bytes);
void free_big_array(void* p);

// A std::allocator for such arrays: from `min_bytes` on they come from the returning arena.
template <class T, size_t min_bytes = big_array_bytes>
struct big_array_allocator {
  using value_type = T;
  template <class U>
  struct rebind {
    using other = big_array_allocator<U, min_bytes>;
  };

  big_array_allocator() = default;
  template <class U>
  big_array_allocator(const big_array_allocator<U, min_bytes>&) noexcept {}

  T* allocate(size_t n) {
    const size_t bytes = n * sizeof(T);
    void* p = bytes >= min_bytes ? allocate_big_array(bytes) : std::malloc(bytes);
    if (!p)
      throw std::bad_alloc();
    return static_cast<T*>(p);
  }
  void deallocate(T* p, size_t n) noexcept {
    if (n * sizeof(T) >= min_bytes)
      free_big_array(p);
    else
      std::free(p);
  }
  template <class U>
  bool operator==(const big_array_allocator<U, min_bytes>&) const noexcept {
    return true;
  }
};

// Buffers a burst of traffic grows and its end frees: a connection's input, a deep pipeline's
// batch. Past the sizes jemalloc caches per thread, they too come from the returning arena, so
// that a burst that is over leaves no resident pages behind.
constexpr size_t burst_buffer_bytes = 32 * 1024;
template <class T>
using burst_vector = std::vector<T, big_array_allocator<T, burst_buffer_bytes>>;
using burst_string =
    std::basic_string<char, std::char_traits<char>, big_array_allocator<char, burst_buffer_bytes>>;

}  // namespace credis
