// Commands that read or write part of a string (Redis's t_string.c): GETRANGE, SUBSTR and
// SETRANGE.
#include <cstring>
#include <string>

#include "protocol/integers.hpp"
#include "protocol/reply.hpp"
#include "storage/commands/command_families.hpp"
#include "storage/commands/index_range.hpp"
#include "storage/commands/lookup.hpp"
#include "storage/commands/shared_strings.hpp"

namespace credis {

namespace {

// GETRANGE key start end (and SUBSTR): inclusive, negative indexes count from the end.
void getrange_command(exec_context& ctx, arg_list argv) {
  int64_t start = 0, end = 0;
  if (!parse_integer_arg(ctx, argv[2], start) || !parse_integer_arg(ctx, argv[3], end))
    return;
  bool wrong = false;
  entry* e = lookup_typed(ctx, argv[1], value_type::string, wrong);
  if (wrong)
    return;
  std::string_view s = e ? e->val.str() : std::string_view();
  auto len = static_cast<int64_t>(s.size());
  // Both negative with start past end: empty, before the clamping below could make them meet.
  if (start < 0 && end < 0 && start > end) {
    reply::bulk(ctx.out, {});
    return;
  }
  if (!clamp_index_range(start, end, len))
    reply::bulk(ctx.out, {});
  else
    reply::bulk(ctx.out,
                s.substr(static_cast<size_t>(start), static_cast<size_t>(end - start + 1)));
}

// SETRANGE key offset value: overwrites from `offset`, padding with zero bytes; replies the
// new length.
void setrange_command(exec_context& ctx, arg_list argv) {
  int64_t offset = 0;
  if (!parse_int64(argv[2], offset)) {
    reply::error(ctx.out, errors::not_integer);
    return;
  }
  if (offset < 0) {
    reply::error(ctx.out, "ERR offset is out of range");
    return;
  }
  std::string_view piece = argv[3];
  entry* e = ctx.db().find(argv[1], ctx.expiry_now);
  if (e && e->val.type() != value_type::string) {
    reply::error(ctx.out, errors::wrong_type);
    return;
  }
  std::string_view old = e ? e->val.str() : std::string_view();
  if (piece.empty()) {  // nothing to write: nothing is created either
    reply::integer(ctx.out, static_cast<int64_t>(old.size()));
    return;
  }
  if (string_too_long(ctx, static_cast<uint64_t>(offset), piece.size()))
    return;
  const size_t at = static_cast<size_t>(offset);
  if (!e)
    e = &ctx.db().put(argv[1], value(), no_expiry);
  std::memcpy(e->val.writable_str(at + piece.size()) + at, piece.data(), piece.size());
  mark_dirty(ctx);
  reply::integer(ctx.out, static_cast<int64_t>(e->val.str().size()));
}

const command_spec specs[] = {
    {"getrange", 4, cmd_readonly, getrange_command, nullptr, 1, 1, 1,
     "Get a substring of the string stored at a key", "string", "2.4.0"},
    {"substr", 4, cmd_readonly, getrange_command, nullptr, 1, 1, 1,
     "Get a substring of the string stored at a key", "string", "1.0.0"},
    {"setrange", 4, cmd_write | cmd_denyoom, setrange_command, nullptr, 1, 1, 1,
     "Overwrite part of a string at key starting at the specified offset", "string", "2.2.0"},
};

}  // namespace

std::span<const command_spec> string_range_commands() { return specs; }

}  // namespace credis
