#include <algorithm>
#include <cstdint>
#include <exception>

#include "protocol/reply.hpp"
#include "storage/commands/command_batch.hpp"
#include "storage/commands/propagate.hpp"

namespace credis {

void add_request(command_batch& batch, arg_list argv, client_state& client,
                 server_state& server, std::span<const byte_block> blocks) {
  const command_spec* cmd = find_command(argv[0]);
  if (cmd && cmd->name.find('|') != std::string_view::npos)
    cmd = nullptr;  // a subcommand's entry is reached through its container only
  if (cmd && (cmd->flags & cmd_container) && argv.size() >= 2) {
    // A subcommand with a table entry of its own (Redis 7's "client|unblock").
    if (const command_spec* sub = find_command(std::string(cmd->name) + "|" + std::string(argv[1])))
      cmd = sub;
  }
  std::string out;
  if (!cmd) {
    reply::error(out, unknown_command_error(argv));
  } else if (!arity_ok(cmd->arity, argv.size())) {
    reply::error(out, arity_error(cmd->name));
  } else if (auth_required(client, server) && !(cmd->flags & cmd_no_auth)) {
    reply::error(out, errors::noauth);
  } else if (cmd->exec_client && server.persistence.loading && !(cmd->flags & cmd_loading)) {
    reply::error(out, errors::loading);
  } else if (cmd->exec_client) {
    ++server.stats.total_commands_processed;
    cmd->exec_client(client, server, argv, out);
    if (client.pending.what != replication_request::kind::none && out.empty())
      return;  // the replication manager answers it
  } else {
    batch.add_command(cmd, client.db, argv, blocks);
    return;
  }
  batch.add_reply(out);
}

namespace {

// Tells the blocked clients which keys a write touched, by the command's key positions.
void touch_keys(blocked_clients& blocked, const command_spec& cmd, arg_list argv) {
  if (cmd.first_key <= 0)
    return;
  const auto argc = static_cast<int>(argv.size());
  const int last = cmd.last_key < 0 ? argc + cmd.last_key : cmd.last_key;
  for (int i = cmd.first_key; i <= last && i < argc; i += cmd.key_step > 0 ? cmd.key_step : 1)
    blocked.touched(argv[static_cast<size_t>(i)]);
}

}  // namespace

size_t execute_batch(const batch_context& bc, const command_batch& batch, std::string& out,
                     size_t first, size_t end) {
  std::vector<std::string_view> argv;
  auto& stats = bc.server.stats;
  const size_t start = out.size();
  const auto& items = batch.items();
  const size_t stop = std::min(end, items.size());
  size_t next = first;
  while (next < stop) {
    if (bc.reply_limit > 0 && out.size() - start >= bc.reply_limit)
      break;
    const auto& item = items[next++];
    batch.args_of(item, argv);
    if (!item.cmd) {
      out.append(argv[0]);
      continue;
    }
    ++stats.total_commands_processed;
    if ((item.cmd->flags & cmd_write) && bc.replication.is_replica && !bc.from_master) {
      // Writes reach a replica only through its master's stream.
      reply::error(out, "READONLY You can't write against a read only replica.");
      continue;
    }
    if (bc.server.persistence.loading && !(item.cmd->flags & cmd_loading)) {
      reply::error(out, errors::loading);
      continue;
    }
    exec_context ctx{bc.ks,          bc.server, bc.replication,  out,
                     item.db,        bc.now,    bc.from_master ? 0 : bc.now,
                     bc.propagated,  batch.blocks_of(item), bc.spliced,
                     bc.blocked,     bc.block};
    size_t mark = out.size();
    size_t spliced_mark = bc.spliced ? bc.spliced->size() : 0;
    int64_t dirty_before = stats.dirty;
    try {
      item.cmd->exec(ctx, argv);
    } catch (const std::exception& e) {
      // One failing command (out of memory, say) must not take the keyspace down with it.
      out.resize(mark);
      if (bc.spliced)
        bc.spliced->resize(spliced_mark);
      reply::error(out, std::string("ERR internal error: ") + e.what());
      continue;
    }
    if (bc.block && bc.block->wanted) {
      bc.block->db = item.db;
      return next - 1;  // it runs again when a key it waits for is written, or times out
    }
    bool changed = stats.dirty > dirty_before ||
                   ((item.cmd->flags & cmd_propagate_always) && out.size() > mark &&
                    out[mark] != '-');
    if (!changed)
      continue;
    if (bc.propagated) {
      if (item.cmd->propagate)
        item.cmd->propagate(ctx, argv);
      else
        bc.propagated->add_command(nullptr, item.db, argv, ctx.arg_blocks);
    }
    if (bc.blocked && (item.cmd->flags & cmd_write)) {
      touch_keys(*bc.blocked, *item.cmd, argv);
      if (bc.blocked->has_ready())
        break;
    }
  }
  return next;
}

}  // namespace credis
