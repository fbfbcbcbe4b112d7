#include "storage/config/config_apply.hpp"

#include <algorithm>

#include <spdlog/spdlog.h>

#include "storage/memory_usage.hpp"

namespace credis {

namespace {

// The error text CONFIG SET gives, Redis's; why the sockets could not be had goes to the log.
std::string listen_on(listening_sockets* sockets, listener_kind kind, uint16_t port,
                      std::string_view bind, std::string_view failure) {
  if (!sockets)
    return {};
  std::string why = sockets->listen(kind, port, bind);
  if (why.empty())
    return {};
  spdlog::warn("{}", why);
  return std::string(failure);
}

std::string apply_one(config_effect effect, const server_config& c, config_targets& targets) {
  constexpr std::string_view port_failure = "Unable to listen on this port. Check server logs.";
  switch (effect) {
    case config_effect::port:
      return listen_on(targets.sockets, listener_kind::plain, c.port, c.bind, port_failure);
    case config_effect::tls_port:
      // Redis configures TLS here when it was not; credis only at start-up.
      if (targets.sockets && c.tls.port != 0 && !targets.sockets->serves_tls())
        return "Unable to update TLS configuration. Check server logs.";
      return listen_on(targets.sockets, listener_kind::tls, c.tls.port, c.bind, port_failure);
    case config_effect::bind: {
      // Both listeners move to the new addresses (Redis's changeBindAddr).
      constexpr std::string_view bind_failure = "Failed to bind to specified addresses.";
      std::string error =
          listen_on(targets.sockets, listener_kind::plain, c.port, c.bind, bind_failure);
      if (error.empty())
        error = listen_on(targets.sockets, listener_kind::tls, c.tls.port, c.bind, bind_failure);
      return error;
    }
    case config_effect::oom_score:
      return targets.oom ? targets.oom->apply(c.oom_score, server_oom_class(targets.replica))
                         : std::string();
    case config_effect::allocator_background_thread:
      // As Redis, which ignores jemalloc's answer.
      set_allocator_background_thread(c.allocator_background_thread);
      return {};
    case config_effect::none:
      break;
  }
  return {};
}

}  // namespace

std::optional<apply_failure> apply_config_effects(std::span<const config_effect> effects,
                                                  const server_config& config,
                                                  const server_config& previous,
                                                  config_targets& targets) {
  auto first_of_its_kind = [&](size_t i) {
    return effects[i] != config_effect::none &&
           std::find(effects.begin(), effects.begin() + i, effects[i]) == effects.begin() + i;
  };
  for (size_t i = 0; i < effects.size(); ++i) {
    if (!first_of_its_kind(i))
      continue;
    std::string error = apply_one(effects[i], config, targets);
    if (error.empty())
      continue;
    // Every effect, the failed one and those not reached too, as Redis's restoreBackupConfig.
    for (size_t j = 0; j < effects.size(); ++j)
      if (first_of_its_kind(j))
        if (std::string again = apply_one(effects[j], previous, targets); !again.empty())
          spdlog::warn("Failed applying restored failed CONFIG SET command: {}", again);
    return apply_failure{i, std::move(error)};
  }
  return std::nullopt;
}

void set_child_oom_score(const config_targets* targets, const server_config& config, int pid) {
  if (targets && targets->oom)
    if (std::string error = targets->oom->apply_to_child(config.oom_score, pid); !error.empty())
      spdlog::warn("{}", error);
}

}  // namespace credis
