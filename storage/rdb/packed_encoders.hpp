// Writing the compact encodings Redis 7.0 stores small aggregates in (the inverse of
// packed_decoders.hpp): listpacks with integer entries for canonical integers, and intsets.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "storage/listpack.hpp"

namespace credis::rdb {

// Appends entries to a listpack the way Redis's lpAppend does: a string that is a canonical
// integer becomes an integer entry.
class listpack_builder {
 public:
  explicit listpack_builder(std::string& out) : out_(out) { clear(); }
  void clear();
  void add(std::string_view s);
  size_t count() const { return count_; }
  // Bytes of the listpack so far, end marker included.
  size_t bytes() const { return out_.size() + 1; }
  // Completes the header and end marker; returns the listpack (a view of `out`).
  std::string_view finish();

 private:
  std::string& out_;
  size_t count_ = 0;
};

// `lp` as Redis would hold it: lp.data() itself when no entry is a canonical integer, else a
// copy with integer entries built in `scratch`.
std::string_view redis_listpack(const listpack& lp, std::string& scratch);

// An intset of `values` (sorted here, distinct), in the narrowest width that holds them all.
std::string_view build_intset(std::vector<int64_t>& values, std::string& out);

}  // namespace credis::rdb
