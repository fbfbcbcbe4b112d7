#include "storage/entry_table.hpp"

#include <bit>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <new>
#include <stdexcept>

namespace credis {

namespace {

constexpr size_t npos = static_cast<size_t>(-1);
constexpr size_t min_slots = 16;

// Keeps slots used by nodes and tombstones under 3/4 of the array: linear probing stays short.
bool over_load(size_t used, size_t slots) { return used * 4 > slots * 3; }

size_t slots_for(size_t keys) {
  size_t n = min_slots;
  while (over_load(keys + 1, n))
    n *= 2;
  return n;
}

}  // namespace

size_t entry_table::hash_of(std::string_view key) { return std::hash<std::string_view>{}(key); }

size_t entry_table::find_slot(std::string_view key, size_t hash) const {
  if (slots_.empty())
    return npos;
  size_t mask = slots_.size() - 1;
  uintptr_t tag = tag_of(hash);
  for (size_t i = home_of(hash);; i = (i + 1) & mask) {
    uintptr_t s = slots_[i];
    if (s == empty)
      return npos;
    if (is_node(s) && tag_in(s) == tag && node_of(s)->key() == key)
      return i;
  }
}

entry_node* entry_table::find(std::string_view key) const {
  size_t i = find_slot(key, hash_of(key));
  return i == npos ? nullptr : node_of(slots_[i]);
}

entry_node* entry_table::find_or_insert(std::string_view key) {
  const size_t hash = hash_of(key);
  const size_t i = find_slot(key, hash);
  return i == npos ? insert(key, hash) : node_of(slots_[i]);
}

entry_node* entry_table::insert(std::string_view key, size_t hash) {
  if (slots_.empty() || over_load(size_ + tombstones_ + 1, slots_.size()))
    rehash(slots_for(size_ + 1));
  void* block = std::malloc(sizeof(entry_node) + key.size());
  if (!block)
    throw std::bad_alloc();
  auto* node = new (block) entry_node();
  node->key_len = static_cast<uint32_t>(key.size());
  std::memcpy(static_cast<char*>(block) + sizeof(entry_node), key.data(), key.size());
  auto bits = reinterpret_cast<uintptr_t>(node);
  if (bits & ~pointer_mask)
    throw std::runtime_error("entry_table: heap address above 2^48 cannot carry a hash tag");
  size_t mask = slots_.size() - 1;
  const size_t home = home_of(hash);
  size_t i = home;
  while (is_node(slots_[i]))
    i = (i + 1) & mask;
  if (slots_[i] == tombstone)
    --tombstones_;
  slots_[i] = make_slot(bits, tag_of(hash), (i - home) & mask);
  ++size_;
  return node;
}

void entry_table::erase(entry_node* node) {
  // The node is in the table: follow its probe chain to the slot that holds this very pointer
  // (no key comparisons; empty and tombstone slots hold no pointer).
  size_t mask = slots_.size() - 1;
  size_t i = home_slot(node);
  while (node_of(slots_[i]) != node)
    i = (i + 1) & mask;
  // A slot followed by an empty one ends every probe chain through it: it can be emptied.
  if (slots_[(i + 1) & mask] == empty) {
    slots_[i] = empty;
  } else {
    slots_[i] = tombstone;
    ++tombstones_;
  }
  --size_;
  node->~entry_node();
  std::free(node);
  // Give memory back once most keys are gone, as Redis shrinks a dict below 10% fill.
  if (slots_.size() > min_slots && size_ * 16 < slots_.size())
    rehash(slots_for(size_));
}

void entry_table::clear() {
  for (uintptr_t s : slots_) {
    if (is_node(s)) {
      node_of(s)->~entry_node();
      std::free(node_of(s));
    }
  }
  std::vector<uintptr_t>().swap(slots_);
  size_ = 0;
  tombstones_ = 0;
  shift_ = 64;
}

void entry_table::reserve(size_t n) {
  size_t wanted = slots_for(n);
  if (wanted > slots_.size())
    rehash(wanted);
}

void entry_table::rehash(size_t new_slot_count) {
  std::vector<uintptr_t> old(new_slot_count, empty);
  old.swap(slots_);
  shift_ = 64 - std::countr_zero(new_slot_count);  // a power of two
  size_t mask = slots_.size() - 1;
  for (uintptr_t s : old) {
    if (!is_node(s))
      continue;
    const size_t home = home_slot(node_of(s));
    size_t i = home;
    while (slots_[i] != empty)
      i = (i + 1) & mask;
    slots_[i] = make_slot(s & pointer_mask, tag_in(s), (i - home) & mask);
  }
  tombstones_ = 0;
}

}  // namespace credis
