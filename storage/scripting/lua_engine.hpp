// One Lua 5.1 interpreter as Redis 7.0 sets it up (script_lua.c): the base, table, string,
// math, cjson and bit libraries, the `redis` API, globals that scripts may read but not add to,
// and an error handler that tells where a script failed. EVAL scripts share one engine; the
// functions of FUNCTION LOAD live in another, whose library code sees only the registration
// API while it loads (function_lua.c).
//
// Lua is Debian's C++ build: a Lua error is a C++ exception, so C++ frames it crosses unwind.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

struct lua_State;

namespace credis {

// What a script's run asks of the server while it runs.
class script_run {
 public:
  virtual ~script_run() = default;
  // redis.call / redis.pcall: runs `argv` as the script's client and appends its reply, in
  // protocol `resp`, to `reply` (an error reply when the server refuses it).
  virtual void call(std::span<const std::string_view> argv, std::string& reply) = 0;
  // redis.acl_check_cmd: is there such a command?
  virtual bool command_exists(std::span<const std::string_view> argv) = 0;
  // Asked every 100,000 Lua instructions: true stops the script (SCRIPT KILL).
  virtual bool interrupted() = 0;

  int resp = 2;  // redis.setresp: the protocol of the replies redis.call converts
  // redis.set_repl: which of REPL_AOF (1) and REPL_REPLICA (2) the writes go to.
  int replicate = 3;
  std::string_view name;  // the script's sha or function name, in error replies
  // Set by run(): the script's reply is an error a command it called had counted already
  // (Redis's ignore_error_stats_update), so the script's own call does not count it again.
  bool error_counted = false;
};

// A function that FUNCTION LOAD's library code registered.
struct registered_function {
  std::string name;
  std::string description;  // empty: none
  bool has_description = false;
  uint32_t flags = 0;  // script_flag
  int ref = 0;         // its place in the engine's registry
};

class lua_engine {
 public:
  enum class kind { eval, function };
  explicit lua_engine(kind k);
  ~lua_engine();
  lua_engine(const lua_engine&) = delete;
  lua_engine& operator=(const lua_engine&) = delete;

  // EVAL: compiles a script body (after its shebang line) as a function kept in the registry;
  // its reference, or 0 with Redis's error text in `error`.
  int compile(std::string_view code, std::string& error);
  // Drops a compiled script or registered function.
  void release(int ref);

  // FUNCTION LOAD: runs a library's code; its redis.register_function calls become
  // `registered` (released again on failure). Empty, or why it failed. Code that runs longer
  // than `timeout_ms` is stopped.
  std::string load_library(std::string_view code, int64_t timeout_ms,
                           std::vector<registered_function>& registered);

  // Runs a compiled script (eval kind: KEYS and ARGV set as globals) or a registered function
  // (function kind: keys and args its two arguments); appends its reply, or its error in
  // Redis's form, to `out` in the protocol of the reply scope around the call.
  void run(int ref, std::span<const std::string_view> keys,
           std::span<const std::string_view> args, script_run& run, std::string& out);

  // Bytes the interpreter holds (INFO used_memory_lua).
  size_t memory() const;

 private:
  lua_State* L_;
  kind kind_;
  int runs_since_gc_ = 0;
};

// redis.sha1hex and the script cache's keys: 40 lower-case hex digits.
std::string sha1_hex(std::string_view text);

}  // namespace credis
