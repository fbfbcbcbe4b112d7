#include "storage/commands/blocking.hpp"

#include <cmath>
#include <cstdint>

#include "protocol/reply.hpp"
#include "storage/commands/float_text.hpp"

namespace credis {

bool parse_block_timeout(exec_context& ctx, std::string_view arg, int64_t& deadline) {
  long double seconds = 0;
  if (!parse_long_double(arg, seconds)) {
    reply::error(ctx.out, "ERR timeout is not a float or out of range");
    return false;
  }
  // Redis converts ceil(ms) to a long long; what does not fit comes out negative on x86-64.
  const long double ms = std::ceil(seconds * 1000.0L);
  if (!(ms < 9.2e18L) || ms < 0) {
    reply::error(ctx.out, "ERR timeout is negative");
    return false;
  }
  const auto whole = static_cast<int64_t>(ms);
  deadline = whole <= 0 ? 0 : whole > INT64_MAX - ctx.now ? INT64_MAX : ctx.now + whole;
  return true;
}

void wait_for_keys(exec_context& ctx, arg_list keys, int64_t deadline,
                   std::string_view no_wait_reply) {
  if (!ctx.block) {
    ctx.out.append(no_wait_reply);
    return;
  }
  ctx.block->wanted = true;
  ctx.block->keys.assign(keys.begin(), keys.end());
  ctx.block->deadline = deadline;
}

}  // namespace credis
