// CONFIG GET / SET / RESETSTAT / REWRITE (Redis's config.c), over a table of parameters.
#include "protocol/reply.hpp"
#include "storage/commands/command_families.hpp"
#include "storage/commands/text.hpp"
#include "storage/config/config_table.hpp"
#include "storage/glob.hpp"

namespace credis {

namespace {

// Like Redis 7.0, a name without glob characters is answered under the spelling it was asked
// with; a glob is answered with the parameters' own names. Each parameter appears once.
void config_get(exec_context& ctx, arg_list argv) {
  std::string body;
  int64_t n = 0;
  std::vector<const config_parameter*> answered;
  auto answer = [&](const config_parameter& p, std::string_view name) {
    for (const config_parameter* a : answered)
      if (a == &p)
        return;
    answered.push_back(&p);
    reply::bulk(body, name);
    reply::bulk(body, p.get(ctx.server.config));
    n += 2;
  };
  for (size_t i = 2; i < argv.size(); ++i) {
    if (!has_glob_chars(argv[i])) {
      if (const config_parameter* p = find_config_parameter(argv[i]))
        answer(*p, argv[i]);
      continue;
    }
    for (const auto& p : config_parameters())
      if (glob_match(argv[i], p.name, true))
        answer(p, p.name);
  }
  reply::map_header(ctx.out, n / 2);
  ctx.out.append(body);
}

void config_set(exec_context& ctx, arg_list argv) {
  if (argv.size() % 2 != 0) {
    reply::error(ctx.out, arity_error("config|set"));
    return;
  }
  // All or nothing, as Redis 7: the values go into a copy that replaces the configuration.
  server_config next = ctx.server.config;
  for (size_t i = 2; i < argv.size(); i += 2) {
    const config_parameter* p = find_config_parameter(argv[i]);
    std::string failure;
    if (!p) {
      reply::error(ctx.out, "ERR Unknown option or number of arguments for CONFIG SET - '" +
                                std::string(argv[i]) + "'");
      return;
    }
    failure = p->flags & config_immutable ? "can't set immutable config"
                                          : p->set(next, argv[i + 1]);
    if (failure.empty())
      failure = unsupported_value(p->name, next);
    if (!failure.empty()) {
      reply::error(ctx.out, "ERR CONFIG SET failed (possibly related to argument '" +
                                to_lower(argv[i]) + "') - " + failure);
      return;
    }
  }
  ctx.server.config = std::move(next);
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
    s.client_output_buffer_limit_disconnections = 0;
    s.client_query_buffer_limit_disconnections = 0;
    s.commands.reset();
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
    {"config", -2, cmd_admin | cmd_noscript | cmd_loading | cmd_stale | cmd_container,
     config_command, nullptr, 0, 0, 0, "A container for server configuration commands", "server",
     "2.0.0"},
};

}  // namespace

std::span<const command_spec> config_commands() { return specs; }

}  // namespace credis
