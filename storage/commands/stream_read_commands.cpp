// XREAD and XREADGROUP: reading from several streams at once, blocking until one has entries
// past the given IDs, and the consumer-group side of reading (the PEL, the group's last ID and
// read counter, and the XCLAIM / XGROUP SETID forms replicas apply), as Redis's xreadCommand.
#include <string>
#include <vector>

#include "protocol/integers.hpp"
#include "protocol/reply.hpp"
#include "storage/commands/blocking.hpp"
#include "storage/commands/command_families.hpp"
#include "storage/commands/key_events.hpp"
#include "storage/commands/lookup.hpp"
#include "storage/commands/stream_group_propagation.hpp"
#include "storage/commands/stream_support.hpp"
#include "storage/commands/text.hpp"

namespace credis {

namespace ev = keyspace_events;
namespace {

// A blocked XREAD with no COUNT gets at most this many entries per stream (Redis's
// XREAD_BLOCKED_DEFAULT_COUNT).
constexpr int64_t blocked_default_count = 1000;

struct read_args {
  int64_t timeout = -1;  // ms; -1: no BLOCK
  int64_t count = 0;
  size_t streams_at = 0, streams = 0;
  bool group_given = false;
  std::string_view group, consumer;
  bool noack = false;
};

bool parse_read_args(exec_context& ctx, arg_list argv, bool with_group, read_args& a) {
  for (size_t i = 1; i < argv.size(); ++i) {
    const size_t more = argv.size() - 1 - i;
    std::string_view o = argv[i];
    if (iequals(o, "block") && more) {
      if (!parse_int64(argv[++i], a.timeout)) {
        reply::error(ctx.out, "ERR timeout is not an integer or out of range");
        return false;
      }
      if (a.timeout < 0) {
        reply::error(ctx.out, "ERR timeout is negative");
        return false;
      }
    } else if (iequals(o, "count") && more) {
      if (!parse_integer_arg(ctx, argv[++i], a.count))
        return false;
      if (a.count < 0)
        a.count = 0;
    } else if (iequals(o, "streams") && more) {
      a.streams_at = i + 1;
      a.streams = argv.size() - a.streams_at;
      if (a.streams % 2) {
        reply::error(ctx.out,
                     "ERR Unbalanced XREAD list of streams: for each stream key an ID or '$' "
                     "must be specified.");
        return false;
      }
      a.streams /= 2;
      break;
    } else if (iequals(o, "group") && more >= 2) {
      if (!with_group) {
        reply::error(ctx.out,
                     "ERR The GROUP option is only supported by XREADGROUP. You called XREAD "
                     "instead.");
        return false;
      }
      a.group_given = true;
      a.group = argv[i + 1];
      a.consumer = argv[i + 2];
      i += 2;
    } else if (iequals(o, "noack")) {
      if (!with_group) {
        reply::error(ctx.out,
                     "ERR The NOACK option is only supported by XREADGROUP. You called XREAD "
                     "instead.");
        return false;
      }
      a.noack = true;
    } else {
      reply::error(ctx.out, errors::syntax);
      return false;
    }
  }
  if (a.streams_at == 0) {
    reply::error(ctx.out, errors::syntax);
    return false;
  }
  if (with_group && !a.group_given) {
    reply::error(ctx.out, "ERR Missing GROUP option for XREADGROUP");
    return false;
  }
  return true;
}

// Replies the consumer's own pending entries from `start` (Redis's
// streamReplyWithRangeFromConsumerPEL): an entry deleted since comes as [id, nil].
void reply_history(exec_context& ctx, std::string& out, const stream_value& s, stream_group& g,
                   stream_consumer& c, stream_id start, int64_t count) {
  std::string body;
  int64_t n = 0;
  for (auto it = c.pending.lower_bound(start); it != c.pending.end() && (!count || n < count);
       ++it, ++n) {
    bool found = false;
    s.for_each(*it, *it, false, [&](const stream_value::entry& e) {
      reply_entry(body, e);
      return !(found = true);
    });
    if (!found) {
      body.append("*2\r\n");
      reply_id(body, *it);
      reply::null_array(body);
      continue;
    }
    pending_entry& pe = g.pel[*it];
    pe.delivery_time = ctx.now;
    ++pe.delivery_count;
  }
  reply::array_header(out, n);
  out.append(body);
}

// Replies the entries after `after` (at most `count`) to a consumer of `g`: each moves the
// group's last ID and read counter, and unless NOACK becomes pending for the consumer, which
// replicas learn as XCLAIM (Redis's streamReplyWithRange with a group).
void reply_new_entries(exec_context& ctx, std::string& out, std::string_view key,
                       stream_value& s, std::string_view group_name, stream_group& g,
                       stream_consumer& c, stream_id after, int64_t count, bool noack) {
  std::string body;
  int64_t n = 0;
  bool moved_last_id = false;
  stream_id start = after;
  start.increment();
  std::vector<stream_id> delivered;
  s.for_each(start, stream_id::max(), false, [&](const stream_value::entry& e) {
    if (e.id > g.last_id) {
      if (g.entries_read != entries_read_unknown &&
          !s.range_has_tombstones(e.id, stream_id::max()))
        ++g.entries_read;
      else if (s.entries_added)
        g.entries_read = s.estimate_entries_read(e.id);
      g.last_id = e.id;
      moved_last_id = true;
    }
    reply_entry(body, e);
    if (!noack) {
      pending_entry& pe = g.deliver(e.id, c, ctx.now);
      if (ctx.propagated)
        propagate_claim(ctx, key, group_name, g, e.id, pe);
    }
    ++n;
    return !count || n < count;
  });
  if (noack && moved_last_id && ctx.propagated)
    propagate_group_last_id(ctx, key, group_name, g);
  reply::array_header(out, n);
  out.append(body);
}

void read_command(exec_context& ctx, arg_list argv, bool with_group) {
  read_args a;
  if (!parse_read_args(ctx, argv, with_group, a))
    return;
  // BLOCK 0 would wait for ever inside the script: Redis refuses it there.
  if (a.timeout != -1 && ctx.from_script) {
    reply::error(ctx.out, "ERR " + std::string(argv[0]) +
                              " command is not allowed with BLOCK option from scripts");
    return;
  }
  const bool retrying = ctx.block && ctx.block->retry;
  arg_list keys = argv.subspan(a.streams_at, a.streams);
  arg_list id_args = argv.subspan(a.streams_at + a.streams, a.streams);
  std::vector<stream_id> ids(a.streams);
  std::vector<stream_group*> groups(a.streams, nullptr);
  const bool resolved = retrying && ctx.block->state.size() == a.streams;
  for (size_t i = 0; i < a.streams; ++i) {
    entry* e = ctx.db().find(keys[i], ctx.expiry_now);
    ++(e ? ctx.server.stats.keyspace_hits : ctx.server.stats.keyspace_misses);
    const bool is_stream = e && e->val.type() == value_type::stream;
    if (e && !is_stream && !retrying) {
      reply::error(ctx.out, errors::wrong_type);
      return;
    }
    stream_value* s = is_stream ? &e->val.stream() : nullptr;
    if (with_group) {
      if (retrying && !s) {
        reply::error(ctx.out, "UNBLOCKED the stream key no longer exists");
        return;
      }
      groups[i] = s ? s->find_group(a.group) : nullptr;
      if (!groups[i]) {
        reply::error(ctx.out,
                     retrying ? std::string("NOGROUP the consumer group this client was blocked "
                                            "on no longer exists")
                              : "NOGROUP No such key '" + std::string(keys[i]) +
                                    "' or consumer group '" + std::string(a.group) +
                                    "' in XREADGROUP with GROUP option");
        return;
      }
    }
    std::string_view arg = id_args[i];
    if (resolved) {
      parse_stream_id(ctx.block->state[i], ids[i], 0, true);
    } else if (arg == "$") {
      if (with_group) {
        reply::error(ctx.out,
                     "ERR The $ ID is meaningless in the context of XREADGROUP: you want to read "
                     "the history of this consumer by specifying a proper ID, or use the > ID to "
                     "get new messages. The $ ID would just return an empty result set.");
        return;
      }
      ids[i] = s ? s->last_id : stream_id{};
    } else if (arg == ">") {
      if (!with_group) {
        reply::error(ctx.out,
                     "ERR The > ID can be specified only when calling XREADGROUP using the "
                     "GROUP <group> <consumer> option.");
        return;
      }
      ids[i] = stream_id::max();
    } else if (!parse_id_arg(ctx, arg, ids[i], 0, true)) {
      return;
    }
  }

  const int64_t count = a.count || !retrying ? a.count : blocked_default_count;
  std::string body;
  int64_t served = 0;
  for (size_t i = 0; i < a.streams; ++i) {
    entry* e = ctx.db().find(keys[i], ctx.expiry_now);
    if (!e || e->val.type() != value_type::stream)
      continue;
    stream_value& s = e->val.stream();
    stream_id after = ids[i];
    bool history = false;
    if (groups[i]) {
      if (after != stream_id::max())
        history = true;
      else if (s.length && s.edge_id(false, true) > groups[i]->last_id)
        after = groups[i]->last_id;
      else
        continue;
    } else if (!s.length || !(s.edge_id(false, true) > after)) {
      continue;
    }
    ++served;
    if (reply::protocol() == 2)  // RESP3: a map of stream names to entries
      body.append("*2\r\n");
    reply::bulk(body, keys[i]);
    if (!groups[i]) {
      stream_id start = after;
      start.increment();
      reply_range(body, s, start, stream_id::max(), static_cast<size_t>(count), false);
      continue;
    }
    bool created = false;
    stream_consumer& c = acting_consumer(ctx, *groups[i], keys[i], a.consumer, created);
    if (created && a.noack && ctx.propagated)
      propagate_consumer_creation(ctx, keys[i], a.group, a.consumer);
    if (history) {
      stream_id start = after;
      start.increment();
      reply_history(ctx, body, s, *groups[i], c, start, count);
    } else {
      reply_new_entries(ctx, body, keys[i], s, a.group, *groups[i], c, after, count, a.noack);
    }
    mark_dirty(ctx);
  }
  if (served) {
    reply::protocol() == 2 ? reply::array_header(ctx.out, served)
                           : reply::map_header(ctx.out, served);
    ctx.out.append(body);
    return;
  }
  if (a.timeout < 0) {
    reply::null_array(ctx.out);
    return;
  }
  const int64_t deadline = a.timeout == 0 ? 0 : ctx.now + a.timeout;
  if (ctx.block && !retrying) {
    ctx.block->state.clear();
    for (stream_id id : ids)
      ctx.block->state.push_back(id.str());
  }
  wait_for_keys(ctx, keys, deadline, reply::null_array);
}

void xread_command(exec_context& ctx, arg_list argv) { read_command(ctx, argv, false); }
void xreadgroup_command(exec_context& ctx, arg_list argv) { read_command(ctx, argv, true); }

// XREADGROUP adds what replicas apply (XCLAIM, XGROUP SETID, XGROUP CREATECONSUMER) itself.
void propagated_by_command(exec_context&, arg_list) {}

// Key specs as Redis 7.0 declares them (COMMAND INFO, COMMAND GETKEYSANDFLAGS).
constexpr key_spec xread_keys[] = {
    keys_after(kf::ro | kf::access, "STREAMS", 1, -1, 1, 2),
};

constexpr key_spec xreadgroup_keys[] = {
    keys_after(kf::ro | kf::access, "STREAMS", 4, -1, 1, 2),
};

const command_spec specs[] = {
    with_key_specs(with_movable_keys({"xread", -4, cmd_readonly | cmd_blocking, xread_command,
                                      nullptr, 0, 0, 0, kf::none,
                                      "Return never seen elements in multiple streams, with IDs "
                                      "greater than the ones reported "
                                      "by the caller for each stream. Can block.",
                                      "stream", "5.0.0"},
                                     {movable_keys::streams}),
                   xread_keys),
    with_key_specs(with_movable_keys(
                       with_event({"xreadgroup", -7, cmd_write | cmd_blocking | cmd_signals_itself,
                                   xreadgroup_command, nullptr, 0, 0, 0, kf::none,
                                   "Return new entries from a stream using a consumer group, or "
                                   "access the history of the "
                                   "pending entries for a given consumer. Can block.",
                                   "stream", "5.0.0", propagated_by_command},
                                  {ev::stream, "", key_event::by_command}),
                       {movable_keys::streams}),
                   xreadgroup_keys),
};

}  // namespace

std::span<const command_spec> stream_read_commands() { return specs; }

}  // namespace credis
