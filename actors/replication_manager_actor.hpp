// The replication manager: the master side of replication (the backlog, the replicas and what
// each has acknowledged, PSYNC, full syncs, WAIT) and, on a replica, the link to its master.
//
// It is a socketless broker on the multiplexer thread, like the keyspace: the keyspace sends it
// each batch's stream bytes, and it passes them to every replica's connection actor, which
// writes them. It holds the replication ids; the keyspace holds the offset, since every byte
// of the stream passes there first, and is told the rest as a status after each change.
#pragma once

#include <memory>
#include <vector>

#include "actors/messages.hpp"
#include "protocol/tls_session.hpp"
#include "replication/backlog.hpp"
#include "replication/replication_id.hpp"

namespace credis {

struct replica_entry {
  enum class state { wait_bgsave, send_bulk, wait_ack, online };
  caf::actor conn;       // its connection actor
  int fd = -1;           // its socket, which a sync child writes into; -1 over TLS
  bool tls = false;      // a sync child writes to its connection, which encrypts
  std::string ip;
  int64_t port = 0;      // where it listens (REPLCONF listening-port)
  bool capa_eof = false;
  bool old_sync = false;  // SYNC rather than PSYNC: the payload without +FULLRESYNC
  state st = state::wait_bgsave;
  int sync_pid = -1;      // the child writing its snapshot
  bool eof_form = false;  // that snapshot has an EOF mark: online at its first ACK
  bool acked = false;     // an ACK came since (it may come before the child is reaped)
  int64_t ack_offset = 0;
  int64_t last_ack_ms = 0;
  int64_t client_id = 0;

  std::string name() const { return ip + ":" + std::to_string(port); }
};

struct wait_entry {
  uint64_t id;
  caf::typed_response_promise<std::string> rp;
  caf::actor_addr client;
  int64_t client_id;
  int64_t offset;  // the client's last write
  int64_t wanted;
};

struct manager_state {
  manager_state() = default;  // not an aggregate: CAF would try to build it from self
  server_state* server = nullptr;
  server_config config;  // as at start-up
  const tls_context* client_tls = nullptr;  // for tls-replication; null when not configured
  keyspace_actor keyspace;
  replication_ids ids;
  // Null until a replica first asks for the stream (or a history is loaded or synced); with
  // it, the data belongs to ids.replid up to offset, which a new master link asks to continue.
  std::unique_ptr<backlog> log;
  int64_t offset = 0;            // the stream's end, as the keyspace last fed it
  int64_t role_requests_handled = 0;  // the keyspace's REPLICAOFs (status reports the count)
  int stream_db = 0;             // on a replica: the database the master's stream is in there
  std::vector<replica_entry> replicas;
  int sync_pid = -1;             // the full sync being written, if any
  int64_t sync_wait_since = 0;   // when the first replica waiting for a full sync came
  std::vector<wait_entry> waiters;
  uint64_t next_waiter = 1;
  bool getack_asked = false;     // a GETACK is on its way into the stream
  int64_t sync_full = 0, sync_partial_ok = 0, sync_partial_err = 0;
  // Replica side.
  bool is_replica = false;
  std::string master_host;
  uint16_t master_port = 0;
  caf::actor link;
  bool link_up = false;
  bool link_syncing = false;
  int64_t last_io_ms = 0;
  static const char* name;
};

using manager_broker = replication_manager_actor::stateful_broker_pointer<manager_state>;

// `client_tls`: the context of a link to the master over TLS, or null.
replication_manager_actor::behavior_type replication_manager_fn(manager_broker self,
                                                                server_state* server,
                                                                const tls_context* client_tls);

}  // namespace credis
