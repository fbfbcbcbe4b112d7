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

entry* first_holding(exec_context& ctx, arg_list keys, value_type type, std::string_view& key,
                     bool& failed) {
  const bool retrying = ctx.block && ctx.block->retry;
  failed = false;
  for (std::string_view k : keys) {
    entry* e = ctx.db().find(k, ctx.expiry_now);
    if (!e || (e->val.type() != type && retrying))
      continue;
    if (e->val.type() != type) {
      reply::error(ctx.out, errors::wrong_type);
      failed = true;
      return nullptr;
    }
    key = k;
    return e;
  }
  return nullptr;
}

void wait_for_keys(exec_context& ctx, arg_list keys, int64_t deadline,
                   void (*no_wait_reply)(std::string&)) {
  if (!ctx.block) {
    no_wait_reply(ctx.out);
    return;
  }
  ctx.block->wanted = true;
  ctx.block->keys.assign(keys.begin(), keys.end());
  ctx.block->deadline = deadline;
}

}  // namespace credis
