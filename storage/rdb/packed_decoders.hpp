// Readers for the compact encodings Redis stores inside RDB strings: ziplist, listpack, intset
// and zipmap. Each validates the container's header, every entry's bounds and encoding, and the
// terminator before handing out an entry, so garbage input fails with parse_error instead of
// reading outside the blob.
//
// `base` is the blob's offset in the file: errors report base + the position inside the blob, or
// just `base` when `exact` is false (a blob that was LZF-compressed in the file).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "storage/rdb/byte_cursor.hpp"

namespace credis::rdb {

// One entry of a ziplist or listpack: a string or an integer.
struct packed_item {
  std::string_view str;  // valid when !is_int; points into the blob
  int64_t num = 0;
  bool is_int = false;

  // The entry as text: `str`, or the integer written into `buf`.
  std::string_view view(char (&buf)[24]) const;
};

// The fast path for a listpack: checks the whole of it (header, every entry's encoding, bounds
// and back-length, end marker, count) and puts each entry in `out` (strings as views of
// `blob`). False on any corruption, which listpack_reader then reports.
bool scan_listpack(std::string_view blob, std::vector<packed_item>& out);

// The fast path for an intset: checks it (width, size, strictly ascending) and gives its count;
// false on any corruption, which intset_reader then reports.
bool scan_intset(std::string_view blob, size_t& count);

class ziplist_reader {
 public:
  ziplist_reader(std::string_view blob, size_t base, bool exact = true);
  // The next entry; false at the end marker (after checking the header's count and tail).
  bool next(packed_item& out);

 private:
  byte_cursor c_;
  size_t base_;
  uint32_t tail_;
  uint16_t header_count_;
  size_t count_ = 0;
  size_t prev_size_ = 0;
  size_t last_entry_ = 0;  // offset (inside the blob) of the last entry read
};

class listpack_reader {
 public:
  listpack_reader(std::string_view blob, size_t base, bool exact = true);
  bool next(packed_item& out);

 private:
  byte_cursor c_;
  uint16_t header_count_;
  size_t count_ = 0;
};

class intset_reader {
 public:
  intset_reader(std::string_view blob, size_t base, bool exact = true);
  bool next(int64_t& out);

 private:
  byte_cursor c_;
  uint32_t width_;
  uint32_t length_;
  uint32_t read_ = 0;
  int64_t prev_ = 0;
};

class zipmap_reader {
 public:
  zipmap_reader(std::string_view blob, size_t base, bool exact = true);
  bool next(std::string_view& key, std::string_view& val);

 private:
  uint64_t read_len();

  byte_cursor c_;
  uint8_t header_count_;
  size_t count_ = 0;
};

}  // namespace credis::rdb
