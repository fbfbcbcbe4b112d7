#include "actors/acceptor_actor.hpp"

#include <sstream>

#include <spdlog/spdlog.h>

#include "actors/connection_actor.hpp"

namespace credis {

const char* acceptor_state::name = "acceptor";

caf::behavior acceptor_actor_fn(acceptor_broker self, keyspace_actor keyspace,
                                replication_manager_actor manager, server_state* server) {
  auto& st = self->state;
  st.keyspace = std::move(keyspace);
  st.manager = std::move(manager);
  st.server = server;
  std::istringstream addresses(server->config.bind);
  std::string address;
  while (addresses >> address) {
    // As Redis: "-addr" is listened on when the machine has it (IPv6 may be off), else skipped.
    const bool optional = address.size() > 1 && address[0] == '-';
    if (optional)
      address.erase(0, 1);
    auto res = self->add_tcp_doorman(server->config.port, address.c_str(), true);
    if (!res && optional) {
      spdlog::debug("Skipping {}:{}: {}", address, server->config.port,
                    self->system().render(res.error()));
      continue;
    }
    if (!res) {
      st.listen_error = "Could not create server TCP listening socket " + address + ":" +
                        std::to_string(server->config.port) + ": " +
                        self->system().render(res.error());
      break;
    }
  }
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
        auto conn = self->fork(connection_actor_fn, msg.handle, self->state.keyspace,
                               self->state.manager, self->state.server);
        self->monitor(conn);
        self->state.connections.emplace(conn.id(), std::move(conn));
      },
      [=](port_atom) { return self->state.listen_error; },
  };
}

}  // namespace credis
