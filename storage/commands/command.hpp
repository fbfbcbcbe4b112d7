// The command table entry and the context a command executes in.
//
// Like Redis's command table: a name, an arity (negative = "at least"), flags, key positions,
// and a handler. Keyspace commands run in the keyspace actor; client commands (SELECT, CLIENT,
// QUIT) change per-connection state and run in the connection actor.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "storage/blocked_clients.hpp"
#include "storage/byte_block.hpp"
#include "storage/commands/replication_info.hpp"
#include "storage/config/keyspace_events.hpp"
#include "storage/introspection.hpp"
#include "storage/keyspace.hpp"
#include "storage/pubsub.hpp"
#include "storage/server_state.hpp"
#include "storage/scripting/script_watch.hpp"
#include "storage/watched_keys.hpp"

namespace credis {

using arg_list = std::span<const std::string_view>;
class command_batch;
struct batch_context;
struct scripting;
struct command_spec;
struct migrate_handoff;

// The keyspace event a write command sends (Redis's notifyKeyspaceEvent calls), declared in its
// table entry: run_command publishes it when the command changed data, with the "new" event for
// a key it created and "del" for one it emptied (storage/commands/key_events.hpp). A type of 0:
// none (reads, and commands without events).
struct key_event {
  enum key_choice : uint8_t {
    first_key,      // the command's first key
    every_key,      // each key position (MSET)
    existing_key,   // the first key, unless the command left it missing (a STORE's empty result)
    by_command,     // the command publishes its events itself
  };
  int type = 0;
  std::string_view name;
  key_choice keys = first_key;
  // The command publishes "new" itself, where Redis's order puts it among its other events
  // (SMOVE: srem, del, then new and sadd for the destination).
  bool publishes_new = false;
};

enum command_flag : uint32_t {
  cmd_write = 1u << 0,
  cmd_readonly = 1u << 1,
  cmd_denyoom = 1u << 2,
  cmd_admin = 1u << 3,
  cmd_noscript = 1u << 4,
  cmd_loading = 1u << 5,
  cmd_stale = 1u << 6,
  cmd_fast = 1u << 7,
  // Propagated to replicas even when it changed nothing (FLUSHALL on an empty server).
  cmd_propagate_always = 1u << 8,
  // Runs before the client has authenticated (AUTH, HELLO, QUIT).
  cmd_no_auth = 1u << 9,
  // May wait for a key to be written (BLPOP, BZPOPMIN, ...).
  cmd_blocking = 1u << 10,
  // Has subcommands with table entries of their own, named "name|sub" (CLIENT UNBLOCK).
  cmd_container = 1u << 11,
  // Runs at once inside MULTI instead of being queued (MULTI, EXEC, DISCARD, WATCH, QUIT).
  cmd_not_queued = 1u << 12,
  // Refused inside MULTI (SAVE, SHUTDOWN, SYNC, PSYNC), which then fails at EXEC.
  cmd_no_multi = 1u << 13,
  // EXEC: runs the commands queued after it in the batch as one transaction.
  cmd_runs_queued = 1u << 14,
  // Allowed to a RESP2 client with subscriptions ((P|S)SUBSCRIBE, (P|S)UNSUBSCRIBE, PING, QUIT).
  cmd_pubsub_context = 1u << 15,
  // Reports the keys it changed itself (signal_modified), where its key positions would name
  // one it may leave alone (SMOVE's destination when it holds the member already).
  cmd_signals_itself = 1u << 16,
  // Its replies are Pub/Sub frames, sent even under CLIENT REPLY OFF ((P|S)(UN)SUBSCRIBE).
  cmd_push_reply = 1u << 17,
  // Flags COMMAND INFO reports as Redis 7.0 does, that no code here reads yet: Pub/Sub commands,
  // those allowed while a script is busy, those refused during an async load, and EXEC's.
  cmd_pubsub = 1u << 18,
  cmd_allow_busy = 1u << 19,
  cmd_no_async_loading = 1u << 20,
  cmd_skip_slowlog = 1u << 21,
  // Adds to the replication stream without being a write (PUBLISH): CLIENT PAUSE WRITE holds it.
  cmd_may_replicate = 1u << 22,
  // Feeds MONITOR itself, before the commands it runs (EVAL, FCALL).
  cmd_skip_monitor = 1u << 23,
  // Runs a script: the commands it calls propagate, signal and publish themselves, and are
  // wrapped in MULTI/EXEC together (EVAL, FCALL).
  cmd_runs_script = 1u << 24,
};

// The commands a client queued between MULTI and EXEC.
struct queued_transaction {
  // A command was refused while queuing (unknown, wrong arity, ...): EXEC fails with EXECABORT.
  bool aborted = false;
  std::vector<std::vector<std::string>> commands;
};

// Per-connection state that client commands read and change.
struct client_state {
  int64_t id = 0;
  std::string addr;  // the peer, "ip:port"
  int db = 0;
  std::string name;
  bool close_after_reply = false;
  // False while the server has a password this client has not given (Redis's c->authenticated;
  // a client that connected before the password was set keeps its access).
  bool authenticated = true;
  // Set by a command that the replication manager answers (WAIT, PSYNC, REPLICAOF, ...): the
  // connection passes it on once the replies before it are out, and runs none of the client's
  // later requests until the answer is back.
  replication_request pending;
  int64_t write_offset = 0;  // the replication offset after this client's last write (WAIT)
  // Set by REPLCONF during a replica's handshake.
  int64_t replica_listening_port = 0;
  bool replica_capa_eof = false;
  bool replica_capa_psync2 = false;
  // HELLO's protocol version: 2 or 3.
  int resp = 2;
  bool no_evict = false;  // CLIENT NO-EVICT ON (nothing is evicted yet: only reported)
  // A client command ran, or one was queued: what the keyspace knows of this client (name,
  // protocol, MULTI, ...) may have changed, and the connection tells it before what follows.
  bool report_due = true;
  // A command that ran here rather than in the keyspace (WAIT, AUTH, ...), by command_index,
  // until the keyspace hears of it: CLIENT LIST's cmd=.
  size_t ran_here = SIZE_MAX;
  // An EXEC refused while a script was busy discarded the transaction: the keyspace drops the
  // client's WATCHes when it hears of that with the report.
  bool unwatch_due = false;
  // Some client is in MONITOR mode (the keyspace says so): the commands run here are passed
  // to the keyspace as lines for it.
  bool feed_monitors = false;
  // CLIENT REPLY OFF / SKIP (the next command's reply).
  bool replies_off = false;
  bool skip_next_reply = false;
  bool skipping_reply = false;  // this command's reply is skipped (CLIENT REPLY ON clears it)
  // Set between MULTI and EXEC or DISCARD.
  std::optional<queued_transaction> multi;
  // The script the keyspace runs, as connections see it (BUSY, SCRIPT KILL); null in tests
  // that have no keyspace.
  script_watch* script = nullptr;
  // Channels, patterns and shard channels (by subscription_kind) the client listens to; the
  // keyspace's pubsub routes the messages.
  string_set subscriptions[3];
  bool subscribed() const {
    return !subscriptions[0].empty() || !subscriptions[1].empty() || !subscriptions[2].empty();
  }
};

// A large string in the replies of a batch, sent by reference: its bytes go out after the
// first `offset` bytes of the reply text.
struct spliced_block {
  size_t offset;
  byte_block block;
};

// Everything a keyspace command may touch while it runs.
struct exec_context {
  keyspace& ks;
  server_state& server;
  // The keyspace's view of the replication; REPLICAOF changes it at once.
  replication_info& replication;
  std::string& out;  // replies are appended here
  int db_index;
  unix_ms now;
  // The time keys expire against: `now`, or 0 for the commands of our master, which see every
  // key it has not deleted (as Redis's replicas do: the master sends DEL when a key expires).
  unix_ms expiry_now;
  // Where the writes go in the form replicas apply them; null when nobody copies this server.
  command_batch* propagated;
  // The byte_blocks among the command's arguments: a value may keep one as it is.
  std::span<const byte_block> arg_blocks = {};
  // Where a large string in a reply goes by reference; null: its bytes are copied into `out`.
  std::vector<spliced_block>* spliced = nullptr;
  // The clients blocked in BLPOP and its siblings (null where nobody can block: a replica
  // applying its master's stream).
  blocked_clients* blocked = nullptr;
  // Where a blocking command that found nothing asks to wait; null: it may not block (it
  // replies as if it had timed out, as Redis does for a client that may not block).
  block_request* block = nullptr;
  // The keys clients WATCH (null in unit tests that need none), and whose command this is.
  watched_keys* watched = nullptr;
  int64_t client_id = 0;
  // Pub/Sub routing (null in unit tests that need none).
  pubsub* channels = nullptr;
  // The clients, slow log and latency events (null in unit tests that need none), and the
  // record of the client whose command this is (null: none, or our master's stream).
  introspection* intro = nullptr;
  client_record* client = nullptr;
  // What REPLICAOF asks the replication manager to do, passed on after the command (null: our
  // master's stream, whose REPLICAOF changes nothing here).
  std::vector<replication_request>* manager_requests = nullptr;
  // The scripts and functions (null in unit tests that need none), and the batch this command
  // runs in, through which a script runs the commands it calls.
  scripting* scripts = nullptr;
  const batch_context* batch = nullptr;
  // The command runs for a master's stream (a script it runs cannot be killed).
  bool from_master = false;
  // The command runs for a script (redis.call): it may not block (XREAD BLOCK is refused),
  // and SORT's output is always ordered.
  bool from_script = false;
  // EVAL, FCALL: the error reply the script gave was counted by the command it called.
  bool reply_error_counted = false;
  // Where MIGRATE hands its network work to the actors layer and finds the outcome when it
  // runs again (storage/migration.hpp); null where it may not wait (MULTI, scripts).
  migrate_handoff* migration = nullptr;

  database& db() { return ks.db(db_index); }
};

// A write changed `key` of database `db`: the clients blocked for it may go on, the EXEC of
// those watching it fails (Redis's signalModifiedKey).
inline void signal_modified(exec_context& ctx, int db, std::string_view key) {
  if (ctx.blocked)
    ctx.blocked->touched(key);
  if (ctx.watched)
    ctx.watched->touched(db, key, ctx.ks);
}

using keyspace_handler = void (*)(exec_context&, arg_list);
using client_handler = void (*)(client_state&, server_state&, arg_list, std::string& out);
// A command that decides what its client's batch carries to the keyspace (EXEC adds the
// queued transaction, DISCARD and WATCH first check the client's MULTI state).
// `cmd` is the command's own table entry, already found.
using batch_handler = void (*)(const command_spec& cmd, command_batch&, client_state&,
                               server_state&, arg_list);
// Adds the deterministic form of a write that changed the data to ctx.propagated (SET .. EX
// becomes SET .. PXAT, EXPIRE becomes PEXPIREAT or DEL); without one the command goes as it
// came.
using propagate_handler = void (*)(exec_context&, arg_list);
// Replaces the arguments the slow log must not show (a password) with "(redacted)", as Redis's
// commands call redactClientCommandArgument.
using redact_handler = slowlog_redactor;

// Where the keys of a command are that its arguments move (Redis's getkeys_proc and its
// "movablekeys" flag), besides its fixed positions (first_key, last_key, key_step).
struct movable_keys {
  enum rule : uint8_t {
    none,
    numkeys,  // argument `numkeys_at` counts the keys right after it (ZUNIONSTORE, LMPOP...)
    numkeys_or_none,  // the same, where the count may be 0 (EVAL, FCALL)
    // Redis finds them with a procedure that yields the fixed positions (SORT_RO's
    // sortROGetKeys): nothing more to find, but COMMAND INFO says movablekeys.
    fixed_by_procedure,
    streams,  // after STREAMS, the first half of what follows (XREAD, XREADGROUP)
    store,    // the argument after a STORE keyword (SORT)
    // GEORADIUS, GEORADIUSBYMEMBER: the argument after the first STORE, then the one after
    // the first STOREDIST, each looked for from argument `numkeys_at` on (their key specs)
    geo_store,
    // MIGRATE: the key argument, or with KEYS (and an empty key argument) the keys after it,
    // past the options' values (Redis's migrateGetKeys)
    migrate,
  };
  rule how = none;
  uint8_t numkeys_at = 0;
};

// How a command uses a key: Redis 7's key-spec flags (COMMAND INFO's key specs, COMMAND
// GETKEYSANDFLAGS), ro/rw/ow/rm for the value, access/update/insert/del for what it does to it.
namespace kf {
enum : uint16_t {
  none = 0,
  ro = 1u << 0,
  rw = 1u << 1,
  ow = 1u << 2,
  rm = 1u << 3,
  access = 1u << 4,
  update = 1u << 5,
  insert = 1u << 6,
  del = 1u << 7,
  not_key = 1u << 8,
  incomplete = 1u << 9,
  variable_flags = 1u << 10,
};
}  // namespace kf

// One of a command's Redis 7 key specs, for commands whose keys one first/last/step range does
// not describe with one set of flags (LMOVE, ZUNIONSTORE, XREAD): where the search begins (an
// index, the argument after a keyword, or unknown) and how the keys follow (a range, a count
// in an argument, or unknown).
struct key_spec {
  enum search_rule : uint8_t { at_index, after_keyword, search_unknown };
  enum find_rule : uint8_t { range, keynum, find_unknown };
  uint16_t flags;
  search_rule search = at_index;
  int index = 0;                  // at_index
  std::string_view keyword = {};  // after_keyword, looked for from `index` (backwards if < 0)
  find_rule find = range;
  int lastkey = 0, keystep = 1, limit = 0;  // range
  int keynumidx = 0, firstkey = 1;          // keynum (keystep shared)
  std::string_view notes = {};
  // For a kf::variable_flags spec: the flags a command line gives its keys (SET with GET reads
  // the old value), as Redis's setGetKeys and bitfieldGetKeys tell them.
  uint16_t (*flags_of)(arg_list) = nullptr;
};

// Keys at `index` .. index+lastkey (lastkey < 0: counted from the end; limit: a share of them).
constexpr key_spec keys_at(uint16_t flags, int index, int lastkey = 0, int keystep = 1,
                           int limit = 0) {
  return {flags, key_spec::at_index, index, {}, key_spec::range, lastkey, keystep, limit};
}
// A count at index+keynumidx, then that many keys from index+firstkey (ZUNIONSTORE, EVAL).
constexpr key_spec keys_counted(uint16_t flags, int index, int keynumidx = 0, int firstkey = 1,
                                int keystep = 1) {
  key_spec spec{flags, key_spec::at_index, index, {}, key_spec::keynum};
  spec.keynumidx = keynumidx;
  spec.firstkey = firstkey;
  spec.keystep = keystep;
  return spec;
}
// The keys after `keyword`, looked for from `startfrom` (XREAD's STREAMS, GEORADIUS's STORE).
constexpr key_spec keys_after(uint16_t flags, std::string_view keyword, int startfrom,
                              int lastkey = 0, int keystep = 1, int limit = 0) {
  return {flags, key_spec::after_keyword, startfrom, keyword, key_spec::range, lastkey, keystep,
          limit};
}
// A spec with Redis's note on it (COMMAND INFO shows it).
constexpr key_spec with_notes(key_spec spec, std::string_view notes) {
  spec.notes = notes;
  return spec;
}
// A variable_flags spec with the procedure that tells a command line's flags.
constexpr key_spec with_flags_of(key_spec spec, uint16_t (*flags_of)(arg_list)) {
  spec.flags_of = flags_of;
  return spec;
}
// Keys only the command's own procedure finds (SORT's STORE, anywhere in its arguments).
constexpr key_spec keys_unknown(uint16_t flags, std::string_view notes) {
  return {flags, key_spec::search_unknown, 0, {}, key_spec::find_unknown, 0, 1, 0, 0, 1, notes};
}

struct command_spec {
  std::string_view name;  // lower case, as Redis reports it
  int arity;
  uint32_t flags;
  keyspace_handler exec = nullptr;
  client_handler exec_client = nullptr;
  int first_key = 0, last_key = 0, key_step = 0;
  // The key spec first_key..last_key make, by its flags (kf::); none for commands without keys
  // or with key_specs instead.
  uint16_t key_flags = kf::none;
  std::string_view summary = {};
  // As COMMAND DOCS reports them in Redis 7.0.15: the command's group and the version that
  // introduced it.
  std::string_view group = {};
  std::string_view since = {};
  propagate_handler propagate = nullptr;
  batch_handler exec_batch = nullptr;
  key_event event = {};
  // Its place in the table (command_index), set when the table is built.
  size_t index = 0;
  movable_keys movable = {};
  redact_handler redact = nullptr;
  // Runs in the connection instead while the keyspace is busy with a script past
  // busy-reply-threshold (SHUTDOWN NOSAVE), where the others get BUSY.
  client_handler while_busy = nullptr;
  // Key specs of their own, where the one first_key..last_key spec does not describe the keys.
  std::span<const key_spec> key_specs = {};
  // A script command's lookup of its script's declared flags (EVAL's body, EVALSHA's digest,
  // FCALL's function): false when there is no such script.
  bool (*script_flags)(arg_list argv, const scripting& scripts, uint32_t& flags) = nullptr;
};

// A script command's table entry with the lookup of its script's flags.
constexpr command_spec with_script_flags(command_spec spec,
                                         bool (*lookup)(arg_list, const scripting&, uint32_t&)) {
  spec.script_flags = lookup;
  return spec;
}

// A table entry with a handler for while a script is busy.
constexpr command_spec with_busy_handler(command_spec spec, client_handler handler) {
  spec.while_busy = handler;
  return spec;
}

// A write's keyspace event in its table entry: with_event({"lpush", ...}, {ev::list, "lpush"}).
constexpr command_spec with_event(command_spec spec, key_event event) {
  spec.event = event;
  return spec;
}

// A table entry with key specs of its own: with_key_specs({"lmove", ...}, lmove_keys).
constexpr command_spec with_key_specs(command_spec spec, std::span<const key_spec> specs) {
  spec.key_specs = specs;
  return spec;
}

// A table entry whose keys move with its arguments: with_movable_keys({"zunionstore", ...},
// {movable_keys::numkeys, 2}).
constexpr command_spec with_movable_keys(command_spec spec, movable_keys keys) {
  spec.movable = keys;
  return spec;
}

// A table entry whose arguments may hold a secret the slow log hides.
constexpr command_spec with_redaction(command_spec spec, redact_handler redact) {
  spec.redact = redact;
  return spec;
}

// The positions in `argv` (a whole command line for `cmd`) of its keys, fixed ones first, as
// COMMAND GETKEYS lists them; false when the arguments name them wrongly (a bad numkeys).
bool key_positions(const command_spec& cmd, arg_list argv, std::vector<size_t>& out);

// A key in a command line and how the command uses it (COMMAND GETKEYSANDFLAGS).
struct key_reference {
  size_t pos;
  uint16_t flags;
};

// The command's key specs: its own, or the one its first_key..last_key range makes (in
// `derived`); none for a command without keys.
std::span<const key_spec> key_specs_of(const command_spec& cmd, key_spec& derived);

// The keys of a command line and their flags as Redis's getKeysFromCommandWithSpecs finds
// them: by the key specs, else by the command's own rule (movable keys); empty when the
// arguments name none or name them wrongly.
std::vector<key_reference> keys_with_flags(const command_spec& cmd, arg_list argv);

// Calls `f(i)` for each key position i of argv (first_key, last_key, key_step).
template <class F>
void for_each_key_position(const command_spec& cmd, size_t argc, F f) {
  if (cmd.first_key <= 0)
    return;
  const auto n = static_cast<int>(argc);
  const int last = cmd.last_key < 0 ? n + cmd.last_key : cmd.last_key;
  for (int i = cmd.first_key; i <= last && i < n; i += cmd.key_step > 0 ? cmd.key_step : 1)
    f(static_cast<size_t>(i));
}

// Case-insensitive lookup; null when unknown.
const command_spec* find_command(std::string_view name);
// The entry a command line runs: its command's, or its subcommand's when a container has an
// entry for it ("client|unblock"); null for an unknown command, and for a subcommand's entry
// named directly (one is reached through its container only).
const command_spec* resolve_command(arg_list argv);
std::span<const command_spec> all_commands();
// The commands and the subcommand entries ("client|unblock"), as COMMAND LIST shows them.
std::span<const command_spec> all_commands_and_subcommands();
// A command's place in the table (subcommand entries included), and the entry at a place.
inline size_t command_index(const command_spec& cmd) { return cmd.index; }
const command_spec& command_at(size_t index);

// The error replies shared by many commands, with Redis 7.0's texts.
namespace errors {
inline constexpr std::string_view syntax = "ERR syntax error";
inline constexpr std::string_view not_integer = "ERR value is not an integer or out of range";
inline constexpr std::string_view not_float = "ERR value is not a valid float";
inline constexpr std::string_view wrong_type =
    "WRONGTYPE Operation against a key holding the wrong kind of value";
inline constexpr std::string_view overflow = "ERR increment or decrement would overflow";
inline constexpr std::string_view db_range = "ERR DB index is out of range";
inline constexpr std::string_view loading = "LOADING Redis is loading the dataset in memory";
inline constexpr std::string_view noauth = "NOAUTH Authentication required.";
}  // namespace errors

// True while the server has a password this client has not given.
inline bool auth_required(const client_state& client, const server_state& server) {
  return !client.authenticated && !server.config.requirepass.empty();
}

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
