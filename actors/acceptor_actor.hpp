// The acceptor listens on the configured addresses and forks one connection actor per client.
//
// It monitors its connection actors and ends them (anonymously) when it is shut down; a
// connection that ends only ends itself. Not links: two linked brokers ending together could
// each keep the other's exit message, which holds its sender, and so never be freed
// (LeakSanitizer saw it in about one ASan suite run in two).
#pragma once

#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "actors/keyspace_door.hpp"
#include "actors/messages.hpp"
#include "protocol/tls_session.hpp"

namespace credis {

struct acceptor_state {
  acceptor_state() = default;  // not an aggregate: CAF would try to build it from self
  keyspace_actor keyspace;
  replication_manager_actor manager;
  server_state* server = nullptr;
  const tls_context* tls = nullptr;  // for connections to the tls-port
  // The listening sockets server_listeners opened, by descriptor, and those of the tls-port.
  std::unordered_map<int, caf::io::accept_handle> listeners;
  std::set<caf::io::accept_handle> tls_listeners;
  script_watch* script = nullptr;
  keyspace_door* door = nullptr;
  std::unordered_map<caf::actor_id, caf::actor> connections;
  bool closing = false;  // shut down: quits after this round, takes no more clients
  static const char* name;
};

using acceptor_broker = caf::io::stateful_broker<acceptor_state>*;

// Accepts on the listening sockets server_listeners gives it (listen_atom, whether they are the
// tls-port's, the sockets to accept on and those to close).
// `script`: what connections see of the script the keyspace runs (BUSY, SCRIPT KILL).
caf::behavior acceptor_actor_fn(acceptor_broker self, keyspace_actor keyspace,
                                replication_manager_actor manager, server_state* server,
                                const tls_context* tls, script_watch* script, keyspace_door* door);

}  // namespace credis
