// Where the server listens, which CONFIG SET port, tls-port and bind change at run time. The
// storage side says what it wants; actors/ opens the sockets (storage has no socket code).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace credis {

enum class listener_kind { plain, tls };

class listening_sockets {
 public:
  virtual ~listening_sockets() = default;

  // Listens for `kind` on `port` at each address of `bind` (space separated; nothing for port
  // 0 or no address) in place of where it listens now, as Redis's changeListenPort. On failure
  // it goes on listening where it did and returns why (Redis's log line), else empty.
  virtual std::string listen(listener_kind kind, uint16_t port, std::string_view bind) = 0;

  // Whether a tls-port's connections can be served (TLS was configured at start-up).
  virtual bool serves_tls() const = 0;
};

}  // namespace credis
