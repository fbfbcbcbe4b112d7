// What EVAL and FCALL share (Redis's script.c): the checks before a script runs, and the
// script's client, through which its redis.call reach the command table under the script's
// rules (no blocking, no writes from read-only scripts, no commands flagged noscript).
#pragma once

#include <span>
#include <string_view>

#include "storage/commands/command.hpp"
#include "storage/scripting/lua_engine.hpp"

namespace credis {

struct script_invocation {
  arg_list command;        // the EVAL or FCALL line, as FUNCTION STATS shows it
  lua_engine& engine;
  int ref;                 // the compiled script or registered function
  std::string_view name;   // its sha or function name, in errors and logs
  uint32_t flags;          // script_flag
  bool read_only_command;  // EVAL_RO, EVALSHA_RO, FCALL_RO
  bool is_eval;
};

// Runs the script with `keys` and `args` and appends its reply (or why it may not run) to
// ctx.out.
void run_script(exec_context& ctx, const script_invocation& script,
                std::span<const std::string_view> keys, std::span<const std::string_view> args);

// The keys and arguments after a numkeys argument at `numkeys_at` (EVAL, FCALL); false with
// Redis's error replied when numkeys is bad.
bool split_script_arguments(exec_context& ctx, arg_list argv, size_t numkeys_at,
                            std::span<const std::string_view>& keys,
                            std::span<const std::string_view>& args);

// MONITOR sees EVAL and FCALL before the commands they run.
void feed_monitors_first(exec_context& ctx, arg_list argv);

// SCRIPT KILL (`eval`) and FUNCTION KILL, answered by the connection: the keyspace is the one
// busy with the script.
void reply_kill(client_state& client, bool eval, std::string& out);

// The flags that count for a script command, by its script's declared flags (Redis's
// evalGetCommandFlags / fcallGetCommandFlags): a script without a shebang keeps the command's.
uint32_t script_command_flags(uint32_t command_flags, uint32_t script_flags);
// The same for a command line of a table entry with script_flags (EVAL, EVALSHA, FCALL and
// their _RO forms); the command's own flags when it has none or no script is found.
uint32_t script_command_flags(const command_spec& cmd, arg_list argv,
                              const scripting* scripts);
// The script_flags lookups: EVAL's by the body (cached, or its shebang), EVALSHA's by the
// digest, FCALL's by the function's name.
bool eval_script_flags(arg_list argv, const scripting& scripts, uint32_t& flags);
bool evalsha_script_flags(arg_list argv, const scripting& scripts, uint32_t& flags);
bool fcall_script_flags(arg_list argv, const scripting& scripts, uint32_t& flags);

}  // namespace credis
