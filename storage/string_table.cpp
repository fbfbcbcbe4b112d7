#include "storage/string_table.hpp"

#include <malloc.h>

#include <cstdlib>
#include <new>
#include <string>

namespace credis {

namespace {

unsigned char* write_length(unsigned char* p, size_t n) {
  if (n < 255) {
    *p = static_cast<unsigned char>(n);
    return p + 1;
  }
  *p = 255;
  const uint64_t v = n;
  std::memcpy(p + 1, &v, sizeof v);
  return p + 9;
}

// Writes the element's lengths and bytes into `p` (block_size bytes).
void write_element(unsigned char* p, std::string_view key, std::string_view value, int parts) {
  p = write_length(p, key.size());
  if (parts == 2)
    p = write_length(p, value.size());
  if (!key.empty())
    std::memcpy(p, key.data(), key.size());
  if (parts == 2 && !value.empty())
    std::memcpy(p + key.size(), value.data(), value.size());
}

void* allocate(size_t n) {
  void* p = std::malloc(n);
  if (!p)
    throw std::bad_alloc();
  return p;
}

}  // namespace

template <int Parts>
string_table<Parts>::string_table(const string_table& o) {
  try {
    index_.reserve(o.size());
    for (const node* n : o) {
      const std::string_view k = key(n);
      const size_t size = block_size(k, Parts == 2 ? second(n) : std::string_view());
      auto* copy = static_cast<node*>(allocate(size));
      std::memcpy(copy, n, size);
      try {
        index_.insert(copy, index::hash_of(k));
      } catch (...) {
        std::free(copy);
        throw;
      }
    }
  } catch (...) {
    free_nodes();  // (no destructor runs for a constructor that throws)
    throw;
  }
}

template <int Parts>
string_table<Parts>::~string_table() {
  free_nodes();
}

template <int Parts>
void string_table<Parts>::free_nodes() {
  for (node* n : index_)
    std::free(n);
  index_.clear();
}

template <int Parts>
bool string_table<Parts>::insert(std::string_view key, std::string_view value) {
  const size_t hash = index::hash_of(key);
  if (index_.find_slot(key, hash) != index::npos)
    return false;
  auto* n = static_cast<node*>(allocate(block_size(key, value)));
  write_element(reinterpret_cast<unsigned char*>(n), key, value, Parts);
  try {
    index_.insert(n, hash);
  } catch (...) {
    std::free(n);
    throw;
  }
  return true;
}

template <int Parts>
bool string_table<Parts>::assign(std::string_view key, std::string_view value)
  requires(Parts == 2)
{
  const size_t hash = index::hash_of(key);
  const size_t slot = index_.find_slot(key, hash);
  if (slot == index::npos)
    return insert(key, value);
  node* old = index_.node_at(slot);
  const std::string_view old_key = string_table::key(old);
  const size_t needed = block_size(old_key, value);
  const size_t usable = malloc_usable_size(old);
  // In place when the value's length takes as many bytes and the block fits without wasting
  // half of it (`value` may not point into the block: requests and results never do).
  if (length_size(value.size()) == length_size(second(old).size()) && needed <= usable &&
      usable <= 2 * needed + 16) {
    unsigned char* p = write_length(reinterpret_cast<unsigned char*>(old), old_key.size());
    p = write_length(p, value.size());
    if (!value.empty())
      std::memmove(p + old_key.size(), value.data(), value.size());
    return false;
  }
  auto* n = static_cast<node*>(allocate(needed));
  write_element(reinterpret_cast<unsigned char*>(n), old_key, value, Parts);
  index_.replace_at(slot, n);
  std::free(old);
  return false;
}

template <int Parts>
bool string_table<Parts>::erase(std::string_view key) {
  const size_t slot = index_.find_slot(key, index::hash_of(key));
  if (slot == index::npos)
    return false;
  node* n = index_.node_at(slot);
  index_.erase_at(slot);
  std::free(n);
  return true;
}

template class string_table<1>;
template class string_table<2>;

}  // namespace credis
