// Commands that change the state of the calling connection (Redis's networking.c and
// SELECT from db.c): they run in the connection actor, not in the keyspace.
#include "protocol/integers.hpp"
#include "protocol/reply.hpp"
#include "storage/commands/command_families.hpp"
#include "storage/commands/text.hpp"

namespace credis {

namespace {

void select_command(client_state& client, server_state&, arg_list argv, std::string& out) {
  int64_t index = 0;
  if (!parse_int64(argv[1], index)) {
    reply::error(out, errors::not_integer);
    return;
  }
  if (index < 0 || index >= keyspace::db_count) {
    reply::error(out, errors::db_range);
    return;
  }
  client.db = static_cast<int>(index);
  reply::ok(out);
}

void quit_command(client_state& client, server_state&, arg_list, std::string& out) {
  client.close_after_reply = true;
  reply::ok(out);
}

// Redis refuses names with spaces or non-printable characters.
bool valid_client_name(std::string_view name) {
  for (char c : name)
    if (c < '!' || c > '~')
      return false;
  return true;
}

void client_command(client_state& client, server_state&, arg_list argv, std::string& out) {
  std::string_view sub = argv[1];
  if (iequals(sub, "id") && argv.size() == 2) {
    reply::integer(out, client.id);
  } else if (iequals(sub, "getname") && argv.size() == 2) {
    if (client.name.empty())
      reply::null_bulk(out);
    else
      reply::bulk(out, client.name);
  } else if (iequals(sub, "setname") && argv.size() == 3) {
    if (!valid_client_name(argv[2])) {
      reply::error(out, "ERR Client names cannot contain spaces, newlines or special characters.");
      return;
    }
    client.name = std::string(argv[2]);
    reply::ok(out);
  } else if (iequals(sub, "setinfo") && argv.size() == 4) {
    reply::ok(out);
  } else if (iequals(sub, "info") && argv.size() == 2) {
    std::string line = "id=";
    append_int64(line, client.id);
    line += " name=" + client.name + " db=";
    append_int64(line, client.db);
    line += "\n";
    reply::bulk(out, line);
  } else if (iequals(sub, "help")) {
    reply::array_header(out, 4);
    reply::simple(out, "CLIENT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:");
    reply::simple(out, "ID, GETNAME, SETNAME <name>, INFO");
    reply::simple(out, "HELP");
    reply::simple(out, "    Print this help.");
  } else if (iequals(sub, "id") || iequals(sub, "getname") || iequals(sub, "setname") ||
             iequals(sub, "info")) {
    reply::error(out, arity_error("client|" + to_lower(sub)));
  } else {
    reply::error(out, unknown_subcommand_error("client", sub));
  }
}

void auth_command(client_state&, server_state&, arg_list argv, std::string& out) {
  if (argv.size() > 3) {
    reply::error(out, errors::syntax);
    return;
  }
  reply::error(out,
               "ERR AUTH <password> called without any password configured for the default "
               "user. Are you sure your configuration is correct?");
}

const command_spec specs[] = {
    {"select", 2, cmd_loading | cmd_stale | cmd_fast, nullptr, select_command, 0, 0, 0,
     "Change the selected database for the current connection", "connection", "1.0.0"},
    {"quit", -1, cmd_loading | cmd_stale | cmd_fast, nullptr, quit_command, 0, 0, 0,
     "Close the connection", "connection", "1.0.0"},
    {"client", -2, cmd_loading | cmd_stale, nullptr, client_command, 0, 0, 0,
     "A container for client connection commands", "connection", "2.4.0"},
    {"auth", -2, cmd_loading | cmd_stale | cmd_fast | cmd_noscript, nullptr, auth_command, 0, 0,
     0, "Authenticate to the server", "connection", "1.0.0"},
};

}  // namespace

std::span<const command_spec> client_commands() { return specs; }

}  // namespace credis
