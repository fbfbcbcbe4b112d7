// A database index argument (SELECT, MOVE, COPY .. DB) read as Redis reads it: an int.
#pragma once

#include <limits>
#include <string>
#include <string_view>

#include "protocol/integers.hpp"
#include "protocol/reply.hpp"
#include "storage/commands/command.hpp"
#include "storage/keyspace.hpp"

namespace credis {

// False, with Redis's error appended to `out`, when `arg` is not an integer, does not fit an
// int, or names no database.
inline bool parse_db_index(std::string_view arg, int& db, std::string& out) {
  int64_t v = 0;
  if (!parse_int64(arg, v)) {
    reply::error(out, errors::not_integer);
    return false;
  }
  if (v < std::numeric_limits<int>::min() || v > std::numeric_limits<int>::max()) {
    reply::error(out, "ERR value is out of range, value must between -2147483648 and 2147483647");
    return false;
  }
  if (v < 0 || v >= keyspace::db_count) {
    reply::error(out, errors::db_range);
    return false;
  }
  db = static_cast<int>(v);
  return true;
}

}  // namespace credis
