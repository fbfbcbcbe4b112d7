// What the command layer knows of replication, without knowing replication itself: the
// status the replication manager reports (INFO replication and ROLE show it), and the requests
// that commands leave for the manager (WAIT, PSYNC, REPLCONF ACK, REPLICAOF).
#pragma once

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

namespace credis {

struct replica_status {
  std::string ip;
  int64_t port = 0;         // the port it listens on (REPLCONF listening-port)
  std::string state;        // wait_bgsave, send_bulk or online, as INFO names them
  int64_t ack_offset = 0;   // the last offset it acknowledged
  int64_t last_ack_ms = 0;  // when (INFO's lag is seconds since)
};

struct replication_info {
  bool is_replica = false;
  // Replica side.
  std::string master_host;
  int64_t master_port = 0;
  bool link_up = false;
  int64_t last_io_ms = 0;          // last byte from the master
  bool sync_in_progress = false;
  // Both sides: the history this server's data belongs to (PSYNC2's two ids).
  std::string replid;
  std::string replid2 = std::string(40, '0');
  int64_t offset = 0;              // master_repl_offset
  int stream_db = 0;               // on a replica: the database its master's stream is in
  int64_t second_offset = -1;      // second_repl_offset
  bool backlog_active = false;
  int64_t backlog_size = 1024 * 1024;
  int64_t backlog_origin = 0;      // the offset the backlog's history starts after
  // What the backlog holds now, derived from the offset.
  int64_t backlog_histlen() const {
    return backlog_active ? std::min(backlog_size, offset - backlog_origin) : 0;
  }
  int64_t backlog_first_byte() const {
    return backlog_active ? offset - backlog_histlen() + 1 : 0;
  }
  std::vector<replica_status> replicas;
  // How many of the keyspace's REPLICAOF requests the manager had handled when it sent this:
  // the role in a status sent before it handled the last one is out of date.
  int64_t role_requests_handled = 0;
  int64_t sync_full = 0, sync_partial_ok = 0, sync_partial_err = 0;
};

// A request a command leaves for the replication manager, with the arguments it validated.
struct replication_request {
  enum class kind : uint8_t {
    none,
    wait,         // count: numreplicas, number: timeout ms
    psync,        // text: replid ("?" for SYNC), number: offset
    ack,          // number: the replica's offset (REPLCONF ACK); nothing is answered
    replicaof,    // text: host, number: port, count: the asking client's id
    replicaof_no_one,  // count: the asking client's id
  };
  kind what = kind::none;
  int64_t count = 0;
  int64_t number = 0;
  std::string text;
};

}  // namespace credis
