// The listening sockets of the port and the tls-port, opened here (socket, bind, listen, as
// Redis's listenToPort) and handed to the acceptor, which accepts on them. CONFIG SET port,
// tls-port and bind call listen() from the keyspace, which needs the answer at once.
#pragma once

#include <array>
#include <string>
#include <string_view>
#include <vector>

#include <caf/all.hpp>

#include "storage/config/listening_sockets.hpp"

namespace credis {

class server_listeners final : public listening_sockets {
 public:
  // `tls_ready`: a TLS context was made for the tls-port's connections (at start-up).
  explicit server_listeners(bool tls_ready) : tls_ready_(tls_ready) {}

  // Where the sockets go (a listen_atom message); before the first listen().
  void attach(caf::actor acceptor) { acceptor_ = std::move(acceptor); }

  // The current listeners stop first, so that the new ones may take their addresses (Redis
  // closes them first); when the new ones cannot all be had, the old listen again.
  std::string listen(listener_kind kind, uint16_t port, std::string_view bind) override;
  bool serves_tls() const override { return tls_ready_; }

  // Whether any socket listens (none: a bind without addresses, or every one skipped).
  bool listening() const { return !fds_[0].empty() || !fds_[1].empty(); }

 private:
  std::array<std::vector<int>, 2> fds_;  // plain's and tls's, as the acceptor has them
  caf::actor acceptor_;
  bool tls_ready_;
};

}  // namespace credis
