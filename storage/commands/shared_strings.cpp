#include "storage/commands/shared_strings.hpp"

#include "protocol/reply.hpp"
#include "storage/commands/command_batch.hpp"

namespace credis {

value string_value(const exec_context& ctx, std::string_view arg) {
  if (const byte_block* b = command_batch::find_block(ctx.arg_blocks, arg))
    return value(*b);
  return value(arg);
}

void assign_string(const exec_context& ctx, value& v, std::string_view arg) {
  if (const byte_block* b = command_batch::find_block(ctx.arg_blocks, arg))
    v = value(*b);
  else
    v.assign_str(arg);
}

void reply_string(exec_context& ctx, const value& v) {
  byte_block b = ctx.spliced ? v.shared_block() : byte_block();
  if (!b) {
    reply::bulk(ctx.out, v.str());
    return;
  }
  reply::bulk_header(ctx.out, b.size());
  ctx.spliced->push_back({ctx.out.size(), std::move(b)});
  ctx.out.append("\r\n");
}

bool string_too_long(exec_context& ctx, uint64_t offset, uint64_t append) {
  const uint64_t limit = static_cast<uint64_t>(ctx.server.config.proto_max_bulk_len);
  if (offset <= limit && append <= limit - offset)
    return false;
  reply::error(ctx.out, "ERR string exceeds maximum allowed size (proto-max-bulk-len)");
  return true;
}

}  // namespace credis
