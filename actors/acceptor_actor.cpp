#include "actors/acceptor_actor.hpp"

#include <sstream>

#include <spdlog/spdlog.h>

#include "actors/broker_exit.hpp"
#include "actors/connection_actor.hpp"

namespace credis {

const char* acceptor_state::name = "acceptor";

namespace {

// Listens on `port` at each address of `bind`; false with st.listen_error set on failure.
bool listen_on(acceptor_broker self, uint16_t port, bool tls) {
  auto& st = self->state;
  std::istringstream addresses(st.server->config.bind);
  std::string address;
  while (addresses >> address) {
    // As Redis: "-addr" is listened on when the machine has it (IPv6 may be off), else skipped.
    const bool optional = address.size() > 1 && address[0] == '-';
    if (optional)
      address.erase(0, 1);
    auto res = self->add_tcp_doorman(port, address.c_str(), true);
    if (!res && optional) {
      spdlog::debug("Skipping {}:{}: {}", address, port, self->system().render(res.error()));
      continue;
    }
    if (!res) {
      st.listen_error = "Could not create server TCP listening socket " + address + ":" +
                        std::to_string(port) + ": " + self->system().render(res.error());
      return false;
    }
    if (tls)
      st.tls_listeners.insert(res->first);
  }
  return true;
}

}  // namespace

caf::behavior acceptor_actor_fn(acceptor_broker self, keyspace_actor keyspace,
                                replication_manager_actor manager, server_state* server,
                                const tls_context* tls, script_watch* script) {
  empty_mailbox_at_exit(self);
  auto& st = self->state;
  st.keyspace = std::move(keyspace);
  st.manager = std::move(manager);
  st.server = server;
  st.tls = tls;
  st.script = script;
  if (server->config.port != 0)
    listen_on(self, server->config.port, false);
  if (st.listen_error.empty() && tls && server->config.tls.port != 0)
    listen_on(self, server->config.tls.port, true);
  // Only main's shutdown ends the acceptor, and every connection with it. The exits go
  // anonymously: a message naming the acceptor as sender, left in a connection's mailbox,
  // would keep the acceptor alive while the acceptor's down message keeps the connection.
  self->set_exit_handler([=](const caf::exit_msg& msg) {
    for (auto& [id, conn] : self->state.connections)
      caf::anon_send_exit(conn, caf::exit_reason::user_shutdown);
    self->state.connections.clear();
    self->quit(msg.reason);
  });
  self->set_down_handler([=](const caf::down_msg& msg) {
    self->state.connections.erase(msg.source.id());
  });
  return {
      [=](const caf::io::new_connection_msg& msg) {
        auto& st = self->state;
        const tls_context* tls = st.tls_listeners.count(msg.source) ? st.tls : nullptr;
        auto conn = self->fork(connection_actor_fn, msg.handle, st.keyspace, st.manager,
                               st.server, tls, st.script);
        self->monitor(conn);
        self->state.connections.emplace(conn.id(), std::move(conn));
      },
      [=](port_atom) { return self->state.listen_error; },
  };
}

}  // namespace credis
