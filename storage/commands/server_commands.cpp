// Server-wide commands (parts of Redis's server.c and db.c): PING, ECHO, DBSIZE, FLUSHDB,
// FLUSHALL, SWAPDB and TIME.
#include <chrono>
#include <cstdint>

#include "protocol/integers.hpp"
#include "protocol/reply.hpp"
#include "storage/commands/command_batch.hpp"
#include "storage/commands/command_families.hpp"
#include "storage/commands/lookup.hpp"
#include "storage/commands/text.hpp"

namespace credis {

namespace {

void ping_command(exec_context& ctx, arg_list argv) {
  if (argv.size() > 2)
    reply::error(ctx.out, arity_error("ping"));
  else if (argv.size() == 2)
    reply::bulk(ctx.out, argv[1]);
  else
    reply::simple(ctx.out, "PONG");
}

// A subscribed RESP2 client gets PING's answer as a Pub/Sub frame ("pong" and the argument).
void ping_batch(const command_spec& cmd, command_batch& batch, client_state& client,
                server_state&, arg_list argv) {
  if (!client.subscribed() || client.resp != 2 || argv.size() > 2) {
    batch.add_command(&cmd, client.db, argv);
    return;
  }
  std::string out;
  reply::array_header(out, 2);
  reply::bulk(out, "pong");
  reply::bulk(out, argv.size() == 2 ? argv[1] : std::string_view());
  batch.add_reply(out);
}

void echo_command(exec_context& ctx, arg_list argv) { reply::bulk(ctx.out, argv[1]); }

void dbsize_command(exec_context& ctx, arg_list) {
  reply::integer(ctx.out, static_cast<int64_t>(ctx.db().size()));
}

// FLUSHDB and FLUSHALL accept ASYNC or SYNC; both flush at once here.
bool flush_mode_ok(exec_context& ctx, arg_list argv) {
  if (argv.size() > 2 || (argv.size() == 2 && !iequals(argv[1], "async") &&
                          !iequals(argv[1], "sync"))) {
    reply::error(ctx.out, errors::syntax);
    return false;
  }
  return true;
}

void flushdb_command(exec_context& ctx, arg_list argv) {
  if (!flush_mode_ok(ctx, argv))
    return;
  if (ctx.watched)
    ctx.watched->db_replaced(ctx.db_index, -1, ctx.ks, ctx.now);
  if (ctx.blocked)
    ctx.blocked->touched_db(ctx.db_index);  // XREADGROUP waiters learn their stream is gone
  mark_dirty(ctx, static_cast<int64_t>(ctx.db().size()));
  ctx.db().clear();
  reply::ok(ctx.out);
}

void flushall_command(exec_context& ctx, arg_list argv) {
  if (!flush_mode_ok(ctx, argv))
    return;
  mark_dirty(ctx, static_cast<int64_t>(ctx.ks.total_keys()));
  empty_all_databases(ctx);
  reply::ok(ctx.out);
}

// SWAPDB index1 index2: clients waiting for a key in either database may find it now.
void swapdb_command(exec_context& ctx, arg_list argv) {
  int64_t a = 0, b = 0;
  auto read_index = [&](std::string_view arg, int64_t& out, std::string_view error) {
    if (parse_int64(arg, out) && out >= INT32_MIN && out <= INT32_MAX)
      return true;
    reply::error(ctx.out, error);
    return false;
  };
  if (!read_index(argv[1], a, "ERR invalid first DB index") ||
      !read_index(argv[2], b, "ERR invalid second DB index"))
    return;
  if (a < 0 || b < 0 || a >= keyspace::db_count || b >= keyspace::db_count) {
    reply::error(ctx.out, errors::db_range);
    return;
  }
  if (ctx.watched) {
    ctx.watched->db_replaced(static_cast<int>(a), static_cast<int>(b), ctx.ks, ctx.now);
    ctx.watched->db_replaced(static_cast<int>(b), static_cast<int>(a), ctx.ks, ctx.now);
  }
  ctx.ks.swap_dbs(static_cast<int>(a), static_cast<int>(b));
  if (ctx.blocked) {
    ctx.blocked->touched_db(static_cast<int>(a));
    ctx.blocked->touched_db(static_cast<int>(b));
  }
  mark_dirty(ctx);
  reply::ok(ctx.out);
}

void time_command(exec_context& ctx, arg_list) {
  auto us = std::chrono::duration_cast<std::chrono::microseconds>(
                std::chrono::system_clock::now().time_since_epoch())
                .count();
  std::string secs, micros;
  append_int64(secs, us / 1000000);
  append_int64(micros, us % 1000000);
  reply::array_header(ctx.out, 2);
  reply::bulk(ctx.out, secs);
  reply::bulk(ctx.out, micros);
}

const command_spec specs[] = {
    {"ping", -1, cmd_fast | cmd_pubsub_context, ping_command, nullptr, 0, 0, 0, kf::none,
     "Ping the server", "connection", "1.0.0", nullptr, ping_batch},
    {"echo", 2, cmd_fast | cmd_stale | cmd_loading, echo_command, nullptr, 0, 0, 0, kf::none,
     "Echo the given string", "connection", "1.0.0"},
    {"dbsize", 1, cmd_readonly | cmd_fast, dbsize_command, nullptr, 0, 0, 0, kf::none,
     "Return the number of keys in the selected database", "server", "1.0.0"},
    {"flushdb", -1, cmd_write | cmd_propagate_always, flushdb_command, nullptr, 0, 0, 0, kf::none,
     "Remove all keys from the current database", "server", "1.0.0"},
    {"flushall", -1, cmd_write | cmd_propagate_always, flushall_command, nullptr, 0, 0, 0, kf::none,
     "Remove all keys from all databases", "server", "1.0.0"},
    {"swapdb", 3, cmd_write | cmd_fast, swapdb_command, nullptr, 0, 0, 0, kf::none,
     "Swaps two Redis databases", "server", "4.0.0"},
    {"time", 1, cmd_fast | cmd_stale | cmd_loading, time_command, nullptr, 0, 0, 0, kf::none,
     "Return the current server time", "server", "2.6.0"},
};

}  // namespace

void empty_all_databases(exec_context& ctx) {
  if (ctx.watched)
    for (int i = 0; i < keyspace::db_count; ++i)
      ctx.watched->db_replaced(i, -1, ctx.ks, ctx.now);
  if (ctx.blocked)
    for (int i = 0; i < keyspace::db_count; ++i)
      ctx.blocked->touched_db(i);
  ctx.ks.clear();
}

std::span<const command_spec> server_commands() { return specs; }

}  // namespace credis
