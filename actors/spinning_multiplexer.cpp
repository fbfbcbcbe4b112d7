#include "actors/spinning_multiplexer.hpp"

#include <caf/actor_system_config.hpp>
#include <caf/io/middleman.hpp>

namespace credis {

spinning_multiplexer::spinning_multiplexer(caf::actor_system* sys)
    : default_multiplexer(sys),
      busy_poll_(caf::get_or(sys->config(), busy_poll_setting, int64_t{0})) {}

spinning_multiplexer* spinning_multiplexer::of(caf::actor_system& sys) {
  return dynamic_cast<spinning_multiplexer*>(&sys.middleman().backend());
}

// One round of CAF's loop, then what was left for its end.
bool spinning_multiplexer::poll_round(bool block) {
  bool ready = poll_once(block);
  while (!after_round_.empty()) {
    auto due = std::move(after_round_);
    after_round_.clear();
    for (auto& fn : due)
      fn();
    handle_internal_events();
  }
  return ready;
}

void spinning_multiplexer::run() {
  using clock = std::chrono::steady_clock;
  // CAF's own loop ends once the last socket (its wake-up pipe, closed at shutdown) is gone.
  while (num_socket_handlers() > 0) {
    if (poll_round(false))
      continue;
    bool ready = false;
    auto spin = enabled_.load(std::memory_order_relaxed) ? busy_poll_ : std::chrono::microseconds(0);
    for (auto until = clock::now() + spin; !ready && clock::now() < until;)
      ready = poll_round(false);
    if (!ready)
      poll_round(true);
  }
}

}  // namespace credis
