// CONFIG GET / SET / RESETSTAT / REWRITE (Redis's config.c), over a table of parameters.
#include <filesystem>
#include <functional>

#include "protocol/integers.hpp"
#include "protocol/reply.hpp"
#include "storage/commands/command_families.hpp"
#include "storage/commands/text.hpp"
#include "storage/glob.hpp"

namespace credis {

namespace {

struct parameter {
  std::string_view name;
  std::function<std::string(const server_config&)> get;
  // Returns an error text, or empty on success. Null: the parameter is immutable.
  std::function<std::string(server_config&, std::string_view)> set;
};

// Parameters whose value no code reads: they keep what CONFIG SET gave them.
struct stored_default {
  std::string_view name, value;
};
const stored_default stored_defaults[] = {
    {"appendonly", "no"},          {"appendfsync", "everysec"},
    {"maxmemory", "0"},            {"maxmemory-policy", "noeviction"},
    {"timeout", "0"},              {"tcp-keepalive", "300"},
    {"protected-mode", "yes"},     {"hz", "10"},
    {"requirepass", ""},
    {"masterauth", ""},            {"replica-read-only", "yes"},
    {"rdbcompression", "yes"},
    {"rdbchecksum", "yes"},        {"daemonize", "no"},
    {"io-threads", "1"},           {"tcp-backlog", "511"},
    {"lazyfree-lazy-user-del", "no"},
};

// Sets an integer parameter that must be at least `min`; an error text, or empty.
std::string set_int(int64_t& field, std::string_view v, int64_t min) {
  int64_t n = 0;
  if (!parse_int64(v, n))
    return "argument couldn't be parsed into an integer";
  if (n < min || n > INT32_MAX)
    return "argument must be between " + std::to_string(min) + " and 2147483647 inclusive";
  field = n;
  return {};
}

std::string int_text(int64_t v) {
  std::string s;
  append_int64(s, v);
  return s;
}

const std::vector<parameter>& parameters() {
  static const std::vector<parameter> params = [] {
    std::vector<parameter> p = {
        {"dir", [](const server_config& c) { return c.dir; },
         [](server_config& c, std::string_view v) -> std::string {
           std::error_code ec;
           auto abs = std::filesystem::canonical(std::string(v), ec);
           if (ec || !std::filesystem::is_directory(abs, ec))
             return "No such file or directory";
           c.dir = abs.string();
           return {};
         }},
        {"dbfilename", [](const server_config& c) { return c.dbfilename; },
         [](server_config& c, std::string_view v) -> std::string {
           if (v.find('/') != std::string_view::npos)
             return "dbfilename can't be a path, just a filename";
           c.dbfilename = std::string(v);
           return {};
         }},
        {"port", [](const server_config& c) { return int_text(c.port); }, nullptr},
        {"bind", [](const server_config& c) { return c.bind; }, nullptr},
        {"databases", [](const server_config&) { return std::string("16"); }, nullptr},
        {"save", [](const server_config& c) { return c.save; },
         [](server_config& c, std::string_view v) -> std::string {
           c.save = std::string(v);
           return {};
         }},
        {"loglevel", [](const server_config& c) { return c.loglevel; },
         [](server_config& c, std::string_view v) -> std::string {
           std::string level = to_lower(v);
           if (level != "debug" && level != "verbose" && level != "notice" &&
               level != "warning" && level != "nothing")
             return "argument(s) must be one of the following: debug, verbose, notice, "
                    "warning, nothing";
           c.loglevel = level;
           return {};
         }},
        {"replicaof", [](const server_config& c) { return c.replicaof; }, nullptr},
        // The keyspace tells the replication manager when these change.
        {"repl-backlog-size", [](const server_config& c) { return int_text(c.repl.backlog_size); },
         [](server_config& c, std::string_view v) -> std::string {
           int64_t bytes = 0;
           if (!parse_memory_size(v, bytes) || bytes < 1)
             return "argument must be a memory value";
           c.repl.backlog_size = bytes;
           return {};
         }},
        {"repl-diskless-sync",
         [](const server_config& c) { return std::string(c.repl.diskless_sync ? "yes" : "no"); },
         [](server_config& c, std::string_view v) -> std::string {
           if (!iequals(v, "yes") && !iequals(v, "no"))
             return "argument must be 'yes' or 'no'";
           c.repl.diskless_sync = iequals(v, "yes");
           return {};
         }},
        {"repl-diskless-sync-delay",
         [](const server_config& c) { return int_text(c.repl.diskless_sync_delay); },
         [](server_config& c, std::string_view v) { return set_int(c.repl.diskless_sync_delay, v, 0); }},
        {"repl-timeout", [](const server_config& c) { return int_text(c.repl.timeout); },
         [](server_config& c, std::string_view v) { return set_int(c.repl.timeout, v, 1); }},
        {"slaveof", [](const server_config& c) { return c.replicaof; }, nullptr},
        {"maxclients", [](const server_config& c) { return int_text(c.maxclients); },
         [](server_config& c, std::string_view v) { return set_int(c.maxclients, v, 1); }},
    };
    for (const auto& d : stored_defaults) {
      std::string name(d.name), fallback(d.value);
      p.push_back({d.name,
                   [name, fallback](const server_config& c) {
                     auto it = c.other.find(name);
                     return it == c.other.end() ? fallback : it->second;
                   },
                   [name](server_config& c, std::string_view v) -> std::string {
                     c.other[name] = std::string(v);
                     return {};
                   }});
    }
    return p;
  }();
  return params;
}

const parameter* find_parameter(std::string_view name) {
  for (const auto& p : parameters())
    if (iequals(name, p.name))
      return &p;
  return nullptr;
}

bool is_glob(std::string_view pattern) {
  return pattern.find_first_of("*?[") != std::string_view::npos;
}

// Like Redis 7.0, a name without glob characters is answered under the spelling it was asked
// with; a glob is answered with the parameters' own names. Each parameter appears once.
void config_get(exec_context& ctx, arg_list argv) {
  std::string body;
  int64_t n = 0;
  std::vector<const parameter*> answered;
  auto answer = [&](const parameter& p, std::string_view name) {
    for (const parameter* a : answered)
      if (a == &p)
        return;
    answered.push_back(&p);
    reply::bulk(body, name);
    reply::bulk(body, p.get(ctx.server.config));
    n += 2;
  };
  for (size_t i = 2; i < argv.size(); ++i) {
    if (!is_glob(argv[i])) {
      if (const parameter* p = find_parameter(argv[i]))
        answer(*p, argv[i]);
      continue;
    }
    for (const auto& p : parameters())
      if (glob_match(argv[i], p.name, true))
        answer(p, p.name);
  }
  reply::array_header(ctx.out, n);
  ctx.out.append(body);
}

void config_set(exec_context& ctx, arg_list argv) {
  if (argv.size() % 2 != 0) {
    reply::error(ctx.out, arity_error("config|set"));
    return;
  }
  for (size_t i = 2; i < argv.size(); i += 2) {
    const parameter* p = find_parameter(argv[i]);
    std::string failure;
    if (!p) {
      reply::error(ctx.out, "ERR Unknown option or number of arguments for CONFIG SET - '" +
                                std::string(argv[i]) + "'");
      return;
    }
    failure = p->set ? p->set(ctx.server.config, argv[i + 1]) : "can't set immutable config";
    if (!failure.empty()) {
      reply::error(ctx.out, "ERR CONFIG SET failed (possibly related to argument '" +
                                to_lower(argv[i]) + "') - " + failure);
      return;
    }
  }
  reply::ok(ctx.out);
}

void config_command(exec_context& ctx, arg_list argv) {
  std::string_view sub = argv[1];
  if (iequals(sub, "get")) {
    if (argv.size() < 3)
      reply::error(ctx.out, arity_error("config|get"));
    else
      config_get(ctx, argv);
  } else if (iequals(sub, "set")) {
    if (argv.size() < 4)
      reply::error(ctx.out, arity_error("config|set"));
    else
      config_set(ctx, argv);
  } else if (iequals(sub, "resetstat") && argv.size() == 2) {
    auto& s = ctx.server.stats;
    s.total_commands_processed = 0;
    s.expired_keys = 0;
    s.keyspace_hits = 0;
    s.keyspace_misses = 0;
    s.total_connections_received = 0;
    s.rejected_connections = 0;
    reply::ok(ctx.out);
  } else if (iequals(sub, "rewrite") && argv.size() == 2) {
    reply::error(ctx.out, "ERR The server is running without a config file");
  } else if (iequals(sub, "help")) {
    reply::array_header(ctx.out, 3);
    reply::simple(ctx.out, "CONFIG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:");
    reply::simple(ctx.out, "GET <pattern>, SET <directive> <value>, RESETSTAT, REWRITE");
    reply::simple(ctx.out, "HELP");
  } else {
    reply::error(ctx.out, unknown_subcommand_error("config", sub));
  }
}

const command_spec specs[] = {
    {"config", -2, cmd_admin | cmd_noscript | cmd_loading | cmd_stale, config_command, nullptr, 0,
     0, 0, "A container for server configuration commands", "server", "2.0.0"},
};

}  // namespace

std::span<const command_spec> config_commands() { return specs; }

}  // namespace credis
