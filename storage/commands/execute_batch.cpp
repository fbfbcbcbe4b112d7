#include <algorithm>
#include <chrono>
#include <cstdint>
#include <exception>

#include "protocol/reply.hpp"
#include "storage/commands/command_batch.hpp"
#include "storage/commands/key_events.hpp"
#include "storage/commands/propagate.hpp"
#include "storage/migration.hpp"
#include "storage/tick_clock.hpp"

namespace credis {

namespace {

int64_t unix_now_us() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

void add_request_replying(command_batch& batch, arg_list argv, client_state& client,
                          server_state& server, std::span<const byte_block> blocks,
                          const command_spec* cmd);

}  // namespace

// CLIENT REPLY OFF silences every reply, SKIP the next command's, except the frames of
// (un)subscribing, which Redis pushes regardless.
void add_request(command_batch& batch, arg_list argv, client_state& client,
                 server_state& server, std::span<const byte_block> blocks) {
  const command_spec* cmd = resolve_command(argv);
  const reply::protocol_scope protocol(client.resp);
  batch.resp = static_cast<uint8_t>(client.resp);
  client.skipping_reply = std::exchange(client.skip_next_reply, false);
  const size_t first_item = batch.items().size();
  add_request_replying(batch, argv, client, server, blocks, cmd);
  if ((client.skipping_reply || client.replies_off) && !(cmd && (cmd->flags & cmd_push_reply)))
    batch.silence_from(first_item);
}

namespace {

void add_request_replying(command_batch& batch, arg_list argv, client_state& client,
                          server_state& server, std::span<const byte_block> blocks,
                          const command_spec* cmd) {
  std::string out;
  bool refused = true;  // Redis's rejectCommand: inside MULTI, EXEC then fails
  bool discards_multi = false;
  command_stats& stats = server.stats.commands;
  if (!cmd) {
    reply::error(out, unknown_command_error(argv));
  } else if (!arity_ok(cmd->arity, argv.size())) {
    reply::error(out, arity_error(cmd->name));
  } else if (auth_required(client, server) && !(cmd->flags & cmd_no_auth)) {
    reply::error(out, errors::noauth);
  } else if (client.multi && (cmd->flags & cmd_no_multi)) {
    reply::error(out, "ERR Command not allowed inside a transaction");
  } else if (client.subscribed() && client.resp == 2 && !(cmd->flags & cmd_pubsub_context)) {
    reply::error(out, "ERR Can't execute '" + std::string(cmd->name) +
                          "': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET "
                          "are allowed in this context");
  } else if (client.script && client.script->busy() && cmd->while_busy) {
    ++server.stats.total_commands_processed;
    cmd->while_busy(client, server, argv, out);
    stats.called(command_index(*cmd), 0, out);
    if (!out.empty())  // (SHUTDOWN NOSAVE replies nothing: the server exits)
      batch.add_reply(out);
    return;
  } else if (client.script && client.script->busy() && !(cmd->flags & cmd_allow_busy)) {
    // The keyspace runs a script past busy-reply-threshold: Redis answers BUSY, and an EXEC
    // discards its transaction.
    const std::string_view busy = client.script->busy_with_eval() ? script_errors::busy_eval
                                                                  : script_errors::busy_function;
    if (client.multi && (cmd->flags & cmd_runs_queued)) {
      reply::error(out, "EXECABORT Transaction discarded because of: " + std::string(busy));
      discards_multi = true;
    } else {
      reply::error(out, busy);
    }
  } else {
    refused = false;
  }
  if (refused) {
    if (discards_multi)
      client.multi.reset();
    else if (client.multi)
      client.multi->aborted = true;
    if (cmd)
      stats.rejected(command_index(*cmd), out);
    else
      stats.count_error(out);
  } else if (client.multi && !(cmd->flags & cmd_not_queued)) {
    client.report_due = true;
    if (!client.multi->aborted)  // no sense keeping what will not run
      client.multi->commands.emplace_back(argv.begin(), argv.end());
    reply::simple(out, "QUEUED");
  } else if (cmd->exec_batch) {
    client.report_due = true;
    const size_t items_before = batch.items().size();
    cmd->exec_batch(*cmd, batch, client, server, argv);
    // A reply of its own instead of an item for the keyspace: it failed here (EXEC without
    // MULTI); the keyspace counts the others.
    if (batch.items().size() == items_before + 1 && !batch.items().back().cmd)
      stats.called(command_index(*cmd), 0, batch.reply_of(batch.items().back()));
    return;
  } else if (cmd->exec_client && server.persistence.loading && !(cmd->flags & cmd_loading)) {
    reply::error(out, errors::loading);
    stats.rejected(command_index(*cmd), out);
  } else if (cmd->exec_client) {
    client.report_due = true;
    client.ran_here = command_index(*cmd);
    ++server.stats.total_commands_processed;
    const uint64_t start = ticks_now();
    cmd->exec_client(client, server, argv, out);
    stats.called(command_index(*cmd), ticks_now() - start, out);
    if (client.feed_monitors && !(cmd->flags & cmd_admin))
      batch.add_monitor_line(monitor_line(unix_now_us(), client.db, client.addr, argv, cmd->redact));
    if (client.pending.what != replication_request::kind::none && out.empty())
      return;  // the replication manager answers it
  } else {
    batch.add_command(cmd, client.db, argv, blocks);
    return;
  }
  batch.add_reply(out);
  if (discards_multi) {
    // The keys it watched are let go once the keyspace is free again, told apart from the
    // batch so that this reply need not wait for the script.
    client.unwatch_due = true;
    client.report_due = true;
  }
}

// Signals the keys a write changed, by the command's key positions.
void touch_keys(exec_context& ctx, const command_spec& cmd, arg_list argv) {
  for_each_key_position(cmd, argv.size(),
                        [&](size_t i) { signal_modified(ctx, ctx.db_index, argv[i]); });
}

constexpr std::string_view readonly_replica =
    "READONLY You can't write against a read only replica.";

// Writes reach a replica only through its master's stream.
bool refused_on_replica(const batch_context& bc, const command_spec& cmd) {
  return (cmd.flags & cmd_write) && bc.replication.is_replica && !bc.from_master;
}

// What clients in MONITOR mode see of a command that ran (admin commands are not shown).
void feed_monitors(const batch_context& bc, const command_spec& cmd, int db, arg_list argv,
                   bool from_script = false) {
  if (!bc.intro || bc.intro->monitors.empty() || (cmd.flags & cmd_admin))
    return;
  const std::string_view addr =
      from_script ? "lua" : bc.client ? std::string_view(bc.client->self.addr) : "";
  bc.intro->monitor_feed += monitor_line(unix_now_us(), db, addr, argv, cmd.redact);
}

// A line the connection wrote for a command it ran, in its place among the batch's others.
void pass_monitor_line(const batch_context& bc, std::string_view line) {
  if (bc.intro && !bc.intro->monitors.empty())
    bc.intro->monitor_feed += line;
}

// The slow log and the latency monitor hear of a command that ran `ticks`, as Redis's call()
// reports it to both.
void note_duration(const batch_context& bc, const command_spec& cmd, arg_list argv,
                   uint64_t ticks) {
  const server_config& config = bc.server.config;
  if (!bc.intro || (config.slowlog_log_slower_than < 0 && config.latency_monitor_threshold == 0))
    return;
  const int64_t us = bc.server.stats.commands.to_ns(ticks) / 1000;
  const int64_t seconds = bc.now / 1000;
  if (!(cmd.flags & cmd_skip_slowlog) && config.slowlog_log_slower_than >= 0 &&
      us >= config.slowlog_log_slower_than) {
    const client_record* c = bc.client;
    bc.intro->slow.record(argv, us, config.slowlog_log_slower_than, config.slowlog_max_len,
                          seconds, c ? std::string_view(c->self.addr) : std::string_view(),
                          c ? std::string_view(c->self.name) : std::string_view(), cmd.redact);
  }
  bc.intro->latency.record(cmd.flags & cmd_fast ? "fast-command" : "command", us / 1000,
                           config.latency_monitor_threshold, seconds);
}

enum class outcome {
  ran,
  wants_to_block,  // it found nothing and asked to wait (block->wanted)
  woke_waiters,    // it wrote a key a blocked client waits for
};

// Runs one command of `batch`; its writes go to `propagated` (null: nowhere), two or more
// wrapped in MULTI ... EXEC as Redis 7.0 sends them (XREADGROUP's XCLAIMs), unless it runs
// `in_transaction`, whose own wrap serves.
// One command to run: its entry, database, arguments (and the byte_blocks among them) and
// client.
struct command_call {
  const command_spec& cmd;
  int db;
  arg_list argv;
  std::span<const byte_block> blocks;
  int64_t client_id;
  // A script's redis.call: shown to MONITOR as the "lua" client's.
  bool from_script = false;
};

outcome run_command(const batch_context& bc, const command_call& call, std::string& out,
                    block_request* block, command_batch* propagated, bool in_transaction) {
  const command_spec& cmd = call.cmd;
  const arg_list argv = call.argv;
  auto& stats = bc.server.stats;
  ++stats.total_commands_processed;
  const size_t index = command_index(cmd);
  const size_t mark0 = out.size();
  bc.ks.set_access_time(bc.now);  // (per command: CONFIG SET inside MULTI may change the policy)
  // A replica's stream is its master's alone: what its own clients run (PUBLISH) is not in it,
  // or its offset would part from its master's and its siblings'. Asked per command, since a
  // REPLICAOF inside EXEC changes the role for the commands after it.
  if (bc.replication.is_replica && !bc.from_master)
    propagated = nullptr;
  if (!in_transaction && refused_on_replica(bc, cmd)) {
    reply::error(out, readonly_replica);
    stats.commands.rejected(index, std::string_view(out).substr(mark0));
    return outcome::ran;
  }
  if (bc.server.persistence.loading && !(cmd.flags & cmd_loading)) {
    reply::error(out, errors::loading);
    stats.commands.rejected(index, std::string_view(out).substr(mark0));
    return outcome::ran;
  }
  const command_batch::checkpoint writes_before =
      propagated ? propagated->mark() : command_batch::checkpoint{};
  exec_context ctx{bc.ks,         bc.server, bc.replication, out,
                   call.db,       bc.now,    bc.from_master ? 0 : bc.now,
                   propagated,    call.blocks, bc.spliced,
                   bc.blocked,    block,     bc.watched,
                   call.client_id, bc.channels, bc.intro, bc.client,
                   bc.manager_requests, bc.scripts, &bc, bc.from_master,
                   call.from_script};
  ctx.migration = block ? bc.migration : nullptr;  // (not inside a transaction or a script)
  if (bc.client && !call.from_script) {
    bc.client->db = call.db;
    bc.client->last_command = index;
  }
  size_t mark = out.size();
  size_t spliced_mark = bc.spliced ? bc.spliced->size() : 0;
  int64_t dirty_before = stats.dirty;
  const key_presence before = keys_before(ctx, cmd, argv);
  const uint64_t start = ticks_now();
  try {
    cmd.exec(ctx, argv);
  } catch (const std::exception& e) {
    // One failing command (out of memory, say) must not take the keyspace down with it.
    out.resize(mark);
    if (bc.spliced)
      bc.spliced->resize(spliced_mark);
    reply::error(out, std::string("ERR internal error: ") + e.what());
    if (propagated)
      propagated->rollback(writes_before);  // what it propagated before failing
    stats.commands.called(index, ticks_now() - start, std::string_view(out).substr(mark));
    return outcome::ran;
  }
  if (block && block->wanted) {
    block->db = call.db;
    return outcome::wants_to_block;  // counted when it is served, times out or is unblocked
  }
  if (ctx.migration && ctx.migration->wanted) {
    --stats.total_commands_processed;  // counted when it runs again with the outcome
    return outcome::wants_to_block;
  }
  const uint64_t elapsed = ticks_now() - start;
  stats.commands.called(index, elapsed, std::string_view(out).substr(mark),
                        ctx.reply_error_counted);
  if (cmd.flags & cmd_runs_script) {
    // What its commands wrote went out as they ran; two or more go out as one transaction.
    if (propagated && !in_transaction)
      propagated->wrap_in_transaction(writes_before.items);
    if (elapsed >= bc.observed_ticks)
      note_duration(bc, cmd, argv, elapsed);
    return bc.blocked && bc.blocked->has_ready() ? outcome::woke_waiters : outcome::ran;
  }
  if (elapsed >= bc.observed_ticks)
    note_duration(bc, cmd, argv, elapsed);
  if (bc.intro && !bc.intro->monitors.empty() && !(cmd.flags & cmd_skip_monitor))
    feed_monitors(bc, cmd, call.db, argv, call.from_script);
  bool changed = stats.dirty > dirty_before ||
                 ((cmd.flags & cmd_propagate_always) && out.size() > mark &&
                  out[mark] != '-');
  if (!changed) {
    // A command that writes its own propagation sends nothing when it changed nothing.
    if (propagated && cmd.propagate)
      propagated->rollback(writes_before);
    return outcome::ran;
  }
  publish_declared_events(ctx, cmd, argv, before);
  if (propagated) {
    if (cmd.propagate)
      cmd.propagate(ctx, argv);
    else
      propagated->add_command(nullptr, call.db, argv, ctx.arg_blocks);
    if (!in_transaction)
      propagated->wrap_in_transaction(writes_before.items);
  }
  if (cmd.flags & cmd_write) {
    if (!(cmd.flags & cmd_signals_itself))
      touch_keys(ctx, cmd, argv);
    if (bc.blocked && bc.blocked->has_ready())
      return outcome::woke_waiters;
  }
  return outcome::ran;
}

// Why a transaction may not run at all, as Redis's processCommand refuses EXEC; empty: it may.
std::string_view transaction_refusal(const batch_context& bc, const command_batch& batch,
                                     size_t first, size_t end) {
  for (size_t i = first; i < end; ++i) {
    const command_spec* cmd = batch.items()[i].cmd;
    if (cmd && refused_on_replica(bc, *cmd))
      return readonly_replica;
  }
  return {};
}

// EXEC at `at`: runs the commands queued after it together, none of them blocking, and
// propagates their writes wrapped in MULTI/EXEC when there are two or more (one write is
// atomic alone), as Redis 7.0 does. Returns the index after the transaction.
size_t run_transaction(const batch_context& bc, const command_batch& batch, size_t at,
                       std::vector<std::string_view>& argv, std::string& out) {
  const auto& exec = batch.items()[at];
  ++bc.server.stats.total_commands_processed;
  const size_t first = at + 1;
  // EXEC fails only by its own error (EXECABORT); its commands' errors are theirs.
  const size_t mark = out.size();
  const uint64_t start = ticks_now();
  auto count_exec = [&] {
    std::string_view own = std::string_view(out).substr(mark);
    bc.server.stats.commands.called(command_index(*exec.cmd), ticks_now() - start,
                                    own.substr(0, own.find('\n') + 1));
    batch.args_of(exec, argv);
    feed_monitors(bc, *exec.cmd, exec.db, argv);
  };
  const size_t end = first + static_cast<size_t>(std::max(exec.transaction, 0));
  const bool watch_failed =
      bc.watched && bc.watched->changed(batch.client_id, bc.ks, bc.now);
  if (bc.watched)
    bc.watched->unwatch(batch.client_id);
  if (exec.transaction < 0) {
    reply::error(out, "EXECABORT Transaction discarded because of previous errors.");
    count_exec();
    return end;
  }
  if (watch_failed) {
    reply::null_array(out);
    count_exec();
    return end;
  }
  if (auto why = transaction_refusal(bc, batch, first, end); !why.empty()) {
    reply::error(out, "EXECABORT Transaction discarded because of: " + std::string(why));
    count_exec();
    return end;
  }
  const auto replies = std::count_if(batch.items().begin() + static_cast<std::ptrdiff_t>(first),
                                     batch.items().begin() + static_cast<std::ptrdiff_t>(end),
                                     [](const auto& item) { return !item.monitor_line; });
  reply::array_header(out, replies);
  const size_t writes_before = bc.propagated ? bc.propagated->items().size() : 0;
  for (size_t i = first; i < end; ++i) {
    const auto& item = batch.items()[i];
    batch.args_of(item, argv);
    if (item.monitor_line) {
      pass_monitor_line(bc, argv[0]);
      continue;
    }
    if (!item.cmd) {
      out.append(argv[0]);
      continue;
    }
    run_command(bc, {*item.cmd, item.db, argv, batch.blocks_of(item), batch.client_id}, out,
                nullptr, bc.propagated, true);
  }
  if (bc.propagated)
    bc.propagated->wrap_in_transaction(writes_before);
  count_exec();
  return end;
}

}  // namespace

void run_script_command(const batch_context& bc, const command_spec& cmd, int db,
                        arg_list argv, int64_t client_id, bool propagate, std::string& out) {
  batch_context inner = bc;
  inner.spliced = nullptr;  // a script reads the reply's bytes
  inner.block = nullptr;
  command_call call{cmd, db, argv, {}, client_id, true};
  run_command(inner, call, out, nullptr, propagate ? bc.propagated : nullptr, true);
}

namespace {

// A command changed what the commands after it may do: it left a request for the replication
// manager (REPLICAOF), which the caller passes on first, or a pause is on (CLIENT PAUSE), which
// may hold them. Only admin commands (and EXEC, which may run them) do either, so the others
// skip the checks.
bool stops_batch(const batch_context& bc) {
  return (bc.manager_requests && !bc.manager_requests->empty()) ||
         (bc.intro && bc.intro->clients.pause.what != client_pause::mode::off);
}

// Drops what a silent item (CLIENT REPLY OFF/SKIP) replied, when it goes out of scope.
class silenced_reply {
 public:
  silenced_reply(const command_batch::item& item, std::string& out,
                 std::vector<spliced_block>* spliced)
      : out_(item.silent ? &out : nullptr), spliced_(spliced), mark_(out.size()),
        spliced_mark_(spliced ? spliced->size() : 0) {}
  ~silenced_reply() {
    if (!out_)
      return;
    out_->resize(mark_);
    if (spliced_)
      spliced_->resize(spliced_mark_);
  }
  silenced_reply(const silenced_reply&) = delete;
  silenced_reply& operator=(const silenced_reply&) = delete;

 private:
  std::string* out_;
  std::vector<spliced_block>* spliced_;
  size_t mark_, spliced_mark_;
};

// The vector for a command's argument views, kept on the thread between batches: allocating
// and freeing it was some 300 instructions of a small GET. A nested batch (a script's) finds
// none kept and makes its own; one grown for a long command is let go.
class argv_lease {
 public:
  argv_lease() : argv(std::move(kept())) {}
  ~argv_lease() {
    if (argv.capacity() <= max_kept) {
      argv.clear();
      kept() = std::move(argv);
    }
  }
  argv_lease(const argv_lease&) = delete;
  argv_lease& operator=(const argv_lease&) = delete;

  std::vector<std::string_view> argv;

 private:
  static constexpr size_t max_kept = 64;
  static std::vector<std::string_view>& kept() {
    thread_local std::vector<std::string_view> v;
    return v;
  }
};

}  // namespace

size_t execute_batch(const batch_context& bc, const command_batch& batch, std::string& out,
                     size_t first, size_t end) {
  argv_lease lease;
  auto& argv = lease.argv;
  const size_t start = out.size();
  const auto& items = batch.items();
  const size_t stop = std::min(end, items.size());
  size_t next = first;
  while (next < stop) {
    if (bc.reply_limit > 0 && out.size() - start >= bc.reply_limit)
      break;
    const auto& item = items[next];
    const reply::protocol_scope protocol(item.resp);
    const silenced_reply silence(item, out, bc.spliced);
    if (item.cmd && (item.cmd->flags & cmd_runs_queued)) {
      next = run_transaction(bc, batch, next, argv, out);
      if ((bc.blocked && bc.blocked->has_ready()) || stops_batch(bc))
        break;
      continue;
    }
    ++next;
    batch.args_of(item, argv);
    if (item.monitor_line) {
      pass_monitor_line(bc, argv[0]);
      continue;
    }
    if (!item.cmd) {
      out.append(argv[0]);
      continue;
    }
    outcome o = run_command(bc, {*item.cmd, item.db, argv, batch.blocks_of(item), batch.client_id},
                            out, bc.block, bc.propagated, false);
    if (o == outcome::wants_to_block)
      return next - 1;  // it runs again when a key it waits for is written, or times out
    if (o == outcome::woke_waiters || ((item.cmd->flags & cmd_admin) && stops_batch(bc)))
      break;
  }
  return next;
}

}  // namespace credis
