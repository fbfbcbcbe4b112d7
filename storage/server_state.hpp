// What the command layer knows about the server as a whole: its configuration (for CONFIG GET
// and INFO) and its counters (for INFO). Owned by main, read by the keyspace.
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "storage/command_stats.hpp"
#include "storage/config/oom_score.hpp"

namespace credis {

// Replication's settings, with redis-server's names (repl-*) and defaults.
struct replication_settings {
  int64_t backlog_size = 1024 * 1024;
  bool diskless_sync = true;
  int64_t diskless_sync_delay = 5;  // seconds to wait for more replicas before a sync
  int64_t timeout = 60;             // seconds without traffic before a link is dropped
  std::string masterauth, masteruser;  // what a replica authenticates to its master with
  bool tls = false;                     // tls-replication: the link to the master is TLS
  std::string bind_source_addr;         // the address the link to the master is made from, if any
  bool operator==(const replication_settings&) const = default;
};

// The client-output-buffer-limit of one class of clients: closed past `hard` bytes queued, or
// over `soft` for `soft_seconds` running; 0 turns a limit off.
struct output_buffer_limit {
  int64_t hard = 0;
  int64_t soft = 0;
  int64_t soft_seconds = 0;
  bool operator==(const output_buffer_limit&) const = default;
};

enum class client_class { normal = 0, replica = 1, pubsub = 2 };

struct output_buffer_limits {
  output_buffer_limit classes[3] = {
      {}, {256 << 20, 64 << 20, 60}, {32 << 20, 8 << 20, 60}};
  const output_buffer_limit& of(client_class c) const { return classes[static_cast<int>(c)]; }
  bool operator==(const output_buffer_limits&) const = default;
};

// tls-port and the files of redis-server's TLS (tls-cert-file, ...); port 0: no TLS.
struct tls_config {
  uint16_t port = 0;
  std::string cert_file, key_file, ca_cert_file;
  std::string client_cert_file, client_key_file;  // a replica's, when not cert_file's
  std::string auth_clients = "yes";  // yes, no or optional
};

struct server_config {
  uint16_t port = 6379;  // 0: no plain TCP, only TLS
  tls_config tls;
  std::string bind = "127.0.0.1 -::1";  // a '-' address is skipped when it is not available
  std::string dir;  // absolute
  std::string dbfilename = "dump.rdb";
  std::string save = "3600 1 300 100 60 10000";
  std::string replicaof;  // "host port" or empty
  replication_settings repl;
  std::string loglevel = "notice";
  std::string config_file;
  // How long the event loop polls before it sleeps (see actors/spinning_multiplexer.hpp).
  int64_t busy_poll_us = 0;  // 0: never spin
  bool io_uring = true;      // a round's replies go out in one system call when the kernel can
  // Connections served at once; beyond it a new one is told so and closed (Redis's maxclients).
  int64_t maxclients = 10000;
  std::string requirepass;  // empty: no password
  // The SHA-256 a config file's `user default ... #<digest>` line gave: the password
  // requirepass sets, maybe on a later line, must match it (checked once the file is read).
  std::string requirepass_digest;
  bool protected_mode = true;  // without a password, only loopback clients are served
  output_buffer_limits output_limits;
  int64_t client_query_buffer_limit = int64_t{1} << 30;
  int64_t proto_max_bulk_len = int64_t{512} << 20;
  std::string logfile;  // empty: standard output
  std::string pidfile;
  bool daemonize = false;
  // notify-keyspace-events as keyspace_events flags (0: no notifications).
  int notify_keyspace_events = 0;
  // Which access stamps keys get (storage/access_clock.hpp); nothing is evicted yet.
  std::string maxmemory_policy = "noeviction";
  // SLOWLOG: commands that ran at least this many microseconds (-1: none), the newest kept.
  int64_t slowlog_log_slower_than = 10000;
  int64_t slowlog_max_len = 128;
  // How long a script may run before other clients are answered BUSY (lua-time-limit).
  int64_t busy_reply_threshold = 5000;
  // LATENCY: events that took at least this many milliseconds (0: none) are sampled.
  int64_t latency_monitor_threshold = 0;
  // Redis's test knob rdb-key-save-delay: microseconds a save sleeps per key (-N: 1 µs, one
  // key in N on average), so that a test can catch a save in progress.
  int64_t rdb_key_save_delay = 0;
  bool latency_tracking = true;  // each command's latencies kept (storage/command_stats.hpp)
  // INFO latencystats' percentiles of each command's latency.
  std::vector<double> latency_percentiles = {50, 99, 99.9};
  oom_score_setting oom_score;  // oom-score-adj and oom-score-adj-values
  // jemalloc-bg-thread: the allocator gives freed pages back on a thread of its own, also
  // while no request comes to make it do so on the way.
  bool allocator_background_thread = true;
  // Parameters CONFIG SET changed that no code reads yet (maxmemory, timeout, ...).
  std::map<std::string, std::string> other;
};

struct server_stats {
  std::atomic<int64_t> connected_clients{0};
  std::atomic<int64_t> total_connections_received{0};
  std::atomic<int64_t> rejected_connections{0};
  std::atomic<int64_t> next_client_id{1};
  std::atomic<int64_t> client_output_buffer_limit_disconnections{0};
  std::atomic<int64_t> client_query_buffer_limit_disconnections{0};
  int64_t total_commands_processed = 0;
  int64_t expired_keys = 0;
  int64_t dirty = 0;  // writes since the last save (rdb_changes_since_last_save)
  int64_t keyspace_hits = 0;
  int64_t keyspace_misses = 0;
  int64_t start_time_ms = 0;
  command_stats commands;  // INFO commandstats and errorstats
};

// The state of RDB snapshots, as INFO persistence reports it.
struct persistence_state {
  bool loading = false;  // an RDB is being read: commands without the loading flag get -LOADING
  int64_t loading_started_ms = 0;
  int64_t loading_total_bytes = 0;
  int64_t loading_loaded_bytes = 0;
  int64_t last_save_time = 0;  // unix seconds
  bool last_bgsave_ok = true;
  int64_t last_bgsave_seconds = -1;
  int child_pid = -1;                // the forked background save, while it runs
  int64_t dirty_at_bgsave_start = 0;  // writes the running background save includes
  int64_t bgsave_started_ms = 0;
  int64_t last_bgsave_try_ms = 0;     // a failed save is retried only after a pause
  int64_t saves = 0;                  // rdb_saves: SAVEs and BGSAVEs that succeeded
  // Copy-on-write: the memory the running save's child no longer shares with us (its
  // Private_Dirty, sampled about once a second), the most of it, and what the last save ended
  // with.
  int64_t cow_size = 0, cow_peak = 0, cow_sampled_ms = 0, last_cow_size = 0;
  int child_reports = -1;  // the child's reports (its progress, its final copy-on-write size)
  // The running save's progress as its child last reported it (INFO's current_save_keys_*).
  int64_t save_keys_processed = 0, save_keys_total = 0;
  bool save_scheduled = false;        // BGSAVE SCHEDULE while a save ran
};

struct server_state {
  server_config config;
  server_stats stats;
  persistence_state persistence;
  std::string run_id;  // 40 hex chars, as INFO's run_id
  bool shutdown_requested = false;  // SHUTDOWN succeeded: the process is to exit
  bool shutdown_prepared = false;   // the final save (or its skipping) is done
};

}  // namespace credis
