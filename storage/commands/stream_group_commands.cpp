// Consumer groups: XGROUP (CREATE SETID DESTROY CREATECONSUMER DELCONSUMER HELP), XACK,
// XPENDING, XCLAIM, XAUTOCLAIM (Redis's t_stream.c). Reading through a group is XREADGROUP's
// (stream_read_commands.cpp).
#include <string>
#include <vector>

#include "protocol/integers.hpp"
#include "protocol/reply.hpp"
#include "storage/commands/command_families.hpp"
#include "storage/commands/key_events.hpp"
#include "storage/commands/lookup.hpp"
#include "storage/commands/stream_group_propagation.hpp"
#include "storage/commands/stream_support.hpp"
#include "storage/commands/text.hpp"

namespace credis {

namespace ev = keyspace_events;
namespace {

std::string no_group_error(std::string_view key, std::string_view group) {
  return "NOGROUP No such key '" + std::string(key) + "' or consumer group '" +
         std::string(group) + "'";
}

std::string no_group_for_key_error(std::string_view group, std::string_view key) {
  return "NOGROUP No such consumer group '" + std::string(group) + "' for key name '" +
         std::string(key) + "'";
}

// Only the clients blocked in XREADGROUP hear of it (Redis's signalKeyAsReady without
// signalModifiedKey: WATCH is not touched by group changes).
void wake_readers(exec_context& ctx, std::string_view key) {
  if (ctx.blocked)
    ctx.blocked->touched(key);
}

// XGROUP CREATE key group id|$ [MKSTREAM] [ENTRIESREAD n], SETID key group id|$ [ENTRIESREAD n],
// DESTROY key group, CREATECONSUMER key group consumer, DELCONSUMER key group consumer, HELP
void xgroup_command(exec_context& ctx, arg_list argv) {
  std::string_view opt = argv[1];
  stream_value* s = nullptr;
  stream_group* g = nullptr;
  bool mkstream = false;
  int64_t entries_read = entries_read_unknown;
  const bool create = iequals(opt, "create"), setid = iequals(opt, "setid");
  if (argv.size() >= 4) {
    for (size_t i = 5; i < argv.size();) {
      if (create && iequals(argv[i], "mkstream")) {
        mkstream = true;
        ++i;
      } else if ((create || setid) && iequals(argv[i], "entriesread") && i + 1 < argv.size()) {
        if (!parse_integer_arg(ctx, argv[i + 1], entries_read))
          return;
        if (entries_read < 0 && entries_read != entries_read_unknown) {
          reply::error(ctx.out, "ERR value for ENTRIESREAD must be positive or -1");
          return;
        }
        i += 2;
      } else {
        reply_subcommand_syntax(ctx, "xgroup", opt);
        return;
      }
    }
    entry* e = ctx.db().find(argv[2], ctx.expiry_now);
    if (e) {
      if (e->val.type() != value_type::stream) {
        reply::error(ctx.out, errors::wrong_type);
        return;
      }
      s = &e->val.stream();
    }
    if (!mkstream) {
      if (!s) {
        reply::error(ctx.out,
                     "ERR The XGROUP subcommand requires the key to exist. Note that for CREATE "
                     "you may want to use the MKSTREAM option to create an empty stream "
                     "automatically.");
        return;
      }
      g = s->find_group(argv[3]);
      if (!g && (setid || iequals(opt, "createconsumer") || iequals(opt, "delconsumer"))) {
        reply::error(ctx.out, no_group_for_key_error(argv[3], argv[2]));
        return;
      }
    }
  }

  if (argv.size() == 2 && iequals(opt, "help")) {
    reply_help(ctx.out, "xgroup",
               {"CREATE <key> <groupname> <id|$> [option]",
                "    Create a new consumer group. Options are:", "    * MKSTREAM",
                "      Create the empty stream if it does not exist.",
                "    * ENTRIESREAD entries_read",
                "      Set the group's entries_read counter (internal use).",
                "CREATECONSUMER <key> <groupname> <consumer>",
                "    Create a new consumer in the specified group.",
                "DELCONSUMER <key> <groupname> <consumer>", "    Remove the specified consumer.",
                "DESTROY <key> <groupname>", "    Remove the specified group.",
                "SETID <key> <groupname> <id|$> [ENTRIESREAD entries_read]",
                "    Set the current group ID and entries_read counter."});
  } else if (create && argv.size() >= 5 && argv.size() <= 8) {
    stream_id id;
    if (argv[4] == "$")
      id = s ? s->last_id : stream_id{};
    else if (!parse_id_arg(ctx, argv[4], id, 0, true))
      return;
    if (!s) {
      s = &ctx.db().put(argv[2], value(stream_value()), no_expiry).val.stream();
      signal_modified(ctx, ctx.db_index, argv[2]);
    }
    if (s->find_group(argv[3])) {
      reply::error(ctx.out, "BUSYGROUP Consumer Group name already exists");
      return;
    }
    stream_group& ng = s->groups[std::string(argv[3])];
    ng.last_id = id;
    ng.entries_read = entries_read;
    reply::ok(ctx.out);
    mark_dirty(ctx);
  } else if (setid && (argv.size() == 5 || argv.size() == 7)) {
    stream_id id;
    if (argv[4] == "$")
      id = s->last_id;
    else if (!parse_id_arg(ctx, argv[4], id, 0, false))
      return;
    g->last_id = id;
    g->entries_read = entries_read;
    reply::ok(ctx.out);
    mark_dirty(ctx);
  } else if (iequals(opt, "destroy") && argv.size() == 4) {
    if (!g) {
      reply::integer(ctx.out, 0);
      return;
    }
    s->groups.erase(std::string(argv[3]));
    reply::integer(ctx.out, 1);
    mark_dirty(ctx);
    wake_readers(ctx, argv[2]);  // they get NOGROUP
  } else if (iequals(opt, "createconsumer") && argv.size() == 5) {
    bool created = false;
    g->consumer(argv[4], ctx.now, created);
    if (created)
      mark_dirty(ctx);
    reply::integer(ctx.out, created ? 1 : 0);
  } else if (iequals(opt, "delconsumer") && argv.size() == 5) {
    const bool existed = g->find_consumer(argv[4]) != nullptr;
    const size_t pending = g->delete_consumer(argv[4]);
    if (existed)
      mark_dirty(ctx);
    reply::integer(ctx.out, static_cast<int64_t>(pending));
  }
}

// The stream and group named by argv[1] and argv[2]; null with WRONGTYPE or NOGROUP replied.
stream_group* find_group_or_reply(exec_context& ctx, arg_list argv, stream_value*& s) {
  bool failed = false;
  s = find_stream(ctx, argv[1], failed);
  if (failed)
    return nullptr;
  stream_group* g = s ? s->find_group(argv[2]) : nullptr;
  if (!g)
    reply::error(ctx.out, no_group_error(argv[1], argv[2]));
  return g;
}

// XACK key group id [id ...]
void xack_command(exec_context& ctx, arg_list argv) {
  bool failed = false;
  stream_value* s = find_stream(ctx, argv[1], failed);
  if (failed)
    return;
  stream_group* g = s ? s->find_group(argv[2]) : nullptr;
  if (!g) {
    reply::integer(ctx.out, 0);
    return;
  }
  std::vector<stream_id> ids(argv.size() - 3);
  for (size_t j = 3; j < argv.size(); ++j)
    if (!parse_id_arg(ctx, argv[j], ids[j - 3], 0, true))
      return;
  int64_t acked = 0;
  for (stream_id id : ids)
    acked += g->acknowledge(id) ? 1 : 0;
  mark_dirty(ctx, acked);
  reply::integer(ctx.out, acked);
}

// XPENDING key group [[IDLE min-idle] start end count [consumer]]
void xpending_command(exec_context& ctx, arg_list argv) {
  const bool summary = argv.size() == 3;
  if (!summary && (argv.size() < 6 || argv.size() > 9)) {
    reply::error(ctx.out, errors::syntax);
    return;
  }
  stream_id start, end;
  int64_t count = 0, min_idle = 0;
  std::string_view consumer_name;
  bool consumer_given = false;
  if (argv.size() >= 6) {
    size_t at = 3;
    if (iequals(argv[3], "idle")) {
      if (!parse_integer_arg(ctx, argv[4], min_idle))
        return;
      if (argv.size() < 8) {
        reply::error(ctx.out, errors::syntax);
        return;
      }
      at += 2;
    }
    if (!parse_integer_arg(ctx, argv[at + 2], count))
      return;
    if (count < 0)
      count = 0;
    if (!parse_range_start(ctx, argv[at], start) || !parse_range_end(ctx, argv[at + 1], end))
      return;
    if (at + 3 < argv.size()) {
      consumer_name = argv[at + 3];
      consumer_given = true;
    }
  }
  stream_value* s = nullptr;
  stream_group* g = find_group_or_reply(ctx, argv, s);
  if (!g)
    return;
  if (summary) {
    reply::array_header(ctx.out, 4);
    reply::integer(ctx.out, static_cast<int64_t>(g->pel.size()));
    if (g->pel.empty()) {
      reply::null_bulk(ctx.out);
      reply::null_bulk(ctx.out);
      reply::null_array(ctx.out);
      return;
    }
    reply_id(ctx.out, g->pel.begin()->first);
    reply_id(ctx.out, g->pel.rbegin()->first);
    std::string body;
    int64_t n = 0;
    for (const auto& [name, c] : g->consumers) {
      if (c.pending.empty())
        continue;
      body.append("*2\r\n");
      reply::bulk(body, name);
      std::string pending_count;
      append_int64(pending_count, static_cast<int64_t>(c.pending.size()));
      reply::bulk(body, pending_count);
      ++n;
    }
    reply::array_header(ctx.out, n);
    ctx.out.append(body);
    return;
  }
  stream_consumer* c = nullptr;
  if (consumer_given) {
    c = g->find_consumer(consumer_name);
    if (!c) {
      ctx.out.append("*0\r\n");
      return;
    }
  }
  std::string body;
  int64_t n = 0;
  auto visit = [&](stream_id id, const pending_entry& pe) {
    if (min_idle && ctx.now - pe.delivery_time < min_idle)
      return;
    ++n;
    --count;
    body.append("*4\r\n");
    reply_id(body, id);
    reply::bulk(body, pe.consumer ? std::string_view(pe.consumer->name) : "");
    reply::integer(body, std::max<int64_t>(0, ctx.now - pe.delivery_time));
    reply::integer(body, static_cast<int64_t>(pe.delivery_count));
  };
  if (c) {
    for (auto it = c->pending.lower_bound(start); count && it != c->pending.end() && *it <= end;
         ++it)
      visit(*it, g->pel[*it]);
  } else {
    for (auto it = g->pel.lower_bound(start); count && it != g->pel.end() && it->first <= end;
         ++it)
      visit(it->first, it->second);
  }
  reply::array_header(ctx.out, n);
  ctx.out.append(body);
}

// Claims the pending `it` for `c` at `delivery_time`, replies it (its ID with JUSTID, else
// the entry) and propagates the claim.
void claim(exec_context& ctx, std::string& body, arg_list argv, stream_value& s,
           stream_group& g, std::map<stream_id, pending_entry>::iterator it, stream_consumer& c,
           int64_t delivery_time, int64_t retry_count, bool just_id) {
  g.move_to(it, c);
  pending_entry& pe = it->second;
  pe.delivery_time = delivery_time;
  if (retry_count >= 0)
    pe.delivery_count = static_cast<uint64_t>(retry_count);
  else if (!just_id)
    ++pe.delivery_count;
  if (just_id)
    reply_id(body, it->first);
  else
    s.for_each(it->first, it->first, false, [&](const stream_value::entry& e) {
      reply_entry(body, e);
      return false;
    });
  if (ctx.propagated)
    propagate_claim(ctx, argv[1], argv[2], g, it->first, pe);
  mark_dirty(ctx);
}

// A pending entry whose stream entry is gone leaves the PEL (replicas learn it as XCLAIM).
void drop_deleted(exec_context& ctx, arg_list argv, stream_group& g,
                  std::map<stream_id, pending_entry>::iterator it) {
  if (ctx.propagated)
    propagate_claim(ctx, argv[1], argv[2], g, it->first, it->second);
  mark_dirty(ctx);
  g.acknowledge(it->first);
}

// XCLAIM key group consumer min-idle-time id [id ...] [IDLE ms] [TIME ms] [RETRYCOUNT n]
//   [FORCE] [JUSTID] [LASTID id]
void xclaim_command(exec_context& ctx, arg_list argv) {
  stream_value* s = nullptr;
  stream_group* g = find_group_or_reply(ctx, argv, s);
  if (!g)
    return;
  int64_t min_idle = 0;
  if (!parse_int64(argv[4], min_idle)) {
    reply::error(ctx.out, "ERR Invalid min-idle-time argument for XCLAIM");
    return;
  }
  if (min_idle < 0)
    min_idle = 0;
  std::vector<stream_id> ids;
  size_t j = 5;
  for (; j < argv.size(); ++j) {
    stream_id id;
    if (!parse_stream_id(argv[j], id, 0, true))
      break;
    ids.push_back(id);
  }
  int64_t retry_count = -1, delivery_time = -1;
  bool force = false, just_id = false;
  stream_id last_id;
  auto option_int = [&](std::string_view arg, int64_t& v, std::string_view what) {
    if (parse_int64(arg, v))
      return true;
    reply::error(ctx.out, "ERR Invalid " + std::string(what) + " option argument for XCLAIM");
    return false;
  };
  for (; j < argv.size(); ++j) {
    const bool more = j + 1 < argv.size();
    std::string_view opt = argv[j];
    if (iequals(opt, "force")) {
      force = true;
    } else if (iequals(opt, "justid")) {
      just_id = true;
    } else if (iequals(opt, "idle") && more) {
      if (!option_int(argv[++j], delivery_time, "IDLE"))
        return;
      delivery_time = ctx.now - delivery_time;
    } else if (iequals(opt, "time") && more) {
      if (!option_int(argv[++j], delivery_time, "TIME"))
        return;
    } else if (iequals(opt, "retrycount") && more) {
      if (!option_int(argv[++j], retry_count, "RETRYCOUNT"))
        return;
    } else if (iequals(opt, "lastid") && more) {
      if (!parse_id_arg(ctx, argv[++j], last_id, 0, true))
        return;
    } else {
      reply::error(ctx.out, "ERR Unrecognized XCLAIM option '" + std::string(opt) + "'");
      return;
    }
  }
  bool propagate_last_id = false;
  if (last_id > g->last_id) {
    g->last_id = last_id;
    propagate_last_id = true;
  }
  if (delivery_time == -1 || delivery_time < 0 || delivery_time > ctx.now)
    delivery_time = ctx.now;

  stream_consumer* c = nullptr;
  std::string body;
  int64_t n = 0;
  for (stream_id id : ids) {
    auto it = g->pel.find(id);
    if (!s->contains(id)) {
      if (it != g->pel.end()) {
        drop_deleted(ctx, argv, *g, it);
        propagate_last_id = false;
      }
      continue;
    }
    if (force && it == g->pel.end())
      it = g->pel.emplace(id, pending_entry{ctx.now, 1, nullptr}).first;
    if (it == g->pel.end())
      continue;
    if (it->second.consumer && min_idle && ctx.now - it->second.delivery_time < min_idle)
      continue;
    if (!c) {
      bool created = false;
      c = &acting_consumer(ctx, *g, argv[1], argv[3], created);
    }
    claim(ctx, body, argv, *s, *g, it, *c, delivery_time, retry_count, just_id);
    propagate_last_id = false;
    ++n;
  }
  if (propagate_last_id) {
    if (ctx.propagated)
      propagate_group_last_id(ctx, argv[1], argv[2], *g);
    mark_dirty(ctx);
  }
  reply::array_header(ctx.out, n);
  ctx.out.append(body);
}

// XAUTOCLAIM key group consumer min-idle-time start [COUNT n] [JUSTID]
void xautoclaim_command(exec_context& ctx, arg_list argv) {
  int64_t min_idle = 0, count = 100;
  if (!parse_int64(argv[4], min_idle)) {
    reply::error(ctx.out, "ERR Invalid min-idle-time argument for XAUTOCLAIM");
    return;
  }
  if (min_idle < 0)
    min_idle = 0;
  stream_id start;
  if (!parse_range_start(ctx, argv[5], start))
    return;
  bool just_id = false;
  for (size_t j = 6; j < argv.size(); ++j) {
    if (iequals(argv[j], "count") && j + 1 < argv.size()) {
      constexpr int64_t max_count = INT64_MAX / 16;
      if (!parse_int64(argv[j + 1], count) || count < 1 || count > max_count) {
        reply::error(ctx.out, "ERR COUNT must be > 0");
        return;
      }
      ++j;
    } else if (iequals(argv[j], "justid")) {
      just_id = true;
    } else {
      reply::error(ctx.out, errors::syntax);
      return;
    }
  }
  stream_value* s = nullptr;
  stream_group* g = find_group_or_reply(ctx, argv, s);
  if (!g)
    return;
  stream_consumer* c = nullptr;
  std::string body;
  std::vector<stream_id> deleted;
  int64_t n = 0, attempts = count * 10;
  auto it = g->pel.lower_bound(start);
  while (attempts-- && count && it != g->pel.end()) {
    if (!s->contains(it->first)) {
      deleted.push_back(it->first);
      auto next = std::next(it);
      drop_deleted(ctx, argv, *g, it);
      it = next;
      --count;
      continue;
    }
    if (min_idle && ctx.now - it->second.delivery_time < min_idle) {
      ++it;
      continue;
    }
    if (!c) {
      bool created = false;
      c = &acting_consumer(ctx, *g, argv[1], argv[3], created);
    }
    claim(ctx, body, argv, *s, *g, it, *c, ctx.now, -1, just_id);
    ++n;
    --count;
    ++it;
  }
  ctx.out.append("*3\r\n");
  reply_id(ctx.out, it == g->pel.end() ? stream_id{} : it->first);
  reply::array_header(ctx.out, n);
  ctx.out.append(body);
  reply::array_header(ctx.out, static_cast<int64_t>(deleted.size()));
  for (stream_id id : deleted)
    reply_id(ctx.out, id);
}

// Group commands propagate what they did themselves (XCLAIM ... FORCE JUSTID and the like),
// or go as they came when that is exact (XGROUP, XACK): see each table entry.
void propagated_by_command(exec_context&, arg_list) {}

constexpr uint32_t group_write = cmd_write | cmd_signals_itself;

// XGROUP's subcommands have entries of their own (Redis 7's "xgroup|create"), for their
// arities and key positions; one handler serves them all.
constexpr command_spec xgroup_sub(std::string_view name, int arity, uint32_t flags,
                                  uint16_t key_flags, std::string_view summary,
                                  std::string_view event, std::string_view since = "5.0.0") {
  return with_event({name, arity, group_write | flags, xgroup_command, nullptr, 2, 2, 1, key_flags,
                     summary, "stream", since},
                    {ev::stream, event});
}

const command_spec specs[] = {
    {"xgroup", -2, group_write | cmd_container, unknown_subcommand, nullptr, 0, 0, 0, kf::none,
     "A container for consumer groups commands", "stream", "5.0.0"},
    xgroup_sub("xgroup|create", -5, cmd_denyoom, kf::rw | kf::insert, "Create a consumer group.",
               "xgroup-create"),
    xgroup_sub("xgroup|setid", -5, 0, kf::rw | kf::update,
               "Set a consumer group to an arbitrary last delivered ID value.", "xgroup-setid"),
    xgroup_sub("xgroup|destroy", 4, 0, kf::rw | kf::del, "Destroy a consumer group.",
               "xgroup-destroy"),
    xgroup_sub("xgroup|createconsumer", 5, cmd_denyoom, kf::rw | kf::insert,
               "Create a consumer in a consumer group.", "xgroup-createconsumer", "6.2.0"),
    xgroup_sub("xgroup|delconsumer", 5, 0, kf::rw | kf::del,
               "Delete a consumer from a consumer group.", "xgroup-delconsumer"),
    {"xgroup|help", 2, cmd_loading | cmd_stale, xgroup_command, nullptr, 0, 0, 0, kf::none,
     "Show helpful text about the different subcommands", "stream", "5.0.0"},
    {"xack", -4, group_write | cmd_fast, xack_command, nullptr, 1, 1, 1, kf::rw | kf::update,
     "Marks a pending message as correctly processed, effectively removing it from the pending "
     "entries list of the consumer group. Return value of the command is the number of messages "
     "successfully acknowledged, that is, the IDs we were actually able to resolve in the PEL.",
     "stream", "5.0.0"},
    {"xpending", -3, cmd_readonly, xpending_command, nullptr, 1, 1, 1, kf::ro | kf::access,
     "Return information and entries from a stream consumer group pending entries list, that "
     "are messages fetched but never acknowledged.",
     "stream", "5.0.0"},
    with_event(
        {"xclaim", -6, group_write | cmd_fast, xclaim_command, nullptr, 1, 1, 1,
         kf::rw | kf::update,
         "Changes (or acquires) ownership of a message in a consumer group, as if the message was "
         "delivered to the specified consumer.",
         "stream", "5.0.0", propagated_by_command},
        {ev::stream, "", key_event::by_command}),
    with_event(
        {"xautoclaim", -6, group_write | cmd_fast, xautoclaim_command, nullptr, 1, 1, 1,
         kf::rw | kf::del,
         "Changes (or acquires) ownership of messages in a consumer group, as if the messages were "
         "delivered to the specified consumer.",
         "stream", "6.2.0", propagated_by_command},
        {ev::stream, "", key_event::by_command}),
};

}  // namespace

std::span<const command_spec> stream_group_commands() { return specs; }

}  // namespace credis
