// FCALL, FCALL_RO and FUNCTION LOAD/DELETE/FLUSH/LIST/STATS/KILL/DUMP/RESTORE (Redis's
// functions.c): the libraries are storage/scripting/function_libraries; script_support.cpp
// runs a function under the same rules as an EVAL script.
#include <chrono>
#include <optional>

#include "protocol/integers.hpp"
#include "protocol/reply.hpp"
#include "storage/commands/command_families.hpp"
#include "storage/commands/script_support.hpp"
#include "storage/commands/subcommands.hpp"
#include "storage/commands/text.hpp"
#include "storage/glob.hpp"
#include "storage/rdb/rdb_reader.hpp"
#include "storage/rdb/rdb_writer.hpp"
#include "storage/scripting/script_flags.hpp"
#include "storage/scripting/scripting.hpp"

namespace credis {

namespace {

// FUNCTION LOAD's library code may run this long (Redis's LOAD_TIMEOUT_MS); a master's stream
// is obeyed whatever it takes.
constexpr int64_t load_timeout_ms = 500;

bool have_scripts(exec_context& ctx) {
  if (!ctx.scripts)
    reply::error(ctx.out, "ERR scripting is not available here");
  return ctx.scripts != nullptr;
}

void fcall_generic(exec_context& ctx, arg_list argv, bool read_only) {
  feed_monitors_first(ctx, argv);
  if (!have_scripts(ctx))
    return;
  function_libraries& libs = ctx.scripts->functions;
  const auto found = libs.find_function(argv[1]);
  if (!found.function) {
    reply::error(ctx.out, "ERR Function not found");
    return;
  }
  int64_t numkeys = 0;
  if (!parse_int64(argv[2], numkeys)) {
    reply::error(ctx.out, "ERR Bad number of keys provided");
    return;
  }
  std::span<const std::string_view> keys, args;
  if (!split_script_arguments(ctx, argv, 2, keys, args))
    return;
  run_script(ctx,
             {argv, libs.engine(), found.function->ref, found.function->name, found.function->flags,
              read_only, false},
             keys, args);
}

void fcall_command(exec_context& ctx, arg_list argv) { fcall_generic(ctx, argv, false); }
void fcall_ro_command(exec_context& ctx, arg_list argv) { fcall_generic(ctx, argv, true); }

void function_load(exec_context& ctx, arg_list argv) {
  bool replace = false;
  size_t at = 2;
  for (; at + 1 < argv.size(); ++at) {
    if (!iequals(argv[at], "replace")) {
      reply::error(ctx.out, "ERR Unknown option given: " + std::string(argv[at]));
      return;
    }
    replace = true;
  }
  if (at >= argv.size()) {
    reply::error(ctx.out, "ERR Function code is missing");
    return;
  }
  if (!have_scripts(ctx))
    return;
  std::string error;
  const std::string name = ctx.scripts->functions.load(
      argv[at], replace, ctx.from_master ? 0 : load_timeout_ms, error);
  if (name.empty()) {
    reply::error(ctx.out, error);
    return;
  }
  ++ctx.server.stats.dirty;
  reply::bulk(ctx.out, name);
}

void function_delete(exec_context& ctx, arg_list argv) {
  if (!have_scripts(ctx))
    return;
  if (!ctx.scripts->functions.remove(argv[2])) {
    reply::error(ctx.out, "ERR Library not found");
    return;
  }
  ++ctx.server.stats.dirty;
  reply::ok(ctx.out);
}

void function_flush(exec_context& ctx, arg_list argv) {
  if (argv.size() > 3) {
    reply_subcommand_syntax(ctx, "function", argv[1]);
    return;
  }
  if (argv.size() == 3 && !iequals(argv[2], "sync") && !iequals(argv[2], "async")) {
    reply::error(ctx.out, "ERR FUNCTION FLUSH only supports SYNC|ASYNC option");
    return;
  }
  if (!have_scripts(ctx))
    return;
  ctx.scripts->functions.flush();
  ++ctx.server.stats.dirty;
  reply::ok(ctx.out);
}

void reply_function(std::string& out, const registered_function& f) {
  reply::map_header(out, 3);
  reply::bulk(out, "name");
  reply::bulk(out, f.name);
  reply::bulk(out, "description");
  f.has_description ? reply::bulk(out, f.description) : reply::null_bulk(out);
  reply::bulk(out, "flags");
  const auto names = script_flag_names(f.flags);
  reply::set_header(out, static_cast<int64_t>(names.size()));
  for (auto name : names)
    reply::simple(out, name);  // status replies, as Redis's functionListReplyFlags
}

void function_list(exec_context& ctx, arg_list argv) {
  bool with_code = false;
  std::optional<std::string_view> pattern;
  for (size_t i = 2; i < argv.size(); ++i) {
    if (!with_code && iequals(argv[i], "withcode")) {
      with_code = true;
    } else if (!pattern && iequals(argv[i], "libraryname")) {
      if (i + 1 >= argv.size()) {
        reply::error(ctx.out, "ERR library name argument was not given");
        return;
      }
      pattern = argv[++i];
    } else {
      reply::error(ctx.out, "ERR Unknown argument " + std::string(argv[i]));
      return;
    }
  }
  if (!have_scripts(ctx))
    return;
  std::vector<const function_library*> shown;
  for (const auto& [name, lib] : ctx.scripts->functions.libraries())
    if (!pattern || glob_match(*pattern, name, true))
      shown.push_back(&lib);
  reply::array_header(ctx.out, static_cast<int64_t>(shown.size()));
  for (const function_library* lib : shown) {
    reply::map_header(ctx.out, with_code ? 4 : 3);
    reply::bulk(ctx.out, "library_name");
    reply::bulk(ctx.out, lib->name);
    reply::bulk(ctx.out, "engine");
    reply::bulk(ctx.out, "LUA");
    reply::bulk(ctx.out, "functions");
    reply::array_header(ctx.out, static_cast<int64_t>(lib->functions.size()));
    for (const auto& f : lib->functions)
      reply_function(ctx.out, f);
    if (with_code) {
      reply::bulk(ctx.out, "library_code");
      reply::bulk(ctx.out, lib->code);
    }
  }
}

// The libraries as their RDB records, with a DUMP payload's footer.
void function_dump(exec_context& ctx, arg_list) {
  if (!have_scripts(ctx))
    return;
  reply::bulk(ctx.out, rdb_dump_functions(ctx.scripts->functions.codes()));
}

enum class restore_policy { flush, append, replace };

bool parse_restore_policy(std::string_view word, restore_policy& policy) {
  if (iequals(word, "append"))
    policy = restore_policy::append;
  else if (iequals(word, "replace"))
    policy = restore_policy::replace;
  else if (iequals(word, "flush"))
    policy = restore_policy::flush;
  else
    return false;
  return true;
}

// FUNCTION RESTORE <payload> [FLUSH|APPEND|REPLACE] (default APPEND). The payload's libraries
// are loaded on their own first, so that a bad payload or a collision changes nothing.
void function_restore(exec_context& ctx, arg_list argv) {
  if (argv.size() > 4) {
    reply_subcommand_syntax(ctx, "function", argv[1]);
    return;
  }
  restore_policy policy = restore_policy::append;
  if (argv.size() == 4 && !parse_restore_policy(argv[3], policy)) {
    reply::error(ctx.out, "ERR Wrong restore policy given, value should be either FLUSH, "
                          "APPEND or REPLACE.");
    return;
  }
  if (!have_scripts(ctx))
    return;
  std::vector<std::string> codes;
  std::string error;
  if (!rdb_restore_functions(argv[2], codes, error)) {
    reply::error(ctx.out, "ERR " + error);
    return;
  }
  function_libraries incoming;
  if (!incoming.load_all(codes, false, error)) {
    reply::error(ctx.out, error);
    return;
  }
  function_libraries& current = ctx.scripts->functions;
  if (policy == restore_policy::flush) {
    current = std::move(incoming);
  } else if (!current.join(std::move(incoming), policy == restore_policy::replace, error)) {
    reply::error(ctx.out, error);
    return;
  }
  ++ctx.server.stats.dirty;
  reply::ok(ctx.out);
}

// FUNCTION STATS' "engines" entry and its map.
void reply_engines(std::string& out, int64_t libraries, int64_t functions) {
  reply::bulk(out, "engines");
  reply::map_header(out, 1);
  reply::bulk(out, "LUA");
  reply::map_header(out, 2);
  reply::bulk(out, "libraries_count");
  reply::integer(out, libraries);
  reply::bulk(out, "functions_count");
  reply::integer(out, functions);
}

// No function runs while this does (the keyspace runs one thing at a time); while one is
// busy the connections answer (function_stats_while_busy).
void function_stats(exec_context& ctx, arg_list) {
  if (!have_scripts(ctx))
    return;
  reply::map_header(ctx.out, 2);
  reply::bulk(ctx.out, "running_script");
  reply::null_bulk(ctx.out);
  reply_engines(ctx.out, static_cast<int64_t>(ctx.scripts->functions.libraries().size()),
                static_cast<int64_t>(ctx.scripts->functions.function_count()));
}

// While a function is busy the connection answers, from what the keyspace left in the watch.
void function_stats_while_busy(client_state& client, server_state&, arg_list, std::string& out) {
  const script_watch* watch = client.script;
  if (!watch || watch->busy_with_eval()) {
    reply::error(out, script_errors::busy_eval);
    return;
  }
  const auto& running = watch->running;
  reply::map_header(out, 2);
  reply::bulk(out, "running_script");
  reply::map_header(out, 3);
  reply::bulk(out, "name");
  reply::bulk(out, running.name);
  reply::bulk(out, "command");
  reply::array_header(out, static_cast<int64_t>(running.command.size()));
  for (auto arg : running.command)
    reply::bulk(out, arg);
  reply::bulk(out, "duration_ms");
  const int64_t now = std::chrono::duration_cast<std::chrono::milliseconds>(
                          std::chrono::steady_clock::now().time_since_epoch())
                          .count();
  reply::integer(out, now - watch->start_ms());
  reply_engines(out, running.libraries, running.functions);
}

void function_kill(client_state& client, server_state&, arg_list, std::string& out) {
  reply_kill(client, false, out);
}

void function_help(exec_context& ctx, arg_list) {
  reply_help(
      ctx.out, "function",
      {"LOAD [REPLACE] <FUNCTION CODE>",
       "    Create a new library with the given library name and code.",
       "DELETE <LIBRARY NAME>", "    Delete the given library.",
       "LIST [LIBRARYNAME PATTERN] [WITHCODE]",
       "    Return general information on all the libraries:", "    * Library name",
       "    * The engine used to run the Library", "    * Library description",
       "    * Functions list", "    * Library code (if WITHCODE is given)",
       "    It also possible to get only function that matches a pattern using LIBRARYNAME "
       "argument.",
       "STATS", "    Return information about the current function running:",
       "    * Function name", "    * Command used to run the function",
       "    * Duration in MS that the function is running",
       "    If no function is running, return nil",
       "    In addition, returns a list of available engines.", "KILL",
       "    Kill the current running function.", "FLUSH [ASYNC|SYNC]",
       "    Delete all the libraries.",
       "    When called without the optional mode argument, the behavior is determined by the",
       "    lazyfree-lazy-user-flush configuration directive. Valid modes are:",
       "    * ASYNC: Asynchronously flush the libraries.",
       "    * SYNC: Synchronously flush the libraries.", "DUMP",
       "    Return a serialized payload representing the current libraries, can be restored "
       "using FUNCTION RESTORE command",
       "RESTORE <PAYLOAD> [FLUSH|APPEND|REPLACE]",
       "    Restore the libraries represented by the given payload, it is possible to give a "
       "restore policy to",
       "    control how to handle existing libraries (default APPEND):",
       "    * FLUSH: delete all existing libraries.",
       "    * APPEND: appends the restored libraries to the existing libraries. On collision, "
       "abort.",
       "    * REPLACE: appends the restored libraries to the existing libraries, On "
       "collision, replace the old",
       "      libraries with the new libraries (notice that even on this option there is a "
       "chance of failure",
       "      in case of functions name collision with another library)."});
}

constexpr uint32_t fcall_flags =
    cmd_noscript | cmd_skip_monitor | cmd_may_replicate | cmd_stale | cmd_runs_script;
constexpr uint32_t fcall_ro_flags =
    cmd_noscript | cmd_skip_monitor | cmd_stale | cmd_readonly | cmd_runs_script;
constexpr movable_keys function_keys = {movable_keys::numkeys_or_none, 2};

// Key specs as Redis 7.0 declares them (COMMAND INFO, COMMAND GETKEYSANDFLAGS).
constexpr key_spec fcall_keys[] = {
    with_notes(keys_counted(kf::rw | kf::access | kf::update, 2),
               "We cannot tell how the keys will be used so we assume the worst, RW and UPDATE"),
};

constexpr key_spec fcall_ro_keys[] = {
    with_notes(keys_counted(kf::ro | kf::access, 2),
               "We cannot tell how the keys will be used so we assume the worst, RO and ACCESS"),
};

const command_spec specs[] = {
    with_script_flags(
        with_key_specs(with_movable_keys({"fcall", -3, fcall_flags, fcall_command, nullptr, 0, 0, 0,
                                          kf::none, "Invoke a function", "scripting", "7.0.0"},
                                         function_keys),
                       fcall_keys),
        fcall_script_flags),
    with_script_flags(
        with_key_specs(
            with_movable_keys({"fcall_ro", -3, fcall_ro_flags, fcall_ro_command, nullptr, 0, 0, 0,
                               kf::none, "Invoke a read-only function", "scripting", "7.0.0"},
                              function_keys),
            fcall_ro_keys),
        fcall_script_flags),
    {"function", -2, cmd_container, unknown_subcommand, nullptr, 0, 0, 0, kf::none,
     "A container for function commands", "scripting", "7.0.0"},
    {"function|load", -3, cmd_write | cmd_denyoom | cmd_noscript, function_load, nullptr, 0, 0, 0,
     kf::none, "Create a function with the given arguments (name, code, description)", "scripting",
     "7.0.0"},
    {"function|delete", 3, cmd_write | cmd_noscript, function_delete, nullptr, 0, 0, 0, kf::none,
     "Delete a function by name", "scripting", "7.0.0"},
    {"function|flush", -2, cmd_write | cmd_noscript, function_flush, nullptr, 0, 0, 0, kf::none,
     "Deleting all functions", "scripting", "7.0.0"},
    {"function|list", -2, cmd_noscript, function_list, nullptr, 0, 0, 0, kf::none,
     "List information about all the functions", "scripting", "7.0.0"},
    with_busy_handler(
        {"function|stats", 2, cmd_noscript | cmd_allow_busy, function_stats, nullptr, 0, 0, 0,
         kf::none,
         "Return information about the function currently running (name, description, "
         "duration)",
         "scripting", "7.0.0"},
        function_stats_while_busy),
    {"function|dump", 2, cmd_noscript, function_dump, nullptr, 0, 0, 0, kf::none,
     "Dump all functions into a serialized binary payload", "scripting", "7.0.0"},
    {"function|restore", -3, cmd_write | cmd_denyoom | cmd_noscript, function_restore, nullptr, 0,
     0, 0, kf::none, "Restore all the functions on the given payload", "scripting", "7.0.0"},
    {"function|kill", 2, cmd_noscript | cmd_allow_busy, nullptr, function_kill, 0, 0, 0, kf::none,
     "Kill the function currently in execution.", "scripting", "7.0.0"},
    {"function|help", 2, cmd_loading | cmd_stale, function_help, nullptr, 0, 0, 0, kf::none,
     "Show helpful text about the different subcommands", "scripting", "7.0.0"},
};

}  // namespace

std::span<const command_spec> function_commands() { return specs; }

}  // namespace credis
