// Outgoing TCP connections that do not block the multiplexer thread (the master link, MIGRATE).
#pragma once

#include <cstdint>
#include <string>

namespace credis {

// Starts a non-blocking connect to host:port (IPv4 addresses first, as "localhost" usually
// means a server bound to 127.0.0.1); the socket, or -1 with `error` set. A refused connect
// shows later as the connection closing.
int start_connect(const std::string& host, uint16_t port, std::string& error);

}  // namespace credis
