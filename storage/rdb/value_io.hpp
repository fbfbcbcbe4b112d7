// The RDB primitives a value codec kept outside the reader and writer works with (the stream
// codec): the reader and the writer each implement one side over their own input and output,
// so the codec sees Redis's length and string encodings without knowing how they are buffered.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "storage/listpack.hpp"
#include "storage/rdb/byte_cursor.hpp"

namespace credis::rdb {

class rdb_value_input {
 public:
  // The input itself, for fixed-size fields (raw IDs, millisecond times), offsets and errors.
  virtual byte_cursor& cursor() = 0;
  // A length (rdbLoadLen); an encoded-string byte there is an error.
  virtual uint64_t length() = 0;
  // A string in any of its encodings (raw, integer, LZF).
  virtual std::string string() = 0;
  // A string holding a listpack, checked as one (header, every entry, end marker) and taken
  // over; corruption is reported at the string's offset.
  virtual listpack listpack_string() = 0;

 protected:
  ~rdb_value_input() = default;
};

class rdb_value_output {
 public:
  // A length (rdbSaveLen).
  virtual void length(uint64_t n) = 0;
  // A string as rdbSaveRawString writes it: integer-encoded when it is a short canonical
  // integer, LZF-compressed when long and compressible (with rdbcompression on), else verbatim.
  virtual void string(std::string_view s) = 0;
  // Bytes as they are (rdbWriteRaw).
  virtual void raw(std::string_view bytes) = 0;

 protected:
  ~rdb_value_output() = default;
};

}  // namespace credis::rdb
