// The clients the keyspace serves, as CLIENT LIST/INFO/KILL and the slow log see them: what
// each connection reported of itself (address, name, protocol, ...) and what the keyspace saw
// it run (database, last command, last interaction). Connections report in messages; CLIENT
// KILL leaves here the clients to close, for the actor layer to tell.
#pragma once

#include <algorithm>
#include <cstdint>
#include <span>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

namespace credis {

// What a connection says of itself, when it starts and whenever one of these changes.
struct client_report {
  int64_t id = 0;
  std::string addr;   // the peer, "ip:port"
  std::string laddr;  // our end, "ip:port"
  int64_t fd = -1;
  int64_t created_ms = 0;
  std::string name;
  int resp = 2;
  bool replica = false;     // PSYNC made it carry the replication stream
  int64_t multi = -1;       // commands queued since MULTI, -1 outside one
  bool no_evict = false;    // CLIENT NO-EVICT ON
  bool unwatch = false;     // its transaction was discarded: its WATCHes end
  size_t ran_here = SIZE_MAX;  // a command the connection ran itself since its last report
  bool operator==(const client_report&) const = default;
};

// What a connection reports with each batch, or alone when it sends none for a while (a
// subscriber, a monitor, a closing client): the bytes and socket operations since its last
// report (INFO's totals), and its buffers' sizes now (CLIENT LIST's omem, INFO's clients).
struct connection_traffic {
  uint64_t net_input = 0, net_output = 0;
  uint64_t reads = 0, writes = 0;
  uint64_t query_buffer = 0;   // the input buffer's allocation
  uint64_t output_buffer = 0;  // reply bytes the socket has not taken yet
  bool replica = false;        // a replica's: what it was sent is replication traffic
};

struct client_record {
  client_report self;
  int db = 0;
  size_t last_command = SIZE_MAX;  // command_index of the last one run here; SIZE_MAX: none
  int64_t last_interaction_ms = 0;
  uint64_t query_buffer = 0, output_buffer = 0;  // as last reported
};

// The clients and their buffers, as INFO and MEMORY show them (client_recent_max_*,
// mem_clients_*).
struct client_buffer_totals {
  uint64_t largest_query = 0, largest_output = 0;
  uint64_t normal = 0, replicas = 0;  // query and output buffers, by the client's kind
  int64_t normal_clients = 0, replica_clients = 0;
};

// CLIENT PAUSE: until when clients' commands wait, and whether only those that write do.
struct client_pause {
  enum class mode { off, writes, all };
  mode what = mode::off;
  int64_t until_ms = 0;
  bool active(int64_t now_ms) const { return what != mode::off && now_ms < until_ms; }
  // A longer pause, or one of more commands, extends the current one (Redis's pauseClients).
  void extend(mode m, int64_t until) {
    what = std::max(what, m);
    until_ms = std::max(until_ms, until);
  }
  void end() { *this = {}; }
};

class client_registry {
 public:
  client_registry() = default;
  client_registry(const client_registry&) = delete;  // `last_` points into this one's map
  client_registry& operator=(const client_registry&) = delete;

  client_pause pause;
  size_t paused_clients = 0;  // clients whose requests wait for the pause to end (INFO)

  // A connection started, or reports a change (its database and history are kept).
  void report(const client_report& r, int64_t now_ms);
  void remove(int64_t id) {
    if (id == last_id_)
      last_ = nullptr;
    clients_.erase(id);
  }
  // A batch looks its client up more than once (its traffic, its context): the last one found
  // is kept (a map's elements stay put until erased).
  client_record* find(int64_t id) {
    if (last_ != nullptr && id == last_id_)
      return last_;
    auto it = clients_.find(id);
    if (it == clients_.end())
      return nullptr;
    last_id_ = id;
    last_ = &it->second;
    return last_;
  }
  const std::unordered_map<int64_t, client_record>& all() const { return clients_; }
  size_t size() const { return clients_.size(); }
  // The buffer sizes a connection reported with its traffic.
  void buffers_now(int64_t id, const connection_traffic& t) {
    if (client_record* c = find(id)) {
      c->query_buffer = t.query_buffer;
      c->output_buffer = t.output_buffer;
    }
  }
  client_buffer_totals buffers() const;

  // CLIENT KILL: the connection is to be closed once the replies of this batch are out.
  void ask_close(int64_t id) { closing_.push_back(id); }
  std::vector<int64_t> take_closes() { return std::exchange(closing_, {}); }
  std::span<const int64_t> closes() const { return closing_; }
  bool has_closes() const { return !closing_.empty(); }

 private:
  std::unordered_map<int64_t, client_record> clients_;
  int64_t last_id_ = 0;
  client_record* last_ = nullptr;
  std::vector<int64_t> closing_;
};

}  // namespace credis
