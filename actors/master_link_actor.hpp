// The link from a replica to its master: one broker per connection attempt. It connects
// without blocking the multiplexer thread, runs the handshake and PSYNC (replication/
// master_link), has the loader build a new keyspace from a full sync's snapshot while the old
// data keeps serving reads, and hands every read's worth of the stream to the keyspace as one
// batch, with the stream's raw bytes for replicas of this replica. It ends when the link
// breaks; the replication manager then connects again.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "actors/messages.hpp"
#include "protocol/tls_session.hpp"
#include "replication/master_link.hpp"

namespace credis {

// Collects the commands of one read of the stream into a batch for the keyspace.
class stream_batcher : public stream_sink {
 public:
  void command(const std::vector<std::string_view>& argv, std::string_view raw) override;

  server_state* server = nullptr;
  client_state client;  // the stream's SELECTed database
  command_batch batch;
  std::string raw;
};

struct held_batch {
  command_batch batch;
  std::string raw;
  int db;
};

struct master_link_state {
  master_link_state() = default;  // not an aggregate: CAF would try to build it from self
  caf::io::connection_handle hdl;
  std::unique_ptr<tls_session> tls;  // tls-replication: bytes go through it
  std::string tls_plain;             // what the last read decrypted to
  std::optional<master_link> protocol;
  keyspace_actor keyspace;
  replication_manager_actor manager;
  stream_batcher stream;
  bool loading = false;             // a snapshot is being loaded: the stream waits here
  std::vector<held_batch> held;
  std::string held_replies;         // ACKs to GETACKs that came while it loads
  std::string replid;               // the master's history id
  int64_t generation = 0;           // see master_link_fn
  int64_t sync_offset = 0;          // where its snapshot is
  int64_t last_io_ms = 0;
  int64_t timeout_ms = 60000;
  bool payload_logged = false;      // the payload's header was logged
  static const char* name;
};

using master_link_broker = caf::io::stateful_broker<master_link_state>*;

// `tls`: the client context of a link over TLS, or null. `generation`: how many REPLICAOFs the
// manager had handled when it made the link; the keyspace ignores an older link's data.
caf::behavior master_link_fn(master_link_broker self, std::string host, uint16_t port,
                             int64_t listening_port, const tls_context* tls, std::string replid,
                             int64_t offset, int stream_db, int64_t generation,
                             keyspace_actor keyspace, replication_manager_actor manager,
                             server_state* server, replication_settings settings);

}  // namespace credis
