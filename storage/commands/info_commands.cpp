// INFO [section ...] (Redis's genRedisInfoString): the fields monitoring tools and clients
// read, named as Redis names them.
#include <sys/resource.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <vector>

#include "protocol/integers.hpp"
#include "protocol/reply.hpp"
#include "storage/commands/command_families.hpp"
#include "storage/scripting/scripting.hpp"
#include "storage/commands/float_text.hpp"
#include "storage/commands/text.hpp"
#include "storage/memory_usage.hpp"
#include "storage/tick_clock.hpp"
#include "storage/server_version.hpp"

namespace credis {

namespace {

class info_writer {
 public:
  explicit info_writer(std::string& out) : out_(out) {}
  void section(std::string_view title) {
    if (!out_.empty())
      out_.append("\r\n");
    out_.append("# ").append(title).append("\r\n");
  }
  void field(std::string_view name, std::string_view value) {
    out_.append(name).append(":").append(value).append("\r\n");
  }
  void field(std::string_view name, int64_t value) {
    out_.append(name).append(":");
    append_int64(out_, value);
    out_.append("\r\n");
  }

 private:
  std::string& out_;
};

std::string human_bytes(int64_t n) {
  char buf[32];
  double d = static_cast<double>(n);
  if (n < 1024)
    std::snprintf(buf, sizeof(buf), "%lldB", static_cast<long long>(n));
  else if (n < 1024 * 1024)
    std::snprintf(buf, sizeof(buf), "%.2fK", d / 1024);
  else if (n < 1024LL * 1024 * 1024)
    std::snprintf(buf, sizeof(buf), "%.2fM", d / (1024 * 1024));
  else
    std::snprintf(buf, sizeof(buf), "%.2fG", d / (1024.0 * 1024 * 1024));
  return buf;
}

std::string seconds_text(const timeval& tv) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%ld.%06ld", static_cast<long>(tv.tv_sec),
                static_cast<long>(tv.tv_usec));
  return buf;
}

void server_section(info_writer& w, exec_context& ctx) {
  utsname u{};
  uname(&u);
  int64_t uptime = (ctx.now - ctx.server.stats.start_time_ms) / 1000;
  w.section("Server");
  w.field("redis_version", redis_version);
  w.field("redis_git_sha1", "00000000");
  w.field("redis_git_dirty", "0");
  w.field("redis_build_id", build_id());
  w.field("redis_mode", "standalone");
  w.field("os", std::string(u.sysname) + " " + u.release + " " + u.machine);
  w.field("arch_bits", "64");
  w.field("multiplexing_api", "epoll");
  w.field("server_name", "credis");
  w.field("process_id", static_cast<int64_t>(getpid()));
  w.field("process_supervised", "no");
  w.field("run_id", ctx.server.run_id);
  w.field("tcp_port", ctx.server.config.port);
  w.field("server_time_usec", ctx.now * 1000);
  w.field("uptime_in_seconds", uptime);
  w.field("uptime_in_days", uptime / 86400);
  w.field("hz", "10");
  w.field("configured_hz", "10");
  w.field("executable", "credis-server");
  w.field("config_file", ctx.server.config.config_file);
}

void clients_section(info_writer& w, exec_context& ctx) {
  w.section("Clients");
  w.field("connected_clients", ctx.server.stats.connected_clients.load());
  w.field("cluster_connections", 0);
  w.field("maxclients", ctx.server.config.maxclients);
  // The largest buffers of the clients now, as they last reported them (Redis: the peaks of
  // the last few seconds).
  const client_buffer_totals buffers =
      ctx.intro ? ctx.intro->clients.buffers() : client_buffer_totals{};
  w.field("client_recent_max_input_buffer", static_cast<int64_t>(buffers.largest_query));
  w.field("client_recent_max_output_buffer", static_cast<int64_t>(buffers.largest_output));
  // The blocking commands' clients (WAIT's among them) and those CLIENT PAUSE holds.
  w.field("blocked_clients",
          static_cast<int64_t>(ctx.blocked ? ctx.blocked->size() : 0) +
              static_cast<int64_t>(ctx.intro ? ctx.intro->clients.paused_clients : 0));
  w.field("tracking_clients", 0);
  w.field("clients_in_timeout_table",
          static_cast<int64_t>(ctx.blocked ? ctx.blocked->with_timeout() : 0));
}

// Two decimals, as Redis prints its ratios and percentages.
std::string two_decimals(double v, std::string_view suffix = "") {
  char text[32];
  std::snprintf(text, sizeof text, "%.2f", v);
  return std::string(text).append(suffix);
}

// The ratio and the bytes beside it: "<prefix>_ratio" and "<prefix>_bytes".
void ratio_fields(info_writer& w, std::string_view prefix, memory_ratio r) {
  w.field(std::string(prefix) + "_ratio", two_decimals(r.ratio));
  w.field(std::string(prefix) + "_bytes", r.bytes);
}

// Redis 7.0's fields where they mean something here, from the figures MEMORY STATS shows;
// scripting, AOF, defragmentation and lazy freeing do not exist, so their figures are 0.
// The interpreters' memory (EVAL's and FUNCTION's) and what the scripts and libraries keep.
void scripts_memory_fields(info_writer& w, scripting* scripts) {
  const int64_t vm_eval = scripts ? static_cast<int64_t>(scripts->scripts.engine().memory()) : 0;
  const int64_t vm_functions =
      scripts ? static_cast<int64_t>(scripts->functions.engine().memory()) : 0;
  const int64_t eval_kept = scripts ? static_cast<int64_t>(scripts->scripts.memory()) : 0;
  const int64_t functions_kept = scripts ? static_cast<int64_t>(scripts->functions.memory()) : 0;
  w.field("used_memory_lua", vm_eval);
  w.field("used_memory_vm_eval", vm_eval);
  w.field("used_memory_lua_human", human_bytes(vm_eval));
  w.field("used_memory_scripts_eval", eval_kept);
  w.field("number_of_cached_scripts", scripts ? static_cast<int64_t>(scripts->scripts.size()) : 0);
  w.field("number_of_functions",
          scripts ? static_cast<int64_t>(scripts->functions.function_count()) : 0);
  w.field("number_of_libraries",
          scripts ? static_cast<int64_t>(scripts->functions.libraries().size()) : 0);
  w.field("used_memory_vm_functions", vm_functions);
  w.field("used_memory_vm_total", vm_eval + vm_functions);
  w.field("used_memory_vm_total_human", human_bytes(vm_eval + vm_functions));
  w.field("used_memory_functions", functions_kept);
  w.field("used_memory_scripts", eval_kept + functions_kept);
  w.field("used_memory_scripts_human", human_bytes(eval_kept + functions_kept));
}

void memory_section(info_writer& w, exec_context& ctx) {
  const memory_figures m = measure_memory(ctx);
  w.section("Memory");
  w.field("used_memory", m.used);
  w.field("used_memory_human", human_bytes(m.used));
  w.field("used_memory_rss", m.rss);
  w.field("used_memory_rss_human", human_bytes(m.rss));
  w.field("used_memory_peak", m.peak);
  w.field("used_memory_peak_human", human_bytes(m.peak));
  w.field("used_memory_peak_perc", two_decimals(m.peak_percentage(), "%"));
  w.field("used_memory_overhead", m.overhead_total());
  w.field("used_memory_startup", m.startup);
  w.field("used_memory_dataset", m.dataset());
  w.field("used_memory_dataset_perc", two_decimals(m.dataset_percentage(), "%"));
  w.field("allocator_allocated", m.allocator.allocated);
  w.field("allocator_active", m.allocator.active);
  w.field("allocator_resident", m.allocator.resident);
  const int64_t system = static_cast<int64_t>(sysconf(_SC_PHYS_PAGES)) * sysconf(_SC_PAGESIZE);
  w.field("total_system_memory", system);
  w.field("total_system_memory_human", human_bytes(system));
  scripts_memory_fields(w, ctx.scripts);
  w.field("maxmemory", 0);
  w.field("maxmemory_human", "0B");
  w.field("maxmemory_policy", ctx.server.config.maxmemory_policy);
  ratio_fields(w, "allocator_frag", m.allocator_fragmentation());
  ratio_fields(w, "allocator_rss", m.allocator_rss());
  ratio_fields(w, "rss_overhead", m.rss_overhead());
  ratio_fields(w, "mem_fragmentation", m.fragmentation());
  w.field("mem_not_counted_for_evict", 0);
  w.field("mem_replication_backlog", m.replication_backlog);
  w.field("mem_total_replication_buffers", m.replication_backlog + m.replica_buffers);
  // The query and output buffers connections reported (not their fixed per-client costs).
  w.field("mem_clients_slaves", m.replica_buffers);
  w.field("mem_clients_normal", m.client_buffers);
  w.field("mem_cluster_links", 0);
  w.field("mem_aof_buffer", 0);
  w.field("mem_allocator", allocator_name());
  w.field("active_defrag_running", 0);
  w.field("lazyfree_pending_objects", 0);
  w.field("lazyfreed_objects", 0);
}

void persistence_section(info_writer& w, exec_context& ctx) {
  const auto& p = ctx.server.persistence;
  w.section("Persistence");
  w.field("loading", p.loading ? 1 : 0);
  w.field("async_loading", 0);
  w.field("current_cow_peak", p.cow_peak);
  w.field("current_cow_size", p.cow_size);
  w.field("current_cow_size_age", p.cow_sampled_ms > 0 ? (ctx.now - p.cow_sampled_ms) / 1000 : 0);
  // The running save's progress, as its child last reported it.
  w.field("current_fork_perc",
          two_decimals(p.save_keys_total > 0 ? 100.0 * static_cast<double>(p.save_keys_processed) /
                                                   static_cast<double>(p.save_keys_total)
                                             : 0.0));
  w.field("current_save_keys_processed", p.save_keys_processed);
  w.field("current_save_keys_total", p.save_keys_total);
  if (p.loading) {
    int64_t elapsed_ms = std::max<int64_t>(ctx.now - p.loading_started_ms, 1);
    double share = p.loading_total_bytes > 0 ? static_cast<double>(p.loading_loaded_bytes) /
                                                   static_cast<double>(p.loading_total_bytes)
                                             : 0.0;
    int64_t eta = p.loading_loaded_bytes > 0
                      ? (p.loading_total_bytes - p.loading_loaded_bytes) * elapsed_ms /
                            p.loading_loaded_bytes / 1000
                      : 1;
    w.field("loading_start_time", p.loading_started_ms / 1000);
    w.field("loading_total_bytes", p.loading_total_bytes);
    w.field("loading_rdb_used_mem", 0);
    w.field("loading_loaded_bytes", p.loading_loaded_bytes);
    w.field("loading_loaded_perc", two_decimals(share * 100));
    w.field("loading_eta_seconds", eta);
  }
  w.field("rdb_changes_since_last_save", ctx.server.stats.dirty);
  w.field("rdb_bgsave_in_progress", p.child_pid > 0 ? 1 : 0);
  w.field("rdb_last_save_time", p.last_save_time);
  w.field("rdb_last_bgsave_status", p.last_bgsave_ok ? "ok" : "err");
  w.field("rdb_last_bgsave_time_sec", p.last_bgsave_seconds);
  w.field("rdb_current_bgsave_time_sec",
          p.child_pid > 0 ? (ctx.now - p.bgsave_started_ms) / 1000 : -1);
  w.field("rdb_saves", p.saves);
  w.field("rdb_last_cow_size", p.last_cow_size);
  // No append-only file: its fields as Redis prints them with appendonly no.
  w.field("aof_enabled", 0);
  w.field("aof_rewrite_in_progress", 0);
  w.field("aof_rewrite_scheduled", 0);
  w.field("aof_last_rewrite_time_sec", -1);
  w.field("aof_current_rewrite_time_sec", -1);
  w.field("aof_last_bgrewrite_status", "ok");
  w.field("aof_last_write_status", "ok");
  w.field("aof_last_cow_size", 0);
  w.field("module_fork_in_progress", 0);
  w.field("module_fork_last_cow_size", 0);
}

void stats_section(info_writer& w, exec_context& ctx) {
  const auto& s = ctx.server.stats;
  w.section("Stats");
  w.field("total_connections_received", s.total_connections_received.load());
  w.field("total_commands_processed", s.total_commands_processed);
  w.field("instantaneous_ops_per_sec", ctx.intro ? ctx.intro->ops_rate.per_second() : 0);
  w.field("total_net_input_bytes", ctx.intro ? ctx.intro->net_input_bytes : 0);
  w.field("total_net_output_bytes", ctx.intro ? ctx.intro->net_output_bytes : 0);
  w.field("total_net_repl_input_bytes", ctx.intro ? ctx.intro->net_repl_input_bytes : 0);
  w.field("total_net_repl_output_bytes", ctx.intro ? ctx.intro->net_repl_output_bytes : 0);
  const auto kbps = [](int64_t bytes_per_second) {
    return two_decimals(static_cast<double>(bytes_per_second) / 1024.0);
  };
  w.field("instantaneous_input_kbps", kbps(ctx.intro ? ctx.intro->input_rate.per_second() : 0));
  w.field("instantaneous_output_kbps", kbps(ctx.intro ? ctx.intro->output_rate.per_second() : 0));
  w.field("instantaneous_input_repl_kbps",
          kbps(ctx.intro ? ctx.intro->repl_input_rate.per_second() : 0));
  w.field("instantaneous_output_repl_kbps",
          kbps(ctx.intro ? ctx.intro->repl_output_rate.per_second() : 0));
  w.field("rejected_connections", s.rejected_connections.load());
  w.field("sync_full", ctx.replication.sync_full);
  w.field("sync_partial_ok", ctx.replication.sync_partial_ok);
  w.field("sync_partial_err", ctx.replication.sync_partial_err);
  w.field("expired_keys", s.expired_keys);
  // Expiry is exact here (a deadline heap, not sampling): no expired key is left to estimate.
  w.field("expired_stale_perc", "0.00");
  w.field("expired_time_cap_reached_count", ctx.intro ? ctx.intro->expire_cap_reached : 0);
  w.field("evicted_keys", 0);
  w.field("keyspace_hits", s.keyspace_hits);
  w.field("keyspace_misses", s.keyspace_misses);
  w.field("pubsub_channels",
          ctx.channels ? static_cast<int64_t>(ctx.channels->channel_count(false)) : 0);
  w.field("pubsub_patterns",
          ctx.channels ? static_cast<int64_t>(ctx.channels->pattern_count()) : 0);
  w.field("pubsubshard_channels",
          ctx.channels ? static_cast<int64_t>(ctx.channels->channel_count(true)) : 0);
  w.field("latest_fork_usec", ctx.intro ? ctx.intro->latest_fork_usec : 0);
  w.field("total_forks", ctx.intro ? ctx.intro->total_forks : 0);
  w.field("migrate_cached_sockets", ctx.intro ? ctx.intro->migrate_cached_sockets : 0);
  w.field("total_error_replies", static_cast<int64_t>(s.commands.total_error_replies()));
  w.field("total_reads_processed", ctx.intro ? ctx.intro->reads : 0);
  w.field("total_writes_processed", ctx.intro ? ctx.intro->writes : 0);
  // Features credis does not have (writable replicas, defragmentation, client-side
  // caching, I/O threads, DUMP payload sanitizing): their counters as Redis shows them unused.
  for (const char* unused :
       {"slave_expires_tracked_keys", "active_defrag_hits", "active_defrag_misses",
        "active_defrag_key_hits", "active_defrag_key_misses", "tracking_total_keys",
        "tracking_total_items", "tracking_total_prefixes", "unexpected_error_replies",
        "dump_payload_sanitizations", "io_threads_active", "io_threaded_reads_processed",
        "io_threaded_writes_processed"})
    w.field(unused, 0);
  // Redis 7.2's fields, for the clients these limits closed.
  w.field("client_query_buffer_limit_disconnections",
          s.client_query_buffer_limit_disconnections.load());
  w.field("client_output_buffer_limit_disconnections",
          s.client_output_buffer_limit_disconnections.load());
}

void replication_section(info_writer& w, exec_context& ctx) {
  const replication_info& r = ctx.replication;
  w.section("Replication");
  w.field("role", r.is_replica ? "slave" : "master");
  if (r.is_replica) {
    w.field("master_host", r.master_host);
    w.field("master_port", r.master_port);
    w.field("master_link_status", r.link_up ? "up" : "down");
    w.field("master_last_io_seconds_ago",
            r.link_up ? (ctx.now - r.last_io_ms) / 1000 : -1);
    w.field("master_sync_in_progress", r.sync_in_progress ? 1 : 0);
    w.field("slave_read_repl_offset", r.offset);
    w.field("slave_repl_offset", r.offset);
    w.field("slave_priority", 100);
    w.field("slave_read_only", 1);
    w.field("replica_announced", 1);
  }
  w.field("connected_slaves", static_cast<int64_t>(r.replicas.size()));
  for (size_t i = 0; i < r.replicas.size(); ++i) {
    const auto& replica = r.replicas[i];
    std::string line = "ip=" + replica.ip + ",port=";
    append_int64(line, replica.port);
    line += ",state=" + replica.state + ",offset=";
    append_int64(line, replica.ack_offset);
    line += ",lag=";
    append_int64(line, replica.last_ack_ms ? (ctx.now - replica.last_ack_ms) / 1000 : 0);
    std::string name = "slave";
    append_int64(name, static_cast<int64_t>(i));
    w.field(name, line);
  }
  w.field("master_failover_state", "no-failover");
  w.field("master_replid", r.replid);
  w.field("master_replid2", r.replid2);
  w.field("master_repl_offset", r.offset);
  w.field("second_repl_offset", r.second_offset);
  w.field("repl_backlog_active", r.backlog_active ? 1 : 0);
  w.field("repl_backlog_size", r.backlog_size);
  w.field("repl_backlog_first_byte_offset", r.backlog_first_byte());
  w.field("repl_backlog_histlen", r.backlog_histlen());
}

void cpu_section(info_writer& w, exec_context&) {
  rusage self{}, children{}, thread{};
  getrusage(RUSAGE_SELF, &self);
  getrusage(RUSAGE_CHILDREN, &children);  // background saves
  getrusage(RUSAGE_THREAD, &thread);       // the multiplexer's, where commands run
  w.section("CPU");
  w.field("used_cpu_sys", seconds_text(self.ru_stime));
  w.field("used_cpu_user", seconds_text(self.ru_utime));
  w.field("used_cpu_sys_children", seconds_text(children.ru_stime));
  w.field("used_cpu_user_children", seconds_text(children.ru_utime));
  w.field("used_cpu_sys_main_thread", seconds_text(thread.ru_stime));
  w.field("used_cpu_user_main_thread", seconds_text(thread.ru_utime));
}

void modules_section(info_writer& w, exec_context&) { w.section("Modules"); }

void commandstats_section(info_writer& w, exec_context& ctx) {
  w.section("Commandstats");
  const double ticks_per_us = ticks_per_microsecond();
  ctx.server.stats.commands.for_each_command([&](size_t index, const command_counters& c) {
    const auto usec = static_cast<int64_t>(static_cast<double>(c.ticks) / ticks_per_us);
    char line[160];
    std::snprintf(line, sizeof line,
                  "calls=%llu,usec=%lld,usec_per_call=%.2f,rejected_calls=%llu,failed_calls=%llu",
                  static_cast<unsigned long long>(c.calls), static_cast<long long>(usec),
                  c.calls ? static_cast<double>(usec) / static_cast<double>(c.calls) : 0.0,
                  static_cast<unsigned long long>(c.rejected),
                  static_cast<unsigned long long>(c.failed));
    w.field("cmdstat_" + std::string(command_at(index).name), line);
  });
}

void errorstats_section(info_writer& w, exec_context& ctx) {
  w.section("Errorstats");
  for (const auto& [code, count] : ctx.server.stats.commands.errors()) {
    std::string v = "count=";
    append_int64(v, static_cast<int64_t>(count));
    w.field("errorstat_" + code, v);
  }
}

// Each command's latency percentiles (latency-tracking-info-percentiles), in microseconds.
void latencystats_section(info_writer& w, exec_context& ctx) {
  w.section("Latencystats");
  if (!ctx.server.config.latency_tracking)
    return;
  const auto& percentiles = ctx.server.config.latency_percentiles;
  ctx.server.stats.commands.for_each_command([&](size_t index, const command_counters& c) {
    if (c.latency.total() == 0)
      return;
    std::string value;
    for (double p : percentiles) {
      char v[64];
      std::snprintf(v, sizeof v, "%.3f",
                    static_cast<double>(c.latency.value_at_percentile(p)) / 1000.0);
      value += value.empty() ? "p" : ",p";
      value += format_trimmed_double(p);
      value += '=';
      value += v;
    }
    w.field("latency_percentiles_usec_" + std::string(command_at(index).name), value);
  });
}

void cluster_section(info_writer& w, exec_context&) {
  w.section("Cluster");
  w.field("cluster_enabled", 0);
}

void keyspace_section(info_writer& w, exec_context& ctx) {
  w.section("Keyspace");
  for (int i = 0; i < keyspace::db_count; ++i) {
    const database& db = ctx.ks.db(i);
    if (db.size() == 0)
      continue;
    std::string v = "keys=";
    append_int64(v, static_cast<int64_t>(db.size()));
    v += ",expires=";
    append_int64(v, static_cast<int64_t>(db.expires()));
    v += ",avg_ttl=";
    append_int64(v, db.avg_ttl(ctx.now));
    std::string name = "db";
    append_int64(name, i);
    w.field(name, v);
  }
}

struct section {
  std::string_view name;
  void (*write)(info_writer&, exec_context&);
  bool by_default;  // in INFO without arguments and INFO default
};

const section sections[] = {
    {"server", server_section, true},
    {"clients", clients_section, true},
    {"memory", memory_section, true},
    {"persistence", persistence_section, true},
    {"stats", stats_section, true},
    {"replication", replication_section, true},
    {"cpu", cpu_section, true},
    {"modules", modules_section, true},
    {"commandstats", commandstats_section, false},
    {"errorstats", errorstats_section, true},
    {"latencystats", latencystats_section, false},
    {"cluster", cluster_section, true},
    {"keyspace", keyspace_section, true},
};

// INFO [section ...]: the named sections (any case), "default" the default ones, "all" and
// "everything" every one; each once, in Redis's order.
void info_command(exec_context& ctx, arg_list argv) {
  bool all = false, defaults = argv.size() == 1;
  std::vector<std::string> wanted;
  for (size_t i = 1; i < argv.size(); ++i) {
    std::string name = to_lower(argv[i]);
    all = all || name == "all" || name == "everything";
    defaults = defaults || name == "default";
    wanted.push_back(name == "module_list" ? "modules" : std::move(name));
  }
  std::string text;
  info_writer w(text);
  for (const auto& s : sections) {
    bool selected = all || (defaults && s.by_default) ||
                    std::find(wanted.begin(), wanted.end(), s.name) != wanted.end();
    if (selected)
      s.write(w, ctx);
  }
  reply::verbatim(ctx.out, text);
}

const command_spec specs[] = {
    {"info", -1, cmd_loading | cmd_stale, info_command, nullptr, 0, 0, 0, kf::none,
     "Get information and statistics about the server", "server", "1.0.0"},
};

}  // namespace

std::span<const command_spec> info_commands() { return specs; }

}  // namespace credis
