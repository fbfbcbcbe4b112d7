// LATENCY (Redis's latency.c): the latency monitor's events (LATEST, HISTORY, RESET, GRAPH,
// DOCTOR; storage/latency_monitor.hpp) and each command's latency histogram (HISTOGRAM;
// storage/latency_histogram.hpp, kept in the command stats).
#include <string>
#include <vector>

#include "protocol/reply.hpp"
#include "storage/commands/command_families.hpp"
#include "storage/commands/subcommands.hpp"
#include "storage/commands/text.hpp"

namespace credis {

namespace {

void latency_latest(exec_context& ctx, arg_list) {
  if (!ctx.intro) {
    reply::array_header(ctx.out, 0);
    return;
  }
  const auto& events = ctx.intro->latency.events();
  reply::array_header(ctx.out, static_cast<int64_t>(events.size()));
  for (const auto& [name, s] : events) {
    reply::array_header(ctx.out, 4);
    reply::bulk(ctx.out, name);
    reply::integer(ctx.out, s.latest().unix_seconds);
    reply::integer(ctx.out, s.latest().ms);
    reply::integer(ctx.out, s.max_ms);
  }
}

void latency_history(exec_context& ctx, arg_list argv) {
  const latency_monitor::series* s = ctx.intro ? ctx.intro->latency.find(argv[2]) : nullptr;
  const auto samples = s ? s->history() : std::vector<latency_monitor::sample>{};
  reply::array_header(ctx.out, static_cast<int64_t>(samples.size()));
  for (const auto& x : samples) {
    reply::array_header(ctx.out, 2);
    reply::integer(ctx.out, x.unix_seconds);
    reply::integer(ctx.out, x.ms);
  }
}

void latency_graph(exec_context& ctx, arg_list argv) {
  const latency_monitor::series* s = ctx.intro ? ctx.intro->latency.find(argv[2]) : nullptr;
  if (!s) {
    reply::error(ctx.out, "ERR No samples available for event '" + std::string(argv[2]) + "'");
    return;
  }
  reply::verbatim(ctx.out, latency_monitor::graph(argv[2], *s, ctx.now / 1000));
}

void latency_doctor(exec_context& ctx, arg_list) {
  const auto& config = ctx.server.config;
  reply::verbatim(ctx.out, ctx.intro ? ctx.intro->latency.doctor(config.latency_monitor_threshold,
                                                                 config.slowlog_log_slower_than)
                                     : std::string());
}

void latency_reset(exec_context& ctx, arg_list argv) {
  size_t resets = 0;
  if (ctx.intro) {
    if (argv.size() == 2)
      resets = ctx.intro->latency.reset();
    for (size_t i = 2; i < argv.size(); ++i)
      resets += ctx.intro->latency.reset(argv[i]);
  }
  reply::integer(ctx.out, static_cast<int64_t>(resets));
}

// One command's entry: its name, then {calls, histogram_usec {limit: count below, ...}}.
void append_histogram(std::string& body, const command_spec& cmd, const latency_histogram& h) {
  reply::bulk(body, cmd.name);
  reply::map_header(body, 2);
  reply::bulk(body, "calls");
  reply::integer(body, static_cast<int64_t>(h.total()));
  reply::bulk(body, "histogram_usec");
  const auto points = h.cumulative_distribution();
  reply::map_header(body, static_cast<int64_t>(points.size()));
  for (const auto& p : points) {
    reply::integer(body, p.usec);
    reply::integer(body, static_cast<int64_t>(p.cumulative));
  }
}

// LATENCY HISTOGRAM [command ...]: every command with latencies, or those named (a container
// brings its subcommands); unknown names are skipped.
void latency_histogram_command(exec_context& ctx, arg_list argv) {
  const command_stats& stats = ctx.server.stats.commands;
  std::string body;
  int64_t n = 0;
  auto add = [&](const command_spec& cmd) {
    const command_counters* c = stats.find(command_index(cmd));
    if (c && c->latency.total() > 0) {
      append_histogram(body, cmd, c->latency);
      ++n;
    }
  };
  const auto everything = all_commands_and_subcommands();
  if (argv.size() == 2) {
    for (const auto& cmd : everything)
      add(cmd);
  }
  for (size_t i = 2; i < argv.size(); ++i) {
    const command_spec* cmd = find_command(argv[i]);
    if (!cmd)
      continue;
    add(*cmd);
    if (!(cmd->flags & cmd_container))
      continue;
    const std::string prefix = std::string(cmd->name) + "|";
    for (const auto& sub : everything)
      if (sub.name.starts_with(prefix))
        add(sub);
  }
  reply::map_header(ctx.out, n);
  ctx.out += body;
}

void latency_help(exec_context& ctx, arg_list) {
  reply_help(ctx.out, "latency",
             {"DOCTOR", "    Return a human readable latency analysis report.", "GRAPH <event>",
              "    Return an ASCII latency graph for the <event> class.", "HISTORY <event>",
              "    Return time-latency samples for the <event> class.", "LATEST",
              "    Return the latest latency samples for all events.", "RESET [<event> ...]",
              "    Reset latency data of one or more <event> classes.",
              "    (default: reset all data for all event classes)", "HISTOGRAM [COMMAND ...]",
              "    Return a cumulative distribution of latencies in the format of a histogram "
              "for the specified command names.",
              "    If no commands are specified then all histograms are replied."});
}

constexpr uint32_t flags = cmd_admin | cmd_noscript | cmd_loading | cmd_stale;

const command_spec specs[] = {
    {"latency", -2, flags | cmd_container, unknown_subcommand, nullptr, 0, 0, 0, kf::none,
     "A container for latency diagnostics commands", "server", "2.8.13"},
    {"latency|latest", 2, flags, latency_latest, nullptr, 0, 0, 0, kf::none,
     "Return the latest latency samples for all events.", "server", "2.8.13"},
    {"latency|history", 3, flags, latency_history, nullptr, 0, 0, 0, kf::none,
     "Return timestamp-latency samples for the event.", "server", "2.8.13"},
    {"latency|graph", 3, flags, latency_graph, nullptr, 0, 0, 0, kf::none,
     "Return a latency graph for the event.", "server", "2.8.13"},
    {"latency|doctor", 2, flags, latency_doctor, nullptr, 0, 0, 0, kf::none,
     "Return a human readable latency analysis report.", "server", "2.8.13"},
    {"latency|reset", -2, flags, latency_reset, nullptr, 0, 0, 0, kf::none,
     "Reset latency data for one or more events.", "server", "2.8.13"},
    {"latency|histogram", -2, flags, latency_histogram_command, nullptr, 0, 0, 0, kf::none,
     "Return the cumulative distribution of latencies of a subset of commands or all.", "server",
     "7.0.0"},
    {"latency|help", 2, cmd_loading | cmd_stale, latency_help, nullptr, 0, 0, 0, kf::none,
     "Show helpful text about the different subcommands.", "server", "2.8.13"},
};

}  // namespace

std::span<const command_spec> latency_commands() { return specs; }

}  // namespace credis
