// Each command family (one file each, like Redis's t_string.c, db.c, server.c) exposes its
// table entries; command_table.cpp joins them into the lookup table.
#pragma once

#include <span>

#include "storage/commands/command.hpp"
#include "storage/memory_stats.hpp"

namespace credis {

std::span<const command_spec> string_commands();
std::span<const command_spec> string_range_commands();
std::span<const command_spec> bit_commands();
std::span<const command_spec> bitfield_commands();
std::span<const command_spec> list_commands();
std::span<const command_spec> hash_commands();
std::span<const command_spec> set_commands();
std::span<const command_spec> zset_commands();
std::span<const command_spec> zset_range_commands();
std::span<const command_spec> zset_setop_commands();
std::span<const command_spec> geo_commands();
std::span<const command_spec> key_commands();
std::span<const command_spec> key_copy_commands();
std::span<const command_spec> object_commands();
std::span<const command_spec> dump_commands();
std::span<const command_spec> server_commands();
std::span<const command_spec> client_commands();
std::span<const command_spec> connection_commands();
std::span<const command_spec> slowlog_commands();
std::span<const command_spec> latency_commands();
std::span<const command_spec> config_commands();
std::span<const command_spec> info_commands();
std::span<const command_spec> introspection_commands();
std::span<const command_spec> persistence_commands();
std::span<const command_spec> replication_commands();
std::span<const command_spec> transaction_commands();
std::span<const command_spec> pubsub_commands();
std::span<const command_spec> stream_commands();
std::span<const command_spec> stream_read_commands();
std::span<const command_spec> stream_group_commands();
std::span<const command_spec> stream_info_commands();
std::span<const command_spec> sort_commands();
std::span<const command_spec> scripting_commands();
std::span<const command_spec> function_commands();
std::span<const command_spec> cluster_commands();
std::span<const command_spec> hyperloglog_commands();
std::span<const command_spec> migrate_commands();

// Shared by families: FLUSHALL's emptying of every database, WATCH and blocked clients told
// (server_commands.cpp); DEBUG RELOAD, which DEBUG dispatches (persistence_commands.cpp).
void empty_all_databases(exec_context& ctx);
void debug_reload(exec_context& ctx, arg_list argv);
// The server's memory figures now (object_commands.cpp), for INFO memory and MEMORY STATS;
// raises the recorded peak to the memory used now.
memory_figures measure_memory(exec_context& ctx);
// Redis refuses client names with spaces or non-printable characters (client_commands.cpp;
// HELLO SETNAME too).
bool valid_client_name(std::string_view name);

}  // namespace credis
