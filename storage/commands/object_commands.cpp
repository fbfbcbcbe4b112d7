// Commands that look at how a value is kept and what memory holds (Redis's object.c and
// debug.c): OBJECT, MEMORY, and the DEBUG subcommands Redis's own tests rely on.
#include <spdlog/spdlog.h>

#include <algorithm>
#include <bit>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <string>
#include <thread>

#include "protocol/integers.hpp"
#include "protocol/reply.hpp"
#include "storage/access_clock.hpp"
#include "storage/commands/command_families.hpp"
#include "storage/commands/float_text.hpp"
#include "storage/commands/lookup.hpp"
#include "storage/commands/subcommands.hpp"
#include "storage/commands/text.hpp"
#include "storage/hyperloglog.hpp"
#include "storage/memory_stats.hpp"
#include "storage/memory_usage.hpp"

namespace credis {

namespace {

// As Redis's string encodings: a number that fits a long, a short string kept with its object,
// or a separate buffer. (Redis also makes a short string "raw" once APPEND or SETRANGE changed
// it; here only the size tells.) A HyperLogLog sketch is "raw" however short: PFADD makes it so.
std::string_view string_encoding(std::string_view s) {
  int64_t n = 0;
  if (s.size() <= 20 && parse_int64(s, n))
    return "int";
  return s.size() <= 44 && !hll::has_valid_header(s) ? "embstr" : "raw";
}

// The name Redis 7.0 gives the value's encoding. Its lists are quicklists of any length, and
// sets that are not all integers hash tables (the listpack set came in 7.2).
std::string_view encoding_name(const value& v) {
  switch (v.type()) {
    case value_type::string:
      return string_encoding(v.str());
    case value_type::list:
      return "quicklist";
    case value_type::set:
      return v.set().packed() && v.set().packed()->ints() ? "intset" : "hashtable";
    case value_type::hash:
      return v.hash().packed() ? "listpack" : "hashtable";
    case value_type::zset:
      return v.zset().packed() ? "listpack" : "skiplist";
    case value_type::stream:
      return "stream";
  }
  return "unknown";
}

// A block of n bytes as jemalloc allocates it: size classes 16 bytes apart up to 128, then four
// classes per doubling (160, 192, 224, 256, 320, ...).
size_t block_bytes(size_t n) {
  if (n <= 128)
    return (n + 15) & ~size_t{15};
  const size_t spacing = std::bit_floor(n - 1) / 4;
  return (n + spacing - 1) / spacing * spacing;
}
// A big container's slot array.
template <class Big>
size_t slot_bytes(const Big* big) {
  return big->slots().slot_count() * sizeof(uintptr_t);
}
// A skip-list node of `member` bytes on average: score, back link, length and height (24
// bytes), a 16-byte link per level, and the member; 3/4 of the nodes have one level, 3/16 two...
size_t zset_node_bytes(size_t member) {
  double bytes = 0, share = 0.75;
  for (size_t height = 1; height <= 8; ++height, share /= 4)
    bytes += share * static_cast<double>(block_bytes(24 + 16 * height + member));
  return static_cast<size_t>(bytes);
}

// An estimate of what the key and its value take, as MEMORY USAGE reports it (Redis samples
// too: its aggregates are measured from `samples` elements).
int64_t memory_usage(std::string_view key, const value& v, int64_t samples) {
  size_t bytes = 32 + key.size();  // the entry node
  auto sampled = [&](auto& agg, auto element_bytes) {
    size_t n = 0, seen = 0;
    for (auto it = agg.begin(); it != agg.end() && (samples == 0 || n < static_cast<size_t>(samples));
         ++it, ++n)
      seen += element_bytes(*it);
    return n == 0 ? 0 : seen * agg.size() / n;
  };
  auto one = [](const element& e) { return e.size(); };
  switch (v.type()) {
    case value_type::string: {
      const size_t n = v.str().size();
      return static_cast<int64_t>(bytes + (n <= 12 ? 0 : n + 1));  // inline up to 12 bytes
    }
    case value_type::list:
      if (const listpack* lp = v.list().packed())
        return static_cast<int64_t>(bytes + lp->bytes());
      return static_cast<int64_t>(bytes + sampled(v.list(), one));
    case value_type::set:
      if (const small_set* s = v.set().packed())
        return static_cast<int64_t>(bytes + (s->ints() ? s->ints()->data().size()
                                                        : s->strings()->bytes()));
      return static_cast<int64_t>(
          bytes + slot_bytes(v.set().unpacked()) + sampled(v.set(), [](const element& m) {
            return block_bytes(member_table::block_size(m.view()));
          }));
    case value_type::hash:
      if (const listpack* lp = v.hash().packed())
        return static_cast<int64_t>(bytes + lp->bytes());
      return static_cast<int64_t>(
          bytes + slot_bytes(v.hash().unpacked()) + sampled(v.hash(), [](const auto& p) {
            return block_bytes(field_table::block_size(p.first.view(), p.second.view()));
          }));
    case value_type::zset:
      if (const listpack* lp = v.zset().packed())
        return static_cast<int64_t>(bytes + lp->bytes());
      return static_cast<int64_t>(
          bytes + slot_bytes(v.zset().unpacked()) + sampled(v.zset(), [](const zset_entry& e) {
            return zset_node_bytes(e.member.size());
          }));
    case value_type::stream:
      return static_cast<int64_t>(bytes + v.stream().memory_usage());
  }
  return static_cast<int64_t>(bytes);
}

// OBJECT ENCODING|REFCOUNT|IDLETIME|FREQ key, OBJECT HELP
void object_command(exec_context& ctx, arg_list argv) {
  if (argv.size() == 2 && iequals(argv[1], "help")) {
    const char* lines[] = {
        "OBJECT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
        "ENCODING <key>",
        "    Return the kind of internal representation used in order to store the value",
        "    associated with a <key>.",
        "FREQ <key>",
        "    Return the access frequency index of the <key>. The returned integer is",
        "    proportional to the logarithm of the recent access frequency of the key.",
        "IDLETIME <key>",
        "    Return the idle time of the <key>, that is the approximated number of",
        "    seconds elapsed since the last access to the key.",
        "REFCOUNT <key>",
        "    Return the number of references of the value associated with the specified",
        "    <key>.",
        "HELP",
        "    Prints this help."};
    reply::array_header(ctx.out, std::size(lines));
    for (const char* line : lines)
      reply::simple(ctx.out, line);
    return;
  }
  const bool known = iequals(argv[1], "encoding") || iequals(argv[1], "refcount") ||
                     iequals(argv[1], "idletime") || iequals(argv[1], "freq");
  if (!known || argv.size() != 3) {
    reply::error(ctx.out, unknown_subcommand_error("OBJECT", argv[1]));
    return;
  }
  entry* e = ctx.db().peek(argv[2], ctx.expiry_now);
  if (!e) {
    reply::null_bulk(ctx.out);
    return;
  }
  const bool lfu = access_tracking().lfu;
  if (iequals(argv[1], "encoding")) {
    reply::bulk(ctx.out, encoding_name(e->val));
  } else if (iequals(argv[1], "refcount")) {
    // Redis shares the objects of the integers 0-9999 (OBJ_SHARED_REFCOUNT).
    int64_t n = -1;
    bool shared = e->val.type() == value_type::string && parse_int64(e->val.str(), n) &&
                  n >= 0 && n < 10000 && string_encoding(e->val.str()) == "int";
    reply::integer(ctx.out, shared ? INT32_MAX : 1);
  } else if (iequals(argv[1], "idletime")) {
    if (lfu)
      reply::error(ctx.out,
                   "ERR An LFU maxmemory policy is selected, idle time not tracked. Please note "
                   "that when switching between policies at runtime LRU and LFU data will take "
                   "some time to adjust.");
    else
      reply::integer(ctx.out, idle_ms(e->val.access(), ctx.now) / 1000);
  } else if (!lfu) {
    reply::error(ctx.out,
                 "ERR An LFU maxmemory policy is not selected, access frequency not tracked. "
                 "Please note that when switching between policies at runtime LRU and LFU data "
                 "will take some time to adjust.");
  } else {
    reply::integer(ctx.out, lfu_frequency(e->val.access(), ctx.now));
  }
}

// MEMORY USAGE key [SAMPLES count]
void memory_usage_command(exec_context& ctx, arg_list argv) {
  int64_t samples = 5;  // Redis's OBJ_COMPUTE_SIZE_DEF_SAMPLES
  for (size_t i = 3; i < argv.size(); ++i) {
    if (iequals(argv[i], "samples") && i + 1 < argv.size()) {
      if (!parse_integer_arg(ctx, argv[++i], samples))
        return;
      if (samples < 0) {
        reply::error(ctx.out, errors::syntax);
        return;
      }
    } else {
      reply::error(ctx.out, errors::syntax);
      return;
    }
  }
  entry* e = ctx.db().peek(argv[2], ctx.expiry_now);
  if (!e) {
    reply::null_bulk(ctx.out);
    return;
  }
  reply::integer(ctx.out, memory_usage(argv[2], e->val, samples));
}

// MEMORY STATS's entries, each a name and its figure.
class stats_writer {
 public:
  explicit stats_writer(std::string& out) : out_(out) {}
  void integer(std::string_view name, int64_t v) {
    reply::bulk(out_, name);
    reply::integer(out_, v);
  }
  void number(std::string_view name, double v) {
    reply::bulk(out_, name);
    reply::bulk_double(out_, v);
  }
  // "<prefix>.ratio" and "<prefix>.bytes".
  void ratio(std::string_view prefix, memory_ratio r) {
    number(std::string(prefix) + ".ratio", r.ratio);
    integer(std::string(prefix) + ".bytes", r.bytes);
  }
  void database(const db_memory_overhead& db) {
    std::string name = "db.";
    append_int64(name, db.db);
    reply::bulk(out_, name);
    reply::map_header(out_, 3);
    integer("overhead.hashtable.main", db.main_table);
    integer("overhead.hashtable.expires", db.expires);
    integer("overhead.hashtable.slot-to-keys", 0);  // kept only in cluster mode
  }

 private:
  std::string& out_;
};

// MEMORY STATS: the figures INFO memory prints, as Redis 7.0 lists them.
void memory_stats(exec_context& ctx, arg_list) {
  const memory_figures m = measure_memory(ctx);
  reply::map_header(ctx.out, 27 + static_cast<int64_t>(m.dbs.size()));  // and one per db
  stats_writer w(ctx.out);
  w.integer("peak.allocated", m.peak);
  w.integer("total.allocated", m.used);
  w.integer("startup.allocated", m.startup);
  w.integer("replication.backlog", m.replication_backlog);
  w.integer("clients.slaves", m.replica_buffers);
  w.integer("clients.normal", m.client_buffers);
  // No cluster bus, append-only file, Lua or functions here: nothing is spent on them.
  for (std::string_view unused : {"cluster.links", "aof.buffer", "lua.caches", "functions.caches"})
    w.integer(unused, 0);
  for (const db_memory_overhead& db : m.dbs)
    w.database(db);
  w.integer("overhead.total", m.overhead_total());
  w.integer("keys.count", m.keys());
  w.integer("keys.bytes-per-key", m.bytes_per_key());
  w.integer("dataset.bytes", m.dataset());
  w.number("dataset.percentage", m.dataset_percentage());
  w.number("peak.percentage", m.peak_percentage());
  w.integer("allocator.allocated", m.allocator.allocated);
  w.integer("allocator.active", m.allocator.active);
  w.integer("allocator.resident", m.allocator.resident);
  w.ratio("allocator-fragmentation", m.allocator_fragmentation());
  w.ratio("allocator-rss", m.allocator_rss());
  w.ratio("rss-overhead", m.rss_overhead());
  w.number("fragmentation", m.fragmentation().ratio);
  w.integer("fragmentation.bytes", m.fragmentation().bytes);
}

void memory_doctor(exec_context& ctx, arg_list) {
  reply::verbatim(ctx.out, memory_doctor_report(measure_memory(ctx), allocator_name()));
}

void memory_malloc_stats(exec_context& ctx, arg_list) {
  const std::string report = allocator_report();
  if (report.empty())
    reply::bulk(ctx.out, "Stats not supported for the current allocator");
  else
    reply::verbatim(ctx.out, report);
}

void memory_purge(exec_context& ctx, arg_list) {
  if (purge_allocator())
    reply::ok(ctx.out);
  else
    reply::error(ctx.out, "ERR Error purging dirty pages");
}

void memory_help(exec_context& ctx, arg_list) {
  reply_help(ctx.out, "memory",
             {"DOCTOR", "    Return memory problems reports.", "MALLOC-STATS",
              "    Return internal statistics report from the memory allocator.", "PURGE",
              "    Attempt to purge dirty pages for reclamation by the allocator.", "STATS",
              "    Return information about the memory usage of the server.",
              "USAGE <key> [SAMPLES <count>]",
              "    Return memory in bytes used by <key> and its value. Nested values are",
              "    sampled up to <count> times (default: 5, 0 means sample all)."});
}

// DEBUG OBJECT key | SLEEP seconds | LOG message | RELOAD [options] | QUICKLIST-PACKED-THRESHOLD
// size: the parts of it Redis's test suite uses that exist here.
void debug_command(exec_context& ctx, arg_list argv) {
  // Off unless configured, as in Redis 7 ("local" is taken as "yes": no client's address is
  // known here).
  auto it = ctx.server.config.other.find("enable-debug-command");
  if (it == ctx.server.config.other.end() || iequals(it->second, "no")) {
    reply::error(ctx.out,
                 "ERR DEBUG command not allowed. If the enable-debug-command option is set to "
                 "\"local\", you can run it from a local connection, otherwise you need to set "
                 "this option in the configuration file, and then restart the server.");
    return;
  }
  std::string_view sub = argv[1];
  if (iequals(sub, "object") && argv.size() == 3) {
    entry* e = ctx.db().peek(argv[2], ctx.expiry_now);
    if (!e) {
      reply::error(ctx.out, "ERR no such key");
      return;
    }
    char text[256];
    std::snprintf(text, sizeof text,
                  "Value at:%p refcount:1 encoding:%s serializedlength:%lld lru:%u "
                  "lru_seconds_idle:%lld",
                  static_cast<const void*>(e), std::string(encoding_name(e->val)).c_str(),
                  static_cast<long long>(memory_usage(argv[2], e->val, 0)), e->val.access(),
                  static_cast<long long>(idle_ms(e->val.access(), ctx.now) / 1000));
    reply::simple(ctx.out, text);
  } else if (iequals(sub, "sleep") && argv.size() == 3) {
    long double seconds = 0;
    if (!parse_long_double(argv[2], seconds) || seconds < 0)
      seconds = 0;
    // As in Redis, the whole server sleeps: that is what the tests that use it want.
    std::this_thread::sleep_for(std::chrono::microseconds(static_cast<int64_t>(seconds * 1e6)));
    reply::ok(ctx.out);
  } else if (iequals(sub, "set-active-expire") && argv.size() == 3) {
    int64_t on = 0;
    if (!parse_integer_arg(ctx, argv[2], on))
      return;
    ctx.ks.active_expire = on != 0;
    reply::ok(ctx.out);
  } else if (iequals(sub, "log") && argv.size() == 3) {
    spdlog::warn("DEBUG LOG: {}", argv[2]);
    reply::ok(ctx.out);
  } else if (iequals(sub, "reload")) {
    debug_reload(ctx, argv);
  } else if (iequals(sub, "quicklist-packed-threshold") && argv.size() == 3) {
    reply::ok(ctx.out);  // where Redis keeps big list elements apart: a list here has no nodes
  } else {
    reply::error(ctx.out, "ERR unknown subcommand or wrong number of arguments for '" +
                              std::string(sub) + "'. Try DEBUG HELP.");
  }
}

const command_spec specs[] = {
    {"object", -2, cmd_readonly | cmd_container, object_command, nullptr, 0, 0, 0, kf::none,
     "A container for object introspection commands", "generic", "2.2.3"},
    {"memory", -2, cmd_container, unknown_subcommand, nullptr, 0, 0, 0, kf::none,
     "A container for memory diagnostics commands", "server", "4.0.0"},
    {"memory|usage", -3, cmd_readonly, memory_usage_command, nullptr, 2, 2, 1, kf::ro,
     "Estimate the memory usage of a key", "server", "4.0.0"},
    {"memory|stats", 2, 0, memory_stats, nullptr, 0, 0, 0, kf::none, "Show memory usage details",
     "server", "4.0.0"},
    {"memory|doctor", 2, 0, memory_doctor, nullptr, 0, 0, 0, kf::none,
     "Outputs memory problems report", "server", "4.0.0"},
    {"memory|malloc-stats", 2, 0, memory_malloc_stats, nullptr, 0, 0, 0, kf::none,
     "Show allocator internal stats", "server", "4.0.0"},
    {"memory|purge", 2, 0, memory_purge, nullptr, 0, 0, 0, kf::none,
     "Ask the allocator to release memory", "server", "4.0.0"},
    {"memory|help", 2, cmd_loading | cmd_stale, memory_help, nullptr, 0, 0, 0, kf::none,
     "Show helpful text about the different subcommands", "server", "4.0.0"},
    {"debug", -2, cmd_admin | cmd_noscript | cmd_loading | cmd_stale, debug_command, nullptr, 0, 0,
     0, kf::none, "A container for debugging commands", "server", "1.0.0"},
};

}  // namespace

memory_figures measure_memory(exec_context& ctx) {
  memory_figures m;
  m.used = allocated_bytes();
  m.rss = process_rss();
  m.allocator = allocator_stats();
  m.peak = m.used;
  if (ctx.intro) {
    ctx.intro->peak_memory = std::max(ctx.intro->peak_memory, m.used);
    m.peak = ctx.intro->peak_memory;
    m.startup = std::min(ctx.intro->startup_memory, m.used);
    // As the connections last reported them (with a batch, or when their output drained).
    const client_buffer_totals buffers = ctx.intro->clients.buffers();
    m.replica_buffers = static_cast<int64_t>(buffers.replicas);
    m.client_buffers = static_cast<int64_t>(buffers.normal);
    m.replica_clients = buffers.replica_clients;
    m.normal_clients = buffers.normal_clients;
  }
  // The backlog's ring buffer is allocated whole when it is created.
  m.replication_backlog = ctx.replication.backlog_active ? ctx.replication.backlog_size : 0;
  for (int i = 0; i < keyspace::db_count; ++i) {
    const database& db = ctx.ks.db(i);
    if (db.size() > 0)
      m.dbs.push_back({i, static_cast<int64_t>(db.size()),
                       static_cast<int64_t>(db.table_overhead_bytes()),
                       static_cast<int64_t>(db.expiry_overhead_bytes())});
  }
  return m;
}

std::span<const command_spec> object_commands() { return specs; }

}  // namespace credis
