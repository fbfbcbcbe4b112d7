// Redis's log line shape, "pid:role date time.ms <level> message", whose role letter is M for
// a master and S for a replica.
#pragma once

#include <spdlog/spdlog.h>

namespace credis {

inline void set_log_role(spdlog::logger& logger, bool replica) {
  logger.set_pattern(replica ? "%P:S %d %b %Y %H:%M:%S.%e %L %v"
                             : "%P:M %d %b %Y %H:%M:%S.%e %L %v");
}

}  // namespace credis
