#include "storage/commands/script_support.hpp"

#include <spdlog/spdlog.h>

#include <chrono>

#include "protocol/integers.hpp"
#include "protocol/reply.hpp"
#include "storage/commands/command_batch.hpp"
#include "storage/tick_clock.hpp"
#include "storage/scripting/script_flags.hpp"
#include "storage/scripting/scripting.hpp"

namespace credis {

namespace {

int64_t steady_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

constexpr int replicate_to_replicas = 2;  // redis.REPL_REPLICA

// The script's client: what its redis.call may run, and how (scriptCall).
class command_script_run final : public script_run {
 public:
  command_script_run(exec_context& ctx, const script_invocation& script, script_watch* watch)
      : ctx_(ctx), watch_(watch), db_(ctx.db_index), start_ms_(steady_ms()),
        read_only_(script.read_only_command ||
                   (!(script.flags & script_eval_compat) && (script.flags & script_no_writes))),
        is_eval_(script.is_eval) {
    name = script.name;
  }

  void call(std::span<const std::string_view> argv, std::string& reply) override {
    const command_spec* cmd = resolve_command(argv);
    std::string_view refusal;
    if (!cmd || !arity_ok(cmd->arity, argv.size()))
      refusal = cmd ? "ERR Wrong number of args calling Redis command from script"
                    : "ERR Unknown Redis command called from script";
    else if ((cmd->flags & cmd_noscript) || (!cmd->exec && !cmd->exec_client))
      refusal = "ERR This Redis command is not allowed from script";
    else if (read_only_ && (cmd->flags & (cmd_write | cmd_may_replicate)))
      refusal = "ERR Write commands are not allowed from read-only scripts.";
    else if ((cmd->flags & cmd_write) && !wrote_ && ctx_.replication.is_replica &&
             !ctx_.from_master)
      refusal = "READONLY You can't write against a read only replica.";
    auto& stats = ctx_.server.stats.commands;
    if (!refusal.empty()) {
      const size_t mark = reply.size();
      reply::error(reply, refusal);
      if (cmd)
        stats.rejected(command_index(*cmd), std::string_view(reply).substr(mark));
      else
        stats.count_error(std::string_view(reply).substr(mark));
      return;
    }
    if (cmd->flags & cmd_write) {
      wrote_ = true;
      if (watch_)
        watch_->wrote();
    }
    const reply::protocol_scope protocol(resp);
    if (cmd->exec) {
      run_script_command(*ctx_.batch, *cmd, db_, argv, ctx_.client_id,
                         (replicate & replicate_to_replicas) != 0, reply);
      return;
    }
    // A client command (SELECT): on the script's own client, whose database it may change.
    client_state client;
    client.id = ctx_.client_id;
    client.db = db_;
    ++ctx_.server.stats.total_commands_processed;
    const size_t mark = reply.size();
    const uint64_t start = ticks_now();
    cmd->exec_client(client, ctx_.server, argv, reply);
    stats.called(command_index(*cmd), ticks_now() - start, std::string_view(reply).substr(mark));
    db_ = client.db;
  }

  bool command_exists(std::span<const std::string_view> argv) override {
    return resolve_command(argv) != nullptr;
  }

  bool interrupted() override {
    if (!timed_out_) {
      const int64_t threshold = ctx_.server.config.busy_reply_threshold;
      const int64_t elapsed = steady_ms() - start_ms_;
      if (threshold <= 0 || elapsed < threshold)
        return false;
      spdlog::warn(
          "Slow script detected: still in execution after {} milliseconds. You can try killing "
          "the script using the {} command. Script name is: {}.",
          elapsed, is_eval_ ? "SCRIPT KILL" : "FUNCTION KILL", name);
      timed_out_ = true;
      if (watch_)
        watch_->timed_out();
    }
    if (watch_ && watch_->process_events)
      watch_->process_events();
    return watch_ && watch_->kill_requested();
  }

 private:
  exec_context& ctx_;
  script_watch* watch_;
  int db_;
  int64_t start_ms_;
  bool read_only_, is_eval_;
  bool wrote_ = false, timed_out_ = false;
};

}  // namespace

void reply_kill(client_state& client, bool eval, std::string& out) {
  using result = script_watch::kill_result;
  switch (client.script ? client.script->kill(eval) : result::not_busy) {
    case result::killed: reply::ok(out); return;
    case result::not_busy: reply::error(out, script_errors::not_busy); return;
    case result::unkillable_wrote: reply::error(out, script_errors::unkillable_wrote); return;
    case result::unkillable_master: reply::error(out, script_errors::unkillable_master); return;
    case result::wrong_kind:
      reply::error(out, eval ? script_errors::busy_function : script_errors::busy_eval);
      return;
  }
}

uint32_t script_command_flags(uint32_t command_flags, uint32_t script_flags) {
  if (script_flags & script_eval_compat)
    return command_flags;
  uint32_t flags = command_flags & ~(cmd_stale | cmd_denyoom | cmd_write | cmd_may_replicate);
  if (!(script_flags & (script_allow_oom | script_no_writes)))
    flags |= cmd_denyoom;
  if (!(script_flags & script_no_writes))
    flags |= cmd_write;
  if (script_flags & script_allow_stale)
    flags |= cmd_stale;
  return flags;
}

uint32_t script_command_flags(const command_spec& cmd, arg_list argv,
                              const scripting* scripts) {
  uint32_t script_flags = 0;
  if (!scripts || argv.size() < 2 || !cmd.script_flags ||
      !cmd.script_flags(argv, *scripts, script_flags))
    return cmd.flags;
  return script_command_flags(cmd.flags, script_flags);
}

bool eval_script_flags(arg_list argv, const scripting& scripts, uint32_t& flags) {
  if (const cached_script* script = scripts.scripts.find(sha1_hex(argv[1]))) {
    flags = script->flags;
    return true;
  }
  shebang header;
  std::string error;
  if (!parse_shebang(argv[1], header, error))
    return false;
  flags = header.flags;
  return true;
}

bool evalsha_script_flags(arg_list argv, const scripting& scripts, uint32_t& flags) {
  const cached_script* script = scripts.scripts.find(argv[1]);
  if (script)
    flags = script->flags;
  return script != nullptr;
}

bool fcall_script_flags(arg_list argv, const scripting& scripts, uint32_t& flags) {
  const auto found = scripts.functions.find_function(argv[1]);
  if (found.function)
    flags = found.function->flags;
  return found.function != nullptr;
}

void feed_monitors_first(exec_context& ctx, arg_list argv) {
  if (!ctx.intro || ctx.intro->monitors.empty())
    return;
  const int64_t unix_us = std::chrono::duration_cast<std::chrono::microseconds>(
                              std::chrono::system_clock::now().time_since_epoch())
                              .count();
  ctx.intro->monitor_feed += monitor_line(
      unix_us, ctx.db_index, ctx.client ? std::string_view(ctx.client->self.addr) : "", argv,
      nullptr);
}

bool split_script_arguments(exec_context& ctx, arg_list argv, size_t numkeys_at,
                            std::span<const std::string_view>& keys,
                            std::span<const std::string_view>& args) {
  int64_t numkeys = 0;
  if (!parse_int64(argv[numkeys_at], numkeys)) {
    reply::error(ctx.out, errors::not_integer);
    return false;
  }
  const size_t after = numkeys_at + 1;
  if (numkeys > static_cast<int64_t>(argv.size() - after)) {
    reply::error(ctx.out, "ERR Number of keys can't be greater than number of args");
    return false;
  }
  if (numkeys < 0) {
    reply::error(ctx.out, "ERR Number of keys can't be negative");
    return false;
  }
  keys = argv.subspan(after, static_cast<size_t>(numkeys));
  args = argv.subspan(after + static_cast<size_t>(numkeys));
  return true;
}

void run_script(exec_context& ctx, const script_invocation& script,
                std::span<const std::string_view> keys, std::span<const std::string_view> args) {
  // Redis's scriptPrepareForRun: a script that declares it may write is refused up front
  // where it could not.
  if (!(script.flags & script_eval_compat) && !(script.flags & script_no_writes)) {
    if (ctx.replication.is_replica && !ctx.from_master) {
      // What a client gets from Redis: processCommand refuses the command, which the script's
      // flags made a write, before scriptPrepareForRun's own message could be reached.
      reply::error(ctx.out, "READONLY You can't write against a read only replica.");
      return;
    }
    if (script.read_only_command) {
      reply::error(ctx.out, "ERR Can not execute a script with write flag using *_ro command.");
      return;
    }
  }
  script_watch* watch = ctx.scripts ? ctx.scripts->watch.get() : nullptr;
  command_script_run run(ctx, script, watch);
  if (watch) {
    watch->started(steady_ms(), script.is_eval, ctx.from_master);
    watch->running.name = script.name;
    watch->running.command = script.command;
    if (ctx.scripts) {
      watch->running.libraries = static_cast<int64_t>(ctx.scripts->functions.libraries().size());
      watch->running.functions = static_cast<int64_t>(ctx.scripts->functions.function_count());
    }
  }
  script.engine.run(script.ref, keys, args, run, ctx.out);
  ctx.reply_error_counted = run.error_counted;
  if (watch)
    watch->ended();
}

}  // namespace credis
