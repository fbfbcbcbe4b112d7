#include "actors/acceptor_actor.hpp"

#include <spdlog/spdlog.h>

#include "actors/broker_exit.hpp"
#include "actors/connection_actor.hpp"

namespace credis {

const char* acceptor_state::name = "acceptor";

namespace {

void close_listener(acceptor_broker self, int fd) {
  auto& st = self->state;
  auto it = st.listeners.find(fd);
  if (it == st.listeners.end())
    return;
  self->close(it->second);  // closes the socket (it may already have, on an error)
  st.tls_listeners.erase(it->second);
  st.listeners.erase(it);
}

}  // namespace

caf::behavior acceptor_actor_fn(acceptor_broker self, keyspace_actor keyspace,
                                replication_manager_actor manager, server_state* server,
                                const tls_context* tls, script_watch* script, keyspace_door* door) {
  empty_mailbox_at_exit(self);
  auto& st = self->state;
  st.keyspace = std::move(keyspace);
  st.manager = std::move(manager);
  st.server = server;
  st.tls = tls;
  st.script = script;
  st.door = door;
  // Only main's shutdown ends the acceptor, and every connection with it. The exits go
  // anonymously: a message naming the acceptor as sender, left in a connection's mailbox,
  // would keep the acceptor alive while the acceptor's down message keeps the connection.
  // The acceptor quits a round later: a listener added in the round it quits would be
  // registered and unregistered at once, which CAF drops half-way (the doorman leaks).
  self->set_exit_handler([=](const caf::exit_msg&) {
    for (auto& [id, conn] : self->state.connections)
      caf::anon_send_exit(conn, caf::exit_reason::user_shutdown);
    self->state.connections.clear();
    self->state.closing = true;
    drop_after_round(self);
  });
  self->set_down_handler([=](const caf::down_msg& msg) {
    self->state.connections.erase(msg.source.id());
  });
  return {
      [=](const caf::io::new_connection_msg& msg) {
        auto& st = self->state;
        if (st.closing) {
          self->close(msg.handle);
          return;
        }
        const tls_context* tls = st.tls_listeners.count(msg.source) ? st.tls : nullptr;
        auto conn = self->fork(connection_actor_fn, msg.handle, st.keyspace, st.manager, st.server,
                               tls, st.script, st.door);
        self->monitor(conn);
        self->state.connections.emplace(conn.id(), std::move(conn));
      },
      [=](listen_atom, bool tls, const std::vector<int>& opened, const std::vector<int>& closed) {
        for (int fd : closed)
          close_listener(self, fd);
        for (int fd : opened) {
          auto hdl = self->add_doorman(fd);
          self->state.listeners.emplace(fd, hdl);
          if (tls)
            self->state.tls_listeners.insert(hdl);
        }
      },
      [=](drop_atom) { self->quit(caf::exit_reason::user_shutdown); },
      // A listener stopped by CONFIG SET may report its end before it is closed.
      [=](const caf::io::acceptor_closed_msg& msg) {
        auto& st = self->state;
        std::erase_if(st.listeners, [&](const auto& entry) { return entry.second == msg.handle; });
        st.tls_listeners.erase(msg.handle);
      },
  };
}

}  // namespace credis
