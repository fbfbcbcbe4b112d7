// MULTI, EXEC, DISCARD, WATCH and UNWATCH (Redis's multi.c). A connection queues its
// client's commands between MULTI and EXEC; EXEC puts them into the batch behind its own item,
// and the keyspace runs them together (execute_batch's run_transaction). WATCH's keys are kept
// by the keyspace (storage/watched_keys.hpp).
#include "protocol/reply.hpp"
#include "storage/commands/command_batch.hpp"
#include "storage/commands/command_families.hpp"

namespace credis {

namespace {

void add_error(command_batch& batch, std::string_view message) {
  std::string out;
  reply::error(out, message);
  batch.add_reply(out);
}

void multi_command(client_state& client, server_state&, arg_list, std::string& out) {
  if (client.multi) {
    reply::error(out, "ERR MULTI calls can not be nested");
    return;
  }
  client.multi.emplace();
  reply::ok(out);
}

// The queued commands go into the batch as they would have gone one by one (client commands
// such as SELECT run now, in their place), behind EXEC's item that says how many follow.
void exec_batch(const command_spec& cmd, command_batch& batch, client_state& client,
                server_state& server, arg_list argv) {
  if (!client.multi) {
    add_error(batch, "ERR EXEC without MULTI");
    return;
  }
  queued_transaction queued = std::move(*client.multi);
  client.multi.reset();
  const size_t at = batch.add_transaction(&cmd, client.db, argv);
  if (queued.aborted) {
    batch.set_transaction_size(at, -1, client.db);
    return;
  }
  std::vector<std::string_view> args;
  for (const auto& command : queued.commands) {
    args.assign(command.begin(), command.end());
    const size_t before = batch.items().size();
    add_request(batch, args, client, server);
    if (batch.items().size() == before) {
      // It asked the replication manager (WAIT, REPLICAOF...), which a transaction cannot
      // wait for.
      client.pending = {};
      add_error(batch, "ERR Command not allowed inside a transaction");
    }
  }
  batch.set_transaction_size(at, static_cast<int32_t>(batch.items().size() - at - 1),
                             client.db);
}

void discard_batch(const command_spec& cmd, command_batch& batch, client_state& client,
                   server_state&, arg_list argv) {
  if (!client.multi) {
    add_error(batch, "ERR DISCARD without MULTI");
    return;
  }
  client.multi.reset();
  batch.add_command(&cmd, client.db, argv);  // the keyspace unwatches
}

void watch_batch(const command_spec& cmd, command_batch& batch, client_state& client,
                 server_state&, arg_list argv) {
  if (client.multi) {
    add_error(batch, "ERR WATCH inside MULTI is not allowed");
    return;
  }
  batch.add_command(&cmd, client.db, argv);
}

void watch_command(exec_context& ctx, arg_list argv) {
  if (ctx.watched)
    for (size_t i = 1; i < argv.size(); ++i)
      ctx.watched->watch(ctx.client_id, ctx.db_index, argv[i], ctx.ks, ctx.now);
  reply::ok(ctx.out);
}

// UNWATCH, and DISCARD's part in the keyspace.
void unwatch_command(exec_context& ctx, arg_list) {
  if (ctx.watched)
    ctx.watched->unwatch(ctx.client_id);
  reply::ok(ctx.out);
}

constexpr uint32_t control = cmd_noscript | cmd_loading | cmd_stale | cmd_not_queued;

const command_spec specs[] = {
    {"multi", 1, control | cmd_fast | cmd_allow_busy, nullptr, multi_command, 0, 0, 0, kf::none,
     "Mark the start of a transaction block", "transactions", "1.2.0"},
    {"exec", 1, control | cmd_runs_queued | cmd_skip_slowlog, nullptr, nullptr, 0, 0, 0, kf::none,
     "Execute all commands issued after MULTI", "transactions", "1.2.0", nullptr, exec_batch},
    {"discard", 1, control | cmd_fast | cmd_allow_busy, unwatch_command, nullptr, 0, 0, 0, kf::none,
     "Discard all commands issued after MULTI", "transactions", "2.0.0", nullptr, discard_batch},
    {"watch", -2, control | cmd_fast | cmd_allow_busy, watch_command, nullptr, 1, -1, 1, kf::ro,
     "Watch the given keys to determine execution of the MULTI/EXEC block", "transactions", "2.2.0",
     nullptr, watch_batch},
    {"unwatch", 1, cmd_noscript | cmd_loading | cmd_stale | cmd_fast | cmd_allow_busy,
     unwatch_command, nullptr, 0, 0, 0, kf::none, "Forget about all watched keys", "transactions",
     "2.2.0"},
};

}  // namespace

std::span<const command_spec> transaction_commands() { return specs; }

}  // namespace credis
