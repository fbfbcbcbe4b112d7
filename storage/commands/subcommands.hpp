// What every container command (CLIENT, CONFIG, LATENCY, XINFO, ...) shares: its HELP reply and
// the error its own table entry gives for a subcommand without an entry.
#pragma once

#include <initializer_list>
#include <string>
#include <string_view>

#include "storage/commands/command.hpp"

namespace credis {

// A HELP reply as Redis's addReplyHelp: its header line, `lines`, and HELP's own lines.
void reply_help(std::string& out, std::string_view command,
                std::initializer_list<std::string_view> lines);

// Redis's addReplySubcommandSyntaxError: "ERR unknown subcommand or wrong number of arguments
// for 'get'. Try SLOWLOG HELP."
void reply_subcommand_syntax(exec_context& ctx, std::string_view command, std::string_view sub);

// The container's entry, reached by a subcommand it has no entry for: "ERR unknown
// subcommand 'x'. Try CLIENT HELP." (one form for each place a command runs).
void unknown_subcommand(exec_context& ctx, arg_list argv);
void unknown_client_subcommand(client_state&, server_state&, arg_list argv, std::string& out);

}  // namespace credis
