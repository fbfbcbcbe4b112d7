// Outgoing TCP connections that do not block the multiplexer thread (the master link, MIGRATE).
#pragma once

#include <sys/socket.h>

#include <cstdint>
#include <string>

namespace credis {

// An address to connect to; len 0: none.
struct resolved_address {
  sockaddr_storage addr{};
  socklen_t len = 0;
};

// host:port's address (IPv4 first, as "localhost" usually means a server bound to 127.0.0.1).
// `numeric_only`: only when host is a numeric address, which needs no name lookup (a lookup
// may wait for DNS: it belongs on a thread of its own). False, with `error` set, when none.
bool resolve_address(const std::string& host, uint16_t port, bool numeric_only,
                     resolved_address& out, std::string& error);

// Starts a non-blocking connect, from `source` when given and it can be bound (else from any
// address: Redis's best effort with bind-source-addr); the socket, or -1 with `error` set. A
// refused connect shows later as the connection closing.
int connect_to(const resolved_address& address, std::string& error,
               const std::string& source = {});

// Both, the lookup included.
int start_connect(const std::string& host, uint16_t port, std::string& error,
                  const std::string& source = {});

}  // namespace credis
