// The command table entry and the context a command executes in.
//
// Like Redis's command table: a name, an arity (negative = "at least"), flags, key positions,
// and a handler. Keyspace commands run in the keyspace actor; client commands (SELECT, CLIENT,
// QUIT) change per-connection state and run in the connection actor.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "storage/keyspace.hpp"
#include "storage/server_state.hpp"

namespace credis {

using arg_list = std::span<const std::string_view>;

enum command_flag : uint32_t {
  cmd_write = 1u << 0,
  cmd_readonly = 1u << 1,
  cmd_denyoom = 1u << 2,
  cmd_admin = 1u << 3,
  cmd_noscript = 1u << 4,
  cmd_loading = 1u << 5,
  cmd_stale = 1u << 6,
  cmd_fast = 1u << 7,
};

// Per-connection state that client commands read and change.
struct client_state {
  int64_t id = 0;
  int db = 0;
  std::string name;
  bool close_after_reply = false;
  // Set by a command that blocks its client (WAIT): the connection holds `blocked_reply` back,
  // and runs none of the client's later requests, until the timeout has passed (0: until the
  // client goes away).
  bool blocked = false;
  int64_t block_timeout_ms = 0;
  std::string blocked_reply;
};

// Everything a keyspace command may touch while it runs.
struct exec_context {
  keyspace& ks;
  server_state& server;
  std::string& out;  // replies are appended here
  int db_index;
  unix_ms now;

  database& db() { return ks.db(db_index); }
};

using keyspace_handler = void (*)(exec_context&, arg_list);
using client_handler = void (*)(client_state&, server_state&, arg_list, std::string& out);

struct command_spec {
  std::string_view name;  // lower case, as Redis reports it
  int arity;
  uint32_t flags;
  keyspace_handler exec = nullptr;
  client_handler exec_client = nullptr;
  int first_key = 0, last_key = 0, key_step = 0;
  std::string_view summary = {};
  // As COMMAND DOCS reports them in Redis 7.0.15: the command's group and the version that
  // introduced it.
  std::string_view group = {};
  std::string_view since = {};
};

// Case-insensitive lookup; null when unknown.
const command_spec* find_command(std::string_view name);
std::span<const command_spec> all_commands();

// The error replies shared by many commands, with Redis 7.0's texts.
namespace errors {
inline constexpr std::string_view syntax = "ERR syntax error";
inline constexpr std::string_view not_integer = "ERR value is not an integer or out of range";
inline constexpr std::string_view not_float = "ERR value is not a valid float";
inline constexpr std::string_view wrong_type =
    "WRONGTYPE Operation against a key holding the wrong kind of value";
inline constexpr std::string_view overflow = "ERR increment or decrement would overflow";
inline constexpr std::string_view db_range = "ERR DB index is out of range";
}  // namespace errors

// "ERR wrong number of arguments for 'get' command"
std::string arity_error(std::string_view command_name);
// "ERR unknown command 'foo', with args beginning with: 'a' 'b' "
std::string unknown_command_error(arg_list argv);
// "ERR unknown subcommand 'foo'. Try CONFIG HELP."
std::string unknown_subcommand_error(std::string_view command, std::string_view sub);
// True when argc satisfies the arity (negative = at least -arity).
inline bool arity_ok(int arity, size_t argc) {
  return arity > 0 ? argc == static_cast<size_t>(arity) : argc >= static_cast<size_t>(-arity);
}

}  // namespace credis
