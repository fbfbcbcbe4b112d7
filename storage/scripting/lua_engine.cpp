#include "storage/scripting/lua_engine.hpp"

#include <lua5.1/lua.hpp>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <string>
#include <strings.h>

#include "protocol/reply.hpp"
#include "storage/hex_digest.hpp"
#include "storage/scripting/lua_reply.hpp"
#include "storage/scripting/script_flags.hpp"
#include "storage/server_version.hpp"

extern "C" {
int luaopen_cjson(lua_State* L);
int luaopen_bit(lua_State* L);
}

namespace credis {

namespace {

// The field `key` of the table on top of the stack, without its metatable: the code outside
// lua_pcall must not run a script's __index (an error there would be unprotected).
void push_raw_field(lua_State* L, const char* key) {
  lua_pushstring(L, key);
  lua_rawget(L, -2);
}

// Registry keys.
constexpr const char* run_key = "credis_run";            // the script_run of the call
constexpr const char* load_key = "credis_load";          // the library being loaded
constexpr const char* handler_key = "credis_err_handler";
constexpr const char* globals_meta_key = "credis_globals_meta";
constexpr const char* globals_key = "credis_globals";
constexpr const char* protected_key = "credis_protected";  // the read-only tables, as keys
constexpr const char* library_api_key = "credis_library_api";

// What FUNCTION LOAD's library code registers while it runs.
struct library_load {
  std::vector<registered_function>* registered;
  std::chrono::steady_clock::time_point deadline;
  bool timed = false;
};

void* registry_pointer(lua_State* L, const char* key) {
  lua_getfield(L, LUA_REGISTRYINDEX, key);
  void* p = lua_touserdata(L, -1);
  lua_pop(L, 1);
  return p;
}

void set_registry_pointer(lua_State* L, const char* key, void* p) {
  if (p)
    lua_pushlightuserdata(L, p);
  else
    lua_pushnil(L);
  lua_setfield(L, LUA_REGISTRYINDEX, key);
}

// Raises Redis's error table for `message` (a plain message gets the ERR code).
[[noreturn]] void raise_error(lua_State* L, std::string_view message) {
  push_error_table(L, message);
  lua_error(L);
  std::abort();  // lua_error does not return
}

script_run* current_run(lua_State* L, const char* what) {
  auto* run = static_cast<script_run*>(registry_pointer(L, run_key));
  if (!run)
    raise_error(L, std::string(what) + " can only be called inside a script invocation");
  return run;
}

// The arguments of a redis.* call as command arguments: numbers as "%.17g" (Lua's own
// conversion loses precision), strings as they are; false when one is neither.
bool command_arguments(lua_State* L, std::vector<std::string>& out) {
  const int argc = lua_gettop(L);
  out.reserve(static_cast<size_t>(argc));
  bool ok = true;
  for (int i = 1; i <= argc; ++i) {
    if (lua_type(L, i) == LUA_TNUMBER) {
      char buf[64];
      const int n = std::snprintf(buf, sizeof buf, "%.17g", static_cast<double>(lua_tonumber(L, i)));
      out.emplace_back(buf, static_cast<size_t>(n));
      continue;
    }
    size_t len = 0;
    const char* s = lua_tolstring(L, i, &len);
    if (!s) {
      ok = false;
      break;
    }
    out.emplace_back(s, len);
  }
  lua_pop(L, argc);
  return ok;
}

// redis.call (raise = true) and redis.pcall (errors returned as tables).
int redis_call(lua_State* L, bool raise) {
  script_run* run = current_run(L, "redis.call/pcall");
  if (lua_gettop(L) == 0) {
    push_error_table(L, "Please specify at least one argument for this redis lib call");
    return raise ? lua_error(L) : 1;
  }
  std::string reply;
  {
    std::vector<std::string> args;
    if (!command_arguments(L, args)) {
      push_error_table(L, "Lua redis lib command arguments must be strings or integers");
      return raise ? lua_error(L) : 1;
    }
    std::vector<std::string_view> argv(args.begin(), args.end());
    run->call(argv, reply);
  }
  std::string_view text = reply;
  push_reply(L, text);
  if (raise && !reply.empty() && reply[0] == '-')
    return lua_error(L);
  return 1;
}

int redis_call_raising(lua_State* L) { return redis_call(L, true); }
int redis_pcall(lua_State* L) { return redis_call(L, false); }

// The global pcall: an error table caught becomes its message, as Redis's own pcall does.
int protected_call(lua_State* L) {
  const int argc = lua_gettop(L);
  lua_pushboolean(L, 1);
  lua_insert(L, 1);
  if (lua_pcall(L, argc - 1, LUA_MULTRET, 0)) {
    lua_remove(L, 1);
    if (lua_istable(L, -1)) {
      lua_getfield(L, -1, "err");
      if (lua_isstring(L, -1))
        lua_replace(L, -2);
      // (otherwise the table and the nil field both stay: Redis's luaRedisPcall returns
      // false, the table, nil)
    }
    lua_pushboolean(L, 0);
    lua_insert(L, 1);
  }
  return lua_gettop(L);
}

int redis_sha1hex(lua_State* L) {
  if (lua_gettop(L) != 1)
    raise_error(L, "wrong number of arguments");
  size_t len = 0;
  const char* s = lua_tolstring(L, 1, &len);
  const std::string hex = sha1_hex(std::string_view(s ? s : "", s ? len : 0));
  lua_pushlstring(L, hex.data(), hex.size());
  return 1;
}

int redis_error_reply(lua_State* L) {
  if (lua_gettop(L) != 1 || lua_type(L, -1) != LUA_TSTRING) {
    push_error_table(L, "wrong number or type of arguments");
    return 1;
  }
  size_t len = 0;
  const char* s = lua_tolstring(L, -1, &len);
  std::string err(s, len);
  if (err.empty() || err[0] != '-')
    err.insert(0, "-");
  push_error_table(L, err);
  return 1;
}

int redis_status_reply(lua_State* L) {
  if (lua_gettop(L) != 1 || lua_type(L, -1) != LUA_TSTRING) {
    push_error_table(L, "wrong number or type of arguments");
    return 1;
  }
  lua_newtable(L);
  lua_pushstring(L, "ok");
  lua_pushvalue(L, -3);
  lua_settable(L, -3);
  return 1;
}

int redis_set_repl(lua_State* L) {
  script_run* run = current_run(L, "redis.set_repl");
  if (lua_gettop(L) != 1)
    raise_error(L, "redis.set_repl() requires two arguments.");
  const int flags = static_cast<int>(lua_tonumber(L, -1));
  if (flags & ~3)
    raise_error(L, "Invalid replication flags. Use REPL_AOF, REPL_REPLICA, REPL_ALL or REPL_NONE.");
  run->replicate = flags;
  return 0;
}

int redis_setresp(lua_State* L) {
  script_run* run = current_run(L, "redis.setresp");
  if (lua_gettop(L) != 1)
    raise_error(L, "redis.setresp() requires one argument.");
  const int resp = static_cast<int>(lua_tonumber(L, -1));
  if (resp != 2 && resp != 3)
    raise_error(L, "RESP version must be 2 or 3.");
  run->resp = resp;
  return 0;
}

int redis_acl_check_cmd(lua_State* L) {
  script_run* run = current_run(L, "redis.acl_check_cmd");
  std::vector<std::string> args;
  if (lua_gettop(L) == 0)
    raise_error(L, "Please specify at least one argument for this redis lib call");
  if (!command_arguments(L, args))
    raise_error(L, "Lua redis lib command arguments must be strings or integers");
  std::vector<std::string_view> argv(args.begin(), args.end());
  if (!run->command_exists(argv))
    raise_error(L, "Invalid command passed to redis.acl_check_cmd()");
  lua_pushboolean(L, 1);  // no ACL users but the default, who may run everything
  return 1;
}

int redis_log(lua_State* L) {
  const int argc = lua_gettop(L);
  if (argc < 2)
    raise_error(L, "redis.log() requires two arguments or more.");
  if (!lua_isnumber(L, 1))
    raise_error(L, "First argument must be a number (log level).");
  const int level = static_cast<int>(lua_tonumber(L, 1));
  if (level < 0 || level > 3)
    raise_error(L, "Invalid debug level.");
  std::string line;
  for (int i = 2; i <= argc; ++i) {
    size_t len = 0;
    if (const char* s = lua_tolstring(L, i, &len)) {
      if (i != 2)
        line += ' ';
      line.append(s, len);
    }
  }
  static constexpr spdlog::level::level_enum levels[] = {
      spdlog::level::debug, spdlog::level::debug, spdlog::level::info, spdlog::level::warn};
  spdlog::log(levels[level], "{}", line);
  return 0;
}

int redis_breakpoint(lua_State* L) {
  lua_pushboolean(L, 0);  // no debugging session: Redis answers false too
  return 1;
}
int redis_debug(lua_State*) { return 0; }
int redis_replicate_commands(lua_State* L) {
  lua_pushboolean(L, 1);  // Redis 7 always replicates a script's effects
  return 1;
}

// math.random / math.randomseed over Redis's rand48, which scripts have always used.
uint64_t rand48_state = 0x1234ABCD330EULL;
int32_t rand48() {
  rand48_state = (rand48_state * 0x5DEECE66DULL + 0xB) & ((1ULL << 48) - 1);
  return static_cast<int32_t>(rand48_state >> 17);
}

int math_random(lua_State* L) {
  current_run(L, "math.random");
  constexpr int32_t rand_max = INT32_MAX;
  const lua_Number r = static_cast<lua_Number>(rand48() % rand_max) / rand_max;
  switch (lua_gettop(L)) {
    case 0:
      lua_pushnumber(L, r);
      break;
    case 1: {
      const int u = luaL_checkint(L, 1);
      luaL_argcheck(L, 1 <= u, 1, "interval is empty");
      lua_pushnumber(L, std::floor(r * u) + 1);
      break;
    }
    case 2: {
      const int l = luaL_checkint(L, 1);
      const int u = luaL_checkint(L, 2);
      luaL_argcheck(L, l <= u, 2, "interval is empty");
      lua_pushnumber(L, std::floor(r * (u - l + 1)) + l);
      break;
    }
    default:
      return luaL_error(L, "wrong number of arguments");
  }
  return 1;
}

int math_randomseed(lua_State* L) {
  current_run(L, "math.randomseed");
  rand48_state = (static_cast<uint64_t>(static_cast<uint32_t>(luaL_checkint(L, 1))) << 16) | 0x330E;
  return 0;
}

// __index of the globals: reading a global nobody defined is an error, as in Redis.
int missing_global(lua_State* L) {
  const char* name = lua_tostring(L, 2);
  return luaL_error(L, "Script attempted to access nonexistent global variable '%s'",
                    name ? name : "?");
}

// __newindex of a protected table (Redis's readonly tables).
int readonly_table(lua_State* L) { return luaL_error(L, "Attempt to modify a readonly table"); }

void set_field(lua_State* L, const char* name, lua_CFunction f) {
  lua_pushcfunction(L, f);
  lua_setfield(L, -2, name);
}
void set_field(lua_State* L, const char* name, int n) {
  lua_pushnumber(L, static_cast<lua_Number>(n));
  lua_setfield(L, -2, name);
}
void set_field(lua_State* L, const char* name, std::string_view s) {
  lua_pushlstring(L, s.data(), s.size());
  lua_setfield(L, -2, name);
}

// log(), its levels and the version, which library code may use while it loads, too.
void add_log_and_version(lua_State* L) {
  set_field(L, "log", redis_log);
  set_field(L, "LOG_DEBUG", 0);
  set_field(L, "LOG_VERBOSE", 1);
  set_field(L, "LOG_NOTICE", 2);
  set_field(L, "LOG_WARNING", 3);
  set_field(L, "REDIS_VERSION", redis_version);
  int major = 0, minor = 0, patch = 0;
  std::sscanf(std::string(redis_version).c_str(), "%d.%d.%d", &major, &minor, &patch);
  set_field(L, "REDIS_VERSION_NUM", (major << 16) | (minor << 8) | patch);
}

// Marks the table on top read-only: setmetatable and rawset refuse it (see guarded()).
void mark_protected(lua_State* L) {
  lua_getfield(L, LUA_REGISTRYINDEX, protected_key);
  lua_pushvalue(L, -2);
  lua_pushboolean(L, 1);
  lua_rawset(L, -3);
  lua_pop(L, 1);
}

void make_readonly_proxy(lua_State* L);

// Gives the table on top the metatable on top of it (popped), whose own changes are refused:
// getmetatable returns a read-only view of it.
void set_protected_metatable(lua_State* L) {
  lua_pushvalue(L, -1);
  make_readonly_proxy(L);
  lua_setfield(L, -2, "__metatable");
  mark_protected(L);
  lua_setmetatable(L, -2);
  mark_protected(L);
}

// Makes the table on top an empty proxy that reads through to it and refuses writes (Redis
// protects every table reachable from the globals this way).
void make_readonly_proxy(lua_State* L) {
  lua_newtable(L);                    // proxy
  lua_newtable(L);                    // its metatable
  lua_pushvalue(L, -3);
  lua_setfield(L, -2, "__index");
  lua_pushcfunction(L, readonly_table);
  lua_setfield(L, -2, "__newindex");
  lua_pushboolean(L, 0);
  lua_setfield(L, -2, "__metatable");  // getmetatable sees false
  mark_protected(L);
  lua_setmetatable(L, -2);
  mark_protected(L);
  lua_replace(L, -2);
}

// setmetatable and rawset, refusing a read-only table as Redis's patched Lua does; the
// original function is the closure's upvalue.
int guarded(lua_State* L) {
  if (lua_istable(L, 1)) {
    lua_getfield(L, LUA_REGISTRYINDEX, protected_key);
    lua_pushvalue(L, 1);
    lua_rawget(L, -2);
    const bool is_protected = lua_toboolean(L, -1);
    lua_pop(L, 2);
    if (is_protected) {
      lua_pushstring(L, "Attempt to modify a readonly table");  // (no position, as Redis's)
      return lua_error(L);
    }
  }
  lua_pushvalue(L, lua_upvalueindex(1));
  lua_insert(L, 1);
  lua_call(L, lua_gettop(L) - 1, LUA_MULTRET);
  return lua_gettop(L);
}

void guard_global(lua_State* L, const char* name) {
  lua_getglobal(L, name);
  lua_pushcclosure(L, guarded, 1);
  lua_setglobal(L, name);
}

// Lua 5.1 runs precompiled chunks, which can be crafted to corrupt memory: Redis's Lua reads
// every chunk as text, so one starting with ESC is a syntax error.
constexpr const char* bytecode_error = "unexpected symbol near 'char(27)'";

bool is_bytecode(std::string_view code) { return !code.empty() && code[0] == '\x1b'; }

// loadstring / load, refusing bytecode (nil and the error, as a failed load returns).
int text_only_load(lua_State* L) {
  std::string code;
  if (lua_type(L, 1) == LUA_TSTRING) {
    size_t len = 0;
    const char* s = lua_tolstring(L, 1, &len);
    code.assign(s, len);
  } else {
    luaL_checktype(L, 1, LUA_TFUNCTION);
    for (;;) {  // load(f): the pieces f returns, until nil or ""
      lua_pushvalue(L, 1);
      lua_call(L, 0, 1);
      if (lua_isnil(L, -1) || (lua_isstring(L, -1) && lua_objlen(L, -1) == 0)) {
        lua_pop(L, 1);
        break;
      }
      if (!lua_isstring(L, -1))
        return luaL_error(L, "reader function must return a string");
      size_t len = 0;
      const char* s = lua_tolstring(L, -1, &len);
      code.append(s, len);
      lua_pop(L, 1);
    }
  }
  const char* name = luaL_optstring(L, 2, lua_type(L, 1) == LUA_TSTRING ? code.c_str() : "=(load)");
  if (is_bytecode(code)) {
    lua_pushnil(L);
    lua_pushfstring(L, "[string \"?\"]:1: %s", bytecode_error);
    return 2;
  }
  if (luaL_loadbuffer(L, code.data(), code.size(), name) != 0) {
    lua_pushnil(L);
    lua_insert(L, -2);
    return 2;
  }
  return 1;
}

// The globals Redis leaves to scripts (script_lua.c's allow lists); the libraries' others
// (print, dofile, loadfile, module, require, ...) are dropped.
bool allowed_global(std::string_view name) {
  static constexpr std::string_view allowed[] = {
      "string", "cjson", "bit", "cmsgpack", "math", "table", "struct", "redis",
      "xpcall", "tostring", "getfenv", "setmetatable", "next", "assert", "tonumber",
      "rawequal", "collectgarbage", "getmetatable", "rawset", "pcall", "coroutine", "type",
      "_G", "select", "unpack", "gcinfo", "pairs", "rawget", "loadstring", "ipairs",
      "_VERSION", "setfenv", "load", "error", "newproxy"};
  for (auto a : allowed)
    if (a == name)
      return true;
  return false;
}

void drop_disallowed_globals(lua_State* L) {
  std::vector<std::string> drop;
  lua_pushnil(L);
  while (lua_next(L, LUA_GLOBALSINDEX)) {
    lua_pop(L, 1);
    if (lua_type(L, -1) == LUA_TSTRING && !allowed_global(lua_tostring(L, -1)))
      drop.emplace_back(lua_tostring(L, -1));
  }
  for (const auto& name : drop) {
    lua_pushnil(L);
    lua_setfield(L, LUA_GLOBALSINDEX, name.c_str());
  }
}

// The library tables among the globals become read-only proxies.
void protect_library_tables(lua_State* L) {
  std::vector<std::string> tables;
  lua_pushnil(L);
  while (lua_next(L, LUA_GLOBALSINDEX)) {
    if (lua_type(L, -2) == LUA_TSTRING && lua_istable(L, -1) &&
        std::strcmp(lua_tostring(L, -2), "_G") != 0)
      tables.emplace_back(lua_tostring(L, -2));
    lua_pop(L, 1);
  }
  for (const auto& name : tables) {
    lua_getfield(L, LUA_GLOBALSINDEX, name.c_str());
    make_readonly_proxy(L);
    lua_setfield(L, LUA_GLOBALSINDEX, name.c_str());
  }
}

// The error handler Redis installs: a Lua error becomes {err=..., source=..., line=...},
// naming the script's line that failed (one level up when a C function raised it).
constexpr const char* error_handler_code =
    "local dbg = debug\n"
    "debug = nil\n"
    "return function(err)\n"
    "  local i = dbg.getinfo(2, 'nSl')\n"
    "  if i and i.what == 'C' then i = dbg.getinfo(3, 'nSl') end\n"
    "  if type(err) ~= 'table' then err = {err = 'ERR ' .. tostring(err)} end\n"
    "  if i then err['source'] = i.source; err['line'] = i.currentline end\n"
    "  return err\n"
    "end\n";

void count_hook(lua_State* L, lua_Debug*) {
  if (auto* run = static_cast<script_run*>(registry_pointer(L, run_key))) {
    if (!run->interrupted())
      return;
    spdlog::warn("Lua script killed by user with SCRIPT KILL.");
    // A line hook from now on: a pcall in the script cannot catch this and go on for long.
    lua_sethook(L, count_hook, LUA_MASKLINE, 0);
    raise_error(L, "Script killed by user with SCRIPT KILL...");
  }
  if (auto* load = static_cast<library_load*>(registry_pointer(L, load_key));
      load && load->timed && std::chrono::steady_clock::now() > load->deadline) {
    lua_sethook(L, count_hook, LUA_MASKLINE, 0);
    raise_error(L, "FUNCTION LOAD timeout");
  }
}

// redis.register_function, while FUNCTION LOAD runs a library's code.
int register_function(lua_State* L) {
  auto* load = static_cast<library_load*>(registry_pointer(L, load_key));
  if (!load)
    raise_error(L, "redis.register_function can only be called on FUNCTION LOAD command");
  const int argc = lua_gettop(L);
  if (argc < 1 || argc > 2)
    raise_error(L, "wrong number of arguments to redis.register_function");
  registered_function f;
  auto read_string = [&](int index, std::string& out) {
    if (!lua_isstring(L, index))
      return false;
    size_t len = 0;
    const char* s = lua_tolstring(L, index, &len);
    out.assign(s, len);
    return true;
  };
  if (argc == 2) {
    if (!read_string(1, f.name))
      raise_error(L, "first argument to redis.register_function must be a string");
    if (!lua_isfunction(L, 2))
      raise_error(L, "second argument to redis.register_function must be a function");
    f.ref = luaL_ref(L, LUA_REGISTRYINDEX);
  } else {
    if (!lua_istable(L, 1))
      raise_error(L, "calling redis.register_function with a single argument is only "
                     "applicable to Lua table (representing named arguments).");
    // A failure after the callback was kept lets go of it again.
    struct callback_guard {
      lua_State* L;
      int& ref;
      bool keep = false;
      ~callback_guard() {
        if (!keep && ref)
          luaL_unref(L, LUA_REGISTRYINDEX, ref);
      }
    } guard{L, f.ref};
    bool named = false;
    lua_pushnil(L);
    while (lua_next(L, 1)) {
      if (!lua_isstring(L, -2))
        raise_error(L, "named argument key given to redis.register_function is not a string");
      const std::string key = lua_tostring(L, -2);
      auto is = [&](const char* name) { return strcasecmp(key.c_str(), name) == 0; };
      if (is("function_name")) {
        if (!read_string(-1, f.name))
          raise_error(L, "function_name argument given to redis.register_function must be a string");
        named = true;
      } else if (is("description")) {
        if (!read_string(-1, f.description))
          raise_error(L, "description argument given to redis.register_function must be a string");
        f.has_description = true;
      } else if (is("callback")) {
        if (!lua_isfunction(L, -1))
          raise_error(L, "callback argument given to redis.register_function must be a function");
        if (f.ref)
          luaL_unref(L, LUA_REGISTRYINDEX, f.ref);
        f.ref = luaL_ref(L, LUA_REGISTRYINDEX);
        continue;  // luaL_ref popped the value
      } else if (is("flags")) {
        if (!lua_istable(L, -1))
          raise_error(L, "flags argument to redis.register_function must be a table "
                         "representing function flags");
        for (int j = 1;; ++j) {
          lua_rawgeti(L, -1, j);
          if (lua_isnil(L, -1)) {
            lua_pop(L, 1);
            break;
          }
          uint32_t flag = 0;
          if (lua_isstring(L, -1)) {
            std::string name = lua_tostring(L, -1);
            for (char& c : name)
              c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
            flag = script_flag_named(name);
          }
          lua_pop(L, 1);
          if (!flag)
            raise_error(L, "unknown flag given");
          f.flags |= flag;
        }
      } else {
        raise_error(L, "unknown argument given to redis.register_function");
      }
      lua_pop(L, 1);
    }
    if (!named)
      raise_error(L, "redis.register_function must get a function name argument");
    if (!f.ref)
      raise_error(L, "redis.register_function must get a callback argument");
    guard.keep = true;
  }
  auto release = [&] { luaL_unref(L, LUA_REGISTRYINDEX, f.ref); };
  const bool valid_name =
      !f.name.empty() && std::all_of(f.name.begin(), f.name.end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) || c == '_';
      });
  if (!valid_name) {
    release();
    raise_error(L, "Library names can only contain letters, numbers, or underscores(_) and "
                   "must be at least one character long");
  }
  for (const auto& other : *load->registered)
    if (other.name == f.name) {
      release();
      raise_error(L, "Function already exists in the library");
    }
  load->registered->push_back(std::move(f));
  return 0;
}

}  // namespace

std::string sha1_hex(std::string_view text) { return hex_digest(text, EVP_sha1()); }

lua_engine::lua_engine(kind k) : L_(luaL_newstate()), kind_(k) {
  lua_State* L = L_;
  const std::pair<const char*, lua_CFunction> libraries[] = {
      {"", luaopen_base},           {LUA_TABLIBNAME, luaopen_table},
      {LUA_STRLIBNAME, luaopen_string}, {LUA_MATHLIBNAME, luaopen_math},
      {LUA_DBLIBNAME, luaopen_debug},   {"cjson", luaopen_cjson},
      {"bit", luaopen_bit}};
  for (const auto& [name, open] : libraries) {
    lua_pushcfunction(L, open);
    lua_pushstring(L, name);
    lua_call(L, 1, 1);
    // (cjson returns its table without making it a global, unlike the others)
    if (*name && lua_istable(L, -1)) {
      lua_pushvalue(L, -1);
      lua_setglobal(L, name);
    }
    lua_pop(L, 1);
  }
  lua_pushcfunction(L, protected_call);
  lua_setglobal(L, "pcall");

  lua_newtable(L);  // redis
  set_field(L, "call", redis_call_raising);
  set_field(L, "pcall", redis_pcall);
  add_log_and_version(L);
  set_field(L, "setresp", redis_setresp);
  set_field(L, "sha1hex", redis_sha1hex);
  set_field(L, "error_reply", redis_error_reply);
  set_field(L, "status_reply", redis_status_reply);
  set_field(L, "set_repl", redis_set_repl);
  set_field(L, "REPL_NONE", 0);
  set_field(L, "REPL_AOF", 1);
  set_field(L, "REPL_SLAVE", 2);
  set_field(L, "REPL_REPLICA", 2);
  set_field(L, "REPL_ALL", 3);
  set_field(L, "acl_check_cmd", redis_acl_check_cmd);
  if (k == kind::eval) {
    set_field(L, "breakpoint", redis_breakpoint);
    set_field(L, "debug", redis_debug);
    set_field(L, "replicate_commands", redis_replicate_commands);
  }
  lua_setglobal(L, "redis");

  lua_getglobal(L, "math");
  set_field(L, "random", math_random);
  set_field(L, "randomseed", math_randomseed);
  lua_pop(L, 1);

  luaL_loadbuffer(L, error_handler_code, std::strlen(error_handler_code), "@err_handler_def");
  lua_call(L, 0, 1);
  lua_setfield(L, LUA_REGISTRYINDEX, handler_key);

  drop_disallowed_globals(L);
  lua_newtable(L);
  lua_setfield(L, LUA_REGISTRYINDEX, protected_key);
  guard_global(L, "setmetatable");
  guard_global(L, "rawset");
  lua_pushcfunction(L, text_only_load);
  lua_setglobal(L, "loadstring");
  lua_pushcfunction(L, text_only_load);
  lua_setglobal(L, "load");
  protect_library_tables(L);

  if (k == kind::function) {
    // What library code sees while it loads: redis.register_function, log and the version.
    lua_newtable(L);
    lua_newtable(L);
    set_field(L, "register_function", register_function);
    add_log_and_version(L);
    // A missing field of this `redis` is an error, as Redis's luaSetErrorMetatable makes it.
    lua_newtable(L);
    lua_pushcfunction(L, missing_global);
    lua_setfield(L, -2, "__index");
    lua_setmetatable(L, -2);
    make_readonly_proxy(L);
    lua_setfield(L, -2, "redis");
    lua_newtable(L);
    lua_pushcfunction(L, missing_global);
    lua_setfield(L, -2, "__index");
    lua_setmetatable(L, -2);
    lua_setfield(L, LUA_REGISTRYINDEX, library_api_key);
  }

  // The real globals (_G): reading a missing one or adding one is an error. Scripts run in an
  // empty proxy of them, so that assigning an existing global is refused too.
  lua_pushvalue(L, LUA_GLOBALSINDEX);
  lua_pushvalue(L, -1);
  lua_setfield(L, LUA_REGISTRYINDEX, globals_key);
  lua_newtable(L);
  lua_pushcfunction(L, missing_global);
  lua_setfield(L, -2, "__index");
  lua_pushcfunction(L, readonly_table);
  lua_setfield(L, -2, "__newindex");
  set_protected_metatable(L);
  lua_newtable(L);  // the proxy
  lua_newtable(L);  // its metatable
  lua_pushvalue(L, -3);
  lua_setfield(L, -2, "__index");
  lua_pushcfunction(L, readonly_table);
  lua_setfield(L, -2, "__newindex");
  lua_pushvalue(L, -1);
  lua_setfield(L, LUA_REGISTRYINDEX, globals_meta_key);
  set_protected_metatable(L);
  lua_replace(L, LUA_GLOBALSINDEX);
  lua_pop(L, 1);
}

lua_engine::~lua_engine() { lua_close(L_); }

int lua_engine::compile(std::string_view code, std::string& error) {
  if (is_bytecode(code)) {
    error = std::string("ERR Error compiling script (new function): user_script:1: ") +
            bytecode_error;
    return 0;
  }
  if (luaL_loadbuffer(L_, code.data(), code.size(), "@user_script")) {
    error = std::string("ERR Error compiling script (new function): ") + lua_tostring(L_, -1);
    lua_pop(L_, 1);
    return 0;
  }
  return luaL_ref(L_, LUA_REGISTRYINDEX);
}

void lua_engine::release(int ref) { luaL_unref(L_, LUA_REGISTRYINDEX, ref); }

std::string lua_engine::load_library(std::string_view code, int64_t timeout_ms,
                                     std::vector<registered_function>& registered) {
  lua_State* L = L_;
  if (luaL_loadbuffer(L, code.data(), code.size(), "@user_function")) {
    std::string error = std::string("ERR Error compiling function: ") + lua_tostring(L, -1);
    lua_pop(L, 1);
    return error;
  }
  // While it loads, the library's code reads the registration API instead of the globals.
  lua_getfield(L, LUA_REGISTRYINDEX, globals_meta_key);
  lua_getfield(L, LUA_REGISTRYINDEX, library_api_key);
  lua_setfield(L, -2, "__index");
  lua_pop(L, 1);
  library_load load{&registered, std::chrono::steady_clock::now() +
                                     std::chrono::milliseconds(timeout_ms),
                    timeout_ms > 0};
  set_registry_pointer(L, load_key, &load);
  lua_sethook(L, count_hook, LUA_MASKCOUNT, 100000);
  std::string error;
  if (lua_pcall(L, 0, 0, 0)) {
    std::string message = "unknown error";
    if (lua_istable(L, -1)) {
      push_raw_field(L, "err");
      if (lua_isstring(L, -1))
        message = lua_tostring(L, -1);
      lua_pop(L, 1);
    } else if (lua_isstring(L, -1)) {
      message = std::string("ERR ") + lua_tostring(L, -1);
    }
    lua_pop(L, 1);
    error = "ERR Error registering functions: " + message;
  }
  lua_sethook(L, nullptr, 0, 0);
  set_registry_pointer(L, load_key, nullptr);
  lua_getfield(L, LUA_REGISTRYINDEX, globals_meta_key);
  lua_getfield(L, LUA_REGISTRYINDEX, globals_key);
  lua_setfield(L, -2, "__index");
  lua_pop(L, 1);
  if (!error.empty()) {
    for (const auto& f : registered)
      release(f.ref);
    registered.clear();
  }
  return error;
}

namespace {

void push_array(lua_State* L, std::span<const std::string_view> items) {
  lua_createtable(L, static_cast<int>(items.size()), 0);
  for (size_t i = 0; i < items.size(); ++i) {
    lua_pushlstring(L, items[i].data(), items[i].size());
    lua_rawseti(L, -2, static_cast<int>(i + 1));
  }
}

// Redis's reply for a script that raised an error (luaCallFunction).
void write_script_error(lua_State* L, std::string_view name, std::string& out) {
  std::string text;
  if (!lua_istable(L, -1)) {
    const char* msg = lua_isstring(L, -1) ? lua_tostring(L, -1) : "execution failure";
    text = "ERR Error running script " + std::string(name) + ", " +
           std::string(msg).substr(0, 100);
  } else {
    auto field = [&](const char* key, std::string& value) {
      push_raw_field(L, key);
      const bool found = lua_isstring(L, -1);
      if (found)
        value = lua_tostring(L, -1);
      lua_pop(L, 1);
      return found;
    };
    std::string source, line;
    field("err", text);
    if (field("line", line) && field("source", source))
      text += " script: " + std::string(name) + ", on " + source + ":" + line + ".";
  }
  for (char& c : text)
    if (c == '\r' || c == '\n')
      c = ' ';
  if (text.starts_with("-"))
    text.erase(0, 1);
  reply::error(out, text);
}

}  // namespace

void lua_engine::run(int ref, std::span<const std::string_view> keys,
                     std::span<const std::string_view> args, script_run& run,
                     std::string& out) {
  lua_State* L = L_;
  lua_getfield(L, LUA_REGISTRYINDEX, handler_key);
  lua_rawgeti(L, LUA_REGISTRYINDEX, ref);
  int nargs = 0;
  if (kind_ == kind::eval) {
    lua_getfield(L, LUA_REGISTRYINDEX, globals_key);
    push_array(L, keys);
    lua_pushstring(L, "KEYS");
    lua_insert(L, -2);
    lua_rawset(L, -3);  // (the globals refuse a plain assignment)
    push_array(L, args);
    lua_pushstring(L, "ARGV");
    lua_insert(L, -2);
    lua_rawset(L, -3);
    lua_pop(L, 1);
  } else {
    push_array(L, keys);
    push_array(L, args);
    nargs = 2;
  }
  set_registry_pointer(L, run_key, &run);
  lua_sethook(L, count_hook, LUA_MASKCOUNT, 100000);
  const int status = lua_pcall(L, nargs, 1, -(nargs + 2));
  lua_sethook(L, nullptr, 0, 0);
  set_registry_pointer(L, run_key, nullptr);
  if (lua_istable(L, -1)) {
    push_raw_field(L, "ignore_error_stats_update");
    run.error_counted = lua_toboolean(L, -1);
    lua_pop(L, 1);
  }
  if (status)
    write_script_error(L, run.name, out);
  else
    write_lua_reply(L, out, run.resp);
  lua_pop(L, 1);  // the error handler
  // A little garbage collection every 50 runs, as Redis does.
  if (++runs_since_gc_ >= 50) {
    lua_gc(L, LUA_GCSTEP, 50);
    runs_since_gc_ = 0;
  }
}

size_t lua_engine::memory() const {
  return static_cast<size_t>(lua_gc(L_, LUA_GCCOUNT, 0)) * 1024 +
         static_cast<size_t>(lua_gc(L_, LUA_GCCOUNTB, 0));
}

}  // namespace credis
