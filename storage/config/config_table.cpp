#include "storage/config/config_table.hpp"

#include <algorithm>
#include <filesystem>
#include <sstream>
#include <vector>

#include "protocol/integers.hpp"
#include "storage/access_clock.hpp"
#include "storage/aggregates.hpp"
#include "storage/hyperloglog.hpp"
#include "storage/stream.hpp"
#include "storage/commands/float_text.hpp"
#include "storage/commands/text.hpp"
#include "storage/config/default_user.hpp"
#include "storage/config/keyspace_events.hpp"

namespace credis {

namespace {

std::string int_text(int64_t v) {
  std::string s;
  append_int64(s, v);
  return s;
}

std::string_view yes_no(bool v) { return v ? "yes" : "no"; }

// An integer parameter in [min, max]; an error text, or empty.
std::string set_int(int64_t& field, std::string_view v, int64_t min, int64_t max = INT32_MAX) {
  int64_t n = 0;
  if (!parse_int64(v, n))
    return "argument couldn't be parsed into an integer";
  if (n < min || n > max)
    return "argument must be between " + std::to_string(min) + " and " + std::to_string(max) +
           " inclusive";
  field = n;
  return {};
}

std::string set_bool(bool& field, std::string_view v) {
  if (!iequals(v, "yes") && !iequals(v, "no"))
    return "argument must be 'yes' or 'no'";
  field = iequals(v, "yes");
  return {};
}

std::string set_memory(int64_t& field, std::string_view v, int64_t min) {
  int64_t bytes = 0;
  if (!parse_memory_size(v, bytes))
    return "argument must be a memory value";
  if (bytes < min)
    return "argument must be a memory value of at least " + std::to_string(min) + " bytes";
  field = bytes;
  return {};
}

std::string format_percentiles(const std::vector<double>& percentiles) {
  std::string out;
  for (double p : percentiles) {
    if (!out.empty())
      out += ' ';
    out += format_trimmed_double(p);
  }
  return out;
}

// Parameters held in one field of server_config; `field` is a generic lambda naming it in a
// const or a mutable config ([](auto& c) -> auto& { return c.x; }).
template <class Field>
config_parameter text_parameter(std::string_view name, unsigned flags, Field field) {
  return {name, flags | config_text, [field](const server_config& c) { return std::string(field(c)); },
          [field](server_config& c, std::string_view v) -> std::string {
            field(c) = std::string(v);
            return {};
          }};
}

template <class Field>
config_parameter bool_parameter(std::string_view name, unsigned flags, Field field) {
  return {name, flags, [field](const server_config& c) { return std::string(yes_no(field(c))); },
          [field](server_config& c, std::string_view v) { return set_bool(field(c), v); }};
}

template <class Field>
config_parameter int_parameter(std::string_view name, unsigned flags, Field field, int64_t min,
                               int64_t max = INT32_MAX) {
  return {name, flags, [field](const server_config& c) { return int_text(field(c)); },
          [field, min, max](server_config& c, std::string_view v) {
            return set_int(field(c), v, min, max);
          }};
}

template <class Field>
config_parameter memory_parameter(std::string_view name, Field field, int64_t min) {
  return {name, config_memory, [field](const server_config& c) { return int_text(field(c)); },
          [field, min](server_config& c, std::string_view v) { return set_memory(field(c), v, min); }};
}

config_parameter with_alias(config_parameter p, std::string_view alias) {
  p.alias = alias;
  return p;
}

config_parameter with_effect(config_parameter p, config_effect effect) {
  p.effect = effect;
  return p;
}

// A TCP port; 0 turns that listener off. A new one is listened on at once (`effect`).
template <class Field>
config_parameter port_parameter(std::string_view name, Field field, config_effect effect) {
  return with_effect({name, 0, [field](const server_config& c) { return int_text(field(c)); },
                      [field](server_config& c, std::string_view v) -> std::string {
                        int64_t port = 0;
                        if (auto e = set_int(port, v, 0, 65535); !e.empty())
                          return e;
                        field(c) = static_cast<uint16_t>(port);
                        return {};
                      }},
                     effect);
}

// A limit of the aggregate encodings (storage/aggregates.hpp's limits), held there.
config_parameter encoding_limit_parameter(std::string_view name, std::string_view alias,
                                          std::atomic<size_t>& limit, bool memory,
                                          std::string_view redis_default) {
  return {name, memory ? config_memory : 0u, [&limit](const server_config&) { return int_text(static_cast<int64_t>(limit)); },
          [&limit, memory](server_config&, std::string_view v) -> std::string {
            int64_t n = 0;
            std::string error = memory ? set_memory(n, v, 0) : set_int(n, v, 0, INT64_MAX);
            if (error.empty())
              limit = static_cast<size_t>(n);
            return error;
          },
          alias, redis_default};
}

// A setting of the key access stamps (storage/access_clock.hpp), held there.
config_parameter access_parameter(std::string_view name, std::atomic<int64_t>& field,
                                  std::string_view redis_default) {
  return {name, 0, [&field](const server_config&) { return int_text(field.load()); },
          [&field](server_config&, std::string_view v) -> std::string {
            int64_t n = 0;
            std::string error = set_int(n, v, 0, INT32_MAX);
            if (error.empty())
              field = n;
            return error;
          },
          {}, redis_default};
}

// Parameters whose value no code reads: Redis 7.0's defaults, kept as CONFIG SET or a config
// file gives them.
struct stored_default {
  std::string_view name, value, alias = {};
  unsigned flags = 0;
};
const stored_default stored_defaults[] = {
    // Features credis does not have: kept as given, refused by unsupported_setting() unless
    // they are at their default once the whole configuration is read.
    {"appendonly", "no"},
    {"cluster-enabled", "no"},
    {"unixsocket", ""},
    {"tls-cluster", "no"},
    {"aclfile", ""},
    {"io-threads", "1"},
    {"acl-pubsub-default", "resetchannels"},
    {"acllog-max-len", "128"},
    {"active-defrag-cycle-max", "25"},
    {"active-defrag-cycle-min", "1"},
    {"active-defrag-ignore-bytes", "104857600"},
    {"active-defrag-max-scan-fields", "1000"},
    {"active-defrag-threshold-lower", "10"},
    {"active-defrag-threshold-upper", "100"},
    {"active-expire-effort", "1"},
    {"activedefrag", "no"},
    {"activerehashing", "yes"},
    {"always-show-logo", "no"},
    {"aof-disable-auto-gc", "no"},
    {"aof-load-truncated", "yes"},
    {"aof-rewrite-incremental-fsync", "yes"},
    {"aof-timestamp-enabled", "no"},
    {"aof-use-rdb-preamble", "yes"},
    {"aof_rewrite_cpulist", ""},
    {"appenddirname", "appendonlydir"},
    {"appendfilename", "appendonly.aof"},
    {"appendfsync", "everysec"},
    {"auto-aof-rewrite-min-size", "67108864"},
    {"auto-aof-rewrite-percentage", "100"},
    {"bgsave_cpulist", ""},
    {"bio_cpulist", ""},
    {"cluster-allow-pubsubshard-when-down", "yes"},
    {"cluster-allow-reads-when-down", "no"},
    {"cluster-allow-replica-migration", "yes"},
    {"cluster-announce-bus-port", "0"},
    {"cluster-announce-hostname", ""},
    {"cluster-announce-ip", ""},
    {"cluster-announce-port", "0"},
    {"cluster-announce-tls-port", "0"},
    {"cluster-config-file", "nodes.conf"},
    {"cluster-link-sendbuf-limit", "0"},
    {"cluster-migration-barrier", "1"},
    {"cluster-node-timeout", "15000"},
    {"cluster-port", "0"},
    {"cluster-preferred-endpoint-type", "ip"},
    {"cluster-replica-no-failover", "no", "cluster-slave-no-failover"},
    {"cluster-replica-validity-factor", "10", "cluster-slave-validity-factor"},
    {"cluster-require-full-coverage", "yes"},
    {"crash-log-enabled", "yes"},
    {"crash-memcheck-enabled", "yes"},
    {"disable-thp", "yes"},
    {"dynamic-hz", "yes"},
    {"enable-debug-command", "no"},
    {"enable-module-command", "no"},
    {"enable-protected-configs", "no"},
    {"hz", "10"},
    {"ignore-warnings", ""},
    {"io-threads-do-reads", "no"},
    {"lazyfree-lazy-eviction", "no"},
    {"lazyfree-lazy-expire", "no"},
    {"lazyfree-lazy-server-del", "no"},
    {"lazyfree-lazy-user-del", "no"},
    {"lazyfree-lazy-user-flush", "no"},
    {"list-compress-depth", "0"},
    {"list-max-listpack-size", "-2", "list-max-ziplist-size"},
    {"maxmemory", "0"},
    {"maxmemory-clients", "0"},
    {"maxmemory-eviction-tenacity", "10"},
    {"maxmemory-samples", "5"},
    {"min-replicas-max-lag", "10", "min-slaves-max-lag"},
    {"min-replicas-to-write", "0", "min-slaves-to-write"},
    {"no-appendfsync-on-rewrite", "no"},
    {"proc-title-template", "{title} {listen-addr} {server-mode}"},
    {"propagation-error-behavior", "ignore"},
    {"rdb-del-sync-files", "no"},
    {"rdb-save-incremental-fsync", "yes"},
    {"rdbchecksum", "yes"},
    {"rdbcompression", "yes"},
    {"repl-backlog-ttl", "3600"},
    {"repl-disable-tcp-nodelay", "no"},
    {"repl-diskless-load", "disabled"},
    {"repl-diskless-sync-max-replicas", "0"},
    {"repl-ping-replica-period", "10", "repl-ping-slave-period"},
    {"replica-announce-ip", "", "slave-announce-ip"},
    {"replica-announce-port", "0", "slave-announce-port"},
    {"replica-announced", "yes"},
    {"replica-ignore-disk-write-errors", "no"},
    {"replica-ignore-maxmemory", "yes", "slave-ignore-maxmemory"},
    {"replica-lazy-flush", "no", "slave-lazy-flush"},
    {"replica-priority", "100", "slave-priority"},
    {"replica-read-only", "yes", "slave-read-only"},
    {"replica-serve-stale-data", "yes", "slave-serve-stale-data"},
    {"sanitize-dump-payload", "no"},
    {"server_cpulist", ""},
    {"set-proc-title", "yes"},
    {"shutdown-on-sigint", "default"},
    {"shutdown-on-sigterm", "default"},
    {"shutdown-timeout", "10"},
    {"socket-mark-id", "0"},
    {"stop-writes-on-bgsave-error", "yes"},
    {"supervised", "no"},
    {"syslog-enabled", "no"},
    {"syslog-facility", "local0"},
    {"syslog-ident", "redis"},
    {"tcp-backlog", "511"},
    {"tcp-keepalive", "300"},
    {"timeout", "0"},
    {"tls-ca-cert-dir", ""},
    {"tls-ciphers", ""},
    {"tls-ciphersuites", ""},
    {"tls-client-key-file-pass", ""},
    {"tls-dh-params-file", ""},
    {"tls-key-file-pass", ""},
    {"tls-prefer-server-ciphers", "no"},
    {"tls-protocols", ""},
    {"tls-session-cache-size", "20480"},
    {"tls-session-cache-timeout", "300"},
    {"tls-session-caching", "yes"},
    {"tracking-table-max-keys", "1000000"},
    {"unixsocketperm", "0"},
    // Redis's hidden knobs for its tests (slower saves and loads, a watchdog).
    {"use-exit-on-panic", "no", {}, config_hidden},
    {"key-load-delay", "0", {}, config_hidden},
    {"watchdog-period", "0", {}, config_hidden},
    {"loading-process-events-interval-bytes", "2097152", {}, config_hidden},
};

// Parameters of features credis does not have: their default (in stored_defaults) is all they
// take.
struct default_only {
  std::string_view name, why;
};
const default_only default_onlys[] = {
    {"appendonly", "append-only files are not supported: only RDB snapshots"},
    {"cluster-enabled", "cluster mode is not supported"},
    {"unixsocket", "unix sockets are not supported"},
    {"tls-cluster", "cluster mode is not supported"},
    {"aclfile", "ACL files are not supported"},
    {"io-threads", "io-threads is not supported: credis runs one event loop"},
};

std::string_view stored_default_of(std::string_view name) {
  for (const auto& d : stored_defaults)
    if (d.name == name)
      return d.value;
  return {};
}

// A value for a parameter no code reads is still checked as Redis checks it, by the shape of
// its default: yes/no for a flag, a number (or, for a size, a memory value like "1gb").
std::string check_like_default(std::string_view name, std::string_view fallback,
                               std::string_view v) {
  if (fallback == "yes" || fallback == "no")
    return iequals(v, "yes") || iequals(v, "no") ? std::string() : "argument must be 'yes' or 'no'";
  int64_t n = 0;
  if (fallback.empty() || !parse_int64(fallback, n) || parse_int64(v, n))
    return {};
  const bool size = name.find("memory") != std::string_view::npos ||
                    name.find("size") != std::string_view::npos ||
                    name.find("bytes") != std::string_view::npos;
  if (size) {
    if (!v.empty() && v.back() == '%' && parse_int64(v.substr(0, v.size() - 1), n)) {
      // maxmemory-clients takes a share of maxmemory
      return n <= 100 ? std::string() : "percentage argument must be less or equal to 100";
    }
    return parse_memory_size(v, n) ? std::string() : "argument must be a memory value";
  }
  return "argument couldn't be parsed into an integer";
}

std::vector<config_parameter> make_parameters() {
  std::vector<config_parameter> p = {
      port_parameter(
          "port", [](auto& c) -> auto& { return c.port; }, config_effect::port),
      port_parameter(
          "tls-port", [](auto& c) -> auto& { return c.tls.port; }, config_effect::tls_port),
      text_parameter(
          "tls-cert-file", config_restart_only, [](auto& c) -> auto& { return c.tls.cert_file; }),
      text_parameter(
          "tls-key-file", config_restart_only, [](auto& c) -> auto& { return c.tls.key_file; }),
      text_parameter(
          "tls-ca-cert-file", config_restart_only,
          [](auto& c) -> auto& { return c.tls.ca_cert_file; }),
      // A replica's client side: its own certificate if both are given, else tls-cert-file's.
      text_parameter(
          "tls-client-cert-file", config_restart_only,
          [](auto& c) -> auto& { return c.tls.client_cert_file; }),
      text_parameter(
          "tls-client-key-file", config_restart_only,
          [](auto& c) -> auto& { return c.tls.client_key_file; }),
      // Read at each connection to the master, as Redis does.
      bool_parameter(
          "tls-replication", 0, [](auto& c) -> auto& { return c.repl.tls; }),
      {"tls-auth-clients", config_restart_only,
       [](const server_config& c) { return c.tls.auth_clients; },
       [](server_config& c, std::string_view v) -> std::string {
         std::string mode = to_lower(v);
         if (mode != "yes" && mode != "no" && mode != "optional")
           return "argument(s) must be one of the following: no, yes, optional";
         c.tls.auth_clients = mode;
         return {};
       }},
      // No address: no TCP listener (Redis's bind "").
      with_effect({"bind", config_multi_word, [](const server_config& c) { return c.bind; },
                   [](server_config& c, std::string_view v) -> std::string {
                     constexpr size_t most_addresses = 16;  // Redis's CONFIG_BINDADDR_MAX
                     auto addresses = words_of(v);
                     if (addresses.size() > most_addresses)
                       return "Too many bind addresses specified.";
                     c.bind.clear();
                     for (std::string_view a : addresses)
                       c.bind.append(c.bind.empty() ? "" : " ").append(a);
                     return {};
                   }},
                  config_effect::bind),
      with_effect(bool_parameter(
                      "jemalloc-bg-thread", 0,
                      [](auto& c) -> auto& { return c.allocator_background_thread; }),
                  config_effect::allocator_background_thread),
      with_effect({"oom-score-adj", 0,
                   [](const server_config& c) {
                     return std::string(oom_score_mode_name(c.oom_score.mode));
                   },
                   [](server_config& c, std::string_view v) -> std::string {
                     auto mode = parse_oom_score_mode(v);
                     if (!mode)
                       return "argument(s) must be one of the following: no, yes, relative, "
                              "absolute";
                     c.oom_score.mode = *mode;
                     return {};
                   }},
                  config_effect::oom_score),
      with_effect(
          {"oom-score-adj-values", config_multi_word,
           [](const server_config& c) { return format_oom_score_values(c.oom_score.values); },
           [](server_config& c, std::string_view v) {
             return parse_oom_score_values(v, c.oom_score.values);
           }},
          config_effect::oom_score),
      {"dir", config_text, [](const server_config& c) { return c.dir; },
       [](server_config& c, std::string_view v) -> std::string {
         std::error_code ec;
         auto abs = std::filesystem::canonical(std::string(v), ec);
         if (ec || !std::filesystem::is_directory(abs, ec))
           return ec ? ec.message() : std::string("Not a directory");
         c.dir = abs.string();
         return {};
       }},
      {"dbfilename", config_text, [](const server_config& c) { return c.dbfilename; },
       [](server_config& c, std::string_view v) -> std::string {
         if (v.empty())
           return "dbfilename can't be empty";
         if (v.find('/') != std::string_view::npos)
           return "dbfilename can't be a path, just a filename";
         c.dbfilename = std::string(v);
         return {};
       }},
      {"databases", config_immutable, [](const server_config&) { return std::string("16"); },
       [](server_config&, std::string_view v) -> std::string {
         return v == "16" ? std::string() : "databases other than 16 are not supported";
       }},
      {"save", config_multi_word, [](const server_config& c) { return c.save; },
       [](server_config& c, std::string_view v) -> std::string {
         std::string normalised;
         if (!parse_save_points(v, normalised))
           return "Invalid save parameters";
         c.save = normalised;
         return {};
       }},
      {"loglevel", 0, [](const server_config& c) { return c.loglevel; },
       [](server_config& c, std::string_view v) -> std::string {
         std::string level = to_lower(v);
         if (level != "debug" && level != "verbose" && level != "notice" && level != "warning" &&
             level != "nothing")
           return "argument(s) must be one of the following: debug, verbose, notice, warning, "
                  "nothing";
         c.loglevel = level;
         return {};
       }},
      text_parameter(
          "logfile", config_immutable, [](auto& c) -> auto& { return c.logfile; }),
      bool_parameter(
          "daemonize", config_immutable, [](auto& c) -> auto& { return c.daemonize; }),
      text_parameter(
          "pidfile", config_immutable, [](auto& c) -> auto& { return c.pidfile; }),
      {"replicaof", config_immutable | config_multi_word,
       [](const server_config& c) { return c.replicaof; },
       [](server_config& c, std::string_view v) -> std::string {
         if (iequals(v, "no one")) {
           c.replicaof.clear();
           return {};
         }
         std::string host;
         uint16_t port = 0;
         if (!parse_replicaof(v, host, port))
           return "Invalid master port";
         c.replicaof = host + " " + std::to_string(port);
         return {};
       },
       "slaveof"},
      // The keyspace tells the replication manager when these change.
      memory_parameter(
          "repl-backlog-size", [](auto& c) -> auto& { return c.repl.backlog_size; }, 1),
      bool_parameter(
          "repl-diskless-sync", 0, [](auto& c) -> auto& { return c.repl.diskless_sync; }),
      int_parameter(
          "repl-diskless-sync-delay", 0,
          [](auto& c) -> auto& { return c.repl.diskless_sync_delay; }, 0),
      int_parameter(
          "repl-timeout", 0, [](auto& c) -> auto& { return c.repl.timeout; }, 1),
      int_parameter(
          "maxclients", 0, [](auto& c) -> auto& { return c.maxclients; }, 1),
      int_parameter(
          "busy-poll-us", config_restart_only, [](auto& c) -> auto& { return c.busy_poll_us; }, 0,
          1000),
      bool_parameter(
          "io-uring", config_restart_only, [](auto& c) -> auto& { return c.io_uring; }),
      text_parameter(
          "requirepass", 0, [](auto& c) -> auto& { return c.requirepass; }),
      text_parameter(
          "masterauth", 0, [](auto& c) -> auto& { return c.repl.masterauth; }),
      text_parameter(
          "masteruser", 0, [](auto& c) -> auto& { return c.repl.masteruser; }),
      // Read at each connection to the master, as Redis does.
      text_parameter(
          "bind-source-addr", 0, [](auto& c) -> auto& { return c.repl.bind_source_addr; }),
      bool_parameter(
          "protected-mode", 0, [](auto& c) -> auto& { return c.protected_mode; }),
      {"client-output-buffer-limit", config_multi_word,
       [](const server_config& c) { return render_output_buffer_limits(c.output_limits); },
       [](server_config& c, std::string_view v) -> std::string {
         output_buffer_limits limits = c.output_limits;
         if (!parse_output_buffer_limits(v, limits))
           return "Wrong number of arguments in buffer limit configuration.";
         c.output_limits = limits;
         return {};
       }},
      encoding_limit_parameter("hash-max-listpack-entries", "hash-max-ziplist-entries",
                               limits::hash_entries, false, "512"),
      encoding_limit_parameter("hash-max-listpack-value", "hash-max-ziplist-value",
                               limits::hash_value, true, "64"),
      encoding_limit_parameter("zset-max-listpack-entries", "zset-max-ziplist-entries",
                               limits::zset_entries, false, "128"),
      encoding_limit_parameter("zset-max-listpack-value", "zset-max-ziplist-value",
                               limits::zset_value, true, "64"),
      encoding_limit_parameter("set-max-intset-entries", "", limits::set_int_entries, false, "512"),
      encoding_limit_parameter("stream-node-max-bytes", "", limits::stream_node_bytes, true,
                               "4096"),
      encoding_limit_parameter("stream-node-max-entries", "", limits::stream_node_entries, false,
                               "100"),
      encoding_limit_parameter("hll-sparse-max-bytes", "", limits::hll_sparse_bytes, true, "3000"),
      // Only which stamps keys get (LRU clock or LFU counter): nothing is evicted yet.
      {"maxmemory-policy", 0, [](const server_config& c) { return c.maxmemory_policy; },
       [](server_config& c, std::string_view v) -> std::string {
         static constexpr std::string_view policies[] = {
             "volatile-lru", "volatile-lfu", "volatile-random", "volatile-ttl",
             "allkeys-lru",  "allkeys-lfu",  "allkeys-random",  "noeviction"};
         const std::string policy = to_lower(v);
         if (std::find(std::begin(policies), std::end(policies), policy) == std::end(policies))
           return "argument(s) must be one of the following: volatile-lru, volatile-lfu, "
                  "volatile-random, volatile-ttl, allkeys-lru, allkeys-lfu, allkeys-random, "
                  "noeviction";
         c.maxmemory_policy = policy;
         access_tracking().lfu = policy.ends_with("-lfu");
         access_tracking().lru = policy.ends_with("-lru");
         return {};
       }},
      access_parameter("lfu-log-factor", access_tracking().lfu_log_factor, "10"),
      access_parameter("lfu-decay-time", access_tracking().lfu_decay_time, "1"),
      int_parameter(
          "slowlog-log-slower-than", 0, [](auto& c) -> auto& { return c.slowlog_log_slower_than; },
          -1, INT64_MAX),
      with_alias(int_parameter(
                     "busy-reply-threshold", 0,
                     [](auto& c) -> auto& { return c.busy_reply_threshold; }, 0, INT64_MAX),
                 "lua-time-limit"),
      int_parameter(
          "slowlog-max-len", 0, [](auto& c) -> auto& { return c.slowlog_max_len; }, 0, INT64_MAX),
      int_parameter(
          "rdb-key-save-delay", config_hidden,
          [](auto& c) -> auto& { return c.rdb_key_save_delay; }, INT32_MIN),
      int_parameter(
          "latency-monitor-threshold", 0,
          [](auto& c) -> auto& { return c.latency_monitor_threshold; }, 0, INT64_MAX),
      bool_parameter(
          "latency-tracking", 0, [](auto& c) -> auto& { return c.latency_tracking; }),
      {"latency-tracking-info-percentiles", config_multi_word,
       [](const server_config& c) { return format_percentiles(c.latency_percentiles); },
       [](server_config& c, std::string_view v) -> std::string {
         std::vector<double> percentiles;
         for (std::string_view word : words_of(v)) {
           double x = 0;
           if (!parse_double(word, x))
             return "Invalid latency-tracking-info-percentiles parameters";
           if (x < 0.0 || x > 100.0)
             return "latency-tracking-info-percentiles parameters should sit between [0.0,100.0]";
           percentiles.push_back(x);
         }
         c.latency_percentiles = std::move(percentiles);
         return {};
       }},
      memory_parameter(
          "client-query-buffer-limit", [](auto& c) -> auto& { return c.client_query_buffer_limit; },
          1 << 20),
      memory_parameter(
          "proto-max-bulk-len", [](auto& c) -> auto& { return c.proto_max_bulk_len; }, 1 << 20),
  };
  // Read back in Redis's canonical form ("KA" as "AK").
  p.push_back({"notify-keyspace-events", config_text,
               [](const server_config& c) { return format_keyspace_events(c.notify_keyspace_events); },
               [](server_config& c, std::string_view v) -> std::string {
                 auto flags = parse_keyspace_events(v);
                 if (!flags)
                   return "Invalid event class character. Use 'Ag$lshzxeKEtmdn'.";
                 c.notify_keyspace_events = *flags;
                 return {};
               }});
  for (const auto& d : stored_defaults) {
    std::string name(d.name), fallback(d.value);
    p.push_back({d.name, config_multi_word | d.flags,
                 [name, fallback](const server_config& c) {
                   auto it = c.other.find(name);
                   return it == c.other.end() ? fallback : it->second;
                 },
                 [name, fallback](server_config& c, std::string_view v) -> std::string {
                   if (std::string error = check_like_default(name, fallback, v); !error.empty())
                     return error;
                   c.other[name] = std::string(v);
                   return {};
                 },
                 d.alias});
  }
  return p;
}

bool parse_class(std::string_view name, client_class& out) {
  if (iequals(name, "normal"))
    out = client_class::normal;
  else if (iequals(name, "replica") || iequals(name, "slave"))
    out = client_class::replica;
  else if (iequals(name, "pubsub"))
    out = client_class::pubsub;
  else
    return false;
  return true;
}

}  // namespace

std::vector<std::string_view> words_of(std::string_view text) {
  std::vector<std::string_view> words;
  size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && text[i] == ' ')
      ++i;
    size_t start = i;
    while (i < text.size() && text[i] != ' ')
      ++i;
    if (i > start)
      words.push_back(text.substr(start, i - start));
  }
  return words;
}

std::span<const config_parameter> config_parameters() {
  static const std::vector<config_parameter> params = make_parameters();
  return params;
}

std::string default_value(const config_parameter& p) {
  static const server_config defaults;
  return p.held_default.empty() ? p.get(defaults) : std::string(p.held_default);
}

const config_parameter* find_config_parameter(std::string_view name) {
  for (const auto& p : config_parameters())
    if (iequals(name, p.name) || (!p.alias.empty() && iequals(name, p.alias)))
      return &p;
  return nullptr;
}

std::string unsupported_value(std::string_view name, const server_config& config) {
  for (const auto& d : default_onlys) {
    if (!iequals(d.name, name))
      continue;
    auto it = config.other.find(std::string(d.name));
    if (it != config.other.end() && !iequals(it->second, stored_default_of(d.name)))
      return std::string(d.why);
  }
  return {};
}

std::string unsupported_setting(const server_config& config) {
  for (const auto& d : default_onlys)
    if (std::string why = unsupported_value(d.name, config); !why.empty())
      return std::string(d.name).append(" ").append(config.other.at(std::string(d.name)))
          .append(": ").append(why);
  return password_mismatch(config);
}

bool parse_save_points(std::string_view value, std::string& normalised) {
  std::vector<std::string_view> words = words_of(value);
  if (words.size() % 2 != 0)
    return false;
  normalised.clear();
  for (size_t i = 0; i < words.size(); ++i) {
    const auto& w = words[i];
    int64_t n = 0;
    // As Redis: at least a second between saves, any number of changes.
    if (!parse_int64(w, n) || n < (i % 2 == 0 ? 1 : 0))
      return false;
    if (!normalised.empty())
      normalised.push_back(' ');
    normalised += w;
  }
  return true;
}

bool parse_replicaof(std::string_view value, std::string& host, uint16_t& port) {
  std::vector<std::string_view> words = words_of(value);
  int64_t p = 0;
  if (words.size() != 2 || !parse_int64(words[1], p) || p < 1 || p > 65535)
    return false;
  host = std::string(words[0]);
  port = static_cast<uint16_t>(p);
  return true;
}

bool parse_output_buffer_limits(std::string_view text, output_buffer_limits& limits) {
  auto words = words_of(text);
  if (words.empty() || words.size() % 4 != 0)
    return false;
  output_buffer_limits changed = limits;
  for (size_t i = 0; i < words.size(); i += 4) {
    client_class c;
    output_buffer_limit l;
    if (!parse_class(words[i], c) || !parse_memory_size(words[i + 1], l.hard) ||
        !parse_memory_size(words[i + 2], l.soft) || !parse_int64(words[i + 3], l.soft_seconds) ||
        l.soft_seconds < 0)
      return false;
    changed.classes[static_cast<int>(c)] = l;
  }
  limits = changed;
  return true;
}

std::string render_output_buffer_limits(const output_buffer_limits& limits) {
  const char* names[] = {"normal", "slave", "pubsub"};
  std::string out;
  for (int i = 0; i < 3; ++i) {
    const auto& l = limits.classes[i];
    if (!out.empty())
      out += ' ';
    out += std::string(names[i]) + " " + int_text(l.hard) + " " + int_text(l.soft) + " " +
           int_text(l.soft_seconds);
  }
  return out;
}

}  // namespace credis
