#include "storage/value.hpp"

#include <algorithm>

#include <malloc.h>

#include <cstdlib>
#include <new>

namespace credis {

namespace {

char* allocate_chars(size_t n) {
  void* p = std::malloc(n == 0 ? 1 : n);
  if (!p)
    throw std::bad_alloc();
  return static_cast<char*>(p);
}

// Appends grow a string's block ahead of need, like Redis's sdsMakeRoomFor: doubling up to
// 1 MB, then 1 MB at a time, so a run of APPENDs costs amortised O(1) per byte.
size_t grown_capacity(size_t needed) {
  constexpr size_t step = 1024 * 1024;
  return needed < step ? needed * 2 : needed + step;
}

}  // namespace

std::string_view type_name(value_type t) {
  switch (t) {
    case value_type::string: return "string";
    case value_type::list: return "list";
    case value_type::set: return "set";
    case value_type::hash: return "hash";
    case value_type::zset: return "zset";
    case value_type::stream: return "stream";
  }
  return "none";
}

value_type value::type() const {
  switch (get_kind()) {
    case kind_list: return value_type::list;
    case kind_set: return value_type::set;
    case kind_hash: return value_type::hash;
    case kind_zset: return value_type::zset;
    case kind_stream: return value_type::stream;
    default: return value_type::string;
  }
}

std::string_view value::str() const {
  switch (get_kind()) {
    case kind_small:
      return {reinterpret_cast<const char*>(bytes_), small_size()};
    case kind_large: return large().view();
    default: return {static_cast<const char*>(pointer()), heap_size()};
  }
}

value::value(byte_block b) {
  if (b.size() < large_size)
    init_string(b.view());
  else
    set_large(std::move(b));
}

byte_block value::shared_block() const {
  return get_kind() == kind_large ? large() : byte_block();
}

void value::init_string(std::string_view s) {
  if (s.size() <= small_capacity) {
    std::memcpy(bytes_, s.data(), s.size());
    set_small(s.size());
    return;
  }
  if (s.size() >= large_size) {
    set_large(byte_block::copy_of(s));
    return;
  }
  char* p = allocate_chars(s.size());
  std::memcpy(p, s.data(), s.size());
  set_heap(p, s.size());
}

void value::assign_str(std::string_view s) {
  if (get_kind() == kind_large && s.size() >= large_size && large().unique()) {
    byte_block& b = large();
    if (s.size() <= b.capacity() && b.capacity() <= 2 * s.size()) {
      std::memmove(b.data(), s.data(), s.size());
      b.resize(s.size());
      return;
    }
  }
  if (get_kind() == kind_heap) {
    char* p = static_cast<char*>(pointer());
    size_t capacity = malloc_usable_size(p);
    // Reuse the block unless it would waste more than it holds.
    if (s.size() > small_capacity && s.size() <= capacity && capacity <= 2 * s.size() + 64) {
      std::memmove(p, s.data(), s.size());
      set_heap(p, s.size());
      return;
    }
  }
  value replacement(s);  // built first: `s` may point into this value
  *this = std::move(replacement);
}

void value::append_str(std::string_view s) {
  std::string_view current = str();
  size_t needed = current.size() + s.size();
  if (needed >= large_size) {
    // In place while nobody shares the block (a reply being sent may), else into a new one.
    if (get_kind() == kind_large && large().unique() && needed <= large().capacity()) {
      std::memmove(large().data() + current.size(), s.data(), s.size());
      large().resize(needed);
      return;
    }
    byte_block grown = byte_block::allocate(needed, grown_capacity(needed));
    std::memcpy(grown.data(), current.data(), current.size());
    std::memcpy(grown.data() + current.size(), s.data(), s.size());
    release();
    set_large(std::move(grown));
    return;
  }
  if (get_kind() == kind_heap && needed <= malloc_usable_size(pointer())) {
    char* p = static_cast<char*>(pointer());
    std::memmove(p + current.size(), s.data(), s.size());
    set_heap(p, needed);
    return;
  }
  if (get_kind() == kind_small && needed <= small_capacity) {
    std::memmove(bytes_ + current.size(), s.data(), s.size());
    set_small(needed);
    return;
  }
  char* p = allocate_chars(grown_capacity(needed));
  std::memcpy(p, current.data(), current.size());
  std::memcpy(p + current.size(), s.data(), s.size());
  release();
  set_heap(p, needed);
}

char* value::writable_str(size_t min_size) {
  static const char zeros[64 * 1024] = {};
  for (size_t n = str().size(); n < min_size; n = str().size())
    append_str(std::string_view(zeros, std::min(sizeof(zeros), min_size - n)));
  switch (get_kind()) {
    case kind_small: return reinterpret_cast<char*>(bytes_);
    case kind_heap: return static_cast<char*>(pointer());
    case kind_large:
      if (!large().unique()) {
        byte_block own = byte_block::copy_of(large().view());
        release();
        set_large(std::move(own));
      }
      return large().data();
    default: return nullptr;  // not a string
  }
}

void value::release_owned() {
  switch (get_kind()) {
    case kind_small: break;
    case kind_heap: std::free(pointer()); break;
    case kind_list: list().~list_value(); break;
    case kind_set: delete &set(); break;
    case kind_hash: hash().~hash_value(); break;
    case kind_zset: zset().~zset_value(); break;
    case kind_stream: delete &stream(); break;
    case kind_large: large().~byte_block(); break;
  }
}

const void* value::heap_block() const {
  switch (get_kind()) {
    case kind_small: return nullptr;
    case kind_list: return list().block();
    case kind_hash: return hash().block();
    case kind_zset: return zset().block();
    default: return pointer();
  }
}

value value::clone() const {
  switch (type()) {
    case value_type::string: return value(str());
    case value_type::list: return value(list());
    case value_type::set: return value(set());
    case value_type::hash: return value(hash());
    case value_type::zset: return value(zset());
    case value_type::stream: return value(stream().clone());
  }
  return value();
}

value empty_value(value_type t) {
  switch (t) {
    case value_type::list:
      return value(list_value());
    case value_type::set:
      return value(set_value());
    case value_type::hash:
      return value(hash_value());
    case value_type::zset:
      return value(zset_value());
    case value_type::stream:
      return value(stream_value());
    case value_type::string:
      break;
  }
  return value();
}

}  // namespace credis
