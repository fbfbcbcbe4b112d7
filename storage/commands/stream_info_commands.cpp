// XINFO STREAM [FULL [COUNT n]], XINFO GROUPS, XINFO CONSUMERS, XINFO HELP: Redis 7.0's fields
// in its order (maps as flat arrays in RESP2).
#include <string>

#include "protocol/reply.hpp"
#include "storage/commands/command_families.hpp"
#include "storage/commands/lookup.hpp"
#include "storage/commands/stream_support.hpp"
#include "storage/commands/text.hpp"

namespace credis {
namespace {

// The nodes of a radix tree holding these 16-byte keys (what Redis reports as
// radix-tree-nodes): a node per shared run of bytes, per branching point and per key.
size_t radix_nodes(const std::vector<std::string>& keys, size_t begin, size_t end, size_t depth) {
  if (end - begin == 1)
    return (keys[begin].size() > depth ? 1 : 0) + 1;
  size_t common = depth;
  while (common < keys[begin].size() && keys[begin][common] == keys[end - 1][common])
    ++common;  // sorted: the first and last keys bound the shared prefix
  size_t n = (common > depth ? 1 : 0) + 1;  // the run, and the branching node
  for (size_t i = begin; i < end;) {
    size_t j = i + 1;
    while (j < end && keys[j][common] == keys[i][common])
      ++j;
    n += radix_nodes(keys, i, j, common + 1);
    i = j;
  }
  return n;
}

size_t radix_nodes(const stream_value& s) {
  if (s.nodes().empty())
    return 1;  // an empty tree has its root
  std::vector<std::string> keys;
  for (const auto& [id, lp] : s.nodes()) {
    std::string k(16, '\0');
    for (int b = 0; b < 8; ++b) {
      k[b] = static_cast<char>(id.ms >> (56 - 8 * b));
      k[8 + b] = static_cast<char>(id.seq >> (56 - 8 * b));
    }
    keys.push_back(std::move(k));
  }
  return radix_nodes(keys, 0, keys.size(), 0);
}

void reply_lag(std::string& out, const stream_value& s, const stream_group& g) {
  const std::optional<int64_t> lag = s.group_lag(g);
  lag ? reply::integer(out, *lag) : reply::null_bulk(out);
}

void reply_entries_read(std::string& out, const stream_group& g) {
  g.entries_read == entries_read_unknown ? reply::null_bulk(out)
                                         : reply::integer(out, g.entries_read);
}

// The fields XINFO STREAM has with and without FULL.
void reply_stream_head(std::string& out, const stream_value& s) {
  reply::bulk(out, "length");
  reply::integer(out, static_cast<int64_t>(s.length));
  reply::bulk(out, "radix-tree-keys");
  reply::integer(out, static_cast<int64_t>(s.nodes().size()));
  reply::bulk(out, "radix-tree-nodes");
  reply::integer(out, static_cast<int64_t>(radix_nodes(s)));
  reply::bulk(out, "last-generated-id");
  reply_id(out, s.last_id);
  reply::bulk(out, "max-deleted-entry-id");
  reply_id(out, s.max_deleted_id);
  reply::bulk(out, "entries-added");
  reply::integer(out, static_cast<int64_t>(s.entries_added));
  reply::bulk(out, "recorded-first-entry-id");
  reply_id(out, s.first_id);
}

void reply_edge_entry(std::string& out, const stream_value& s, bool rev) {
  if (s.length == 0) {
    reply::null_bulk(out);
    return;
  }
  s.for_each({}, stream_id::max(), rev, [&](const stream_value::entry& e) {
    reply_entry(out, e);
    return false;
  });
}

void reply_full_groups(std::string& out, const stream_value& s, int64_t count) {
  reply::array_header(out, static_cast<int64_t>(s.groups.size()));
  for (const auto& [name, g] : s.groups) {
    reply::map_header(out, 7);
    reply::bulk(out, "name");
    reply::bulk(out, name);
    reply::bulk(out, "last-delivered-id");
    reply_id(out, g.last_id);
    reply::bulk(out, "entries-read");
    reply_entries_read(out, g);
    reply::bulk(out, "lag");
    reply_lag(out, s, g);
    reply::bulk(out, "pel-count");
    reply::integer(out, static_cast<int64_t>(g.pel.size()));
    reply::bulk(out, "pending");
    int64_t n = 0;
    std::string body;
    for (auto it = g.pel.begin(); it != g.pel.end() && (!count || n < count); ++it, ++n) {
      body.append("*4\r\n");
      reply_id(body, it->first);
      reply::bulk(body, it->second.consumer ? std::string_view(it->second.consumer->name) : "");
      reply::integer(body, it->second.delivery_time);
      reply::integer(body, static_cast<int64_t>(it->second.delivery_count));
    }
    reply::array_header(out, n);
    out.append(body);
    reply::bulk(out, "consumers");
    reply::array_header(out, static_cast<int64_t>(g.consumers.size()));
    for (const auto& [cname, c] : g.consumers) {
      reply::map_header(out, 4);
      reply::bulk(out, "name");
      reply::bulk(out, cname);
      reply::bulk(out, "seen-time");
      reply::integer(out, c.seen_time);
      reply::bulk(out, "pel-count");
      reply::integer(out, static_cast<int64_t>(c.pending.size()));
      reply::bulk(out, "pending");
      int64_t m = 0;
      std::string cbody;
      for (auto it = c.pending.begin(); it != c.pending.end() && (!count || m < count);
           ++it, ++m) {
        const pending_entry& pe = g.pel.at(*it);
        cbody.append("*3\r\n");
        reply_id(cbody, *it);
        reply::integer(cbody, pe.delivery_time);
        reply::integer(cbody, static_cast<int64_t>(pe.delivery_count));
      }
      reply::array_header(out, m);
      out.append(cbody);
    }
  }
}

void xinfo_stream(exec_context& ctx, arg_list argv, const stream_value& s) {
  const size_t options = argv.size() - 3;
  int64_t count = 10;
  const bool full = options > 0;
  if (full) {
    if ((options != 1 && options != 3) || !iequals(argv[3], "full") ||
        (options == 3 && !iequals(argv[4], "count"))) {
      reply_subcommand_syntax(ctx, "xinfo", argv[1]);
      return;
    }
    if (options == 3) {
      if (!parse_integer_arg(ctx, argv[5], count))
        return;
      if (count < 0)
        count = 10;
    }
  }
  reply::map_header(ctx.out, full ? 9 : 10);
  reply_stream_head(ctx.out, s);
  if (!full) {
    reply::bulk(ctx.out, "groups");
    reply::integer(ctx.out, static_cast<int64_t>(s.groups.size()));
    reply::bulk(ctx.out, "first-entry");
    reply_edge_entry(ctx.out, s, false);
    reply::bulk(ctx.out, "last-entry");
    reply_edge_entry(ctx.out, s, true);
    return;
  }
  reply::bulk(ctx.out, "entries");
  reply_range(ctx.out, s, {}, stream_id::max(), static_cast<size_t>(count), false);
  reply::bulk(ctx.out, "groups");
  reply_full_groups(ctx.out, s, count);
}

void xinfo_groups(exec_context& ctx, const stream_value& s) {
  reply::array_header(ctx.out, static_cast<int64_t>(s.groups.size()));
  for (const auto& [name, g] : s.groups) {
    reply::map_header(ctx.out, 6);
    reply::bulk(ctx.out, "name");
    reply::bulk(ctx.out, name);
    reply::bulk(ctx.out, "consumers");
    reply::integer(ctx.out, static_cast<int64_t>(g.consumers.size()));
    reply::bulk(ctx.out, "pending");
    reply::integer(ctx.out, static_cast<int64_t>(g.pel.size()));
    reply::bulk(ctx.out, "last-delivered-id");
    reply_id(ctx.out, g.last_id);
    reply::bulk(ctx.out, "entries-read");
    reply_entries_read(ctx.out, g);
    reply::bulk(ctx.out, "lag");
    reply_lag(ctx.out, s, g);
  }
}

void xinfo_consumers(exec_context& ctx, arg_list argv, stream_value& s) {
  stream_group* g = s.find_group(argv[3]);
  if (!g) {
    reply::error(ctx.out, "NOGROUP No such consumer group '" + std::string(argv[3]) +
                              "' for key name '" + std::string(argv[2]) + "'");
    return;
  }
  reply::array_header(ctx.out, static_cast<int64_t>(g->consumers.size()));
  for (const auto& [name, c] : g->consumers) {
    reply::map_header(ctx.out, 3);
    reply::bulk(ctx.out, "name");
    reply::bulk(ctx.out, name);
    reply::bulk(ctx.out, "pending");
    reply::integer(ctx.out, static_cast<int64_t>(c.pending.size()));
    reply::bulk(ctx.out, "idle");
    reply::integer(ctx.out, std::max<int64_t>(0, ctx.now - c.seen_time));
  }
}

// XINFO CONSUMERS key group | GROUPS key | STREAM key [FULL [COUNT n]] | HELP
void xinfo_command(exec_context& ctx, arg_list argv) {
  std::string_view opt = argv[1];
  if (iequals(opt, "help")) {
    if (argv.size() != 2) {
      reply_subcommand_syntax(ctx, "xinfo", opt);
      return;
    }
    reply_help(ctx.out, "xinfo",
               {"CONSUMERS <key> <groupname>", "    Show consumers of <groupname>.",
                "GROUPS <key>", "    Show the stream consumer groups.",
                "STREAM <key> [FULL [COUNT <count>]", "    Show information about the stream."});
    return;
  }
  if (argv.size() < 3) {
    reply_subcommand_syntax(ctx, "xinfo", opt);
    return;
  }
  entry* e = lookup_write(ctx, argv[2], value_type::stream, "-ERR no such key\r\n");
  if (!e)
    return;
  stream_value& s = e->val.stream();
  if (iequals(opt, "consumers") && argv.size() == 4)
    xinfo_consumers(ctx, argv, s);
  else if (iequals(opt, "groups") && argv.size() == 3)
    xinfo_groups(ctx, s);
  else if (iequals(opt, "stream"))
    xinfo_stream(ctx, argv, s);
  else
    reply_subcommand_syntax(ctx, "xinfo", opt);
}

constexpr command_spec xinfo_sub(std::string_view name, int arity, std::string_view summary) {
  return {name, arity, cmd_readonly,        xinfo_command, nullptr,  2,
          2,    1,     kf::ro | kf::access, summary,       "stream", "5.0.0"};
}

const command_spec specs[] = {
    {"xinfo", -2, cmd_readonly | cmd_container, unknown_subcommand, nullptr, 0, 0, 0, kf::none,
     "A container for stream introspection commands", "stream", "5.0.0"},
    xinfo_sub("xinfo|consumers", 4, "List the consumers in a consumer group"),
    xinfo_sub("xinfo|groups", 3, "List the consumer groups of a stream"),
    xinfo_sub("xinfo|stream", -3, "Get information about a stream"),
    {"xinfo|help", 2, cmd_loading | cmd_stale, xinfo_command, nullptr, 0, 0, 0, kf::none,
     "Show helpful text about the different subcommands", "stream", "5.0.0"},
};

}  // namespace

std::span<const command_spec> stream_info_commands() { return specs; }

}  // namespace credis
