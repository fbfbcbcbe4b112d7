// CLIENT and its subcommands (Redis's networking.c). Those that change only the calling
// connection (ID, GETNAME, SETNAME, REPLY, NO-EVICT) run in its actor; those that look at other
// clients (LIST, INFO, KILL, UNBLOCK) run in the keyspace, which keeps what every connection
// reported of itself (storage/client_registry.hpp).
#include <algorithm>
#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

#include "protocol/integers.hpp"
#include "protocol/reply.hpp"
#include "storage/commands/command_families.hpp"
#include "storage/commands/lookup.hpp"
#include "storage/commands/subcommands.hpp"
#include "storage/commands/text.hpp"

namespace credis {

bool valid_client_name(std::string_view name) {
  for (char c : name)
    if (c < '!' || c > '~')
      return false;
  return true;
}

namespace {

void client_id(client_state& client, server_state&, arg_list, std::string& out) {
  reply::integer(out, client.id);
}

void client_getname(client_state& client, server_state&, arg_list, std::string& out) {
  if (client.name.empty())
    reply::null_bulk(out);
  else
    reply::bulk(out, client.name);
}

void client_setname(client_state& client, server_state&, arg_list argv, std::string& out) {
  if (!valid_client_name(argv[2])) {
    reply::error(out, "ERR Client names cannot contain spaces, newlines or special characters.");
    return;
  }
  client.name = std::string(argv[2]);
  reply::ok(out);
}

// OFF and SKIP are not answered (add_request silences what follows).
void client_reply(client_state& client, server_state&, arg_list argv, std::string& out) {
  if (iequals(argv[2], "on")) {
    client.replies_off = false;
    client.skip_next_reply = false;
    client.skipping_reply = false;
    reply::ok(out);
  } else if (iequals(argv[2], "off")) {
    client.replies_off = true;
  } else if (iequals(argv[2], "skip")) {
    client.skip_next_reply = !client.replies_off;
  } else {
    reply::error(out, errors::syntax);
  }
}

// Nothing is evicted yet: the flag is kept and shown by CLIENT LIST.
void client_no_evict(client_state& client, server_state&, arg_list argv, std::string& out) {
  if (iequals(argv[2], "on") || iequals(argv[2], "off")) {
    client.no_evict = iequals(argv[2], "on");
    reply::ok(out);
  } else {
    reply::error(out, errors::syntax);
  }
}

// No client tracking here: nobody is redirected to.
void client_getredir(client_state&, server_state&, arg_list, std::string& out) {
  reply::integer(out, -1);
}

void client_help(client_state&, server_state&, arg_list, std::string& out) {
  reply_help(out, "client",
             {"GETNAME",
              "    Return the name of the current connection.",
              "GETREDIR",
              "    Return the ID of the client that gets tracking notifications (-1: none).",
              "ID",
              "    Return the ID of the current connection.",
              "INFO",
              "    Return information about the current client connection.",
              "KILL <ip:port>",
              "    Kill connection made from <ip:port>.",
              "KILL <option> <value> [<option> <value> [...]]",
              "    Kill connections. Options are: ID <client-id>, TYPE (NORMAL|MASTER|REPLICA|"
              "PUBSUB), USER <username>, ADDR <ip:port>, LADDR <ip:port>, SKIPME (YES|NO).",
              "LIST [options ...]",
              "    Return information about client connections. Options: TYPE (NORMAL|MASTER|"
              "REPLICA|PUBSUB), ID <client-id> [<client-id> ...].",
              "UNBLOCK <clientid> [TIMEOUT|ERROR]",
              "    Unblock the specified blocked client.",
              "REPLY (ON|OFF|SKIP)",
              "    Control the replies sent to the current connection.",
              "SETNAME <name>",
              "    Assign the name <name> to the current connection.",
              "NO-EVICT (ON|OFF)",
              "    Protect the current client connection from eviction."});
}

// CLIENT UNBLOCK id [TIMEOUT|ERROR]: runs in the keyspace, which knows who is blocked; the
// client is answered as if it had timed out, or with an error, once this batch is done.
void client_unblock_command(exec_context& ctx, arg_list argv) {
  if (argv.size() > 4) {
    reply::error(ctx.out,
                 "ERR unknown subcommand or wrong number of arguments for 'unblock'. "
                 "Try CLIENT HELP.");
    return;
  }
  bool with_error = false;
  if (argv.size() == 4) {
    if (iequals(argv[3], "error")) {
      with_error = true;
    } else if (!iequals(argv[3], "timeout")) {
      reply::error(ctx.out, "ERR CLIENT UNBLOCK reason should be TIMEOUT or ERROR");
      return;
    }
  }
  int64_t id = 0;
  if (!parse_integer_arg(ctx, argv[2], id))
    return;
  const bool blocked = ctx.blocked && ctx.blocked->is_blocked(id);
  if (blocked)
    ctx.blocked->ask_unblock(id, with_error);
  reply::integer(ctx.out, blocked ? 1 : 0);
}

enum class client_type { normal, replica, pubsub, master };

bool parse_client_type(std::string_view name, client_type& type) {
  if (iequals(name, "normal"))
    type = client_type::normal;
  else if (iequals(name, "replica") || iequals(name, "slave"))
    type = client_type::replica;
  else if (iequals(name, "pubsub"))
    type = client_type::pubsub;
  else if (iequals(name, "master"))
    type = client_type::master;
  else
    return false;
  return true;
}

client_type type_of(const exec_context& ctx, const client_record& c) {
  if (c.self.replica)
    return client_type::replica;
  if (ctx.channels && ctx.channels->has_subscriptions(c.self.id))
    return client_type::pubsub;
  return client_type::normal;
}

// What the calling client's query buffer holds while its command runs: the command in RESP.
size_t request_size(arg_list argv) {
  size_t n = 1 + std::to_string(argv.size()).size() + 2;
  for (auto a : argv)
    n += 1 + std::to_string(a.size()).size() + 2 + a.size() + 2;
  return n;
}

// One line of CLIENT LIST, in Redis 7.0's fields and order. The output buffers and the
// query buffers of other clients are their connections' and read as 0 here; the calling
// client's query buffer is its running command.
void append_client_line(std::string& out, const exec_context& ctx, const client_record& c,
                        arg_list argv) {
  const bool caller = ctx.client == &c;
  const int64_t id = c.self.id;
  std::string flags;
  if (ctx.intro && ctx.intro->is_monitor(id))
    flags += 'O';
  else if (c.self.replica)
    flags += 'S';
  if (ctx.channels && ctx.channels->has_subscriptions(id))
    flags += 'P';
  if (c.self.multi >= 0)
    flags += 'x';
  if (ctx.blocked && ctx.blocked->is_blocked(id))
    flags += 'b';
  if (c.self.no_evict)
    flags += 'e';
  if (flags.empty())
    flags = "N";
  auto subs = [&](subscription_kind kind) {
    return ctx.channels ? static_cast<int64_t>(ctx.channels->subscription_count(id, kind)) : 0;
  };
  size_t argv_mem = 0;
  if (caller)
    for (auto a : argv)
      argv_mem += a.size();
  const size_t qbuf = caller ? request_size(argv) : 0;
  const int64_t now_s = ctx.now / 1000;
  out += "id=" + std::to_string(id) + " addr=" + c.self.addr + " laddr=" + c.self.laddr +
         " fd=" + std::to_string(c.self.fd) + " name=" + c.self.name;
  char rest[400];
  std::snprintf(
      rest, sizeof rest,
      " age=%lld idle=%lld flags=%s db=%d sub=%lld psub=%lld ssub=%lld multi=%lld qbuf=%zu "
      "qbuf-free=0 argv-mem=%zu multi-mem=0 rbs=16384 rbp=%zu obl=0 oll=0 omem=%llu tot-mem=%llu "
      "events=r cmd=",
      static_cast<long long>(now_s - c.self.created_ms / 1000),
      static_cast<long long>(now_s - c.last_interaction_ms / 1000), flags.c_str(), c.db,
      static_cast<long long>(subs(subscription_kind::channel)),
      static_cast<long long>(subs(subscription_kind::pattern)),
      static_cast<long long>(subs(subscription_kind::shard)), static_cast<long long>(c.self.multi),
      qbuf, argv_mem, qbuf, static_cast<unsigned long long>(c.output_buffer),
      static_cast<unsigned long long>(qbuf + argv_mem + c.output_buffer));
  out += rest;
  out += c.last_command == SIZE_MAX ? std::string_view("NULL") : command_at(c.last_command).name;
  out += " user=default redir=-1 resp=" + std::to_string(c.self.resp) + "\n";
}

void client_info(exec_context& ctx, arg_list argv) {
  std::string text;
  if (ctx.client)
    append_client_line(text, ctx, *ctx.client, argv);
  reply::verbatim(ctx.out, text);
}

// CLIENT LIST [TYPE type] | [ID id ...], in the order the clients connected.
void client_list(exec_context& ctx, arg_list argv) {
  if (!ctx.intro) {
    reply::verbatim(ctx.out, "");
    return;
  }
  bool by_type = false, by_id = false;
  client_type type = client_type::normal;
  std::vector<int64_t> ids;
  if (argv.size() == 4 && iequals(argv[2], "type")) {
    if (!parse_client_type(argv[3], type)) {
      reply::error(ctx.out, "ERR Unknown client type '" + std::string(argv[3]) + "'");
      return;
    }
    by_type = true;
  } else if (argv.size() > 3 && iequals(argv[2], "id")) {
    for (size_t i = 3; i < argv.size(); ++i) {
      int64_t id = 0;
      if (!parse_int64(argv[i], id)) {
        reply::error(ctx.out, "ERR Invalid client ID");
        return;
      }
      ids.push_back(id);
    }
    by_id = true;
  } else if (argv.size() != 2) {
    reply::error(ctx.out, errors::syntax);
    return;
  }
  std::string text;
  if (by_id) {
    for (int64_t id : ids)
      if (const client_record* c = ctx.intro->clients.find(id))
        append_client_line(text, ctx, *c, argv);
  } else {
    std::vector<const client_record*> all;
    for (const auto& [id, c] : ctx.intro->clients.all())
      if (!by_type || type_of(ctx, c) == type)
        all.push_back(&c);
    std::sort(all.begin(), all.end(), [](const client_record* a, const client_record* b) {
      return a->self.id < b->self.id;
    });
    for (const client_record* c : all)
      append_client_line(text, ctx, *c, argv);
  }
  reply::verbatim(ctx.out, text);
}

// The clients CLIENT KILL's options pick.
struct kill_filter {
  std::string_view addr, laddr;
  int64_t id = 0;
  bool by_type = false;
  client_type type = client_type::normal;
  bool skip_me = true;
};

// Parses CLIENT KILL's options into `f`; false after replying the error.
bool parse_kill_filter(exec_context& ctx, arg_list argv, kill_filter& f) {
  if (argv.size() == 3) {  // the old form: an address, which may be the caller's own
    f.addr = argv[2];
    f.skip_me = false;
    return true;
  }
  for (size_t i = 2; i < argv.size(); i += 2) {
    if (i + 1 >= argv.size()) {
      reply::error(ctx.out, errors::syntax);
      return false;
    }
    std::string_view opt = argv[i], value = argv[i + 1];
    if (iequals(opt, "id")) {
      if (!parse_int64(value, f.id) || f.id < 1) {
        reply::error(ctx.out, "ERR client-id should be greater than 0");
        return false;
      }
    } else if (iequals(opt, "type")) {
      if (!parse_client_type(value, f.type)) {
        reply::error(ctx.out, "ERR Unknown client type '" + std::string(value) + "'");
        return false;
      }
      f.by_type = true;
    } else if (iequals(opt, "addr")) {
      f.addr = value;
    } else if (iequals(opt, "laddr")) {
      f.laddr = value;
    } else if (iequals(opt, "user")) {
      if (value != "default") {  // the only user there is
        reply::error(ctx.out, "ERR No such user '" + std::string(value) + "'");
        return false;
      }
    } else if (iequals(opt, "skipme")) {
      if (iequals(value, "yes")) {
        f.skip_me = true;
      } else if (iequals(value, "no")) {
        f.skip_me = false;
      } else {
        reply::error(ctx.out, errors::syntax);
        return false;
      }
    } else {
      reply::error(ctx.out, errors::syntax);
      return false;
    }
  }
  return true;
}

// CLIENT KILL: the clients picked are closed once this batch's replies are out (the caller's
// own, with SKIPME NO, after its reply).
void client_kill(exec_context& ctx, arg_list argv) {
  kill_filter f;
  if (!parse_kill_filter(ctx, argv, f))
    return;
  int64_t killed = 0;
  if (ctx.intro) {
    for (const auto& [id, c] : ctx.intro->clients.all()) {
      if ((!f.addr.empty() && c.self.addr != f.addr) ||
          (!f.laddr.empty() && c.self.laddr != f.laddr) || (f.id != 0 && id != f.id) ||
          (f.by_type && type_of(ctx, c) != f.type) || (f.skip_me && &c == ctx.client))
        continue;
      ctx.intro->clients.ask_close(id);
      ++killed;
    }
  }
  // As Redis frees them at once: a write later in this batch serves none of them, nor fails
  // their EXEC, nor publishes to them (the keyspace actor forgets the rest after the batch;
  // their records stay until then, for the batch's own client may be among them).
  for (int64_t id : ctx.intro ? ctx.intro->clients.closes() : std::span<const int64_t>{}) {
    if (ctx.blocked)
      ctx.blocked->unblock(id);
    if (ctx.watched)
      ctx.watched->unwatch(id);
    if (ctx.channels)
      ctx.channels->remove_client(id);
    std::erase(ctx.intro->monitors, id);
  }
  if (argv.size() != 3)
    reply::integer(ctx.out, killed);
  else if (killed == 0)
    reply::error(ctx.out, "ERR No such client");
  else
    reply::ok(ctx.out);
}

// CLIENT PAUSE timeout [WRITE|ALL]: the keyspace holds clients' commands (only writes with
// WRITE) until the timeout, in milliseconds, or CLIENT UNPAUSE.
void client_pause_command(exec_context& ctx, arg_list argv) {
  int64_t timeout = 0;
  if (!parse_int64(argv[2], timeout)) {
    reply::error(ctx.out, "ERR timeout is not an integer or out of range");
    return;
  }
  if (timeout < 0) {
    reply::error(ctx.out, "ERR timeout is negative");
    return;
  }
  client_pause::mode mode = client_pause::mode::all;
  if (argv.size() == 4 && iequals(argv[3], "write")) {
    mode = client_pause::mode::writes;
  } else if (argv.size() == 4 && !iequals(argv[3], "all")) {
    reply::error(ctx.out, "ERR CLIENT PAUSE mode must be WRITE or ALL");
    return;
  } else if (argv.size() > 4) {
    reply::error(ctx.out, errors::syntax);
    return;
  }
  if (ctx.intro)
    ctx.intro->clients.pause.extend(mode, timeout > INT64_MAX - ctx.now ? INT64_MAX
                                                                        : ctx.now + timeout);
  reply::ok(ctx.out);
}

void client_unpause_command(exec_context& ctx, arg_list) {
  if (ctx.intro)
    ctx.intro->clients.pause.end();
  reply::ok(ctx.out);
}

// MONITOR: from now on the client gets a line for each command any client runs.
void monitor_command(exec_context& ctx, arg_list) {
  if (!ctx.intro || !ctx.client) {
    reply::error(ctx.out, "ERR MONITOR is not available here");
    return;
  }
  if (ctx.intro->is_monitor(ctx.client->self.id))
    return;  // Redis answers nothing to a monitor's second MONITOR
  ctx.intro->monitors.push_back(ctx.client->self.id);
  reply::ok(ctx.out);
}

constexpr uint32_t client_flags = cmd_loading | cmd_stale;
constexpr uint32_t client_admin = cmd_admin | cmd_noscript | cmd_loading | cmd_stale;

const command_spec specs[] = {
    {"client", -2, client_flags | cmd_container, nullptr, unknown_client_subcommand, 0, 0, 0,
     kf::none, "A container for client connection commands", "connection", "2.4.0"},
    {"client|id", 2, cmd_noscript | client_flags, nullptr, client_id, 0, 0, 0, kf::none,
     "Returns the client ID for the current connection", "connection", "5.0.0"},
    {"client|getname", 2, cmd_noscript | client_flags, nullptr, client_getname, 0, 0, 0, kf::none,
     "Get the current connection name", "connection", "2.6.9"},
    {"client|setname", 3, cmd_noscript | client_flags, nullptr, client_setname, 0, 0, 0, kf::none,
     "Set the current connection name", "connection", "2.6.9"},
    {"client|reply", 3, cmd_noscript | client_flags, nullptr, client_reply, 0, 0, 0, kf::none,
     "Instruct the server whether to reply to commands", "connection", "3.2.0"},
    {"client|no-evict", 3, client_admin, nullptr, client_no_evict, 0, 0, 0, kf::none,
     "Set client eviction mode for the current connection", "connection", "7.0.0"},
    {"client|getredir", 2, cmd_noscript | client_flags, nullptr, client_getredir, 0, 0, 0, kf::none,
     "Get tracking notifications redirection client ID if any", "connection", "6.0.0"},
    {"client|help", 2, client_flags, nullptr, client_help, 0, 0, 0, kf::none,
     "Show helpful text about the different subcommands", "connection", "5.0.0"},
    {"client|info", 2, cmd_noscript | client_flags, client_info, nullptr, 0, 0, 0, kf::none,
     "Returns information about the current client connection.", "connection", "6.2.0"},
    {"client|list", -2, client_admin, client_list, nullptr, 0, 0, 0, kf::none,
     "Get the list of client connections", "connection", "2.4.0"},
    {"client|kill", -3, client_admin, client_kill, nullptr, 0, 0, 0, kf::none,
     "Kill the connection of a client", "connection", "2.4.0"},
    {"monitor", 1, client_admin, monitor_command, nullptr, 0, 0, 0, kf::none,
     "Listen for all requests received by the server in real time", "server", "1.0.0"},
    {"client|pause", -3, client_admin, client_pause_command, nullptr, 0, 0, 0, kf::none,
     "Stop processing commands from clients for some time", "connection", "2.9.50"},
    {"client|unpause", 2, client_admin, client_unpause_command, nullptr, 0, 0, 0, kf::none,
     "Resume processing of clients that were paused", "connection", "6.2.0"},
    {"client|unblock", -3, client_admin, client_unblock_command, nullptr, 0, 0, 0, kf::none,
     "Unblock a client blocked in a blocking command from a different connection", "connection",
     "5.0.0"},
};

}  // namespace

std::span<const command_spec> client_commands() { return specs; }

}  // namespace credis
