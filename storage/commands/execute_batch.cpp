#include <exception>

#include "protocol/reply.hpp"
#include "storage/commands/command_batch.hpp"
#include "storage/commands/propagate.hpp"

namespace credis {

void add_request(command_batch& batch, arg_list argv, client_state& client,
                 server_state& server, std::span<const byte_block> blocks) {
  const command_spec* cmd = find_command(argv[0]);
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

size_t execute_batch(const batch_context& bc, const command_batch& batch, std::string& out) {
  std::vector<std::string_view> argv;
  auto& stats = bc.server.stats;
  const size_t start = out.size();
  size_t done = 0;
  for (const auto& item : batch.items()) {
    if (bc.reply_limit > 0 && out.size() - start >= bc.reply_limit)
      break;
    ++done;
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
                     bc.propagated,  batch.blocks_of(item), bc.spliced};
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
    bool changed = stats.dirty > dirty_before ||
                   ((item.cmd->flags & cmd_propagate_always) && out.size() > mark &&
                    out[mark] != '-');
    if (!bc.propagated || !changed)
      continue;
    if (item.cmd->propagate)
      item.cmd->propagate(ctx, argv);
    else
      bc.propagated->add_command(nullptr, item.db, argv, ctx.arg_blocks);
  }
  return done;
}

}  // namespace credis
