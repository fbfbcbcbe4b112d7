#include "storage/entry_table.hpp"

#include <cstdlib>
#include <cstring>
#include <new>

namespace credis {

namespace {

// A node for `key`, with room for a deadline_block in front when `with_deadline`.
entry_node* allocate_node(std::string_view key, bool with_deadline) {
  const bool long_key = key.size() >= entry_node::long_key;
  const size_t front = with_deadline ? sizeof(deadline_block) : 0;
  const size_t length_prefix = long_key ? sizeof(uint32_t) : 0;
  void* block = std::malloc(front + sizeof(entry_node) + length_prefix + key.size());
  if (!block)
    throw std::bad_alloc();
  if (with_deadline)
    new (block) deadline_block();
  auto* node = new (static_cast<char*>(block) + front) entry_node();
  node->e.val.set_holder_flag(with_deadline);
  node->e.val.set_holder_word(long_key ? entry_node::long_key : static_cast<uint16_t>(key.size()));
  char* tail = reinterpret_cast<char*>(node + 1);
  if (long_key) {
    const auto len = static_cast<uint32_t>(key.size());
    std::memcpy(tail, &len, sizeof(len));
    tail += sizeof(len);
  }
  std::memcpy(tail, key.data(), key.size());
  return node;
}

void free_node(entry_node* node) {
  void* block = node->allocation();
  node->~entry_node();
  std::free(block);
}

}  // namespace

entry_node* entry_table::find_or_insert(std::string_view key, size_t hash, bool with_deadline) {
  const size_t i = index_.find_slot(key, hash);
  if (i != index::npos) {
    entry_node* node = index_.node_at(i);
    return with_deadline && !node->has_deadline_block() ? move_to_deadline_block(node, i) : node;
  }
  entry_node* node = allocate_node(key, with_deadline);
  try {
    index_.insert(node, hash);
  } catch (...) {
    free_node(node);
    throw;
  }
  return node;
}

entry_node* entry_table::add_deadline_block(entry_node* node) {
  return move_to_deadline_block(node, index_.slot_of(node));
}

entry_node* entry_table::move_to_deadline_block(entry_node* node, size_t slot) {
  entry_node* moved = allocate_node(node->key(), true);
  // The value moves; the holder word and flag stay with each node (the new one has its own).
  moved->e.val = std::move(node->e.val);
  moved->e.val.set_access(node->e.val.access());
  index_.replace_at(slot, moved);
  free_node(node);
  return moved;
}

void entry_table::erase(entry_node* node) {
  index_.erase(node);
  free_node(node);
}

void entry_table::clear() {
  for (entry_node* n : index_)
    free_node(n);
  index_.clear();
}

}  // namespace credis
