#include "actors/master_link_actor.hpp"

#include <spdlog/spdlog.h>

#include "actors/broker_exit.hpp"
#include "actors/clock.hpp"
#include "actors/loader_actor.hpp"
#include "actors/tcp_connect.hpp"

namespace credis {

const char* master_link_state::name = "master-link";

namespace {

// A replica acknowledges its offset this often, and checks the master is still talking.
constexpr auto tick_interval = std::chrono::milliseconds(1000);

void send_to_master(master_link_broker self, const std::string& bytes) {
  auto& st = self->state;
  if (st.tls) {
    if (!st.tls->write(bytes))
      spdlog::debug("TLS write to the master failed: {}", st.tls->error());
    st.tls->take_output(self->wr_buf(st.hdl));  // the handshake's records too
  } else if (!bytes.empty()) {
    self->write(st.hdl, bytes.size(), bytes.data());
  }
  self->flush(st.hdl);
}

void report(master_link_broker self, link_report::kind what) {
  auto& st = self->state;
  link_report r;
  r.what = what;
  r.replid = st.replid;
  r.offset = st.protocol->offset();
  r.last_io_ms = st.last_io_ms;
  self->send(st.manager, link_atom::value, std::move(r));
}

void drop_link(master_link_broker self, const std::string& why) {
  spdlog::warn("{}", why);
  self->close(self->state.hdl);
  self->quit();
}

// Hands the stream read so far to the keyspace (or holds it while a snapshot loads).
void pass_stream(master_link_broker self) {
  auto& st = self->state;
  auto& s = st.stream;
  if (s.batch.empty() && s.raw.empty())
    return;
  if (st.loading) {
    st.held.push_back({std::move(s.batch), std::move(s.raw), s.client.db});
  } else {
    self->send(st.keyspace, apply_atom::value, std::move(s.batch), std::move(s.raw), s.client.db,
               st.generation);
  }
  s.batch = command_batch();
  s.raw.clear();
}

// Loads a full sync's snapshot on the loader's own thread; the keyspace answers -LOADING until
// the loader says it is done.
void load_snapshot(master_link_broker self) {
  auto& st = self->state;
  st.loading = true;
  stream_bytes payload{std::make_shared<const std::string>(std::move(st.protocol->snapshot()))};
  bool eof_form = st.protocol->snapshot_expected() == -1;
  spdlog::info("MASTER <-> REPLICA sync: Flushing old data");
  auto loader =
      self->system().spawn<caf::detached>(loader_actor_fn, st.keyspace, false, st.generation);
  self->request(loader, caf::infinite, load_atom::value, payload, st.replid, st.sync_offset)
      .then(
          [=](const std::string& failure, int stream_db) {
            auto& st = self->state;
            caf::anon_send_exit(loader, caf::exit_reason::user_shutdown);
            if (!failure.empty()) {
              drop_link(self, failure);  // the old data stays; the manager connects again
              return;
            }
            st.loading = false;
            st.stream.client.db = stream_db;
            for (auto& h : st.held)
              self->send(st.keyspace, apply_atom::value, std::move(h.batch), std::move(h.raw), h.db,
                         st.generation);
            st.held.clear();
            // After an EOF-marked snapshot the first ACK tells the master it is in: only then
            // does a diskless master start the stream (Redis sends it for that form only).
            std::string first_ack =
                eof_form ? master_link::ack(st.sync_offset) : std::string();
            send_to_master(self, first_ack + st.held_replies);
            st.held_replies.clear();
            report(self, link_report::kind::up);
          },
          [=](const caf::error& e) {
            caf::anon_send_exit(loader, caf::exit_reason::user_shutdown);
            // The loader died without saying it is done: the keyspace serves again anyway.
            self->send(self->state.keyspace, loading_atom::value, loading_progress{0, 0, true});
            drop_link(self, "Loading the master's snapshot failed: " + self->system().render(e));
          });
}

void on_data(master_link_broker self, const caf::io::new_data_msg& msg) {
  auto& st = self->state;
  st.last_io_ms = now_ms();
  std::string_view bytes(msg.buf.data(), msg.buf.size());
  if (st.tls) {
    st.tls_plain.clear();
    bool ok = st.tls->feed(bytes, st.tls_plain);
    send_to_master(self, {});  // handshake records, alerts
    if (!ok) {
      drop_link(self, "TLS error on the link to the master: " + st.tls->error());
      return;
    }
    bytes = st.tls_plain;
  }
  auto before = st.protocol->current();
  auto p = st.protocol->feed(bytes, st.stream);
  if (before == master_link::state::pong && st.protocol->current() != master_link::state::pong)
    spdlog::info("Master replied to PING, replication can continue...");
  // A GETACK is answered once what came before it is applied, not while a snapshot loads.
  if (st.loading || p.snapshot_done)
    st.held_replies += p.send;
  else
    send_to_master(self, p.send);
  if (p.full_sync) {
    st.replid = p.replid;
    st.sync_offset = p.offset;
    spdlog::info("Full resync from master: {}:{}", p.replid, p.offset);
    report(self, link_report::kind::syncing);
  }
  if (p.continued) {
    if (!p.replid.empty()) {
      spdlog::info("Master replication ID changed to {}", p.replid);
      st.replid = p.replid;
    }
    spdlog::info("Successful partial resynchronization with master.");
    spdlog::info("MASTER <-> REPLICA sync: Master accepted a Partial Resynchronization.");
    report(self, link_report::kind::up);
  }
  if (st.protocol->current() == master_link::state::payload &&
      !st.payload_logged && st.protocol->snapshot_expected() != -2) {
    st.payload_logged = true;
    if (st.protocol->snapshot_expected() >= 0)
      spdlog::info("MASTER <-> REPLICA sync: receiving {} bytes from master to memory",
                   st.protocol->snapshot_expected());
    else
      spdlog::info("MASTER <-> REPLICA sync: receiving streamed RDB from master with EOF to "
                   "memory");
  }
  if (p.snapshot_done) {
    spdlog::info("MASTER <-> REPLICA sync: received {} bytes", st.protocol->snapshot_received());
    load_snapshot(self);
  }
  pass_stream(self);
  if (!p.error.empty())
    drop_link(self, p.error);
}

}  // namespace

void stream_batcher::command(const std::vector<std::string_view>& argv, std::string_view bytes) {
  add_request(batch, argv, client, *server);
  client.pending = {};  // a master asks nothing of its replica's manager
  raw.append(bytes);
}

caf::behavior master_link_fn(master_link_broker self, std::string host, uint16_t port,
                             int64_t listening_port, const tls_context* tls, std::string replid,
                             int64_t offset, int stream_db, int64_t generation,
                             keyspace_actor keyspace, replication_manager_actor manager,
                             server_state* server, replication_settings settings) {
  empty_mailbox_at_exit(self);
  // Told to end (the manager's stop_link) perhaps in the round its socket was registered.
  self->set_exit_handler([=](const caf::exit_msg&) { drop_after_round(self); });
  auto& st = self->state;
  st.keyspace = std::move(keyspace);
  st.manager = std::move(manager);
  st.stream.server = server;
  // A continued stream goes on in the database the previous link left it in.
  st.stream.client.db = stream_db;
  st.timeout_ms = settings.timeout * 1000;
  st.replid = replid;
  st.generation = generation;
  st.protocol.emplace(listening_port, replid, offset);
  st.protocol->authenticate_with(settings.masteruser, settings.masterauth);
  st.last_io_ms = now_ms();
  std::string error;
  int fd = start_connect(host, port, error, settings.bind_source_addr);
  if (fd < 0) {
    spdlog::warn("Unable to connect to MASTER: {}", error);
    self->quit();
    return {};
  }
  st.hdl = self->add_scribe(fd);
  if (tls)
    st.tls = std::make_unique<tls_session>(*tls, false);
  self->configure_read(st.hdl, caf::io::receive_policy::at_most(64 * 1024));
  spdlog::info("MASTER <-> REPLICA sync started");
  send_to_master(self, st.protocol->start());
  if (replid.empty())
    spdlog::info("Partial resynchronization not possible (no cached master)");
  else
    spdlog::info("Trying a partial resynchronization (request {}:{}).", replid, offset + 1);
  send_self_periodic<caf::actor>(self, tick_interval, timeout_atom::value);
  return {
      [=](const caf::io::new_data_msg& msg) { on_data(self, msg); },
      [=](timeout_atom) {
        auto& st = self->state;
        if (now_ms() - st.last_io_ms > st.timeout_ms) {
          drop_link(self, "MASTER timeout: no data nor PING received...");
          return;
        }
        if (st.protocol->current() == master_link::state::streaming && !st.loading)
          send_to_master(self, st.protocol->ack());
        report(self, link_report::kind::io);
        send_self_periodic<caf::actor>(self, tick_interval, timeout_atom::value);
      },
      [=](drop_atom) { self->quit(caf::exit_reason::user_shutdown); },
      [=](const caf::io::connection_closed_msg&) {
        spdlog::warn("Error condition on socket for SYNC: Connection lost");
        self->quit();
      },
  };
}

}  // namespace credis
