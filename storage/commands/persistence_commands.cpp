// Persistence commands (Redis's rdb.c and server.c): SAVE, BGSAVE, LASTSAVE and SHUTDOWN.
#include <spdlog/spdlog.h>

#include "protocol/reply.hpp"
#include "storage/commands/command_batch.hpp"
#include "storage/commands/command_families.hpp"
#include "storage/commands/text.hpp"
#include "storage/rdb/rdb_reader.hpp"
#include "storage/scripting/scripting.hpp"
#include "storage/config/config_apply.hpp"
#include "storage/snapshot.hpp"

namespace credis {

namespace {

void save_command(exec_context& ctx, arg_list) {
  std::string error;
  if (ctx.server.persistence.child_pid > 0) {
    reply::error(ctx.out, "ERR Background save already in progress");
  } else if (save_now(ctx.ks, functions_of(ctx.scripts), ctx.server, ctx.replication, ctx.now,
                      error)) {
    spdlog::info("DB saved on disk");
    reply::ok(ctx.out);
  } else {
    spdlog::warn("Failed saving the DB: {}", error);
    reply::error(ctx.out, "ERR " + error);
  }
}

// BGSAVE [SCHEDULE]: with SCHEDULE, a save already running is not an error; the next one
// starts when the save points next look.
void bgsave_command(exec_context& ctx, arg_list argv) {
  bool schedule = argv.size() == 2 && iequals(argv[1], "schedule");
  if (argv.size() > 2 || (argv.size() == 2 && !schedule)) {
    reply::error(ctx.out, errors::syntax);
    return;
  }
  if (ctx.server.persistence.child_pid > 0) {
    if (schedule) {
      ctx.server.persistence.save_scheduled = true;
      reply::simple(ctx.out, "Background saving scheduled");
    } else {
      reply::error(ctx.out, "ERR Background save already in progress");
    }
    return;
  }
  std::string error;
  if (!start_background_save(ctx.ks, functions_of(ctx.scripts), ctx.server, ctx.replication,
                             ctx.now, error, ctx.intro)) {
    spdlog::warn("{}", error);
    reply::error(ctx.out, "ERR " + error);
    return;
  }
  set_child_oom_score(ctx.batch ? ctx.batch->config : nullptr, ctx.server.config,
                      ctx.server.persistence.child_pid);
  spdlog::info("Background saving started by pid {}", ctx.server.persistence.child_pid);
  reply::simple(ctx.out, "Background saving started");
}

void lastsave_command(exec_context& ctx, arg_list) {
  reply::integer(ctx.out, ctx.server.persistence.last_save_time);
}

// SHUTDOWN [NOSAVE|SAVE] [NOW] [FORCE]. On success there is no reply: the server exits.
void shutdown_command(exec_context& ctx, arg_list argv) {
  shutdown_options options;
  for (size_t i = 1; i < argv.size(); ++i) {
    if (iequals(argv[i], "nosave"))
      options.nosave = true;
    else if (iequals(argv[i], "save"))
      options.save = true;
    else if (iequals(argv[i], "force"))
      options.force = true;
    else if (!iequals(argv[i], "now")) {
      reply::error(ctx.out, errors::syntax);
      return;
    }
  }
  if (options.nosave && options.save) {
    reply::error(ctx.out, errors::syntax);
    return;
  }
  spdlog::warn("User requested shutdown...");
  if (!prepare_shutdown(ctx.ks, functions_of(ctx.scripts), ctx.server, ctx.replication, ctx.now,
                        options)) {
    reply::error(ctx.out, "ERR Errors trying to SHUTDOWN. Check logs.");
    return;
  }
  ctx.server.shutdown_requested = true;
}

// SHUTDOWN while a script is busy: only NOSAVE goes (Redis's shutdownCommand). The script is
// stopped, and the exit that follows saves nothing.
void shutdown_while_busy(client_state& client, server_state& server, arg_list argv,
                         std::string& out) {
  bool nosave = false;
  for (size_t i = 1; i < argv.size(); ++i)
    nosave = nosave || iequals(argv[i], "nosave");
  if (!nosave || !client.script) {
    reply::error(out, client.script && !client.script->busy_with_eval()
                          ? script_errors::busy_function
                          : script_errors::busy_eval);
    return;
  }
  spdlog::warn("User requested shutdown...");
  if (server.persistence.child_pid > 0) {
    spdlog::warn("There is a child saving an .rdb. Killing it!");
    kill_background_save(server);
  }
  server.shutdown_prepared = true;
  server.shutdown_requested = true;
  client.script->kill_for_shutdown();
}

const command_spec specs[] = {
    {"save", 1, cmd_admin | cmd_noscript | cmd_no_multi | cmd_no_async_loading, save_command,
     nullptr, 0, 0, 0, kf::none, "Synchronously save the dataset to disk", "server", "1.0.0"},
    {"bgsave", -1, cmd_admin | cmd_noscript | cmd_no_async_loading, bgsave_command, nullptr, 0, 0,
     0, kf::none, "Asynchronously save the dataset to disk", "server", "1.0.0"},
    {"lastsave", 1, cmd_fast | cmd_loading | cmd_stale, lastsave_command, nullptr, 0, 0, 0,
     kf::none, "Get the UNIX time stamp of the last successful save to disk", "server", "1.0.0"},
    with_busy_handler(
        {"shutdown", -1,
         cmd_admin | cmd_noscript | cmd_no_multi | cmd_loading | cmd_stale | cmd_allow_busy,
         shutdown_command, nullptr, 0, 0, 0, kf::none,
         "Synchronously save the dataset to disk and then shut down the server", "server", "1.0.0"},
        shutdown_while_busy),
};

}  // namespace

namespace {

// The file's libraries join those there (none after a flush, as Redis's emptyData clears
// them too); MERGE lets one replace a library of its name, which is otherwise an error.
bool reload_functions(exec_context& ctx, const std::vector<std::string>& codes, bool merge) {
  if (!ctx.scripts)
    return codes.empty();
  std::string error;
  if (ctx.scripts->functions.load_all(codes, merge, error))
    return true;
  spdlog::warn("DEBUG RELOAD: Failed loading library, {}",
               error.substr(error.starts_with("ERR ") ? 4 : 0));
  return false;
}

}  // namespace

// DEBUG RELOAD [MERGE] [NOFLUSH] [NOSAVE], as Redis's debug.c: SAVE (unless NOSAVE), empty the
// databases and the function libraries (unless NOFLUSH), load the RDB file back. MERGE lets
// the file's keys replace keys already there; a duplicate is otherwise an error, replied after
// the keys before it were merged in (Redis exits on one).
void debug_reload(exec_context& ctx, arg_list argv) {
  bool merge = false, flush = true, save = true;
  for (size_t i = 2; i < argv.size(); ++i) {
    if (iequals(argv[i], "merge")) {
      merge = true;
    } else if (iequals(argv[i], "noflush")) {
      flush = false;
    } else if (iequals(argv[i], "nosave")) {
      save = false;
    } else {
      reply::error(ctx.out, "ERR DEBUG RELOAD only supports the MERGE, NOFLUSH and NOSAVE options.");
      return;
    }
  }
  std::string error;
  // A running child would later rename its older snapshot over the file written here.
  if (save && ctx.server.persistence.child_pid > 0) {
    reply::error(ctx.out, "ERR Background save already in progress");
    return;
  }
  if (save && !save_now(ctx.ks, functions_of(ctx.scripts), ctx.server, ctx.replication, ctx.now,
                        error)) {
    spdlog::warn("Failed saving the DB: {}", error);
    reply::error(ctx.out, "ERR");
    return;
  }
  if (flush) {
    empty_all_databases(ctx);
    if (ctx.scripts)
      ctx.scripts->functions.flush();
  }
  // Into a keyspace of its own: a failed load leaves the databases as they were after the
  // flush, and MERGE replaces keys one by one.
  keyspace loaded;
  rdb_load_info info;
  rdb_error err;
  const bool skip_expired = !ctx.replication.is_replica;
  if (!rdb_load_file(rdb_path(ctx.server.config), loaded, ctx.now, skip_expired, info, err)) {
    spdlog::warn("DEBUG RELOAD: {} at offset {}", err.what, err.offset);
    reply::error(ctx.out, "ERR Error trying to load the RDB dump, check server logs.");
    return;
  }
  // Redis loads the libraries as it meets them, before any key.
  if (!reload_functions(ctx, info.functions, merge)) {
    reply::error(ctx.out, "ERR Error trying to load the RDB dump, check server logs.");
    return;
  }
  for (int i = 0; i < keyspace::db_count; ++i) {
    database& db = ctx.ks.db(i);
    for (const auto& [key, e] : loaded.db(i).entries()) {
      if (!merge && db.peek(key, ctx.expiry_now)) {
        spdlog::warn("DEBUG RELOAD: duplicate key \"{}\"", key.substr(0, 64));
        reply::error(ctx.out, "ERR Error trying to load the RDB dump, check server logs.");
        return;
      }
      db.put(key, e.val.clone(), e.expire_at()).val.set_access(e.val.access());
      signal_modified(ctx, i, key);
    }
  }
  spdlog::warn("DB reloaded by DEBUG RELOAD");
  reply::ok(ctx.out);
}

std::span<const command_spec> persistence_commands() { return specs; }

}  // namespace credis
