// Replies between Redis's protocol and Lua values, as Redis converts them (script_lua.c):
// what redis.call returns for a command's reply, and the reply a script's return value makes.
#pragma once

#include <string>
#include <string_view>

struct lua_State;

namespace credis {

// Pushes the Lua value for the reply at the start of `text` (a reply the server wrote, RESP2
// or RESP3) and drops it from `text`: integer -> number, bulk -> string, null bulk or array ->
// false, array -> table, status -> {ok=...}, error -> {err=...}, RESP3 map/set/double/
// big number/verbatim -> {map=...}/{set=...}/{double=...}/... as Redis does.
void push_reply(lua_State* L, std::string_view& text);

// Pushes Redis's error table {err="CODE message"}; `error` may start with '-' and end in CRLF.
void push_error_table(lua_State* L, std::string_view error);

// Appends the reply for the Lua value on top of the stack (and pops it), in the protocol of
// the reply scope around the call; `script_resp` is the script's own (redis.setresp), which
// decides what a boolean becomes.
void write_lua_reply(lua_State* L, std::string& out, int script_resp);

}  // namespace credis
