// Saving the keyspace to its RDB file: in the foreground (SAVE, shutdown) or in a forked child
// (BGSAVE, save points) that writes the copy-on-write image of memory while the parent keeps
// serving clients, as Redis does.
#pragma once

#include "storage/introspection.hpp"

#include <string>

#include "storage/commands/replication_info.hpp"
#include "storage/keyspace.hpp"
#include "storage/rdb/rdb_writer.hpp"
#include "storage/server_state.hpp"

namespace credis {

class function_libraries;

// <dir>/<dbfilename>
std::string rdb_path(const server_config& config);

// What goes into the file besides the keys: the replication history the data belongs to (id
// and offset, AUX fields), so that a restarted server can continue it with PSYNC, and the
// FUNCTION libraries (`functions` null: none) the dataset includes, as Redis's; and how long
// to pause per key (rdb-key-save-delay).
rdb_save_info make_save_info(const replication_info& repl, unix_ms now,
                             const function_libraries* functions, int64_t key_save_delay_us);

// The three below expect no background save to be running: their callers check first, since
// each answers a running save differently (an error, SCHEDULE, or waiting for the next tick).

// Writes the file now. On success the change counter restarts and LASTSAVE moves.
bool save_now(const keyspace& ks, const function_libraries* functions, server_state& server,
              const replication_info& repl, unix_ms now, std::string& error);

// Forks a child that writes the file. False with a reason when fork fails. The fork's time
// goes to `intro` (null: nowhere).
bool start_background_save(const keyspace& ks, const function_libraries* functions,
                           server_state& server, const replication_info& repl, unix_ms now,
                           std::string& error, introspection* intro);

enum class bgsave_status { idle, running, succeeded, failed };

// Reaps the child once it has ended and records the outcome; `idle` when none was running.
bgsave_status poll_background_save(server_state& server, unix_ms now);

// Stops a running background save and removes its temporary file (shutdown, FLUSHALL).
void kill_background_save(server_state& server);

// True when a "<seconds> <changes>" save point of the `save` setting is reached.
bool save_point_due(const server_state& server, unix_ms now);

// SHUTDOWN's options; none for SIGTERM and SIGINT.
struct shutdown_options {
  bool save = false;    // save even without save points
  bool nosave = false;  // do not save even with save points
  bool force = false;   // exit even when the save fails
};

// The work before exiting: stops a running background save, then saves when `save`, or when
// save points are configured and not `nosave`. False when that save failed, unless `force`
// (SHUTDOWN FORCE: exit anyway, as Redis does).
bool prepare_shutdown(const keyspace& ks, const function_libraries* functions,
                      server_state& server, const replication_info& repl, unix_ms now,
                      const shutdown_options& options);

}  // namespace credis
