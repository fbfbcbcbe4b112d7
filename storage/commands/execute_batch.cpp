#include <exception>

#include "protocol/reply.hpp"
#include "storage/commands/command_batch.hpp"

namespace credis {

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
