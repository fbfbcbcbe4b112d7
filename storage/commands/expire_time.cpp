#include "storage/commands/expire_time.hpp"

#include <limits>

#include "protocol/integers.hpp"
#include "protocol/reply.hpp"

namespace credis {

bool parse_deadline(exec_context& ctx, std::string_view arg, time_unit unit, bool absolute,
                    bool positive_only, std::string_view command_name, unix_ms& deadline) {
  int64_t v = 0;
  if (!parse_int64(arg, v)) {
    reply::error(ctx.out, errors::not_integer);
    return false;
  }
  constexpr int64_t max = std::numeric_limits<int64_t>::max();
  constexpr int64_t min = std::numeric_limits<int64_t>::min();
  bool valid = !(positive_only && v <= 0);
  if (valid && unit == time_unit::seconds) {
    if (v > max / 1000 || v < min / 1000)
      valid = false;
    else
      v *= 1000;
  }
  if (valid && !absolute) {
    if (v > max - ctx.now)
      valid = false;
    else
      v += ctx.now;
  }
  if (!valid) {
    std::string msg = "ERR invalid expire time in '";
    msg.append(command_name);
    msg.append("' command");
    reply::error(ctx.out, msg);
    return false;
  }
  // A deadline at or before the epoch would read as "no deadline"; it is in the past anyway.
  deadline = v <= 0 ? 1 : v;
  return true;
}

}  // namespace credis
