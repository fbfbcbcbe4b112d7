// The value stored under a key: a string, list, set, hash, sorted set or stream, in 16 bytes,
// three of which hold its access bits (storage/access_clock.hpp, OBJECT IDLETIME/FREQ) and two
// and a bit its holder's own use (the database's node keeps its key's length there).
//
// Strings of up to 10 bytes live inside the value itself (most counters, flags and short
// tokens), longer ones in one heap block, and those of 32 KB and more in a shared byte_block (a
// big request argument becomes the value without a copy, and replies share it); the aggregate
// types (storage/aggregates.hpp) live behind a pointer. A key's value and key bytes (and its
// deadline, when it has one) are then one allocation of the database's table.
#pragma once

#include <cstdint>
#include <cstring>
#include <new>
#include <string>
#include <string_view>
#include <utility>

#include "storage/aggregates.hpp"
#include "storage/byte_block.hpp"
#include "storage/stream.hpp"

namespace credis {

enum class value_type : uint8_t { string, list, set, hash, zset, stream };

// Name as TYPE reports it.
std::string_view type_name(value_type t);

class value {
 public:
  value() { set_small(0); }
  explicit value(std::string_view s) { init_string(s); }
  explicit value(const std::string& s) { init_string(s); }
  explicit value(const char* s) { init_string(s); }
  explicit value(byte_block b);
  explicit value(list_value l) { set_inline(kind_list, std::move(l)); }
  explicit value(set_value s) { set_aggregate(kind_set, new set_value(std::move(s))); }
  explicit value(hash_value h) { set_inline(kind_hash, std::move(h)); }
  explicit value(zset_value z) { set_inline(kind_zset, std::move(z)); }
  explicit value(stream_value s) { set_aggregate(kind_stream, new stream_value(std::move(s))); }

  // The holder's bits stay with the holder: neither side's move.
  value(value&& o) noexcept {
    std::memcpy(bytes_, o.bytes_, sizeof(bytes_));
    set_holder_word(0);
    set_holder_flag(false);
    o.set_small(0);
  }
  // The access bits stay too: they belong to the key whose value is replaced (a write found
  // it, which counted as an access).
  value& operator=(value&& o) noexcept {
    if (this != &o) {
      release();
      std::memcpy(bytes_, o.bytes_, holder_offset);
      set_kind_byte(static_cast<uint8_t>(o.bytes_[15] & ~holder_flag_bit));
      o.set_small(0);
    }
    return *this;
  }
  value(const value&) = delete;  // copies are deliberate: clone()
  value& operator=(const value&) = delete;
  ~value() {
    if (get_kind() != kind_small)
      release_owned();
  }

  value_type type() const;

  // The string's bytes; valid until the value is next changed.
  std::string_view str() const;
  void assign_str(std::string_view s);
  void append_str(std::string_view s);
  // The string's bytes, to change in place: first padded with zero bytes to `min_size` when
  // shorter, and made this value's own when a reply still shares them. The value must be a
  // string; the pointer is valid until the value is next changed.
  char* writable_str(size_t min_size);

  list_value& list() { return in_place<list_value>(); }
  const list_value& list() const { return in_place<list_value>(); }
  set_value& set() { return *static_cast<set_value*>(pointer()); }
  const set_value& set() const { return *static_cast<const set_value*>(pointer()); }
  hash_value& hash() { return in_place<hash_value>(); }
  const hash_value& hash() const { return in_place<hash_value>(); }
  zset_value& zset() { return in_place<zset_value>(); }
  const zset_value& zset() const { return in_place<zset_value>(); }
  stream_value& stream() { return *static_cast<stream_value*>(pointer()); }
  const stream_value& stream() const { return *static_cast<const stream_value*>(pointer()); }

  value clone() const;

  // The 24 access bits (LRU clock or LFU minute and counter).
  uint32_t access() const {
    return bytes_[access_offset] | (bytes_[access_offset + 1] << 8) |
           (static_cast<uint32_t>(bytes_[access_offset + 2]) << 16);
  }
  void set_access(uint32_t bits) {
    bytes_[access_offset] = static_cast<uint8_t>(bits);
    bytes_[access_offset + 1] = static_cast<uint8_t>(bits >> 8);
    bytes_[access_offset + 2] = static_cast<uint8_t>(bits >> 16);
  }

  // Two bytes and a flag that belong to whoever holds the value, not to the value: moves and
  // assignments in and out leave them where they are (a moved-to value starts with zeros).
  uint16_t holder_word() const {
    return static_cast<uint16_t>(bytes_[holder_offset] | (bytes_[holder_offset + 1] << 8));
  }
  void set_holder_word(uint16_t w) {
    bytes_[holder_offset] = static_cast<uint8_t>(w);
    bytes_[holder_offset + 1] = static_cast<uint8_t>(w >> 8);
  }
  bool holder_flag() const { return bytes_[15] & holder_flag_bit; }
  void set_holder_flag(bool on) {
    bytes_[15] =
        static_cast<uint8_t>(on ? (bytes_[15] | holder_flag_bit) : (bytes_[15] & ~holder_flag_bit));
  }

  // The shared block behind a large string (a new reference), or an empty one.
  byte_block shared_block() const;

  // The heap block behind the value (a long string's bytes, an aggregate's elements), or
  // nullptr: for prefetching ahead of a walk over many values.
  const void* heap_block() const;

 private:
  // The last byte says what bytes 0-9 hold: its low 3 bits the kind, and for a small string
  // its length in bits 3-6; bit 7 is the holder's flag. A heap string (under large_size)
  // keeps its pointer in bytes 0-7 and its size in bytes 8-9; its capacity is the allocator's
  // usable size of the block. A list, hash or sorted set (one word: storage/aggregates.hpp)
  // lives in bytes 0-7; a set or stream behind a pointer there. Bytes 10-11 are the holder's
  // word and 12-14 the access bits, whatever the kind.
  enum kind : uint8_t {
    kind_small, kind_heap, kind_list, kind_set, kind_hash, kind_zset, kind_large, kind_stream
  };
  static constexpr size_t holder_offset = 10;
  static constexpr size_t access_offset = 12;
  static constexpr uint8_t holder_flag_bit = 0x80;
  static constexpr size_t small_capacity = holder_offset;
  // From this size on a string lives in a byte_block: the size of the request arguments that
  // connections read straight into one (Redis's PROTO_MBULK_BIG_ARG).
  static constexpr size_t large_size = 32 * 1024;

  kind get_kind() const { return static_cast<kind>(bytes_[15] & 7); }
  size_t small_size() const { return (bytes_[15] >> 3) & 15; }
  // Sets the kind (and small size) bits, keeping the holder's flag.
  void set_kind_byte(uint8_t b) {
    bytes_[15] = static_cast<uint8_t>((bytes_[15] & holder_flag_bit) | b);
  }
  void set_small(size_t len) { set_kind_byte(static_cast<uint8_t>((len << 3) | kind_small)); }
  void* pointer() const {
    void* p;
    std::memcpy(&p, bytes_, sizeof(p));
    return p;
  }
  void set_pointer(void* p) { std::memcpy(bytes_, &p, sizeof(p)); }
  size_t heap_size() const { return bytes_[8] | (bytes_[9] << 8); }
  void set_heap(char* p, size_t n) {
    static_assert(large_size <= 65536, "a heap string's size takes two bytes");
    set_pointer(p);
    bytes_[8] = static_cast<uint8_t>(n);
    bytes_[9] = static_cast<uint8_t>(n >> 8);
    set_kind_byte(kind_heap);
  }
  void set_aggregate(kind k, void* p) {
    set_pointer(p);
    set_kind_byte(k);
  }
  // The aggregates kept in bytes 0-7: moving a value moves their one word with the bytes. That
  // relocation by memcpy holds while no aggregate points into itself (its word points to a heap
  // block or container, never to the value), as for the byte_block of a large string.
  template <class T>
  void set_inline(kind k, T&& agg) {
    static_assert(sizeof(T) == sizeof(void*));
    new (bytes_) T(std::move(agg));
    set_kind_byte(k);
  }
  template <class T>
  T& in_place() {
    return *std::launder(reinterpret_cast<T*>(bytes_));
  }
  template <class T>
  const T& in_place() const {
    return *std::launder(reinterpret_cast<const T*>(bytes_));
  }
  void init_string(std::string_view s);
  // A large string's byte_block lives in bytes 0-7 (a pointer, so moving a value's bytes
  // moves it too).
  void set_large(byte_block b) {
    new (bytes_) byte_block(std::move(b));
    set_kind_byte(kind_large);
  }
  byte_block& large() { return *std::launder(reinterpret_cast<byte_block*>(bytes_)); }
  const byte_block& large() const {
    return *std::launder(reinterpret_cast<const byte_block*>(bytes_));
  }
  // Frees what the value owns and leaves the empty string; the small case is inline (most
  // values moved or destroyed are moved-from or short strings).
  void release() {
    if (get_kind() != kind_small)
      release_owned();
    set_small(0);
  }
  void release_owned();

  alignas(8) uint8_t bytes_[16] = {};
};

static_assert(sizeof(value) == 16);

// An empty value of `t`: "" or an empty aggregate.
value empty_value(value_type t);

}  // namespace credis
