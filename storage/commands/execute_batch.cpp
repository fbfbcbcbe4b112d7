#include <exception>

#include "protocol/reply.hpp"
#include "storage/commands/command_batch.hpp"

namespace credis {

void add_request(command_batch& batch, arg_list argv, client_state& client,
                 server_state& server) {
  const command_spec* cmd = find_command(argv[0]);
  std::string out;
  if (!cmd) {
    reply::error(out, unknown_command_error(argv));
  } else if (!arity_ok(cmd->arity, argv.size())) {
    reply::error(out, arity_error(cmd->name));
  } else if ((cmd->flags & cmd_write) && server.replication.is_replica) {
    // Writes reach a replica only through its master link, which does not come this way.
    reply::error(out, "READONLY You can't write against a read only replica.");
  } else if (cmd->exec_client) {
    ++server.stats.total_commands_processed;
    cmd->exec_client(client, server, argv, out);
    if (client.blocked) {
      client.blocked_reply = std::move(out);
      return;
    }
  } else {
    batch.add_command(cmd, client.db, argv);
    return;
  }
  batch.add_reply(out);
}

void execute_batch(keyspace& ks, server_state& server, const command_batch& batch, unix_ms now,
                   std::string& out) {
  std::vector<std::string_view> argv;
  for (const auto& item : batch.items()) {
    batch.args_of(item, argv);
    if (!item.cmd) {
      out.append(argv[0]);
      continue;
    }
    ++server.stats.total_commands_processed;
    exec_context ctx{ks, server, out, item.db, now};
    size_t mark = out.size();
    try {
      item.cmd->exec(ctx, argv);
    } catch (const std::exception& e) {
      // One failing command (out of memory, say) must not take the keyspace down with it.
      out.resize(mark);
      reply::error(out, std::string("ERR internal error: ") + e.what());
    }
  }
}

}  // namespace credis
