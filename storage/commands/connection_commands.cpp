// Commands that change the state of the calling connection (SELECT from Redis's db.c, AUTH,
// HELLO, RESET and QUIT from networking.c): they run in the connection actor.
#include <optional>
#include <string_view>
#include <vector>

#include "protocol/integers.hpp"
#include "protocol/reply.hpp"
#include "storage/commands/command_batch.hpp"
#include "storage/commands/command_families.hpp"
#include "storage/commands/lookup.hpp"
#include "storage/commands/db_index.hpp"
#include "storage/commands/text.hpp"
#include "storage/server_version.hpp"

namespace credis {

namespace {

void select_command(client_state& client, server_state&, arg_list argv, std::string& out) {
  int index = 0;
  if (!parse_db_index(argv[1], index, out))
    return;
  client.db = index;
  reply::ok(out);
}

void quit_command(client_state& client, server_state&, arg_list, std::string& out) {
  client.close_after_reply = true;
  reply::ok(out);
}

// Compares in a time that depends on the attempt's length only, not on where it differs.
bool same_secret(std::string_view attempt, std::string_view secret) {
  volatile unsigned char diff = attempt.size() != secret.size();
  for (size_t i = 0; i < attempt.size(); ++i)
    diff = diff | static_cast<unsigned char>(
                      attempt[i] ^ (secret.empty() ? 0 : secret[i % secret.size()]));
  return diff == 0;
}

// The default user is the only one: it takes any password while requirepass is empty.
bool credentials_ok(const server_state& server, std::string_view user, std::string_view pass) {
  if (user != "default")  // user names are case-sensitive
    return false;
  return server.config.requirepass.empty() || same_secret(pass, server.config.requirepass);
}

const char* const wrongpass = "WRONGPASS invalid username-password pair or user is disabled.";

void auth_command(client_state& client, server_state& server, arg_list argv, std::string& out) {
  if (argv.size() > 3) {
    reply::error(out, errors::syntax);
    return;
  }
  if (argv.size() == 2 && server.config.requirepass.empty()) {
    reply::error(out,
                 "ERR AUTH <password> called without any password configured for the default "
                 "user. Are you sure your configuration is correct?");
    return;
  }
  std::string_view user = argv.size() == 3 ? argv[1] : std::string_view("default");
  if (!credentials_ok(server, user, argv.back())) {
    reply::error(out, wrongpass);
    return;
  }
  client.authenticated = true;
  reply::ok(out);
}

// HELLO [protover [AUTH user pass] [SETNAME name]]: switches to RESP2 or RESP3 and replies
// the server's map in the new protocol.
void hello_command(client_state& client, server_state& server, arg_list argv, std::string& out) {
  int64_t version = client.resp;
  if (argv.size() >= 2) {
    if (!parse_int64(argv[1], version)) {
      reply::error(out, "ERR Protocol version is not an integer or out of range");
      return;
    }
    if (version < 2 || version > 3) {
      reply::error(out, "NOPROTO unsupported protocol version");
      return;
    }
  }
  std::optional<std::string_view> user, pass, name;
  for (size_t j = 2; j < argv.size(); ++j) {
    size_t more = argv.size() - 1 - j;
    if (iequals(argv[j], "auth") && more >= 2) {
      user = argv[j + 1];
      pass = argv[j + 2];
      j += 2;
    } else if (iequals(argv[j], "setname") && more >= 1) {
      name = argv[++j];
    } else {
      reply::error(out, "ERR Syntax error in HELLO option '" + std::string(argv[j]) + "'");
      return;
    }
  }
  if (user) {
    if (!credentials_ok(server, *user, *pass)) {
      reply::error(out, wrongpass);
      return;
    }
    client.authenticated = true;
  }
  if (auth_required(client, server)) {
    reply::error(out, "NOAUTH HELLO must be called with the client already authenticated, "
                      "otherwise the HELLO AUTH <user> <pass> option can be used to "
                      "authenticate the client and select the RESP protocol version at the "
                      "same time");
    return;
  }
  if (name) {
    if (!valid_client_name(*name)) {
      reply::error(out, "ERR Client names cannot contain spaces, newlines or special characters.");
      return;
    }
    client.name = std::string(*name);
  }
  client.resp = static_cast<int>(version);
  const reply::protocol_scope protocol(client.resp);
  reply::map_header(out, 7);
  reply::bulk(out, "server");
  reply::bulk(out, "redis");
  reply::bulk(out, "version");
  reply::bulk(out, redis_version);
  reply::bulk(out, "proto");
  reply::integer(out, version);
  reply::bulk(out, "id");
  reply::integer(out, client.id);
  reply::bulk(out, "mode");
  reply::bulk(out, "standalone");
  reply::bulk(out, "role");
  reply::bulk(out, server.config.replicaof.empty() ? "master" : "replica");
  reply::bulk(out, "modules");
  reply::array_header(out, 0);
}

// RESET's part in the keyspace: nothing watched, no longer a monitor (its reply, silenced, is
// the connection's "+RESET").
void reset_in_keyspace(exec_context& ctx, arg_list) {
  if (ctx.watched)
    ctx.watched->unwatch(ctx.client_id);
  if (ctx.intro)
    std::erase(ctx.intro->monitors, ctx.client_id);
}

// RESET: the connection as a new one, as Redis's clearClientConnectionState: MULTI discarded,
// nothing watched, every subscription dropped (without unsubscribe messages), database 0,
// RESP2, replies on, no name, and the default user's authentication.
void reset_batch(const command_spec& cmd, command_batch& batch, client_state& client,
                 server_state& server, arg_list argv) {
  client.multi.reset();
  const size_t first = batch.items().size();
  batch.add_command(&cmd, client.db, argv);  // what the keyspace knows of the client
  constexpr std::string_view unsubscribe[] = {"unsubscribe", "punsubscribe", "sunsubscribe"};
  for (size_t k = 0; k < 3; ++k) {
    if (client.subscriptions[k].empty())
      continue;
    std::vector<std::string_view> request{unsubscribe[k]};
    request.insert(request.end(), client.subscriptions[k].begin(), client.subscriptions[k].end());
    batch.add_command(find_command(unsubscribe[k]), client.db, request);  // (copies the names)
    client.subscriptions[k].clear();
  }
  batch.silence_from(first);
  client.db = 0;
  client.resp = 2;
  batch.resp = 2;
  client.replies_off = false;
  client.name.clear();
  client.authenticated = server.config.requirepass.empty();
  batch.add_reply("+RESET\r\n");
}

// Neither MONITOR nor the slow log shows a password.
void redact_auth(std::vector<std::string>& args) {
  for (size_t i = 1; i < args.size(); ++i)
    args[i] = "(redacted)";
}

void redact_hello(std::vector<std::string>& args) {
  for (size_t j = 2; j + 2 < args.size(); ++j) {
    if (iequals(args[j], "auth")) {
      args[j + 1] = args[j + 2] = "(redacted)";
      j += 2;
    } else if (iequals(args[j], "setname")) {
      ++j;
    }
  }
}

const command_spec specs[] = {
    {"select", 2, cmd_loading | cmd_stale | cmd_fast, nullptr, select_command, 0, 0, 0, kf::none,
     "Change the selected database for the current connection", "connection", "1.0.0"},
    {"quit", -1,
     cmd_loading | cmd_stale | cmd_fast | cmd_no_auth | cmd_not_queued | cmd_pubsub_context |
         cmd_allow_busy | cmd_noscript,
     nullptr, quit_command, 0, 0, 0, kf::none, "Close the connection", "connection", "1.0.0"},
    with_redaction(
        {"auth", -2,
         cmd_loading | cmd_stale | cmd_fast | cmd_noscript | cmd_no_auth | cmd_allow_busy, nullptr,
         auth_command, 0, 0, 0, kf::none, "Authenticate to the server", "connection", "1.0.0"},
        redact_auth),
    with_redaction(
        {"hello", -1,
         cmd_loading | cmd_stale | cmd_fast | cmd_noscript | cmd_no_auth | cmd_allow_busy, nullptr,
         hello_command, 0, 0, 0, kf::none, "Handshake with Redis", "connection", "6.0.0"},
        redact_hello),
    {"reset", 1,
     cmd_noscript | cmd_loading | cmd_stale | cmd_fast | cmd_no_auth | cmd_allow_busy |
         cmd_not_queued | cmd_pubsub_context,
     reset_in_keyspace, nullptr, 0, 0, 0, kf::none, "Reset the connection", "connection", "6.2.0",
     nullptr, reset_batch},
};

}  // namespace

std::span<const command_spec> connection_commands() { return specs; }

}  // namespace credis
