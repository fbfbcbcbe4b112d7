// CONFIG SET's second step, as Redis's apply functions: once every value is in the new
// configuration, what a parameter changes outside it (the listening sockets, the OOM score) is
// made to follow. When one fails, the old configuration is applied again by every one.
#pragma once

#include <optional>
#include <span>
#include <string>

#include "storage/config/listening_sockets.hpp"
#include "storage/config/oom_score.hpp"
#include "storage/server_state.hpp"

namespace credis {

// What a parameter changes outside the configuration; parameters that share one are applied
// once (oom-score-adj and oom-score-adj-values).
enum class config_effect { none, port, tls_port, bind, oom_score, allocator_background_thread };

// Where the effects happen; a null one is not there (unit tests, a server that listens
// nowhere yet) and its effects change nothing.
struct config_targets {
  listening_sockets* sockets = nullptr;
  oom_score_adjuster* oom = nullptr;
  bool replica = false;  // which of oom-score-adj-values applies
};

struct apply_failure {
  size_t effect;  // the index, in the effects given, of the one that failed
  std::string error;
};

// Applies each effect of `effects` to `config` in the order given, each once. On a failure,
// applies them all again to `previous` (whose failures are only logged) and says which failed.
std::optional<apply_failure> apply_config_effects(std::span<const config_effect> effects,
                                                  const server_config& config,
                                                  const server_config& previous,
                                                  config_targets& targets);

// A child just forked (a save, a replica's sync) takes oom-score-adj-values' score for
// background children; a failure is logged (null targets: nothing).
void set_child_oom_score(const config_targets* targets, const server_config& config, int pid);

}  // namespace credis
