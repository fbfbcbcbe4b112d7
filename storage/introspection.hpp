// What the keyspace keeps for operators about the server's own behaviour: the clients it
// serves, its slow commands and its latency spikes (CLIENT LIST/KILL, SLOWLOG, LATENCY).
#pragma once

#include <cstdint>

#include "storage/client_registry.hpp"
#include "storage/latency_monitor.hpp"
#include "storage/slowlog.hpp"

namespace credis {

struct introspection {
  client_registry clients;
  slowlog slow;
  latency_monitor latency;
  int64_t latest_fork_usec = 0;  // INFO stats
  int64_t total_forks = 0;

  // A fork for a snapshot took `us`: INFO's latest_fork_usec, and the "fork" latency event.
  void forked(int64_t us, int64_t threshold_ms, int64_t unix_seconds) {
    latest_fork_usec = us;
    ++total_forks;
    latency.record("fork", us / 1000, threshold_ms, unix_seconds);
  }
};

}  // namespace credis
