#include "actors/replication_manager_actor.hpp"

#include <spdlog/spdlog.h>

#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "actors/broker_exit.hpp"
#include "actors/clock.hpp"
#include "actors/log_role.hpp"
#include "actors/master_link_actor.hpp"
#include "actors/spinning_multiplexer.hpp"
#include "protocol/reply.hpp"
#include "replication/psync.hpp"
#include "storage/config/config_table.hpp"

namespace credis {

const char* manager_state::name = "replication-manager";

namespace {

using request_kind = replication_request::kind;
using replica_state = replica_entry::state;

// Keep-alives, sync delays, timeouts and reconnects are looked after this often (Redis's
// replicationCron runs once a second).
constexpr auto cron_interval = std::chrono::milliseconds(1000);

std::string integer_reply(int64_t n) {
  std::string out;
  reply::integer(out, n);
  return out;
}

std::string error_reply(std::string_view msg) {
  std::string out;
  reply::error(out, msg);
  return out;
}

const char* state_name(replica_state s) {
  switch (s) {
    case replica_state::wait_bgsave:
      return "wait_bgsave";
    case replica_state::send_bulk:
    case replica_state::wait_ack:
      return "send_bulk";
    default:
      return "online";
  }
}

void set_role(manager_broker self, bool replica) {
  self->state.is_replica = replica;
  set_log_role(*spdlog::default_logger(), replica);
  if (auto* loop = spinning_multiplexer::of(self->system()))
    loop->enable_busy_poll(!replica);
}

// Tells the keyspace what INFO replication and ROLE show, and whether to propagate.
void push_status(manager_broker self) {
  auto& st = self->state;
  if (!st.keyspace)
    return;
  replication_info info;
  info.is_replica = st.is_replica;
  info.master_host = st.master_host;
  info.master_port = st.master_port;
  info.link_up = st.link_up;
  info.last_io_ms = st.last_io_ms;
  info.sync_in_progress = st.link_syncing;
  info.replid = st.ids.replid;
  info.replid2 = st.ids.replid2;
  info.second_offset = st.ids.second_offset;
  info.backlog_active = st.log != nullptr;
  info.backlog_size = st.log ? static_cast<int64_t>(st.log->capacity()) : st.config.repl.backlog_size;
  info.backlog_origin = st.log ? st.log->end_offset() - static_cast<int64_t>(st.log->histlen()) : 0;
  for (const auto& r : st.replicas)
    info.replicas.push_back({r.ip, r.port, state_name(r.st), r.ack_offset, r.last_ack_ms});
  info.role_requests_handled = st.role_requests_handled;
  info.sync_full = st.sync_full;
  info.sync_partial_ok = st.sync_partial_ok;
  info.sync_partial_err = st.sync_partial_err;
  self->send(st.keyspace, status_atom::value, std::move(info));
}

// The backlog, created (empty, at the current offset) the first time it is needed.
backlog& ensure_backlog(manager_broker self) {
  auto& st = self->state;
  if (!st.log) {
    st.log = std::make_unique<backlog>(static_cast<size_t>(st.config.repl.backlog_size));
    st.log->reset(st.offset);
  }
  return *st.log;
}

replica_entry* find_replica(manager_broker self, const caf::actor_addr& who) {
  for (auto& r : self->state.replicas)
    if (r.conn.address() == who)
      return &r;
  return nullptr;
}

int64_t count_acked(const manager_state& st, int64_t offset) {
  int64_t n = 0;
  for (const auto& r : st.replicas)
    n += r.st == replica_state::online && r.ack_offset >= offset;
  return n;
}

// The keyspace counts WAIT's clients among the blocked ones and lets CLIENT UNBLOCK end them.
void tell_keyspace_waiting(manager_broker self, int64_t client_id, bool timed, bool waits) {
  if (self->state.keyspace)
    self->send(self->state.keyspace, waiting_atom::value, client_id, timed, waits);
}

void drop_waiter(manager_broker self, size_t i) {
  auto& st = self->state;
  tell_keyspace_waiting(self, st.waiters[i].client_id, false, false);
  st.waiters.erase(st.waiters.begin() + static_cast<long>(i));
}

void finish_wait(manager_broker self, size_t i, std::string reply) {
  self->state.waiters[i].rp.deliver(std::move(reply));
  drop_waiter(self, i);
}

// Answers every WAIT whose client's writes enough replicas have acknowledged.
void check_waiters(manager_broker self) {
  auto& st = self->state;
  for (size_t i = 0; i < st.waiters.size();) {
    int64_t n = count_acked(st, st.waiters[i].offset);
    if (n >= st.waiters[i].wanted)
      finish_wait(self, i, integer_reply(n));
    else
      ++i;
  }
}

void drop_replica(manager_broker self, size_t i) {
  auto& st = self->state;
  caf::anon_send(st.replicas[i].conn, drop_atom::value);
  st.replicas.erase(st.replicas.begin() + static_cast<long>(i));
}

void drop_all_replicas(manager_broker self) {
  while (!self->state.replicas.empty())
    drop_replica(self, self->state.replicas.size() - 1);
}

void set_online(replica_entry& r) {
  r.st = replica_state::online;
  r.last_ack_ms = now_ms();
  caf::anon_send(r.conn, online_atom::value);
}

// A TLS replica's snapshot cannot go straight into its socket (its session's records are made
// in this process): the child writes into one end of a socket pair, and the replica's
// connection reads the other and encrypts what it reads. The child's end, or -1.
int open_sync_relay(const replica_entry& r) {
  int ends[2];
  if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, ends) != 0) {
    spdlog::warn("Can't relay the sync of replica {}: {}", r.name(), std::strerror(errno));
    return -1;
  }
  caf::anon_send(r.conn, sync_source_atom::value, handed_socket::of(ends[0]));
  return ends[1];
}

void close_all(const std::vector<int>& fds) {
  for (int fd : fds)
    close(fd);
}

// Starts a full sync for the replicas waiting for one, once the diskless delay has passed (it
// lets more replicas share one snapshot) and no other sync is being written.
void maybe_start_sync(manager_broker self) {
  auto& st = self->state;
  if (st.sync_pid >= 0 || !st.keyspace)  // one sync at a time; 0: being started
    return;
  std::vector<replica_entry*> waiting;
  for (auto& r : st.replicas)
    if (r.st == replica_state::wait_bgsave && r.sync_pid == -1)
      waiting.push_back(&r);
  if (waiting.empty())
    return;
  bool diskless = st.config.repl.diskless_sync;
  if (diskless && now_ms() - st.sync_wait_since < st.config.repl.diskless_sync_delay * 1000)
    return;
  sync_job job;
  // The same bytes go to every socket: replicas that sent the old SYNC go in a round of their
  // own. A replica without the EOF capability makes it a disk sync, as in Redis.
  bool old_sync = waiting.front()->old_sync;
  bool all_eof = true;
  for (auto* r : waiting)
    if (r->old_sync == old_sync)
      all_eof = all_eof && r->capa_eof;
  job.eof_form = diskless && all_eof;
  job.fullresync_line = !old_sync;
  job.replid = st.ids.replid;
  std::vector<int64_t> ids;
  std::vector<int> child_ends;  // of the TLS replicas' relays, closed here once forked
  for (auto* r : waiting) {
    if (r->old_sync != old_sync)
      continue;
    int fd = r->tls ? open_sync_relay(*r) : r->fd;
    if (fd < 0)
      continue;  // waits for the next try
    if (r->tls)
      child_ends.push_back(fd);
    job.fds.push_back(fd);
    ids.push_back(r->client_id);
    r->sync_pid = 0;  // being started
    r->eof_form = job.eof_form;
  }
  if (job.fds.empty())
    return;
  st.sync_pid = 0;
  self->request(st.keyspace, caf::infinite, sync_atom::value, std::move(job))
      .then(
          [=](int pid, int64_t offset) {
            close_all(child_ends);  // the child has its copies
            auto& st = self->state;
            st.sync_pid = pid > 0 ? pid : -1;
            for (size_t i = 0; i < st.replicas.size();) {
              auto& r = st.replicas[i];
              if (std::find(ids.begin(), ids.end(), r.client_id) == ids.end() ||
                  r.sync_pid != 0) {
                ++i;
              } else if (pid <= 0) {
                drop_replica(self, i);
              } else {
                r.sync_pid = pid;
                r.st = replica_state::send_bulk;
                spdlog::info("Full resync of replica {} from offset {}", r.name(), offset);
                ++i;
              }
            }
            st.sync_wait_since = now_ms();
            push_status(self);
          },
          [=](const caf::error&) {
            close_all(child_ends);
            // The keyspace is gone (shutdown): nothing will be synced.
            self->state.sync_pid = -1;
            for (auto& r : self->state.replicas)
              if (r.sync_pid == 0)
                r.sync_pid = -1;
          });
}

// PSYNC / SYNC: continue from the backlog when possible, else a full sync (the reply is then
// written by the child that writes the snapshot, so the connection gets nothing to send).
std::string on_psync(manager_broker self, const replication_request& req,
                     const replication_peer& peer) {
  auto& st = self->state;
  if (st.is_replica && !st.link_up)
    return error_reply("NOMASTERLINK Can't SYNC while not connected with my master");
  if (peer.fd < 0 && !peer.tls)
    return error_reply("ERR SYNC is not possible on this connection");
  replica_entry r;
  r.conn = caf::actor_cast<caf::actor>(self->current_sender());
  r.fd = peer.fd;
  r.tls = peer.tls;
  r.ip = peer.ip;
  r.port = peer.listening_port;
  r.capa_eof = peer.capa_eof;
  r.old_sync = req.count == 0;
  r.client_id = peer.client_id;
  spdlog::info("Replica {} asks for synchronization", r.name());
  self->monitor(r.conn);
  if (!r.old_sync) {
    psync_decision d = decide_psync(st.ids, st.log.get(), req.text, req.number);
    if (d.can_continue) {
      std::string out = peer.capa_psync2 ? "+CONTINUE " + st.ids.replid + "\r\n"
                                         : std::string("+CONTINUE\r\n");
      size_t header = out.size();
      st.log->copy_after(req.number - 1, out);
      spdlog::info("Partial resynchronization request from {} accepted. Sending {} bytes of "
                   "backlog starting from offset {}.", r.name(), out.size() - header,
                   req.number);
      r.st = replica_state::online;
      r.last_ack_ms = now_ms();
      st.replicas.push_back(std::move(r));
      ++st.sync_partial_ok;
      push_status(self);
      return out;
    }
    spdlog::info("{}", d.why);
    if (req.text != "?")
      ++st.sync_partial_err;
  }
  ++st.sync_full;
  if (!st.log) {
    // A backlog made from nothing starts a new history: nothing before it can be continued.
    st.ids.restart();
    ensure_backlog(self);
    spdlog::info("Replication backlog created, my new replication IDs are '{}' and '{}'",
                 st.ids.replid, st.ids.replid2);
  }
  if (std::none_of(st.replicas.begin(), st.replicas.end(),
                   [](const replica_entry& e) { return e.st == replica_state::wait_bgsave; }))
    st.sync_wait_since = now_ms();
  st.replicas.push_back(std::move(r));
  push_status(self);  // the keyspace propagates from now on, before it takes the snapshot
  maybe_start_sync(self);
  return {};
}

std::string on_ack(manager_broker self, int64_t offset) {
  replica_entry* r = find_replica(self, caf::actor_cast<caf::actor_addr>(self->current_sender()));
  if (!r)
    return {};
  r->ack_offset = std::max(r->ack_offset, offset);
  r->last_ack_ms = now_ms();
  r->acked = true;
  if (r->st == replica_state::wait_ack)
    set_online(*r);
  check_waiters(self);
  push_status(self);
  return {};
}

caf::result<std::string> on_wait(manager_broker self, const replication_request& req,
                                 const replication_peer& peer) {
  auto& st = self->state;
  if (st.is_replica)
    return error_reply(
        "ERR WAIT cannot be used with replica instances. Please also note that since Redis 4.0 "
        "if a replica is configured to be writable (which is not the default) writes to "
        "replicas are just local and are not propagated.");
  int64_t acked = count_acked(st, peer.write_offset);
  if (acked >= req.count)
    return integer_reply(acked);
  // The sender first: making the response promise takes it out of the current message.
  auto client = caf::actor_cast<caf::actor>(self->current_sender());
  wait_entry w{st.next_waiter++,  self->make_response_promise<std::string>(),
               client.address(),  peer.client_id,
               peer.write_offset, req.count};
  uint64_t id = w.id;
  auto rp = w.rp;
  self->monitor(client);
  st.waiters.push_back(std::move(w));
  tell_keyspace_waiting(self, peer.client_id, req.number > 0, true);
  if (!st.getack_asked && st.log) {
    st.getack_asked = true;
    self->send(st.keyspace, getack_atom::value);
  }
  if (req.number > 0)
    send_self_later<replication_manager_actor>(self, std::chrono::milliseconds(req.number),
                                               timeout_atom::value, id);
  return rp;
}

// Waiting clients are let go when the server stops being a master, as Redis does.
void unblock_waiters(manager_broker self) {
  while (!self->state.waiters.empty())
    finish_wait(self, 0,
                error_reply("UNBLOCKED force unblock from blocking operation, instance state "
                            "changed (master -> replica?)"));
}

void connect_link(manager_broker self) {
  auto& st = self->state;
  if (st.link || !st.keyspace)
    return;
  const tls_context* tls = nullptr;
  if (st.config.repl.tls) {
    if (!st.client_tls) {
      spdlog::warn("tls-replication is on, but TLS was not configured at start-up (no "
                   "tls-port nor tls-replication then): not connecting to the master");
      return;
    }
    tls = st.client_tls;
  }
  // A replica over TLS is reached on its tls-port, and says so (as Redis).
  int64_t listening_port = tls && st.config.tls.port ? st.config.tls.port : st.config.port;
  st.link = self->system().middleman().spawn_broker(
      master_link_fn, st.master_host, st.master_port, listening_port, tls,
      st.log ? st.ids.replid : std::string(), st.offset, st.stream_db, st.role_requests_handled,
      st.keyspace, caf::actor_cast<replication_manager_actor>(self), st.server, st.config.repl);
  self->monitor(st.link);
}

void stop_link(manager_broker self) {
  auto& st = self->state;
  if (st.link)
    self->send_exit(st.link, caf::exit_reason::user_shutdown);
  st.link = nullptr;
  st.link_up = false;
  st.link_syncing = false;
}

// REPLICAOF host port, as the keyspace passed it on (it has answered the client).
void on_replicaof(manager_broker self, const replication_request& req) {
  auto& st = self->state;
  if (st.is_replica && st.master_host == req.text && st.master_port == req.number)
    return;
  if (!st.is_replica)
    unblock_waiters(self);  // the new link asks to continue our history, if we have one
  stop_link(self);
  set_role(self, true);
  st.master_host = req.text;
  st.master_port = static_cast<uint16_t>(req.number);
  spdlog::info("REPLICAOF {}:{} enabled (user request from 'id={}')", st.master_host,
               st.master_port, req.count);
  connect_link(self);
}

void on_replicaof_no_one(manager_broker self, const replication_request& req) {
  auto& st = self->state;
  if (!st.is_replica)
    return;
  stop_link(self);
  set_role(self, false);
  st.master_host.clear();
  st.master_port = 0;
  // The history so far stays valid as the second id, so former siblings can continue.
  st.ids.shift(st.offset);
  ensure_backlog(self);
  drop_all_replicas(self);  // they reconnect and learn the new id with +CONTINUE
  spdlog::info("Setting secondary replication ID to {}, valid up to offset: {}. New replication "
               "ID is {}", st.ids.replid2, st.ids.second_offset, st.ids.replid);
  spdlog::info("MASTER MODE enabled (user request from 'id={}')", req.count);
}

void on_link_report(manager_broker self, const link_report& report) {
  auto& st = self->state;
  st.last_io_ms = report.last_io_ms;
  switch (report.what) {
    case link_report::kind::syncing:
      st.link_syncing = true;
      break;
    case link_report::kind::up:
      st.link_syncing = false;
      st.link_up = true;
      if (report.replid != st.ids.replid) {
        // +CONTINUE with a new id: the master was promoted; our history goes on under it.
        st.ids.replid2 = st.ids.replid;
        st.ids.second_offset = st.offset + 1;
        st.ids.replid = report.replid;
        drop_all_replicas(self);
      }
      ensure_backlog(self);
      break;
    case link_report::kind::io:
      return;  // INFO's master_last_io_seconds_ago may lag by a second
  }
  push_status(self);
}

void on_down(manager_broker self, const caf::down_msg& msg) {
  auto& st = self->state;
  if (st.link && msg.source == st.link.address()) {
    st.link = nullptr;
    if (st.link_up)
      spdlog::warn("Connection with master lost.");
    st.link_up = false;
    st.link_syncing = false;
    push_status(self);
    return;  // the cron connects again
  }
  for (size_t i = 0; i < st.replicas.size(); ++i) {
    if (st.replicas[i].conn.address() == msg.source) {
      spdlog::info("Connection with replica {} lost.", st.replicas[i].name());
      st.replicas.erase(st.replicas.begin() + static_cast<long>(i));
      check_waiters(self);
      push_status(self);
      return;
    }
  }
  for (size_t i = 0; i < st.waiters.size();) {
    if (st.waiters[i].client == msg.source) {
      drop_waiter(self, i);
    } else {
      ++i;
    }
  }
}

void run_cron(manager_broker self) {
  auto& st = self->state;
  int64_t now = now_ms();
  for (size_t i = 0; i < st.replicas.size();) {
    auto& r = st.replicas[i];
    if (r.st == replica_state::wait_bgsave && r.sync_pid == -1)
      caf::anon_send(r.conn, keepalive_atom::value);
    if (r.st == replica_state::online && !r.old_sync &&
        now - r.last_ack_ms > st.config.repl.timeout * 1000) {
      spdlog::warn("Disconnecting timedout replica (streaming sync): {}", r.name());
      drop_replica(self, i);
      continue;
    }
    ++i;
  }
  maybe_start_sync(self);
  if (st.is_replica && !st.link) {
    spdlog::info("Connecting to MASTER {}:{}", st.master_host, st.master_port);
    connect_link(self);
  }
}

}  // namespace

replication_manager_actor::behavior_type replication_manager_fn(manager_broker self,
                                                                server_state* server,
                                                                const tls_context* client_tls) {
  empty_mailbox_at_exit(self);
  auto& st = self->state;
  st.server = server;
  st.client_tls = client_tls;
  st.config = server->config;
  st.ids.replid = make_replication_id();
  if (!st.config.replicaof.empty()) {
    set_role(self, true);
    parse_replicaof(st.config.replicaof, st.master_host, st.master_port);
  }
  self->set_down_handler([=](caf::down_msg& msg) { on_down(self, msg); });
  // The link to the master is not linked to the manager (its end is no error of ours), so it
  // must be ended here, or the actor system would wait for it at exit.
  self->set_exit_handler([=](caf::exit_msg& msg) {
    stop_link(self);
    unblock_waiters(self);
    self->quit(msg.reason);
  });
  return {
      [=](feed_atom, std::string& bytes, int64_t end_offset, int stream_db) {
        auto& st = self->state;
        st.stream_db = stream_db;
        st.getack_asked = false;
        if (st.log) {
          int64_t start = end_offset - static_cast<int64_t>(bytes.size());
          if (st.log->end_offset() != start) {
            st.log->reset(start);
            push_status(self);
          }
          st.log->append(bytes);
        }
        st.offset = end_offset;
        stream_bytes chunk;
        for (const auto& r : st.replicas) {
          if (r.st == replica_state::wait_bgsave)
            continue;
          if (!chunk.bytes)
            chunk.bytes = std::make_shared<const std::string>(std::move(bytes));
          caf::anon_send(r.conn, stream_atom::value, chunk);
        }
      },
      [=](repl_atom, const replication_request& req,
          const replication_peer& peer) -> caf::result<std::string> {
        switch (req.what) {
          case request_kind::psync:
            return on_psync(self, req, peer);
          case request_kind::ack:
            return on_ack(self, req.number);
          case request_kind::wait:
            return on_wait(self, req, peer);
          default:
            return std::string();
        }
      },
      [=](replicaof_atom, const replication_request& req) {
        ++self->state.role_requests_handled;  // first: a new link is of this generation
        if (req.what == request_kind::replicaof_no_one)
          on_replicaof_no_one(self, req);
        else
          on_replicaof(self, req);
        push_status(self);  // also when nothing changed: the keyspace waits for the count
      },
      [=](synced_atom, int pid, bool ok) {
        auto& st = self->state;
        if (pid == st.sync_pid)
          st.sync_pid = -1;
        for (size_t i = 0; i < st.replicas.size();) {
          auto& r = st.replicas[i];
          if (r.sync_pid != pid) {
            ++i;
            continue;
          }
          r.sync_pid = -1;
          if (!ok) {
            spdlog::warn("Background sync of replica {} failed", r.name());
            drop_replica(self, i);
            continue;
          }
          spdlog::info("Synchronization with replica {} succeeded", r.name());
          if (r.eof_form && !r.acked)
            r.st = replica_state::wait_ack;  // online once it has loaded it and ACKs
          else
            set_online(r);
          ++i;
        }
        push_status(self);
        maybe_start_sync(self);
      },
      [=](restored_atom, const std::string& replid, int64_t offset, int stream_db) {
        auto& st = self->state;
        st.offset = offset;
        st.stream_db = stream_db;
        if (st.is_replica) {
          // A full sync (or our file) put this history's data here.
          st.ids.replid = replid;
          st.ids.replid2 = std::string(40, '0');
          st.ids.second_offset = -1;
          drop_all_replicas(self);
        } else {
          // A master restarted from its file: replicas of that history may continue.
          st.ids.replid2 = replid;
          st.ids.second_offset = offset + 1;
        }
        ensure_backlog(self).reset(offset);
        push_status(self);
      },
      [=](start_atom, keyspace_actor keyspace) {
        self->state.keyspace = std::move(keyspace);
        push_status(self);
        if (self->state.is_replica) {
          spdlog::info("Connecting to MASTER {}:{}", self->state.master_host,
                       self->state.master_port);
          connect_link(self);
        }
        send_self_periodic<replication_manager_actor>(self, cron_interval, cron_atom::value);
      },
      [=](link_atom, const link_report& report) {
        // What a link stopped by the last REPLICAOF said on its way out is not about ours.
        if (self->current_sender() == caf::actor_cast<caf::strong_actor_ptr>(self->state.link))
          on_link_report(self, report);
      },
      [=](timeout_atom, uint64_t id) {
        auto& st = self->state;
        for (size_t i = 0; i < st.waiters.size(); ++i)
          if (st.waiters[i].id == id) {
            finish_wait(self, i, integer_reply(count_acked(st, st.waiters[i].offset)));
            return;
          }
      },
      [=](unblock_atom, int64_t client_id, bool with_error) {
        // CLIENT UNBLOCK: as Redis, the count acknowledged so far, or an error.
        auto& st = self->state;
        for (size_t i = 0; i < st.waiters.size(); ++i)
          if (st.waiters[i].client_id == client_id) {
            finish_wait(self, i,
                        with_error ? error_reply("UNBLOCKED client unblocked via CLIENT UNBLOCK")
                                   : integer_reply(count_acked(st, st.waiters[i].offset)));
            return;
          }
      },
      [=](config_atom, const replication_settings& settings) {
        auto& st = self->state;
        st.config.repl = settings;
        if (st.log)
          st.log->resize(static_cast<size_t>(settings.backlog_size));
        push_status(self);
        maybe_start_sync(self);  // a shorter delay may have passed already
      },
      // Announced from the next handshake with the master on (REPLCONF listening-port).
      [=](port_atom, uint16_t port, uint16_t tls_port) {
        self->state.config.port = port;
        self->state.config.tls.port = tls_port;
      },
      [=](cron_atom) {
        run_cron(self);
        send_self_periodic<replication_manager_actor>(self, cron_interval, cron_atom::value);
      },
  };
}

}  // namespace credis
