// CONFIG GET / SET / RESETSTAT / REWRITE (Redis's config.c), over a table of parameters.
#include <spdlog/spdlog.h>

#include <algorithm>

#include "protocol/reply.hpp"
#include "storage/commands/command_batch.hpp"
#include "storage/commands/command_families.hpp"
#include "storage/commands/subcommands.hpp"
#include "storage/commands/text.hpp"
#include "storage/config/config_rewrite.hpp"
#include "storage/config/config_table.hpp"
#include "storage/glob.hpp"

namespace credis {

namespace {

// Like Redis 7.0, a name without glob characters is answered under the spelling it was asked
// with; a glob is answered with the names (and old names: `slaveof`) that match, hidden ones
// left out. Each name appears once.
void config_get(exec_context& ctx, arg_list argv) {
  std::string body;
  std::vector<std::string_view> answered;
  auto answer = [&](const config_parameter& p, std::string_view name) {
    if (std::any_of(answered.begin(), answered.end(),
                    [&](std::string_view a) { return iequals(a, name); }))
      return;
    answered.push_back(name);
    reply::bulk(body, name);
    reply::bulk(body, p.get(ctx.server.config));
  };
  for (size_t i = 2; i < argv.size(); ++i) {
    if (!has_glob_chars(argv[i])) {
      if (const config_parameter* p = find_config_parameter(argv[i]))
        answer(*p, argv[i]);
      continue;
    }
    for (const auto& p : config_parameters())
      for (std::string_view name : {p.name, p.alias})
        if (!name.empty() && !(p.flags & config_hidden) && glob_match(argv[i], name, true))
          answer(p, name);
  }
  reply::map_header(ctx.out, static_cast<int64_t>(answered.size()));
  ctx.out.append(body);
}

// Why CONFIG SET refuses the parameters before looking at any value, as Redis's first pass
// does (the first problem named): an unknown name, an immutable or repeated parameter (by the
// name given: a name and its alias are two, as in Redis, and the last one wins).
std::string refusal(arg_list argv, std::vector<const config_parameter*>& params) {
  for (size_t i = 2; i < argv.size(); i += 2) {
    const config_parameter* p = find_config_parameter(argv[i]);
    if (!p)
      return "ERR Unknown option or number of arguments for CONFIG SET - '" +
             std::string(argv[i]) + "'";
    auto same_name = [&](size_t j) {
      return params[j] == p && iequals(argv[2 + 2 * j], p->alias) == iequals(argv[i], p->alias);
    };
    std::string_view why;
    if (p->flags & config_immutable)
      why = "can't set immutable config";
    else
      for (size_t j = 0; j < params.size() && why.empty(); ++j)
        if (same_name(j))
          why = "duplicate parameter";
    if (!why.empty())
      return "ERR CONFIG SET failed (possibly related to argument '" + std::string(argv[i]) +
             "') - " + std::string(why);
    params.push_back(p);
  }
  return {};
}

// Puts the parameters held outside the configuration (encoding limits, LFU settings) back to
// their values `before` (those held in it are simply not replaced).
void restore_held_outside(exec_context& ctx, std::span<const config_parameter* const> params,
                          const std::vector<std::string>& before) {
  for (size_t j = params.size(); j-- > 0;)
    params[j]->set(ctx.server.config, before[j]);
}

std::string set_failure(std::string_view name, std::string_view why) {
  return "ERR CONFIG SET failed (possibly related to argument '" + to_lower(name) + "') - " +
         std::string(why);
}

// All or nothing, as Redis 7: the values go into a copy that replaces the configuration, and
// the parameters held outside it (encoding limits, LFU settings) get their old values back
// when a later one fails. Then the parameters that changed apply their effects (the listening
// sockets, the OOM score) in Redis's order; when one fails, every one is undone.
void config_set(exec_context& ctx, arg_list argv) {
  if (argv.size() % 2 != 0) {
    reply::error(ctx.out, arity_error("config|set"));
    return;
  }
  std::vector<const config_parameter*> params;
  if (std::string error = refusal(argv, params); !error.empty()) {
    reply::error(ctx.out, error);
    return;
  }
  server_config next = ctx.server.config;
  std::vector<std::string> before;
  std::vector<config_effect> effects;  // none for a parameter that kept its value
  for (size_t i = 0; i < params.size(); ++i) {
    const config_parameter& p = *params[i];
    const std::string_view value = argv[2 + 2 * i + 1];
    before.push_back(p.get(next));
    std::string failure;
    if (!(p.flags & config_restart_only))
      failure = p.set(next, value);
    else if (value != before.back())
      failure = "credis takes a new value of it only at start-up";
    if (failure.empty())
      failure = unsupported_value(p.name, next);
    if (!failure.empty()) {
      restore_held_outside(ctx, std::span(params).first(i), before);
      reply::error(ctx.out, set_failure(argv[2 + 2 * i], failure));
      return;
    }
    effects.push_back(p.get(next) != before.back() ? p.effect : config_effect::none);
  }
  config_targets none;
  config_targets& targets = ctx.batch && ctx.batch->config ? *ctx.batch->config : none;
  targets.replica = ctx.replication.is_replica;
  if (auto failed = apply_config_effects(effects, next, ctx.server.config, targets)) {
    const config_parameter& p = *params[failed->effect];
    spdlog::warn(
        "Failed applying new configuration. Possibly related to new {} setting. "
        "Restoring previous settings.",
        p.name);
    restore_held_outside(ctx, params, before);
    reply::error(ctx.out, set_failure(p.name, failed->error));
    return;
  }
  ctx.server.config = std::move(next);
  ctx.server.stats.commands.latency_tracking = ctx.server.config.latency_tracking;
  reply::ok(ctx.out);
}

// The slow log shows no password CONFIG SET gave (Redis's SENSITIVE_CONFIG parameters).
void redact_secrets(std::vector<std::string>& args) {
  for (size_t i = 2; i + 1 < args.size(); i += 2) {
    const std::string name = to_lower(args[i]);
    if (name == "requirepass" || name == "masterauth" || name == "masteruser")
      args[i + 1] = "(redacted)";
  }
}

void config_resetstat(exec_context& ctx, arg_list) {
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
  ctx.server.persistence.saves = 0;
  if (ctx.intro)
    ctx.intro->reset_stats();
  reply::ok(ctx.out);
}

// CONFIG REWRITE: the file given at start-up, with the configuration as it is now (and the
// replication's master as REPLICAOF last set it).
void config_rewrite(exec_context& ctx, arg_list) {
  const std::string& path = ctx.server.config.config_file;
  if (path.empty()) {
    reply::error(ctx.out, "ERR The server is running without a config file");
    return;
  }
  const replication_info& r = ctx.replication;
  const std::string master =
      r.is_replica ? r.master_host + " " + std::to_string(r.master_port) : std::string();
  if (std::string error =
          rewrite_config_file(path, current_parameter_lines(ctx.server.config, master));
      !error.empty()) {
    spdlog::warn("CONFIG-REWRITE failed: {}", error);
    reply::error(ctx.out, "ERR Rewriting config file: " + error);
    return;
  }
  spdlog::info("CONFIG REWRITE executed with success.");
  reply::ok(ctx.out);
}

void config_help(exec_context& ctx, arg_list) {
  reply_help(ctx.out, "config",
             {"GET <pattern>",
              "    Return parameters matching the glob-like <pattern> and their values.",
              "SET <directive> <value>",
              "    Set the configuration <directive> to <value>.",
              "RESETSTAT",
              "    Reset statistics reported by the INFO command.",
              "REWRITE",
              "    Rewrite the configuration file."});
}

constexpr uint32_t config_flags = cmd_admin | cmd_noscript | cmd_loading | cmd_stale;

const command_spec specs[] = {
    {"config", -2, config_flags | cmd_container, unknown_subcommand, nullptr, 0, 0, 0, kf::none,
     "A container for server configuration commands", "server", "2.0.0"},
    {"config|get", -3, config_flags, config_get, nullptr, 0, 0, 0, kf::none,
     "Get the values of configuration parameters", "server", "2.0.0"},
    with_redaction({"config|set", -4, config_flags, config_set, nullptr, 0, 0, 0, kf::none,
                    "Set configuration parameters to the given values", "server", "2.0.0"},
                   redact_secrets),
    {"config|resetstat", 2, config_flags, config_resetstat, nullptr, 0, 0, 0, kf::none,
     "Reset the stats returned by INFO", "server", "2.0.0"},
    {"config|rewrite", 2, config_flags, config_rewrite, nullptr, 0, 0, 0, kf::none,
     "Rewrite the configuration file with the in memory configuration", "server", "2.8.0"},
    {"config|help", 2, cmd_loading | cmd_stale, config_help, nullptr, 0, 0, 0, kf::none,
     "Show helpful text about the different subcommands", "server", "5.0.0"},
};

}  // namespace

std::span<const command_spec> config_commands() { return specs; }

}  // namespace credis
