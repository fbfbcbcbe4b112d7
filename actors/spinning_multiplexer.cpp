#include "actors/spinning_multiplexer.hpp"

#include <caf/actor_system_config.hpp>

namespace credis {

spinning_multiplexer::spinning_multiplexer(caf::actor_system* sys)
    : default_multiplexer(sys),
      busy_poll_(caf::get_or(sys->config(), busy_poll_setting, int64_t{0})) {}

void spinning_multiplexer::run() {
  using clock = std::chrono::steady_clock;
  // CAF's own loop ends once the last socket (its wake-up pipe, closed at shutdown) is gone.
  while (num_socket_handlers() > 0) {
    if (poll_once(false))
      continue;
    bool ready = false;
    for (auto until = clock::now() + busy_poll_; !ready && clock::now() < until;)
      ready = poll_once(false);
    if (!ready)
      poll_once(true);
  }
}

}  // namespace credis
