// Replication commands (Redis's replication.c): REPLCONF, PSYNC, SYNC, REPLICAOF, WAIT and
// ROLE. Those that act on the replication itself validate their arguments here and leave a
// request for the replication manager: the connection passes on those it waits for the answer
// of (WAIT, PSYNC), the keyspace those of REPLICAOF.
#include "protocol/integers.hpp"
#include "protocol/reply.hpp"
#include "storage/commands/command_families.hpp"
#include "storage/commands/text.hpp"

namespace credis {

namespace {

using request_kind = replication_request::kind;

void leave_request(client_state& client, request_kind what, int64_t count, int64_t number,
                   std::string_view text = {}) {
  client.pending = {what, count, number, std::string(text)};
}

// REPLCONF <option> <value> [<option> <value> ...]: what a replica tells its master during
// the handshake (listening-port, capa) and afterwards (ACK <offset>, which has no reply).
void replconf_command(client_state& client, server_state&, arg_list argv, std::string& out) {
  if (argv.size() % 2 == 0) {
    reply::error(out, errors::syntax);
    return;
  }
  for (size_t i = 1; i < argv.size(); i += 2) {
    std::string_view opt = argv[i], val = argv[i + 1];
    if (iequals(opt, "listening-port")) {
      int64_t port = 0;
      if (!parse_int64(val, port)) {
        reply::error(out, errors::not_integer);
        return;
      }
      client.replica_listening_port = port;
    } else if (iequals(opt, "capa")) {
      client.replica_capa_eof = client.replica_capa_eof || iequals(val, "eof");
      client.replica_capa_psync2 = client.replica_capa_psync2 || iequals(val, "psync2");
    } else if (iequals(opt, "ack")) {
      int64_t offset = 0;
      if (parse_int64(val, offset))
        leave_request(client, request_kind::ack, 0, offset);
      return;  // never answered
    } else if (iequals(opt, "getack")) {
      return;  // only a master's GETACK is answered, and that one arrives on the master link
    } else if (!iequals(opt, "ip-address") && !iequals(opt, "rdb-only") &&
               !iequals(opt, "rdb-filter-only")) {
      reply::error(out, "ERR Unrecognized REPLCONF option: " + std::string(opt));
      return;
    }
  }
  reply::ok(out);
}

// PSYNC <replid> <offset>: continue from `offset` of history `replid`, or sync in full.
void psync_command(client_state& client, server_state&, arg_list argv, std::string& out) {
  int64_t offset = 0;
  if (!parse_int64(argv[2], offset)) {
    reply::error(out, errors::not_integer);
    return;
  }
  leave_request(client, request_kind::psync, 1, offset, argv[1]);
}

// SYNC: the old full sync, answered with the payload alone (no +FULLRESYNC line).
void sync_command(client_state& client, server_state&, arg_list, std::string&) {
  leave_request(client, request_kind::psync, 0, -1, "?");
}

// REPLICAOF host port | REPLICAOF NO ONE (and its old name SLAVEOF). It runs in the keyspace,
// so that it can be part of a transaction (Sentinel's MULTI / REPLICAOF NO ONE / CONFIG REWRITE
// / EXEC): the keyspace's view of the role changes at once, for the commands after it, and the
// replication manager is asked to follow.
void replicaof_command(exec_context& ctx, arg_list argv) {
  if (!ctx.manager_requests) {
    reply::ok(ctx.out);  // our master's stream: nothing here changes our own role
    return;
  }
  replication_info& view = ctx.replication;
  if (iequals(argv[1], "no") && iequals(argv[2], "one")) {
    if (view.is_replica) {
      view.is_replica = false;
      view.master_host.clear();
      view.master_port = 0;
      view.link_up = view.sync_in_progress = false;
      ctx.manager_requests->push_back({request_kind::replicaof_no_one, ctx.client_id, 0, {}});
    }
    ctx.server.config.replicaof.clear();  // CONFIG GET replicaof follows the role, as in Redis
    reply::ok(ctx.out);
    return;
  }
  if (ctx.client && ctx.client->self.replica) {
    reply::error(ctx.out, "ERR Command is not valid when client is a replica.");
    return;
  }
  int64_t port = 0;
  if (!parse_int64(argv[2], port) || port < 0 || port > 65535) {
    reply::error(ctx.out, "ERR Invalid master port");
    return;
  }
  if (view.is_replica && iequals(view.master_host, argv[1]) && view.master_port == port) {
    reply::simple(ctx.out, "OK Already connected to specified master");
    return;
  }
  view.is_replica = true;
  view.master_host = std::string(argv[1]);
  view.master_port = port;
  view.link_up = view.sync_in_progress = false;
  ctx.server.config.replicaof = view.master_host + " " + std::to_string(port);
  ctx.manager_requests->push_back(
      {request_kind::replicaof, ctx.client_id, port, std::string(argv[1])});
  reply::ok(ctx.out);
}

// WAIT numreplicas timeout: the manager answers once enough replicas have acknowledged this
// client's last write, or when the timeout (0: none) ends.
void wait_command(client_state& client, server_state&, arg_list argv, std::string& out) {
  int64_t wanted = 0, timeout = 0;
  if (!parse_int64(argv[1], wanted)) {
    reply::error(out, errors::not_integer);
    return;
  }
  if (!parse_int64(argv[2], timeout)) {
    reply::error(out, "ERR timeout is not an integer or out of range");
    return;
  }
  if (timeout < 0) {
    reply::error(out, "ERR timeout is negative");
    return;
  }
  leave_request(client, request_kind::wait, wanted, timeout);
}

// ROLE: master with its offset and replicas, or slave with its master and link state.
void role_command(exec_context& ctx, arg_list) {
  const replication_info& r = ctx.replication;
  if (r.is_replica) {
    reply::array_header(ctx.out, 5);
    reply::bulk(ctx.out, "slave");
    reply::bulk(ctx.out, r.master_host);
    reply::integer(ctx.out, r.master_port);
    reply::bulk(ctx.out, r.link_up ? "connected" : r.sync_in_progress ? "sync" : "connect");
    reply::integer(ctx.out, r.link_up ? r.offset : -1);
    return;
  }
  reply::array_header(ctx.out, 3);
  reply::bulk(ctx.out, "master");
  reply::integer(ctx.out, r.offset);
  int64_t online = 0;
  for (const auto& replica : r.replicas)
    online += replica.state == "online";
  reply::array_header(ctx.out, online);
  for (const auto& replica : r.replicas) {
    if (replica.state != "online")
      continue;
    std::string port, offset;
    append_int64(port, replica.port);
    append_int64(offset, replica.ack_offset);
    reply::array_header(ctx.out, 3);
    reply::bulk(ctx.out, replica.ip);
    reply::bulk(ctx.out, port);
    reply::bulk(ctx.out, offset);
  }
}

const command_spec specs[] = {
    {"replconf", -1, cmd_admin | cmd_noscript | cmd_loading | cmd_stale | cmd_allow_busy, nullptr,
     replconf_command, 0, 0, 0, kf::none,
     "An internal command for configuring the replication stream", "server", "3.0.0"},
    {"psync", -3, cmd_admin | cmd_noscript | cmd_no_multi | cmd_no_async_loading, nullptr,
     psync_command, 0, 0, 0, kf::none, "Internal command used for replication", "server", "2.8.0"},
    {"sync", 1, cmd_admin | cmd_noscript | cmd_no_multi | cmd_no_async_loading, nullptr,
     sync_command, 0, 0, 0, kf::none, "Internal command used for replication", "server", "1.0.0"},
    {"replicaof", 3, cmd_admin | cmd_noscript | cmd_stale | cmd_no_async_loading, replicaof_command,
     nullptr, 0, 0, 0, kf::none,
     "Make the server a replica of another instance, or promote it as master.", "server", "5.0.0"},
    {"slaveof", 3, cmd_admin | cmd_noscript | cmd_stale | cmd_no_async_loading, replicaof_command,
     nullptr, 0, 0, 0, kf::none,
     "Make the server a replica of another instance, or promote it as master.", "server", "1.0.0"},
    {"wait", 3, cmd_noscript, nullptr, wait_command, 0, 0, 0, kf::none,
     "Wait for the synchronous replication of all the write commands sent in the context of "
     "the current connection",
     "generic", "3.0.0"},
    {"role", 1, cmd_noscript | cmd_loading | cmd_stale | cmd_fast, role_command, nullptr, 0, 0, 0,
     kf::none, "Return the role of the instance in the context of replication", "server", "2.8.12"},
};

}  // namespace

std::span<const command_spec> replication_commands() { return specs; }

}  // namespace credis
