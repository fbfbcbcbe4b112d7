// SLOWLOG GET/LEN/RESET (Redis's slowlog.c): the log itself is storage/slowlog.hpp, filled by
// run_command as each command ends.
#include <algorithm>

#include "protocol/integers.hpp"
#include "protocol/reply.hpp"
#include "storage/commands/command_families.hpp"
#include "storage/commands/subcommands.hpp"

namespace credis {

namespace {

void slowlog_get(exec_context& ctx, arg_list argv) {
  if (argv.size() > 3) {
    reply_subcommand_syntax(ctx, "slowlog", argv[1]);
    return;
  }
  int64_t count = 10;
  if (argv.size() == 3 && (!parse_int64(argv[2], count) || count < -1)) {
    reply::error(ctx.out, "ERR count should be greater than or equal to -1");
    return;
  }
  const auto* entries = ctx.intro ? &ctx.intro->slow.entries() : nullptr;
  const size_t available = entries ? entries->size() : 0;
  const size_t n = count == -1 ? available : std::min(available, static_cast<size_t>(count));
  reply::array_header(ctx.out, static_cast<int64_t>(n));
  for (size_t i = 0; i < n; ++i) {
    const slowlog_entry& e = (*entries)[i];
    reply::array_header(ctx.out, 6);
    reply::integer(ctx.out, e.id);
    reply::integer(ctx.out, e.unix_seconds);
    reply::integer(ctx.out, e.duration_us);
    reply::array_header(ctx.out, static_cast<int64_t>(e.args.size()));
    for (const auto& a : e.args)
      reply::bulk(ctx.out, a);
    reply::bulk(ctx.out, e.client_addr);
    reply::bulk(ctx.out, e.client_name);
  }
}

void slowlog_len(exec_context& ctx, arg_list) {
  reply::integer(ctx.out, ctx.intro ? static_cast<int64_t>(ctx.intro->slow.entries().size()) : 0);
}

void slowlog_reset(exec_context& ctx, arg_list) {
  if (ctx.intro)
    ctx.intro->slow.reset();
  reply::ok(ctx.out);
}

void slowlog_help(exec_context& ctx, arg_list) {
  reply_help(ctx.out, "slowlog",
             {"GET [<count>]",
              "    Return top <count> entries from the slowlog (default: 10, -1 mean all).",
              "    Entries are made of:",
              "    id, timestamp, time in microseconds, arguments array, client IP and port,",
              "    client name", "LEN", "    Return the length of the slowlog.", "RESET",
              "    Reset the slowlog."});
}

constexpr uint32_t flags = cmd_admin | cmd_loading | cmd_stale;

const command_spec specs[] = {
    {"slowlog", -2, flags | cmd_container, unknown_subcommand, nullptr, 0, 0, 0, kf::none,
     "A container for slow log commands", "server", "2.2.12"},
    {"slowlog|get", -2, flags, slowlog_get, nullptr, 0, 0, 0, kf::none,
     "Get the slow log's entries", "server", "2.2.12"},
    {"slowlog|len", 2, flags, slowlog_len, nullptr, 0, 0, 0, kf::none, "Get the slow log's length",
     "server", "2.2.12"},
    {"slowlog|reset", 2, flags, slowlog_reset, nullptr, 0, 0, 0, kf::none,
     "Clear all entries from the slow log", "server", "2.2.12"},
    {"slowlog|help", 2, cmd_loading | cmd_stale, slowlog_help, nullptr, 0, 0, 0, kf::none,
     "Show helpful text about the different subcommands", "server", "6.2.0"},
};

}  // namespace

std::span<const command_spec> slowlog_commands() { return specs; }

}  // namespace credis
