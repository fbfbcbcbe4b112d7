// One connection actor per client: it owns the socket, parses requests, resolves them against
// the command table, and sends each read's commands to the keyspace as one batch.
//
// At most one batch is in flight per connection. Commands parsed while it is out wait in the
// next batch, so replies keep the order of the requests however deep the client pipelines. A
// command the replication manager answers (WAIT, PSYNC, ...) goes out once the batch before it
// is back, and the client's later requests wait for its answer.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "actors/bulk_collector.hpp"
#include "actors/keyspace_door.hpp"
#include "actors/messages.hpp"
#include "actors/output_queue.hpp"
#include "actors/spinning_multiplexer.hpp"
#include "protocol/resp_parser.hpp"
#include "protocol/tls_session.hpp"

namespace credis {

// Whether CAF reads a connection's handle. Changes are applied after the loop's round: CAF
// loses a read registration that is added and removed within one round.
struct read_switch {
  bool paused = false;      // what the connection wants
  bool halted = false;      // what CAF was told
  bool change_due = false;  // `paused` changed; CAF hears of it after the round
};

struct connection_state {
  connection_state() = default;  // not an aggregate: CAF would try to build it from self
  caf::io::connection_handle hdl;
  keyspace_actor keyspace;
  keyspace_door* door = nullptr;  // the keyspace's shortcut for batches
  replication_manager_actor manager;
  server_state* server = nullptr;
  client_state client;
  resp_parser parser;
  burst_string input;          // bytes received and not yet parsed into commands
  std::vector<std::string_view> argv;
  bulk_collector big_bulk;     // a big argument being read into its own block
  std::vector<byte_block> arg_blocks;  // the big arguments of the command being parsed
  command_batch next;          // commands waiting for the batch in flight to come back
  command_batch spare;         // a spent batch's buffers, for the batch after `next`
  bool trim_due = false;       // big batch buffers are released if still idle then
  int fd = -1;                  // the socket, for direct reads and sends; -1 when unknown or TLS
  int socket_fd = -1;           // the socket, for shutdown() and its options
  bool unsent_limited = false;  // TCP_NOTSENT_LOWAT is on (see pace_large_values)
  std::unique_ptr<tls_session> tls;  // a connection to the tls-port: bytes go through it
  std::string tls_plain;             // what the last read decrypted to (kept for its capacity)
  std::vector<char> tls_scratch;     // a chunk of replies on its way into the session
  output_queue output;         // replies not yet handed to the socket or to CAF
  spinning_multiplexer* loop = nullptr;  // sends the output at the end of its round, if set
  bool send_due = false;                 // the loop was asked to, this round
  uint64_t queued_in_caf = 0;  // reply bytes handed to CAF and not yet sent by it
  size_t read_size = 0;        // the receive policy's current at_most
  bool last_read_full = false;  // the last read filled read_size: the socket may hold more
  int short_reads = 0;         // consecutive reads well below a grown read size
  // Its input or batch buffers grew to burst size (a deep pipeline, a bulk load): once the
  // client is gone, the keyspace hands the pages they left free back to the system. Shared with
  // the actor's exit functor.
  std::shared_ptr<bool> had_burst = std::make_shared<bool>(false);
  bool in_flight = false;       // a batch, or a request to the replication manager
  size_t in_flight_size = 0;    // the memory of the batch in flight
  bool closing = false;        // no more input is read: QUIT or a protocol error
  bool finishing = false;      // closed once the output is handed to CAF
  read_switch client_reads;    // paused: replies are backed up, no requests are read or run
  bool is_replica = false;     // PSYNC made this connection carry the replication stream
  // Once PSYNC made the client a replica the connection carries the replication stream; while
  // its snapshot is being written the stream waits here.
  bool replica_syncing = false;
  std::string held_stream;       // the stream since the snapshot, sent once it is through
  // A TLS replica's snapshot comes from the sync child through a socket pair, read here and
  // encrypted; the stream waits until it is all through.
  caf::io::connection_handle relay;
  bool relaying = false;
  bool online_due = false;       // the child is done, but its snapshot is still being relayed
  read_switch relay_reads;       // paused while the replica is slower than the child
  int64_t over_soft_limit_since = 0;  // output above the soft limit since (ms), or 0
  client_report reported;        // what the keyspace last heard of this client
  uint64_t net_input = 0, net_output = 0;  // bytes not yet reported with a batch (INFO)
  uint64_t reads = 0, writes = 0;          // the same for socket reads and reply writes
  uint64_t reported_output_buffer = 0;     // the unsent output the keyspace last heard of
  bool killed = false;           // CLIENT KILL named it: nothing more runs
  static const char* name;
};

using connection_broker = caf::io::stateful_broker<connection_state>*;

// `tls`: the context of a connection to the tls-port, else null.
caf::behavior connection_actor_fn(connection_broker self, caf::io::connection_handle hdl,
                                  keyspace_actor keyspace, replication_manager_actor manager,
                                  server_state* server, const tls_context* tls,
                                  script_watch* script, keyspace_door* door);

}  // namespace credis
