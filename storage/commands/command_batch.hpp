// The commands parsed from one read of one connection, travelling together to the keyspace.
//
// All argument bytes live in one buffer, so a batch of N commands costs a few allocations, not
// one per argument; big arguments the connection collected into byte_blocks travel as those
// blocks, which a command may keep as a value without copying them. An item without a command carries a reply the connection already produced
// (an error, or the answer of a client command), so replies keep the order of the requests.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "storage/big_array.hpp"
#include "storage/byte_block.hpp"
#include "storage/commands/command.hpp"

namespace credis {

struct config_targets;

// The same shape also carries the writes a batch propagates to replicas (database and
// arguments of each; the spec is null there).
class command_batch {
 public:
  // The client whose requests these are (CLIENT ID), for the keyspace to know who blocks.
  int64_t client_id = 0;
  // What the connection read and wrote since its last batch, and its buffers now.
  connection_traffic traffic;

  struct item {
    const command_spec* cmd;  // null: `args` holds one ready-made reply
    int db;
    uint32_t first_arg;
    uint32_t arg_count;
    uint32_t first_block = 0;
    uint32_t block_count = 0;
    // EXEC: how many of the items after it are its transaction (-1: refused while queuing).
    int32_t transaction = 0;
    // Its reply is dropped (CLIENT REPLY OFF or SKIP).
    bool silent = false;
    // The protocol its replies are written in (the client's when it was added).
    uint8_t resp = 2;
    // A propagated write a rollback keeps: a key's lazy expiry found while a command ran.
    bool survives_rollback = false;
    // Without a command: `args` holds a MONITOR line for a command the connection ran, which
    // the keyspace passes to the monitors in its place among the others; it replies nothing.
    bool monitor_line = false;
  };

  // The protocol of the items added from now on (add_request sets the client's).
  uint8_t resp = 2;

  // An argument whose bytes are one of `blocks` travels as that block, the others are copied.
  void add_command(const command_spec* cmd, int db, arg_list argv,
                   std::span<const byte_block> blocks = {}) {
    items_.push_back({cmd, db, static_cast<uint32_t>(args_.size()),
                      static_cast<uint32_t>(argv.size()), static_cast<uint32_t>(blocks_.size()),
                      0, 0, false, resp, false, false});
    for (auto a : argv) {
      const byte_block* b = find_block(blocks, a);
      if (!b) {
        add_arg(a);
        continue;
      }
      args_.push_back({blocks_.size(), a.size(), 1});
      blocks_.push_back(*b);
      ++items_.back().block_count;
    }
  }

  // EXEC's own item; the transaction's items follow it (set their count when they are in).
  size_t add_transaction(const command_spec* exec, int db, arg_list argv) {
    add_command(exec, db, argv);
    return items_.size() - 1;
  }
  // `db`: the client's database after the transaction (a SELECT in it moves it), where EXEC
  // itself is counted as run.
  void set_transaction_size(size_t exec_item, int32_t size, int db) {
    items_[exec_item].transaction = size;
    items_[exec_item].db = db;
  }

  void add_reply(std::string_view reply) {
    items_.push_back(
        {nullptr, 0, static_cast<uint32_t>(args_.size()), 1, 0, 0, 0, false, resp, false, false});
    add_arg(reply);
  }
  void add_monitor_line(std::string_view line) {
    add_reply(line);
    items_.back().monitor_line = true;
  }

  // The items from `first` on reply nothing.
  void silence_from(size_t first) {
    for (size_t i = first; i < items_.size(); ++i)
      items_[i].silent = true;
  }

  const burst_vector<item>& items() const { return items_; }
  // What the batch holds in memory besides its blocks.
  size_t memory_size() const {
    return bytes_.size() + args_.size() * sizeof(arg) + items_.size() * sizeof(item);
  }
  // What its buffers hold on to, used or not.
  size_t reserved_size() const {
    return bytes_.capacity() + args_.capacity() * sizeof(arg) + items_.capacity() * sizeof(item) +
           blocks_.capacity() * sizeof(byte_block);
  }
  bool empty() const { return items_.empty(); }
  // Whether the keyspace has anything to do with it (commands, or lines for the monitors).
  bool has_commands() const {
    for (const auto& i : items_)
      if (i.cmd || i.monitor_line)
        return true;
    return false;
  }

  // The views stay valid while the batch is neither modified nor destroyed.
  void args_of(const item& it, std::vector<std::string_view>& out) const {
    out.clear();
    for (uint32_t i = 0; i < it.arg_count; ++i) {
      const arg& a = args_[it.first_arg + i];
      out.emplace_back(a.in_block ? blocks_[a.offset].data() : bytes_.data() + a.offset,
                       a.length);
    }
  }

  // The ready-made reply an item without a command carries.
  std::string_view reply_of(const item& it) const {
    const arg& a = args_[it.first_arg];
    return std::string_view(bytes_).substr(a.offset, a.length);
  }

  // The blocks among the item's arguments.
  std::span<const byte_block> blocks_of(const item& it) const {
    return {blocks_.data() + it.first_block, it.block_count};
  }

  // The block whose bytes `arg` is, if any.
  static const byte_block* find_block(std::span<const byte_block> blocks, std::string_view arg) {
    for (const auto& b : blocks)
      if (b.data() == arg.data() && b.size() == arg.size())
        return &b;
    return nullptr;
  }

  // Appends the replies of the items that carry one (all items, when !has_commands()).
  void append_ready_replies(std::string& out) const {
    for (const auto& it : items_) {
      if (!it.cmd && !it.silent && !it.monitor_line) {
        const arg& a = args_[it.first_arg];
        out.append(bytes_.data() + a.offset, a.length);
      }
    }
  }

  // Appends the items of `other` from `first_item` on (their blocks are shared, not copied).
  void append(const command_batch& other, size_t first_item = 0) {
    std::vector<std::string_view> argv;
    for (size_t i = first_item; i < other.items_.size(); ++i) {
      const item& it = other.items_[i];
      other.args_of(it, argv);
      if (it.cmd) {
        add_command(it.cmd, it.db, argv, other.blocks_of(it));
        items_.back().transaction = it.transaction;
      } else if (it.monitor_line) {
        add_monitor_line(argv[0]);
      } else {
        add_reply(argv[0]);
      }
      items_.back().silent = it.silent;
      items_.back().resp = it.resp;
    }
  }

  // Where the batch ends now, to go back to (a command that failed after adding writes).
  struct checkpoint {
    size_t items = 0, args = 0, bytes = 0, blocks = 0;
  };
  checkpoint mark() const { return {items_.size(), args_.size(), bytes_.size(), blocks_.size()}; }
  // Drops what was added since `c`, except the items that survive rollbacks, which stay in order.
  void rollback(const checkpoint& c) {
    std::vector<std::pair<int, std::vector<std::string>>> kept;
    std::vector<std::string_view> argv;
    for (size_t i = c.items; i < items_.size(); ++i) {
      if (!items_[i].survives_rollback)
        continue;
      args_of(items_[i], argv);
      kept.emplace_back(items_[i].db, std::vector<std::string>(argv.begin(), argv.end()));
    }
    items_.resize(c.items);
    args_.resize(c.args);
    bytes_.resize(c.bytes);
    blocks_.resize(c.blocks);
    for (const auto& [db, args] : kept) {
      argv.assign(args.begin(), args.end());
      add_command(nullptr, db, argv);
      items_.back().survives_rollback = true;
    }
  }
  // The last item added survives rollbacks.
  void keep_last() { items_.back().survives_rollback = true; }

  // Puts the items from `first` on between MULTI and EXEC when there are two or more: how
  // Redis 7.0 propagates a transaction, or a command that propagates several writes.
  void wrap_in_transaction(size_t first) {
    if (items_.size() < first + 2)
      return;
    const int first_db = items_[first].db, last_db = items_.back().db;
    const std::string_view multi[] = {"MULTI"}, exec[] = {"EXEC"};
    add_command(nullptr, first_db, multi);
    std::rotate(items_.begin() + static_cast<std::ptrdiff_t>(first), items_.end() - 1,
                items_.end());
    add_command(nullptr, last_db, exec);
  }

  void clear() {
    bytes_.clear();
    args_.clear();
    blocks_.clear();
    items_.clear();
    script_deferred = false;
  }

  // A script among the items (EVAL, FCALL).
  bool runs_script() const {
    return std::any_of(items_.begin(), items_.end(),
                       [](const item& i) { return i.cmd && (i.cmd->flags & cmd_runs_script); });
  }
  // The keyspace let the batches that came with this one run first (see keyspace_actor).
  bool script_deferred = false;

 private:
  // 16 bytes: a pipelined batch holds one per argument, often more than the arguments' bytes.
  struct arg {
    uint64_t offset;  // in bytes_, or the index in blocks_
    uint64_t length : 63;
    uint64_t in_block : 1;
  };
  static_assert(sizeof(arg) == 16);

  void add_arg(std::string_view a) {
    args_.push_back({bytes_.size(), a.size(), 0});
    bytes_.append(a);
  }

  burst_string bytes_;
  burst_vector<arg> args_;
  burst_vector<byte_block> blocks_;
  burst_vector<item> items_;
};

// Resolves a parsed request against the command table and adds it to `batch`: a keyspace
// command, or the reply to an unknown command, a wrong arity or a client command (which runs
// now, on `client`).
void add_request(command_batch& batch, arg_list argv, client_state& client,
                 server_state& server, std::span<const byte_block> blocks = {});

// What a batch runs against, and for whom.
struct batch_context {
  keyspace& ks;
  server_state& server;
  replication_info& replication;  // the keyspace's view, which REPLICAOF changes
  unix_ms now;
  // Our master's stream: its writes are applied on a replica, and keys expire only by its DEL.
  bool from_master = false;
  // Where the writes that changed the data go, in the form replicas apply them; null when
  // nobody copies this server.
  command_batch* propagated = nullptr;
  // Where replies put large strings by reference instead of copying them into the text; null:
  // they are copied.
  std::vector<spliced_block>* spliced = nullptr;
  // Stop once the replies' text has grown by this many bytes (0: run every item), so that a
  // client's deep pipeline of large replies is answered a part at a time.
  size_t reply_limit = 0;
  // The blocked clients: a write to a key one of them waits for stops the batch right after
  // it, so they are served before this client's next command (as Redis serves them after
  // each command). Null where nobody blocks.
  blocked_clients* blocked = nullptr;
  // Where a blocking command that found nothing asks to wait; it stops the batch before that
  // command. Null: blocking commands may not block here.
  block_request* block = nullptr;
  // The keys clients WATCH: writes mark their watchers, EXEC checks its client's. Null where
  // nobody watches.
  watched_keys* watched = nullptr;
  // Pub/Sub routing: SUBSCRIBE registers here, PUBLISH leaves its messages here.
  pubsub* channels = nullptr;
  // The slow log, latency events and clients; and the record of the batch's client, which
  // learns each command it runs (CLIENT LIST's db and cmd). Null where nobody looks.
  introspection* intro = nullptr;
  client_record* client = nullptr;
  // Where REPLICAOF leaves its requests for the replication manager; the batch stops after
  // the command that left one, so that the writes before it reach the manager first. Null:
  // REPLICAOF changes nothing (our master's stream).
  std::vector<replication_request>* manager_requests = nullptr;
  // Commands that run this many ticks or more are shown to the slow log and the latency
  // monitor, which decide (a per-batch bound, so that a fast command costs one comparison).
  uint64_t observed_ticks = 0;
  // EVAL's scripts and FUNCTION's libraries; null where no script runs.
  scripting* scripts = nullptr;
  // Where MIGRATE hands its job out: it stops the batch as a blocking command does, and runs
  // again with the outcome. Null: MIGRATE may not wait here.
  migrate_handoff* migration = nullptr;
  // What CONFIG SET changes outside the configuration (listening sockets, OOM score); null:
  // nothing (unit tests, our master's stream).
  config_targets* config = nullptr;
};

// The replies of a batch: text, with large strings spliced in by reference.
struct batch_replies {
  std::string text;
  std::vector<spliced_block> spliced;  // in order of offset
  command_batch rest;                  // the items not run because of the reply limit
};

// Runs the items of `batch` from `first` up to `end`, in order, against the keyspace, appending their
// replies to `out`; returns the index of the first item not run. It stops early at the reply
// limit, after a write to a key a blocked client waits for (bc.blocked->has_ready()), or at a
// blocking command that asked to wait (bc.block->wanted; that command is the one returned).
size_t execute_batch(const batch_context& bc, const command_batch& batch, std::string& out,
                     size_t first = 0, size_t end = SIZE_MAX);

// A script's redis.call of `cmd` (already checked against the script's rules): runs it as a
// command of a transaction runs (it may not block), its writes propagated unless `propagate`
// is false, its reply appended to `out`.
void run_script_command(const batch_context& bc, const command_spec& cmd, int db,
                        arg_list argv, int64_t client_id, bool propagate, std::string& out);

}  // namespace credis
