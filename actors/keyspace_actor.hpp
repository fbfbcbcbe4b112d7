// The keyspace actor owns the databases and runs every keyspace command.
//
// It is a broker without sockets, so it runs on the middleman's thread next to the connection
// brokers: a batch goes from a connection to the keyspace and back without crossing threads,
// which measured 2-4x faster than a keyspace on the scheduler (see README, Design).
//
// It is also where the replication stream starts: the writes of each batch, in the form
// replicas apply them, go to the replication manager as one message, and the keyspace counts
// the stream's offset (every byte of it passes here, a master's own writes or, on a replica,
// its master's stream passed on as it came).
#pragma once

#include <deque>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "actors/keyspace_door.hpp"
#include "actors/messages.hpp"
#include "replication/stream_encoder.hpp"
#include "storage/config/config_apply.hpp"
#include "storage/keyspace_notifications.hpp"

namespace credis {

// Deleting an expired key on a master fails the EXEC of the clients watching it, sends the
// "expired" keyspace event and, while someone copies this server, sends replicas a DEL for it.
class expired_key_handler : public expiry_listener {
 public:
  expired_key_handler(command_batch& writes, watched_keys& watched, pubsub& channels,
                      blocked_clients& blocked)
      : writes_(writes), watched_(watched), channels_(channels), blocked_(blocked) {}
  bool propagate = false;
  const server_config* config = nullptr;
  server_stats* stats = nullptr;  // INFO's expired_keys counts lazy and active expiry alike
  void key_expired(int db, std::string_view key) override {
    if (stats)
      ++stats->expired_keys;
    watched_.expired(db, key);
    blocked_.touched(key);  // an XREADGROUP waiting for it learns the stream is gone
    if (config)
      publish_key_event(channels_, config->notify_keyspace_events, keyspace_events::expired,
                        "expired", key, db);
    if (!propagate)
      return;
    std::string_view argv[] = {"DEL", key};
    writes_.add_command(nullptr, db, argv);
    writes_.keep_last();  // the command that found it expired may roll its own writes back
  }

 private:
  command_batch& writes_;
  watched_keys& watched_;
  pubsub& channels_;
  blocked_clients& blocked_;
};

struct keyspace_state {
  // Not an aggregate: CAF would build it from self.
  keyspace_state() : expired(propagated, watched, channels, blocked) {}
  keyspace* ks = nullptr;
  server_state* server = nullptr;
  scripting* scripts = nullptr;
  config_targets* config = nullptr;  // what CONFIG SET changes outside the configuration
  expiry_actor expiry;
  replication_manager_actor manager;
  unix_ms scheduled_for = no_expiry;  // the deadline the expiry actor was last told about
  // database::deadlines_set() when the databases were last scanned for their next deadline;
  // rescan_deadlines: scan at the next chance.
  static constexpr uint64_t rescan_deadlines = UINT64_MAX;
  uint64_t deadlines_scanned = rescan_deadlines;
  // Replication: the status the manager reports, with the offset kept here.
  replication_info repl;
  // REPLICAOF's requests for the manager, from the command that left them until passed on, and
  // how many were passed on in all (a status the manager sent before handling the last one
  // has an outdated role).
  std::vector<replication_request> manager_requests;
  int64_t role_requests_sent = 0;
  stream_encoder encoder;
  command_batch propagated;           // the writes of the current batch, for replicas
  std::string stream_out;             // stream bytes not yet passed to the manager
  bool stream_flush_due = false;      // a feed_atom to self will pass them
  bool delivery_due = false;          // a deliver_atom to self will send PUBLISH's messages
  expired_key_handler expired;
  unix_ms last_replica_ping = 0;
  unix_ms peak_sampled_at = 0;         // when the cron last sampled used_memory for its peak
  purger_actor purger;                 // frees the pages bursting clients left, on its thread
  replication_settings repl_settings;  // as the manager last heard them
  std::pair<uint16_t, uint16_t> ports;  // port and tls-port, as the manager last heard them
  std::vector<int> sync_children;     // forked full syncs not yet reaped
  // Clients blocked in BLPOP and its siblings: who waits for which keys, and each one's
  // requests from the blocking command on, run again when a key it waits for is written.
  blocked_clients blocked;
  watched_keys watched;
  struct waiting_batch {
    caf::actor conn;
    command_batch batch;
    size_t first;    // the blocking command
    uint64_t timer;  // which timeout message is this wait's
    std::vector<std::string> state;  // block_request::state of the waiting command
  };
  std::unordered_map<int64_t, waiting_batch> waiting;
  // Clients whose MIGRATE the migrate actor works on: the batch from that command on, and the
  // job (its dumped keys are compared when the outcome is back). A client gone meanwhile
  // keeps its entry without a connection: what the target took is still deleted here.
  caf::actor migrator;
  struct migrating_batch {
    caf::actor conn;
    command_batch batch;
    size_t at;
    std::shared_ptr<const migrate_job> job;
  };
  std::unordered_map<int64_t, migrating_batch> migrating;
  // Pub/Sub routing.
  pubsub channels;
  // The connections by client id (PUBLISH's deliveries, CLIENT KILL), and what each reported.
  std::unordered_map<int64_t, caf::actor> connections;
  introspection intro;
  bool monitoring = false;  // what the connections were last told: someone is in MONITOR mode
  // Batches CLIENT PAUSE holds, from the first command it holds, in the order they came.
  struct paused_batch {
    caf::actor conn;
    command_batch batch;
    size_t first;
  };
  std::deque<paused_batch> paused;
  int64_t pause_timer_for = 0;  // the pause end a resume_atom is already due at
  bool expiry_paused = false;   // keys are not deleted while the pause lasts
  // Clients CLIENT KILL closed whose connection has not ended yet: what they send is dropped.
  std::unordered_set<int64_t> killed;
  // batch_context::observed_ticks, for the settings it was worked out from.
  struct {
    int64_t slowlog_us = -2, latency_ms = -1;
    uint64_t ticks = 0;
  } observed;
  uint64_t wait_timers = 0;
  bool serving = false;  // serve_waiting is on the stack
  static const char* name;
};

using keyspace_broker = keyspace_actor::stateful_broker_pointer<keyspace_state>;

// `door`: opened for the connections to hand over batches by a call (see keyspace_door).
keyspace_actor::behavior_type keyspace_actor_fn(keyspace_broker self, keyspace* ks,
                                                server_state* server,
                                                replication_manager_actor manager,
                                                scripting* scripts, config_targets* config,
                                                keyspace_door* door);

}  // namespace credis
