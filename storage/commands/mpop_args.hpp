// The arguments LMPOP, ZMPOP (and their blocking forms) share: numkeys key [key ...] WHERE
// [COUNT count], with Redis 7.0's checks in its order.
#pragma once

#include <cstdint>

#include "protocol/integers.hpp"
#include "protocol/reply.hpp"
#include "storage/commands/command.hpp"
#include "storage/commands/text.hpp"

namespace credis {

struct mpop_args {
  arg_list keys;
  std::string_view where;  // LEFT/RIGHT or MIN/MAX, checked by parse_where
  int64_t count = 1;
};

// Reads argv[numkeys_index] on; false once Redis's error is replied. parse_where(where) checks
// the direction word and replies the error when it is none.
template <class ParseWhere>
bool parse_mpop_args(exec_context& ctx, arg_list argv, size_t numkeys_index,
                     ParseWhere parse_where, mpop_args& out) {
  auto positive = [&](std::string_view arg, std::string_view error, int64_t& n) {
    if (parse_int64(arg, n) && n > 0)
      return true;
    reply::error(ctx.out, error);
    return false;
  };
  int64_t numkeys = 0;
  if (!positive(argv[numkeys_index], "ERR numkeys should be greater than 0", numkeys))
    return false;
  const size_t first_key = numkeys_index + 1;
  if (static_cast<uint64_t>(numkeys) >= argv.size() - first_key) {
    reply::error(ctx.out, errors::syntax);
    return false;
  }
  const size_t where_index = first_key + static_cast<size_t>(numkeys);
  out.keys = argv.subspan(first_key, static_cast<size_t>(numkeys));
  out.where = argv[where_index];
  if (!parse_where(out.where))
    return false;
  bool counted = false;
  for (size_t i = where_index + 1; i < argv.size(); ++i) {
    if (!counted && iequals(argv[i], "count") && i + 1 < argv.size()) {
      if (!positive(argv[++i], "ERR count should be greater than 0", out.count))
        return false;
      counted = true;
    } else {
      reply::error(ctx.out, errors::syntax);
      return false;
    }
  }
  return true;
}

}  // namespace credis
