// The stream commands that add, read and remove entries: XADD XLEN XRANGE XREVRANGE XDEL
// XTRIM XSETID (Redis's t_stream.c). Reads with groups are in stream_read_commands.cpp, the
// groups in stream_group_commands.cpp, XINFO in stream_info_commands.cpp.
#include <string>

#include "protocol/integers.hpp"
#include "protocol/reply.hpp"
#include "storage/commands/command_families.hpp"
#include "storage/commands/key_events.hpp"
#include "storage/commands/lookup.hpp"
#include "storage/commands/propagate.hpp"
#include "storage/commands/stream_support.hpp"
#include "storage/commands/text.hpp"

namespace credis {

namespace ev = keyspace_events;
namespace {

// XADD's and XTRIM's trimming options, as Redis's streamParseAddOrTrimArgsOrReply.
struct trim_args {
  enum { none, maxlen, minid } strategy = none;
  bool approx = false;
  int64_t max_length = 0;
  stream_id min_id;
  int64_t limit = 0;
  size_t strategy_arg = 0;  // where the threshold is, to rewrite for replicas
  // XADD only:
  bool no_mkstream = false;
  bool id_given = false, seq_given = true;
  stream_id id;
};

// Parses from argv[2]; returns XADD's ID position (argv.size() when none), or 0 once an error
// is replied.
size_t parse_trim_args(exec_context& ctx, arg_list argv, trim_args& a, bool xadd) {
  bool limit_given = false;
  size_t i = 2;
  for (; i < argv.size(); ++i) {
    const size_t more = argv.size() - 1 - i;
    std::string_view opt = argv[i];
    if (xadd && opt == "*")
      break;
    if ((iequals(opt, "maxlen") || iequals(opt, "minid")) && more) {
      if (a.strategy != trim_args::none) {
        reply::error(ctx.out,
                     "ERR syntax error, MAXLEN and MINID options at the same time are not "
                     "compatible");
        return 0;
      }
      const bool by_length = iequals(opt, "maxlen");
      a.approx = false;
      std::string_view next = argv[i + 1];
      if (more >= 2 && (next == "~" || next == "=")) {
        a.approx = next == "~";
        ++i;
      }
      if (by_length) {
        if (!parse_integer_arg(ctx, argv[i + 1], a.max_length))
          return 0;
        if (a.max_length < 0) {
          reply::error(ctx.out, "ERR The MAXLEN argument must be >= 0.");
          return 0;
        }
      } else if (!parse_id_arg(ctx, argv[i + 1], a.min_id, 0, true)) {
        return 0;
      }
      ++i;
      a.strategy = by_length ? trim_args::maxlen : trim_args::minid;
      a.strategy_arg = i;
    } else if (iequals(opt, "limit") && more) {
      if (!parse_integer_arg(ctx, argv[i + 1], a.limit))
        return 0;
      if (a.limit < 0) {
        reply::error(ctx.out, "ERR The LIMIT argument must be >= 0.");
        return 0;
      }
      limit_given = true;
      ++i;
    } else if (xadd && iequals(opt, "nomkstream")) {
      a.no_mkstream = true;
    } else if (xadd) {
      if (!parse_id_arg(ctx, opt, a.id, 0, true, &a.seq_given))
        return 0;
      a.id_given = true;
      break;
    } else {
      reply::error(ctx.out, errors::syntax);
      return 0;
    }
  }
  if (a.limit && a.strategy == trim_args::none) {
    reply::error(ctx.out,
                 "ERR syntax error, LIMIT cannot be used without specifying a trimming strategy");
    return 0;
  }
  if (!xadd && a.strategy == trim_args::none) {
    reply::error(ctx.out, "ERR syntax error, XTRIM must be called with a trimming strategy");
    return 0;
  }
  if (ctx.expiry_now == 0) {
    a.limit = 0;  // our master's command: its threshold was made exact for us
  } else if (limit_given) {
    if (!a.approx) {
      reply::error(ctx.out, "ERR syntax error, LIMIT cannot be used without the special ~ option");
      return 0;
    }
  } else if (a.approx) {
    int64_t per_node = static_cast<int64_t>(limits::stream_node_entries.load());
    a.limit = 100 * per_node;
    if (a.limit <= 0)
      a.limit = 10000;
    if (a.limit > 1000000)
      a.limit = 1000000;
  } else {
    a.limit = 0;
  }
  return i;
}

int64_t apply_trim(stream_value& s, const trim_args& a) {
  if (a.strategy == trim_args::maxlen)
    return s.trim_to_length(static_cast<uint64_t>(a.max_length), a.approx, a.limit);
  return s.trim_below(a.min_id, a.approx, a.limit);
}

// The command as replicas apply it: the ID it got, and an approximate trim made exact (the
// length or first ID it left), as Redis's streamRewriteTrimArgument.
void propagate_rewritten(exec_context& ctx, arg_list argv, const trim_args& a,
                         const stream_value& s, size_t id_pos, stream_id added) {
  std::vector<std::string> out(argv.begin(), argv.end());
  if (a.strategy != trim_args::none && a.approx) {
    out[a.strategy_arg - 1] = "=";
    out[a.strategy_arg] = a.strategy == trim_args::maxlen
                              ? std::to_string(s.length)
                              : s.edge_id(true, false).str();
  }
  if (id_pos < argv.size() && (!a.id_given || !a.seq_given))
    out[id_pos] = added.str();
  std::vector<std::string_view> views(out.begin(), out.end());
  ctx.propagated->add_command(nullptr, ctx.db_index, views, ctx.arg_blocks);
}

// XADD key [NOMKSTREAM] [MAXLEN|MINID [=|~] threshold [LIMIT count]] *|id field value ...
void xadd_command(exec_context& ctx, arg_list argv) {
  trim_args a;
  const size_t id_pos = parse_trim_args(ctx, argv, a, true);
  if (id_pos == 0)
    return;
  const size_t field_pos = id_pos + 1;
  if (field_pos > argv.size() || argv.size() - field_pos < 2 || (argv.size() - field_pos) % 2) {
    reply::error(ctx.out, arity_error("xadd"));
    return;
  }
  if (a.id_given && a.seq_given && a.id.is_zero()) {
    reply::error(ctx.out, "ERR The ID specified in XADD must be greater than 0-0");
    return;
  }
  entry* e = ctx.db().find(argv[1], ctx.expiry_now);
  if (e && e->val.type() != value_type::stream) {
    reply::error(ctx.out, errors::wrong_type);
    return;
  }
  if (!e && a.no_mkstream) {
    reply::null_bulk(ctx.out);
    return;
  }
  if (!e)
    e = &ctx.db().put(argv[1], value(stream_value()), no_expiry);
  stream_value& s = e->val.stream();
  if (s.last_id == stream_id::max()) {
    reply::error(ctx.out,
                 "ERR The stream has exhausted the last possible ID, unable to add more items");
    return;
  }
  stream_id id;
  bool ok = true;
  if (!a.id_given) {
    const auto ms = static_cast<uint64_t>(ctx.now);
    id = ms > s.last_id.ms ? stream_id{ms, 0} : s.last_id;
    if (!(ms > s.last_id.ms))
      ok = id.increment();
  } else if (!a.seq_given) {
    if (s.last_id.ms == a.id.ms) {
      id = s.last_id;
      ok = s.last_id.seq != UINT64_MAX && id.increment();
    } else {
      id = a.id;
    }
  } else {
    id = a.id;
  }
  if (!ok || id <= s.last_id) {
    reply::error(ctx.out,
                 "ERR The ID specified in XADD is equal or smaller than the target stream top "
                 "item");
    return;
  }
  s.append(id, argv.subspan(field_pos));
  reply_id(ctx.out, id);
  mark_dirty(ctx);
  notify(ctx, keyspace_events::stream, "xadd", argv[1]);
  if (a.strategy != trim_args::none && apply_trim(s, a))
    notify(ctx, keyspace_events::stream, "xtrim", argv[1]);
  if (ctx.propagated)
    propagate_rewritten(ctx, argv, a, s, id_pos, id);
}

// XTRIM key MAXLEN|MINID [=|~] threshold [LIMIT count]
void xtrim_command(exec_context& ctx, arg_list argv) {
  trim_args a;
  if (parse_trim_args(ctx, argv, a, false) == 0)
    return;
  entry* e = lookup_write(ctx, argv[1], value_type::stream, ":0\r\n");
  if (!e)
    return;
  stream_value& s = e->val.stream();
  const int64_t removed = apply_trim(s, a);
  if (removed) {
    mark_dirty(ctx, removed);
    if (ctx.propagated)
      propagate_rewritten(ctx, argv, a, s, argv.size(), {});
  }
  reply::integer(ctx.out, removed);
}

// XRANGE key start end [COUNT n], XREVRANGE key end start [COUNT n]
void range_command(exec_context& ctx, arg_list argv, bool rev) {
  stream_id start, end;
  if (!parse_range_start(ctx, rev ? argv[3] : argv[2], start) ||
      !parse_range_end(ctx, rev ? argv[2] : argv[3], end))
    return;
  int64_t count = -1;
  for (size_t j = 4; j < argv.size(); ++j) {
    if (iequals(argv[j], "count") && j + 1 < argv.size()) {
      if (!parse_integer_arg(ctx, argv[++j], count))
        return;
      if (count < 0)
        count = 0;
    } else {
      reply::error(ctx.out, errors::syntax);
      return;
    }
  }
  bool failed = false;
  stream_value* s = find_stream(ctx, argv[1], failed);
  if (failed)
    return;
  if (!s) {
    ctx.out.append("*0\r\n");
    return;
  }
  if (count == 0) {
    reply::null_array(ctx.out);
    return;
  }
  reply_range(ctx.out, *s, start, end, count < 0 ? 0 : static_cast<size_t>(count), rev);
}

void xrange_command(exec_context& ctx, arg_list argv) { range_command(ctx, argv, false); }
void xrevrange_command(exec_context& ctx, arg_list argv) { range_command(ctx, argv, true); }

void xlen_command(exec_context& ctx, arg_list argv) {
  bool failed = false;
  stream_value* s = find_stream(ctx, argv[1], failed);
  if (!failed)
    reply::integer(ctx.out, s ? static_cast<int64_t>(s->length) : 0);
}

// XDEL key id [id ...]
void xdel_command(exec_context& ctx, arg_list argv) {
  entry* e = lookup_write(ctx, argv[1], value_type::stream, ":0\r\n");
  if (!e)
    return;
  std::vector<stream_id> ids(argv.size() - 2);
  for (size_t j = 2; j < argv.size(); ++j)
    if (!parse_id_arg(ctx, argv[j], ids[j - 2], 0, true))
      return;
  stream_value& s = e->val.stream();
  int64_t deleted = 0;
  bool first_gone = false;
  for (stream_id id : ids) {
    if (!s.remove(id))
      continue;
    first_gone = first_gone || id == s.first_id;
    if (id > s.max_deleted_id)
      s.max_deleted_id = id;
    ++deleted;
  }
  if (deleted) {
    if (s.length == 0)
      s.first_id = {};
    else if (first_gone)
      s.reset_first_id();
    mark_dirty(ctx, deleted);
  }
  reply::integer(ctx.out, deleted);
}

// XSETID key last-id [ENTRIESADDED n] [MAXDELETEDID id]
void xsetid_command(exec_context& ctx, arg_list argv) {
  stream_id id, max_deleted;
  int64_t entries_added = -1;
  if (!parse_id_arg(ctx, argv[2], id, 0, true))
    return;
  for (size_t i = 3; i < argv.size(); i += 2) {
    const bool more = i + 1 < argv.size();
    if (iequals(argv[i], "entriesadded") && more) {
      if (!parse_integer_arg(ctx, argv[i + 1], entries_added))
        return;
      if (entries_added < 0) {
        reply::error(ctx.out, "ERR entries_added must be positive");
        return;
      }
    } else if (iequals(argv[i], "maxdeletedid") && more) {
      if (!parse_id_arg(ctx, argv[i + 1], max_deleted, 0, true))
        return;
      if (id < max_deleted) {
        reply::error(ctx.out,
                     "ERR The ID specified in XSETID is smaller than the provided "
                     "max_deleted_entry_id");
        return;
      }
    } else {
      reply::error(ctx.out, errors::syntax);
      return;
    }
  }
  entry* e = lookup_write(ctx, argv[1], value_type::stream, "-ERR no such key\r\n");
  if (!e)
    return;
  stream_value& s = e->val.stream();
  if (s.length > 0) {
    if (id < s.edge_id(false, true)) {
      reply::error(ctx.out,
                   "ERR The ID specified in XSETID is smaller than the target stream top item");
      return;
    }
    if (entries_added != -1 && s.length > static_cast<uint64_t>(entries_added)) {
      reply::error(ctx.out,
                   "ERR The entries_added specified in XSETID is smaller than the target "
                   "stream length");
      return;
    }
  }
  s.last_id = id;
  if (entries_added != -1)
    s.entries_added = static_cast<uint64_t>(entries_added);
  if (!max_deleted.is_zero())
    s.max_deleted_id = max_deleted;
  reply::ok(ctx.out);
  mark_dirty(ctx);
}

// XADD and XTRIM add their exact form to ctx.propagated themselves.
void propagated_by_command(exec_context&, arg_list) {}

// Key specs as Redis 7.0 declares them (COMMAND INFO, COMMAND GETKEYSANDFLAGS).
constexpr key_spec xadd_keys[] = {
    with_notes(keys_at(kf::rw | kf::update, 1),
               "UPDATE instead of INSERT because of the optional trimming feature"),
};

const command_spec specs[] = {
    with_key_specs(with_event({"xadd", -5, cmd_write | cmd_denyoom | cmd_fast, xadd_command,
                               nullptr, 1, 1, 1, kf::none, "Appends a new entry to a stream",
                               "stream", "5.0.0", propagated_by_command},
                              {ev::stream, "", key_event::by_command}),
                   xadd_keys),
    with_event({"xtrim", -4, cmd_write, xtrim_command, nullptr, 1, 1, 1, kf::rw | kf::del,
                "Trims the stream to (approximately if '~' is passed) a certain size", "stream",
                "5.0.0", propagated_by_command},
               {ev::stream, "xtrim"}),
    {"xrange", -4, cmd_readonly, xrange_command, nullptr, 1, 1, 1, kf::ro | kf::access,
     "Return a range of elements in a stream, with IDs matching the specified IDs interval",
     "stream", "5.0.0"},
    {"xrevrange", -4, cmd_readonly, xrevrange_command, nullptr, 1, 1, 1, kf::ro | kf::access,
     "Return a range of elements in a stream, with IDs matching the specified IDs interval, in "
     "reverse order (from greater to smaller IDs) compared to XRANGE",
     "stream", "5.0.0"},
    {"xlen", 2, cmd_readonly | cmd_fast, xlen_command, nullptr, 1, 1, 1, kf::ro,
     "Return the number of entries in a stream", "stream", "5.0.0"},
    with_event(
        {"xdel", -3, cmd_write | cmd_fast, xdel_command, nullptr, 1, 1, 1, kf::rw | kf::del,
         "Removes the specified entries from the stream. Returns the number of items actually "
         "deleted, that may be different from the number of IDs passed in case certain IDs do not "
         "exist.",
         "stream", "5.0.0"},
        {ev::stream, "xdel"}),
    with_event({"xsetid", -3, cmd_write | cmd_denyoom | cmd_fast | cmd_signals_itself,
                xsetid_command, nullptr, 1, 1, 1, kf::rw | kf::update,
                "An internal command for replicating stream values", "stream", "5.0.0"},
               {ev::stream, "xsetid"}),
};

}  // namespace

std::span<const command_spec> stream_commands() { return specs; }

}  // namespace credis
