// EVAL, EVALSHA, their _RO forms, and SCRIPT LOAD/EXISTS/FLUSH/KILL (Redis's eval.c). The
// interpreter is storage/scripting; script_support.cpp runs a script under Redis's rules.
#include "protocol/reply.hpp"
#include "storage/commands/command_families.hpp"
#include "storage/commands/script_support.hpp"
#include "storage/commands/subcommands.hpp"
#include "storage/commands/text.hpp"
#include "storage/scripting/scripting.hpp"

namespace credis {

namespace {

constexpr std::string_view no_script = "NOSCRIPT No matching script. Please use EVAL.";

void eval_generic(exec_context& ctx, arg_list argv, bool by_sha, bool read_only) {
  feed_monitors_first(ctx, argv);
  if (by_sha && argv[1].size() != 40) {
    reply::error(ctx.out, no_script);
    return;
  }
  std::span<const std::string_view> keys, args;
  if (!split_script_arguments(ctx, argv, 2, keys, args))
    return;
  if (!ctx.scripts) {
    reply::error(ctx.out, "ERR scripting is not available here");
    return;
  }
  script_cache& cache = ctx.scripts->scripts;
  std::string sha, error;
  const cached_script* script =
      by_sha ? cache.find(argv[1]) : cache.add(argv[1], sha, error);
  if (!script) {
    reply::error(ctx.out, by_sha ? no_script : std::string_view(error));
    return;
  }
  if (by_sha)
    sha = to_lower(argv[1]);
  run_script(ctx, {argv, cache.engine(), script->ref, sha, script->flags, read_only, true},
             keys, args);
}

void eval_command(exec_context& ctx, arg_list argv) { eval_generic(ctx, argv, false, false); }
void evalsha_command(exec_context& ctx, arg_list argv) { eval_generic(ctx, argv, true, false); }
void eval_ro_command(exec_context& ctx, arg_list argv) { eval_generic(ctx, argv, false, true); }
void evalsha_ro_command(exec_context& ctx, arg_list argv) { eval_generic(ctx, argv, true, true); }

void script_load(exec_context& ctx, arg_list argv) {
  std::string sha, error;
  if (!ctx.scripts) {
    reply::error(ctx.out, "ERR scripting is not available here");
  } else if (ctx.scripts->scripts.add(argv[2], sha, error)) {
    reply::bulk(ctx.out, sha);
  } else {
    reply::error(ctx.out, error);
  }
}

void script_exists(exec_context& ctx, arg_list argv) {
  reply::array_header(ctx.out, static_cast<int64_t>(argv.size() - 2));
  for (size_t i = 2; i < argv.size(); ++i)
    reply::integer(ctx.out, ctx.scripts && ctx.scripts->scripts.find(argv[i]) ? 1 : 0);
}

void script_flush(exec_context& ctx, arg_list argv) {
  if (argv.size() > 3 || (argv.size() == 3 && !iequals(argv[2], "sync") &&
                          !iequals(argv[2], "async"))) {
    reply::error(ctx.out, "ERR SCRIPT FLUSH only support SYNC|ASYNC option");
    return;
  }
  if (ctx.scripts)
    ctx.scripts->scripts.flush();
  reply::ok(ctx.out);
}

// Runs in the connection: the keyspace is the one busy with the script.
void script_kill(client_state& client, server_state&, arg_list, std::string& out) {
  reply_kill(client, true, out);
}

void script_debug(exec_context& ctx, arg_list argv) {
  if (iequals(argv[2], "no"))
    reply::ok(ctx.out);
  else if (iequals(argv[2], "yes") || iequals(argv[2], "sync"))
    reply::error(ctx.out, "ERR The Lua debugger is not supported by this server");
  else
    reply::error(ctx.out, "ERR Use SCRIPT DEBUG YES/SYNC/NO");
}

void script_help(exec_context& ctx, arg_list) {
  reply_help(ctx.out, "script",
             {"DEBUG (YES|SYNC|NO)", "    Set the debug mode for subsequent scripts executed.",
              "EXISTS <sha1> [<sha1> ...]",
              "    Return information about the existence of the scripts in the script cache.",
              "FLUSH [ASYNC|SYNC]",
              "    Flush the Lua scripts cache. Very dangerous on replicas.",
              "    When called without the optional mode argument, the behavior is determined by "
              "the",
              "    lazyfree-lazy-user-flush configuration directive. Valid modes are:",
              "    * ASYNC: Asynchronously flush the scripts cache.",
              "    * SYNC: Synchronously flush the scripts cache.",
              "KILL", "    Kill the currently executing Lua script.", "LOAD <script>",
              "    Load a script into the scripts cache without executing it."});
}

constexpr uint32_t eval_flags =
    cmd_noscript | cmd_skip_monitor | cmd_may_replicate | cmd_stale | cmd_runs_script;
constexpr uint32_t eval_ro_flags =
    cmd_noscript | cmd_skip_monitor | cmd_stale | cmd_readonly | cmd_runs_script;
constexpr movable_keys script_keys = {movable_keys::numkeys_or_none, 2};

// Key specs as Redis 7.0 declares them (COMMAND INFO, COMMAND GETKEYSANDFLAGS).
constexpr key_spec eval_keys[] = {
    with_notes(keys_counted(kf::rw | kf::access | kf::update, 2),
               "We cannot tell how the keys will be used so we assume the worst, RW and UPDATE"),
};

constexpr key_spec evalsha_keys[] = {
    keys_counted(kf::rw | kf::access | kf::update, 2),
};

constexpr key_spec eval_ro_keys[] = {
    with_notes(keys_counted(kf::ro | kf::access, 2),
               "We cannot tell how the keys will be used so we assume the worst, RO and ACCESS"),
};

constexpr key_spec evalsha_ro_keys[] = {
    keys_counted(kf::ro | kf::access, 2),
};

const command_spec specs[] = {
    with_script_flags(
        with_key_specs(
            with_movable_keys({"eval", -3, eval_flags, eval_command, nullptr, 0, 0, 0, kf::none,
                               "Execute a Lua script server side", "scripting", "2.6.0"},
                              script_keys),
            eval_keys),
        eval_script_flags),
    with_script_flags(
        with_key_specs(
            with_movable_keys({"evalsha", -3, eval_flags, evalsha_command, nullptr, 0, 0, 0,
                               kf::none, "Execute a Lua script server side", "scripting", "2.6.0"},
                              script_keys),
            evalsha_keys),
        evalsha_script_flags),
    with_script_flags(
        with_key_specs(
            with_movable_keys(
                {"eval_ro", -3, eval_ro_flags, eval_ro_command, nullptr, 0, 0, 0, kf::none,
                 "Execute a read-only Lua script server side", "scripting", "7.0.0"},
                script_keys),
            eval_ro_keys),
        eval_script_flags),
    with_script_flags(
        with_key_specs(
            with_movable_keys(
                {"evalsha_ro", -3, eval_ro_flags, evalsha_ro_command, nullptr, 0, 0, 0, kf::none,
                 "Execute a read-only Lua script server side", "scripting", "7.0.0"},
                script_keys),
            evalsha_ro_keys),
        evalsha_script_flags),
    {"script", -2, cmd_container, unknown_subcommand, nullptr, 0, 0, 0, kf::none,
     "A container for Lua scripts management commands", "scripting", "2.6.0"},
    {"script|load", 3, cmd_noscript | cmd_stale, script_load, nullptr, 0, 0, 0, kf::none,
     "Load the specified Lua script into the script cache.", "scripting", "2.6.0"},
    {"script|exists", -3, cmd_noscript | cmd_stale, script_exists, nullptr, 0, 0, 0, kf::none,
     "Check existence of scripts in the script cache.", "scripting", "2.6.0"},
    {"script|flush", -2, cmd_noscript, script_flush, nullptr, 0, 0, 0, kf::none,
     "Remove all the scripts from the script cache.", "scripting", "2.6.0"},
    {"script|kill", 2, cmd_noscript | cmd_allow_busy, nullptr, script_kill, 0, 0, 0, kf::none,
     "Kill the script currently in execution.", "scripting", "2.6.0"},
    {"script|debug", 3, cmd_noscript, script_debug, nullptr, 0, 0, 0, kf::none,
     "Set the debug mode for executed scripts.", "scripting", "3.2.0"},
    {"script|help", 2, cmd_loading | cmd_stale, script_help, nullptr, 0, 0, 0, kf::none,
     "Show helpful text about the different subcommands", "scripting", "5.0.0"},
};

}  // namespace

std::span<const command_spec> scripting_commands() { return specs; }

}  // namespace credis
