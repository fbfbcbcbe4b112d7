#include "storage/entry_table.hpp"

#include <cstdlib>
#include <cstring>
#include <new>

namespace credis {

entry_node* entry_table::find_or_insert(std::string_view key, size_t hash) {
  const size_t i = index_.find_slot(key, hash);
  if (i != index::npos)
    return index_.node_at(i);
  void* block = std::malloc(sizeof(entry_node) + key.size());
  if (!block)
    throw std::bad_alloc();
  auto* node = new (block) entry_node();
  node->key_len = static_cast<uint32_t>(key.size());
  std::memcpy(static_cast<char*>(block) + sizeof(entry_node), key.data(), key.size());
  try {
    index_.insert(node, hash);
  } catch (...) {
    node->~entry_node();
    std::free(node);
    throw;
  }
  return node;
}

void entry_table::erase(entry_node* node) {
  index_.erase(node);
  node->~entry_node();
  std::free(node);
}

void entry_table::clear() {
  for (entry_node* n : index_) {
    n->~entry_node();
    std::free(n);
  }
  index_.clear();
}

}  // namespace credis
