// List commands (Redis's t_list.c): LPUSH, RPUSH, LPUSHX, RPUSHX, LPOP, RPOP, LLEN, LRANGE,
// LINDEX. A list that loses its last element is deleted, as in Redis.
#include <iterator>

#include "protocol/integers.hpp"
#include "protocol/reply.hpp"
#include "storage/commands/command_families.hpp"
#include "storage/commands/index_range.hpp"
#include "storage/commands/lookup.hpp"

namespace credis {

namespace {

enum class end_of_list { head, tail };

// The list at `key` (null when missing) and its length (0 then); false once WRONGTYPE is
// replied.
bool read_list(exec_context& ctx, std::string_view key, list_value*& list, int64_t& len) {
  bool wrong = false;
  entry* e = lookup_typed(ctx, key, value_type::list, wrong);
  list = e ? &e->val.list() : nullptr;
  len = list ? static_cast<int64_t>(list->size()) : 0;
  return !wrong;
}

// LPUSH/RPUSH (and the X forms, which push only onto an existing list): replies the length.
void push_generic(exec_context& ctx, arg_list argv, end_of_list where, bool only_existing) {
  entry* e = ctx.db().find(argv[1], ctx.expiry_now);
  if (e && e->val.type() != value_type::list) {
    reply::error(ctx.out, errors::wrong_type);
    return;
  }
  if (!e) {
    if (only_existing) {
      reply::integer(ctx.out, 0);
      return;
    }
    e = &ctx.db().put(argv[1], value(list_value()), no_expiry);
  }
  list_value& list = e->val.list();
  for (size_t i = 2; i < argv.size(); ++i) {
    if (where == end_of_list::head)
      list.push_front(argv[i]);
    else
      list.push_back(argv[i]);
  }
  mark_dirty(ctx, static_cast<int64_t>(argv.size() - 2));
  reply::integer(ctx.out, static_cast<int64_t>(list.size()));
}

void lpush_command(exec_context& ctx, arg_list argv) {
  push_generic(ctx, argv, end_of_list::head, false);
}
void rpush_command(exec_context& ctx, arg_list argv) {
  push_generic(ctx, argv, end_of_list::tail, false);
}
void lpushx_command(exec_context& ctx, arg_list argv) {
  push_generic(ctx, argv, end_of_list::head, true);
}
void rpushx_command(exec_context& ctx, arg_list argv) {
  push_generic(ctx, argv, end_of_list::tail, true);
}

// LPOP/RPOP key [count]: one element as a bulk, or with a count an array of up to that many.
void pop_generic(exec_context& ctx, arg_list argv, end_of_list where) {
  if (argv.size() > 3) {
    reply::error(ctx.out, arity_error(where == end_of_list::head ? "lpop" : "rpop"));
    return;
  }
  int64_t count = 0;
  bool has_count = argv.size() == 3;
  if (has_count && (!parse_int64(argv[2], count) || count < 0)) {
    reply::error(ctx.out, "ERR value is out of range, must be positive");
    return;
  }
  entry* e = ctx.db().find(argv[1], ctx.expiry_now);
  if (!e) {
    has_count ? reply::null_array(ctx.out) : reply::null_bulk(ctx.out);
    return;
  }
  if (e->val.type() != value_type::list) {
    reply::error(ctx.out, errors::wrong_type);
    return;
  }
  if (has_count && count == 0) {
    reply::array_header(ctx.out, 0);
    return;
  }
  list_value& list = e->val.list();
  const auto n = has_count ? std::min<size_t>(static_cast<size_t>(count), list.size()) : 1;
  if (has_count)
    reply::array_header(ctx.out, static_cast<int64_t>(n));
  for (size_t i = 0; i < n; ++i) {
    if (where == end_of_list::head) {
      element first = list.front();
      reply::bulk(ctx.out, first.view());
      list.pop_front();
    } else {
      element last = list.back();
      reply::bulk(ctx.out, last.view());
      list.pop_back();
    }
  }
  if (list.empty())
    ctx.db().erase(*e);
  mark_dirty(ctx);
}

void lpop_command(exec_context& ctx, arg_list argv) { pop_generic(ctx, argv, end_of_list::head); }
void rpop_command(exec_context& ctx, arg_list argv) { pop_generic(ctx, argv, end_of_list::tail); }

void llen_command(exec_context& ctx, arg_list argv) {
  list_value* list = nullptr;
  int64_t len = 0;
  if (read_list(ctx, argv[1], list, len))
    reply::integer(ctx.out, len);
}

// LRANGE key start stop: inclusive, negative indexes from the end; an end before the first
// element, or a start past the last, gives nothing.
void lrange_command(exec_context& ctx, arg_list argv) {
  int64_t start = 0, end = 0;
  if (!parse_integer_arg(ctx, argv[2], start) || !parse_integer_arg(ctx, argv[3], end))
    return;
  list_value* list = nullptr;
  int64_t len = 0;
  if (!read_list(ctx, argv[1], list, len))
    return;
  if ((end < 0 && end + len < 0) || !clamp_index_range(start, end, len)) {
    reply::array_header(ctx.out, 0);
    return;
  }
  reply::array_header(ctx.out, end - start + 1);
  auto it = std::next(list->begin(), start);
  for (int64_t i = start; i <= end; ++i, ++it) {
    element item = *it;
    reply::bulk(ctx.out, item.view());
  }
}

// LINDEX key index: negative from the end; null past either end.
void lindex_command(exec_context& ctx, arg_list argv) {
  int64_t index = 0;
  if (!parse_integer_arg(ctx, argv[2], index))
    return;
  list_value* list = nullptr;
  int64_t len = 0;
  if (!read_list(ctx, argv[1], list, len))
    return;
  if (index < 0)
    index += len;
  if (index < 0 || index >= len) {
    reply::null_bulk(ctx.out);
    return;
  }
  element item = *std::next(list->begin(), index);
  reply::bulk(ctx.out, item.view());
}

const command_spec specs[] = {
    {"lpush", -3, cmd_write | cmd_denyoom | cmd_fast, lpush_command, nullptr, 1, 1, 1,
     "Prepend one or multiple elements to a list", "list", "1.0.0"},
    {"rpush", -3, cmd_write | cmd_denyoom | cmd_fast, rpush_command, nullptr, 1, 1, 1,
     "Append one or multiple elements to a list", "list", "1.0.0"},
    {"lpushx", -3, cmd_write | cmd_denyoom | cmd_fast, lpushx_command, nullptr, 1, 1, 1,
     "Prepend an element to a list, only if the list exists", "list", "2.2.0"},
    {"rpushx", -3, cmd_write | cmd_denyoom | cmd_fast, rpushx_command, nullptr, 1, 1, 1,
     "Append an element to a list, only if the list exists", "list", "2.2.0"},
    {"lpop", -2, cmd_write | cmd_fast, lpop_command, nullptr, 1, 1, 1,
     "Remove and get the first elements in a list", "list", "1.0.0"},
    {"rpop", -2, cmd_write | cmd_fast, rpop_command, nullptr, 1, 1, 1,
     "Remove and get the last elements in a list", "list", "1.0.0"},
    {"llen", 2, cmd_readonly | cmd_fast, llen_command, nullptr, 1, 1, 1,
     "Get the length of a list", "list", "1.0.0"},
    {"lrange", 4, cmd_readonly, lrange_command, nullptr, 1, 1, 1,
     "Get a range of elements from a list", "list", "1.0.0"},
    {"lindex", 3, cmd_readonly, lindex_command, nullptr, 1, 1, 1,
     "Get an element from a list by its index", "list", "1.0.0"},
};

}  // namespace

std::span<const command_spec> list_commands() { return specs; }

}  // namespace credis
