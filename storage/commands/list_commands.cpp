// List commands (Redis's t_list.c): LPUSH, RPUSH, LPUSHX, RPUSHX, LPOP, RPOP, LLEN, LRANGE,
// LINDEX, LPOS, LSET, LTRIM, LREM, LINSERT, LMOVE, RPOPLPUSH. A list that loses its last element is
// deleted, as in Redis.
#include <algorithm>
#include <cstdint>
#include <iterator>
#include <string>
#include <vector>

#include "protocol/integers.hpp"
#include "protocol/reply.hpp"
#include "storage/commands/blocking.hpp"
#include "storage/commands/command_families.hpp"
#include "storage/commands/key_events.hpp"
#include "storage/commands/index_range.hpp"
#include "storage/commands/lookup.hpp"
#include "storage/commands/mpop_args.hpp"
#include "storage/commands/propagate.hpp"
#include "storage/commands/text.hpp"

namespace credis {

namespace ev = keyspace_events;

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
  auto it = list->at(static_cast<size_t>(start));
  for (int64_t i = start; i <= end; ++i, ++it) {
    element item = *it;
    reply::bulk(ctx.out, item.view());
  }
}

// LINDEX key index: negative from the end; null past either end.
void lindex_command(exec_context& ctx, arg_list argv) {
  list_value* list = nullptr;
  int64_t len = 0;
  if (!read_list(ctx, argv[1], list, len))
    return;
  if (!list) {  // before the index is read, as Redis
    reply::null_bulk(ctx.out);
    return;
  }
  int64_t index = 0;
  if (!parse_integer_arg(ctx, argv[2], index))
    return;
  if (index < 0)
    index += len;
  if (index < 0 || index >= len) {
    reply::null_bulk(ctx.out);
    return;
  }
  element item = *list->at(static_cast<size_t>(index));
  reply::bulk(ctx.out, item.view());
}

// The list at `key` for a change: null with `reply` appended when missing, or with WRONGTYPE.
list_value* write_list(exec_context& ctx, std::string_view key, std::string_view missing_reply,
                       entry*& e) {
  e = lookup_write(ctx, key, value_type::list, missing_reply);
  return e ? &e->val.list() : nullptr;
}

// Deletes the key of a list its command emptied, as Redis does.
void delete_if_empty(exec_context& ctx, entry& e) {
  if (e.val.list().empty())
    ctx.db().erase(e);
}

// LSET key index element
void lset_command(exec_context& ctx, arg_list argv) {
  entry* e = nullptr;
  list_value* list = write_list(ctx, argv[1], "-ERR no such key\r\n", e);
  int64_t index = 0;
  if (!list || !parse_integer_arg(ctx, argv[2], index))  // the key first, as Redis
    return;
  const auto len = static_cast<int64_t>(list->size());
  if (index < 0)
    index += len;
  if (index < 0 || index >= len) {
    reply::error(ctx.out, "ERR index out of range");
    return;
  }
  auto it = list->erase(list->at(static_cast<size_t>(index)));
  list->insert(it, argv[3]);
  mark_dirty(ctx);
  reply::ok(ctx.out);
}

// LTRIM key start stop: keeps only that range (LRANGE's reading of the indexes).
void ltrim_command(exec_context& ctx, arg_list argv) {
  int64_t start = 0, end = 0;
  if (!parse_integer_arg(ctx, argv[2], start) || !parse_integer_arg(ctx, argv[3], end))
    return;
  entry* e = nullptr;
  list_value* list = write_list(ctx, argv[1], "+OK\r\n", e);
  if (!list)
    return;
  const auto len = static_cast<int64_t>(list->size());
  int64_t from_head = len, from_tail = 0;  // an empty range removes everything
  if (!(end < 0 && end + len < 0) && clamp_index_range(start, end, len)) {
    from_head = start;
    from_tail = len - end - 1;
  }
  for (int64_t i = 0; i < from_head; ++i)
    list->pop_front();
  for (int64_t i = 0; i < from_tail; ++i)
    list->pop_back();
  delete_if_empty(ctx, *e);
  mark_dirty(ctx, from_head + from_tail);
  reply::ok(ctx.out);
}

// LREM key count element: removes up to count matches from the head (count > 0), from the tail
// (count < 0), or all of them (0); replies how many.
void lrem_command(exec_context& ctx, arg_list argv) {
  int64_t count = 0;
  if (!parse_integer_arg(ctx, argv[2], count))
    return;
  entry* e = nullptr;
  list_value* list = write_list(ctx, argv[1], ":0\r\n", e);
  if (!list)
    return;
  const uint64_t limit = count == 0 ? UINT64_MAX : count < 0 ? 0 - static_cast<uint64_t>(count)
                                                              : static_cast<uint64_t>(count);
  int64_t removed = 0;
  if (count >= 0) {
    for (auto it = list->begin(); it != list->end() && static_cast<uint64_t>(removed) < limit;) {
      if (*it == argv[3]) {
        it = list->erase(it);
        ++removed;
      } else {
        ++it;
      }
    }
  } else {
    for (auto it = list->end(); it != list->begin() && static_cast<uint64_t>(removed) < limit;) {
      --it;
      if (*it == argv[3]) {
        it = list->erase(it);
        ++removed;
      }
    }
  }
  if (removed > 0) {
    delete_if_empty(ctx, *e);
    mark_dirty(ctx, removed);
  }
  reply::integer(ctx.out, removed);
}

// LINSERT key BEFORE|AFTER pivot element: replies the new length, or -1 without the pivot.
void linsert_command(exec_context& ctx, arg_list argv) {
  bool after = false;
  if (iequals(argv[2], "after"))
    after = true;
  else if (!iequals(argv[2], "before")) {
    reply::error(ctx.out, errors::syntax);
    return;
  }
  entry* e = nullptr;
  list_value* list = write_list(ctx, argv[1], ":0\r\n", e);
  if (!list)
    return;
  for (auto it = list->begin(); it != list->end(); ++it) {
    if (*it == argv[3]) {
      list->insert(after ? std::next(it) : it, argv[4]);
      mark_dirty(ctx);
      reply::integer(ctx.out, static_cast<int64_t>(list->size()));
      return;
    }
  }
  reply::integer(ctx.out, -1);
}

// A non-negative integer option of LPOS; false, with `error` replied, otherwise.
bool parse_lpos_count(exec_context& ctx, std::string_view arg, std::string_view error,
                      int64_t& out) {
  if (parse_int64(arg, out) && out >= 0)
    return true;
  reply::error(ctx.out, error);
  return false;
}

// LPOS key element [RANK rank] [COUNT n] [MAXLEN len]: the index of the rank-th match
// (negative ranks count matches from the tail), or with COUNT an array of up to n of them
// (0: all); MAXLEN bounds how many elements are compared.
void lpos_command(exec_context& ctx, arg_list argv) {
  int64_t rank = 1, count = -1, maxlen = 0;  // count -1: not given
  for (size_t i = 3; i < argv.size(); ++i) {
    bool has_value = i + 1 < argv.size();
    if (iequals(argv[i], "rank") && has_value) {
      if (!parse_integer_arg(ctx, argv[++i], rank))
        return;
      if (rank == 0) {
        reply::error(ctx.out,
                     "ERR RANK can't be zero: use 1 to start from the first match, 2 from the "
                     "second ... or use negative to start from the end of the list");
        return;
      }
    } else if (iequals(argv[i], "count") && has_value) {
      if (!parse_lpos_count(ctx, argv[++i], "ERR COUNT can't be negative", count))
        return;
    } else if (iequals(argv[i], "maxlen") && has_value) {
      if (!parse_lpos_count(ctx, argv[++i], "ERR MAXLEN can't be negative", maxlen))
        return;
    } else {
      reply::error(ctx.out, errors::syntax);
      return;
    }
  }
  const bool from_tail = rank < 0;
  if (from_tail)  // wraps for the smallest rank as in Redis, where every match then counts
    rank = static_cast<int64_t>(0 - static_cast<uint64_t>(rank));
  list_value* list = nullptr;
  int64_t len = 0;
  if (!read_list(ctx, argv[1], list, len))
    return;
  if (!list) {
    count == -1 ? reply::null_bulk(ctx.out) : reply::array_header(ctx.out, 0);
    return;
  }
  std::vector<int64_t> found;
  int64_t matches = 0;
  auto it = from_tail ? list->end() : list->begin();
  for (int64_t seen = 0; seen < len && (maxlen == 0 || seen < maxlen); ++seen) {
    if (from_tail)
      --it;
    if (*it == argv[2] && ++matches >= rank) {
      found.push_back(from_tail ? len - seen - 1 : seen);
      if (count == -1 || (count > 0 && static_cast<int64_t>(found.size()) >= count))
        break;
    }
    if (!from_tail)
      ++it;
  }
  if (count == -1) {
    found.empty() ? reply::null_bulk(ctx.out) : reply::integer(ctx.out, found.front());
    return;
  }
  reply::array_header(ctx.out, static_cast<int64_t>(found.size()));
  for (int64_t index : found)
    reply::integer(ctx.out, index);
}

// LEFT or RIGHT at `arg`; false, with a syntax error, for anything else.
bool parse_end(exec_context& ctx, std::string_view arg, end_of_list& where) {
  if (iequals(arg, "left"))
    where = end_of_list::head;
  else if (iequals(arg, "right"))
    where = end_of_list::tail;
  else {
    reply::error(ctx.out, errors::syntax);
    return false;
  }
  return true;
}

// Pops from one end of `source` and pushes onto one end of `destination` (the same list
// rotates); replies the element.
void move_element(exec_context& ctx, std::string_view source, std::string_view destination,
                  end_of_list from, end_of_list to) {
  entry* src = nullptr;
  list_value* list = write_list(ctx, source, reply::null_bulk_text(), src);
  if (!list)
    return;
  entry* dst = ctx.db().find(destination, ctx.expiry_now);
  if (dst && dst->val.type() != value_type::list) {
    reply::error(ctx.out, errors::wrong_type);
    return;
  }
  std::string item((from == end_of_list::head ? list->front() : list->back()).str());
  from == end_of_list::head ? list->pop_front() : list->pop_back();
  if (!dst)
    dst = &ctx.db().put(destination, value(list_value()), no_expiry);
  list_value& target = dst->val.list();
  to == end_of_list::head ? target.push_front(item) : target.push_back(item);
  notify(ctx, keyspace_events::list, to == end_of_list::head ? "lpush" : "rpush", destination);
  notify(ctx, keyspace_events::list, from == end_of_list::head ? "lpop" : "rpop", source);
  // The source may be emptied only when it is another key (a rotation puts the item back).
  if (src != dst && src->val.list().empty()) {
    ctx.db().erase(*src);
    notify_emptied(ctx, source);
  }
  mark_dirty(ctx);
  reply::bulk(ctx.out, item);
}

// LMOVE source destination LEFT|RIGHT LEFT|RIGHT
void lmove_command(exec_context& ctx, arg_list argv) {
  end_of_list from{}, to{};
  if (parse_end(ctx, argv[3], from) && parse_end(ctx, argv[4], to))
    move_element(ctx, argv[1], argv[2], from, to);
}

// Pops from the first of `keys` that holds a list: one element, replied [key, element] and
// propagated as LPOP/RPOP key, when `count` is -1 (BLPOP); else up to count, replied
// [key, [elements]] and propagated as LPOP/RPOP key n (LMPOP). False, with nothing replied,
// when no key holds a list; WRONGTYPE for the first key of another type.
bool pop_from_first(exec_context& ctx, arg_list keys, end_of_list where, int64_t count) {
  std::string_view key;
  bool failed = false;
  entry* e = first_holding(ctx, keys, value_type::list, key, failed);
  if (!e)
    return failed;
  list_value& list = e->val.list();
  const bool single = count < 0;
  const auto n = single ? 1 : std::min<uint64_t>(static_cast<uint64_t>(count), list.size());
  reply::array_header(ctx.out, 2);
  reply::bulk(ctx.out, key);
  if (!single)
    reply::array_header(ctx.out, static_cast<int64_t>(n));
  for (uint64_t i = 0; i < n; ++i) {
    element item = where == end_of_list::head ? list.front() : list.back();
    reply::bulk(ctx.out, item.view());
    where == end_of_list::head ? list.pop_front() : list.pop_back();
  }
  notify(ctx, keyspace_events::list, where == end_of_list::head ? "lpop" : "rpop", key);
  if (list.empty()) {
    ctx.db().erase(*e);
    notify_emptied(ctx, key);
  }
  mark_dirty(ctx);
  if (ctx.propagated) {
    std::string n_text;
    append_int64(n_text, static_cast<int64_t>(n));
    const std::string_view pop = where == end_of_list::head ? "LPOP" : "RPOP";
    single ? propagate(ctx, {pop, key}) : propagate(ctx, {pop, key, n_text});
  }
  return true;
}

// LMPOP numkeys key [key ...] LEFT|RIGHT [COUNT count]: pops up to count elements from the
// first of the keys that holds a list; replies [key, [elements]], or a null array.
void lmpop_command(exec_context& ctx, arg_list argv) {
  end_of_list where{};
  mpop_args args;
  if (parse_mpop_args(
          ctx, argv, 1, [&](std::string_view w) { return parse_end(ctx, w, where); }, args) &&
      !pop_from_first(ctx, args.keys, where, args.count))
    reply::null_array(ctx.out);
}

// BLPOP/BRPOP key [key ...] timeout
void blocking_pop(exec_context& ctx, arg_list argv, end_of_list where) {
  int64_t deadline = 0;
  const arg_list keys = argv.subspan(1, argv.size() - 2);
  if (parse_block_timeout(ctx, argv.back(), deadline) &&
      !pop_from_first(ctx, keys, where, -1))
    wait_for_keys(ctx, keys, deadline, reply::null_array);
}

void blpop_command(exec_context& ctx, arg_list argv) {
  blocking_pop(ctx, argv, end_of_list::head);
}
void brpop_command(exec_context& ctx, arg_list argv) {
  blocking_pop(ctx, argv, end_of_list::tail);
}

// BLMPOP timeout numkeys key [key ...] LEFT|RIGHT [COUNT count]
void blmpop_command(exec_context& ctx, arg_list argv) {
  end_of_list where{};
  mpop_args args;
  int64_t deadline = 0;
  if (parse_mpop_args(
          ctx, argv, 2, [&](std::string_view w) { return parse_end(ctx, w, where); }, args) &&
      parse_block_timeout(ctx, argv[1], deadline) &&
      !pop_from_first(ctx, args.keys, where, args.count))
    wait_for_keys(ctx, args.keys, deadline, reply::null_array);
}

// BLMOVE source destination LEFT|RIGHT LEFT|RIGHT timeout, and BRPOPLPUSH source destination
// timeout: LMOVE once the source holds a list.
void blocking_move(exec_context& ctx, arg_list argv, end_of_list from, end_of_list to,
                   std::string_view timeout) {
  int64_t deadline = 0;
  if (!parse_block_timeout(ctx, timeout, deadline))
    return;
  std::string_view key;
  bool failed = false;
  if (first_holding(ctx, argv.subspan(1, 1), value_type::list, key, failed))
    move_element(ctx, argv[1], argv[2], from, to);
  else if (!failed)
    wait_for_keys(ctx, argv.subspan(1, 1), deadline, reply::null_bulk);
}

void blmove_command(exec_context& ctx, arg_list argv) {
  end_of_list from{}, to{};
  if (parse_end(ctx, argv[3], from) && parse_end(ctx, argv[4], to))
    blocking_move(ctx, argv, from, to, argv[5]);
}

void brpoplpush_command(exec_context& ctx, arg_list argv) {
  blocking_move(ctx, argv, end_of_list::tail, end_of_list::head, argv[3]);
}

// Replicas apply what a blocking command did in its plain form.
void blmove_propagate(exec_context& ctx, arg_list argv) {
  propagate(ctx, {"LMOVE", argv[1], argv[2], argv[3], argv[4]});
}
void brpoplpush_propagate(exec_context& ctx, arg_list argv) {
  propagate(ctx, {"RPOPLPUSH", argv[1], argv[2]});
}

// Done by pop_from_first, which knows the key and the count.
void pop_propagate(exec_context&, arg_list) {}

void rpoplpush_command(exec_context& ctx, arg_list argv) {
  move_element(ctx, argv[1], argv[2], end_of_list::tail, end_of_list::head);
}

// Key specs as Redis 7.0 declares them (COMMAND INFO, COMMAND GETKEYSANDFLAGS).
constexpr key_spec lmpop_keys[] = {
    keys_counted(kf::rw | kf::access | kf::del, 1),
};

constexpr key_spec blmpop_keys[] = {
    keys_counted(kf::rw | kf::access | kf::del, 2),
};

constexpr key_spec blmove_keys[] = {
    keys_at(kf::rw | kf::access | kf::del, 1),
    keys_at(kf::rw | kf::insert, 2),
};

constexpr key_spec brpoplpush_keys[] = {
    keys_at(kf::rw | kf::access | kf::del, 1),
    keys_at(kf::rw | kf::insert, 2),
};

constexpr key_spec lmove_keys[] = {
    keys_at(kf::rw | kf::access | kf::del, 1),
    keys_at(kf::rw | kf::insert, 2),
};

constexpr key_spec rpoplpush_keys[] = {
    keys_at(kf::rw | kf::access | kf::del, 1),
    keys_at(kf::rw | kf::insert, 2),
};

const command_spec specs[] = {
    with_event({"lpush", -3, cmd_write | cmd_denyoom | cmd_fast, lpush_command, nullptr, 1, 1, 1,
                kf::rw | kf::insert, "Prepend one or multiple elements to a list", "list", "1.0.0"},
               {ev::list, "lpush"}),
    with_event({"rpush", -3, cmd_write | cmd_denyoom | cmd_fast, rpush_command, nullptr, 1, 1, 1,
                kf::rw | kf::insert, "Append one or multiple elements to a list", "list", "1.0.0"},
               {ev::list, "rpush"}),
    with_event({"lpushx", -3, cmd_write | cmd_denyoom | cmd_fast, lpushx_command, nullptr, 1, 1, 1,
                kf::rw | kf::insert, "Prepend an element to a list, only if the list exists",
                "list", "2.2.0"},
               {ev::list, "lpush"}),
    with_event({"rpushx", -3, cmd_write | cmd_denyoom | cmd_fast, rpushx_command, nullptr, 1, 1, 1,
                kf::rw | kf::insert, "Append an element to a list, only if the list exists", "list",
                "2.2.0"},
               {ev::list, "rpush"}),
    with_event({"lpop", -2, cmd_write | cmd_fast, lpop_command, nullptr, 1, 1, 1,
                kf::rw | kf::access | kf::del, "Remove and get the first elements in a list",
                "list", "1.0.0"},
               {ev::list, "lpop"}),
    with_event({"rpop", -2, cmd_write | cmd_fast, rpop_command, nullptr, 1, 1, 1,
                kf::rw | kf::access | kf::del, "Remove and get the last elements in a list", "list",
                "1.0.0"},
               {ev::list, "rpop"}),
    with_key_specs(with_event(with_movable_keys({"lmpop", -4, cmd_write, lmpop_command, nullptr, 0,
                                                 0, 0, kf::none, "Pop elements from a list", "list",
                                                 "7.0.0", pop_propagate},
                                                {movable_keys::numkeys, 1}),
                              {ev::list, "", key_event::by_command}),
                   lmpop_keys),
    with_event({"blpop", -3, cmd_write | cmd_blocking | cmd_noscript, blpop_command, nullptr, 1, -2,
                1, kf::rw | kf::access | kf::del,
                "Remove and get the first element in a list, or block until one is available",
                "list", "2.0.0", pop_propagate},
               {ev::list, "", key_event::by_command}),
    with_event({"brpop", -3, cmd_write | cmd_blocking | cmd_noscript, brpop_command, nullptr, 1, -2,
                1, kf::rw | kf::access | kf::del,
                "Remove and get the last element in a list, or block until one is available",
                "list", "2.0.0", pop_propagate},
               {ev::list, "", key_event::by_command}),
    with_key_specs(
        with_event(with_movable_keys(
                       {"blmpop", -5, cmd_write | cmd_blocking, blmpop_command, nullptr, 0, 0, 0,
                        kf::none, "Pop elements from a list, or block until one is available",
                        "list", "7.0.0", pop_propagate},
                       {movable_keys::numkeys, 2}),
                   {ev::list, "", key_event::by_command}),
        blmpop_keys),
    with_key_specs(with_event({"blmove", 6, cmd_write | cmd_denyoom | cmd_blocking | cmd_noscript,
                               blmove_command, nullptr, 1, 2, 1, kf::none,
                               "Pop an element from a list, push it to another list and return it; "
                               "or block until one is "
                               "available",
                               "list", "6.2.0", blmove_propagate},
                              {ev::list, "", key_event::by_command}),
                   blmove_keys),
    with_key_specs(
        with_event({"brpoplpush", 4, cmd_write | cmd_denyoom | cmd_blocking | cmd_noscript,
                    brpoplpush_command, nullptr, 1, 2, 1, kf::none,
                    "Pop an element from a list, push it to another list and return it; or block "
                    "until one is "
                    "available",
                    "list", "2.2.0", brpoplpush_propagate},
                   {ev::list, "", key_event::by_command}),
        brpoplpush_keys),
    {"llen", 2, cmd_readonly | cmd_fast, llen_command, nullptr, 1, 1, 1, kf::ro,
     "Get the length of a list", "list", "1.0.0"},
    {"lrange", 4, cmd_readonly, lrange_command, nullptr, 1, 1, 1, kf::ro | kf::access,
     "Get a range of elements from a list", "list", "1.0.0"},
    {"lindex", 3, cmd_readonly, lindex_command, nullptr, 1, 1, 1, kf::ro | kf::access,
     "Get an element from a list by its index", "list", "1.0.0"},
    {"lpos", -3, cmd_readonly, lpos_command, nullptr, 1, 1, 1, kf::ro | kf::access,
     "Return the index of matching elements on a list", "list", "6.0.6"},
    with_event(
        {"lset", 4, cmd_write | cmd_denyoom, lset_command, nullptr, 1, 1, 1, kf::rw | kf::update,
         "Set the value of an element in a list by its index", "list", "1.0.0"},
        {ev::list, "lset"}),
    with_event({"ltrim", 4, cmd_write, ltrim_command, nullptr, 1, 1, 1, kf::rw | kf::del,
                "Trim a list to the specified range", "list", "1.0.0"},
               {ev::list, "ltrim"}),
    with_event({"lrem", 4, cmd_write, lrem_command, nullptr, 1, 1, 1, kf::rw | kf::del,
                "Remove elements from a list", "list", "1.0.0"},
               {ev::list, "lrem"}),
    with_event({"linsert", 5, cmd_write | cmd_denyoom, linsert_command, nullptr, 1, 1, 1,
                kf::rw | kf::insert, "Insert an element before or after another element in a list",
                "list", "2.2.0"},
               {ev::list, "linsert"}),
    with_key_specs(
        with_event(
            {"lmove", 5, cmd_write | cmd_denyoom, lmove_command, nullptr, 1, 2, 1, kf::none,
             "Pop an element from a list, push it to another list and return it", "list", "6.2.0"},
            {ev::list, "", key_event::by_command}),
        lmove_keys),
    with_key_specs(
        with_event(
            {"rpoplpush", 3, cmd_write | cmd_denyoom, rpoplpush_command, nullptr, 1, 2, 1, kf::none,
             "Remove the last element in a list, prepend it to another list and return it", "list",
             "1.2.0"},
            {ev::list, "", key_event::by_command}),
        rpoplpush_keys),
};

}  // namespace

std::span<const command_spec> list_commands() { return specs; }

}  // namespace credis
