#include "storage/commands/subcommands.hpp"

#include <cctype>

#include "protocol/reply.hpp"

namespace credis {

void reply_help(std::string& out, std::string_view command,
                std::initializer_list<std::string_view> lines) {
  reply::array_header(out, static_cast<int64_t>(lines.size() + 3));
  std::string head;
  for (char c : command)
    head.push_back(static_cast<char>(std::toupper(static_cast<unsigned char>(c))));
  head.append(" <subcommand> [<arg> [value] [opt] ...]. Subcommands are:");
  reply::simple(out, head);
  for (std::string_view line : lines)
    reply::simple(out, line);
  reply::simple(out, "HELP");
  reply::simple(out, "    Prints this help.");
}

void reply_subcommand_syntax(exec_context& ctx, std::string_view command, std::string_view sub) {
  std::string msg = "ERR unknown subcommand or wrong number of arguments for '";
  msg.append(sub.substr(0, 128));
  msg.append("'. Try ");
  for (char c : command)
    msg.push_back(static_cast<char>(std::toupper(static_cast<unsigned char>(c))));
  msg.append(" HELP.");
  reply::error(ctx.out, msg);
}

void unknown_subcommand(exec_context& ctx, arg_list argv) {
  reply::error(ctx.out, unknown_subcommand_error(argv[0], argv[1]));
}

void unknown_client_subcommand(client_state&, server_state&, arg_list argv, std::string& out) {
  reply::error(out, unknown_subcommand_error(argv[0], argv[1]));
}

}  // namespace credis
