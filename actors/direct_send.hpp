// Writing replies straight to a connection's socket.
//
// CAF 0.17's broker write() only queues bytes: the multiplexer registers the socket for
// EPOLLOUT, sends on its next turn, and unregisters it, which is two epoll_ctl calls and an
// extra epoll_wait per reply (measured: 8 syscalls per SET against Redis's 3). When nothing is
// queued in CAF for the connection, a reply goes straight to the socket instead (at the end of
// the loop's round, with the others': batched_send.hpp); only what the socket does not take
// goes through CAF's queue.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include <caf/io/broker.hpp>

#include "actors/batched_send.hpp"  // send_now

namespace credis {

// The socket behind `hdl`, or -1. In CAF 0.17's default multiplexer a connection handle's id is
// its socket; that is checked here against the peer CAF reports, so another backend only
// loses the shortcut.
int native_socket_of(caf::io::abstract_broker* self, caf::io::connection_handle hdl);

// Our end of the socket as "ip:port" (CLIENT LIST's laddr); empty when unknown.
std::string local_address_of(int fd);
// "ip:port" of a peer, an IPv6 address in brackets as Redis's anetFormatAddr writes it.
std::string address_text(const std::string& ip, uint16_t port);

// With `on`, keeps at most 64 KB of output waiting unsent in the kernel (TCP_NOTSENT_LOWAT);
// the rest waits in the connection and goes as the reader drains. Handed a 1 MB GET reply at
// once, the kernel transmits most of it from inside the reader's recv() calls (each ACK sends
// the next segments), which made a client-bound reader half as fast. Off: the system's default
// (no limit). No-op for other sockets.
void limit_unsent_bytes(int fd, bool on);

}  // namespace credis
