// What the keyspace keeps for operators about the server's own behaviour: the clients it
// serves, its slow commands and its latency spikes (CLIENT LIST/KILL, SLOWLOG, LATENCY).
#pragma once

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "storage/client_registry.hpp"
#include "storage/instantaneous_metric.hpp"
#include "storage/latency_monitor.hpp"
#include "storage/slowlog.hpp"

namespace credis {

// A MONITOR line, as Redis's replicationFeedMonitors writes it:
// +<seconds>.<microseconds> [<db> <ip:port>] "arg" "arg"...  (the arguments the command's
// redactor names as "(redacted)").
std::string monitor_line(int64_t unix_us, int db, std::string_view addr,
                         std::span<const std::string_view> argv, slowlog_redactor redact);

struct introspection {
  client_registry clients;
  slowlog slow;
  latency_monitor latency;
  // Clients in MONITOR mode, and the lines for them since they were last sent.
  std::vector<int64_t> monitors;
  std::string monitor_feed;
  bool is_monitor(int64_t id) const {
    return std::find(monitors.begin(), monitors.end(), id) != monitors.end();
  }
  int64_t latest_fork_usec = 0;  // INFO stats
  int64_t total_forks = 0;
  int64_t expire_cap_reached = 0;   // expiry runs that stopped at their budget
  int64_t migrate_cached_sockets = 0;  // MIGRATE's open target connections, as last reported
  int64_t startup_memory = 0;       // used_memory when the keyspace started (INFO memory)
  int64_t peak_memory = 0;          // the most used_memory seen (cron and INFO)
  int64_t reads = 0, writes = 0;    // socket reads and replies written, as connections report
  // What clients sent and were sent (connections report it with their batches), and the
  // rates INFO shows, sampled by the keyspace's cron.
  int64_t net_input_bytes = 0, net_output_bytes = 0;
  // Of those, the stream sent to replicas and what a replica reads from its master (Redis 7.0
  // counts them in both totals).
  int64_t net_repl_input_bytes = 0, net_repl_output_bytes = 0;
  instantaneous_metric ops_rate, input_rate, output_rate, repl_input_rate, repl_output_rate;
  void add_traffic(int64_t client_id, const connection_traffic& t) {
    net_input_bytes += static_cast<int64_t>(t.net_input);
    net_output_bytes += static_cast<int64_t>(t.net_output);
    if (t.replica)
      net_repl_output_bytes += static_cast<int64_t>(t.net_output);
    reads += static_cast<int64_t>(t.reads);
    writes += static_cast<int64_t>(t.writes);
    clients.buffers_now(client_id, t);
  }
  // CONFIG RESETSTAT (the slow log and the latency events stay, as in Redis).
  void reset_stats() {
    latest_fork_usec = total_forks = expire_cap_reached = 0;
    net_input_bytes = net_output_bytes = reads = writes = 0;
    net_repl_input_bytes = net_repl_output_bytes = 0;
    ops_rate = input_rate = output_rate = instantaneous_metric();
    repl_input_rate = repl_output_rate = instantaneous_metric();
  }
  void read_from_master(int64_t bytes) {
    net_input_bytes += bytes;
    net_repl_input_bytes += bytes;
  }
  void sample_rates(int64_t now_ms, int64_t commands) {
    ops_rate.sample(now_ms, commands);
    input_rate.sample(now_ms, net_input_bytes);
    output_rate.sample(now_ms, net_output_bytes);
    repl_input_rate.sample(now_ms, net_repl_input_bytes);
    repl_output_rate.sample(now_ms, net_repl_output_bytes);
  }

  // A fork for a snapshot began at `start` and has returned: INFO's latest_fork_usec, and the
  // "fork" latency event.
  void forked(std::chrono::steady_clock::time_point start, int64_t threshold_ms,
              int64_t unix_seconds) {
    const int64_t us = std::chrono::duration_cast<std::chrono::microseconds>(
                           std::chrono::steady_clock::now() - start)
                           .count();
    latest_fork_usec = us;
    ++total_forks;
    latency.record("fork", us / 1000, threshold_ms, unix_seconds);
  }
};

}  // namespace credis
