// The TLS contexts redis-server's tls-* settings ask for: the server's, for the tls-port, and
// the client's, for a replica's link to its master (tls-replication).
#pragma once

#include <memory>
#include <string>

#include "protocol/tls_session.hpp"
#include "storage/server_state.hpp"

namespace credis {

struct tls_contexts {
  std::unique_ptr<tls_context> server;  // null without a tls-port
  std::unique_ptr<tls_context> client;  // null when neither a tls-port nor tls-replication
};

// Makes them as Redis does at start-up: when a tls-port or tls-replication is set, with the
// same requirements (a certificate and key; a CA when clients or masters are verified). An
// error text, or empty.
std::string make_tls_contexts(const server_config& config, tls_contexts& out);

}  // namespace credis
